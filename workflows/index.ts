// Every workflow the worker registers; the worker bundles this file for the deterministic sandbox.
export { orderWorkflow } from './order';
export { latePaymentWorkflow } from './late-payment';
