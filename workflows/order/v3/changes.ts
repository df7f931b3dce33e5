// Changes to a running v3 order, applied one at a time by the coordinator: a partial cancel (the quantities that
// have not shipped), and a location's rejection (its lines are sourced elsewhere, or canceled when nothing is left).
// A changed unit is stopped and compensated at the warehouse and carrier, the stock of the lines it loses is
// released, and the unit is re-issued with what it keeps (a new revision: new picking task, new label).
import { condition } from '@temporalio/workflow';
import type { StockLine } from '../../../contract/types';
import { addLines, describeLines, intersectLines, subtractLines } from '../../../domain/fulfillment';
import { db } from '../proxies';
import { SKIPPED } from '../operator';
import { addUnits } from './accept';
import type { Change, V3Context } from './context';
import { settleCanceledLines, type CaptureMode } from './money';
import type { Unit } from './state';
import { startUnit, stopUnit } from './units';

const RELEASE_REFUSES_SKIP =
  'releasing the stock of changed lines cannot be skipped: the units would stay reserved for good; retry it';

/** Applies queued changes until every unit has ended and none is queued. */
export async function coordinate(ctx: V3Context, capture: CaptureMode): Promise<void> {
  const { s } = ctx;
  const allEnded = () => s.units.every((u) => u.settled);
  for (;;) {
    await condition(() => ctx.changes.length > 0 || allEnded());
    const change = ctx.changes[0];
    if (!change) return;
    try {
      if (change.kind === 'cancel') await cancelLines(ctx, change, capture);
      else await reject(ctx, change, capture);
    } finally {
      ctx.changes.shift();
      change.done = true;
    }
  }
}

/** Takes `lines` out of the order's unshipped units (newest unit first) and out of what waits for sourcing. */
async function cancelLines(ctx: V3Context, change: Extract<Change, { kind: 'cancel' }>, capture: CaptureMode): Promise<void> {
  const { s } = ctx;
  s.cancelCount += 1;
  const k = s.cancelCount;
  let left = change.lines.map((l) => ({ ...l }));
  const fromUnsourced = intersectLines(s.unsourced, left);
  if (fromUnsourced.length > 0) {
    replace(s.unsourced, subtractLines(s.unsourced, fromUnsourced));
    left = subtractLines(left, fromUnsourced);
  }
  for (const unit of [...s.units].reverse()) {
    if (left.length === 0) break;
    if (!unit.live || unit.moving) continue;
    const take = intersectLines(unit.lines, left);
    if (take.length === 0) continue;
    left = subtractLines(left, take);
    await shrinkUnit(ctx, unit, take, `cancel:${s.orderId}:${k}`, change.actor, capture, 'canceled', change.reason);
  }
  addLines(s.canceledLines, change.lines);
  s.log({ type: 'lines_canceled', detail: `${describeLines(change.lines)}: ${change.reason}`, actor: change.actor });
  await settleCanceledLines(ctx, change.lines, k, change.reason);
  ctx.status.followUnits();
}

/** The location cannot supply `lines` of the unit: release them there and source them elsewhere. */
async function reject(ctx: V3Context, change: Extract<Change, { kind: 'reject' }>, capture: CaptureMode): Promise<void> {
  const { s } = ctx;
  const unit = s.unitById(change.unitId);
  if (!unit || !unit.live || unit.moving) return; // the validator checked; the unit changed since (a cancel)
  const lines = intersectLines(unit.lines, change.lines);
  if (lines.length === 0) return;
  s.log({ type: 'unit_rejected', detail: `${unit.id} at ${unit.location}: ${describeLines(lines)}: ${change.reason}`, actor: 'warehouse' });
  for (const l of lines) {
    const at = s.rejectedAt.get(l.sku) ?? new Set<string>();
    at.add(unit.location);
    s.rejectedAt.set(l.sku, at);
  }
  await shrinkUnit(ctx, unit, lines, `reject:${s.orderId}:${change.eventId}`, 'warehouse', capture, 'rejected', change.reason);
  addLines(s.unsourced, lines);
  await resource(ctx, capture);
}

/** Sources what waits for sourcing; what no other location has is canceled (unsupplied). */
async function resource(ctx: V3Context, capture: CaptureMode): Promise<void> {
  const { s, operator } = ctx;
  const lines = s.unsourced.map((l) => ({ ...l }));
  const exclude = [...new Set(lines.flatMap((l) => [...(s.rejectedAt.get(l.sku) ?? [])]))];
  const allocation = await operator.step('reserve_stock', () =>
    db.allocateStock({
      orderId: s.orderId,
      firstUnit: s.nextUnitNumber(),
      lines,
      channel: s.input.channel,
      city: s.input.shippingAddress.city,
      region: s.input.shippingAddress.district,
      exclude,
    }),
  );
  if (allocation !== SKIPPED && allocation.ok) {
    replace(s.unsourced, []);
    for (const unit of addUnits(ctx, allocation.units, allocation.reasons, allocation.attempts)) startUnit(ctx, unit, capture);
    s.publish();
    return;
  }
  // Nowhere else (or an operator gave up sourcing): the lines are canceled, as a marketplace's UnSupplied.
  const why = allocation === SKIPPED ? 'sourcing skipped by an operator' : `not available elsewhere (${allocation.reasons.join('; ')})`;
  replace(s.unsourced, []);
  s.cancelCount += 1;
  addLines(s.canceledLines, lines);
  s.log({ type: 'lines_unsupplied', detail: `${describeLines(lines)}: ${why}` });
  await settleCanceledLines(ctx, lines, s.cancelCount, 'unsupplied');
  ctx.status.followUnits();
}

/**
 * Takes `take` out of a unit: stops it (its warehouse and carrier work is undone), releases their stock once per
 * `key`, and re-issues the unit with the rest, or ends it (`ended`: canceled or rejected) when nothing is left.
 */
async function shrinkUnit(
  ctx: V3Context,
  unit: Unit,
  take: StockLine[],
  key: string,
  actor: string,
  capture: CaptureMode,
  ended: 'canceled' | 'rejected',
  reason: string,
): Promise<void> {
  const { s, operator } = ctx;
  const wasStarted = unit.running !== undefined;
  await stopUnit(ctx, unit, actor);
  await operator.step('release_stock', () => db.releaseUnitStock({ orderId: s.orderId, fulfillment: unit.number, key, lines: take }), {
    refuseSkip: RELEASE_REFUSES_SKIP,
  });
  unit.lines = subtractLines(unit.lines, take);
  if (unit.lines.length === 0) {
    unit.status = ended;
    unit.detail = reason;
    // The rejection or cancel itself is logged by its change; this says the unit is gone (a timeline entry only:
    // no command, so orders in flight replay the same).
    s.log({ type: 'unit_ended', detail: `${unit.id} ${ended}: ${reason}` });
    return;
  }
  unit.revision += 1;
  unit.status = 'pending';
  unit.packed = false;
  unit.pickingTaskId = undefined;
  if (unit.label) unit.pastLabels.push(unit.label);
  unit.label = undefined;
  s.log({ type: 'unit_reissued', detail: `${unit.id} keeps ${describeLines(unit.lines)} (revision ${unit.revision})` });
  if (wasStarted) startUnit(ctx, unit, capture);
}

function replace(target: StockLine[], lines: StockLine[]): void {
  target.length = 0;
  target.push(...lines);
}
