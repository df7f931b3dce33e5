// The core of `npm run unit-cost` (scripts/unit-structure-cost.ts): its own worker for the two bare structures of
// scripts/unit-structure-workflow.ts, the client that drives one order through them with the same outside signals,
// and the counting of what the order's histories (the order's workflow and, for the child structure, its units')
// record. Exported for test/integration/unit-structure.test.ts.
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import type { temporal as proto } from '@temporalio/proto';
import type { TemporalHandle } from '../workers/system';
import {
  unitEventSignal,
  unitWorkflowId,
  type UnitActivities,
  type UnitEvent,
  type UnitStep,
  type UnitsPlan,
  type unitsInline,
  type unitsParent,
  type unitsParentDirect,
} from './unit-structure-workflow';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;

export const UNIT_COST_TASK_QUEUE = 'oms-unit-cost';
const workflowPath = fileURLToPath(new URL('./unit-structure-workflow.ts', import.meta.url));

export type Structure = 'inline' | 'child' | 'child-direct';

const WORKFLOW_TYPE: Record<Structure, string> = {
  inline: 'unitsInline',
  child: 'unitsParent',
  'child-direct': 'unitsParentDirect',
};

/** What the histories of one order record, summed over its workflows. */
export interface OrderCost {
  /** History events of all the order's workflows. */
  events: number;
  /** WorkflowTaskCompleted events of all the order's workflows. */
  workflowTasks: number;
  /** Of those, the order's own workflow's. */
  orderEvents: number;
  orderWorkflowTasks: number;
  /** Workflow tasks that failed or timed out (a healthy run has none; they would be retried and cost more). */
  failedWorkflowTasks: number;
}

/** Counts what the histories of one order's workflows record; the first history is the order's own. */
export function orderCost(histories: HistoryEvent[][]): OrderCost {
  const tasks = (events: HistoryEvent[]) => events.filter((e) => e.workflowTaskCompletedEventAttributes).length;
  const failed = (events: HistoryEvent[]) =>
    events.filter((e) => e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes).length;
  const own = histories[0] ?? [];
  return {
    events: histories.reduce((s, h) => s + h.length, 0),
    workflowTasks: histories.reduce((s, h) => s + tasks(h), 0),
    orderEvents: own.length,
    orderWorkflowTasks: tasks(own),
    failedWorkflowTasks: histories.reduce((s, h) => s + failed(h), 0),
  };
}

type Waiter = { resolve: () => void; reject: (err: Error) => void; timer: NodeJS.Timeout };

/** News of the no-op read-model writes: the client waits for a unit's step as an OMS client waits for the view. */
class StepWatcher {
  private readonly waiting = new Map<string, Waiter>();

  wrote(key: string, unit: number, step: string): void {
    const id = `${key}#${unit}#${step}`;
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    clearTimeout(waiter.timer);
    waiter.resolve();
  }

  /** Registered before the signal that causes the step, so its news cannot be missed. */
  next(key: string, unit: number, step: string, timeoutMs: number): Promise<void> {
    const id = `${key}#${unit}#${step}`;
    const promise = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`${key}: timed out waiting for unit ${unit} to reach ${step}`));
      }, timeoutMs);
      timer.unref();
      this.waiting.set(id, { resolve, reject, timer });
    });
    // Awaited by the caller; a failure before that point must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  }
}

/** The outside events of every unit, in the order the client sends them, with the step each one leads to. */
const EVENTS: [UnitEvent['type'], UnitStep][] = [
  ['packed', 'labeled'],
  ['picked_up', 'shipped'],
  ['delivered', 'delivered'],
];

export interface UnitCostRunner {
  worker: Worker;
  /**
   * One order of `units` units in `structure`, to its end: started, then for each event in turn (packed, picked
   * up, delivered) one signal per unit to the order's workflow, each sent once the step before it shows in the read
   * model, as callbacks that arrive minutes or hours apart; resolves when the order's workflow has completed.
   */
  order(key: string, structure: Structure, units: number, timeoutMs: number): Promise<string>;
  /** The histories of the order's workflows, the order's own first, then its units' in the child structure. */
  histories(orderWorkflowId: string, structure: Structure, units: number): Promise<HistoryEvent[][]>;
  stop(): Promise<void>;
}

/** Starts the script's worker for both structures and returns the client side that drives them. */
export async function startUnitCost(temporal: TemporalHandle): Promise<UnitCostRunner> {
  const watcher = new StepWatcher();
  const activities: UnitActivities = {
    createPickingTask: async () => undefined,
    createLabel: async () => undefined,
    commitUnitStock: async () => undefined,
    writeReadModel: async (key, unit, step) => watcher.wrote(key, unit, step),
  };
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue: UNIT_COST_TASK_QUEUE,
    workflowsPath: workflowPath,
    activities,
  });
  const done = worker.run();
  const client = temporal.client;

  return {
    worker,
    async order(key, structure, units, timeoutMs) {
      const unitNumbers = Array.from({ length: units }, (_, i) => i + 1);
      const picking = unitNumbers.map((unit) => watcher.next(key, unit, 'picking', timeoutMs));
      const plan: UnitsPlan = { key, units };
      const handle = await client.workflow.start<typeof unitsInline | typeof unitsParent | typeof unitsParentDirect>(
        WORKFLOW_TYPE[structure],
        {
          workflowId: `unit-cost:${key}`,
          taskQueue: UNIT_COST_TASK_QUEUE,
          args: [plan],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        },
      );
      await Promise.all(picking);
      for (const [type, step] of EVENTS) {
        for (const unit of unitNumbers) {
          const reached = watcher.next(key, unit, step, timeoutMs);
          // child-direct: the API would find the unit's workflow itself; in the others it knows only the order's.
          const target =
            structure === 'child-direct' ? client.workflow.getHandle(unitWorkflowId(handle.workflowId, unit)) : handle;
          await target.signal(unitEventSignal, { unit, type });
          await reached;
        }
      }
      await client.withAbortSignal(AbortSignal.timeout(timeoutMs), () => handle.result());
      return handle.workflowId;
    },

    async histories(orderWorkflowId, structure, units) {
      const ids = [orderWorkflowId];
      if (structure !== 'inline') {
        for (let unit = 1; unit <= units; unit++) ids.push(unitWorkflowId(orderWorkflowId, unit));
      }
      const out: HistoryEvent[][] = [];
      for (const id of ids) out.push((await client.workflow.getHandle(id).fetchHistory()).events ?? []);
      return out;
    },

    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
