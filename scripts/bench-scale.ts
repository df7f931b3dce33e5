// `npm run bench:scale`: issue 9's scale-out measurement. The same lifecycles as `npm run bench` phase b (create, pay,
// packed, label, picked_up, delivered, half card and half marketplace, over real HTTP with signed callbacks), against
// one Temporal server (the embedded dev server, in this process) and PostgreSQL, with the OMS in processes of its own
// laid out as a deployment would run it:
//
//   single  one `npm start` process (API and worker together), as the single-process figures
//   A+W     A `npm run start:api` processes and W `npm run start:worker` processes (default 2+2), the lifecycles
//           sent round-robin across the APIs as a load balancer would
//
// Each layout gets a fresh PostgreSQL database (migrated here, dropped after), runs its warm-up and its rounds, and in
// each round the bare reference workflow of scripts/bench-bare.ts runs the same number of lifecycles on the same
// server, so every layout's lifecycles/s is also a ratio against the platform in the same run. After its rounds each
// layout is checked: every order the bench created is in the read model exactly once and delivered, no other order
// exists, and the stock pool is exact (on hand = seeded - sold for every SKU, nothing left reserved, one committed
// reservation row per order and none still reserved).
//
// The marketplace simulators (stock feed, pulls) are served once by this process and every OMS process is pointed at
// them by base URL, as at a real marketplace; the in-process simulators (payment, carrier labels, notifications) derive
// their ids from the idempotency key, so any worker issues the same tracking number for the same shipment.
//
// Options (flags after `npm run bench:scale --`, or environment variables):
//   --orders / BENCH_ORDERS (150 lifecycles per round)   --rounds / BENCH_ROUNDS (3)
//   --concurrency / BENCH_CONCURRENCY (64 in flight)      --warmup / BENCH_WARMUP (10 per layout, unmeasured)
//   --layouts / BENCH_LAYOUTS (single,2+2; e.g. single,1+1,2+2,2+3)
//   --pg / BENCH_PG_URL (postgresql://postgres@127.0.0.1:5432/test: the server the layouts' databases are made on)
//   --timeout-seconds / BENCH_TIMEOUT_SECONDS (1200)     --quick: 1 round of 20, 4 warm-up (CI's smoke run)
//   --park / BENCH_PARK (N,M; off unless given): after the rounds, park N orders delivered and M in earlier states
//     (scripts/bench-park.ts), run the rounds again beside them, check every parked order and return a sample
//     (--park-returns, 100; --park-concurrency, 64); every OMS process's RSS sampled each second, peak per stage
//   --temporal-dir / BENCH_TEMPORAL_DIR: keep the Temporal server's state in DIR/temporal.sqlite (default: in memory,
//     gone with the run), so the histories of a run's orders can be read (and replayed) after it
//   --compiled / BENCH_COMPILED=1: the processes run the production build (`npm run build` first: node dist/workers/…,
//     the prebuilt workflow bundle) rather than the sources through tsx, as the Dockerfile runs them
// Output: a table on stdout, then one JSON line; exit code 1 when a lifecycle failed or a check did not hold.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import protos from '@temporalio/proto';
import { TASK_QUEUE } from '../contract/workflow';
import type { OmsORM } from '../entities/orm';
import { adminPg, freePort } from './loopback';
import { DEV_OPERATOR_KEY, loadConfig } from '../workers/config';
import { startMarketplaces, type RunningMarketplaces } from '../workers/marketplaces';
import { closeORM, connectTemporal, openDatabase, type TemporalHandle } from '../workers/system';
import { startBare, type BareRunner } from './bench-bare';
import { BenchError, Http, LIFECYCLE_TIMEOUT_MS, SKUS, planOrder, runLifecycle, singleUnitMix, sleep } from './bench-lifecycle';
import { pool } from './bench-pool';
import { parseParkPlan, RssSeries, runParkStage, type ParkReport } from './bench-park';

const PARK_SKU = 'BENCH-PARK';

// ---------------------------------------------------------------- options

interface Layout {
  name: string;
  /** `single`: one process with both; otherwise `apis` API processes and `workers` worker processes. */
  single: boolean;
  apis: number;
  workers: number;
}

function parseLayouts(raw: string): Layout[] {
  return raw.split(',').map((part) => {
    const name = part.trim();
    if (name === 'single') return { name, single: true, apis: 1, workers: 1 };
    const m = /^(\d+)\+(\d+)$/.exec(name);
    const apis = Number(m?.[1]);
    const workers = Number(m?.[2]);
    if (!m || apis < 1 || workers < 1 || apis > 8 || workers > 8) {
      throw new Error(`--layouts / BENCH_LAYOUTS: each must be single or A+W (1-8 of each), got "${name}"`);
    }
    return { name, single: false, apis, workers };
  });
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      warmup: { type: 'string' },
      layouts: { type: 'string' },
      pg: { type: 'string' },
      'timeout-seconds': { type: 'string' },
      quick: { type: 'boolean' },
      compiled: { type: 'boolean' },
      'temporal-dir': { type: 'string' },
      park: { type: 'string' },
      'park-returns': { type: 'string' },
      'park-concurrency': { type: 'string' },
    },
  });
  const num = (flag: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag}: must be a whole number of at least ${min}, got "${raw}"`);
    return n;
  };
  const env = process.env;
  const quick = values.quick === true;
  return {
    orders: num('orders', values.orders ?? env.BENCH_ORDERS, quick ? 20 : 150, 1),
    rounds: num('rounds', values.rounds ?? env.BENCH_ROUNDS, quick ? 1 : 3, 1),
    concurrency: num('concurrency', values.concurrency ?? env.BENCH_CONCURRENCY, quick ? 10 : 64, 1),
    warmup: num('warmup', values.warmup ?? env.BENCH_WARMUP, quick ? 4 : 10, 0),
    layouts: parseLayouts(values.layouts ?? env.BENCH_LAYOUTS ?? 'single,2+2'),
    pg: values.pg ?? env.BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
    park: parseParkPlan(values.park ?? env.BENCH_PARK),
    parkReturns: num('park-returns', values['park-returns'] ?? env.BENCH_PARK_RETURNS, 100, 0),
    parkConcurrency: num('park-concurrency', values['park-concurrency'] ?? env.BENCH_PARK_CONCURRENCY, 64, 1),
    temporalDir: values['temporal-dir'] ?? env.BENCH_TEMPORAL_DIR ?? null,
    compiled: values.compiled === true || env.BENCH_COMPILED === '1',
    timeoutSeconds: num('timeout-seconds', values['timeout-seconds'] ?? env.BENCH_TIMEOUT_SECONDS, 1200, 10),
  };
}

// ---------------------------------------------------------------- processes

const root = fileURLToPath(new URL('..', import.meta.url));
const log = (line: string) => console.error(`[bench:scale ${new Date().toISOString().slice(11, 23)}] ${line}`);

/** utime + stime of one process, in seconds (0 once it is gone). */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ
  } catch {
    return 0;
  }
}

/** A memory figure of one process from /proc/<pid>/status in MB: VmRSS now, or VmHWM, its peak (0 once it is gone). */
function memoryMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return 0;
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** The Temporal dev server this process started (its child named temporal…). */
function temporalServerPid(): number | undefined {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && name.startsWith('temporal')) return Number(entry);
    } catch {
      // gone while we looked
    }
  }
  return undefined;
}

interface OmsProcess {
  role: 'oms' | 'api' | 'worker';
  /** role-n, e.g. worker-2 */
  label: string;
  child: ChildProcess;
  logFile: string;
  url?: string;
}

/**
 * One OMS process, its output in a file: the sources through tsx (as `npm start`, `npm run start:api`,
 * `npm run start:worker`), or with `compiled` the production build (node dist/workers/…).
 */
function spawnOms(role: OmsProcess['role'], env: NodeJS.ProcessEnv, logDir: string, n: number, compiled: boolean): OmsProcess {
  const name = { oms: 'main', api: 'api', worker: 'worker' }[role];
  const logFile = join(logDir, `${role}-${n}.log`);
  const out = createWriteStream(logFile);
  const args = compiled ? [join(root, 'dist', 'workers', `${name}.js`)] : ['--import', 'tsx', join(root, 'workers', `${name}.ts`)];
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(out);
  child.stderr!.pipe(out);
  return { role, label: `${role}-${n}`, child, logFile };
}

async function stopAll(processes: OmsProcess[]): Promise<void> {
  await Promise.all(
    processes.map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
          const hard = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
          p.child.once('exit', () => {
            clearTimeout(hard);
            resolve();
          });
          p.child.kill('SIGTERM');
        }),
    ),
  );
}

async function waitForHealth(p: OmsProcess, until: number): Promise<void> {
  for (;;) {
    if (p.child.exitCode !== null) throw new BenchError(`${p.role} process exited (${p.child.exitCode}); see ${p.logFile}`);
    try {
      const res = await fetch(`${p.url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new BenchError(`${p.url}/health did not answer 200 within the start-up time; see ${p.logFile}`);
    await sleep(250);
  }
}

/** Waits until `count` distinct workers poll the order task queue (each bundles its workflows first). */
async function waitForPollers(temporal: TemporalHandle, count: number, until: number): Promise<void> {
  for (;;) {
    const res = await temporal.connection.workflowService.describeTaskQueue({
      namespace: temporal.namespace,
      taskQueue: { name: TASK_QUEUE, kind: protos.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const identities = new Set((res.pollers ?? []).map((p) => p.identity));
    if (identities.size >= count) return;
    if (Date.now() > until) throw new BenchError(`only ${identities.size} of ${count} workers poll ${TASK_QUEUE} after the start-up time`);
    await sleep(500);
  }
}

// ---------------------------------------------------------------- databases

function pgUrl(base: string, db: string): string {
  const url = new URL(base);
  url.pathname = `/${db}`;
  return url.toString();
}

// ---------------------------------------------------------------- one layout

interface RoundFigure {
  lifecyclesPerSecond: number;
  bareLifecyclesPerSecond: number;
  ratio: number;
  /** CPU milliseconds per lifecycle: the OMS processes together, and the Temporal server. */
  omsCpuMs: number;
  temporalCpuMs: number;
}

interface LayoutResult {
  layout: string;
  processes: { role: string; peakRssMb: number }[];
  rounds: RoundFigure[];
  median: RoundFigure;
  failures: string[];
  checks: { name: string; ok: boolean; detail: string }[];
  /** --park: what the park stage reported, the ratio before and beside the parked orders, peak RSS per process. */
  park?: { report: ParkReport; before: RatioSpread; beside: RoundFigure[]; rssPeaks: Record<string, Record<string, number>> };
}

interface RatioSpread {
  median: number;
  min: number;
  max: number;
  rounds: number;
}

function ratioSpread(rounds: RoundFigure[]): RatioSpread {
  const ratios = rounds.map((r) => r.ratio);
  return { median: medianFigure(rounds).ratio, min: Math.min(...ratios), max: Math.max(...ratios), rounds: rounds.length };
}

/** The park stage's series (this process, its children), plus every OMS process's own RSS, peak per stage. */
class ProcessRssSeries extends RssSeries {
  private current = 'start';
  private byStage?: Map<string, Record<string, number>>;
  constructor(private readonly processes: () => { label: string; pid: number | undefined }[]) {
    super();
    this.byStage = new Map();
    this.sample();
  }

  override enter(stage: string): void {
    this.current = stage;
    super.enter(stage);
  }

  override sample(): void {
    super.sample();
    // The base class samples once from its constructor, before this one has set its fields.
    if (!this.byStage) return;
    for (const { label, pid } of this.processes()) {
      const mb = memoryMb(pid, 'VmRSS');
      for (const stage of [this.current, 'whole run']) {
        const peak = this.byStage.get(stage) ?? {};
        peak[label] = Math.max(peak[label] ?? 0, mb);
        this.byStage.set(stage, peak);
      }
    }
  }

  /** Peak MB per process for each stage in the order they ran, the whole run last. */
  processPeaks(): Record<string, Record<string, number>> {
    const stages = [...(this.byStage ?? [])];
    return Object.fromEntries([...stages.filter(([stage]) => stage !== 'whole run'), ...stages.filter(([stage]) => stage === 'whole run')]);
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function medianFigure(rounds: RoundFigure[]): RoundFigure {
  const mid = (pick: (r: RoundFigure) => number) => {
    const sorted = rounds.map(pick).sort((a, b) => a - b);
    const n = sorted.length;
    return round2(n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2);
  };
  return {
    lifecyclesPerSecond: mid((r) => r.lifecyclesPerSecond),
    bareLifecyclesPerSecond: mid((r) => r.bareLifecyclesPerSecond),
    ratio: mid((r) => r.ratio),
    omsCpuMs: mid((r) => r.omsCpuMs),
    temporalCpuMs: mid((r) => r.temporalCpuMs),
  };
}

async function runLayout(
  layout: Layout,
  options: ReturnType<typeof readOptions>,
  temporal: TemporalHandle,
  bare: BareRunner,
  baseEnv: NodeJS.ProcessEnv,
  deadline: AbortSignal,
  logDir: string,
): Promise<LayoutResult> {
  const dbName = `oms_scale_${randomBytes(4).toString('hex')}`;
  await adminPg(options.pg, `create database "${dbName}"`);
  const databaseUrl = pgUrl(options.pg, dbName);
  const env: NodeJS.ProcessEnv = { ...baseEnv, DATABASE_URL: databaseUrl };
  let orm: OmsORM | undefined;
  const processes: OmsProcess[] = [];
  try {
    // The release step (npm run migrate) before any process starts, as a deployment runs it.
    orm = await openDatabase(loadConfig(env), { migrate: true });
    const up = Date.now() + 180_000;
    if (layout.single) {
      const port = await freePort();
      const p = spawnOms('oms', { ...env, PORT: String(port) }, logDir, 1, options.compiled);
      p.url = `http://127.0.0.1:${port}`;
      processes.push(p);
    } else {
      for (let n = 1; n <= layout.workers; n++) processes.push(spawnOms('worker', env, logDir, n, options.compiled));
      for (let n = 1; n <= layout.apis; n++) {
        const port = await freePort();
        const p = spawnOms('api', { ...env, PORT: String(port) }, logDir, n, options.compiled);
        p.url = `http://127.0.0.1:${port}`;
        processes.push(p);
      }
    }
    const apis = processes.filter((p) => p.url !== undefined);
    for (const p of apis) await waitForHealth(p, up);
    await waitForPollers(temporal, layout.workers, up);
    log(`${layout.name}: ${processes.map((p) => `${p.role} pid ${p.child.pid}`).join(', ')}; database ${dbName}`);
    const https = apis.map((p) => new Http(p.url!, deadline));
    const http = https[0]!;

    const seeded = 1_000_000;
    for (const sku of SKUS) {
      await http.expect('seed', 'PUT', `/products/${sku}`, [200, 201], { key: DEV_OPERATOR_KEY, body: { name: `Bench ${sku}`, price: '149.90', active: true } });
      await http.expect('seed', 'PUT', `/inventory/${sku}`, [200, 201], { key: DEV_OPERATOR_KEY, body: { onHand: seeded, location: 'main' } });
    }

    const prefix = `scale-${layout.name.replace('+', 'x')}-${randomBytes(3).toString('hex')}`;
    const created: { externalOrderId: string; sku: string }[] = [];
    const failures: string[] = [];
    const lifecycle = async (i: number, phase: string) => {
      // Half card, half marketplace (planOrder alternates), one unit each: phase b's mix.
      const plan = planOrder(`${prefix}-${phase}`);
      created.push({ externalOrderId: plan.externalOrderId, sku: plan.sku });
      return runLifecycle(https[i % https.length]!, plan, 100, null);
    };
    const warm = await pool(options.warmup, Math.min(10, Math.max(1, options.warmup)), (i) => lifecycle(i, 'warm'));
    failures.push(...warm.failures);
    await pool(options.warmup, Math.min(10, Math.max(1, options.warmup)), (i) =>
      bare.lifecycle(`${prefix}-warm-${i}`, singleUnitMix(i).kind, deadline, LIFECYCLE_TIMEOUT_MS),
    );

    const temporalPid = temporalServerPid();
    const pids = processes.map((p) => p.child.pid);
    const omsCpu = (): number => pids.reduce<number>((s, pid) => s + cpuSeconds(pid), 0);
    const runRounds = async (stage: string): Promise<RoundFigure[]> => {
    const rounds: RoundFigure[] = [];
    for (let r = 1; r <= options.rounds; r++) {
      await sleep(2000); // let the previous round's tail (stock feed, read-model writes) drain
      const cpu0 = omsCpu();
      const t0 = cpuSeconds(temporalPid);
      const started = performance.now();
      const oms = await pool(options.orders, options.concurrency, (i) => lifecycle(i, `${stage}${r}`));
      const omsMs = performance.now() - started;
      const cpu1 = omsCpu();
      const t1 = cpuSeconds(temporalPid);
      failures.push(...oms.failures);
      await sleep(2000);
      const bareStarted = performance.now();
      const b = await pool(options.orders, options.concurrency, (i) =>
        bare.lifecycle(`${prefix}-${stage}${r}-${i}`, singleUnitMix(i).kind, deadline, LIFECYCLE_TIMEOUT_MS),
      );
      const bareMs = performance.now() - bareStarted;
      failures.push(...b.failures.map((f) => `bare: ${f}`), ...(await bare.completed(b.results.map((x) => x.workflowId))).map((f) => `bare: ${f}`));
      const figure: RoundFigure = {
        lifecyclesPerSecond: round2(oms.results.length / (omsMs / 1000)),
        bareLifecyclesPerSecond: round2(b.results.length / (bareMs / 1000)),
        ratio: round2(oms.results.length / (omsMs / 1000) / (b.results.length / (bareMs / 1000))),
        omsCpuMs: round2(((cpu1 - cpu0) * 1000) / Math.max(1, oms.results.length)),
        temporalCpuMs: round2(((t1 - t0) * 1000) / Math.max(1, oms.results.length)),
      };
      rounds.push(figure);
      log(
        `${layout.name} ${stage === 'r' ? '' : 'beside the parked orders, '}round ${r}: ${figure.lifecyclesPerSecond}/s, bare ${figure.bareLifecyclesPerSecond}/s, ratio ${figure.ratio}` +
          (oms.failures.length > 0 ? `, ${oms.failures.length} failed (first: ${oms.failures[0]})` : ''),
      );
    }
    return rounds;
    };
    const rounds = await runRounds('r');

    // ---- --park: orders left open beside the load (their own SKU, so the pool check below stays exact)
    let park: LayoutResult['park'];
    if (options.park) {
      await http.expect('seed', 'PUT', `/products/${PARK_SKU}`, [200, 201], { key: DEV_OPERATOR_KEY, body: { name: 'Bench parked', price: '149.90', active: true } });
      await http.expect('seed', 'PUT', `/inventory/${PARK_SKU}`, [200, 201], { key: DEV_OPERATOR_KEY, body: { onHand: seeded, location: 'main' } });
      const rss = new ProcessRssSeries(() => processes.map((p) => ({ label: p.label, pid: p.child.pid })));
      let beside: RoundFigure[] = [];
      const report = await runParkStage(
        {
          baseUrl: apis[0]!.url!,
          deadline,
          measure: async () => {
            beside = await runRounds('p');
            return { ratio: ratioSpread(beside) };
          },
          rss,
          log,
        },
        { plan: options.park, concurrency: options.parkConcurrency, returnSample: options.parkReturns, sku: PARK_SKU },
      );
      rss.stop();
      failures.push(...report.failures.map((f) => `park: ${f}`));
      park = { report, before: ratioSpread(rounds), beside, rssPeaks: rss.processPeaks() };
    }

    // ---- checks: nothing lost, nothing doubled, the pool exact
    await sleep(2000);
    const checks: LayoutResult['checks'] = [];
    const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
    const em = orm.em.fork();
    const rows = await em.execute<{ external_order_id: string; status: string }[]>(
      'select external_order_id, status from orders',
    );
    const byExternal = new Map<string, number>();
    for (const row of rows) byExternal.set(row.external_order_id, (byExternal.get(row.external_order_id) ?? 0) + 1);
    const missing = created.filter((c) => !byExternal.has(c.externalOrderId));
    const doubled = [...byExternal].filter(([, n]) => n > 1);
    const createdIds = new Set(created.map((c) => c.externalOrderId));
    const parked = (id: string) => id.startsWith('parked-');
    const extra = rows.filter((row) => !createdIds.has(row.external_order_id) && !(options.park && parked(row.external_order_id)));
    check('no order lost', missing.length === 0, `${created.length} created, ${missing.length} missing${missing.length ? ` (${missing.slice(0, 3).map((m) => m.externalOrderId).join(', ')})` : ''}`);
    check('no order doubled', doubled.length === 0 && extra.length === 0, `${rows.length} orders in the read model${options.park ? ' (parked ones included)' : ''}, ${doubled.length} doubled, ${extra.length} not created by the bench`);
    const notDelivered = rows.filter((row) => createdIds.has(row.external_order_id) && row.status !== 'delivered');
    check('every order delivered', notDelivered.length === 0, `${created.length - notDelivered.length} of ${created.length} delivered${notDelivered.length ? ` (first: ${notDelivered[0]!.external_order_id} ${notDelivered[0]!.status})` : ''}`);
    const sold = new Map<string, number>();
    for (const c of created) sold.set(c.sku, (sold.get(c.sku) ?? 0) + 1);
    const wrong: string[] = [];
    for (const sku of SKUS) {
      const inv = await http.expect<{ onHand: number; reserved: number }>('check', 'GET', `/inventory/${sku}`, [200], { key: DEV_OPERATOR_KEY });
      const want = seeded - (sold.get(sku) ?? 0);
      if (inv.onHand !== want || inv.reserved !== 0) wrong.push(`${sku} onHand ${inv.onHand} (want ${want}), reserved ${inv.reserved} (want 0)`);
    }
    const states = await em.execute<{ state: string; n: string | number }[]>("select state, count(*) as n from reservation where order_id not like '%:parked-%' group by state");
    const byState = Object.fromEntries(states.map((r) => [r.state, Number(r.n)]));
    const committed = byState.committed ?? 0;
    const live = byState.reserved ?? 0;
    check(
      'stock pool exact',
      wrong.length === 0 && live === 0 && committed === created.length,
      (wrong.length === 0 ? `${SKUS.length} SKUs: on hand = seeded - sold, 0 reserved` : wrong.join('; ')) +
        `; reservation rows ${JSON.stringify(byState)} (want ${created.length} committed, none reserved)`,
    );

    const result: LayoutResult = {
      layout: layout.name,
      processes: processes.map((p) => ({ role: p.role, peakRssMb: memoryMb(p.child.pid, 'VmHWM') })),
      rounds,
      median: medianFigure(rounds),
      ...(park ? { park } : {}),
      failures,
      checks,
    };
    return result;
  } finally {
    await stopAll(processes);
    if (orm) await closeORM(orm).catch(() => undefined);
    await adminPg(options.pg, `drop database if exists "${dbName}" with (force)`).catch((err: unknown) =>
      log(`could not drop ${dbName}: ${err instanceof Error ? err.message : String(err)}`),
    );
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const options = readOptions();
  if (options.compiled && !existsSync(join(root, 'dist', 'workers', 'worker.js'))) {
    throw new Error('--compiled runs the production build: run `npm run build` first (dist/workers/worker.js is missing)');
  }
  const deadlineController = new AbortController();
  setTimeout(() => deadlineController.abort(new Error('BENCH_TIMEOUT_SECONDS reached')), options.timeoutSeconds * 1000).unref();
  setTimeout(() => {
    console.error(`bench:scale: still running ${options.timeoutSeconds + 60} s after start, exiting`);
    process.exit(1);
  }, (options.timeoutSeconds + 60) * 1000).unref();
  const logDir = mkdtempSync(join(tmpdir(), 'oms-bench-scale-'));

  // As `npm run bench` configures the OMS (its marketplace orders written back through the generic channel
  // simulator; logs at warn), every process pointed at the one Temporal server and the shared marketplace simulators.
  const base: NodeJS.ProcessEnv = { OMS_LOG_LEVEL: 'warn', OMS_TRENDYOL_WRITEBACK: 'off', OMS_CARRIER_CONNECTORS: 'none', ...process.env, TEMPORAL_UI_PORT: '0' };
  delete base.TEMPORAL_ADDRESS;
  delete base.PORT;
  delete base.DATABASE_URL;
  const config = loadConfig(base);
  let temporal: TemporalHandle | undefined;
  let bare: BareRunner | undefined;
  let marketplaces: RunningMarketplaces | undefined;
  const results: LayoutResult[] = [];
  try {
    temporal = await connectTemporal(config, { dataDir: options.temporalDir });
    bare = await startBare(temporal);
    marketplaces = await startMarketplaces(config);
    const sims = marketplaces.simulators;
    const env: NodeJS.ProcessEnv = {
      ...base,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      OMS_WORKER_METRICS_PORT: '0',
      ...(marketplaces.trendyol ? { TRENDYOL_BASE_URL: marketplaces.trendyol.baseUrl } : {}),
      ...(sims.hepsiburada ? { HEPSIBURADA_BASE_URL: sims.hepsiburada.url, HEPSIBURADA_OMS_BASE_URL: sims.hepsiburada.url } : {}),
      ...(sims.n11 ? { N11_BASE_URL: sims.n11.url } : {}),
    };
    log(`Temporal ${temporal.address} (state ${options.temporalDir ? `in ${options.temporalDir}/temporal.sqlite` : "in memory"}); PostgreSQL ${options.pg.replace(/\/\/[^@/]*@/, '//***@')}; process logs in ${logDir}`);
    for (const layout of options.layouts) {
      results.push(await runLayout(layout, options, temporal, bare, env, deadlineController.signal, logDir));
    }
  } finally {
    await marketplaces?.close().catch(() => undefined);
    await bare?.stop().catch(() => undefined);
    await temporal?.close().catch(() => undefined);
  }

  const describe = (l: LayoutResult) =>
    l.layout === 'single' ? 'single process (API + worker)' : `${l.layout.split('+')[0]} API + ${l.layout.split('+')[1]} worker processes`;
  const single = results.find((r) => r.layout === 'single');
  const rows: [string, string][] = [
    [
      'lifecycles per round',
      `${options.orders} × ${options.rounds} rounds, ${options.concurrency} in flight, PostgreSQL, one Temporal dev server, ` +
        (options.compiled ? 'production build (node dist/…)' : 'sources through tsx'),
    ],
  ];
  for (const r of results) {
    const m = r.median;
    rows.push([
      describe(r),
      `${m.lifecyclesPerSecond} lifecycles/s, bare ${m.bareLifecyclesPerSecond}/s, ratio ${m.ratio}` +
        (single && r !== single ? ` (${round2(m.ratio / single.median.ratio)}× single's)` : '') +
        `; CPU/lifecycle OMS ${m.omsCpuMs} ms, Temporal ${m.temporalCpuMs} ms; peak RSS ${r.processes.map((p) => `${p.role} ${p.peakRssMb} MB`).join(', ')}`,
    ]);
    for (const c of r.checks) rows.push([`  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}`, c.detail]);
    if (r.failures.length > 0) rows.push(['  failed lifecycles', `${r.failures.length} (first: ${r.failures[0]})`]);
    if (r.park) {
      const { report, before, beside, rssPeaks } = r.park;
      const after = ratioSpread(beside);
      const change = before.median > 0 && after.rounds > 0 ? round2((after.median / before.median - 1) * 100) : Number.NaN;
      rows.push([
        '  park: parked',
        `${report.delivered.parked}/${report.delivered.asked} delivered in ${report.delivered.seconds} s, ` +
          `${report.earlier.parked}/${report.earlier.asked} earlier (${Object.entries(report.earlier.byState).map(([k, v]) => `${k} ${v}`).join(', ')}) in ${report.earlier.seconds} s`,
      ]);
      rows.push([
        '  park: ratio',
        `before parking median ${before.median} (${before.min}–${before.max}, ${before.rounds} rounds); beside the parked orders median ${after.median} (${after.min}–${after.max}, ${after.rounds} rounds); change ${change}%`,
      ]);
      for (const [stage, peaks] of Object.entries(rssPeaks)) {
        rows.push([`  park: peak RSS ${stage}`, Object.entries(peaks).map(([label, mb]) => `${label} ${mb} MB`).join(', ')]);
      }
      rows.push(['  park check GET', `${report.get.ok}/${report.get.checked} parked orders answered GET /orders/{id} with their parked status ${report.get.failed === 0 ? 'OK' : 'FAILED'}`]);
      rows.push(['  park check returns', `${report.returns.ok}/${report.returns.asked} delivered parked orders returned to return_completed ${report.returns.failed === 0 ? 'OK' : 'FAILED'}`]);
      const workerPeak = Math.max(0, ...Object.entries(rssPeaks['whole run'] ?? {}).filter(([label]) => label.startsWith('worker') || label.startsWith('oms')).map(([, mb]) => mb));
      rows.push(['  target worker RSS', `< 500 MB throughout: peak ${workerPeak} MB ${workerPeak < 500 ? 'MET' : 'MISSED'}`]);
      rows.push(['  target ratio beside parked', `within 10 % of before: ${change}% ${Math.abs(change) <= 10 ? 'MET' : 'MISSED'}`]);
    }
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  console.log(JSON.stringify({ options: { ...options, layouts: options.layouts.map((l) => l.name) }, results }));
  const ok = results.every((r) => r.failures.length === 0 && r.checks.every((c) => c.ok));
  if (ok) rmSync(logDir, { recursive: true, force: true });
  else log(`process logs kept in ${logDir}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
