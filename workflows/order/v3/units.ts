// One fulfillment unit's life: picking task → packed → label → picked up (stock committed, its payment share
// captured) → delivered or back at the sender. Each unit runs in its own cancellation scope with its own saga, so a
// partial cancel or a rejection stops and compensates that unit alone (the picking task and label it made are
// canceled, newest first) while the others go on; a whole cancel stops them all through the order's scope.
import { ApplicationFailure, CancellationScope, CancelledFailure, isCancellation } from '@temporalio/workflow';
import { describeLines } from '../../../domain/fulfillment';
import { db, ext } from '../proxies';
import { describe, type Skippable } from '../operator';
import { Saga } from '../saga';
import type { V3Context } from './context';
import { captureForUnit, collectedOnDelivery, type CaptureMode } from './money';
import type { Unit } from './state';

/** Stops the unit's forward flow once it is being changed or the order canceled. */
function ensureRunning(ctx: V3Context, unit: Unit): void {
  if (unit.stopping || ctx.s.canceling || CancellationScope.current().consideredCancelled) {
    throw new CancelledFailure(`${unit.id} is being changed`);
  }
}

/** A unit's step: an operator-visible step whose failure names the unit. The attempt in flight is not cancellable. */
function unitStep<T>(ctx: V3Context, unit: Unit, name: string, run: () => Promise<T>, refuseSkip?: string): Promise<Skippable<T>> {
  ensureRunning(ctx, unit);
  return ctx.operator.step(
    name,
    () =>
      CancellationScope.nonCancellable(async () => {
        try {
          return await run();
        } catch (err) {
          if (isCancellation(err)) throw err;
          const failure = err instanceof ApplicationFailure ? err : (err as { cause?: unknown }).cause;
          throw ApplicationFailure.create({
            message: `${unit.id}: ${describe(err)}`,
            type: failure instanceof ApplicationFailure ? (failure.type ?? undefined) : undefined,
            nonRetryable: failure instanceof ApplicationFailure ? (failure.nonRetryable ?? false) : false,
          });
        }
      }),
    refuseSkip ? { refuseSkip } : {},
  );
}

/** Starts (or restarts, after a change) the unit's run beside the order's other units. */
export function startUnit(ctx: V3Context, unit: Unit, capture: CaptureMode): void {
  unit.stopping = false;
  const scope = new CancellationScope({ parent: ctx.mainScope, cancellable: true });
  unit.scope = scope;
  const saga = new Saga(ctx.s, ctx.operator);
  unit.running = (async () => {
    try {
      await scope.run(() => forward(ctx, unit, saga, capture));
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // Stopped: undo what this revision did at the warehouse and carrier (stock is the changer's business).
      await saga.unwind(ctx.s.canceling?.actor ?? 'system');
    }
  })();
}

/** Stops a unit that has not shipped and waits until its compensations ran; its operator waits are moot. */
export async function stopUnit(ctx: V3Context, unit: Unit, actor: string): Promise<void> {
  unit.stopping = true;
  unit.scope?.cancel();
  await unit.running;
  for (const wait of ctx.desk.waits.filter((w) => !w.alert && isAbout(w.reason, unit))) {
    ctx.desk.resolve(wait, `${wait.step}: abandoned, ${unit.id} was changed`, actor);
  }
}

/** The unit's waits name it first (see unitStep and the unit's SLA alerts). */
function isAbout(reason: string, unit: Unit): boolean {
  return reason.startsWith(`${unit.id}:`) || reason.startsWith(`${unit.id} `);
}

async function forward(ctx: V3Context, unit: Unit, saga: Saga, capture: CaptureMode): Promise<void> {
  const { s, operator, status } = ctx;
  const { orderId } = s;
  const key = `${orderId}:${unit.number}:${unit.revision}`;
  const { pickSla, trackingWindow } = s.input.timers;

  // Registered before the call: a task whose creation answer never arrived (timeout, a step abandoned by a cancel)
  // may still exist at the warehouse, so the cancel names the key it was asked for with (a no-op when none exists).
  saga.push({
    name: 'create_picking_task',
    run: async () => {
      await ext.cancelPickingTask({ key: `picking-cancel:${key}`, orderId, taskId: unit.pickingTaskId, createdWith: `picking:${key}` });
      unit.pickingTaskId = undefined;
    },
  });
  const task = await unitStep(ctx, unit, 'create_picking_task', () =>
    ext.createPickingTask({ key: `picking:${key}`, orderId, lines: unit.lines, location: unit.location }),
  );
  if (typeof task === 'object') unit.pickingTaskId = task.taskId;
  unit.status = 'picking';
  s.log({ type: 'picking_task_created', detail: `${unit.id} at ${unit.location}: ${typeof task === 'object' ? task.taskId : 'skipped'} (${describeLines(unit.lines)})` });
  // The warehouse lead and the packed callback's sender look for the unit in picking with its task id.
  s.publish();

  await operator.waitWithAlert('pick_and_pack', `${unit.id} not packed within ${pickSla}`, pickSla, () => unit.packed);
  ensureRunning(ctx, unit);
  unit.status = 'packed';
  s.publish();

  saga.push({
    name: 'create_shipment',
    run: async () => {
      const labelled = unit.label;
      await ext.cancelShipment({
        key: `shipment-cancel:${key}`,
        orderId,
        carrier: labelled?.carrier ?? s.input.carrier,
        trackingNumber: labelled?.trackingNumber,
        createdWith: `shipment:${key}`,
      });
      if (!labelled) return;
      s.log({ type: 'label_canceled', detail: `${unit.id} ${labelled.carrier} ${labelled.trackingNumber}` });
      unit.pastLabels.push(labelled);
      unit.label = undefined;
    },
  });
  const label = await unitStep(ctx, unit, 'create_shipment', () =>
    ext.createShipment({
      key: `shipment:${key}`,
      orderId,
      carrier: s.input.carrier,
      address: s.input.shippingAddress,
      customer: s.input.customer,
      lines: unit.lines,
    }),
  );
  if (typeof label === 'object') {
    unit.label = label;
    unit.status = 'labelled';
    s.log({ type: 'label_created', detail: `${unit.id} ${label.carrier} ${label.trackingNumber}` });
    // Carriers call back by tracking number: the read model must know it before the parcel can move.
    await ctx.persisted();
  }

  await operator.waitWithAlert('await_pickup', `${unit.id}: no carrier pick-up within ${trackingWindow}`, trackingWindow, () => unit.moving);
  ensureRunning(ctx, unit);

  // Shipped: nothing of this unit is compensated any more (it is returned, not canceled).
  saga.clear();
  unit.status = 'shipped';
  s.log({ type: 'unit_shipped', detail: unit.id });
  status.followUnits();
  await operator.step('commit_stock', () => db.commitUnitStock({ orderId, fulfillment: unit.number }), {
    refuseSkip: 'commit_stock cannot be skipped: the shipped units would stay reserved; retry it',
  });
  await captureForUnit(ctx, unit, capture);

  const news = unit.news;
  const delivery = await operator.waitWithAlert(
    'await_delivery',
    `${unit.id}: no delivery news within ${trackingWindow}`,
    trackingWindow,
    () => news.delivered || news.returnedToSender,
  );
  if (news.returnedToSender && !news.delivered) {
    unit.status = 'returned_to_sender';
    s.log({ type: 'unit_returned_to_sender', detail: unit.id });
  } else {
    unit.status = 'delivered';
    s.log({ type: 'unit_delivered', detail: delivery === 'skipped' ? `${unit.id} (confirmed by an operator)` : unit.id });
    collectedOnDelivery(ctx, unit);
  }
  status.followUnits();
}
