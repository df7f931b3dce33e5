// Acceptance: the order's lines are checked against the catalog and its stock is reserved, all lines or none.
// The channel's POST /orders is answered only after this (reserved: `new` or `confirmed`; refused: `canceled`).
import type { OrderContext } from './context';
import { db, metrics } from './proxies';
import { SKIPPED } from './operator';

/** Validates and reserves; returns false when the order ended canceled (invalid or out of stock). */
export async function acceptOrder(ctx: OrderContext, pricingProblem: string | undefined): Promise<boolean> {
  const { s, operator, saga, status } = ctx;
  if (!(await validateAndHoldRelease(ctx, pricingProblem))) return false;
  const lines = s.input.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const reservation = await operator.step('reserve_stock', () => db.reserveStock({ orderId: s.orderId, lines }), {
    refuseSkip: 'reserve_stock cannot be skipped: the order would ship stock it never reserved; retry it, or cancel the order',
  });
  if (reservation !== SKIPPED && !reservation.ok) {
    saga.pop();
    metrics.reservationRefused(s.input.channel);
    const detail = reservation.shortages.map((x) => `${x.sku}: ${x.requested} requested, ${x.available} available`);
    return refuse(ctx, 'out_of_stock', detail.join('; '));
  }
  status.ensureNotCanceled();
  s.log({ type: 'stock_reserved', status: 'new' });
  status.announce('new');
  return true;
}

/**
 * Checks the order (pricing, catalog) and pushes the release of its reservation, which the reservation step
 * then makes; false when the order ended canceled as invalid (v2 and v3 alike).
 */
export async function validateAndHoldRelease(ctx: OrderContext, pricingProblem: string | undefined): Promise<boolean> {
  const { s, operator, saga, status } = ctx;
  if (pricingProblem) return refuse(ctx, 'invalid_order', pricingProblem);
  const validation = await operator.step('validate', () => db.validateOrder(s.input));
  if (validation !== SKIPPED) {
    if (!validation.ok) return refuse(ctx, 'invalid_order', validation.problems.join('; '));
    for (const discrepancy of validation.discrepancies ?? []) s.log({ type: 'price_discrepancy', detail: discrepancy });
  }
  status.ensureNotCanceled();
  saga.push({
    name: 'release_stock',
    run: () => db.releaseStock({ orderId: s.orderId }),
    refuseSkip:
      'releasing the reservation cannot be skipped: the units would stay reserved for good; retry it ' +
      '(POST /inventory/{sku}/repair recomputes a reservation count that is off)',
  });
  return true;
}

export function refuse(ctx: OrderContext, reason: 'invalid_order' | 'out_of_stock', detail: string): false {
  ctx.s.order.cancelReason = reason;
  ctx.status.setStatus('canceled', detail);
  return false;
}
