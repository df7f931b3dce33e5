// Returns of a v3 order: any number, each for lines delivered and not yet returned, within the return window that
// opens at delivery; a unit the carrier brought back is a return of its lines. Each return is refunded for its own
// lines the way the money came (provider in the currency paid, marketplace, finance by hand for collected cash on
// delivery, nothing when nothing was collected), gets its own credit note, and restocks at the unit's location.
import { condition } from '@temporalio/workflow';
import type { OrderReturn, StockLine } from '../../../contract/types';
import { addLines, moneyFacts } from '../../../domain/fulfillment';
import { fromMinor, toMinor } from '../../../domain/money';
import { decideRefund } from '../../../domain/order';
import { durationMs, refundRoute, shareOfPayment } from '../../../domain/payments';
import { db, ext } from '../proxies';
import { SKIPPED } from '../operator';
import type { V3Context } from './context';
import { creditNote } from './money';
import type { Unit } from './state';

export interface ReturnJob {
  lines: StockLine[];
  reason: string;
  actor: string;
}

/** Per SKU: delivered and not yet returned (or being returned): what a customer may still send back. */
export function returnable(ctx: V3Context): Map<string, number> {
  const { s } = ctx;
  const out = new Map<string, number>();
  for (const unit of s.units) {
    if (unit.status !== 'delivered') continue;
    for (const l of unit.lines) out.set(l.sku, (out.get(l.sku) ?? 0) + l.quantity);
  }
  for (const l of s.returnedLines) out.set(l.sku, (out.get(l.sku) ?? 0) - l.quantity);
  return out;
}

/** The return window: returns one after another until it closes. */
export async function returnWindow(ctx: V3Context): Promise<void> {
  const { s } = ctx;
  const closesAt = Date.now() + durationMs(s.input.timers.returnWindow);
  s.returnWindowOpen = true;
  for (;;) {
    const left = closesAt - Date.now();
    if (left <= 0 && s.pendingReturn === undefined) break;
    await condition(() => s.pendingReturn !== undefined, Math.max(left, 1));
    // A request accepted just as the timer fired still counts: its validator saw the window open.
    if (!s.pendingReturn) break;
    await runReturnV3(ctx, s.pendingReturn, 'customer');
  }
  s.returnWindowOpen = false;
  s.log({ type: 'return_window_closed' });
}

/** One return from request to settlement; ends it `return_completed`. */
export async function runReturnV3(ctx: V3Context, request: ReturnJob, source: OrderReturn['source'], unit?: Unit): Promise<void> {
  const { s, operator, status, desk } = ctx;
  const { orderId } = s;
  const returnId = `${orderId}/r${s.order.returns.length + 1}`;
  const record: OrderReturn = { returnId, reason: request.reason, source, requestedAt: s.now(), lines: request.lines };
  s.order.returns.push(record);
  // Each return waits for its own parcel and decision (assigned this way so the type checker does not narrow them).
  Object.assign(s, { returnReceived: undefined, refundDecision: undefined });
  if (source === 'customer') {
    const code = await operator.step('create_return_code', () =>
      ext.createReturnCode({ key: `return-code:${returnId}`, orderId, carrier: s.input.carrier, lines: request.lines }),
    );
    if (code !== SKIPPED) record.returnCode = code.returnCode;
  }
  status.setStatus('return_pending', `${source}: ${request.reason}${unit ? ` (${unit.id})` : ''}`);
  s.pendingReturn = undefined;

  const window = s.input.timers.trackingWindow;
  await operator.waitWithAlert('await_return', `${returnId}: return not received within ${window}`, window, () => s.returnReceived !== undefined);
  const received = s.returnReceived ?? [];
  record.receivedAt = s.now();
  record.lines = request.lines.map((l) => ({ ...l, condition: received.find((r) => r.sku === l.sku)?.condition }));

  let decision = decideRefund(s.order.lines, request.lines, received, undefined);
  if (decision.undecided.length > 0) {
    const wait = desk.raise('refund_decision', `${returnId} damaged: ${decision.undecided.map((u) => `${u.sku} x${u.quantity}`).join(', ')}`, {
      refuse: { retry: 'damaged returned items need a refund decision, not a retry' },
    });
    const outcome = await desk.wait(wait, { alsoDone: () => s.refundDecision !== undefined });
    const approved = s.refundDecision?.refundDamaged ?? false; // an operator skip declines the damaged refund
    const actor = s.refundDecision?.actor ?? (typeof outcome === 'object' ? outcome.actor : undefined);
    decision = decideRefund(s.order.lines, request.lines, received, approved);
    desk.resolve(wait, `refund decision: ${approved ? 'damaged items refunded' : 'damaged items not refunded'}`, actor);
  }

  const scope = decision.refund.map(({ sku, quantity }) => ({ sku, quantity }));
  let refunded = `0.00 ${s.order.totals.currency}`;
  addLines(s.returnedLines, request.lines);
  if (toMinor(decision.amount) > 0) {
    const result = await refund(ctx, record, decision.amount, scope, source);
    refunded = result.text;
    if (result.refunded) {
      addLines(s.refundedLines, scope);
      s.returnedRefundMinor += toMinor(decision.amount);
    }
    await creditNote(ctx, toMinor(decision.amount), returnId);
  }
  for (const line of request.lines) {
    const orderLine = s.order.lines.find((l) => l.sku === line.sku);
    if (orderLine) orderLine.returnedQuantity += line.quantity;
  }
  for (const line of scope) {
    const orderLine = s.order.lines.find((l) => l.sku === line.sku);
    if (orderLine) orderLine.refundedQuantity += line.quantity;
  }
  // Back to where each SKU shipped from.
  for (const line of decision.restock) {
    const from = unit ?? s.units.find((u) => u.status === 'delivered' && u.lines.some((l) => l.sku === line.sku));
    await operator.step('restock_return', () =>
      db.restockReturn({ orderId, returnId, lines: [line], ...(from ? { location: from.location } : {}) }),
    );
  }
  s.rederiveMoney();
  s.log({ type: 'return_settled', detail: `${returnId} refunded ${refunded}` });
  status.setStatus('return_completed');
}

/** Pays `due` (order currency) back the way the money came. */
async function refund(
  ctx: V3Context,
  record: OrderReturn,
  due: string,
  lines: StockLine[],
  source: OrderReturn['source'],
): Promise<{ text: string; refunded: boolean }> {
  const { s, operator, desk } = ctx;
  const { currency } = s.order.totals;
  const reason = record.returnId;
  switch (refundRoute(s.input.payment.method, source)) {
    case 'none':
      s.log({ type: 'no_refund', detail: 'cash on delivery returned to sender: nothing was collected, nothing to refund' });
      return { text: `0.00 ${currency}`, refunded: false };
    case 'marketplace':
      s.book({ kind: 'marketplace_refund', amount: due, currency, lines, reason });
      record.refund = { amount: due, at: s.now() };
      s.log({ type: 'refund_recorded', detail: `${due} ${currency} refunded by the marketplace` });
      return { text: `${due} ${currency}`, refunded: true };
    case 'manual': {
      const task = s.book({ kind: 'manual_refund', amount: due, currency, lines, reason, state: 'pending' });
      s.log({ type: 'refund_task_created', detail: `${due} ${currency} to pay back by hand (cash on delivery)` });
      const wait = desk.raise('manual_refund', `pay ${due} ${currency} back to the customer (cash on delivery, ${reason}), then skip with the payout reference`, {
        refuse: { retry: 'a manual refund is paid out by finance: skip with the payout reference once it is done' },
      });
      let outcome = await desk.wait(wait);
      while (typeof outcome !== 'object') outcome = await desk.wait(wait);
      task.state = 'done';
      task.ref = outcome.reason;
      s.rederiveMoney();
      record.refund = { amount: due, at: s.now() };
      desk.resolve(wait, `manual refund paid: ${outcome.reason ?? ''}`, outcome.actor);
      return { text: `${due} ${currency}`, refunded: true };
    }
    case 'provider': {
      const m = moneyFacts(s.order.ledger ?? [], currency);
      if (m.captured <= 0) return { text: `0.00 ${m.currency}`, refunded: false };
      const left = Math.max(0, m.captured - m.refunded);
      const dueMinor = toMinor(due);
      let amountMinor = m.currency !== currency ? shareOfPayment(m.captured, dueMinor, toMinor(s.order.totals.total), m.refunded) : Math.min(dueMinor, left);
      if (m.currency === currency && dueMinor > left) {
        s.log({ type: 'refund_capped', detail: `${due} ${currency} due, ${fromMinor(left)} left of what was captured` });
      }
      amountMinor = Math.min(amountMinor, left);
      if (amountMinor <= 0) return { text: `0.00 ${m.currency}`, refunded: false };
      const amount = fromMinor(amountMinor);
      const result = await operator.step('refund_payment', () =>
        ext.refundPayment({ key: `refund:${record.returnId}`, orderId: s.orderId, amount, currency: m.currency, reason: record.reason }),
      );
      if (result === SKIPPED) return { text: `0.00 ${m.currency}`, refunded: false };
      s.book({ kind: 'refund', amount, currency: m.currency, ref: result.refundId, lines, reason });
      record.refund = { amount, refundId: result.refundId, at: s.now() };
      return { text: `${amount} ${m.currency}`, refunded: true };
    }
  }
}
