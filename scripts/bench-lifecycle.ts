// The bench's order lifecycle as the outside parties drive it over real HTTP (a channel, the payment provider, the
// warehouse, a carrier): shared by `npm run bench` (the whole OMS in its process) and `npm run bench:scale` (the API
// and the worker in processes of their own), so both measure the same lifecycle.
import { signCallback } from '../api/signature';
import type { OrderView, PaymentMethod } from '../contract/types';
import type { CallLog, CallLogEntry } from '../integrations/callLog';
import { DEV_API_KEYS, DEV_WEBHOOK_SECRET } from '../workers/config';

export const REQUEST_TIMEOUT_MS = 15_000;
export const LIFECYCLE_TIMEOUT_MS = 120_000;
export const SKUS = ['BENCH-1', 'BENCH-2', 'BENCH-3', 'BENCH-4', 'BENCH-5'];
/** Split orders: one line from `main` and one per store, each SKU held at its store only, so sourcing must split. */
export const MAX_SPLIT_UNITS = 3;
export const storeOf = (k: number) => `bench-store-${k}`;
export const storeSku = (k: number) => `BENCH-S${k}`;
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Thrown for any answer the bench did not expect; the lifecycle counts as failed with this message. */
export class BenchError extends Error {
  override name = 'BenchError';
}

/** Counts every HTTP request by kind so the report shows what one lifecycle costs the API. */
export const requestCounts: Record<string, number> = {};
export const statusCounts: Record<string, number> = {};

export class Http {
  constructor(
    private readonly baseUrl: string,
    private readonly deadline: AbortSignal,
    /** Told of every answered request's kind and duration (phase d's latencies). */
    private readonly onAnswer?: (kind: string, ms: number) => void,
  ) {}

  async request<T>(
    kind: string,
    method: string,
    path: string,
    options: { key?: string; body?: unknown; signed?: boolean } = {},
  ): Promise<{ status: number; body: T }> {
    requestCounts[kind] = (requestCounts[kind] ?? 0) + 1;
    const sentAt = performance.now();
    const raw = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {};
    if (raw !== undefined) headers['content-type'] = 'application/json';
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.signed) headers['x-oms-signature'] = signCallback(DEV_WEBHOOK_SECRET, raw ?? '');
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      body: raw,
      signal: AbortSignal.any([this.deadline, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
    });
    statusCounts[res.status] = (statusCounts[res.status] ?? 0) + 1;
    const text = await res.text();
    this.onAnswer?.(kind, performance.now() - sentAt);
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: res.status, body: body as T };
  }

  async expect<T>(
    kind: string,
    method: string,
    path: string,
    statuses: number[],
    options: { key?: string; body?: unknown; signed?: boolean } = {},
  ): Promise<T> {
    // A 503 (the admission gate, a workflow not answering in time) is sent again after a second, as a channel or a
    // provider does (every write is idempotent by its id); it counts in the HTTP statuses, and after 10 it fails.
    for (let attempt = 1; ; attempt++) {
      const { status, body } = await this.request<T>(kind, method, path, options);
      if (status === 503 && !statuses.includes(503) && attempt < SERVICE_UNAVAILABLE_ATTEMPTS) {
        await sleep(1000);
        continue;
      }
      if (!statuses.includes(status)) {
        throw new BenchError(`${method} ${path}: ${status} ${JSON.stringify(body).slice(0, 300)}`);
      }
      return body;
    }
  }
}

const SERVICE_UNAVAILABLE_ATTEMPTS = 10;

/** Phase a's payment mix: mixed (half card, half marketplace), or all one kind. */
export type PaymentMix = 'mixed' | 'card' | 'marketplace';

export interface OrderPlan {
  externalOrderId: string;
  channel: 'webstore' | 'trendyol';
  method: PaymentMethod;
  sku: string;
  /** Fulfillment units the order's lines need (1: everything at `main`). */
  units: number;
}

/** The `i`th lifecycle of a phase: its payment and its units (phase b: alternating payment, one unit). */
export interface MixSlot {
  kind: 'card' | 'marketplace';
  units: number;
}
export const singleUnitMix = (i: number): MixSlot => ({ kind: i % 2 === 0 ? 'card' : 'marketplace', units: 1 });

/**
 * The split mix: `share` of the lifecycles split into `units`, evenly spread (every third for 1/3), the split ones
 * and the others each half card and half marketplace, for the OMS and the bare rounds alike.
 */
export function splitMix(share: number, units: number): (i: number) => MixSlot {
  const count = (i: number) => Math.floor(i * share + 1e-9);
  return (i) => {
    const splits = count(i + 1) > count(i);
    const nth = splits ? count(i + 1) : i - count(i);
    return { kind: nth % 2 === 0 ? 'card' : 'marketplace', units: splits ? units : 1 };
  };
}

let orderSeq = 0;
export function planOrder(prefix: string, mix: PaymentMix = 'mixed', units = 1): OrderPlan {
  orderSeq += 1;
  // Mixed: half card (webstore, needs a signed payment callback), half marketplace (trendyol, arrives paid).
  const card = mix === 'mixed' ? orderSeq % 2 === 0 : mix === 'card';
  return {
    externalOrderId: `${prefix}-${orderSeq}`,
    channel: card ? 'webstore' : 'trendyol',
    method: card ? 'card' : 'marketplace',
    sku: SKUS[orderSeq % SKUS.length]!,
    units,
  };
}

export function orderBody(plan: OrderPlan) {
  return {
    externalOrderId: plan.externalOrderId,
    customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com', phone: '+905551112233' },
    shippingAddress: {
      line1: 'Bağdat Cd. 10',
      district: 'Kadıköy',
      city: 'İstanbul',
      postalCode: '34710',
      country: 'TR',
    },
    lines: [
      { sku: plan.sku, quantity: 1, unitPrice: '149.90' },
      ...Array.from({ length: plan.units - 1 }, (_, k) => ({ sku: storeSku(k + 1), quantity: 1, unitPrice: '49.90' })),
    ],
    currency: 'TRY',
    payment: { method: plan.method },
  };
}

export const keyOf = (plan: OrderPlan) => DEV_API_KEYS[plan.channel]!;
export const orderPath = (id: string) => `/orders/${encodeURIComponent(id)}`;

export async function createOrder(http: Http, plan: OrderPlan): Promise<OrderView> {
  return http.expect<OrderView>('POST /orders', 'POST', '/orders', [201], { key: keyOf(plan), body: orderBody(plan) });
}

/** Polls GET /orders/{id} until `ready` holds; the API serves the read model (or the live workflow before its first write). */
export async function pollOrder(
  http: Http,
  plan: OrderPlan,
  id: string,
  what: string,
  ready: (o: OrderView) => boolean,
  pollMs: number,
  until: number,
): Promise<OrderView> {
  for (;;) {
    const order = await http.expect<OrderView>('GET /orders/{id}', 'GET', orderPath(id), [200], { key: keyOf(plan) });
    if (ready(order)) return order;
    if (order.status === 'canceled' || order.needsAttention) {
      throw new BenchError(
        `${id} waiting for ${what}: ${order.status} ${JSON.stringify(order.attention ?? order.cancelReason ?? '')}`,
      );
    }
    if (Date.now() > until) throw new BenchError(`${id}: timed out waiting for ${what} (last status ${order.status})`);
    await sleep(pollMs);
  }
}

/**
 * The simulated outside world's view of what the OMS asked of it: a waiter registered before the request that
 * causes the call resolves with the call (the carrier's label, the channel's status write-back).
 */
export class SimulatorWatcher {
  private readonly waiting = new Map<string, { match: (e: CallLogEntry) => boolean; resolve: (e: CallLogEntry) => void }[]>();
  readonly stop: () => void;

  constructor(log: CallLog) {
    this.stop = log.subscribe((entry) => {
      const list = this.waiting.get(entry.orderId);
      if (!list) return;
      const hit = list.findIndex((w) => w.match(entry));
      if (hit < 0) return;
      const [waiter] = list.splice(hit, 1);
      if (list.length === 0) this.waiting.delete(entry.orderId);
      waiter!.resolve(entry);
    });
  }

  next(orderId: string, what: string, match: (e: CallLogEntry) => boolean, until: number): Promise<CallLogEntry> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiting.get(orderId) ?? [];
        const at = list.indexOf(waiter);
        if (at >= 0) list.splice(at, 1);
        reject(new BenchError(`${orderId}: timed out waiting for ${what}`));
      }, Math.max(0, until - Date.now()));
      const waiter = {
        match,
        resolve: (e: CallLogEntry) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      this.waiting.set(orderId, [...(this.waiting.get(orderId) ?? []), waiter]);
    });
  }
}

export interface LifecycleTimes {
  id: string;
  method: PaymentMethod;
  units: number;
  totalMs: number;
  createMs: number;
  toPackedMs: number;
  toTrackingMs: number;
  toDeliveredMs: number;
}

/** One order from POST to `delivered` in the read model, exactly as a channel, a PSP, the warehouse and a carrier would drive it. */
export async function runLifecycle(
  http: Http,
  plan: OrderPlan,
  pollMs: number,
  watcher: SimulatorWatcher | null,
): Promise<LifecycleTimes> {
  const started = performance.now();
  const until = Date.now() + LIFECYCLE_TIMEOUT_MS;
  const created = await createOrder(http, plan);
  const id = created.id;
  const afterCreate = performance.now();
  if (plan.method === 'card') {
    if (created.status !== 'new') throw new BenchError(`${id}: created as ${created.status}, expected new`);
    await http.expect('POST /callbacks/payments', 'POST', '/callbacks/payments', [200], {
      signed: true,
      body: { eventId: `pay-${id}`, orderId: id, type: 'captured', amount: created.totals.total, currency: 'TRY' },
    });
  } else if (created.status !== 'confirmed') {
    throw new BenchError(`${id}: created as ${created.status}, expected confirmed`);
  }
  // The warehouse reports `packed` straight away: the workflow keeps a report that arrives before the picking
  // task's creation is confirmed (status `confirmed`), so no poll for `picking` is needed.
  const afterPaid = performance.now();
  // A split order's units are packed, labelled and carried one by one, each named by its unit id (`<id>/<n>`).
  const units = Array.from({ length: plan.units }, (_, k) => k + 1);
  const labels = watcher
    ? units.map((n) => {
        const wait = watcher.next(
          id,
          plan.units === 1 ? 'the carrier label' : `the carrier label of unit ${n}`,
          (e) =>
            e.op === 'carrier.createShipment' &&
            (e.outcome === 'done' || e.outcome === 'replayed') &&
            (plan.units === 1 || e.key.startsWith(`shipment:${id}:${n}:`)),
          until,
        );
        wait.catch(() => undefined); // awaited below; a failure before that must not go unhandled
        return wait;
      })
    : [];
  for (const n of units) {
    const fulfillment = plan.units === 1 ? {} : { fulfillmentId: `${id}/${n}` };
    await http.expect('POST /callbacks/warehouse', 'POST', '/callbacks/warehouse', [200], {
      signed: true,
      body: { eventId: plan.units === 1 ? `packed-${id}` : `packed-${id}-${n}`, orderId: id, type: 'packed', ...fulfillment },
    });
  }
  // The parcel leaves once the warehouse has the label from the OMS: the order shows its tracking number. With
  // `events`, the first look is when the carrier has issued the label, then every --poll-ms until the read model has
  // caught up.
  await Promise.all(labels);
  const labelled = await pollOrder(
    http,
    plan,
    id,
    plan.units === 1 ? 'tracking number' : 'every unit\'s tracking number',
    (o) =>
      plan.units === 1
        ? !!o.shipment?.trackingNumber
        : o.fulfillments?.length === plan.units && o.fulfillments.every((f) => !!f.trackingNumber),
    pollMs,
    until,
  );
  const parcels =
    plan.units === 1
      ? [labelled.shipment!]
      : labelled.fulfillments!.map((f) => ({ carrier: f.carrier!, trackingNumber: f.trackingNumber! }));
  const afterTracking = performance.now();
  // The channel learns of the delivery from the OMS's status write-back.
  const delivered = watcher?.next(
    id,
    'the delivered write-back',
    (e) => e.op === 'channel.writeBack' && e.outcome === 'done' && e.data.status === 'delivered',
    until,
  );
  for (const [p, { carrier, trackingNumber }] of parcels.entries()) {
    for (const status of ['picked_up', 'delivered'] as const) {
      await http.expect(`POST /callbacks/carriers`, 'POST', `/callbacks/carriers/${carrier}`, [200], {
        signed: true,
        body: { eventId: `${status}-${id}${plan.units === 1 ? '' : `-${p + 1}`}`, trackingNumber, status, at: new Date().toISOString() },
      });
    }
  }
  if (delivered) await delivered;
  await pollOrder(http, plan, id, 'delivered', (o) => o.status === 'delivered', pollMs, until);
  const done = performance.now();
  return {
    id,
    method: plan.method,
    units: plan.units,
    totalMs: done - started,
    createMs: afterCreate - started,
    toPackedMs: afterPaid - afterCreate,
    toTrackingMs: afterTracking - afterPaid,
    toDeliveredMs: done - afterTracking,
  };
}

// ---------------------------------------------------------------- profiling from workflow histories
