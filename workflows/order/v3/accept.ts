// Acceptance of a v3 order: the lines are checked against the catalog, sourced from the locations and reserved
// there, all lines or none (allocateStock). The plan and its reason go into the timeline; each unit of the plan
// becomes a fulfillment unit, started once the order is confirmed.
import { db, metrics } from '../proxies';
import { refuse, validateAndHoldRelease } from '../accept';
import { SKIPPED } from '../operator';
import type { V3Context } from './context';
import { Unit } from './state';
import type { AllocatedUnit } from '../../../contract/types';

/** Validates and allocates; returns false when the order ended canceled (invalid or out of stock). */
export async function acceptOrderV3(ctx: V3Context, pricingProblem: string | undefined): Promise<boolean> {
  const { s, operator, saga, status } = ctx;
  if (!(await validateAndHoldRelease(ctx, pricingProblem))) return false;
  const lines = s.input.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  const allocation = await operator.step(
    'reserve_stock',
    () =>
      db.allocateStock({
        orderId: s.orderId,
        firstUnit: 1,
        lines,
        channel: s.input.channel,
        city: s.input.shippingAddress.city,
        region: s.input.shippingAddress.district,
      }),
    { refuseSkip: 'reserve_stock cannot be skipped: the order would ship stock it never reserved; retry it, or cancel the order' },
  );
  if (allocation === SKIPPED) throw new Error('reserve_stock was skipped although it refuses skips');
  if (!allocation.ok) {
    saga.pop();
    metrics.reservationRefused(s.input.channel);
    const detail = allocation.shortages.map((x) => `${x.sku}: ${x.requested} requested, ${x.available} available`);
    s.log({ type: 'sourcing', detail: allocation.reasons.join('; ') });
    return refuse(ctx, 'out_of_stock', detail.join('; '));
  }
  addUnits(ctx, allocation.units, allocation.reasons, allocation.attempts);
  status.ensureNotCanceled();
  s.log({ type: 'stock_reserved', status: 'new' });
  status.announce('new');
  return true;
}

/** Records the units of an allocation on the order, with the sourcing reason in the timeline. */
export function addUnits(ctx: V3Context, units: AllocatedUnit[], reasons: string[], attempts: number): Unit[] {
  const { s } = ctx;
  const made = units.map((u) => new Unit(u.fulfillment, `${s.orderId}/${u.fulfillment}`, u.location, u.lines.map((l) => ({ ...l }))));
  for (const unit of made) {
    unit.detail = reasons.join('; ');
    s.units.push(unit);
  }
  const retried = attempts > 1 ? ` (sourced ${attempts} times: stock moved meanwhile)` : '';
  s.log({ type: 'sourcing', detail: `${reasons.join('; ')}${retried}` });
  return made;
}
