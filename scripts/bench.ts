// `npm run bench`: the whole OMS in this process (embedded Temporal dev server on a free port without UI, a fresh
// SQLite file in a temp dir, the worker and the API as `npm start` wires them), driven over real HTTP with signed
// callbacks exactly as channels, the payment provider, the warehouse and a carrier would.
//
//   phase a  latency:    POST /orders open-loop at BENCH_RATE/s for BENCH_LATENCY_SECONDS (sent on schedule, never
//                        after the previous answer), p50/p99/max measured from each request's scheduled send time.
//   phase b  throughput: BENCH_ROUNDS rounds, each of BENCH_ORDERS full lifecycles (create, pay, packed, label,
//                        picked_up, delivered) with BENCH_CONCURRENCY in flight; lifecycles/s from the first POST to
//                        the last `delivered`, then, in the same round, BENCH_BARE_ORDERS lifecycles of the bare
//                        reference workflow (scripts/bench-bare.ts: the same Temporal work, no-op bodies, no HTTP, no
//                        database) on the same server. The OMS's lifecycles/s as a ratio of the bare one's is the
//                        figure that compares across machines; the median and min–max over the rounds are printed.
//   phase c  split mix:  BENCH_SPLIT_ROUNDS rounds as phase b's, BENCH_SPLIT_SHARE of the orders (a third) with one
//                        line from `main` and one from each of BENCH_SPLIT_UNITS - 1 stores (2 units; at most 3), packed,
//                        labelled and carried unit by unit; its bare rounds shaped the same way; printed beside phase b.
//
// Options, as flags after `npm run bench --` or as environment variables:
//   --orders / BENCH_ORDERS (150 per round)       --rate / BENCH_RATE (20 POST /orders per second)
//   --rounds / BENCH_ROUNDS (5)                   --bare-orders / BENCH_BARE_ORDERS (as --orders)
//   --latency-seconds / BENCH_LATENCY_SECONDS (10) --concurrency / BENCH_CONCURRENCY (64 lifecycles in flight)
//   --latency-payment / BENCH_LATENCY_PAYMENT (mixed | card | marketplace)
//   --poll-ms / BENCH_POLL_MS (100)               --warmup / BENCH_WARMUP (10 unmeasured lifecycles of each)
//   --client / BENCH_CLIENT (events | polling): how the carrier learns the tracking number and the channel that the
//     order is delivered. events (default): as the real parties do, from the simulated carrier's label and the
//     channel write-back, then one GET /orders/{id} (polled only until the read model shows it); polling: by
//     polling GET /orders/{id} every --poll-ms throughout.
//   --split-rounds / BENCH_SPLIT_ROUNDS (as --rounds; 0 skips phase c)  --split-share / BENCH_SPLIT_SHARE (1/3)
//   --split-units / BENCH_SPLIT_UNITS (2, or 3)
//   --profile-sample / BENCH_PROFILE_SAMPLE (20 workflow histories analysed per phase; 0 skips)
//   --timeout-seconds / BENCH_TIMEOUT_SECONDS (900)
//   --park / BENCH_PARK (N,M, e.g. 10000,2000; off unless given): after phase b, park N orders delivered and M in
//     earlier states, run phase b's rounds again beside them, then check every parked order and return a sample
//     (scripts/bench-park.ts); --park-returns / BENCH_PARK_RETURNS (100), --park-concurrency / BENCH_PARK_CONCURRENCY (64)
//   --database / BENCH_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/oms_bench, an existing empty database)
//   --quick: a smoke run in well under a minute (2 rounds of 10, 1 split round, 2 s of phase a at 5/s, 2 warm-up, 4
//     histories);
//     flags given beside it still win.
// A 503 is sent again after a second (up to 10 times), as a channel would. Everything is bounded: 15 s per request, 120 s per lifecycle, BENCH_TIMEOUT_SECONDS for the run (then the remaining
// requests are aborted and the partial result printed), and a hard exit 60 s after that whatever still hangs.
// Output: a table on stdout, then one JSON line with every figure; the exit code is 1 when any lifecycle failed.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { orderWorkflowId } from '../contract/workflow';
import type { PaymentMethod } from '../contract/types';
import { DEV_OPERATOR_KEY, loadConfig } from '../workers/config';
import {
  closeORM,
  connectTemporal,
  openDatabase,
  startApi,
  startWorker,
  type RunningWorker,
  type TemporalHandle,
} from '../workers/system';
import type { OmsORM } from '../entities/orm';
import type { RunningApi } from '../api';
import type { Worker } from '@temporalio/worker';
import type { temporal as proto } from '@temporalio/proto';
import { lifecycleEvents, meanCalls, meanShape, shapeOf, upsertedStatus, type LifecycleShape } from './bench-shape';
import { startBare, type BareRunner } from './bench-bare';
import { pool } from './bench-pool';
import { LATENCY_ARGS, latencyRows, readLatencyOptions, runLatencyPhase, type LatencyOptions, type LatencyResult } from './bench-latency';
import {
  BenchError,
  Http,
  LIFECYCLE_TIMEOUT_MS,
  MAX_SPLIT_UNITS,
  SKUS,
  SimulatorWatcher,
  planOrder,
  pollOrder,
  requestCounts,
  runLifecycle,
  singleUnitMix,
  sleep,
  splitMix,
  statusCounts,
  storeOf,
  storeSku,
  createOrder,
  type LifecycleTimes,
  type MixSlot,
  type OrderPlan,
  type PaymentMix,
} from './bench-lifecycle';
import { parkRows, parseParkPlan, RssSeries, runParkStage, type ParkPlan } from './bench-park';

type HistoryEvent = proto.api.history.v1.IHistoryEvent;

// ---------------------------------------------------------------- options

interface BenchOptions {
  orders: number;
  rounds: number;
  bareOrders: number;
  rate: number;
  latencySeconds: number;
  concurrency: number;
  pollMs: number;
  client: 'events' | 'polling';
  timeoutSeconds: number;
  profileSample: number;
  warmup: number;
  /** Payment method of phase a's orders: card ones stop at `new`, marketplace ones run on to `picking`. */
  latencyPayment: PaymentMix;
  databaseUrl: string | undefined;
  /** Phase c: rounds of the split mix (0 skips it), the share of its orders that split, and into how many units. */
  splitRounds: number;
  splitShare: number;
  splitUnits: number;
  /** Phase d (scripts/bench-latency.ts): latency at half the capacity phase b measured. */
  latency: LatencyOptions;
  /** --park: orders parked after phase b, before its rounds run again (null: not asked for). */
  park: ParkPlan | null;
  parkReturns: number;
  parkConcurrency: number;
}

function readOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      orders: { type: 'string' },
      rounds: { type: 'string' },
      'bare-orders': { type: 'string' },
      quick: { type: 'boolean' },
      rate: { type: 'string' },
      'latency-seconds': { type: 'string' },
      concurrency: { type: 'string' },
      'poll-ms': { type: 'string' },
      client: { type: 'string' },
      'timeout-seconds': { type: 'string' },
      'profile-sample': { type: 'string' },
      warmup: { type: 'string' },
      'latency-payment': { type: 'string' },
      database: { type: 'string' },
      'split-rounds': { type: 'string' },
      'split-share': { type: 'string' },
      'split-units': { type: 'string' },
      ...LATENCY_ARGS,
      park: { type: 'string' },
      'park-returns': { type: 'string' },
      'park-concurrency': { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  const num = (name: string, flag: string | undefined, envValue: string | undefined, fallback: number, min: number) => {
    const raw = flag ?? envValue;
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name}: must be a number >= ${min}, got "${raw}"`);
    return value;
  };
  // --quick: small enough for a smoke test, large enough that every phase and every figure is there.
  const quick = values.quick === true;
  const orders = Math.floor(num('--orders / BENCH_ORDERS', values.orders, env.BENCH_ORDERS, quick ? 10 : 150, 1));
  const rounds = Math.floor(num('--rounds / BENCH_ROUNDS', values.rounds, env.BENCH_ROUNDS, quick ? 2 : 5, 1));
  const splitShare = num('--split-share / BENCH_SPLIT_SHARE', values['split-share'], env.BENCH_SPLIT_SHARE, 1 / 3, 0);
  if (splitShare > 1) throw new Error(`--split-share / BENCH_SPLIT_SHARE: must be between 0 and 1, got ${splitShare}`);
  const splitUnits = Math.floor(num('--split-units / BENCH_SPLIT_UNITS', values['split-units'], env.BENCH_SPLIT_UNITS, 2, 2));
  if (splitUnits > MAX_SPLIT_UNITS) {
    throw new Error(`--split-units / BENCH_SPLIT_UNITS: at most ${MAX_SPLIT_UNITS} (OMS_MAX_FULFILLMENTS's default), got ${splitUnits}`);
  }
  return {
    orders,
    rounds,
    bareOrders: Math.floor(
      num('--bare-orders / BENCH_BARE_ORDERS', values['bare-orders'], env.BENCH_BARE_ORDERS, orders, 1),
    ),
    rate: num('--rate / BENCH_RATE', values.rate, env.BENCH_RATE, quick ? 5 : 20, 0.1),
    latencySeconds: num(
      '--latency-seconds / BENCH_LATENCY_SECONDS',
      values['latency-seconds'],
      env.BENCH_LATENCY_SECONDS,
      quick ? 2 : 10,
      0,
    ),
    concurrency: Math.floor(num('--concurrency / BENCH_CONCURRENCY', values.concurrency, env.BENCH_CONCURRENCY, 64, 1)),
    pollMs: num('--poll-ms / BENCH_POLL_MS', values['poll-ms'], env.BENCH_POLL_MS, 100, 1),
    client: clientMode(values.client ?? env.BENCH_CLIENT),
    timeoutSeconds: num(
      '--timeout-seconds / BENCH_TIMEOUT_SECONDS',
      values['timeout-seconds'],
      env.BENCH_TIMEOUT_SECONDS,
      quick ? 120 : 900,
      10,
    ),
    profileSample: Math.floor(
      num(
        '--profile-sample / BENCH_PROFILE_SAMPLE',
        values['profile-sample'],
        env.BENCH_PROFILE_SAMPLE,
        quick ? 4 : 20,
        0,
      ),
    ),
    warmup: Math.floor(num('--warmup / BENCH_WARMUP', values.warmup, env.BENCH_WARMUP, quick ? 2 : 10, 0)),
    latencyPayment: paymentMix(values['latency-payment'] ?? env.BENCH_LATENCY_PAYMENT),
    databaseUrl: values.database ?? (env.BENCH_DATABASE_URL?.trim() || undefined),
    splitRounds: Math.floor(num('--split-rounds / BENCH_SPLIT_ROUNDS', values['split-rounds'], env.BENCH_SPLIT_ROUNDS, quick ? 1 : rounds, 0)),
    splitShare,
    splitUnits,
    latency: readLatencyOptions(values, env, quick),
    park: parseParkPlan(values.park ?? env.BENCH_PARK),
    parkReturns: Math.floor(num('--park-returns / BENCH_PARK_RETURNS', values['park-returns'], env.BENCH_PARK_RETURNS, 100, 0)),
    // The API admits 64 new orders at once (OMS_MAX_PENDING_ORDERS); the bench's lifecycle takes no 503.
    parkConcurrency: Math.floor(
      num('--park-concurrency / BENCH_PARK_CONCURRENCY', values['park-concurrency'], env.BENCH_PARK_CONCURRENCY, 64, 1),
    ),
  };
}

function clientMode(raw: string | undefined): BenchOptions['client'] {
  const value = raw?.trim() || 'events';
  if (value !== 'events' && value !== 'polling') {
    throw new Error(`--client / BENCH_CLIENT: must be events or polling, got "${value}"`);
  }
  return value;
}

function paymentMix(raw: string | undefined): BenchOptions['latencyPayment'] {
  const value = raw?.trim() || 'mixed';
  if (value !== 'mixed' && value !== 'card' && value !== 'marketplace') {
    throw new Error(`--latency-payment / BENCH_LATENCY_PAYMENT: must be mixed, card or marketplace, got "${value}"`);
  }
  return value;
}

// ---------------------------------------------------------------- small helpers


/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

function summarize(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted.at(-1) ?? Number.NaN),
    mean: round(sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length)),
  };
}

/** Peak RSS of this process (sampled every 100 ms) and of the Temporal dev server child. */
class MemorySampler {
  peakRss = 0;
  private readonly timer: NodeJS.Timeout;
  constructor() {
    this.sample();
    this.timer = setInterval(() => this.sample(), 100);
    this.timer.unref();
  }
  sample(): void {
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
  }
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }
}

/** Child processes of this one (the Temporal dev server) with their peak RSS and CPU time, from /proc. */
function childProcesses(): { pid: number; name: string; peakRssMb: number; cpuSeconds: number }[] {
  const out: { pid: number; name: string; peakRssMb: number; cpuSeconds: number }[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  const ticks = 100; // USER_HZ on Linux
  for (const pid of entries) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[1]) !== process.pid) continue; // fields[1] is ppid
      const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / ticks; // utime + stime
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
      out.push({ pid: Number(pid), name, peakRssMb: hwm ? Math.round(Number(hwm[1]) / 1024) : 0, cpuSeconds });
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

/**
 * CPU seconds per thread of this process, grouped by thread name: the main thread (API, activities, SQLite, the
 * bench's own HTTP client), the workflow thread(s), the SDK core's Rust runtime, V8's GC and libuv's pool.
 */
function threadCpu(): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[] = [];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      let name = stat.slice(stat.indexOf('(') + 1, close).trim();
      if (Number(tid) === process.pid) name = 'main';
      const fields = stat.slice(close + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // thread ended
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine (all cores), to see how much of the 2 cores the run had. */
function machineCpu(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const total = values.reduce((s, v) => s + v, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0); // idle + iowait
    return { busy: (total - idle) / 100, total: total / 100 };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU seconds of this process and its children (the Temporal dev server) so far. */
function ownCpuSeconds(): number {
  const self = process.cpuUsage();
  return (self.user + self.system) / 1e6 + childProcesses().reduce((s, c) => s + c.cpuSeconds, 0);
}

/**
 * Cores used by processes outside this bench during a phase: anything well above 0 means the machine was shared
 * (e.g. a test suite running beside it) and the figures are pessimistic.
 */
function othersCores(
  machineFrom: { busy: number },
  machineTo: { busy: number },
  ownFrom: number,
  ownTo: number,
  ms: number,
): number {
  const others = machineTo.busy - machineFrom.busy - (ownTo - ownFrom);
  return Math.max(0, Math.round((others / (ms / 1000)) * 100) / 100);
}

const LOOP_RESOLUTION_MS = 10;

/**
 * Event-loop delay of the main thread (API, activities, SQLite, the SDK's bridge) as p50/p99/max in ms: how late a
 * timer fires, i.e. how long any callback there waits for the thread (the histogram's own sampling interval removed).
 */
function loopDelay(h: IntervalHistogram) {
  const ms = (ns: number) => Math.max(0, Math.round((ns / 1e6 - LOOP_RESOLUTION_MS) * 10) / 10);
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
}

// ---------------------------------------------------------------- the order traffic


interface HistoryProfile {
  sampled: number;
  eventsPerOrder: number;
  workflowTasksPerOrder: number;
  activitiesPerOrder: Record<string, number>;
  activityScheduleToStartMs: ReturnType<typeof summarize>;
  activityRunMs: Record<string, ReturnType<typeof summarize>>;
  workflowTaskScheduleToStartMs: ReturnType<typeof summarize>;
  workflowTaskRunMs: ReturnType<typeof summarize>;
}

const millis = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;

/** An order's lifecycle as its history records it: up to the workflow task that makes it `delivered`. */
async function orderLifecycleEvents(temporal: TemporalHandle, orderId: string): Promise<HistoryEvent[]> {
  const history = await temporal.client.workflow.getHandle(orderWorkflowId(orderId)).fetchHistory();
  return lifecycleEvents(history.events ?? [], (e) => upsertedStatus(e).includes('delivered'));
}

/** A sample of `count` finished lifecycles, half card and half marketplace where both ran, spread over the list. */
function sampleByMethod<T extends { method: PaymentMethod }>(items: T[], count: number): T[] {
  const pick = (list: T[], n: number) => {
    const step = Math.max(1, Math.floor(list.length / Math.max(1, n)));
    return list.filter((_, i) => i % step === 0).slice(0, n);
  };
  const card = items.filter((i) => i.method === 'card');
  const other = items.filter((i) => i.method !== 'card');
  if (card.length === 0 || other.length === 0) return pick(items, count);
  const half = Math.ceil(count / 2);
  return [...pick(card, half), ...pick(other, count - half)];
}

/**
 * Reads the histories of a sample of finished lifecycles: how many activities and workflow tasks one order costs,
 * how long tasks wait in the queue (schedule-to-start: worker slots or the event loop are the bottleneck) and how long
 * they run (the activity itself, e.g. a SQLite write).
 */
function profileHistories(histories: HistoryEvent[][]): HistoryProfile | null {
  if (histories.length === 0) return null;
  const activityCounts: Record<string, number> = {};
  const activityRun: Record<string, number[]> = {};
  const activityWait: number[] = [];
  const wftWait: number[] = [];
  const wftRun: number[] = [];
  let events = 0;
  let wfts = 0;
  for (const history of histories) {
    const byId = new Map<number, { type?: string; at: number; scheduledAt?: number; startedAt?: number }>();
    for (const event of history) {
      events += 1;
      const eventId = Number(event.eventId);
      const at = millis(event.eventTime);
      if (event.activityTaskScheduledEventAttributes) {
        const type = event.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
        byId.set(eventId, { type, at });
        activityCounts[type] = (activityCounts[type] ?? 0) + 1;
      } else if (event.activityTaskStartedEventAttributes) {
        const scheduled = byId.get(Number(event.activityTaskStartedEventAttributes.scheduledEventId));
        if (scheduled) activityWait.push(at - scheduled.at);
        if (scheduled) scheduled.startedAt = at;
      } else if (event.activityTaskCompletedEventAttributes) {
        const scheduled = byId.get(Number(event.activityTaskCompletedEventAttributes.scheduledEventId));
        if (scheduled?.type && scheduled.startedAt !== undefined) {
          (activityRun[scheduled.type] ??= []).push(at - scheduled.startedAt);
        }
      } else if (event.workflowTaskScheduledEventAttributes) {
        byId.set(eventId, { at });
        wfts += 1;
      } else if (event.workflowTaskStartedEventAttributes) {
        const scheduled = byId.get(Number(event.workflowTaskStartedEventAttributes.scheduledEventId));
        if (scheduled) {
          wftWait.push(at - scheduled.at);
          byId.set(eventId, { at });
        }
      } else if (event.workflowTaskCompletedEventAttributes) {
        const started = byId.get(Number(event.workflowTaskCompletedEventAttributes.startedEventId));
        if (started) wftRun.push(at - started.at);
      }
    }
  }
  const per = (n: number) => Math.round((n / histories.length) * 10) / 10;
  return {
    sampled: histories.length,
    eventsPerOrder: per(events),
    workflowTasksPerOrder: per(wfts),
    activitiesPerOrder: Object.fromEntries(
      Object.entries(activityCounts)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => [k, per(v)]),
    ),
    activityScheduleToStartMs: summarize(activityWait),
    activityRunMs: Object.fromEntries(Object.entries(activityRun).map(([k, v]) => [k, summarize(v)])),
    workflowTaskScheduleToStartMs: summarize(wftWait),
    workflowTaskRunMs: summarize(wftRun),
  };
}

interface AcceptanceProfile {
  sampled: number;
  /** Workflow started to the acceptance update completed, as the server recorded it (mean ms). */
  serverMs: number;
  workflowTasks: number;
  workflowTaskQueueMs: number;
  workflowTaskRunMs: number;
  /** Activities on the acceptance path: queue wait and run time (mean ms per order). */
  activities: Record<string, { queueMs: number; runMs: number }>;
}

/**
 * Where the time of POST /orders goes on the server side: the path from workflow start to the acceptance update's
 * answer (validate, reserve, first read-model write) split into workflow-task queueing and running, and activity
 * queueing and running. What POST /orders takes beyond `serverMs` is the API, the client RPCs and the bench itself.
 */
async function profileAcceptance(temporal: TemporalHandle, ids: string[]): Promise<AcceptanceProfile | null> {
  if (ids.length === 0) return null;
  let serverMs = 0;
  let wfts = 0;
  let wftQueue = 0;
  let wftRun = 0;
  const activities: Record<string, { queueMs: number; runMs: number }> = {};
  for (const id of ids) {
    const history = await temporal.client.workflow.getHandle(orderWorkflowId(id)).fetchHistory();
    const scheduled = new Map<number, { type?: string; at: number; startedAt?: number }>();
    let startedAt = Number.NaN;
    for (const event of history.events ?? []) {
      const at = millis(event.eventTime);
      const eventId = Number(event.eventId);
      if (event.workflowExecutionStartedEventAttributes) startedAt = at;
      else if (event.workflowTaskScheduledEventAttributes) scheduled.set(eventId, { at });
      else if (event.workflowTaskStartedEventAttributes) {
        const s = scheduled.get(Number(event.workflowTaskStartedEventAttributes.scheduledEventId));
        if (s) {
          wfts += 1;
          wftQueue += at - s.at;
          scheduled.set(eventId, { at });
        }
      } else if (event.workflowTaskCompletedEventAttributes) {
        const s = scheduled.get(Number(event.workflowTaskCompletedEventAttributes.startedEventId));
        if (s) wftRun += at - s.at;
      } else if (event.activityTaskScheduledEventAttributes) {
        scheduled.set(eventId, { type: event.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
      } else if (event.activityTaskStartedEventAttributes) {
        const s = scheduled.get(Number(event.activityTaskStartedEventAttributes.scheduledEventId));
        if (s) s.startedAt = at;
      } else if (event.activityTaskCompletedEventAttributes) {
        const s = scheduled.get(Number(event.activityTaskCompletedEventAttributes.scheduledEventId));
        if (s?.type && s.startedAt !== undefined && /^(validateOrder|reserveStock|recordOrder)$/.test(s.type)) {
          const entry = (activities[s.type] ??= { queueMs: 0, runMs: 0 });
          entry.queueMs += s.startedAt - s.at;
          entry.runMs += at - s.startedAt;
        }
      } else if (event.workflowExecutionUpdateCompletedEventAttributes) {
        serverMs += at - startedAt;
        break;
      }
    }
  }
  const mean = (total: number) => Math.round((total / ids.length) * 10) / 10;
  return {
    sampled: ids.length,
    serverMs: mean(serverMs),
    workflowTasks: mean(wfts),
    workflowTaskQueueMs: mean(wftQueue),
    workflowTaskRunMs: mean(wftRun),
    activities: Object.fromEntries(
      Object.entries(activities).map(([type, v]) => [type, { queueMs: mean(v.queueMs), runMs: mean(v.runMs) }]),
    ),
  };
}

// ---------------------------------------------------------------- rounds: the OMS against the bare workflow

/** What one round of lifecycles (OMS or bare) took: wall time, throughput and the CPU it cost. */
interface RoundMeasure {
  completed: number;
  failed: number;
  seconds: number;
  lifecyclesPerSecond: number;
  machineCoresBusy: number;
  otherProcessesCores: number;
  cpuMsPerLifecycle: { benchProcess: number; temporalServer: number };
  cpuSeconds: { benchProcess: number; temporalServer: number; benchThreads: Record<string, number> };
  /** Raw sums, so rounds add up exactly. */
  raw: {
    ms: number;
    processCpu: number;
    childCpu: number;
    machineBusy: number;
    others: number;
    threads: Record<string, number>;
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

function coresBusy(from: { busy: number }, to: { busy: number }, ms: number): number {
  return round2((to.busy - from.busy) / (ms / 1000));
}

function roundMeasure(completed: number, failed: number, raw: RoundMeasure['raw']): RoundMeasure {
  const seconds = raw.ms / 1000;
  const per = (cpuSeconds: number) => round1((cpuSeconds * 1000) / Math.max(1, completed));
  return {
    completed,
    failed,
    seconds: round1(seconds),
    lifecyclesPerSecond: round2(completed / Math.max(seconds, 1e-3)),
    machineCoresBusy: round2(raw.machineBusy / Math.max(seconds, 1e-3)),
    otherProcessesCores: Math.max(0, round2(raw.others / Math.max(seconds, 1e-3))),
    cpuMsPerLifecycle: { benchProcess: per(raw.processCpu), temporalServer: per(raw.childCpu) },
    cpuSeconds: {
      benchProcess: round1(raw.processCpu),
      temporalServer: round1(raw.childCpu),
      benchThreads: Object.fromEntries(
        Object.entries(raw.threads)
          .filter(([, v]) => v >= 0.05)
          .sort(([, a], [, b]) => b - a)
          .map(([k, v]) => [k, round2(v)]),
      ),
    },
    raw,
  };
}

/** Starts measuring a round; the returned function ends it. */
function measureRound(): (completed: number, failed: number) => RoundMeasure {
  const cpu = process.cpuUsage();
  const threads = threadCpu();
  const machine = machineCpu();
  const own = ownCpuSeconds();
  const child = childProcesses().reduce((s, c) => s + c.cpuSeconds, 0);
  const started = performance.now();
  return (completed, failed) => {
    const ms = performance.now() - started;
    const cpuUsed = process.cpuUsage(cpu);
    const machineEnd = machineCpu();
    const ownEnd = ownCpuSeconds();
    const threadsEnd = threadCpu();
    const threadDelta: Record<string, number> = {};
    for (const [name, value] of Object.entries(threadsEnd)) threadDelta[name] = value - (threads[name] ?? 0);
    return roundMeasure(completed, failed, {
      ms,
      processCpu: (cpuUsed.user + cpuUsed.system) / 1e6,
      childCpu: childProcesses().reduce((s, c) => s + c.cpuSeconds, 0) - child,
      machineBusy: machineEnd.busy - machine.busy,
      others: machineEnd.busy - machine.busy - (ownEnd - own),
      threads: threadDelta,
    });
  };
}

/** All rounds as one: total lifecycles over total time, CPU summed. */
function totalOf(rounds: RoundMeasure[]): RoundMeasure {
  const raw: RoundMeasure['raw'] = { ms: 0, processCpu: 0, childCpu: 0, machineBusy: 0, others: 0, threads: {} };
  for (const r of rounds) {
    raw.ms += r.raw.ms;
    raw.processCpu += r.raw.processCpu;
    raw.childCpu += r.raw.childCpu;
    raw.machineBusy += r.raw.machineBusy;
    raw.others += r.raw.others;
    for (const [k, v] of Object.entries(r.raw.threads)) raw.threads[k] = (raw.threads[k] ?? 0) + v;
  }
  return roundMeasure(
    rounds.reduce((s, r) => s + r.completed, 0),
    rounds.reduce((s, r) => s + r.failed, 0),
    raw,
  );
}

/** The OMS's lifecycles/s as a share of the bare workflow's in the same round. */
function ratioOf(oms: RoundMeasure, bare: RoundMeasure): number {
  return bare.lifecyclesPerSecond > 0 ? round2(oms.lifecyclesPerSecond / bare.lifecyclesPerSecond) : Number.NaN;
}

// Cross-check that a shared machine disturbs less: the bare lifecycle's CPU (this process and the Temporal server)
// as a share of the OMS lifecycle's. On a machine of its own, CPU-bound, it is what the throughput ratio tends to.
const cpuOf = (m: RoundMeasure) => m.cpuMsPerLifecycle.benchProcess + m.cpuMsPerLifecycle.temporalServer;
const cpuRatioOf = (o: RoundMeasure, b: RoundMeasure) => (cpuOf(o) > 0 ? round2(cpuOf(b) / cpuOf(o)) : Number.NaN);

/** A phase's OMS / bare ratios over its counted rounds: lifecycles/s and (the other way round) CPU per lifecycle. */
function ratiosOf(omsRounds: RoundMeasure[], bareRounds: RoundMeasure[]) {
  // A round with a failed lifecycle on either side says nothing about speed (a timed-out lifecycle is not counted
  // but its work was done): its figures are printed, its ratio is left out of the median.
  const clean = (i: number) => omsRounds[i]!.failed === 0 && bareRounds[i]?.failed === 0;
  const counted = (f: (o: RoundMeasure, b: RoundMeasure) => number) =>
    omsRounds
      .map((o, i) => (clean(i) ? f(o, bareRounds[i]!) : Number.NaN))
      .filter((x) => Number.isFinite(x))
      .sort((x, y) => x - y);
  const sortedRatios = counted(ratioOf);
  const sortedCpuRatios = counted(cpuRatioOf);
  return {
    clean,
    ratio: {
      median: median(sortedRatios),
      min: sortedRatios[0] ?? Number.NaN,
      max: sortedRatios.at(-1) ?? Number.NaN,
      rounds: sortedRatios.length,
      excludedRounds: omsRounds.length - sortedRatios.length,
    },
    cpuRatio: {
      median: median(sortedCpuRatios),
      min: sortedCpuRatios[0] ?? Number.NaN,
      max: sortedCpuRatios.at(-1) ?? Number.NaN,
    },
  };
}

function median(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return round2(sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2);
}

/**
 * Waits until the workers have had nothing in flight for a second (bounded by `maxMs`): lifecycles that failed on the
 * client side, or phase a's orders, may still be running, and their work must not be counted against the next round.
 */
async function settle(workers: { worker: Worker; background: number }[], maxMs = 60_000): Promise<number> {
  const started = performance.now();
  let idleSince = performance.now();
  while (performance.now() - started < maxMs) {
    // `background`: activities that always run on the worker (the stock feeds, one per channel account).
    const busy = workers.some(({ worker: w, background }) => {
      const status = w.getStatus();
      return status.numInFlightWorkflowActivations > 0 || status.numInFlightActivities > background;
    });
    if (busy) idleSince = performance.now();
    else if (performance.now() - idleSince >= 1000) break;
    await sleep(100);
  }
  return round1((performance.now() - started) / 1000);
}

interface BareLifecycle {
  workflowId: string;
  method: PaymentMethod;
  units: number;
  totalMs: number;
}

/**
 * `count` bare lifecycles with `limit` in flight, half card-shaped and half marketplace-shaped as phase b's orders
 * are; timed from the first start to the last stage, then (untimed) every workflow is checked to have completed.
 */
async function runBareRound(
  bare: BareRunner,
  prefix: string,
  count: number,
  limit: number,
  deadline: AbortSignal,
  mix: (i: number) => MixSlot = singleUnitMix,
): Promise<{ measure: RoundMeasure; results: BareLifecycle[]; failures: string[] }> {
  const end = measureRound();
  const { results, failures } = await pool(count, limit, async (i) => {
    const { kind, units } = mix(i);
    const run = await bare.lifecycle(`${prefix}-${i}`, kind, deadline, LIFECYCLE_TIMEOUT_MS, units);
    return { ...run, method: kind, units };
  });
  const measure = end(results.length, failures.length);
  const unfinished = await bare.completed(results.map((r) => r.workflowId));
  return { measure: { ...measure }, results, failures: [...failures, ...unfinished] };
}

interface ShapeComparison {
  sampled: { oms: number; bare: number };
  /** Mean per lifecycle; both samples are half card, half marketplace. */
  oms: LifecycleShape;
  bare: LifecycleShape;
  /** The same activities, local activities, signals and updates per lifecycle: the bare workflow is the OMS's shape. */
  matches: boolean;
  calls: { oms: ReturnType<typeof meanCalls>; bare: ReturnType<typeof meanCalls> };
}

function compareShapes(oms: HistoryEvent[][], bare: HistoryEvent[][]): ShapeComparison {
  const omsShapes = oms.map(shapeOf);
  const bareShapes = bare.map(shapeOf);
  const o = meanShape(omsShapes.map((x) => x.shape));
  const b = meanShape(bareShapes.map((x) => x.shape));
  const same = (['activities', 'localActivities', 'signals', 'updates'] as const).every((k) => o[k] === b[k]);
  return {
    sampled: { oms: oms.length, bare: bare.length },
    oms: o,
    bare: b,
    matches: same,
    calls: { oms: meanCalls(omsShapes.map((x) => x.calls)), bare: meanCalls(bareShapes.map((x) => x.calls)) },
  };
}

// ---------------------------------------------------------------- main

/**
 * Machine speed, so figures from different machines can be compared: a fixed single-threaded workload of the kind
 * the OMS does (JSON and SHA-256 over an order-sized document), best of three, run before anything else starts.
 * Lower is faster; the README's figures say which value they were measured at.
 */
function calibrate(): number {
  const doc = {
    id: 'webstore:WS-1',
    lines: Array.from({ length: 5 }, (_, i) => ({ sku: `SKU-${i}`, quantity: i + 1, unitPrice: '149.90' })),
    timeline: Array.from({ length: 12 }, (_, i) => ({ at: new Date(0).toISOString(), type: 'status', detail: `step ${i}` })),
  };
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    let acc = 0;
    for (let i = 0; i < 20_000; i++) {
      const text = JSON.stringify({ ...doc, version: i });
      acc += (JSON.parse(text) as { version: number }).version;
      acc += createHash('sha256').update(text).digest()[0]!;
    }
    if (acc < 0) throw new Error('unreachable');
    best = Math.min(best, performance.now() - started);
  }
  return Math.round(best);
}

async function main(): Promise<number> {
  const options = readOptions();
  const deadline = new AbortController();
  const hardStop = setTimeout(
    () => deadline.abort(new Error('BENCH_TIMEOUT_SECONDS reached')),
    options.timeoutSeconds * 1000,
  );
  hardStop.unref();
  // Last resort: history reads and shutdown are not covered by the abort signal.
  setTimeout(
    () => {
      console.error(`bench: still running ${options.timeoutSeconds + 60} s after start, exiting`);
      process.exit(1);
    },
    (options.timeoutSeconds + 60) * 1000,
  ).unref();

  const calibrationMs = calibrate();
  const memory = new MemorySampler();
  const tmp = mkdtempSync(join(tmpdir(), 'oms-bench-'));
  const databaseUrl = options.databaseUrl ?? `sqlite:${join(tmp, 'oms.sqlite')}`;
  // Embedded Temporal on a free port, no UI, no state file; everything else as `npm start` configures it.
  // Logs at warn unless OMS_LOG_LEVEL says otherwise: an access line per request would bury the report in the
  // output (set OMS_LOG_LEVEL=info to measure with them, as a production API logs).
  // The bench's marketplace orders are written back through the generic channel simulator, whose log the events
  // client watches for the delivered write-back: the Trendyol protocol write-back (its own queue) is off here.
  const env: NodeJS.ProcessEnv = {
    OMS_LOG_LEVEL: 'warn',
    OMS_TRENDYOL_WRITEBACK: 'off',
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_UI_PORT: '0',
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.PORT;
  const config = loadConfig(env);

  let temporal: TemporalHandle | undefined;
  let orm: OmsORM | undefined;
  let worker: RunningWorker | undefined;
  let api: RunningApi | undefined;
  let bare: BareRunner | undefined;
  let rss: RssSeries | undefined;
  let exitCode = 0;
  const log = (line: string) => console.error(`[bench ${new Date().toISOString().slice(11, 23)}] ${line}`);

  try {
    const bootStart = performance.now();
    temporal = await connectTemporal(config, { dataDir: null });
    orm = await openDatabase(config, { migrate: true });
    worker = await startWorker(config, temporal, orm);
    const orderWorker = worker.worker;
    if (options.park) rss = new RssSeries(() => orderWorker.getStatus().numCachedWorkflows);
    bare = await startBare(temporal);
    api = await startApi(config, temporal, orm, 0);
    const bootMs = performance.now() - bootStart;
    log(
      `stack up in ${(bootMs / 1000).toFixed(1)} s: API ${api.url}, Temporal ${temporal.address}, DB ${databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
    );
    const apiUrl = api.url;
    const http = new Http(apiUrl, deadline.signal);
    const watcher = options.client === 'events' ? new SimulatorWatcher(worker.simulators.log) : null;

    // Seed: catalog entries and plenty of stock on a few SKUs, so orders contend on the same stock rows.
    for (const sku of SKUS) {
      await http.expect('seed', 'PUT', `/products/${sku}`, [200, 201], {
        key: DEV_OPERATOR_KEY,
        body: { name: `Bench ${sku}`, price: '149.90', active: true },
      });
      await http.expect('seed', 'PUT', `/inventory/${sku}`, [200, 201], {
        key: DEV_OPERATOR_KEY,
        body: { onHand: 1_000_000, location: 'main' },
      });
    }

    // The split mix's stores, each the only holder of its SKU.
    for (let k = 1; options.splitRounds > 0 && k < options.splitUnits; k++) {
      await http.expect('seed', 'PUT', `/locations/${storeOf(k)}`, [200, 201], {
        key: DEV_OPERATOR_KEY,
        body: { name: `Bench store ${k}`, kind: 'store', priority: 10 + k, city: 'İstanbul', active: true },
      });
      await http.expect('seed', 'PUT', `/products/${storeSku(k)}`, [200, 201], {
        key: DEV_OPERATOR_KEY,
        body: { name: `Bench ${storeSku(k)}`, price: '49.90', active: true },
      });
      await http.expect('seed', 'PUT', `/inventory/${storeSku(k)}`, [200, 201], {
        key: DEV_OPERATOR_KEY,
        body: { onHand: 1_000_000, location: storeOf(k) },
      });
    }

    // Warm-up (not measured): JIT, the workflow bundle's first load, SQLite page cache.
    const warm = await pool(options.warmup, Math.min(options.warmup, 10), () =>
      runLifecycle(http, planOrder('warm'), options.pollMs, watcher),
    );
    if (warm.failures.length > 0) throw new BenchError(`warm-up failed: ${warm.failures[0]}`);
    if (options.warmup > 0) {
      const bareWarm = await runBareRound(bare, 'warm', options.warmup, Math.min(options.warmup, 10), deadline.signal);
      if (bareWarm.failures.length > 0) throw new BenchError(`bare warm-up failed: ${bareWarm.failures[0]}`);
    }
    log(`warm-up: ${options.warmup} lifecycles of the OMS and of the bare workflow`);

    // ---- phase a: open-loop POST /orders at a fixed rate
    const latencyCount = Math.round(options.rate * options.latencySeconds);
    const latencies: number[] = [];
    const latencyFailures: string[] = [];
    const latencyOrders: { plan: OrderPlan; id: string }[] = [];
    let maxLagMs = 0;
    const loopA = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loopA.enable();
    const machineA = machineCpu();
    const ownA = ownCpuSeconds();
    const phaseAStart = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < latencyCount; i++) {
      const scheduled = phaseAStart + (i * 1000) / options.rate;
      const wait = scheduled - performance.now();
      if (wait > 0) await sleep(wait);
      maxLagMs = Math.max(maxLagMs, performance.now() - scheduled);
      const plan = planOrder('lat', options.latencyPayment);
      sends.push(
        createOrder(http, plan).then(
          (order) => {
            latencies.push(performance.now() - scheduled);
            latencyOrders.push({ plan, id: order.id });
          },
          (err: unknown) => {
            latencyFailures.push(err instanceof Error ? err.message : String(err));
          },
        ),
      );
    }
    await Promise.all(sends);
    const phaseAMs = performance.now() - phaseAStart;
    loopA.disable();
    const machineAEnd = machineCpu();
    const ownAEnd = ownCpuSeconds();
    const postLatency = summarize(latencies);
    log(
      `phase a: ${latencies.length} POST /orders at ${options.rate}/s: p50 ${postLatency.p50} ms, p99 ${postLatency.p99} ms, max ${postLatency.max} ms`,
    );

    // Let phase a's orders reach their resting state (card: new, waiting for payment; marketplace: picking) so
    // their follow-up activities do not run into phase b's measurement.
    const settleUntil = Date.now() + 60_000;
    await pool(latencyOrders.length, 20, (i) => {
      const { plan, id } = latencyOrders[i]!;
      const resting = plan.method === 'card' ? 'new' : 'picking';
      return pollOrder(http, plan, id, resting, (o) => o.status === resting, 100, settleUntil);
    });

    // ---- phase b: rounds of full OMS lifecycles, each followed by as many bare-workflow lifecycles; phase c: the same
    // with the split mix (options.splitShare of the orders from options.splitUnits locations), its bare rounds shaped
    // the same way.
    const workers = [
      { worker: worker.worker, background: config.stockFeed.channels.length },
      { worker: bare.worker, background: 0 },
    ];
    const throughputPhase = async (name: string, rounds: number, mix: ((i: number) => MixSlot) | null) => {
      const omsRounds: RoundMeasure[] = [];
      const bareRounds: RoundMeasure[] = [];
      const results: LifecycleTimes[] = [];
      const failures: string[] = [];
      const bareResults: BareLifecycle[] = [];
      const bareFailures: string[] = [];
      const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
      const settled: { beforeOms: number; beforeBare: number }[] = [];
      for (let round = 1; round <= rounds && !deadline.signal.aborted; round++) {
        const beforeOms = await settle(workers);
        loop.enable();
        const oms = measureRound();
        const omsRun = await pool(options.orders, options.concurrency, (i) => {
          const plan = mix ? planOrder(`split${round}`, mix(i).kind, mix(i).units) : planOrder('run');
          return runLifecycle(http, plan, options.pollMs, watcher);
        });
        omsRounds.push(oms(omsRun.results.length, omsRun.failures.length));
        loop.disable();
        results.push(...omsRun.results);
        failures.push(...omsRun.failures);
        const beforeBare = await settle(workers);
        settled.push({ beforeOms, beforeBare });
        const prefix = name === 'b' ? `r${round}` : `${name}${round}`;
        const bareRun = await runBareRound(bare!, prefix, options.bareOrders, options.concurrency, deadline.signal, mix ?? singleUnitMix);
        bareRounds.push(bareRun.measure);
        bareResults.push(...bareRun.results);
        bareFailures.push(...bareRun.failures);
        const o = omsRounds.at(-1)!;
        const r = bareRounds.at(-1)!;
        log(
          `phase ${name} round ${round}: OMS ${o.completed}/${options.orders} in ${o.seconds} s = ${o.lifecyclesPerSecond}/s, ` +
            `bare ${r.completed}/${options.bareOrders} in ${r.seconds} s = ${r.lifecyclesPerSecond}/s, ratio ${ratioOf(o, r)}` +
            ` (settled ${beforeOms} s before the OMS, ${beforeBare} s before the bare)`,
        );
      }
      return { omsRounds, bareRounds, results, failures, bareResults, bareFailures, loop, settled, ...ratiosOf(omsRounds, bareRounds) };
    };
    // Phase b's orders alternate card and marketplace by the order sequence, its bare lifecycles by their index.
    rss?.enter('bench before parking');
    const phaseB = await throughputPhase('b', options.rounds, null);
    const { omsRounds, bareRounds, results, failures, bareResults, bareFailures, settled, ratio, cpuRatio, clean } = phaseB;
    const loopB = phaseB.loop;
    const omsTotal = totalOf(omsRounds);
    const bareTotal = totalOf(bareRounds);
    const throughput = omsTotal.lifecyclesPerSecond;
    log(`phase b: ${results.length}/${options.orders * omsRounds.length} lifecycles, ratio median ${ratio.median}`);
    const park =
      options.park && rss
        ? await runParkStage(
            {
              baseUrl: api.url,
              deadline: deadline.signal,
              measure: () => throughputPhase('p', options.rounds, null),
              rss,
              log,
            },
            { plan: options.park, concurrency: options.parkConcurrency, returnSample: options.parkReturns, sku: SKUS[0]! },
          )
        : null;
    const phaseC =
      options.splitRounds > 0 ? await throughputPhase('c', options.splitRounds, splitMix(options.splitShare, options.splitUnits)) : null;
    if (phaseC) {
      log(
        `phase c (split mix, ${round2(options.splitShare)} of the orders in ${options.splitUnits} units): ` +
          `${phaseC.results.length}/${options.orders * phaseC.omsRounds.length} lifecycles, ratio median ${phaseC.ratio.median}`,
      );
    }

    // ---- phase d: latency under load, at half of phase b's lifecycles/s, against the bare start and signal
    let latencyUnderLoad: LatencyResult | null = null;
    // Where phase d's POST /orders spent its time on the server side, from a sample of its orders' histories.
    let loadAcceptance: AcceptanceProfile | null = null;
    if (options.latency.seconds > 0 && !deadline.signal.aborted) {
      const loadIds: string[] = [];
      latencyUnderLoad = await runLatencyPhase(options.latency, {
        capacity: throughput,
        client: temporal.client,
        omsLifecycle: async (i, record) => {
          const plan = planOrder('load', i % 2 === 0 ? 'card' : 'marketplace');
          const times = await runLifecycle(new Http(apiUrl, deadline.signal, record), plan, options.pollMs, watcher);
          loadIds.push(times.id);
        },
        settle: () => settle(workers),
        deadline: deadline.signal,
        log,
      });
      if (options.profileSample > 0) {
        const step = Math.max(1, Math.floor(loadIds.length / options.profileSample));
        loadAcceptance = await profileAcceptance(temporal, loadIds.filter((_, i) => i % step === 0).slice(0, options.profileSample));
      }
    }

    let profile: HistoryProfile | null = null;
    let acceptance: AcceptanceProfile | null = null;
    let shape: ShapeComparison | null = null;
    if (options.profileSample > 0 && latencyOrders.length > 0) {
      const step = Math.max(1, Math.floor(latencyOrders.length / options.profileSample));
      const sample = latencyOrders.filter((_, i) => i % step === 0).slice(0, options.profileSample);
      acceptance = await profileAcceptance(
        temporal,
        sample.map((o) => o.id),
      );
    }
    if (options.profileSample > 0 && results.length > 0) {
      const histories: HistoryEvent[][] = [];
      for (const r of sampleByMethod(results, options.profileSample)) {
        histories.push(await orderLifecycleEvents(temporal, r.id));
      }
      profile = profileHistories(histories);
      const bareHistories: HistoryEvent[][] = [];
      for (const r of sampleByMethod(bareResults, options.profileSample)) {
        const history = await temporal.client.workflow.getHandle(r.workflowId).fetchHistory();
        bareHistories.push(history.events ?? []);
      }
      shape = compareShapes(histories, bareHistories);
    }
    // The split orders' own shape (their single-unit neighbours are phase b's shape).
    let splitShape: ShapeComparison | null = null;
    if (phaseC && options.profileSample > 0) {
      const omsSplit = sampleByMethod(phaseC.results.filter((r) => r.units > 1), options.profileSample);
      const bareSplit = sampleByMethod(phaseC.bareResults.filter((r) => r.units > 1), options.profileSample);
      if (omsSplit.length > 0 && bareSplit.length > 0) {
        const histories: HistoryEvent[][] = [];
        for (const r of omsSplit) histories.push(await orderLifecycleEvents(temporal, r.id));
        const bareHistories: HistoryEvent[][] = [];
        for (const r of bareSplit) bareHistories.push((await temporal.client.workflow.getHandle(r.workflowId).fetchHistory()).events ?? []);
        splitShape = compareShapes(histories, bareHistories);
      }
    }

    memory.stop();
    const children = childProcesses();
    const lifecycleRate = (m: RoundMeasure) => m.lifecyclesPerSecond;
    const result = {
      bench: 'oms-lifecycle',
      database: databaseUrl.startsWith('sqlite:') ? 'sqlite' : 'postgresql',
      options: { ...options, databaseUrl: undefined },
      calibrationMs,
      client: options.client,
      bootSeconds: Math.round(bootMs / 100) / 10,
      latency: {
        rate: options.rate,
        sent: latencyCount,
        ok: latencies.length,
        failed: latencyFailures.length,
        seconds: Math.round(phaseAMs / 100) / 10,
        payment: options.latencyPayment,
        maxSendLagMs: Math.round(maxLagMs * 10) / 10,
        postOrdersMs: postLatency,
        eventLoopDelayMs: loopDelay(loopA),
        machineCoresBusy: coresBusy(machineA, machineAEnd, phaseAMs),
        otherProcessesCores: othersCores(machineA, machineAEnd, ownA, ownAEnd, phaseAMs),
      },
      throughput: {
        orders: options.orders * omsRounds.length,
        completed: results.length,
        failed: failures.length,
        concurrency: options.concurrency,
        rounds: omsRounds.length,
        seconds: omsTotal.seconds,
        lifecyclesPerSecond: throughput,
        roundsLifecyclesPerSecond: omsRounds.map(lifecycleRate),
        lifecycleMs: summarize(results.map((r) => r.totalMs)),
        stagesMs: {
          create: summarize(results.map((r) => r.createMs)),
          createToPacked: summarize(results.map((r) => r.toPackedMs)),
          packedToTracking: summarize(results.map((r) => r.toTrackingMs)),
          trackingToDelivered: summarize(results.map((r) => r.toDeliveredMs)),
        },
        eventLoopDelayMs: loopDelay(loopB),
        machineCoresBusy: omsTotal.machineCoresBusy,
        otherProcessesCores: omsTotal.otherProcessesCores,
        cpuMsPerLifecycle: omsTotal.cpuMsPerLifecycle,
        cpuSeconds: omsTotal.cpuSeconds,
      },
      bare: {
        workflow: 'bareLifecycle (scripts/bench-bare-workflow.ts)',
        orders: options.bareOrders * bareRounds.length,
        completed: bareResults.length,
        failed: bareFailures.length,
        concurrency: options.concurrency,
        seconds: bareTotal.seconds,
        lifecyclesPerSecond: bareTotal.lifecyclesPerSecond,
        roundsLifecyclesPerSecond: bareRounds.map(lifecycleRate),
        lifecycleMs: summarize(bareResults.map((r) => r.totalMs)),
        machineCoresBusy: bareTotal.machineCoresBusy,
        otherProcessesCores: bareTotal.otherProcessesCores,
        cpuMsPerLifecycle: bareTotal.cpuMsPerLifecycle,
        cpuSeconds: bareTotal.cpuSeconds,
      },
      relative: {
        /** The OMS's full lifecycles/s over the bare workflow's, per round, then the median and spread. */
        ratio,
        /** Bare CPU per lifecycle over the OMS's (both processes), per counted round: less disturbed by neighbours. */
        cpuRatio,
        rounds: omsRounds.map((o, i) => ({
          round: i + 1,
          omsLifecyclesPerSecond: o.lifecyclesPerSecond,
          bareLifecyclesPerSecond: bareRounds[i]!.lifecyclesPerSecond,
          ratio: ratioOf(o, bareRounds[i]!),
          cpuRatio: cpuRatioOf(o, bareRounds[i]!),
          counted: clean(i),
          omsFailed: o.failed,
          bareFailed: bareRounds[i]!.failed,
          settleSeconds: settled[i]!,
          omsOtherProcessesCores: o.otherProcessesCores,
          bareOtherProcessesCores: bareRounds[i]!.otherProcessesCores,
        })),
        shape,
      },
      split: phaseC
        ? (() => {
            const oms = totalOf(phaseC.omsRounds);
            const bareMix = totalOf(phaseC.bareRounds);
            return {
              share: round2(options.splitShare),
              units: options.splitUnits,
              rounds: phaseC.omsRounds.length,
              orders: options.orders * phaseC.omsRounds.length,
              splitOrders: phaseC.results.filter((r) => r.units > 1).length,
              completed: phaseC.results.length,
              failed: phaseC.failures.length + phaseC.bareFailures.length,
              lifecyclesPerSecond: oms.lifecyclesPerSecond,
              bareLifecyclesPerSecond: bareMix.lifecyclesPerSecond,
              roundsLifecyclesPerSecond: phaseC.omsRounds.map(lifecycleRate),
              bareRoundsLifecyclesPerSecond: phaseC.bareRounds.map(lifecycleRate),
              lifecycleMs: summarize(phaseC.results.map((r) => r.totalMs)),
              splitLifecycleMs: summarize(phaseC.results.filter((r) => r.units > 1).map((r) => r.totalMs)),
              cpuMsPerLifecycle: oms.cpuMsPerLifecycle,
              bareCpuMsPerLifecycle: bareMix.cpuMsPerLifecycle,
              ratio: phaseC.ratio,
              cpuRatio: phaseC.cpuRatio,
              /** The mix's CPU per lifecycle (both processes) over phase b's single-unit one, same run. */
              cpuVersusSingleUnit: cpuOf(omsTotal) > 0 ? round2(cpuOf(oms) / cpuOf(omsTotal)) : Number.NaN,
              shape: splitShape,
            };
          })()
        : null,
      latencyUnderLoad: latencyUnderLoad ? { ...latencyUnderLoad, acceptance: loadAcceptance } : null,
      memory: {
        peakRssSampledMb: Math.round(memory.peakRss / 1024 / 1024),
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
        children: children.map(({ name, peakRssMb }) => ({ name, peakRssMb })),
      },
      requests: { ...requestCounts },
      httpStatuses: { ...statusCounts },
      profile,
      acceptance,
      targets: {
        lifecyclesPerSecond: { want: '>= 20', got: throughput, met: throughput >= 20 },
        postOrdersP99Ms: { want: '< 150', got: postLatency.p99, met: postLatency.p99 < 150 },
        ...(latencyUnderLoad
          ? {
              postOrdersP99VersusBareStart: {
                want: '<= 3× at half capacity',
                got: latencyUnderLoad.ratios.postOrders.p99Ratio,
                met: latencyUnderLoad.ratios.postOrders.within,
              },
              callbacksP99VersusBareSignal: {
                want: '<= 3× at half capacity',
                got: latencyUnderLoad.ratios.callbacks.p99Ratio,
                met: latencyUnderLoad.ratios.callbacks.within,
              },
            }
          : {}),
      },
      failures: [...latencyFailures, ...failures, ...bareFailures, ...(phaseC?.failures ?? []), ...(phaseC?.bareFailures ?? []), ...(latencyUnderLoad?.failures ?? [])].slice(0, 5),
    };
    printTable(result);
    if (park && rss) {
      // Read back from the worker, not the config: what the SDK runs with.
      const rows = parkRows(park, ratio, rss, { maxCachedWorkflows: orderWorker.options.maxCachedWorkflows, stickyQueueTimeoutMs: orderWorker.options.stickyQueueScheduleToStartTimeoutMs });
      const width = Math.max(...rows.map(([k]) => k.length));
      console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
      if (park.failures.length > 0 || park.ratioAfterParking.rounds < options.rounds) exitCode = 1;
    }
    console.log(JSON.stringify(park && rss ? { ...result, park: { ...park, failures: park.failures.slice(0, 5), rss: rss.peaks() } } : result));
    if (failures.length > 0 || latencyFailures.length > 0 || bareFailures.length > 0) exitCode = 1;
    if (omsRounds.length < options.rounds) exitCode = 1;
    if (latencyUnderLoad && (latencyUnderLoad.oms.failed > 0 || latencyUnderLoad.bare.failed > 0)) exitCode = 1;
    if (phaseC && (phaseC.failures.length > 0 || phaseC.bareFailures.length > 0 || phaseC.omsRounds.length < options.splitRounds)) exitCode = 1;
  } catch (err) {
    console.error('bench failed:', err);
    exitCode = 1;
  } finally {
    memory.stop();
    rss?.stop();
    clearTimeout(hardStop);
    // Bounded shutdown: whatever hangs here must not keep the bench alive.
    const forced = setTimeout(() => {
      console.error('bench: shutdown took over 30 s, exiting');
      process.exit(exitCode || 1);
    }, 30_000);
    forced.unref();
    await api?.close().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await bare?.stop().catch(() => undefined);
    if (orm) await closeORM(orm).catch(() => undefined);
    await temporal?.close().catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
    clearTimeout(forced);
  }
  return exitCode;
}

interface TableInput {
  database: string;
  client: string;
  calibrationMs: number;
  latency: {
    rate: number;
    ok: number;
    sent: number;
    payment: string;
    postOrdersMs: ReturnType<typeof summarize>;
    eventLoopDelayMs: ReturnType<typeof loopDelay>;
    machineCoresBusy: number;
    otherProcessesCores: number;
  };
  throughput: {
    completed: number;
    orders: number;
    rounds: number;
    concurrency: number;
    seconds: number;
    lifecyclesPerSecond: number;
    lifecycleMs: ReturnType<typeof summarize>;
    eventLoopDelayMs: ReturnType<typeof loopDelay>;
    machineCoresBusy: number;
    otherProcessesCores: number;
    cpuMsPerLifecycle: { benchProcess: number; temporalServer: number };
  };
  bare: {
    completed: number;
    orders: number;
    seconds: number;
    lifecyclesPerSecond: number;
    lifecycleMs: ReturnType<typeof summarize>;
    machineCoresBusy: number;
    otherProcessesCores: number;
    cpuMsPerLifecycle: { benchProcess: number; temporalServer: number };
  };
  relative: {
    ratio: { median: number; min: number; max: number; rounds: number; excludedRounds: number };
    cpuRatio: { median: number; min: number; max: number };
    rounds: {
      round: number;
      omsLifecyclesPerSecond: number;
      bareLifecyclesPerSecond: number;
      ratio: number;
      counted: boolean;
      omsFailed: number;
      bareFailed: number;
    }[];
    shape: ShapeComparison | null;
  };
  split: {
    share: number;
    units: number;
    rounds: number;
    orders: number;
    splitOrders: number;
    completed: number;
    lifecyclesPerSecond: number;
    bareLifecyclesPerSecond: number;
    roundsLifecyclesPerSecond: number[];
    bareRoundsLifecyclesPerSecond: number[];
    cpuMsPerLifecycle: { benchProcess: number; temporalServer: number };
    ratio: { median: number; min: number; max: number; rounds: number; excludedRounds: number };
    cpuRatio: { median: number; min: number; max: number };
    cpuVersusSingleUnit: number;
    shape: ShapeComparison | null;
  } | null;
  latencyUnderLoad: (LatencyResult & { acceptance: AcceptanceProfile | null }) | null;
  memory: { peakRssSampledMb: number; maxRssMb: number; children: { name: string; peakRssMb: number }[] };
  targets: Record<string, { want: string; got: number; met: boolean }>;
}

/** Where an acceptance's time went between the workflow's start and the update's answer (means per order). */
function acceptanceLine(a: AcceptanceProfile): string {
  const acts = Object.entries(a.activities)
    .map(([type, v]) => `${type} queue ${v.queueMs} + run ${v.runMs}`)
    .join(', ');
  return (
    `start → update completed ${a.serverMs} ms: ${a.workflowTasks} workflow tasks, queued ${a.workflowTaskQueueMs} ms, ` +
    `running ${a.workflowTaskRunMs} ms` + (acts ? `; ${acts} ms` : '')
  );
}

/** Phase c's rows: the split mix beside phase b's single-unit figures. */
function splitRows(c: TableInput['split']): [string, string][] {
  if (!c) return [];
  const shape = c.shape;
  return [
    [
      `split mix (${c.completed}/${c.orders} in ${c.rounds} rounds, ${c.splitOrders} of them in ${c.units} units)`,
      `OMS ${c.lifecyclesPerSecond}/s, bare ${c.bareLifecyclesPerSecond}/s`,
    ],
    ...c.roundsLifecyclesPerSecond.map((x, i): [string, string] => [
      `  round ${i + 1}`,
      `OMS ${x}/s, bare ${c.bareRoundsLifecyclesPerSecond[i]}/s`,
    ]),
    [
      '  OMS / bare lifecycles/s ratio',
      c.ratio.rounds === 0 ? 'none: no round ran without a failed lifecycle' : `median ${c.ratio.median} (min ${c.ratio.min} – max ${c.ratio.max}, ${c.ratio.rounds} rounds)`,
    ],
    ['  bare / OMS CPU per lifecycle', c.ratio.rounds === 0 ? 'none' : `median ${c.cpuRatio.median} (min ${c.cpuRatio.min} – max ${c.cpuRatio.max})`],
    [
      '  CPU per lifecycle',
      `${c.cpuMsPerLifecycle.benchProcess} ms OMS+bench process, ${c.cpuMsPerLifecycle.temporalServer} ms Temporal server (${c.cpuVersusSingleUnit}× the single-unit phase)`,
    ],
    ...(shape
      ? ([
          [
            `  split orders' shape, OMS / bare (${shape.sampled.oms} / ${shape.sampled.bare} histories)`,
            `events ${shape.oms.events} / ${shape.bare.events}, workflow tasks ${shape.oms.workflowTasks} / ${shape.bare.workflowTasks}, ` +
              `activities ${shape.oms.activities} / ${shape.bare.activities}, local ${shape.oms.localActivities} / ${shape.bare.localActivities}, ` +
              `signals ${shape.oms.signals} / ${shape.bare.signals}`,
          ],
        ] as [string, string][])
      : []),
  ];
}

/** The shape comparison as table rows: one per measure, OMS then bare, so a reader can see they are the same work. */
function shapeRows(shape: ShapeComparison | null): [string, string][] {
  if (!shape) return [];
  const label: Record<keyof LifecycleShape, string> = {
    events: 'history events',
    workflowTasks: 'workflow tasks',
    activities: 'activities',
    localActivities: 'local activities',
    signals: 'signals',
    updates: 'updates',
    timers: 'timers',
    searchAttributeUpserts: 'search-attribute upserts',
  };
  return [
    [
      `shape per lifecycle, OMS / bare (${shape.sampled.oms} / ${shape.sampled.bare} histories)`,
      shape.matches ? 'same activities, local activities, signals, updates' : 'DIFFERENT: update BARE_PLANS',
    ],
    ...(Object.keys(label) as (keyof LifecycleShape)[]).map((k): [string, string] => [
      `  ${label[k]}`,
      `${shape.oms[k]} / ${shape.bare[k]}`,
    ]),
  ];
}

function printTable(r: TableInput): void {
  const l = r.latency;
  const t = r.throughput;
  const cores = (x: { machineCoresBusy: number; otherProcessesCores: number }) =>
    `${x.machineCoresBusy} of 2 cores busy (${x.otherProcessesCores} by other processes)`;
  const rows: [string, string][] = [
    ['database', r.database],
    ['machine calibration (lower is faster)', `${r.calibrationMs} ms`],
    [
      `POST /orders @ ${l.rate}/s, ${l.payment} (${l.ok}/${l.sent} ok)`,
      `p50 ${l.postOrdersMs.p50} ms  p99 ${l.postOrdersMs.p99} ms  max ${l.postOrdersMs.max} ms`,
    ],
    ['  machine, event-loop delay p99', `${cores(l)}, ${l.eventLoopDelayMs.p99} ms`],
    [
      `full lifecycles (${t.completed}/${t.orders} in ${t.rounds} rounds, ${t.concurrency} in flight, client ${r.client})`,
      `${t.lifecyclesPerSecond}/s in ${t.seconds} s`,
    ],
    ['  lifecycle latency', `p50 ${t.lifecycleMs.p50} ms  p99 ${t.lifecycleMs.p99} ms  max ${t.lifecycleMs.max} ms`],
    ['  machine, event-loop delay p99', `${cores(t)}, ${t.eventLoopDelayMs.p99} ms`],
    [
      '  CPU per lifecycle',
      `${t.cpuMsPerLifecycle.benchProcess} ms OMS+bench process, ${t.cpuMsPerLifecycle.temporalServer} ms Temporal server`,
    ],
    [
      `bare workflow lifecycles (${r.bare.completed}/${r.bare.orders}, same server, same client)`,
      `${r.bare.lifecyclesPerSecond}/s in ${r.bare.seconds} s`,
    ],
    [
      '  lifecycle latency',
      `p50 ${r.bare.lifecycleMs.p50} ms  p99 ${r.bare.lifecycleMs.p99} ms  max ${r.bare.lifecycleMs.max} ms`,
    ],
    ['  machine', cores(r.bare)],
    [
      '  CPU per lifecycle',
      `${r.bare.cpuMsPerLifecycle.benchProcess} ms bench process, ${r.bare.cpuMsPerLifecycle.temporalServer} ms Temporal server`,
    ],
    ...r.relative.rounds.map((x): [string, string] => [
      `  round ${x.round}`,
      `OMS ${x.omsLifecyclesPerSecond}/s, bare ${x.bareLifecyclesPerSecond}/s, ratio ${x.ratio}` +
        (x.counted ? '' : ` (not counted: ${x.omsFailed} OMS and ${x.bareFailed} bare lifecycles failed)`),
    ]),
    [
      'OMS / bare lifecycles/s ratio',
      r.relative.ratio.rounds === 0
        ? 'none: no round ran without a failed lifecycle'
        : `median ${r.relative.ratio.median} (min ${r.relative.ratio.min} – max ${r.relative.ratio.max}, ` +
          `${r.relative.ratio.rounds} rounds` +
          (r.relative.ratio.excludedRounds > 0 ? `, ${r.relative.ratio.excludedRounds} left out` : '') +
          ')',
    ],
    [
      '  bare / OMS CPU per lifecycle',
      r.relative.ratio.rounds === 0
        ? 'none'
        : `median ${r.relative.cpuRatio.median} (min ${r.relative.cpuRatio.min} – max ${r.relative.cpuRatio.max})`,
    ],
    ...shapeRows(r.relative.shape),
    ...splitRows(r.split),
    ...latencyRows(r.latencyUnderLoad),
    ...(r.latencyUnderLoad?.acceptance
      ? ([
          [
            `  POST /orders on the server (${r.latencyUnderLoad.acceptance.sampled} histories)`,
            acceptanceLine(r.latencyUnderLoad.acceptance),
          ],
        ] as [string, string][])
      : []),
    [
      'peak RSS',
      `${r.memory.peakRssSampledMb} MB sampled, ${r.memory.maxRssMb} MB maxRSS (this process)` +
        r.memory.children.map((c) => `; ${c.name} ${c.peakRssMb} MB`).join(''),
    ],
    ...Object.entries(r.targets).map(([name, v]): [string, string] => [
      `target ${name}`,
      `${v.want}: ${v.got} ${v.met ? 'MET' : 'MISSED'}`,
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
