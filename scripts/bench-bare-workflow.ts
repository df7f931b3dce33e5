// The bench's reference workflow: the cheapest Temporal workflow with an order lifecycle's shape. It runs the stages
// of a plan (no-op activities and local activities started together, each stage after the signals it waits for),
// answers one update once the first stage's local activities are done, as the order's acceptance does, and ends.
// Bundled by the bench's own worker on its own task queue, never by the production worker.
// Determinism: imports only @temporalio/workflow.
import {
  allHandlersFinished,
  condition,
  defineSignal,
  defineUpdate,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
} from '@temporalio/workflow';

/** One stage: what the workflow runs once it has received `afterSignals` signals and the stage before it is done. */
export interface BareStage {
  afterSignals: number;
  activities: number;
  localActivities: number;
}

/** A lifecycle's shape; `acceptAfter` is the stage whose local activities the update's answer waits for. */
export interface BarePlan {
  key: string;
  stages: BareStage[];
  acceptAfter: number;
  signals: number;
}

/** The no-op bodies the bench's worker registers; the local one tells the bench client which stage it ran in. */
export interface BareActivities {
  bareActivity(): Promise<void>;
  bareLocalActivity(key: string, stage: number): Promise<void>;
}

/** An outside event, as a callback's signal would carry it. */
export const bareEventSignal = defineSignal<[{ eventId: string }]>('bareEvent');
/** Answers once the plan's `acceptAfter` stage has run its local activities, as the order's acceptance update does. */
export const bareAcceptUpdate = defineUpdate<boolean, [{ requestId: string }]>('bareAccept');

// The same timeouts as the order workflow's integration (regular) and database (local) steps; nothing here fails.
const { bareActivity } = proxyActivities<BareActivities>({ startToCloseTimeout: '30s' });
const { bareLocalActivity } = proxyLocalActivities<BareActivities>({ startToCloseTimeout: '15s' });

/** Runs `plan` with no-op activities, then completes. */
export async function bareLifecycle(plan: BarePlan): Promise<void> {
  let signals = 0;
  let localDone = -1;
  setHandler(bareEventSignal, () => {
    signals += 1;
  });
  setHandler(bareAcceptUpdate, async () => {
    await condition(() => localDone >= plan.acceptAfter);
    return true;
  });
  for (const [index, stage] of plan.stages.entries()) {
    await condition(() => signals >= stage.afterSignals);
    const activities = Promise.all(Array.from({ length: stage.activities }, () => bareActivity()));
    await Promise.all(Array.from({ length: stage.localActivities }, () => bareLocalActivity(plan.key, index)));
    localDone = index;
    await activities;
  }
  await condition(() => signals >= plan.signals && allHandlersFinished());
}
