// Pure rules of fulfillment units (orderWorkflowV3): the order's summary status from its units, the per-line
// quantity buckets, what a partial cancel may take, and the money share of a set of lines. No Temporal import,
// no I/O: the workflow calls these and unit tests run them in milliseconds.
import type {
  CarrierEventStatus,
  FulfillmentStatus,
  LedgerEntry,
  LineQuantities,
  PaymentMethod,
  PaymentStatus,
  OrderLine,
  OrderStatus,
  StockLine,
} from '../contract/types';
import { fromMinor, toMinor } from './money';

/**
 * Allowed summary moves of a v3 order. Unlike v1/v2, a completed return may be followed by another one
 * (return_completed → return_pending) while the return window is open.
 */
const TRANSITIONS_V3: Record<OrderStatus, readonly OrderStatus[]> = {
  new: ['confirmed', 'canceled'],
  confirmed: ['picking', 'canceled'],
  picking: ['shipped', 'canceled'],
  shipped: ['delivered', 'return_pending'],
  delivered: ['return_pending'],
  return_pending: ['return_completed'],
  return_completed: ['return_pending'],
  canceled: [],
};

export function canTransitionV3(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS_V3[from].includes(to);
}

/** Unit statuses past which the unit can no longer be canceled or rejected: the carrier has the parcel. */
const MOVING: readonly FulfillmentStatus[] = ['shipped', 'delivered', 'returned_to_sender'];
/** Units that no longer count: their lines went elsewhere or were canceled. */
const DEAD: readonly FulfillmentStatus[] = ['rejected', 'canceled'];

export function isMoving(status: FulfillmentStatus): boolean {
  return MOVING.includes(status);
}

export function isLive(status: FulfillmentStatus): boolean {
  return !DEAD.includes(status);
}

const UNIT_PROGRESS: Record<FulfillmentStatus, number> = {
  pending: 0,
  picking: 0,
  packed: 0,
  labelled: 0,
  shipped: 1,
  delivered: 2,
  returned_to_sender: 2,
  rejected: 3,
  canceled: 3,
};

/**
 * A carrier event a live unit has already gone past (in_transit after delivered, a second picked_up, anything
 * after returned_to_sender): recorded and ignored, as v1/v2 do for the whole order. delivery_failed is news
 * only while the parcel is on its way.
 */
export function isStaleUnitCarrierEvent(unit: FulfillmentStatus, event: CarrierEventStatus): boolean {
  const progress = UNIT_PROGRESS[unit];
  if (progress >= 2) return true;
  if (event === 'picked_up' || event === 'in_transit' || event === 'out_for_delivery') return progress >= 1;
  return false;
}

export interface UnitFacts {
  status: FulfillmentStatus;
  lines: StockLine[];
}

/** What the order's units say about its summary: every live unit shipped, some shipped, delivered, and so on. */
export function unitsSummary(units: readonly UnitFacts[]): {
  live: number;
  shipped: number;
  delivered: number;
  returnedToSender: number;
  /** Live units whose carrier journey ended (delivered or back at the sender). */
  settled: number;
} {
  const live = units.filter((u) => isLive(u.status));
  const count = (...statuses: FulfillmentStatus[]) => live.filter((u) => statuses.includes(u.status)).length;
  return {
    live: live.length,
    shipped: count('shipped', 'delivered', 'returned_to_sender'),
    delivered: count('delivered'),
    returnedToSender: count('returned_to_sender'),
    settled: count('delivered', 'returned_to_sender'),
  };
}

const sum = (lines: readonly StockLine[], sku: string) =>
  lines.filter((l) => l.sku === sku).reduce((n, l) => n + l.quantity, 0);

/**
 * The per-line buckets. `allocated` counts live units (shipped ones included); `shipped`, `delivered` follow the
 * units' status; `canceled`, `returned`, `refunded` are kept by the order (by SKU).
 */
export function lineQuantities(
  line: Pick<OrderLine, 'sku' | 'quantity'>,
  units: readonly UnitFacts[],
  kept: { canceled: readonly StockLine[]; returned: readonly StockLine[]; refunded: readonly StockLine[] },
): LineQuantities {
  let allocated = 0;
  let shipped = 0;
  let delivered = 0;
  for (const unit of units) {
    if (!isLive(unit.status)) continue;
    const q = sum(unit.lines, line.sku);
    allocated += q;
    if (isMoving(unit.status)) shipped += q;
    if (unit.status === 'delivered') delivered += q;
  }
  return {
    ordered: line.quantity,
    allocated,
    shipped,
    delivered,
    canceled: sum(kept.canceled, line.sku),
    returned: sum(kept.returned, line.sku),
    refunded: sum(kept.refunded, line.sku),
  };
}

/**
 * Why `requested` cannot be canceled, or null. A quantity may be canceled while it has not shipped: it is in a
 * unit the carrier does not have yet, or waits for sourcing. `cancelable` gives per SKU how many that is.
 */
export function cancelLinesProblem(
  lines: readonly Pick<OrderLine, 'sku'>[],
  cancelable: ReadonlyMap<string, number>,
  requested: readonly StockLine[],
): string | null {
  if (requested.length === 0) return 'lines: at least one line is required';
  const seen = new Set<string>();
  for (const [i, r] of requested.entries()) {
    if (seen.has(r.sku)) return `lines[${i}].sku ${r.sku} appears twice`;
    seen.add(r.sku);
    if (!lines.some((l) => l.sku === r.sku)) return `lines[${i}].sku ${r.sku} is not on the order`;
    if (!Number.isInteger(r.quantity) || r.quantity < 1) return `lines[${i}].quantity must be a positive integer`;
    const left = cancelable.get(r.sku) ?? 0;
    if (r.quantity > left) {
      return `lines[${i}].quantity ${r.quantity} of ${r.sku} exceeds the ${left} not yet shipped and not canceled`;
    }
  }
  return null;
}

/** The value of `lines` at the order's unit prices, in minor units (line totals are exact: unit price × quantity). */
export function valueOfLinesMinor(orderLines: readonly Pick<OrderLine, 'sku' | 'unitPrice'>[], lines: readonly StockLine[]): number {
  let total = 0;
  for (const l of lines) {
    const line = orderLines.find((o) => o.sku === l.sku);
    if (line) total += toMinor(line.unitPrice) * l.quantity;
  }
  return total;
}

export function valueOfLines(orderLines: readonly Pick<OrderLine, 'sku' | 'unitPrice'>[], lines: readonly StockLine[]): string {
  return fromMinor(valueOfLinesMinor(orderLines, lines));
}

/**
 * The share of a payment that `partMinor` of the order's `totalMinor` stands for, rounded half up to the minor
 * unit: how a capture per unit or a partial void divides a payment that differs from the total (an operator
 * accepted a lower one, or it was made in another currency). Equal to `partMinor` when payment and total agree.
 * The last share of a payment is never computed this way: it is what is left, so the parts add up exactly.
 */
export function proportionalShare(paymentMinor: number, partMinor: number, totalMinor: number): number {
  if (totalMinor <= 0) return 0;
  if (paymentMinor === totalMinor) return partMinor;
  return Math.floor((paymentMinor * partMinor * 2 + totalMinor) / (2 * totalMinor));
}

/** Adds `lines` into `into` (by SKU), keeping SKU order of first appearance. */
export function addLines(into: StockLine[], lines: readonly StockLine[]): void {
  for (const l of lines) {
    const existing = into.find((x) => x.sku === l.sku);
    if (existing) existing.quantity += l.quantity;
    else into.push({ sku: l.sku, quantity: l.quantity });
  }
}

/** `from` minus `take` by SKU, dropping lines that reach 0; `take` beyond what `from` holds is ignored. */
export function subtractLines(from: readonly StockLine[], take: readonly StockLine[]): StockLine[] {
  const out: StockLine[] = [];
  for (const l of from) {
    const q = l.quantity - sum(take, l.sku);
    if (q > 0) out.push({ sku: l.sku, quantity: q });
  }
  return out;
}

/** The part of `wanted` that `from` holds (by SKU, at most what `from` has). */
export function intersectLines(from: readonly StockLine[], wanted: readonly StockLine[]): StockLine[] {
  const out: StockLine[] = [];
  for (const w of wanted) {
    const q = Math.min(w.quantity, sum(from, w.sku));
    if (q > 0) out.push({ sku: w.sku, quantity: q });
  }
  return out;
}

export function describeLines(lines: readonly StockLine[]): string {
  return lines.map((l) => `${l.sku} x${l.quantity}`).join(', ');
}

// ---- money (v3): status, refundable and outstanding derived from the ledger ----

const REFUNDS: LedgerEntry['kind'][] = ['refund', 'manual_refund', 'marketplace_refund'];

export interface MoneyFacts {
  /** The currency the payment was taken in (the order's when nothing was taken). */
  currency: string;
  authorized: number;
  captured: number;
  voided: number;
  refunded: number;
  /** Authorization not yet captured nor voided (minor units). */
  openAuthorization: number;
}

/** Sums of the ledger's done entries, in the taken payment's currency, in minor units. */
export function moneyFacts(ledger: readonly LedgerEntry[], orderCurrency: string): MoneyFacts {
  const done = ledger.filter((e) => e.state === 'done');
  const taken = done.find((e) => e.kind === 'capture' || e.kind === 'authorization');
  const currency = taken?.currency ?? orderCurrency;
  const total = (kinds: LedgerEntry['kind'][]) =>
    done.filter((e) => e.currency === currency && kinds.includes(e.kind)).reduce((n, e) => n + toMinor(e.amount), 0);
  const authorized = total(['authorization']);
  const captured = total(['capture']);
  const voided = total(['void']);
  return {
    currency,
    authorized,
    captured,
    voided,
    refunded: total(REFUNDS),
    openAuthorization: Math.max(0, authorized - captured - voided),
  };
}

/**
 * Payment status of a v3 order. A partial void (a canceled line's share of an authorization) does not make the
 * payment `voided`; only an authorization voided in full does.
 */
export function paymentStatusV3(method: PaymentMethod, ledger: readonly LedgerEntry[], failed: boolean, orderCurrency: string): PaymentStatus {
  const m = moneyFacts(ledger, orderCurrency);
  if (method === 'cash_on_delivery' || method === 'marketplace') {
    const idle: PaymentStatus = method === 'marketplace' ? 'captured' : 'not_required';
    if (m.refunded <= 0 || m.captured <= 0) return idle;
    return m.refunded >= m.captured ? 'refunded' : 'partially_refunded';
  }
  if (m.authorized === 0 && m.captured === 0) return failed ? 'failed' : 'pending';
  if (m.refunded > 0) return m.refunded >= m.captured && m.openAuthorization === 0 ? 'refunded' : 'partially_refunded';
  if (m.captured > 0) return 'captured';
  return m.voided >= m.authorized ? 'voided' : 'authorized';
}

/**
 * What the customer still owes, in the order's currency: the value of what was not canceled, minus what the
 * refunds of returns took off, minus what is paid or held (captures and open authorization, less refunds).
 * Cash on delivery owes the value of undelivered parcels until the carrier collects it.
 */
export function outstandingMinor(
  totalMinor: number,
  canceledMinor: number,
  returnedRefundMinor: number,
  money: MoneyFacts,
  orderCurrency: string,
): number {
  if (money.currency !== orderCurrency) return 0; // paid in another currency: an operator accepted it as it was
  const owed = totalMinor - canceledMinor - returnedRefundMinor;
  const covered = money.captured + money.openAuthorization - money.refunded;
  return Math.max(0, owed - covered);
}
