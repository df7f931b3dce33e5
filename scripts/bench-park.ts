// `npm run bench -- --park N,M` (issue 9, item 3): flat memory with many open orders. The bench's own phase b runs
// first with no parked orders (the baseline), then this module parks N orders through to `delivered` (inside their
// return window, 14 d by default) and M in earlier states (awaiting payment, confirmed/picking, shipped), the bench
// runs phase b's rounds again in the same process, and then every parked order is read back (GET /orders/{id}) and a
// sample of the delivered ones is returned to the end (return_pending, the warehouse's return_received,
// return_completed). The RSS of this process (worker, API and bench client) and of its children (the Temporal dev
// server) is sampled every second throughout, per stage.
//
// Kept out of bench.ts on purpose: the bench hands in its API's URL and how it measures a phase, so this module owns
// parking (its own client, which takes a 503 as a channel does), checking and the memory series, and bench.ts only
// calls runParkStage().
import { readdirSync, readFileSync } from 'node:fs';
import { signCallback } from '../api/signature';
import type { OrderView } from '../contract/types';
import { DEV_API_KEYS, DEV_WEBHOOK_SECRET } from '../workers/config';
import { pool } from './bench-pool';

/** `--park N,M` / BENCH_PARK: N delivered, M in earlier states; null when not asked for. */
export interface ParkPlan {
  delivered: number;
  earlier: number;
}

export function parseParkPlan(raw: string | undefined): ParkPlan | null {
  const value = raw?.trim();
  if (!value) return null;
  const match = /^(\d+)\s*,\s*(\d+)$/.exec(value);
  if (!match) throw new Error(`--park / BENCH_PARK: must be N,M (delivered, earlier states), e.g. 10000,2000, got "${value}"`);
  const plan = { delivered: Number(match[1]), earlier: Number(match[2]) };
  if (plan.delivered + plan.earlier === 0) throw new Error('--park / BENCH_PARK: parks nothing (0,0)');
  return plan;
}

/** The earlier states parked, in turn (awaiting payment, confirmed/picking, shipped). */
export const EARLIER_STATES = ['awaiting_payment', 'picking', 'shipped'] as const;
export type EarlierState = (typeof EARLIER_STATES)[number];
type ParkedState = 'delivered' | EarlierState;

/** What GET /orders/{id} must show for a parked order of each state. */
const EXPECTED_STATUS: Record<ParkedState, readonly string[]> = {
  delivered: ['delivered'],
  awaiting_payment: ['new'],
  // A marketplace order arrives paid: confirmed, then picking once its picking task is created.
  picking: ['confirmed', 'picking'],
  shipped: ['shipped'],
};

export interface ParkedOrder {
  id: string;
  state: ParkedState;
}

// ---------------------------------------------------------------- memory, every second

interface RssPoint {
  atS: number;
  stage: string;
  selfMb: number;
  childrenMb: number;
  cachedWorkflows: number | null;
}

/** This process's RSS and its children's (the Temporal dev server), every second, labelled by stage. */
export class RssSeries {
  readonly points: RssPoint[] = [];
  private stage = 'start';
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly cachedWorkflows: () => number | null = () => null) {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  /** Starts a stage with a sample of its own, so a stage shorter than a second is in the series too. */
  enter(stage: string): void {
    this.stage = stage;
    this.sample();
  }

  sample(): void {
    this.points.push({
      atS: Math.round((performance.now() - this.started) / 100) / 10,
      stage: this.stage,
      selfMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      childrenMb: childrenRssMb(),
      cachedWorkflows: this.cachedWorkflows(),
    });
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** Peak of this process and of its children per stage, in the order the stages ran, and over the whole run. */
  peaks(): { stage: string; selfMb: number; childrenMb: number; cachedWorkflows: number | null; samples: number }[] {
    const out = new Map<string, { stage: string; selfMb: number; childrenMb: number; cachedWorkflows: number | null; samples: number }>();
    out.set('whole run', { stage: 'whole run', selfMb: 0, childrenMb: 0, cachedWorkflows: null, samples: 0 });
    for (const p of this.points) {
      for (const stage of [p.stage, 'whole run']) {
        const peak = out.get(stage) ?? { stage, selfMb: 0, childrenMb: 0, cachedWorkflows: null, samples: 0 };
        peak.selfMb = Math.max(peak.selfMb, p.selfMb);
        peak.childrenMb = Math.max(peak.childrenMb, p.childrenMb);
        if (p.cachedWorkflows !== null) peak.cachedWorkflows = Math.max(peak.cachedWorkflows ?? 0, p.cachedWorkflows);
        peak.samples += 1;
        out.set(stage, peak);
      }
    }
    // The whole run last, after the stages in the order they ran.
    return [...out.values()].slice(1).concat(out.get('whole run')!);
  }
}

/** Summed VmRSS of this process's direct children, from /proc (0 where /proc is not there). */
function childrenRssMb(): number {
  let kb = 0;
  try {
    for (const tid of readdirSync(`/proc/${process.pid}/task`)) {
      const children = readFileSync(`/proc/${process.pid}/task/${tid}/children`, 'utf8').trim();
      for (const pid of children ? children.split(/\s+/) : []) {
        const match = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (match) kb += Number(match[1]);
      }
    }
  } catch {
    // a child that exited between the two reads, or no /proc: counted as what was read so far
  }
  return Math.round(kb / 1024);
}

// ---------------------------------------------------------------- HTTP

const REQUEST_TIMEOUT_MS = 15_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class ParkError extends Error {
  override name = 'ParkError';
}

/** The channel's key for an order id (`<channel>:<external id>`). */
const keyFor = (id: string) => DEV_API_KEYS[id.slice(0, id.indexOf(':'))] ?? '';
const orderPath = (id: string) => `/orders/${encodeURIComponent(id)}`;

async function call<T>(
  baseUrl: string,
  deadline: AbortSignal,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; signed?: boolean } = {},
): Promise<{ status: number; body: T }> {
  const raw = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  if (raw !== undefined) headers['content-type'] = 'application/json';
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  if (options.signed) headers['x-oms-signature'] = signCallback(DEV_WEBHOOK_SECRET, raw ?? '');
  // A 503 (the admission gate, a busy workflow) is retried after its Retry-After, as a channel would.
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(baseUrl + path, {
      method,
      headers,
      body: raw,
      signal: AbortSignal.any([deadline, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    const text = await res.text();
    if (res.status === 503 && attempt < 10) {
      await sleep(1000);
      continue;
    }
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body: body as T };
  }
}

async function expectStatus<T>(
  baseUrl: string,
  deadline: AbortSignal,
  method: string,
  path: string,
  statuses: number[],
  options: { key?: string; body?: unknown; signed?: boolean } = {},
): Promise<T> {
  const { status, body } = await call<T>(baseUrl, deadline, method, path, options);
  if (!statuses.includes(status)) throw new ParkError(`${method} ${path}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
  return body;
}

async function waitForOrder(
  baseUrl: string,
  deadline: AbortSignal,
  id: string,
  what: string,
  ready: (o: OrderView) => boolean,
  timeoutMs: number,
): Promise<OrderView> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const order = await expectStatus<OrderView>(baseUrl, deadline, 'GET', orderPath(id), [200], { key: keyFor(id) });
    if (ready(order)) return order;
    if (Date.now() > until) throw new ParkError(`${id}: timed out waiting for ${what} (status ${order.status})`);
    await sleep(250);
  }
}

// ---------------------------------------------------------------- the stage

export interface ParkDeps {
  baseUrl: string;
  deadline: AbortSignal;
  /** The bench's phase b again, now beside the parked orders. */
  measure: () => Promise<{ ratio: { median: number; min: number; max: number; rounds: number } }>;
  rss: RssSeries;
  log: (line: string) => void;
}

export interface ParkSettings {
  plan: ParkPlan;
  concurrency: number;
  /** Delivered orders returned to the end after the bench (0: none). */
  returnSample: number;
  /** The SKU of the earlier-state orders (the bench's seeded stock). */
  sku: string;
}

export interface ParkReport {
  delivered: { asked: number; parked: number; failed: number; seconds: number };
  earlier: { asked: number; parked: number; failed: number; seconds: number; byState: Record<EarlierState, number> };
  ratioAfterParking: { median: number; min: number; max: number; rounds: number };
  get: { checked: number; ok: number; failed: number };
  returns: { asked: number; ok: number; failed: number };
  failures: string[];
}

/**
 * One order placed and driven as far as `state` and no further. Marketplace orders arrive paid, so only the
 * awaiting-payment ones are card orders. Every call takes a 503 as a channel does (again after a second), and a
 * POST /orders repeated after one answers 200 with the order it made: on a busy machine an acceptance can outlast
 * OMS_UPDATE_TIMEOUT, and parking thousands must not lose an order to that.
 */
async function parkOne(baseUrl: string, deadline: AbortSignal, state: ParkedState, i: number, sku: string): Promise<ParkedOrder> {
  const card = state === 'awaiting_payment';
  const channel = card ? 'webstore' : 'trendyol';
  const created = await expectStatus<OrderView>(baseUrl, deadline, 'POST', '/orders', [200, 201], {
    key: DEV_API_KEYS[channel],
    body: {
      externalOrderId: `parked-${state}-${i}`,
      customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com', phone: '+905551112233' },
      shippingAddress: { line1: 'Bağdat Cd. 10', district: 'Kadıköy', city: 'İstanbul', postalCode: '34710', country: 'TR' },
      lines: [{ sku, quantity: 1, unitPrice: '149.90' }],
      currency: 'TRY',
      payment: { method: card ? 'card' : 'marketplace' },
    },
  });
  const id = created.id;
  if (state === 'shipped' || state === 'delivered') {
    await expectStatus(baseUrl, deadline, 'POST', '/callbacks/warehouse', [200], {
      signed: true,
      body: { eventId: `parked-packed-${id}`, orderId: id, type: 'packed' },
    });
    const labelled = await waitForOrder(baseUrl, deadline, id, 'its tracking number', (o) => !!o.shipment?.trackingNumber, 120_000);
    const { carrier, trackingNumber } = labelled.shipment!;
    await expectStatus(baseUrl, deadline, 'POST', `/callbacks/carriers/${carrier}`, [200], {
      signed: true,
      body: { eventId: `parked-picked-${id}`, trackingNumber, status: 'picked_up', at: new Date().toISOString() },
    });
    if (state === 'delivered') {
      await expectStatus(baseUrl, deadline, 'POST', `/callbacks/carriers/${carrier}`, [200], {
        signed: true,
        body: { eventId: `parked-delivered-${id}`, trackingNumber, status: 'delivered', at: new Date().toISOString() },
      });
    }
    await waitForOrder(baseUrl, deadline, id, state, (o) => o.status === state, 120_000);
  }
  return { id, state };
}

/** A delivered order's return to the end: requested (202, return_pending), received sellable, return_completed. */
async function returnOrder(baseUrl: string, deadline: AbortSignal, id: string): Promise<void> {
  const order = await expectStatus<OrderView>(baseUrl, deadline, 'GET', orderPath(id), [200], { key: keyFor(id) });
  const lines = order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity }));
  const requested = await expectStatus<OrderView>(baseUrl, deadline, 'POST', `${orderPath(id)}/returns`, [202], {
    key: keyFor(id),
    body: { lines, reason: 'changed_mind' },
  });
  if (requested.status !== 'return_pending') throw new ParkError(`${id}: return answered ${requested.status}, expected return_pending`);
  await expectStatus(baseUrl, deadline, 'POST', '/callbacks/warehouse', [200], {
    signed: true,
    body: {
      eventId: `parked-return-${id}`,
      orderId: id,
      type: 'return_received',
      lines: lines.map((l) => ({ ...l, condition: 'sellable' })),
    },
  });
  await waitForOrder(baseUrl, deadline, id, 'return_completed', (o) => o.status === 'return_completed', 120_000);
}

/** Evenly spread sample of `count` from `items`. */
function spread<T>(items: T[], count: number): T[] {
  if (count >= items.length) return [...items];
  const step = items.length / count;
  return Array.from({ length: count }, (_, k) => items[Math.floor(k * step)]!);
}

/**
 * Parks the orders, lets the bench measure again beside them, then checks every parked order answers and a sample of
 * the delivered ones takes a return to the end.
 */
export async function runParkStage(deps: ParkDeps, settings: ParkSettings): Promise<ParkReport> {
  const { baseUrl, deadline, rss, log } = deps;
  const { plan } = settings;
  const failures: string[] = [];
  const parked: ParkedOrder[] = [];

  rss.enter('parking');
  let t0 = performance.now();
  let lastLog = t0;
  let done = 0;
  const delivered = await pool(plan.delivered, settings.concurrency, async (i) => {
    const r = await parkOne(baseUrl, deadline, 'delivered', i, settings.sku);
    done += 1;
    if (performance.now() - lastLog > 30_000) {
      lastLog = performance.now();
      log(`parking: ${done}/${plan.delivered} delivered, ${rss.points.at(-1)?.selfMb ?? 0} MB RSS`);
    }
    return r;
  });
  const deliveredSeconds = (performance.now() - t0) / 1000;
  parked.push(...delivered.results);
  failures.push(...delivered.failures.map((f) => `park delivered: ${f}`));
  log(`parked ${delivered.results.length}/${plan.delivered} delivered in ${deliveredSeconds.toFixed(1)} s (${delivered.failures.length} failed)`);

  t0 = performance.now();
  const earlier = await pool(plan.earlier, settings.concurrency, (i) =>
    parkOne(baseUrl, deadline, EARLIER_STATES[i % EARLIER_STATES.length]!, i, settings.sku),
  );
  const earlierSeconds = (performance.now() - t0) / 1000;
  parked.push(...earlier.results);
  failures.push(...earlier.failures.map((f) => `park earlier: ${f}`));
  const byState = Object.fromEntries(EARLIER_STATES.map((s) => [s, earlier.results.filter((o) => o.state === s).length])) as Record<
    EarlierState,
    number
  >;
  log(
    `parked ${earlier.results.length}/${plan.earlier} in earlier states in ${earlierSeconds.toFixed(1)} s ` +
      `(${EARLIER_STATES.map((s) => `${s} ${byState[s]}`).join(', ')}; ${earlier.failures.length} failed)`,
  );

  rss.enter('bench beside the parked orders');
  const after = await deps.measure();

  // Every parked order still answers, with the status it was parked in.
  rss.enter('checks');
  const get = await pool(parked.length, 32, async (i) => {
    const o = parked[i]!;
    const view = await expectStatus<OrderView>(baseUrl, deadline, 'GET', orderPath(o.id), [200], { key: keyFor(o.id) });
    if (!EXPECTED_STATUS[o.state].includes(view.status)) {
      throw new ParkError(`${o.id} parked ${o.state}: GET shows ${view.status}, expected ${EXPECTED_STATUS[o.state].join(' or ')}`);
    }
  });
  failures.push(...get.failures.map((f) => `GET: ${f}`));
  log(`GET /orders/{id}: ${get.results.length}/${parked.length} parked orders answered with their parked status`);

  const sample = spread(
    parked.filter((o) => o.state === 'delivered'),
    settings.returnSample,
  );
  const returns = await pool(sample.length, 16, (i) => returnOrder(baseUrl, deadline, sample[i]!.id));
  failures.push(...returns.failures.map((f) => `return: ${f}`));
  log(`returns: ${returns.results.length}/${sample.length} delivered parked orders returned to return_completed`);
  rss.enter('end');

  return {
    delivered: { asked: plan.delivered, parked: delivered.results.length, failed: delivered.failures.length, seconds: Math.round(deliveredSeconds) },
    earlier: { asked: plan.earlier, parked: earlier.results.length, failed: earlier.failures.length, seconds: Math.round(earlierSeconds), byState },
    ratioAfterParking: after.ratio,
    get: { checked: parked.length, ok: get.results.length, failed: get.failures.length },
    returns: { asked: sample.length, ok: returns.results.length, failed: returns.failures.length },
    failures,
  };
}

/** The lines the bench prints for the stage; the smoke test reads the `park check` ones. */
export function parkRows(
  report: ParkReport,
  baseline: { median: number; min: number; max: number; rounds: number },
  rss: RssSeries,
  cache: { maxCachedWorkflows: number; stickyQueueTimeoutMs: number },
): [string, string][] {
  const r = report.ratioAfterParking;
  const change = baseline.median > 0 && r.rounds > 0 ? Math.round((r.median / baseline.median - 1) * 1000) / 10 : Number.NaN;
  return [
    ['park: worker cache', `maxCachedWorkflows ${cache.maxCachedWorkflows}, stickyQueueScheduleToStartTimeout ${cache.stickyQueueTimeoutMs} ms`],
    [
      'park: parked',
      `${report.delivered.parked}/${report.delivered.asked} delivered in ${report.delivered.seconds} s, ` +
        `${report.earlier.parked}/${report.earlier.asked} earlier (${EARLIER_STATES.map((s) => `${s} ${report.earlier.byState[s]}`).join(', ')}) in ${report.earlier.seconds} s`,
    ],
    [
      'park: ratio',
      `before parking median ${baseline.median} (${baseline.min}–${baseline.max}, ${baseline.rounds} rounds); ` +
        `beside the parked orders median ${r.median} (${r.min}–${r.max}, ${r.rounds} rounds); change ${change}%`,
    ],
    ...rss.peaks().map(
      (p): [string, string] => [
        `park: peak RSS ${p.stage}`,
        `${p.selfMb} MB this process (worker, API, client), ${p.childrenMb} MB Temporal server; ` +
          `cached workflows up to ${p.cachedWorkflows ?? '?'} (${p.samples} samples, 1/s)`,
      ],
    ),
    ['park check GET', `${report.get.ok}/${report.get.checked} parked orders answered GET /orders/{id} with their parked status ${report.get.failed === 0 ? 'OK' : 'FAILED'}`],
    ['park check returns', `${report.returns.ok}/${report.returns.asked} delivered parked orders returned to return_completed ${report.returns.failed === 0 ? 'OK' : 'FAILED'}`],
  ];
}
