// The two structures issue 6 item 7 weighs for an order of N fulfillment units, bare (no-op bodies, no domain), so
// that what `npm run unit-cost` measures is the structure alone:
//   inline: one workflow per order, each unit a coroutine in it (the shape orderWorkflowV3 takes);
//   child:  one child workflow per unit (id `<order>:unit:<n>`); the outside events reach the parent, which is all
//           the API knows, and the parent forwards each to its unit; the unit reports its progress back by signal;
//   child-direct: the floor of any child structure, for comparison: the API signals the unit's workflow itself
//           (it would have to find the unit from the callback) and the unit writes its own read-model rows, so the
//           parent only starts its units and waits for them.
// Both do the same work per unit: picking task (activity), `packed` → label (activity), `picked_up` → commit stock
// (local activity), `delivered`; a read-model write (local activity, in the order's workflow) after each step.
// Bundled by the script's own worker on its own task queue, never by the production worker.
// Determinism: imports only @temporalio/workflow.
import {
  allHandlersFinished,
  condition,
  defineSignal,
  executeChild,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';

/** An outside event for one unit, as a warehouse's or carrier's callback would signal it to the order. */
export interface UnitEvent {
  unit: number;
  type: 'packed' | 'picked_up' | 'delivered';
}

/** A unit's step, written to the read model when the unit has reached it. */
export type UnitStep = 'picking' | 'labeled' | 'shipped' | 'delivered';

export interface UnitsPlan {
  /** The order's key; the no-op read-model write reports it to the driving client. */
  key: string;
  units: number;
}

/** The no-op bodies the script's worker registers; `writeReadModel` tells the client which step a unit reached. */
export interface UnitActivities {
  createPickingTask(unit: number): Promise<void>;
  createLabel(unit: number): Promise<void>;
  commitUnitStock(unit: number): Promise<void>;
  writeReadModel(key: string, unit: number, step: UnitStep | 'accepted'): Promise<void>;
}

/** The outside events, sent to the order's workflow in both structures. */
export const unitEventSignal = defineSignal<[UnitEvent]>('unitEvent');
/** child structure: a unit workflow's report of the step it reached, to its parent. */
export const unitProgressSignal = defineSignal<[{ unit: number; step: UnitStep }]>('unitProgress');

// The order workflow's option groups: integration calls as regular activities, database steps as local ones.
const { createPickingTask, createLabel } = proxyActivities<UnitActivities>({ startToCloseTimeout: '30s' });
const { commitUnitStock, writeReadModel } = proxyLocalActivities<UnitActivities>({ startToCloseTimeout: '15s' });

/** The child structure's unit workflow id: derived from the order's, so a retried start never makes two. */
export function unitWorkflowId(orderWorkflowId: string, unit: number): string {
  return `${orderWorkflowId}:unit:${unit}`;
}

/** A unit's outside events as they arrived; `next` waits until `type` has. */
function inbox() {
  const received: UnitEvent['type'][] = [];
  return {
    push: (type: UnitEvent['type']) => void received.push(type),
    next: (type: UnitEvent['type']) => condition(() => received.includes(type)),
  };
}

/** The unit's lifecycle, with `report` called after each step: shared by both structures so they do the same. */
async function unitLifecycle(
  unit: number,
  events: ReturnType<typeof inbox>,
  report: (step: UnitStep) => Promise<void>,
): Promise<void> {
  await createPickingTask(unit);
  await report('picking');
  await events.next('packed');
  await createLabel(unit);
  await report('labeled');
  await events.next('picked_up');
  await commitUnitStock(unit);
  await report('shipped');
  await events.next('delivered');
}

/** inline: the order and its units in one workflow, one history. */
export async function unitsInline(plan: UnitsPlan): Promise<void> {
  const inboxes = Array.from({ length: plan.units }, () => inbox());
  setHandler(unitEventSignal, (event) => inboxes[event.unit - 1]?.push(event.type));
  await writeReadModel(plan.key, 0, 'accepted');
  await Promise.all(
    inboxes.map(async (events, index) => {
      const unit = index + 1;
      await unitLifecycle(unit, events, (step) => writeReadModel(plan.key, unit, step));
      await writeReadModel(plan.key, unit, 'delivered');
    }),
  );
  await condition(allHandlersFinished);
}

/** How a unit workflow reports its steps: by signal to its parent (child), or to the read model itself (direct). */
export type UnitReporting = { to: 'parent' } | { to: 'read-model'; key: string };

/** child: the order workflow starts a unit workflow per unit, forwards each outside event, writes each report. */
export async function unitsParent(plan: UnitsPlan): Promise<void> {
  const children: (ChildWorkflowHandle<typeof unitChild> | undefined)[] = [];
  // A forward waits for the unit's workflow to have started: an event can only follow the unit's picking report.
  setHandler(unitEventSignal, async (event) => {
    await condition(() => children[event.unit - 1] !== undefined);
    await children[event.unit - 1]!.signal(unitEventSignal, event);
  });
  setHandler(unitProgressSignal, ({ unit, step }) => writeReadModel(plan.key, unit, step));
  await writeReadModel(plan.key, 0, 'accepted');
  const orderId = workflowInfo().workflowId;
  await Promise.all(
    Array.from({ length: plan.units }, async (_, index) => {
      const unit = index + 1;
      const reporting: UnitReporting = { to: 'parent' };
      const child = await startChild(unitChild, { workflowId: unitWorkflowId(orderId, unit), args: [unit, reporting] });
      children[index] = child;
      // The unit's last step needs no signal back: its completion reaches the parent anyway.
      await child.result();
      await writeReadModel(plan.key, unit, 'delivered');
    }),
  );
  await condition(allHandlersFinished);
}

/** child-direct: the order workflow starts a unit workflow per unit and waits; the units do the rest. */
export async function unitsParentDirect(plan: UnitsPlan): Promise<void> {
  await writeReadModel(plan.key, 0, 'accepted');
  const orderId = workflowInfo().workflowId;
  const reporting: UnitReporting = { to: 'read-model', key: plan.key };
  await Promise.all(
    Array.from({ length: plan.units }, (_, index) =>
      executeChild(unitChild, { workflowId: unitWorkflowId(orderId, index + 1), args: [index + 1, reporting] }),
    ),
  );
}

/** One unit's workflow: its outside events, its steps, each step reported as `reporting` says. */
export async function unitChild(unit: number, reporting: UnitReporting): Promise<void> {
  const events = inbox();
  setHandler(unitEventSignal, (event) => events.push(event.type));
  if (reporting.to === 'parent') {
    const parent = getExternalWorkflowHandle(workflowInfo().parent!.workflowId);
    await unitLifecycle(unit, events, (step) => parent.signal(unitProgressSignal, { unit, step }));
  } else {
    const { key } = reporting;
    await unitLifecycle(unit, events, (step) => writeReadModel(key, unit, step));
    await writeReadModel(key, unit, 'delivered');
  }
  await condition(allHandlersFinished);
}
