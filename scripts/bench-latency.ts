// The bench's phase d, latency under load (issue 9 item 2): at half the OMS's capacity measured in the same run
// (phase b's full lifecycles/s, or --load-rate), full order lifecycles are started open-loop (on schedule, never
// after the previous one's answer) and every request's latency is recorded: POST /orders and the signed callbacks
// (payment, packed, picked_up, delivered). Then, on the same Temporal server, through the same `Client` the API's
// gateway uses and at the same rate, the bare reference: a workflow start plus an update whose handler waits for one
// local activity (POST /orders' acceptance minus the OMS), and one bare signal per callback the OMS lifecycle sent.
// The figures are OMS p99 / bare p99 (the target: within 3×); never an absolute speed.
import type { Client } from '@temporalio/client';
import { BARE_TASK_QUEUE } from './bench-bare';
import { bareAcceptUpdate, bareEventSignal, type BarePlan, type bareLifecycle } from './bench-bare-workflow';

/** The target of issue 9 item 2: OMS p99 at most this many times the bare p99. */
export const LATENCY_TARGET_FACTOR = 3;
const REQUEST_TIMEOUT_MS = 15_000;
/** The callbacks' request kinds, as the bench's Http counts them. */
const CALLBACK_KINDS = ['POST /callbacks/payments', 'POST /callbacks/warehouse', 'POST /callbacks/carriers'];

/** parseArgs definitions of phase d's flags, spread into bench.ts's own. */
export const LATENCY_ARGS = {
  'load-rate': { type: 'string' },
  'load-seconds': { type: 'string' },
} as const;

export interface LatencyOptions {
  /** Lifecycles started per second; undefined: half of phase b's measured lifecycles/s. */
  rate: number | undefined;
  /** How long lifecycles are started for; 0 skips phase d. */
  seconds: number;
}

/** Phase d's options from the flags (`--load-rate`, `--load-seconds`) or BENCH_LOAD_RATE / BENCH_LOAD_SECONDS. */
export function readLatencyOptions(
  values: { 'load-rate'?: string; 'load-seconds'?: string },
  env: NodeJS.ProcessEnv,
  quick: boolean,
): LatencyOptions {
  const num = (name: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined || raw.trim() === '') return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name}: must be a number >= ${min}, got "${raw}"`);
    return value;
  };
  return {
    rate: num('--load-rate / BENCH_LOAD_RATE', values['load-rate'] ?? env.BENCH_LOAD_RATE, 0.1),
    seconds: num('--load-seconds / BENCH_LOAD_SECONDS', values['load-seconds'] ?? env.BENCH_LOAD_SECONDS, 0) ?? (quick ? 4 : 30),
  };
}

/** Records one answered request: its kind (as the bench's Http names it) and how long it took. */
export type LatencyRecorder = (kind: string, ms: number) => void;

export interface LatencyDeps {
  /** Phase b's OMS full lifecycles/s in this run: the capacity half of which is the load. */
  capacity: number;
  /** The Temporal client the API's gateway uses. */
  client: Client;
  /** One full OMS lifecycle (`i`th of the phase: even card, odd marketplace) whose requests report to `record`. */
  omsLifecycle(i: number, record: LatencyRecorder): Promise<unknown>;
  /** Waits until the workers have nothing in flight (before each half). */
  settle(): Promise<number>;
  deadline: AbortSignal;
  log(line: string): void;
}

/** p50 / p99 / max in ms (nearest rank) and the count. */
export interface Spread {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface LatencyResult {
  capacity: number;
  rate: number;
  rateFrom: 'half of phase b' | '--load-rate';
  seconds: number;
  oms: {
    lifecycles: number;
    failed: number;
    maxSendLagMs: number;
    postOrdersMs: Spread;
    callbacksMs: Spread;
    byKindMs: Record<string, Spread>;
  };
  bare: {
    lifecycles: number;
    failed: number;
    maxSendLagMs: number;
    /** Start + the update answered after one local activity, from the scheduled send time. */
    startMs: Spread;
    signalMs: Spread;
  };
  /** OMS p99 over bare p99 and whether it is within LATENCY_TARGET_FACTOR. */
  ratios: {
    postOrders: { p99Ratio: number; within: boolean };
    callbacks: { p99Ratio: number; within: boolean };
  };
  failures: string[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { count: sorted.length, p50: round1(at(50)), p99: round1(at(99)), max: round1(sorted.at(-1) ?? Number.NaN) };
}

/**
 * Starts `count` tasks at `rate` per second on schedule (open loop: a slow answer never delays the next start) and
 * waits for all of them; `task` gets the scheduled time, from which the first request's latency is measured, so a
 * late start (the event loop busy) counts against the request as it would for a real client.
 */
async function openLoop(
  rate: number,
  count: number,
  deadline: AbortSignal,
  task: (i: number, scheduledAt: number) => Promise<unknown>,
): Promise<{ failures: string[]; maxSendLagMs: number }> {
  const failures: string[] = [];
  let maxSendLagMs = 0;
  const started = performance.now();
  const running: Promise<void>[] = [];
  for (let i = 0; i < count && !deadline.aborted; i++) {
    const scheduledAt = started + (i * 1000) / rate;
    const wait = scheduledAt - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    maxSendLagMs = Math.max(maxSendLagMs, performance.now() - scheduledAt);
    running.push(
      task(i, scheduledAt).then(
        () => undefined,
        (err: unknown) => {
          failures.push(err instanceof Error ? err.message : String(err));
        },
      ),
    );
  }
  await Promise.all(running);
  return { failures, maxSendLagMs: round1(maxSendLagMs) };
}

/**
 * One bare lifecycle of the latency phase: start (FAIL + REJECT_DUPLICATE, as the gateway's createOrder) and the
 * acceptance-shaped update answered once one local activity has run, timed from `scheduledAt`; then as many signals
 * as the OMS lifecycle of the same kind sends callbacks (card 4, marketplace 3), each timed; untimed, the workflow is
 * then checked to have completed.
 */
async function bareLifecycleCalls(
  client: Client,
  key: string,
  kind: 'card' | 'marketplace',
  scheduledAt: number,
  deadline: AbortSignal,
  record: { start(ms: number): void; signal(ms: number): void },
): Promise<void> {
  const plan: BarePlan = {
    key,
    stages: [{ afterSignals: 0, activities: 0, localActivities: 1 }],
    acceptAfter: 0,
    signals: kind === 'card' ? 4 : 3,
  };
  const call = <T>(fn: () => Promise<T>) =>
    client.withAbortSignal(AbortSignal.any([deadline, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]), fn);
  const handle = await call(() =>
    client.workflow.start<typeof bareLifecycle>('bareLifecycle', {
      workflowId: `bench-bare-latency:${key}`,
      taskQueue: BARE_TASK_QUEUE,
      args: [plan],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    }),
  );
  await call(() => handle.executeUpdate(bareAcceptUpdate, { args: [{ requestId: key }] }));
  record.start(performance.now() - scheduledAt);
  for (let s = 0; s < plan.signals; s++) {
    const sent = performance.now();
    await call(() => handle.signal(bareEventSignal, { eventId: `${key}-${s}` }));
    record.signal(performance.now() - sent);
  }
  await call(() => handle.result());
}

/** Phase d: the OMS's lifecycles at the load rate, then the bare reference at the same rate. */
export async function runLatencyPhase(options: LatencyOptions, deps: LatencyDeps): Promise<LatencyResult> {
  const rate = options.rate ?? round2(deps.capacity / 2);
  const rateFrom = options.rate === undefined ? 'half of phase b' : '--load-rate';
  if (!(rate > 0)) throw new Error(`phase d: no load rate (phase b measured ${deps.capacity} lifecycles/s)`);
  const count = Math.max(1, Math.round(rate * options.seconds));

  await deps.settle();
  const byKind: Record<string, number[]> = {};
  const oms = await openLoop(rate, count, deps.deadline, (i, scheduledAt) => {
    let first = true;
    return deps.omsLifecycle(i, (kind, ms) => {
      // POST /orders is the lifecycle's first request: measured from the scheduled start, as the bare start is.
      const value = first && kind === 'POST /orders' ? performance.now() - scheduledAt : ms;
      first = false;
      (byKind[kind] ??= []).push(value);
    });
  });
  const postOrdersMs = spread(byKind['POST /orders'] ?? []);
  const callbacksMs = spread(CALLBACK_KINDS.flatMap((k) => byKind[k] ?? []));
  deps.log(
    `phase d: ${count - oms.failures.length}/${count} OMS lifecycles at ${rate}/s: POST /orders p99 ${postOrdersMs.p99} ms, ` +
      `callbacks p99 ${callbacksMs.p99} ms`,
  );

  await deps.settle();
  const starts: number[] = [];
  const signals: number[] = [];
  const bare = await openLoop(rate, count, deps.deadline, (i, scheduledAt) =>
    bareLifecycleCalls(deps.client, `d${i}`, i % 2 === 0 ? 'card' : 'marketplace', scheduledAt, deps.deadline, {
      start: (ms) => starts.push(ms),
      signal: (ms) => signals.push(ms),
    }),
  );
  const startMs = spread(starts);
  const signalMs = spread(signals);
  deps.log(
    `phase d: ${count - bare.failures.length}/${count} bare lifecycles at ${rate}/s: start + update p99 ${startMs.p99} ms, ` +
      `signal p99 ${signalMs.p99} ms`,
  );

  const ratio = (o: Spread, b: Spread) => {
    const p99Ratio = b.p99 > 0 ? round2(o.p99 / b.p99) : Number.NaN;
    return { p99Ratio, within: p99Ratio <= LATENCY_TARGET_FACTOR };
  };
  return {
    capacity: deps.capacity,
    rate,
    rateFrom,
    seconds: options.seconds,
    oms: {
      lifecycles: count,
      failed: oms.failures.length,
      maxSendLagMs: oms.maxSendLagMs,
      postOrdersMs,
      callbacksMs,
      byKindMs: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, spread(v)])),
    },
    bare: { lifecycles: count, failed: bare.failures.length, maxSendLagMs: bare.maxSendLagMs, startMs, signalMs },
    ratios: { postOrders: ratio(postOrdersMs, startMs), callbacks: ratio(callbacksMs, signalMs) },
    failures: [...oms.failures, ...bare.failures].slice(0, 5),
  };
}

/** Phase d's rows of the bench's table. */
export function latencyRows(r: LatencyResult | null): [string, string][] {
  if (!r) return [];
  const s = (x: Spread) => `p50 ${x.p50} ms  p99 ${x.p99} ms  max ${x.max} ms (${x.count})`;
  const verdict = (x: { p99Ratio: number; within: boolean }) =>
    `${x.p99Ratio}× (${x.within ? 'within' : 'NOT within'} ${LATENCY_TARGET_FACTOR}×)`;
  return [
    [
      `latency under load (${r.rate} lifecycles/s, ${r.rateFrom === '--load-rate' ? '--load-rate' : `half of ${r.capacity}/s`}, ${r.seconds} s)`,
      `OMS ${r.oms.lifecycles - r.oms.failed}/${r.oms.lifecycles}, bare ${r.bare.lifecycles - r.bare.failed}/${r.bare.lifecycles} lifecycles`,
    ],
    ['  POST /orders', s(r.oms.postOrdersMs)],
    ['  bare start + update after 1 local activity', s(r.bare.startMs)],
    ['  POST /orders p99 / bare p99', verdict(r.ratios.postOrders)],
    ['  callbacks (payment, packed, carrier)', s(r.oms.callbacksMs)],
    ['  bare signal', s(r.bare.signalMs)],
    ['  callbacks p99 / bare signal p99', verdict(r.ratios.callbacks)],
  ];
}
