// `npm run unit-cost`: what an order of 1 and of 3 fulfillment units costs Temporal in each of the two structures
// issue 6 item 7 weighs (scripts/unit-structure-workflow.ts): the units as coroutines inside the order's workflow
// (inline) or one child workflow per unit (child). Both run bare (no-op activities, no HTTP, no database) on the
// embedded Temporal dev server this process starts, driven by the same outside signals from the same client.
//
// Per order: history events and workflow tasks (WorkflowTaskCompleted), summed over the order's workflows and read
// from every order's real histories after its batch; CPU per order of this process (worker and client) and of the
// Temporal server, over batches of --orders orders per shape, the shapes' order reversed every round so the
// machine's drift hits each alike. Then child / inline for each unit count: the events and tasks ratios, and the
// CPU ratio per round with its median and min–max.
//
// Options, as flags after `npm run unit-cost --`:
//   --orders (100 per shape per round)  --rounds (3)  --units (1,3)  --concurrency (32 orders in flight)
//   --structures (inline,child,child-direct; child-direct is the floor of any child structure, see the workflows)
//   --warmup (10 unmeasured orders of each shape)  --timeout-seconds (900 for the whole run)
//   --quick: 1 round of 4 orders, 1 warm-up; flags given beside it still win.
// Output: a table on stdout, then one JSON line; the exit code is 1 when any order failed.
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../workers/config';
import { connectTemporal, type TemporalHandle } from '../workers/system';
import { orderCost, startUnitCost, type OrderCost, type Structure, type UnitCostRunner } from './unit-structure';

interface Options {
  orders: number;
  rounds: number;
  units: number[];
  structures: Structure[];
  concurrency: number;
  warmup: number;
  timeoutSeconds: number;
}

function readOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      orders: { type: 'string' },
      rounds: { type: 'string' },
      units: { type: 'string' },
      structures: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      'timeout-seconds': { type: 'string' },
      quick: { type: 'boolean' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const int = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`--${name}: must be a whole number >= ${min}, got "${raw}"`);
    }
    return value;
  };
  const units = (values.units ?? '1,3').split(',').map((u) => int('units', u, 0, 1));
  const structures = (values.structures ?? 'inline,child,child-direct').split(',').map((raw) => {
    const name = raw.trim();
    if (name !== 'inline' && name !== 'child' && name !== 'child-direct') {
      throw new Error(`--structures: each must be inline, child or child-direct, got "${name}"`);
    }
    return name;
  });
  if (!structures.includes('inline')) throw new Error('--structures: must include inline, the ratios are against it');
  return {
    orders: int('orders', values.orders, quick ? 4 : 100, 1),
    rounds: int('rounds', values.rounds, quick ? 1 : 3, 1),
    units,
    structures,
    concurrency: int('concurrency', values.concurrency, 32, 1),
    warmup: int('warmup', values.warmup, quick ? 1 : 10, 0),
    timeoutSeconds: int('timeout-seconds', values['timeout-seconds'], quick ? 120 : 900, 10),
  };
}

// ---------------------------------------------------------------- CPU

/** CPU seconds so far of this process's child processes (the Temporal dev server), from /proc. */
function childCpuSeconds(): number {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return 0;
  }
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue; // ppid
      total += (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ
    } catch {
      // the process went away while we looked
    }
  }
  return total;
}

/** Busy CPU seconds of the whole machine (all cores), to show how much of it other processes took. */
function machineBusySeconds(): number {
  try {
    const values = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
    return (values.reduce((s, v) => s + v, 0) - idle) / 100;
  } catch {
    return 0;
  }
}

function cpuNow(): { process: number; server: number; machine: number; at: number } {
  const own = process.cpuUsage();
  return {
    process: (own.user + own.system) / 1e6,
    server: childCpuSeconds(),
    machine: machineBusySeconds(),
    at: performance.now(),
  };
}

// ---------------------------------------------------------------- runs

interface Shape {
  units: number;
  structure: Structure;
}

interface Batch {
  completed: number;
  failures: string[];
  cpuSeconds: { process: number; server: number };
  seconds: number;
  /** Cores other processes kept busy during the batch, on average: well above 0 means a shared machine. */
  otherCores: number;
  costs: OrderCost[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const label = (s: Shape) => `${s.units}-unit ${s.structure}`;

/** `count` orders of one shape, `concurrency` in flight; CPU from the first start to the last order's end. */
async function runBatch(
  runner: UnitCostRunner,
  shape: Shape,
  prefix: string,
  count: number,
  concurrency: number,
  deadline: number,
): Promise<Batch> {
  const failures: string[] = [];
  const ids: string[] = [];
  let next = 0;
  const before = cpuNow();
  const lane = async () => {
    while (next < count) {
      const key = `${prefix}-${next++}`;
      const left = deadline - Date.now();
      if (left <= 0) {
        failures.push(`${key}: run timeout reached before it started`);
        continue;
      }
      try {
        ids.push(await runner.order(key, shape.structure, shape.units, Math.min(left, 120_000)));
      } catch (err) {
        failures.push(`${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const after = cpuNow();
  // Read after the measured window: fetching histories costs CPU too.
  const costs: OrderCost[] = [];
  for (const id of ids) costs.push(orderCost(await runner.histories(id, shape.structure, shape.units)));
  return {
    completed: ids.length,
    failures,
    cpuSeconds: { process: after.process - before.process, server: after.server - before.server },
    seconds: round1((after.at - before.at) / 1000),
    otherCores: round2(
      Math.max(0, after.machine - before.machine - (after.process - before.process) - (after.server - before.server)) /
        Math.max(0.001, (after.at - before.at) / 1000),
    ),
    costs,
  };
}

/** Mean, min and max of a list, the mean to one decimal. */
function spread(values: number[]) {
  if (values.length === 0) return { mean: Number.NaN, min: Number.NaN, max: Number.NaN };
  return {
    mean: round1(values.reduce((s, v) => s + v, 0) / values.length),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const cpuMsPer = (b: { completed: number; cpuSeconds: { process: number; server: number } }) => ({
  process: round1((b.cpuSeconds.process * 1000) / Math.max(1, b.completed)),
  server: round1((b.cpuSeconds.server * 1000) / Math.max(1, b.completed)),
  total: round1(((b.cpuSeconds.process + b.cpuSeconds.server) * 1000) / Math.max(1, b.completed)),
});

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  const deadline = Date.now() + options.timeoutSeconds * 1000;
  // Whatever hangs, the process ends a minute after the run's deadline.
  setTimeout(
    () => {
      console.error('unit-cost: hard timeout, exiting');
      process.exit(1);
    },
    (options.timeoutSeconds + 60) * 1000,
  ).unref();
  const log = (line: string) => console.error(`[unit-cost ${new Date().toISOString().slice(11, 23)}] ${line}`);
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_UI_PORT: '0' };
  delete env.TEMPORAL_ADDRESS;
  const config = loadConfig(env);
  // The SDK's own lines (bundling, worker state) at WARN and up only: the report is what the reader came for.
  Runtime.install({ logger: new DefaultLogger('WARN') });

  let temporal: TemporalHandle | undefined;
  let runner: UnitCostRunner | undefined;
  try {
    temporal = await connectTemporal(config, { dataDir: null });
    runner = await startUnitCost(temporal);
    log(`Temporal ${temporal.address}; ${options.rounds} rounds of ${options.orders} orders per shape`);
    const shapes: Shape[] = options.units.flatMap((units) =>
      options.structures.map((structure) => ({ units, structure })),
    );
    const failures: string[] = [];
    for (const shape of shapes) {
      if (options.warmup === 0) break;
      const prefix = `warm-${shape.units}-${shape.structure}`;
      const warm = await runBatch(runner, shape, prefix, options.warmup, options.concurrency, deadline);
      failures.push(...warm.failures);
    }
    const batches = new Map<string, Batch[]>(shapes.map((s) => [label(s), []]));
    for (let round = 1; round <= options.rounds; round++) {
      const order = round % 2 === 1 ? shapes : [...shapes].reverse();
      for (const shape of order) {
        // The previous batch's tail (task completions, cache evictions) settles outside the window.
        await sleep(1000);
        const prefix = `r${round}-${shape.units}-${shape.structure}`;
        const batch = await runBatch(runner, shape, prefix, options.orders, options.concurrency, deadline);
        batches.get(label(shape))!.push(batch);
        failures.push(...batch.failures);
        const cpu = cpuMsPer(batch);
        log(
          `round ${round} ${label(shape)}: ${batch.completed}/${options.orders} orders in ${batch.seconds} s, ` +
            `CPU ${cpu.process} + ${cpu.server} ms per order (process + server), ` +
            `other processes ${batch.otherCores} cores`,
        );
      }
    }

    const perShape = shapes.map((shape) => {
      const all = batches.get(label(shape))!;
      const costs = all.flatMap((b) => b.costs);
      const total = {
        completed: all.reduce((s, b) => s + b.completed, 0),
        cpuSeconds: {
          process: all.reduce((s, b) => s + b.cpuSeconds.process, 0),
          server: all.reduce((s, b) => s + b.cpuSeconds.server, 0),
        },
      };
      return {
        units: shape.units,
        structure: shape.structure,
        orders: total.completed,
        failed: all.reduce((s, b) => s + b.failures.length, 0),
        events: spread(costs.map((c) => c.events)),
        orderEvents: spread(costs.map((c) => c.orderEvents)),
        workflowTasks: spread(costs.map((c) => c.workflowTasks)),
        orderWorkflowTasks: spread(costs.map((c) => c.orderWorkflowTasks)),
        failedWorkflowTasks: costs.reduce((s, c) => s + c.failedWorkflowTasks, 0),
        cpuMsPerOrder: cpuMsPer(total),
        rounds: all.map((b) => ({ ...cpuMsPer(b), otherCores: b.otherCores })),
      };
    });
    const pairs = options.units.flatMap((units) =>
      options.structures.filter((s) => s !== 'inline').map((structure) => ({ units, structure })),
    );
    const ratios = pairs.map(({ units, structure }) => {
      const inline = perShape.find((s) => s.units === units && s.structure === 'inline')!;
      const child = perShape.find((s) => s.units === units && s.structure === structure)!;
      const perRound = (pick: (c: ReturnType<typeof cpuMsPer>) => number) => {
        const sorted = inline.rounds
          .map((r, i) => (pick(r) > 0 ? round2(pick(child.rounds[i]!) / pick(r)) : Number.NaN))
          .filter((r) => Number.isFinite(r))
          .sort((a, b) => a - b);
        return { median: round2(median(sorted)), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN };
      };
      return {
        units,
        structure,
        events: round2(child.events.mean / inline.events.mean),
        workflowTasks: round2(child.workflowTasks.mean / inline.workflowTasks.mean),
        cpu: perRound((c) => c.total),
        cpuProcess: perRound((c) => c.process),
        cpuServer: perRound((c) => c.server),
      };
    });

    // The order's own share, then its units', for the child structures.
    const split = (structure: Structure, own: number, all: number) =>
      structure === 'inline' ? '' : `${own} + ${round1(all - own)}`;
    const range = (s: { mean: number; min: number; max: number }) =>
      s.min === s.max ? `${s.mean}` : `${s.mean} (${s.min}–${s.max})`;
    const rows = perShape.map((s) => [
      `${s.units}`,
      s.structure,
      `${s.orders}`,
      range(s.events),
      split(s.structure, s.orderEvents.mean, s.events.mean),
      range(s.workflowTasks),
      split(s.structure, s.orderWorkflowTasks.mean, s.workflowTasks.mean),
      `${s.cpuMsPerOrder.process} + ${s.cpuMsPerOrder.server} = ${s.cpuMsPerOrder.total}`,
    ]);
    const header = [
      'units',
      'structure',
      'orders',
      'events/order',
      'order + units',
      'wf tasks/order',
      'order + units',
      'CPU ms/order (process + server)',
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    console.log(line(header));
    for (const row of rows) console.log(line(row));
    for (const r of ratios) {
      console.log(
        `${r.structure} / inline, ${r.units} unit${r.units === 1 ? '' : 's'}: ` +
          `events ${r.events}, workflow tasks ${r.workflowTasks}, CPU median ${r.cpu.median} ` +
          `(min ${r.cpu.min} – max ${r.cpu.max}; process ${r.cpuProcess.median}, server ${r.cpuServer.median})`,
      );
    }
    if (failures.length) console.log(`failures: ${failures.length}, first: ${failures[0]}`);
    console.log(JSON.stringify({ options, shapes: perShape, ratios, failures }));
    return failures.length ? 1 : 0;
  } finally {
    await runner?.stop();
    await temporal?.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
