// Every workflow the worker registers; the worker bundles this file for the deterministic sandbox.
export { orderWorkflowV3 } from './order/v3/workflow';
/** Orders started before fulfillment units (2026-12-02) run on v2 until they end; it stays registered for them. */
export { orderWorkflowV2 } from './order/workflow';
/** Orders started before 2026-12-02 run on v1 until they end; it stays registered for them. */
export { orderWorkflow } from './v1/order';
export { latePaymentWorkflow } from './late-payment';
export { stockFeedWorkflow } from './stock-feed';
export { trendyolPullWorkflow } from './channel-pull';
export { carrierTrackingWorkflow } from './carrier-tracking';
export { hepsiburadaPullWorkflow, n11PullWorkflow } from './channel-pull';
export { channelWriteBackWorkflow } from './channel-writeback';
