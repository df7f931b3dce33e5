// Money of a v3 order, per line scope: captures per unit at shipping (or once), the share of a partial cancel
// (an authorization reduced, a capture refunded, a marketplace refund recorded, a credit note), and what a whole
// cancel gives back: always "what is left", so partial and whole cancels add up to exactly what was taken.
import type { StockLine } from '../../../contract/types';
import { moneyFacts, proportionalShare, valueOfLinesMinor } from '../../../domain/fulfillment';
import { fromMinor, toMinor } from '../../../domain/money';
import { ext } from '../proxies';
import { SKIPPED } from '../operator';
import type { V3Context } from './context';
import type { Unit } from './state';

/** How a card authorization is captured: per unit as it ships (the default), or all at the first shipping. */
export type CaptureMode = 'per_unit' | 'once';

function facts(ctx: V3Context) {
  return moneyFacts(ctx.s.order.ledger ?? [], ctx.s.order.totals.currency);
}

/** The order's other live units that have not shipped yet (and lines waiting for sourcing). */
function othersToShip(ctx: V3Context, unit: Unit): boolean {
  const { s } = ctx;
  return s.unsourced.length > 0 || s.units.some((u) => u !== unit && u.live && !u.moving);
}

/** At a unit's shipping: captures its share of the authorization (the last unit takes what is left, final). */
export async function captureForUnit(ctx: V3Context, unit: Unit, mode: CaptureMode): Promise<void> {
  const { s, operator } = ctx;
  if (!s.isPrepaid || s.authorizationClosed) return;
  const m = facts(ctx);
  if (m.openAuthorization <= 0) return;
  const last = mode === 'once' || !othersToShip(ctx, unit);
  const unitValue = valueOfLinesMinor(s.order.lines, unit.lines);
  const amountMinor = last
    ? m.openAuthorization
    : Math.min(m.openAuthorization, proportionalShare(m.authorized, unitValue, toMinor(s.order.totals.total)));
  if (amountMinor <= 0) return;
  const amount = fromMinor(amountMinor);
  const captured = await operator.step('capture_payment', () =>
    ext.capturePayment({
      key: mode === 'once' ? `capture:${s.orderId}` : `capture:${s.orderId}:${unit.number}`,
      orderId: s.orderId,
      amount,
      currency: m.currency,
      final: last,
    }),
  );
  if (captured === SKIPPED) return;
  if (last) s.authorizationClosed = true;
  s.book({
    kind: 'capture',
    amount,
    currency: m.currency,
    ref: captured.captureId,
    ...(mode === 'once' ? {} : { lines: unit.lines.map((l) => ({ ...l })), fulfillment: unit.number }),
  });
  s.log({ type: 'payment_captured', detail: `${captured.captureId} ${amount} ${m.currency}${mode === 'once' ? '' : ` for ${unit.id}`}` });
}

/** Cash on delivery: the carrier collected the unit's value at the door. */
export function collectedOnDelivery(ctx: V3Context, unit: Unit): void {
  const { s } = ctx;
  if (s.input.payment.method !== 'cash_on_delivery') return;
  const amount = fromMinor(valueOfLinesMinor(s.order.lines, unit.lines));
  s.book({
    kind: 'capture',
    amount,
    currency: s.order.totals.currency,
    ref: 'cash_on_delivery',
    lines: unit.lines.map((l) => ({ ...l })),
    fulfillment: unit.number,
  });
}

/**
 * The money of canceled `lines` (cancel number `k`): an authorization is reduced by their share (captured later
 * for less; no call to the provider until the rest is released), a capture refunds their share, a marketplace
 * order records the marketplace's refund, cash on delivery had collected nothing. The invoice gets a credit note.
 */
export async function settleCanceledLines(ctx: V3Context, lines: StockLine[], k: number, reason: string): Promise<void> {
  const { s, operator } = ctx;
  const { currency } = s.order.totals;
  const valueMinor = valueOfLinesMinor(s.order.lines, lines);
  const scope = lines.map((l) => ({ ...l }));
  const why = `cancel:${k}`;
  const method = s.input.payment.method;
  if (method === 'marketplace') {
    s.book({ kind: 'marketplace_refund', amount: fromMinor(valueMinor), currency, lines: scope, reason: why });
    s.log({ type: 'refund_recorded', detail: `${fromMinor(valueMinor)} ${currency} for canceled lines refunded by the marketplace` });
  } else if (method === 'cash_on_delivery') {
    s.log({ type: 'no_refund', detail: 'cash on delivery: nothing was collected for the canceled lines' });
  } else {
    const m = facts(ctx);
    const total = toMinor(s.order.totals.total);
    if (m.openAuthorization > 0 && !s.authorizationClosed) {
      const share = Math.min(m.openAuthorization, proportionalShare(m.authorized, valueMinor, total));
      if (share > 0) {
        s.book({ kind: 'void', amount: fromMinor(share), currency: m.currency, lines: scope, reason: why, ref: 'authorization reduced' });
        s.log({ type: 'authorization_reduced', detail: `${fromMinor(share)} ${m.currency} of the authorization will not be captured` });
      }
    } else if (m.captured > 0) {
      const left = m.captured - m.refunded;
      const share = Math.min(left, proportionalShare(m.captured, valueMinor, total));
      if (share > 0) {
        const amount = fromMinor(share);
        const refund = await operator.step('refund_payment', () =>
          ext.refundPayment({ key: `refund:${s.orderId}:${why}`, orderId: s.orderId, amount, currency: m.currency, reason }),
        );
        if (refund !== SKIPPED) {
          s.book({ kind: 'refund', amount, currency: m.currency, ref: refund.refundId, lines: scope, reason: why });
          s.log({ type: 'payment_refunded', detail: `${refund.refundId} ${amount} ${m.currency} for canceled lines` });
        }
      }
    }
  }
  await creditNote(ctx, valueMinor, why);
  await releaseRestIfDone(ctx);
  s.rederiveMoney();
}

/** A credit note for `valueMinor` against the invoice, if one was issued, never past what is left of it. */
export async function creditNote(ctx: V3Context, valueMinor: number, why: string): Promise<void> {
  const { s, operator } = ctx;
  const invoice = s.order.invoice;
  if (!invoice) return;
  const amountMinor = Math.min(valueMinor, toMinor(s.order.totals.total) - s.creditedMinor);
  if (amountMinor <= 0) return;
  const amount = fromMinor(amountMinor);
  const note = await operator.step('issue_credit_note', () =>
    ext.issueCreditNote({
      key: `credit-note:${s.orderId}:${why}`,
      orderId: s.orderId,
      invoiceNumber: invoice.invoiceNumber,
      amount,
      currency: s.order.totals.currency,
    }),
  );
  if (note === SKIPPED) return;
  s.creditedMinor += amountMinor;
  s.log({ type: 'credit_note_issued', detail: `${note.creditNoteNumber} ${amount} ${s.order.totals.currency}` });
}

/**
 * Once nothing is left to ship, an authorization that was captured in part is closed at the provider (what was
 * not captured is released).
 */
async function releaseRestIfDone(ctx: V3Context): Promise<void> {
  const { s, operator } = ctx;
  if (!s.isPrepaid || s.authorizationClosed) return;
  if (s.unsourced.length > 0 || s.units.some((u) => u.live && !u.moving)) return;
  if (facts(ctx).captured === 0) return; // nothing captured: the whole cancel voids the authorization
  await operator.step('void_payment', () =>
    closeAuthorization(ctx, `void:${s.orderId}:rest`, 'rest released', 'the rest of the authorization was released'),
  );
}

/** Voids what is left of the authorization at the provider, books that rest (a rounding residue included) as voided. */
async function closeAuthorization(ctx: V3Context, key: string, reason: string, logged?: string): Promise<void> {
  const { s } = ctx;
  const m = facts(ctx);
  await ext.voidPayment({ key, orderId: s.orderId });
  s.authorizationClosed = true;
  if (m.openAuthorization > 0) s.book({ kind: 'void', amount: fromMinor(m.openAuthorization), currency: m.currency, reason });
  if (logged !== undefined) s.log({ type: 'payment_voided', ...(logged ? { detail: logged } : {}) });
}

/**
 * The whole cancel's compensation: what is left of the payment goes back. A capture (or the captured part of
 * it) is refunded for what was not refunded yet; an authorization with nothing captured is voided.
 */
export async function giveBackTheRest(ctx: V3Context): Promise<void> {
  const { s } = ctx;
  if (!s.isPrepaid) return;
  const m = facts(ctx);
  if (m.captured > 0) {
    if (!s.authorizationClosed && m.openAuthorization > 0) await closeAuthorization(ctx, `void:${s.orderId}:rest`, 'cancel');
    const left = m.captured - m.refunded;
    if (left <= 0) return;
    const amount = fromMinor(left);
    const refund = await ext.refundPayment({ key: `refund:${s.orderId}:cancel`, orderId: s.orderId, amount, currency: m.currency, reason: 'order canceled' });
    s.book({ kind: 'refund', amount, currency: m.currency, ref: refund.refundId, reason: 'cancel' });
    s.log({ type: 'payment_refunded', detail: `${refund.refundId} ${amount} ${m.currency}` });
  } else if (m.authorized > 0 && !s.authorizationClosed) {
    // Nothing captured: the authorization is released at the provider (what partial cancels reduced included).
    await closeAuthorization(ctx, `void:${s.orderId}`, 'cancel', '');
  }
}
