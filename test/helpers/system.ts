// The whole OMS for an integration test file: its own embedded Temporal dev server (random port, no UI, state in
// memory), a fresh database of either kind, the real worker with the simulators, and the real HTTP API on a random
// port. Tests talk to it the way channels, providers, carriers and operators do: fetch, bearer keys, signed callbacks.
import { inspect } from 'node:util';
import { DefaultLogger, Runtime, type LogEntry, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { SIGNATURE_HEADER, signCallback } from '../../api/signature';
import { callbackSender } from '../../api/routes/callbacks';
import type { RunningApi } from '../../api/server';
import type { InventoryView, OrderStore } from '../../contract/store';
import type { OrderStatus, OrderView } from '../../contract/types';
import { createStore } from '../../entities/store';
import type { Simulators } from '../../integrations';
import { type AppConfig, DEV_API_KEYS, DEV_OPERATOR_KEY, loadConfig } from '../../workers/config';
import {
  connectTemporal,
  startApi,
  startWorker,
  type RunningWorker,
  type TemporalHandle,
} from '../../workers/system';
import type { MarketplaceSimulators } from '../../workers/marketplaces';
import type { CarrierSimulators } from '../../workers/carriers';
import { createTestDb, type DbKind, type TestDb } from './db';
import { workflowBundle } from './workflow-env';
import { createProcessRegistry } from '../../workers/metrics';

/** The keys the system is configured with (the dev defaults). */
export const KEYS = {
  webstore: DEV_API_KEYS.webstore!,
  trendyol: DEV_API_KEYS.trendyol!,
  operator: DEV_OPERATOR_KEY,
} as const;

/** What an HTTP call answered; `body` is the parsed JSON (or null for an empty body). */
export interface HttpResult<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface TestSystem {
  kind: DbKind;
  /** Base URL of the API, e.g. http://127.0.0.1:41234. */
  baseUrl: string;
  config: AppConfig;
  keys: typeof KEYS;
  /** The worker's simulated integrations: `log` to assert effects, `faults` to inject failures. */
  simulators: Simulators;
  /** The marketplaces' HTTP simulators the worker started (Trendyol, Hepsiburada, n11). */
  marketplaces: MarketplaceSimulators;
  /** The carriers' HTTP/SOAP simulators the worker started (those in OMS_CARRIER_CONNECTORS). */
  carriers: CarrierSimulators;
  /** Starts the worker when the system was started without one (`{ worker: false }`); no-op when it runs. */
  startWorker(): Promise<void>;
  /** Stops the worker (orders' workflows then get no answer until startWorker); no-op when none runs. */
  stopWorker(): Promise<void>;
  /** The same store the API reads (read model, inventory, callback log). */
  store: OrderStore;
  db: TestDb;
  temporal: TemporalHandle;
  /** A JSON request with a bearer key (operator key unless given). */
  call<T = unknown>(
    method: string,
    path: string,
    options?: { key?: string | null; body?: unknown },
  ): Promise<HttpResult<T>>;
  /** A callback POST signed with the configured webhook secret (or as `options` say, to test refusals). */
  signed<T = unknown>(path: string, body: unknown, options?: SignOptions): Promise<HttpResult<T>>;
  /** Stops the API, the worker, the database and the dev server; safe to call twice. */
  shutdown(): Promise<void>;
}

export interface SignOptions {
  /** Unix seconds to sign with (default now). */
  t?: number;
  secret?: string;
  /** Send no signature header at all. */
  unsigned?: boolean;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Faults the tests inject on purpose fail activities loudly at WARN; everything else the worker says is kept. */
function workerLog(entry: LogEntry): void {
  const error = entry.meta?.error;
  if (error instanceof Error && /\(simulated\b/.test(error.message)) return;
  const meta = entry.meta ? ` ${inspect(entry.meta, { depth: 3 })}` : '';
  process.stderr.write(`[worker ${entry.level}] ${entry.message}${meta}\n`);
}

function installWorkerLogger(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN', workerLog) });
  } catch {
    // already installed for this test file
  }
}

/**
 * Starts a whole system on a fresh `kind` database. `env` overrides the configuration the way the environment
 * would (e.g. `{ OMS_PAYMENT_TIMEOUT_CARD: '2s' }`); the workflow bundle is built once per test file.
 */
export async function startSystem(
  kind: DbKind,
  env: Record<string, string> = {},
  options: { worker?: boolean } = {},
): Promise<TestSystem> {
  installWorkerLogger();
  bundle ??= workflowBundle();
  const db = await createTestDb(kind);
  const stops: (() => Promise<void>)[] = [() => db.cleanup()];
  const shutdown = async () => {
    // Newest first, every step attempted even when an earlier one fails.
    const errors: unknown[] = [];
    while (stops.length > 0) await stops.pop()!().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  };
  try {
    const config = loadConfig({
      DATABASE_URL: kind === 'sqlite' ? `sqlite:${db.url}` : db.url,
      TEMPORAL_UI_PORT: '0',
      PORT: '0',
      ...env,
    });
    const temporal = await connectTemporal(config, { embeddedPort: undefined, dataDir: null });
    // One registry for API and worker, as `npm start` has: GET /metrics shows the workflows' counters too.
    const registry = createProcessRegistry();
    stops.push(() => temporal.close());
    let worker: RunningWorker | undefined;
    let simulators: Simulators | undefined;
    let marketplaces: MarketplaceSimulators | undefined;
    let carriers: CarrierSimulators | undefined;
    const runWorker = async () => {
      if (worker) return;
      worker = await startWorker(config, temporal, db.orm, { workflowBundle: await bundle, registry });
      simulators = worker.simulators;
      marketplaces = worker.marketplaces;
      carriers = worker.carriers;
    };
    const stopWorker = async () => {
      const running = worker;
      worker = undefined;
      await running?.stop();
    };
    if (options.worker !== false) await runWorker();
    stops.push(stopWorker);
    const api: RunningApi = await startApi(config, temporal, db.orm, 0, { registry });
    stops.push(() => api.close());
    const baseUrl = api.url;

    const request = async <T>(path: string, init: RequestInit): Promise<HttpResult<T>> => {
      const res = await fetch(baseUrl + path, init);
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: (text === '' ? null : JSON.parse(text)) as T };
    };

    return {
      kind,
      baseUrl,
      config,
      keys: KEYS,
      get simulators(): Simulators {
        if (!simulators) throw new Error('no worker has been started, so there are no simulators yet');
        return simulators;
      },
      get marketplaces(): MarketplaceSimulators {
        if (!marketplaces) throw new Error('no worker has been started, so there are no marketplace simulators yet');
        return marketplaces;
      },
      get carriers(): CarrierSimulators {
        if (!carriers) throw new Error('no worker has been started, so there are no carrier simulators yet');
        return carriers;
      },
      startWorker: runWorker,
      stopWorker,
      store: createStore(db.orm),
      db,
      temporal,
      call: (method, path, options = {}) => {
        const key = options.key === undefined ? KEYS.operator : options.key;
        const headers: Record<string, string> = {};
        if (key !== null) headers.authorization = `Bearer ${key}`;
        if (options.body !== undefined) headers['content-type'] = 'application/json';
        return request(path, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
      },
      signed: (path, body, options = {}) => {
        const raw = JSON.stringify(body);
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (!options.unsigned) {
          // The sender's own secret when OMS_CALLBACK_SECRETS names one, else the shared one.
          const own = config.callbackSecrets[callbackSender(path.replace(/^\/callbacks/, ''))];
          headers[SIGNATURE_HEADER] = signCallback(options.secret ?? own ?? config.webhookSecret, raw, options.t);
        }
        return request(path, { method: 'POST', headers, body: raw });
      },
      shutdown,
    };
  } catch (err) {
    await shutdown().catch(() => undefined);
    throw err;
  }
}

/** Polls `fn` until it stops throwing (use expect inside); the read model follows the workflow within ms. */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
    }
  }
}

// ---- the parties' usual moves, so tests read as the story they tell ----

let sequence = 0;
/** A unique suffix for external order ids, SKUs and event ids within the file. */
export function unique(prefix: string): string {
  sequence += 1;
  return `${prefix}-${Date.now().toString(36)}-${sequence}`;
}

/** A valid POST /orders body. */
export function orderBody(
  externalOrderId: string,
  lines: { sku: string; quantity: number; unitPrice?: string }[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    externalOrderId,
    customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com', phone: '+905551112233' },
    shippingAddress: {
      line1: 'Bağdat Cd. 10',
      district: 'Kadıköy',
      city: 'İstanbul',
      postalCode: '34710',
      country: 'TR',
    },
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPrice: l.unitPrice ?? '149.90' })),
    currency: 'TRY',
    payment: { method: 'card' },
    ...extra,
  };
}

/** Operator puts a product in the catalog (at `price`) and `onHand` units in stock; returns the SKU. */
export async function seedSku(sys: TestSystem, onHand: number, sku = unique('SKU'), price = '149.90'): Promise<string> {
  const product = await sys.call('PUT', `/products/${sku}`, { body: { name: `Product ${sku}`, price } });
  expect(product.status).toBe(200);
  const stock = await sys.call('PUT', `/inventory/${sku}`, { body: { onHand } });
  expect(stock.status).toBe(200);
  return sku;
}

/** GET /inventory/{sku} with the operator key. */
export async function inventory(sys: TestSystem, sku: string): Promise<InventoryView> {
  const res = await sys.call<InventoryView>('GET', `/inventory/${sku}`);
  expect(res.status).toBe(200);
  return res.body;
}

/** GET /orders/{id} with `key` (operator by default). */
export async function getOrder(sys: TestSystem, id: string, key?: string): Promise<OrderView> {
  const res = await sys.call<OrderView>('GET', `/orders/${id}`, { key });
  expect(res.status).toBe(200);
  return res.body;
}

/** Waits until the read model shows the order in `status` (and `check` passes); returns it. */
export function waitForStatus(
  sys: TestSystem,
  id: string,
  status: OrderStatus,
  check: (order: OrderView) => void = () => undefined,
): Promise<OrderView> {
  return eventually(async () => {
    const order = await getOrder(sys, id);
    expect(order.status).toBe(status);
    check(order);
    return order;
  });
}

/** Creates a webstore card order over HTTP and checks it was accepted (`new`); returns it. */
export async function placeOrder(
  sys: TestSystem,
  lines: { sku: string; quantity: number; unitPrice?: string }[],
  extra: Record<string, unknown> = {},
): Promise<OrderView> {
  const body = orderBody(unique('WS'), lines, extra);
  const res = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body });
  expect(res.status).toBe(201);
  return res.body;
}

/** The payment provider reports the order's card payment authorized. */
export async function authorize(sys: TestSystem, order: OrderView, eventId = unique('pay')): Promise<void> {
  const res = await sys.signed('/callbacks/payments', {
    eventId,
    orderId: order.id,
    type: 'authorized',
    amount: order.totals.total,
    currency: order.totals.currency,
  });
  expect(res.status).toBe(200);
}

/** The warehouse reports the order packed. */
export async function packed(sys: TestSystem, orderId: string, eventId = unique('wh')): Promise<void> {
  const res = await sys.signed('/callbacks/warehouse', { eventId, orderId, type: 'packed' });
  expect(res.status).toBe(200);
}

/** The carrier reports a tracking event for the order's shipment. */
export async function carrierEvent(
  sys: TestSystem,
  order: OrderView,
  status: 'picked_up' | 'in_transit' | 'delivered' | 'delivery_failed' | 'returned_to_sender',
  eventId = unique('cr'),
): Promise<void> {
  const shipment = order.shipment;
  if (!shipment) throw new Error(`order ${order.id} has no shipment yet`);
  const res = await sys.signed(`/callbacks/carriers/${shipment.carrier}`, {
    eventId,
    trackingNumber: shipment.trackingNumber,
    status,
    at: new Date().toISOString(),
  });
  expect(res.status).toBe(200);
}

/** Drives a fresh card order through payment, packing and the carrier to `delivered`; returns it delivered. */
export async function deliveredOrder(
  sys: TestSystem,
  lines: { sku: string; quantity: number; unitPrice?: string }[],
): Promise<OrderView> {
  const created = await placeOrder(sys, lines);
  await authorize(sys, created);
  await waitForStatus(sys, created.id, 'picking');
  await packed(sys, created.id);
  const labelled = await eventually(async () => {
    const order = await getOrder(sys, created.id);
    expect(order.shipment?.trackingNumber).toBeDefined();
    return order;
  });
  await carrierEvent(sys, labelled, 'picked_up');
  await waitForStatus(sys, created.id, 'shipped');
  await carrierEvent(sys, labelled, 'delivered');
  return waitForStatus(sys, created.id, 'delivered');
}

/** One system per describe block: started before its tests, shut down after; `use` receives it. */
export function withSystem(kind: DbKind, use: (sys: TestSystem) => void, env: Record<string, string> = {}): void {
  let sys: TestSystem | undefined;
  beforeAll(async () => {
    sys = await startSystem(kind, env);
    use(sys);
  });
  afterAll(async () => {
    await sys?.shutdown();
  });
}

/** A card order in picking whose label the carrier refuses for good: it waits for an operator at create_shipment. */
export async function orderStuckAtLabel(sys: TestSystem, onHand = 1): Promise<OrderView> {
  const sku = await seedSku(sys, onHand);
  const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
  await authorize(sys, order);
  await waitForStatus(sys, order.id, 'picking');
  sys.simulators.faults.set('carrier.createShipment', 'always', 'permanent');
  await packed(sys, order.id);
  await eventually(async () => expect((await getOrder(sys, order.id)).attention?.step).toBe('create_shipment'));
  return order;
}
