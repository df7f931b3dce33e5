// The bench's reference: the bare workflow of scripts/bench-bare-workflow.ts, on the same Temporal server, driven by
// the same Temporal client the OMS's gateway uses, with the calls the OMS's HTTP routes make for one lifecycle:
// start + the acceptance update (POST /orders), then one signal per callback (payment for card orders, packed,
// picked_up, delivered), the carrier's signals only once the label is in, as the bench's OMS client waits for it.
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import type { TemporalHandle } from '../workers/system';
import {
  bareAcceptUpdate,
  bareEventSignal,
  type BareActivities,
  type BarePlan,
  type BareStage,
  type bareLifecycle,
} from './bench-bare-workflow';

export const BARE_TASK_QUEUE = 'oms-bench-bare';
const bareWorkflowPath = fileURLToPath(new URL('./bench-bare-workflow.ts', import.meta.url));

interface BarePlanTemplate {
  stages: BareStage[];
  acceptAfter: number;
  signals: number;
  gate: number;
  /** Signals the client sends before waiting for the gate. */
  before: number;
}

/**
 * The order lifecycle's stages as phase b's histories record them (2026-12-02, orderWorkflowV3, one fulfillment
 * unit): what one workflow task runs, after which signal. Card: acceptance (validate, allocate, notify, write-back,
 * read model, claim early payments: 6 local), payment → invoice and ERP sale (2 regular) + 3 local, then the unit's
 * picking task (1 regular) + 3 local (status picking), packed (the bench sends it at once) → label (1 regular) + the
 * unit's read-model write (1 local), label → read model (1 local), picked_up → notify, write-back, commit the unit's
 * stock, read model (4 local), delivered → read model, notify, write-back, read model (4 local). Marketplace orders
 * arrive paid: the acceptance runs 7 local and starts invoice and ERP sale. `gate`: the stage whose local activities
 * the client waits for before it sends the carrier's signals (the OMS client waits until the order shows its
 * tracking number, which the label's read-model write puts there).
 */
export const BARE_PLANS: Record<'card' | 'marketplace', BarePlanTemplate> = {
  card: {
    stages: [
      { afterSignals: 0, activities: 0, localActivities: 6 },
      { afterSignals: 1, activities: 2, localActivities: 3 },
      { afterSignals: 1, activities: 1, localActivities: 3 },
      { afterSignals: 2, activities: 1, localActivities: 1 },
      { afterSignals: 2, activities: 0, localActivities: 1 },
      { afterSignals: 3, activities: 0, localActivities: 4 },
      { afterSignals: 4, activities: 0, localActivities: 4 },
    ],
    acceptAfter: 0,
    signals: 4,
    gate: 4,
    // signals sent before the gate: payment, packed
    before: 2,
  },
  marketplace: {
    stages: [
      { afterSignals: 0, activities: 2, localActivities: 7 },
      { afterSignals: 0, activities: 1, localActivities: 3 },
      { afterSignals: 1, activities: 1, localActivities: 1 },
      { afterSignals: 1, activities: 0, localActivities: 1 },
      { afterSignals: 2, activities: 0, localActivities: 4 },
      { afterSignals: 3, activities: 0, localActivities: 4 },
    ],
    acceptAfter: 0,
    signals: 3,
    gate: 3,
    // packed
    before: 1,
  },
};

/** The plan of a lifecycle of `units` fulfillment units; 1 is BARE_PLANS as they are. */
export function barePlan(kind: 'card' | 'marketplace', units: number): BarePlanTemplate {
  if (units === 1) return BARE_PLANS[kind];
  return SPLIT_PLANS[kind](units);
}

/**
 * A split order's stages (2026-12-02, orderWorkflowV3, phase c's histories, 20 sampled): as the single-unit order up
 * to `confirmed`; then every unit's picking task at once (N regular) + 3 local (status picking); the packed reports
 * (the bench sends them at once) → every unit's label (N regular) + 1 local; the labels → the read model (1 local:
 * the units' writes share it); then, unit by unit as the bench's carrier sends them, picked_up → commit the unit's
 * stock and the read model (2 local; the last unit's also notifies and writes back `shipped`: 4); the last delivered
 * → read model, notify, write-back, read model (4 local; the other units' deliveries share those writes). Signals
 * that arrive together share a workflow task and may share a read-model write, so the OMS's local activities per
 * split lifecycle vary by one or two with timing: 23 per split lifecycle against these plans' 23 (card 24,
 * marketplace 22) in that run.
 */
const SPLIT_PLANS: Record<'card' | 'marketplace', (units: number) => BarePlanTemplate> = {
  card: (units) => {
    const paid = 1;
    const stages: BareStage[] = [
      { afterSignals: 0, activities: 0, localActivities: 6 },
      { afterSignals: paid, activities: 2, localActivities: 3 },
      ...unitStages(paid, units),
    ];
    return { stages, acceptAfter: 0, signals: paid + 3 * units, gate: 4, before: paid + units };
  },
  marketplace: (units) => {
    const stages: BareStage[] = [{ afterSignals: 0, activities: 2, localActivities: 7 }, ...unitStages(0, units)];
    return { stages, acceptAfter: 0, signals: 3 * units, gate: 3, before: units };
  },
};

/** From the picking tasks on, after `paid` signals: see SPLIT_PLANS. */
function unitStages(paid: number, units: number): BareStage[] {
  const packed = paid + units;
  const stages: BareStage[] = [
    { afterSignals: paid, activities: units, localActivities: 3 },
    { afterSignals: packed, activities: units, localActivities: 1 },
    { afterSignals: packed, activities: 0, localActivities: 1 },
  ];
  for (let u = 1; u < units; u++) stages.push({ afterSignals: packed + 2 * u - 1, activities: 0, localActivities: 2 });
  stages.push({ afterSignals: packed + 2 * units - 1, activities: 0, localActivities: 4 });
  stages.push({ afterSignals: packed + 2 * units, activities: 0, localActivities: 4 });
  return stages;
}

type Waiter = { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/** News of the no-op local activities: the client waits for a stage as the OMS client waits for the read model. */
class StageWatcher {
  private readonly waiting = new Map<string, Waiter>();

  ran(key: string, stage: number): void {
    const id = `${key}#${stage}`;
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve();
  }

  /** Registered before the signal that causes the stage, so its news cannot be missed. */
  next(key: string, stage: number, timeoutMs: number): Promise<void> {
    const id = `${key}#${stage}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${key}: timed out waiting for stage ${stage}`));
      }, timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, reject, timer });
    });
  }
}

export interface BareRunner {
  worker: Worker;
  /** One bare lifecycle, card- or marketplace-shaped; resolves when its last stage has run, with its workflow id. */
  lifecycle(
    key: string,
    kind: 'card' | 'marketplace',
    deadline: AbortSignal,
    timeoutMs: number,
    /** Fulfillment units of the order it stands for (the split mix's orders have 2 or 3). */
    units?: number,
  ): Promise<{ workflowId: string; totalMs: number }>;
  /** Waits until the workflows have completed (after a round, not timed): a lifecycle that never ends is a failure. */
  completed(workflowIds: string[]): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the bench's own worker for the bare workflow and returns the client side that drives it. */
export async function startBare(temporal: TemporalHandle): Promise<BareRunner> {
  const watcher = new StageWatcher();
  const activities: BareActivities = {
    bareActivity: async () => undefined,
    bareLocalActivity: async (key, stage) => watcher.ran(key, stage),
  };
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue: BARE_TASK_QUEUE,
    workflowsPath: bareWorkflowPath,
    activities,
  });
  const done = worker.run();
  const client: Client = temporal.client;
  const workflowId = (key: string) => `bench-bare:${key}`;

  return {
    worker,
    lifecycle: (key, kind, deadline, timeoutMs, units = 1) =>
      client.withAbortSignal(AbortSignal.any([deadline, AbortSignal.timeout(timeoutMs)]), async () => {
        const started = performance.now();
        const { gate, before, ...shape } = barePlan(kind, units);
        const plan: BarePlan = { key, ...shape };
        const last = watcher.next(key, plan.stages.length - 1, timeoutMs);
        const gated = watcher.next(key, gate, timeoutMs);
        // Both are awaited below; a failure before that point must not surface as an unhandled rejection.
        last.catch(() => undefined);
        gated.catch(() => undefined);
        // As the gateway's createOrder: start (FAIL + REJECT_DUPLICATE), then the acceptance update.
        const handle = await client.workflow.start<typeof bareLifecycle>('bareLifecycle', {
          workflowId: workflowId(key),
          taskQueue: BARE_TASK_QUEUE,
          args: [plan],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
        await handle.executeUpdate(bareAcceptUpdate, { args: [{ requestId: key }] });
        let sent = 0;
        for (; sent < before; sent++) await handle.signal(bareEventSignal, { eventId: `${key}-${sent}` });
        await gated;
        for (; sent < plan.signals; sent++) await handle.signal(bareEventSignal, { eventId: `${key}-${sent}` });
        await last;
        return { workflowId: handle.workflowId, totalMs: performance.now() - started };
      }),

    async completed(workflowIds) {
      const failures: string[] = [];
      for (const id of workflowIds) {
        try {
          await client.workflow.getHandle(id).result();
        } catch (err) {
          failures.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      return failures;
    },

    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
