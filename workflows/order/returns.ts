// Returns: a customer's return within the window, or a parcel the carrier brought back. The refund goes back the
// way the money came: the provider refunds a card or bank transfer (in the currency it was paid in), the
// marketplace refunds its own orders, finance pays back collected cash on delivery by hand (a refund task an
// operator closes), and nothing is refunded when nothing was collected.
import type { OrderReturn, StockLine } from '../../contract/types';
import { decideRefund } from '../../domain/order';
import { fromMinor, toMinor } from '../../domain/money';
import { ledgerSum, refundRoute, shareOfPayment } from '../../domain/payments';
import { db, ext } from './proxies';
import type { OrderContext } from './context';
import { SKIPPED } from './operator';
import { takenPayment } from './payment';

export interface ReturnRequestState {
  lines: StockLine[];
  reason: string;
  actor: string;
}

/** Runs one return from request to settlement; ends the order `return_completed`. */
export async function runReturn(ctx: OrderContext, request: ReturnRequestState, source: OrderReturn['source']): Promise<void> {
  const { s, operator, status, desk } = ctx;
  const { orderId } = s;
  const returnId = `${orderId}/r${s.order.returns.length + 1}`;
  const record: OrderReturn = { returnId, reason: request.reason, source, requestedAt: s.now(), lines: request.lines };
  s.order.returns.push(record);
  if (source === 'customer') {
    const code = await operator.step('create_return_code', () =>
      ext.createReturnCode({ key: `return-code:${returnId}`, orderId, carrier: s.input.carrier, lines: request.lines }),
    );
    if (code !== SKIPPED) record.returnCode = code.returnCode;
  }
  status.setStatus('return_pending', `${source}: ${request.reason}`);
  s.pendingReturn = undefined;

  const window = s.input.timers.trackingWindow;
  await operator.waitWithAlert('await_return', `return not received within ${window}`, window, () => s.returnReceived !== undefined);
  const received = s.returnReceived ?? [];
  record.receivedAt = s.now();
  record.lines = request.lines.map((l) => ({ ...l, condition: received.find((r) => r.sku === l.sku)?.condition }));

  let decision = decideRefund(s.order.lines, request.lines, received, undefined);
  if (decision.undecided.length > 0) {
    const wait = desk.raise('refund_decision', `damaged: ${decision.undecided.map((u) => `${u.sku} x${u.quantity}`).join(', ')}`, {
      refuse: { retry: 'damaged returned items need a refund decision, not a retry' },
    });
    const outcome = await desk.wait(wait, { alsoDone: () => s.refundDecision !== undefined });
    const approved = s.refundDecision?.refundDamaged ?? false; // an operator skip declines the damaged refund
    const actor = s.refundDecision?.actor ?? (typeof outcome === 'object' ? outcome.actor : undefined);
    decision = decideRefund(s.order.lines, request.lines, received, approved);
    desk.resolve(wait, `refund decision: ${approved ? 'damaged items refunded' : 'damaged items not refunded'}`, actor);
  }

  const scope = decision.refund.map(({ sku, quantity }) => ({ sku, quantity }));
  let refunded = '0.00 ' + s.order.totals.currency;
  if (toMinor(decision.amount) > 0) {
    refunded = await refund(ctx, record, decision.amount, scope, source);
    if (s.order.invoice) {
      const invoiceNumber = s.order.invoice.invoiceNumber;
      await operator.step('issue_credit_note', () =>
        ext.issueCreditNote({ key: `credit-note:${returnId}`, orderId, invoiceNumber, amount: decision.amount, currency: s.order.totals.currency }),
      );
    }
  }
  for (const line of decision.refund) {
    const orderLine = s.order.lines.find((l) => l.sku === line.sku);
    if (orderLine) orderLine.refundedQuantity += line.quantity;
  }
  for (const line of request.lines) {
    const orderLine = s.order.lines.find((l) => l.sku === line.sku);
    if (orderLine) orderLine.returnedQuantity += line.quantity;
  }
  if (decision.restock.length > 0) {
    await operator.step('restock_return', () => db.restockReturn({ orderId, returnId, lines: decision.restock }));
  }
  s.log({ type: 'return_settled', detail: `refunded ${refunded}` });
  status.setStatus('return_completed');
}

/** Pays `due` (order currency) back the way the money came; returns what went back, as "amount currency". */
async function refund(
  ctx: OrderContext,
  record: OrderReturn,
  due: string,
  lines: StockLine[],
  source: OrderReturn['source'],
): Promise<string> {
  const { s, operator, desk } = ctx;
  const { currency } = s.order.totals;
  const reason = record.returnId;
  switch (refundRoute(s.input.payment.method, source)) {
    case 'none':
      s.log({ type: 'no_refund', detail: `cash on delivery returned to sender: nothing was collected, nothing to refund` });
      return `0.00 ${currency}`;
    case 'marketplace':
      s.book({ kind: 'marketplace_refund', amount: due, currency, lines, reason });
      record.refund = { amount: due, at: s.now() };
      s.log({ type: 'refund_recorded', detail: `${due} ${currency} refunded by the marketplace` });
      return `${due} ${currency}`;
    case 'manual': {
      const task = s.book({ kind: 'manual_refund', amount: due, currency, lines, reason, state: 'pending' });
      s.log({ type: 'refund_task_created', detail: `${due} ${currency} to pay back by hand (cash on delivery)` });
      const wait = desk.raise('manual_refund', `pay ${due} ${currency} back to the customer (cash on delivery), then skip with the payout reference`, {
        refuse: { retry: 'a manual refund is paid out by finance: skip with the payout reference once it is done' },
      });
      let outcome = await desk.wait(wait);
      while (typeof outcome !== 'object') outcome = await desk.wait(wait);
      task.state = 'done';
      task.ref = outcome.reason;
      s.rederiveMoney();
      record.refund = { amount: due, at: s.now() };
      desk.resolve(wait, `manual refund paid: ${outcome.reason ?? ''}`, outcome.actor);
      return `${due} ${currency}`;
    }
    case 'provider': {
      const paid = takenPayment(s.order.ledger ?? []);
      if (!paid) return `0.00 ${currency}`;
      const amount = refundableOf(ctx, due, paid);
      if (toMinor(amount) <= 0) return `0.00 ${paid.currency}`;
      const result = await operator.step('refund_payment', () =>
        ext.refundPayment({ key: `refund:${record.returnId}`, orderId: s.orderId, amount, currency: paid.currency, reason: record.reason }),
      );
      if (result === SKIPPED) return `0.00 ${paid.currency}`;
      s.book({ kind: 'refund', amount, currency: paid.currency, ref: result.refundId, lines, reason });
      record.refund = { amount, refundId: result.refundId, at: s.now() };
      return `${amount} ${paid.currency}`;
    }
  }
}

/**
 * What a return refunds of the payment: the returned lines' value, never more than is left of what was paid;
 * a payment an operator accepted in another currency refunds the same share of itself, in its own currency.
 */
function refundableOf(ctx: OrderContext, due: string, paid: { amount: string; currency: string }): string {
  const { s } = ctx;
  const ledger = s.order.ledger ?? [];
  const refundedMinor = ledgerSum(ledger, ['refund'], paid.currency);
  const paidMinor = toMinor(paid.amount);
  const dueMinor = toMinor(due);
  if (paid.currency !== s.order.totals.currency) {
    return fromMinor(shareOfPayment(paidMinor, dueMinor, toMinor(s.order.totals.total), refundedMinor));
  }
  const left = Math.max(0, paidMinor - refundedMinor);
  if (dueMinor <= left) return due;
  s.log({ type: 'refund_capped', detail: `${due} ${paid.currency} due, ${fromMinor(left)} left of the ${paid.amount} paid` });
  return fromMinor(left);
}
