// Payments: the provider's events, the wait for the payment, the amount check, and giving money back on cancel.
// The invariant that keeps money from being kept or lost: every authorized or captured event is either taken by
// the flow (booked in the ledger with its compensation pushed in the same activation) or queued for the
// late-payment settlement when the order ends; an event nobody expects raises attention.
import { condition, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { LedgerEntry } from '../../contract/types';
import { latePaymentWorkflowId, orderSearchAttributes, type PaymentEvent } from '../../contract/workflow';
import { paymentMismatch } from '../../domain/order';
import { latePaymentWorkflow } from '../late-payment';
import { db, ext } from './proxies';
import type { OrderContext } from './context';
import { SKIPPED } from './operator';

/** The payment signal: recorded once per provider event id, then taken, kept for the flow, queued or flagged. */
export function onPaymentEvent(ctx: OrderContext, event: PaymentEvent): void {
  const { s } = ctx;
  if (s.duplicate(`payment:${event.eventId}`)) return;
  // Logged, not yet published: whatever the event leads to publishes (the flow's next status, a booking, an alert).
  s.log({ type: 'payment_event', detail: `${event.type}${event.amount ? ` ${event.amount} ${event.currency ?? ''}` : ''}` });
  if (event.type === 'refunded') return; // the provider confirming a refund the OMS asked for: recorded only
  const current = s.paymentEvent;
  const untaken = current === undefined || !s.takenPayments.has(current.eventId);
  // Before the flow has taken a payment (it waits for one, or has not reached the wait yet), the newest event
  // that moved money is the one it takes; an authorization never replaces a capture.
  if (s.isPrepaid && s.order.status === 'new' && !s.canceling && !s.paymentFailed && untaken) {
    if (current === undefined || (current.type === 'authorized' && event.type === 'captured')) {
      s.paymentEvent = event;
      return;
    }
    // After a failure the order cancels: money that still arrives goes back through the settlement.
    if (current.type === 'failed' && event.type !== 'failed') {
      s.unsettledPayments.push(event);
      return ignored(ctx, event);
    }
  }
  if (event.type === 'failed') return ignored(ctx, event);
  // Money the order can no longer take: given back by a late-payment settlement once the order has ended.
  if (s.canceling || s.compensating || s.order.status === 'canceled' || s.paymentFailed) {
    s.unsettledPayments.push(event);
    return ignored(ctx, event);
  }
  // The provider capturing the authorization the flow took: the capture is booked, nothing else changes.
  const authorization = onlyAuthorization(s.order.ledger ?? []);
  if (event.type === 'captured' && authorization && !untaken) {
    s.takenPayments.add(event.eventId);
    s.paymentEvent = event;
    s.book({ kind: 'capture', amount: event.amount ?? authorization.amount, currency: event.currency ?? authorization.currency, ref: event.eventId });
    return;
  }
  // A second, distinct payment (a double charge, or a payment on an order that needs none): a person checks.
  s.log({ type: 'ignored_event', detail: `payment ${event.type} while ${s.order.status}/${s.order.paymentStatus}` });
  ctx.operator.alert(
    'second_payment',
    `payment ${event.type} ${event.amount ?? ''} ${event.currency ?? ''} (event ${event.eventId}) reached an order that ` +
      `is ${s.order.paymentStatus}: check with the provider for a double charge, refund it there if so, then skip`,
  );
}

function ignored(ctx: OrderContext, event: PaymentEvent): void {
  ctx.s.log({ type: 'ignored_event', detail: `payment ${event.type} while ${ctx.s.order.status}/${ctx.s.order.paymentStatus}` });
  ctx.s.publish();
}

function onlyAuthorization(ledger: LedgerEntry[]): LedgerEntry | undefined {
  if (ledger.some((e) => e.kind === 'capture' || e.kind === 'void')) return undefined;
  return ledger.find((e) => e.kind === 'authorization');
}

/** Payment callbacks that beat the order here (stored unmatched by the API) are taken as if signalled now. */
export async function claimEarlyPayments(ctx: OrderContext): Promise<void> {
  const early = await ctx.operator.step('claim_early_payments', () => db.claimEarlyPayments({ orderId: ctx.s.orderId }));
  if (early === SKIPPED) return;
  for (const event of early) onPaymentEvent(ctx, event);
}

/**
 * Waits for the payment; returns false when the order was canceled for want of one. On success the payment is
 * booked and its refund-or-void compensation pushed, in the same activation.
 */
export async function awaitPayment(
  ctx: OrderContext,
  cancelFromWithin: (reason: string, detail: string) => Promise<void>,
  /** What a cancel gives back once the payment is taken (v2: the whole payment; v3: what partial cancels left). */
  giveBack: () => Promise<void> = () => refundOrVoid(ctx),
): Promise<boolean> {
  const { s, saga, status } = ctx;
  const method = s.input.payment.method as 'card' | 'bank_transfer';
  const timeout = s.input.timers.paymentTimeout[method];
  const arrived = await condition(() => s.paymentEvent !== undefined, timeout);
  if (!arrived) {
    await cancelFromWithin('payment_timeout', `no payment within ${timeout}`);
    return false;
  }
  status.ensureNotCanceled();
  const event = s.paymentEvent!;
  if (event.type === 'failed') {
    s.paymentFailed = true;
    s.rederiveMoney();
    await cancelFromWithin('payment_failed', 'the payment provider reported a failed payment');
    return false;
  }
  s.takenPayments.add(event.eventId);
  saga.push({ name: 'refund_or_void_payment', run: giveBack });
  s.book({
    kind: event.type === 'captured' ? 'capture' : 'authorization',
    amount: event.amount ?? s.order.totals.total,
    currency: event.currency ?? s.order.totals.currency,
    ref: event.eventId,
  });
  await checkPaymentAmount(ctx);
  return true;
}

/**
 * A payment whose amount or currency differs from the order's total is not taken as it stands: the order waits
 * in `new` with needsAttention (step `payment_amount`). An operator skip accepts it as paid (what was paid is then
 * what is captured or refunded), a retry checks the newest payment again, a cancel gives it back.
 */
async function checkPaymentAmount(ctx: OrderContext): Promise<void> {
  const { s, desk } = ctx;
  let problem = paymentMismatch(s.paymentEvent!, s.order.totals);
  if (problem === null) return;
  const wait = desk.raise('payment_amount', `${problem}; skip to accept the payment as it is, or cancel to give it back`);
  // What was paid is in the ledger (booked as the event carried it): a skip takes it as it is.
  for (;;) {
    const command = await desk.wait(wait);
    if (command === 'done' || command === 'timeout') continue;
    if (command.kind === 'skip') {
      desk.resolve(wait, `payment_amount accepted as paid: ${command.reason ?? ''}`, command.actor);
      return;
    }
    s.log({ type: 'operator_retry', detail: 'payment_amount', actor: command.actor });
    problem = paymentMismatch(s.paymentEvent!, s.order.totals);
    if (problem === null) {
      desk.resolve(wait, 'payment_amount: the newest payment matches the total', command.actor);
      return;
    }
    desk.raise('payment_amount', `${problem}; skip to accept the payment as it is, or cancel to give it back`, {}, wait);
  }
}

/** What the flow took: the capture if there is one, else the authorization (undefined for no payment). */
export function takenPayment(ledger: LedgerEntry[]): LedgerEntry | undefined {
  const done = ledger.filter((e) => e.state === 'done');
  return done.find((e) => e.kind === 'capture') ?? done.find((e) => e.kind === 'authorization');
}

/** Captures the authorization at shipping, for what was authorized (an accepted lower amount included). */
export async function captureAtShipping(ctx: OrderContext): Promise<void> {
  const { s, operator } = ctx;
  const taken = takenPayment(s.order.ledger ?? []);
  if (!taken || taken.kind !== 'authorization') return;
  const captured = await operator.step('capture_payment', () =>
    ext.capturePayment({ key: `capture:${s.orderId}`, orderId: s.orderId, amount: taken.amount, currency: taken.currency }),
  );
  if (captured === SKIPPED) return;
  s.book({ kind: 'capture', amount: taken.amount, currency: taken.currency, ref: captured.captureId });
  s.log({ type: 'payment_captured', detail: captured.captureId });
}

/** Cancel's compensation: refunds a capture (in the currency it was paid in) or voids an authorization. */
async function refundOrVoid(ctx: OrderContext): Promise<void> {
  const { s } = ctx;
  const ledger = s.order.ledger ?? [];
  if (ledger.some((e) => e.kind === 'void' || (e.kind === 'refund' && e.reason === 'cancel'))) return;
  const taken = takenPayment(ledger);
  if (!taken) return;
  if (taken.kind === 'capture') {
    const refund = await ext.refundPayment({
      key: `refund:${s.orderId}:cancel`,
      orderId: s.orderId,
      amount: taken.amount,
      currency: taken.currency,
      reason: 'order canceled',
    });
    s.book({ kind: 'refund', amount: taken.amount, currency: taken.currency, ref: refund.refundId, reason: 'cancel' });
    s.log({ type: 'payment_refunded', detail: `${refund.refundId} ${taken.amount} ${taken.currency}` });
  } else {
    await ext.voidPayment({ key: `void:${s.orderId}`, orderId: s.orderId });
    s.book({ kind: 'void', amount: taken.amount, currency: taken.currency, reason: 'cancel' });
    s.log({ type: 'payment_voided' });
  }
}

/** A payment event the flow kept for itself but never took (the order ended first) is settled like a late one. */
export function queueUntakenPayment(ctx: OrderContext): void {
  const { s } = ctx;
  const event = s.paymentEvent;
  if (event && event.type !== 'failed' && !s.takenPayments.has(event.eventId) && !s.unsettledPayments.includes(event)) {
    s.unsettledPayments.push(event);
  }
}

/**
 * Starts the settlement (void or refund) of a payment this order could not take, as its own workflow that
 * outlives the order's; the id is the one the API uses for payments reaching the ended order, so an event is
 * settled once whichever path it took. Only a canceled order settles: any other order flags the payment.
 */
export async function settleLatePayments(ctx: OrderContext): Promise<void> {
  const { s } = ctx;
  for (const event of s.unsettledPayments) {
    if (s.order.status !== 'canceled') {
      ctx.operator.alert('second_payment', `payment ${event.type} (event ${event.eventId}) was not taken by the ${s.order.status} order`);
      continue;
    }
    try {
      await startChild(latePaymentWorkflow, {
        workflowId: latePaymentWorkflowId(s.orderId, event.eventId),
        args: [{ orderId: s.orderId, event, total: s.order.totals.total, currency: s.order.totals.currency }],
        parentClosePolicy: 'ABANDON',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: orderSearchAttributes(s.input),
      });
      s.log({ type: 'late_payment', detail: `payment ${event.type} (event ${event.eventId}) handed to its settlement` });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
}
