// Pure order rules: status transitions, totals, carrier event mapping, return checks and refund
// decisions. No Temporal import, no I/O: the workflow calls these, and unit tests run them in ms.
import type {
  CarrierEventStatus,
  ItemCondition,
  OrderLine,
  OrderLineInput,
  OrderStatus,
  OrderTotals,
  PaymentStatus,
} from '../contract/types';
import { fromMinor, toMinor } from './money';

/** Allowed moves; everything else (in particular anything backwards) is refused. */
const TRANSITIONS: Record<OrderStatus, readonly OrderStatus[]> = {
  new: ['confirmed', 'canceled'],
  confirmed: ['picking', 'canceled'],
  picking: ['shipped', 'canceled'],
  shipped: ['delivered', 'return_pending'],
  delivered: ['return_pending'],
  return_pending: ['return_completed'],
  return_completed: [],
  canceled: [],
};

/** Forward-only transition check used before every status change. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Cancel is allowed until the parcel is with the carrier; after that the customer returns instead. */
export function isCancelable(status: OrderStatus): boolean {
  return status === 'new' || status === 'confirmed' || status === 'picking';
}

/** True once the order can no longer change. */
export function isTerminal(status: OrderStatus): boolean {
  return TRANSITIONS[status].length === 0;
}

/** Line totals and order totals in minor units, formatted back to decimal strings. */
export function priceLines(lines: OrderLineInput[], currency: string): { lines: OrderLine[]; totals: OrderTotals } {
  let subtotal = 0;
  const priced = lines.map((line) => {
    const lineTotal = toMinor(line.unitPrice) * line.quantity;
    subtotal += lineTotal;
    return { ...line, lineTotal: fromMinor(lineTotal), returnedQuantity: 0, refundedQuantity: 0 };
  });
  const total = fromMinor(subtotal);
  return { lines: priced, totals: { currency, subtotal: total, total, refunded: '0.00' } };
}

/** The order status a carrier event moves a shipment towards; `null` for events that change no status. */
export function carrierTarget(event: CarrierEventStatus): OrderStatus | null {
  switch (event) {
    case 'picked_up':
    case 'in_transit':
    case 'out_for_delivery':
      return 'shipped';
    case 'delivered':
      return 'delivered';
    case 'returned_to_sender':
      return 'return_pending';
    case 'delivery_failed':
      return null;
  }
}

const PROGRESS: Record<OrderStatus, number> = {
  new: 0,
  confirmed: 1,
  picking: 2,
  shipped: 3,
  delivered: 4,
  return_pending: 5,
  return_completed: 6,
  canceled: 7,
};

/**
 * A carrier event arriving at an order in `status` is stale when the order is already at or past the status the
 * event would lead to (a late `in_transit` after `delivered`): it is recorded but has no other effect.
 */
export function isStaleCarrierEvent(status: OrderStatus, event: CarrierEventStatus): boolean {
  if (status === 'canceled') return true;
  const target = carrierTarget(event);
  if (target === null) return status !== 'shipped' && status !== 'picking';
  if (event === 'returned_to_sender') return status !== 'picking' && status !== 'shipped';
  return PROGRESS[status] >= PROGRESS[target];
}

/** Why a return request cannot be accepted, or null when it can. */
export function returnRequestProblem(
  lines: OrderLine[],
  requested: { sku: string; quantity: number }[],
): string | null {
  if (requested.length === 0) return 'a return needs at least one line';
  const seen = new Set<string>();
  for (const [i, r] of requested.entries()) {
    if (seen.has(r.sku)) return `lines[${i}].sku ${r.sku} appears twice`;
    seen.add(r.sku);
    const line = lines.find((l) => l.sku === r.sku);
    if (!line) return `lines[${i}].sku ${r.sku} is not on the order`;
    if (!Number.isInteger(r.quantity) || r.quantity < 1) return `lines[${i}].quantity must be a positive integer`;
    const left = line.quantity - line.returnedQuantity;
    if (r.quantity > left) return `lines[${i}].quantity ${r.quantity} exceeds the ${left} delivered and not yet returned`;
  }
  return null;
}

export interface RefundDecision {
  /** Lines refunded now: sellable ones, plus damaged ones when the operator approved them. */
  refund: { sku: string; quantity: number; amount: string }[];
  /** Sellable units that go back to stock. */
  restock: { sku: string; quantity: number }[];
  /** Damaged units that wait for an operator's decision (empty once decided). */
  undecided: { sku: string; quantity: number }[];
  amount: string;
}

/**
 * Refund rule from the spec: sellable units are refunded in full and restocked; damaged units are refunded only when
 * an operator approves (`damagedApproved` true), never restocked, and while undecided they are listed as such.
 * Received quantities are capped at what the return asked for, so an over-count at the warehouse refunds nothing extra.
 */
export function decideRefund(
  lines: OrderLine[],
  requested: { sku: string; quantity: number }[],
  received: { sku: string; quantity: number; condition: ItemCondition }[],
  damagedApproved: boolean | undefined,
): RefundDecision {
  const remaining = new Map(requested.map((r) => [r.sku, r.quantity]));
  const refund = new Map<string, number>();
  const restock = new Map<string, number>();
  const undecided = new Map<string, number>();
  const add = (m: Map<string, number>, sku: string, q: number) => m.set(sku, (m.get(sku) ?? 0) + q);
  for (const item of received) {
    const left = remaining.get(item.sku) ?? 0;
    const quantity = Math.min(left, item.quantity);
    if (quantity <= 0) continue;
    remaining.set(item.sku, left - quantity);
    if (item.condition === 'sellable') {
      add(refund, item.sku, quantity);
      add(restock, item.sku, quantity);
    } else if (damagedApproved === true) {
      add(refund, item.sku, quantity);
    } else if (damagedApproved === undefined) {
      add(undecided, item.sku, quantity);
    }
  }
  let amount = 0;
  const refundLines = [...refund].map(([sku, quantity]) => {
    const line = lines.find((l) => l.sku === sku);
    const lineAmount = line ? toMinor(line.unitPrice) * quantity : 0;
    amount += lineAmount;
    return { sku, quantity, amount: fromMinor(lineAmount) };
  });
  const list = (m: Map<string, number>) => [...m].map(([sku, quantity]) => ({ sku, quantity }));
  return { refund: refundLines, restock: list(restock), undecided: list(undecided), amount: fromMinor(amount) };
}

/** Payment status once `refundedMinor` of `totalMinor` has gone back to the customer. */
export function paymentStatusAfterRefund(totalMinor: number, refundedMinor: number, current: PaymentStatus): PaymentStatus {
  if (refundedMinor <= 0) return current;
  return refundedMinor >= totalMinor ? 'refunded' : 'partially_refunded';
}

/**
 * Why a payment event cannot be taken as the order's payment as it stands (another currency, another amount), or
 * null when it can. An event without an amount or currency is the provider vouching for the order's total.
 */
export function paymentMismatch(
  event: { amount?: string | undefined; currency?: string | undefined },
  totals: Pick<OrderTotals, 'total' | 'currency'>,
): string | null {
  if (event.currency !== undefined && event.currency !== totals.currency) {
    return `paid in ${event.currency}, the order is in ${totals.currency}`;
  }
  if (event.amount !== undefined && toMinor(event.amount) !== toMinor(totals.total)) {
    return `paid ${fromMinor(toMinor(event.amount))} ${totals.currency}, the order total is ${totals.total} ${totals.currency}`;
  }
  return null;
}
