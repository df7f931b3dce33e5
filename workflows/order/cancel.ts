// Canceling: from outside (the cancel update, or Temporal's own cancellation) or from inside (no or failed
// payment), with the same compensations. Nothing forward starts once a cancel is accepted (see
// Announcer.ensureNotCanceled); the attempt already in flight finishes, so its compensation knows what to undo.
import { CancellationScope, sleep } from '@temporalio/workflow';
import type { OrderContext } from './context';

/** Runs every compensation and ends the order canceled. */
export async function cancelAndCompensate(ctx: OrderContext, reason: string, actor: string): Promise<void> {
  const { s, desk, saga, status } = ctx;
  // A forward step that was stuck waiting for an operator is moot once the order is canceled.
  desk.abandonSteps(actor);
  s.compensating = true;
  await saga.unwind(actor);
  s.compensating = false;
  s.order.cancelReason = reason;
  status.setStatus('canceled', reason);
  s.accepted = true;
}

/** Cancels from inside the flow (payment failure or timeout). */
export async function cancelFromWithin(ctx: OrderContext, reason: string, detail: string): Promise<void> {
  ctx.s.log({ type: 'cancel_decided', detail });
  ctx.s.canceling = { reason, actor: 'system' };
  await CancellationScope.nonCancellable(() => cancelAndCompensate(ctx, reason, 'system'));
}

/**
 * A canceled order whose label had been created stays open for the tracking window: a carrier that did not honour
 * the label's cancel may still move the parcel, and that news must reach a person (the carrier handler raises
 * `carrier_after_cancel`); an order with no label ends at once.
 */
export async function watchCanceledParcel(ctx: OrderContext): Promise<void> {
  if (ctx.s.order.status !== 'canceled' || !ctx.s.shipment) return;
  await sleep(ctx.s.input.timers.trackingWindow);
}
