// The order workflow, v2 (workflow type `orderWorkflowV2`): one durable run per order, from stock reservation to
// the end of the return window. The state is a class (state.ts), the saga its own module (saga.ts), operator
// waits one desk (operator.ts), and each step family a file (accept, payment, fulfilment, returns, cancel).
// Orders started before v2 keep running on workflows/v1/order.ts.
// Determinism: these files import only @temporalio/workflow, the shared contract and the pure domain rules.
import { CancellationScope, allHandlersFinished, condition, isCancellation } from '@temporalio/workflow';
import type { OrderInput, OrderView } from '../../contract/types';
import { isCancelable } from '../../domain/order';
import { priceOrder } from '../../domain/payments';
import { acceptOrder } from './accept';
import { cancelAndCompensate, cancelFromWithin, watchCanceledParcel } from './cancel';
import type { OrderContext } from './context';
import { awaitDelivery, pickPackShip, startPicking, stockLines } from './fulfilment';
import { registerHandlers } from './handlers';
import { Operator, OperatorDesk, describe } from './operator';
import { awaitPayment, claimEarlyPayments, queueUntakenPayment, settleLatePayments } from './payment';
import { startReadModelWriter } from './read-model';
import { runReturn } from './returns';
import { Saga } from './saga';
import { OrderState } from './state';
import { Announcer } from './status';

/** One order, end to end; returns the final order view. */
export async function orderWorkflowV2(input: OrderInput): Promise<OrderView> {
  // Pricing refuses rather than throws: nothing may fail before the handlers exist.
  const pricing = priceOrder(input.lines, input.currency);
  const s = new OrderState(input, pricing);
  const desk = new OperatorDesk(s);
  const operator = new Operator(s, desk);
  const ctx: OrderContext = { s, desk, operator, saga: new Saga(s, operator), status: new Announcer(s) };
  const mainScope = new CancellationScope();
  registerHandlers(ctx, mainScope);
  const writer = startReadModelWriter(s, desk);
  /** Waits until the read model holds the current version (before handing ids to the outside). */
  const persisted = async () => {
    s.publish();
    await condition(() => s.persistedVersion >= s.publishedVersion);
  };

  let workflowCancelled: unknown;
  try {
    await mainScope.run(() => runOrder(ctx, pricing.ok ? undefined : pricing.problem, persisted));
  } catch (err) {
    // Anything but a cancellation is a bug here (steps turn failures into operator waits): fail the workflow task,
    // which Temporal retries until fixed code is deployed, instead of ending the order with its side effects in place.
    if (!isCancellation(err)) throw new Error(`order flow failed: ${describe(err)}`, { cause: err });
    if (!s.canceling) workflowCancelled = err; // cancelled from Temporal itself (UI, CLI): compensate, then end cancelled
    await CancellationScope.nonCancellable(async () => {
      if (isCancelable(s.order.status)) {
        await cancelAndCompensate(ctx, s.canceling?.reason ?? 'workflow_cancelled', s.canceling?.actor ?? 'temporal');
      } else {
        s.log({ type: 'workflow_cancelled', detail: `nothing to compensate once ${s.order.status}` });
      }
    });
  }

  await CancellationScope.nonCancellable(async () => {
    s.accepted = true;
    queueUntakenPayment(ctx);
    await settleLatePayments(ctx);
    await watchCanceledParcel(ctx);
    await operator.alertsHandled();
    await Promise.all(ctx.status.work);
    await persisted();
    s.finished = true;
    await writer;
    await condition(allHandlersFinished);
  });
  if (workflowCancelled) throw workflowCancelled;
  return s.view();
}

async function runOrder(ctx: OrderContext, pricingProblem: string | undefined, persisted: () => Promise<void>): Promise<void> {
  const { s, saga, status } = ctx;
  const accept = async () => {
    await persisted();
    s.accepted = true;
  };
  if (!(await acceptOrder(ctx, pricingProblem))) return accept();

  const { method } = s.input.payment;
  if (method === 'marketplace') {
    const { total, currency } = s.order.totals;
    s.book({ kind: 'capture', amount: total, currency, ref: 'marketplace' });
    saga.push({
      name: 'marketplace_refund',
      // Marketplace orders are refunded by the marketplace itself; the OMS records it.
      run: async () => {
        s.book({ kind: 'marketplace_refund', amount: total, currency, reason: 'cancel' });
        s.log({ type: 'refund_recorded', detail: `${total} ${currency} refunded by the marketplace` });
      },
    });
    status.setStatus('confirmed', 'paid by the marketplace');
    await accept();
  } else if (method === 'cash_on_delivery') {
    s.rederiveMoney();
    status.setStatus('confirmed', 'cash on delivery');
    await accept();
  } else {
    await accept();
    await claimEarlyPayments(ctx);
    if (!(await awaitPayment(ctx, (reason, detail) => cancelFromWithin(ctx, reason, detail)))) return;
    status.ensureNotCanceled();
    status.setStatus('confirmed', `payment ${s.order.paymentStatus}`);
  }

  await startPicking(ctx);
  await pickPackShip(ctx, persisted);
  if ((await awaitDelivery(ctx)) === 'returned') {
    return runReturn(ctx, { lines: stockLines(ctx), reason: 'returned_to_sender', actor: 'carrier' }, 'returned_to_sender');
  }
  s.returnWindowOpen = true;
  await condition(() => s.pendingReturn !== undefined, s.input.timers.returnWindow);
  s.returnWindowOpen = false;
  // A request accepted just as the timer fired still counts: its validator saw the window open.
  if (s.pendingReturn) return runReturn(ctx, s.pendingReturn, 'customer');
  s.log({ type: 'return_window_closed' });
}
