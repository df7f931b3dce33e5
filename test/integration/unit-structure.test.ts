// The counting behind `npm run unit-cost` (scripts/unit-structure.ts), on the real dev server: an order driven through
// each structure, its histories read back, and what orderCost makes of them checked against the events an order of
// that shape must record. Then the script itself on a tiny batch, as a reader runs it. Nothing here is timed.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import protos from '@temporalio/proto';
import { loadConfig } from '../../workers/config';
import { connectTemporal, type TemporalHandle } from '../../workers/system';
import { orderCost, startUnitCost, type UnitCostRunner } from '../../scripts/unit-structure';

const proto = protos.temporal;
type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

/** An event's type without the enum's prefix: WORKFLOW_TASK_COMPLETED. */
const typeOf = (event: HistoryEvent) =>
  (proto.api.enums.v1.EventType[event.eventType ?? 0] ?? '?').replace(/^EVENT_TYPE_/, '');
const countOf = (events: HistoryEvent[], type: string) => events.filter((e) => typeOf(e) === type).length;

const WFT = ['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED'];
const ACTIVITY_RAN = ['ACTIVITY_TASK_STARTED', 'ACTIVITY_TASK_COMPLETED'];

let temporal: TemporalHandle;
let runner: UnitCostRunner;

beforeAll(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_UI_PORT: '0' };
  delete env.TEMPORAL_ADDRESS;
  temporal = await connectTemporal(loadConfig(env), { dataDir: null });
  runner = await startUnitCost(temporal);
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await temporal?.close();
});

describe('orderCost on real histories', () => {
  test('a 1-unit inline order records exactly its steps: 35 events, 6 workflow tasks, one workflow', async () => {
    const id = await runner.order('t-inline-1', 'inline', 1, 60_000);
    const histories = await runner.histories(id, 'inline', 1);
    expect(histories).toHaveLength(1);
    // Each outside signal is sent only once the step before it is in the read model, so the tasks never merge.
    expect(histories[0]!.map(typeOf)).toEqual([
      'WORKFLOW_EXECUTION_STARTED',
      ...WFT,
      'MARKER_RECORDED', // read model: accepted
      'ACTIVITY_TASK_SCHEDULED', // picking task
      ...ACTIVITY_RAN,
      ...WFT,
      'MARKER_RECORDED', // read model: picking
      'WORKFLOW_EXECUTION_SIGNALED', // packed
      ...WFT,
      'ACTIVITY_TASK_SCHEDULED', // label
      ...ACTIVITY_RAN,
      ...WFT,
      'MARKER_RECORDED', // read model: labeled
      'WORKFLOW_EXECUTION_SIGNALED', // picked_up
      ...WFT,
      'MARKER_RECORDED', // commit stock
      'MARKER_RECORDED', // read model: shipped
      'WORKFLOW_EXECUTION_SIGNALED', // delivered
      ...WFT,
      'MARKER_RECORDED', // read model: delivered
      'WORKFLOW_EXECUTION_COMPLETED',
    ]);
    expect(orderCost(histories)).toEqual({
      events: 35,
      workflowTasks: 6,
      orderEvents: 35,
      orderWorkflowTasks: 6,
      failedWorkflowTasks: 0,
    });
  });

  test("a 1-unit child order sums the order's and its unit's history, the unit's under <order>:unit:1", async () => {
    const id = await runner.order('t-child-1', 'child', 1, 60_000);
    const [order, unit, ...more] = await runner.histories(id, 'child', 1);
    expect(more).toHaveLength(0);
    const started = unit![0]!.workflowExecutionStartedEventAttributes;
    expect({ type: started?.workflowType?.name, parent: started?.parentWorkflowExecution?.workflowId }).toEqual({
      type: 'unitChild',
      parent: id,
    });
    // What the structure adds, whatever the timing: the parent starts its unit and forwards the three outside
    // signals; the unit reports three steps back (its last one is its completion).
    const structural = (events: HistoryEvent[]) =>
      Object.fromEntries(
        [
          'START_CHILD_WORKFLOW_EXECUTION_INITIATED',
          'CHILD_WORKFLOW_EXECUTION_STARTED',
          'CHILD_WORKFLOW_EXECUTION_COMPLETED',
          'SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED',
          'EXTERNAL_WORKFLOW_EXECUTION_SIGNALED',
          'WORKFLOW_EXECUTION_SIGNALED',
          'ACTIVITY_TASK_SCHEDULED',
          'MARKER_RECORDED',
        ].map((type) => [type, countOf(events, type)]),
      );
    expect(structural(order!)).toEqual({
      START_CHILD_WORKFLOW_EXECUTION_INITIATED: 1,
      CHILD_WORKFLOW_EXECUTION_STARTED: 1,
      CHILD_WORKFLOW_EXECUTION_COMPLETED: 1,
      SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: 3,
      EXTERNAL_WORKFLOW_EXECUTION_SIGNALED: 3,
      WORKFLOW_EXECUTION_SIGNALED: 6,
      ACTIVITY_TASK_SCHEDULED: 0,
      MARKER_RECORDED: 5, // accepted and the unit's four steps
    });
    expect(structural(unit!)).toEqual({
      START_CHILD_WORKFLOW_EXECUTION_INITIATED: 0,
      CHILD_WORKFLOW_EXECUTION_STARTED: 0,
      CHILD_WORKFLOW_EXECUTION_COMPLETED: 0,
      SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: 3,
      EXTERNAL_WORKFLOW_EXECUTION_SIGNALED: 3,
      WORKFLOW_EXECUTION_SIGNALED: 3,
      ACTIVITY_TASK_SCHEDULED: 2,
      MARKER_RECORDED: 1, // commit stock
    });
    expect(orderCost([order!, unit!])).toEqual({
      events: order!.length + unit!.length,
      workflowTasks: countOf(order!, 'WORKFLOW_TASK_COMPLETED') + countOf(unit!, 'WORKFLOW_TASK_COMPLETED'),
      orderEvents: order!.length,
      orderWorkflowTasks: countOf(order!, 'WORKFLOW_TASK_COMPLETED'),
      failedWorkflowTasks: 0,
    });
  });

  test('child-direct: the outside signals go to the units, which write their own steps', async () => {
    const id = await runner.order('t-direct-3', 'child-direct', 3, 60_000);
    const histories = await runner.histories(id, 'child-direct', 3);
    expect(histories).toHaveLength(4);
    const [order, ...units] = histories;
    expect(countOf(order!, 'CHILD_WORKFLOW_EXECUTION_COMPLETED')).toBe(3);
    expect(countOf(order!, 'WORKFLOW_EXECUTION_SIGNALED')).toBe(0);
    for (const unit of units) {
      const counts = { signals: countOf(unit, 'WORKFLOW_EXECUTION_SIGNALED'), markers: countOf(unit, 'MARKER_RECORDED') };
      // commit stock and four steps
      expect(counts).toEqual({ signals: 3, markers: 5 });
    }
    expect(orderCost(histories).events).toBe(histories.reduce((s, h) => s + h.length, 0));
  });

  test('workflow tasks that failed or timed out are counted apart, not as completed ones', () => {
    const events: HistoryEvent[] = [
      { workflowTaskCompletedEventAttributes: {} },
      { workflowTaskFailedEventAttributes: {} },
      { workflowTaskTimedOutEventAttributes: {} },
      { workflowTaskCompletedEventAttributes: {} },
    ];
    expect(orderCost([events, [{ workflowTaskCompletedEventAttributes: {} }]])).toEqual({
      events: 5,
      workflowTasks: 3,
      orderEvents: 4,
      orderWorkflowTasks: 2,
      failedWorkflowTasks: 2,
    });
  });
});

describe('npm run unit-cost on a tiny batch', () => {
  test('prints the table and a JSON line whose counts and ratios agree, and exits 0', async () => {
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [tsx, 'scripts/unit-structure-cost.ts', '--quick', '--orders', '2', '--warmup', '0', '--units', '1'],
        { cwd: root },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    let json: {
      shapes: {
        units: number;
        structure: string;
        orders: number;
        events: { mean: number };
        workflowTasks: { mean: number };
      }[];
      ratios: { units: number; structure: string; events: number; workflowTasks: number; cpu: { median: number } }[];
      failures: string[];
    };
    try {
      json = JSON.parse(last) as typeof json;
    } catch {
      throw new Error(`no JSON line (exit ${run.code}); stderr ends:\n${run.stderr.slice(-3000)}`);
    }
    expect({ code: run.code, failures: json.failures }).toEqual({ code: 0, failures: [] });
    const shape = (structure: string) => json.shapes.find((s) => s.structure === structure)!;
    expect(json.shapes.map((s) => [s.units, s.structure, s.orders])).toEqual([
      [1, 'inline', 2],
      [1, 'child', 2],
      [1, 'child-direct', 2],
    ]);
    // The same counts as the history above: the script reports what the histories hold.
    expect(shape('inline').events.mean).toBe(35);
    expect(shape('inline').workflowTasks.mean).toBe(6);
    for (const r of json.ratios) {
      expect(r.events).toBeCloseTo(shape(r.structure).events.mean / 35, 2);
      expect(r.workflowTasks).toBeCloseTo(shape(r.structure).workflowTasks.mean / 6, 2);
      expect(r.cpu.median).toBeGreaterThan(0);
    }
    expect(run.stdout).toMatch(/^child \/ inline, 1 unit: events \S+, workflow tasks \S+, CPU median \S+/m);
    expect(run.stdout).toMatch(/^1\s+inline\s+2\s+35\s+6\s/m);
  }, 120_000);
});
