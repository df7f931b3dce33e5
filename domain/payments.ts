// Pure money rules of the order workflow v2: exact pricing within one maximum, how a refund is paid out for each
// payment method, and the payment status derived from the money ledger. No Temporal import, no I/O.
import type {
  LedgerEntry,
  OrderLine,
  OrderLineInput,
  OrderTotals,
  PaymentMethod,
  PaymentStatus,
} from '../contract/types';
import { MAX_MONEY, MAX_MONEY_MINOR, fromMinor, toMinor } from './money';

export type Pricing =
  | { ok: true; lines: OrderLine[]; totals: OrderTotals }
  | { ok: false; problem: string; lines: OrderLine[]; totals: OrderTotals };

/**
 * Line and order totals in minor units, refusing (instead of throwing) anything past MAX_MONEY: the workflow
 * calls this before its handlers exist, so it must never throw on input the API let through from elsewhere.
 */
export function priceOrder(lines: OrderLineInput[], currency: string): Pricing {
  let subtotal = 0;
  let problem: string | undefined;
  const priced = lines.map((line, i) => {
    let lineTotal = 0;
    try {
      lineTotal = toMinor(line.unitPrice) * line.quantity;
    } catch {
      problem ??= `lines[${i}].unitPrice '${line.unitPrice}' is not a money amount`;
    }
    if (!Number.isSafeInteger(line.quantity) || line.quantity < 1) problem ??= `lines[${i}].quantity must be a positive integer`;
    if (!(lineTotal <= MAX_MONEY_MINOR)) {
      problem ??= `lines[${i}] totals more than ${MAX_MONEY}`;
      lineTotal = 0;
    }
    subtotal += lineTotal;
    return { ...line, lineTotal: fromMinor(problem ? 0 : lineTotal), returnedQuantity: 0, refundedQuantity: 0 };
  });
  if (subtotal > MAX_MONEY_MINOR) problem ??= `the order totals more than ${MAX_MONEY}`;
  const total = problem ? '0.00' : fromMinor(subtotal);
  const totals = { currency, subtotal: total, total, refunded: '0.00' };
  return problem ? { ok: false, problem, lines: priced, totals } : { ok: true, lines: priced, totals };
}

/** How money goes back to the customer for a payment method, and whether there is anything to give back. */
export type RefundRoute =
  /** The card or bank-transfer provider refunds the capture. */
  | 'provider'
  /** The marketplace collected and refunds itself; the OMS records it. */
  | 'marketplace'
  /** Cash on delivery that was collected: finance pays it out by hand (a refund task). */
  | 'manual'
  /** Nothing was collected (cash on delivery returned to sender, or never delivered): nothing to refund. */
  | 'none';

/** The refund route for an order paid by `method` whose goods came back by `source`. */
export function refundRoute(method: PaymentMethod, source: 'customer' | 'returned_to_sender'): RefundRoute {
  switch (method) {
    case 'card':
    case 'bank_transfer':
      return 'provider';
    case 'marketplace':
      return 'marketplace';
    case 'cash_on_delivery':
      return source === 'returned_to_sender' ? 'none' : 'manual';
  }
}

/**
 * The part of a payment made in `paid.currency` that refunds `dueMinor` of an order worth `totalMinor` (order
 * currency): the same share of what was paid, rounded down, and never more than is left of it.
 */
export function shareOfPayment(paidMinor: number, dueMinor: number, totalMinor: number, refundedMinor: number): number {
  const left = Math.max(0, paidMinor - refundedMinor);
  if (totalMinor <= 0) return 0;
  const share = dueMinor >= totalMinor ? paidMinor : Number((BigInt(paidMinor) * BigInt(dueMinor)) / BigInt(totalMinor));
  return Math.min(left, share);
}

/** Sum of the ledger's done entries of `kinds` in `currency`, in minor units. */
export function ledgerSum(ledger: LedgerEntry[], kinds: LedgerEntry['kind'][], currency: string): number {
  return ledger
    .filter((e) => e.state === 'done' && e.currency === currency && kinds.includes(e.kind))
    .reduce((sum, e) => sum + toMinor(e.amount), 0);
}

const REFUND_KINDS: LedgerEntry['kind'][] = ['refund', 'manual_refund', 'marketplace_refund'];

/**
 * The payment status derived from the ledger: what was taken (capture, or authorization only), what went back
 * (void, refunds) measured against what was taken in the currency it was taken in. `failed` is the provider's
 * word and is passed in, since a failure moves no money.
 */
export function paymentStatusOf(method: PaymentMethod, ledger: LedgerEntry[], failed: boolean): PaymentStatus {
  const done = ledger.filter((e) => e.state === 'done');
  const taken = done.filter((e) => e.kind === 'capture' || e.kind === 'authorization');
  const capture = taken.find((e) => e.kind === 'capture') ?? taken[0];
  const refundsIn = (currency: string) => ledgerSum(done, REFUND_KINDS, currency);
  if (method === 'cash_on_delivery' || method === 'marketplace') {
    // Cash on delivery is collected by the carrier at delivery (a capture entry then), a marketplace order arrives
    // paid: neither has a provider payment to wait for, and their status moves only when money goes back.
    const idle: PaymentStatus = method === 'marketplace' ? 'captured' : 'not_required';
    if (!capture) return idle;
    const refunded = refundsIn(capture.currency);
    if (refunded <= 0) return idle;
    return refunded >= toMinor(capture.amount) ? 'refunded' : 'partially_refunded';
  }
  if (done.some((e) => e.kind === 'void')) return 'voided';
  if (!capture) return failed ? 'failed' : 'pending';
  const refunded = refundsIn(capture.currency);
  if (refunded > 0) return refunded >= toMinor(capture.amount) ? 'refunded' : 'partially_refunded';
  return done.some((e) => e.kind === 'capture') ? 'captured' : 'authorized';
}

/** Refunded value in the order's currency: what totals.refunded shows. */
export function refundedInOrderCurrency(ledger: LedgerEntry[], currency: string): string {
  return fromMinor(ledgerSum(ledger, REFUND_KINDS, currency));
}

/** Milliseconds of a duration string as the timers use them ('500ms', '30s', '5m', '2h', '1d'); NaN otherwise. */
export function durationMs(duration: string): number {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(duration);
  if (!match) return Number.NaN;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
