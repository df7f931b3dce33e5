// The HTTP contract of API.md over real HTTP, on the real app and a real SQLite store. Temporal is
// replaced by a gateway whose methods throw unless a test gives them an answer: every test that
// must not reach a workflow (auth, validation, isolation) proves so by not failing with a 500.
import { randomUUID } from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020.js';
import { type AddressInfo, createServer } from 'node:net';
import { Client, Connection, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createReadModelActivities } from '../../activities/read-model';
import { ApiError, type Logger } from '../../api/errors';
import { type OrderGateway, createTemporalGateway } from '../../api/gateway';
import { startApiServer, type RunningApi } from '../../api/server';
import { signCallback } from '../../api/signature';
import type { OrderStore } from '../../contract/store';
import type { OrderInput, OrderView } from '../../contract/types';
import { FailureType } from '../../contract/workflow';
import { CallbackLog } from '../../entities/read-model';
import { createStore } from '../../entities/store';
import { type AppConfig, DEV_API_KEYS, DEV_OPERATOR_KEY, DEV_WEBHOOK_SECRET, loadConfig } from '../../workers/config';
import { createTestDb, type TestDb } from '../helpers/db';

const WEBSTORE = DEV_API_KEYS.webstore!;
const TRENDYOL = DEV_API_KEYS.trendyol!;
const OPERATOR = DEV_OPERATOR_KEY;

type GatewayMethod = keyof OrderGateway;

interface OpenApiDocument {
  paths: Record<
    string,
    Record<
      string,
      {
        requestBody?: unknown;
        responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
      }
    >
  >;
  components: { schemas: Record<string, { additionalProperties?: unknown }> };
}

/** Calls made to the gateway, and per-test answers; without an answer a method throws. */
const gatewayCalls: { method: GatewayMethod; args: unknown[] }[] = [];
let gatewayAnswers: Partial<OrderGateway> = {};

function throwingGateway(): OrderGateway {
  const method =
    (name: GatewayMethod) =>
    (...args: unknown[]): Promise<never> => {
      gatewayCalls.push({ method: name, args });
      const answer = gatewayAnswers[name] as ((...a: unknown[]) => Promise<never>) | undefined;
      if (answer) return answer(...args);
      return Promise.reject(new Error(`gateway.${name} must not be called here`));
    };
  const names: GatewayMethod[] = [
    'createOrder',
    'getLiveOrder',
    'cancel',
    'cancelLines',
    'requestReturn',
    'retry',
    'skip',
    'decideRefund',
    'signalPayment',
    'signalCarrier',
    'signalWarehouse',
    'rejectFulfillment',
    'ping',
    'pingWorkers',
    'writeBackQueue',
  ];
  return Object.fromEntries(names.map((n) => [n, method(n)])) as unknown as OrderGateway;
}

const logged: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
const logger: Logger = {
  error: (message, meta) => logged.push({ level: 'error', message, meta }),
  warn: (message, meta) => logged.push({ level: 'warn', message, meta }),
  info: (message, meta) => logged.push({ level: 'info', message, meta }),
};

function orderView(id: string, overrides: Partial<OrderView> = {}): OrderView {
  const [channel = '', externalOrderId = ''] = id.split(':');
  const at = new Date().toISOString();
  return {
    id,
    channel,
    externalOrderId,
    status: 'confirmed',
    paymentStatus: 'captured',
    paymentMethod: 'card',
    needsAttention: false,
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPrice: '149.90', lineTotal: '299.80', returnedQuantity: 0, refundedQuantity: 0 },
    ],
    totals: { currency: 'TRY', subtotal: '299.80', total: '299.80', refunded: '0.00' },
    customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com' },
    shippingAddress: { line1: 'Bağdat Cd. 10', city: 'İstanbul', country: 'TR' },
    shipments: [],
    returns: [],
    timeline: [{ at, type: 'status', status: 'confirmed' }],
    version: 1,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

const validOrder = {
  externalOrderId: 'TY-10001',
  customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com', phone: '+905551112233' },
  shippingAddress: {
    line1: 'Bağdat Cd. 10',
    district: 'Kadıköy',
    city: 'İstanbul',
    postalCode: '34710',
    country: 'TR',
  },
  lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '149.90' }],
  currency: 'TRY',
  payment: { method: 'card' },
};

let db: TestDb;
let store: OrderStore;
let storePingFails = false;
let api: RunningApi;
let config: AppConfig;

interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
}

async function call(
  method: string,
  path: string,
  options: { key?: string; json?: unknown; raw?: string; headers?: Record<string, string>; base?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  } else if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${options.base ?? api.url}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: the assertion on the body will show the text
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Sends a callback signed like a real sender (or with the given header). */
function callback(path: string, payload: unknown, signature?: string | null): Promise<Answer> {
  const raw = JSON.stringify(payload);
  const headers: Record<string, string> = {};
  const header = signature === undefined ? signCallback(DEV_WEBHOOK_SECRET, raw) : signature;
  if (header !== null) headers['x-oms-signature'] = header;
  return call('POST', path, { raw, headers });
}

/** Runs `use` against a second API on the same store, in front of `orders` instead of the throwing gateway. */
async function withApi(orders: OrderGateway, use: (base: string) => Promise<void>): Promise<void> {
  const other = await startApiServer({ config, store, orders, logger }, { port: 0, host: '127.0.0.1' });
  try {
    await use(other.url);
  } finally {
    await other.close();
  }
}

/** A local port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function storedCallback(source: string, eventId: string) {
  return db.orm.em.fork().findOne(CallbackLog, { source, eventId });
}

beforeAll(async () => {
  db = await createTestDb('sqlite');
  const real = createStore(db.orm);
  store = { ...real, ping: () => (storePingFails ? Promise.reject(new Error('database is gone')) : real.ping()) };
  config = { ...loadConfig({}), bodyLimit: '4kb' };
  api = await startApiServer({ config, store, orders: throwingGateway(), logger }, { port: 0, host: '127.0.0.1' });

  // Seeded the way the workflow does it: through the read-model activity.
  const readModel = createReadModelActivities(db.orm);
  await readModel.recordOrder(orderView('trendyol:TY-1'));
  await readModel.recordOrder(
    orderView('webstore:WS-1', {
      status: 'picking',
      shipment: {
        shipmentId: 'shp-1',
        carrier: 'yurtici',
        trackingNumber: 'YT-TRACK-1',
        labelRef: 'label-1',
        lines: [{ sku: 'SKU-1', quantity: 2 }],
        events: [],
      },
    }),
  );
});

afterAll(async () => {
  await api?.close();
  await db?.cleanup();
});

beforeEach(() => {
  gatewayCalls.length = 0;
  gatewayAnswers = {};
  logged.length = 0;
  storePingFails = false;
});

describe('authentication and authorization', () => {
  it('answers 401 without a key or with an unknown one, before looking at the input', async () => {
    const none = await call('POST', '/orders', { json: { nonsense: true } });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthorized');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');

    const unknown = await call('GET', '/orders/webstore:WS-1', { key: 'not-a-real-key' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: { code: 'unauthorized', message: 'Unknown API key' } });

    expect((await call('GET', '/inventory/SKU-1', { headers: { authorization: `Basic ${WEBSTORE}` } })).status).toBe(
      401,
    );
  });

  it("refuses Hepsiburada's webhook routes with 503 while HEPSIBURADA_WEBHOOK_USERNAME/_PASSWORD are not set, whatever the credentials", async () => {
    expect(config.marketplaces.hepsiburada.webhook).toBeNull();
    const auth = { authorization: `Basic ${Buffer.from('hepsiburada:anything-at-all-0000').toString('base64')}` };
    for (const [method, path] of [['POST', '/webhooks/hepsiburada/orders'], ['PUT', '/webhooks/hepsiburada/packages/P-1/intransit']] as const) {
      const res = await call(method, path, { json: { items: [] }, headers: auth });
      expect(res.status).toBe(503);
      expect(res.body.error).toEqual({
        code: 'unavailable',
        message: 'Hepsiburada webhook is not configured: set HEPSIBURADA_WEBHOOK_USERNAME and HEPSIBURADA_WEBHOOK_PASSWORD',
      });
    }
  });

  it('answers 403 when a channel key tries an operator action', async () => {
    const attempts = [
      call('PUT', '/inventory/SKU-1', { key: WEBSTORE, json: { onHand: 5 } }),
      call('POST', '/inventory/SKU-1/adjustments', { key: WEBSTORE, json: { delta: 1, reason: 'recount' } }),
      call('PUT', '/products/SKU-1', { key: WEBSTORE, json: { name: 'Mug', price: '10.00', active: true } }),
      call('PUT', '/locations/store-kadikoy', {
        key: WEBSTORE,
        json: { name: 'Kadıköy', kind: 'store', priority: 1, city: 'İstanbul', active: true },
      }),
      call('POST', '/orders/webstore:WS-1/retry', { key: WEBSTORE, json: {} }),
      call('POST', '/orders/webstore:WS-1/skip', { key: WEBSTORE, json: { reason: 'carrier down' } }),
      call('POST', '/orders/webstore:WS-1/refund-decision', {
        key: WEBSTORE,
        json: { refundDamaged: true, reason: 'goodwill' },
      }),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('forbidden');
    }
    expect(gatewayCalls).toEqual([]);
  });

  it('lets a channel key create orders for its own channel only', async () => {
    const answer = await call('POST', '/orders', { key: WEBSTORE, json: { ...validOrder, channel: 'trendyol' } });
    expect(answer.status).toBe(403);
    expect(gatewayCalls).toEqual([]);
  });
});

describe('channel isolation', () => {
  it("answers another channel's order exactly like a missing one", async () => {
    gatewayAnswers.getLiveOrder = async () => null;
    const foreign = await call('GET', '/orders/trendyol:TY-1', { key: WEBSTORE });
    const missing = await call('GET', '/orders/webstore:NOPE-1', { key: WEBSTORE });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
    // The foreign order was never looked up live: only the missing own-channel one was.
    expect(gatewayCalls).toEqual([{ method: 'getLiveOrder', args: ['webstore:NOPE-1'] }]);
  });

  it('shows the order to its own channel and to operators', async () => {
    const own = await call('GET', '/orders/trendyol:TY-1', { key: TRENDYOL });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ id: 'trendyol:TY-1', channel: 'trendyol', status: 'confirmed' });
    expect((await call('GET', '/orders/trendyol:TY-1', { key: OPERATOR })).body.id).toBe('trendyol:TY-1');
  });

  it("refuses commands on another channel's order as not found, without touching its workflow", async () => {
    const answer = await call('POST', '/orders/trendyol:TY-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer_request' },
    });
    expect(answer.status).toBe(404);
    const ret = await call('POST', '/orders/trendyol:TY-1/returns', {
      key: WEBSTORE,
      json: { lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'changed_mind' },
    });
    expect(ret.status).toBe(404);
    expect(gatewayCalls).toEqual([]);
  });

  it("lists a channel's own orders only, whatever channel it asks for", async () => {
    const own = await call('GET', '/orders', { key: WEBSTORE });
    expect(own.status).toBe(200);
    expect(own.body.items.map((o: OrderView) => o.id)).toEqual(['webstore:WS-1']);
    const asked = await call('GET', '/orders?channel=trendyol', { key: WEBSTORE });
    expect(asked.body).toEqual({ items: [], nextCursor: null });
    const all = await call('GET', '/orders', { key: OPERATOR });
    expect(all.body.items.map((o: OrderView) => o.id).sort()).toEqual(['trendyol:TY-1', 'webstore:WS-1']);
    const filtered = await call('GET', '/orders?channel=trendyol&needsAttention=false&limit=1', { key: OPERATOR });
    expect(filtered.body.items.map((o: OrderView) => o.id)).toEqual(['trendyol:TY-1']);
  });

  it('pages with an opaque cursor and refuses a forged one by field', async () => {
    const first = await call('GET', '/orders?limit=1', { key: OPERATOR });
    expect(first.body.items).toHaveLength(1);
    expect(typeof first.body.nextCursor).toBe('string');
    const second = await call('GET', `/orders?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, {
      key: OPERATOR,
    });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].id).not.toBe(first.body.items[0].id);
    expect(second.body.nextCursor).toBeNull();

    const forged = await call('GET', '/orders?cursor=forged', { key: OPERATOR });
    expect(forged.status).toBe(400);
    expect(forged.body.error.details).toEqual([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
  });
});

describe('creating orders', () => {
  it('starts the workflow with the channel from the key and server defaults, answering 201 with Location', async () => {
    gatewayAnswers.createOrder = async (input: OrderInput) => ({ created: true, order: orderView(input.orderId) });
    const answer = await call('POST', '/orders', { key: TRENDYOL, json: validOrder });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe('/orders/trendyol:TY-10001');
    expect(answer.body.id).toBe('trendyol:TY-10001');

    const input = gatewayCalls[0]?.args[0] as OrderInput;
    expect(input).toMatchObject({
      orderId: 'trendyol:TY-10001',
      channel: 'trendyol',
      externalOrderId: 'TY-10001',
      lines: validOrder.lines,
      carrier: config.defaultCarrier,
      timers: config.timers,
      payment: { method: 'card' },
    });
    expect(input.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(input.receivedAt))).toBe(false);
  });

  it('answers 200 with the existing order when the workflow says it was not created now', async () => {
    gatewayAnswers.createOrder = async (input: OrderInput) => ({ created: false, order: orderView(input.orderId) });
    const answer = await call('POST', '/orders', { key: TRENDYOL, json: { ...validOrder, carrier: 'aras' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('location')).toBeNull();
    expect((gatewayCalls[0]?.args[0] as OrderInput).carrier).toBe('aras');
  });

  it('needs a configured channel in the body with an operator key', async () => {
    const missing = await call('POST', '/orders', { key: OPERATOR, json: validOrder });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: 'channel', message: 'is required with an operator key' }]);
    const unknown = await call('POST', '/orders', { key: OPERATOR, json: { ...validOrder, channel: 'nowhere' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('channel');
    expect(gatewayCalls).toEqual([]);
  });
});

describe('bad input', () => {
  it('answers 400 naming every bad field at once, and never starts a workflow', async () => {
    const answer = await call('POST', '/orders', {
      key: WEBSTORE,
      json: {
        ...validOrder,
        externalOrderId: 'has spaces/slash',
        customer: { name: 'Ayşe', email: 'not-an-email' },
        lines: [
          { sku: 'SKU-1', quantity: 0, unitPrice: '149.999' },
          { sku: 'SKU-1', quantity: 1, unitPrice: '10.00' },
        ],
        currency: 'try',
        payment: { method: 'cheque' },
        carrier: 'ups',
      },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('validation_failed');
    const paths = answer.body.error.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(
      [
        'carrier',
        'currency',
        'customer.email',
        'externalOrderId',
        'lines.0.quantity',
        'lines.0.unitPrice',
        'lines.1.sku',
        'payment.method',
      ].sort(),
    );
    const duplicate = answer.body.error.details.find((d: { path: string }) => d.path === 'lines.1.sku');
    expect(duplicate.message).toMatch(/duplicate SKU "SKU-1"/);
    for (const detail of answer.body.error.details) expect(typeof detail.message).toBe('string');
    expect(gatewayCalls).toEqual([]);
  });

  it('names each missing field of an empty body', async () => {
    const answer = await call('POST', '/orders', { key: WEBSTORE });
    expect(answer.status).toBe(400);
    const paths = answer.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining(['externalOrderId', 'customer', 'shippingAddress', 'lines', 'currency']),
    );
  });

  it('validates query parameters too', async () => {
    const answer = await call('GET', '/orders?limit=500&status=lost&needsAttention=maybe', { key: OPERATOR });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['limit', 'needsAttention', 'status'].sort(),
    );
  });

  it('answers 400 invalid_json for malformed JSON', async () => {
    const answer = await call('POST', '/orders', { key: WEBSTORE, raw: '{"externalOrderId": "A-1",' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_json');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const answer = await call('POST', '/orders', {
      key: WEBSTORE,
      raw: JSON.stringify(validOrder),
      headers: { 'content-type': 'text/plain' },
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('unsupported_media_type');
  });

  it('answers 413 for a body over the limit', async () => {
    const lines = Array.from({ length: 90 }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPrice: '1.00' }));
    const answer = await call('POST', '/orders', { key: WEBSTORE, json: { ...validOrder, lines } });
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('payload_too_large');
  });

  it('answers 404 in the error shape for an unknown route', async () => {
    const answer = await call('GET', '/nothing/here', { key: OPERATOR });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'not_found', message: 'No route for GET /nothing/here' } });
  });
});

describe('order commands', () => {
  it('maps a refusal by the workflow to 409 with its message', async () => {
    // The real gateway over a client whose update fails exactly as @temporalio/client reports a validator's refusal.
    const refusal = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({
        type: FailureType.StateConflict,
        message: 'Order webstore:WS-1 has shipped; request a return instead',
        nonRetryable: true,
      }),
    );
    const updates: unknown[] = [];
    const client = {
      options: { namespace: 'default' },
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      workflow: {
        getHandle: (workflowId: string) => ({
          executeUpdate: async (_update: unknown, options: { args: unknown[] }) => {
            updates.push({ workflowId, args: options.args });
            throw refusal;
          },
        }),
      },
    } as unknown as Client;
    await withApi(createTemporalGateway(client), async (base) => {
      const answer = await call('POST', '/orders/webstore:WS-1/cancel', {
        key: WEBSTORE,
        json: { reason: 'customer_request' },
        base,
      });
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({
        error: { code: 'conflict', message: 'Order webstore:WS-1 has shipped; request a return instead' },
      });
    });
    expect(updates).toEqual([
      { workflowId: 'order:webstore:WS-1', args: [{ reason: 'customer_request', actor: 'channel:webstore' }] },
    ]);
  });

  it('answers 202 for a return and records the operator as actor of operator actions', async () => {
    gatewayAnswers.requestReturn = async (id: string) => orderView(id, { status: 'return_pending' });
    const ret = await call('POST', '/orders/webstore:WS-1/returns', {
      key: WEBSTORE,
      json: { lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'changed_mind' },
    });
    expect(ret.status).toBe(202);
    expect(ret.body.status).toBe('return_pending');

    gatewayAnswers.decideRefund = async (id: string) => orderView(id);
    const decision = await call('POST', '/orders/webstore:WS-1/refund-decision', {
      key: OPERATOR,
      json: { refundDamaged: false, reason: 'damage caused by customer' },
    });
    expect(decision.status).toBe(200);
    expect(gatewayCalls[1]?.args).toEqual([
      'webstore:WS-1',
      { actor: 'operator:operator', refundDamaged: false, reason: 'damage caused by customer' },
    ]);
  });

  it('answers 503 when Temporal is unreachable and 500 without internals for the unexpected', async () => {
    // A real client of a Temporal address where nothing listens: the real gateway's deadline and translation.
    const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}` });
    try {
      const gateway = createTemporalGateway(new Client({ connection }), { answerTimeoutMs: 1500 });
      await withApi(gateway, async (base) => {
        const down = await call('POST', '/orders/webstore:WS-1/skip', {
          key: OPERATOR,
          json: { reason: 'carrier down' },
          base,
        });
        expect(down.status).toBe(503);
        expect(down.body).toEqual({
          error: { code: 'unavailable', message: 'Temporal is unreachable; try again shortly' },
        });
        expect(Number(down.headers.get('retry-after'))).toBeGreaterThan(0);
      });
    } finally {
      await connection.close();
    }

    gatewayAnswers.retry = async () => {
      throw new Error('secret internal detail: connection string postgres://user:pw@host');
    };
    const boom = await call('POST', '/orders/webstore:WS-1/retry', { key: OPERATOR });
    expect(boom.status).toBe(500);
    expect(boom.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
    expect(logged.some((l) => l.level === 'error' && JSON.stringify(l.meta).includes('secret internal detail'))).toBe(
      true,
    );
  });
});

describe('callbacks', () => {
  const payment = () => ({
    eventId: `pay-${randomUUID()}`,
    orderId: 'webstore:UNKNOWN-9',
    type: 'captured',
    amount: '299.80',
  });

  it('answers 401 to a missing, stale or wrong signature', async () => {
    const body = payment();
    const raw = JSON.stringify(body);
    const stale = signCallback(DEV_WEBHOOK_SECRET, raw, Math.floor(Date.now() / 1000) - 301);
    const wrong = signCallback('some-other-secret-value', raw);
    for (const signature of [null, stale, wrong, 't=1,v1=zz']) {
      const answer = await callback('/callbacks/payments', body, signature);
      expect(answer.status).toBe(401);
      expect(answer.body.error.code).toBe('invalid_signature');
    }
    // A body changed after signing fails too.
    const tampered = await call('POST', '/callbacks/payments', {
      raw: raw.replace('299.80', '1.00'),
      headers: { 'x-oms-signature': signCallback(DEV_WEBHOOK_SECRET, raw) },
    });
    expect(tampered.status).toBe(401);
    expect(gatewayCalls).toEqual([]);
    expect(await storedCallback('payments', body.eventId)).toBeNull();
  });

  it('stores a payment for an unknown order as unmatched and acknowledges it', async () => {
    gatewayAnswers.signalPayment = async () => 'not_found';
    const body = payment();
    const answer = await callback('/callbacks/payments', body);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: true });
    const row = await storedCallback('payments', body.eventId);
    expect(row).toMatchObject({ matched: false, orderId: 'webstore:UNKNOWN-9' });
    expect(row?.payload).toEqual(body);
  });

  it('stores a carrier event with an unknown tracking number without touching any workflow', async () => {
    const body = {
      eventId: `car-${randomUUID()}`,
      trackingNumber: 'NO-SUCH-TRACK',
      status: 'delivered',
      at: new Date().toISOString(),
    };
    const answer = await callback('/callbacks/carriers/aras', body);
    expect(answer.status).toBe(200);
    expect(await storedCallback('carrier:aras', body.eventId)).toMatchObject({ matched: false, orderId: null });
    expect(gatewayCalls).toEqual([]);
  });

  it('routes a carrier event by tracking number and does not signal a repeat that already reached the order', async () => {
    gatewayAnswers.signalCarrier = async () => 'delivered';
    const body = {
      eventId: `car-${randomUUID()}`,
      trackingNumber: 'YT-TRACK-1',
      status: 'picked_up',
      at: '2025-01-31T10:00:00Z',
    };
    expect((await callback('/callbacks/carriers/yurtici', body)).status).toBe(200);
    expect((await callback('/callbacks/carriers/yurtici', body)).status).toBe(200);
    const event = {
      eventId: body.eventId,
      carrier: 'yurtici',
      trackingNumber: 'YT-TRACK-1',
      status: 'picked_up',
      at: body.at,
    };
    expect(gatewayCalls).toEqual([{ method: 'signalCarrier', args: ['webstore:WS-1', event] }]);
    expect(await storedCallback('carrier:yurtici', body.eventId)).toMatchObject({ matched: true, orderId: 'webstore:WS-1' });
  });

  it('answers 5xx and stores nothing when the event cannot be handed over, so the sender retries', async () => {
    gatewayAnswers.signalWarehouse = async () => {
      throw new ApiError('unavailable', 'Temporal is unreachable; try again shortly');
    };
    const body = { eventId: `wh-${randomUUID()}`, orderId: 'webstore:WS-1', type: 'packed' };
    expect((await callback('/callbacks/warehouse', body)).status).toBe(503);
    expect(await storedCallback('warehouse', body.eventId)).toBeNull();
  });

  it('validates a signed body by field, including the carrier in the path', async () => {
    const answer = await callback('/callbacks/carriers/ups', { eventId: '', trackingNumber: 'X', status: 'lost' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['at', 'carrier', 'eventId', 'status'].sort(),
    );
    const returned = await callback('/callbacks/warehouse', {
      eventId: 'wh-1',
      orderId: 'webstore:WS-1',
      type: 'return_received',
    });
    expect(returned.body.error.details).toEqual([{ path: 'lines', message: 'is required for return_received' }]);
    const notJson = await call('POST', '/callbacks/payments', {
      raw: '{oops',
      headers: { 'x-oms-signature': signCallback(DEV_WEBHOOK_SECRET, '{oops') },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('invalid_json');
    expect(gatewayCalls).toEqual([]);
  });
});

describe('inventory and catalog', () => {
  it('sets, adjusts and reads stock', async () => {
    const set = await call('PUT', '/inventory/SKU-INV-1', { key: OPERATOR, json: { onHand: 25 } });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ sku: 'SKU-INV-1', onHand: 25, reserved: 0, available: 25 });

    const adjusted = await call('POST', '/inventory/SKU-INV-1/adjustments', {
      key: OPERATOR,
      json: { delta: -3, reason: 'damaged' },
    });
    expect(adjusted.status).toBe(200);
    expect(adjusted.body).toMatchObject({ onHand: 22, available: 22 });

    const read = await call('GET', '/inventory/SKU-INV-1', { key: WEBSTORE });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ sku: 'SKU-INV-1', onHand: 22, reserved: 0, available: 22 });
    expect(read.body.locations).toEqual([{ location: 'main', onHand: 22, reserved: 0, available: 22 }]);
  });

  it('refuses to take stock below zero (409) and answers 404 for an unknown SKU', async () => {
    await call('PUT', '/inventory/SKU-INV-2', { key: OPERATOR, json: { onHand: 2 } });
    const below = await call('POST', '/inventory/SKU-INV-2/adjustments', {
      key: OPERATOR,
      json: { delta: -5, reason: 'x' },
    });
    expect(below.status).toBe(409);
    expect(below.body.error.code).toBe('conflict');
    expect((await call('GET', '/inventory/SKU-INV-2', { key: OPERATOR })).body.onHand).toBe(2);
    expect((await call('GET', '/inventory/NEVER-SEEN', { key: OPERATOR })).status).toBe(404);
  });

  it('validates stock writes by field', async () => {
    const answer = await call('PUT', '/inventory/bad sku', { key: OPERATOR, json: { onHand: -1, location: 'a/b' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'location',
      'onHand',
      'sku',
    ]);
    const zero = await call('POST', '/inventory/SKU-INV-1/adjustments', {
      key: OPERATOR,
      json: { delta: 0, reason: 'x' },
    });
    expect(zero.body.error.details).toEqual([{ path: 'delta', message: 'must not be 0' }]);
  });

  it('creates and replaces a catalog entry', async () => {
    const put = await call('PUT', '/products/SKU-CAT-1', { key: OPERATOR, json: { name: 'Mug', price: '149.90' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ sku: 'SKU-CAT-1', name: 'Mug', price: '149.90', active: true });
    await call('PUT', '/products/SKU-CAT-1', {
      key: OPERATOR,
      json: { name: 'Mug XL', price: '199.00', active: false },
    });
    const read = await call('GET', '/products/SKU-CAT-1', { key: TRENDYOL });
    expect(read.body).toEqual({ sku: 'SKU-CAT-1', name: 'Mug XL', price: '199.00', active: false });
    const bad = await call('PUT', '/products/SKU-CAT-1', { key: OPERATOR, json: { name: '', price: '0.00' } });
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['name', 'price']);
  });
});

describe('service endpoints', () => {
  it('documents every contract path and method in GET /openapi.json', async () => {
    const answer = await call('GET', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    const operations = Object.entries(answer.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        'GET /health',
        'GET /openapi.json',
        'POST /orders',
        'GET /orders',
        'GET /orders/{id}',
        'GET /orders/attention',
        'GET /orders/{id}/channel-packages',
        'POST /orders/{id}/cancel',
        'POST /orders/{id}/returns',
        'POST /orders/{id}/retry',
        'POST /orders/{id}/skip',
        'POST /orders/{id}/refund-decision',
        'GET /inventory/{sku}',
        'GET /inventory/{sku}/movements',
        'GET /inventory/{sku}/reservations',
        'PUT /inventory/{sku}',
        'POST /inventory/{sku}/adjustments',
        'POST /inventory/{sku}/repair',
        'GET /products/{sku}',
        'PUT /products/{sku}',
        'GET /locations',
        'PUT /locations/{id}',
        'GET /integrations',
        'POST /integrations/stock-feeds/{account}/resync',
        'POST /webhooks/trendyol',
        'POST /webhooks/hepsiburada/orders',
        'POST /webhooks/hepsiburada/packages',
        'PUT /webhooks/hepsiburada/lineitems/{lineitemid}/cancel',
        'PUT /webhooks/hepsiburada/packages/{packagenumber}/unpack',
        'PUT /webhooks/hepsiburada/packages/{packagenumber}/intransit',
        'PUT /webhooks/hepsiburada/packages/{packagenumber}/deliver',
        'PUT /webhooks/hepsiburada/packages/{packagenumber}/undeliver',
        'PUT /webhooks/hepsiburada/orders/{ordernumber}/shippingaddress',
        'POST /callbacks/payments',
        'POST /callbacks/carriers/{carrier}',
        'POST /callbacks/warehouse',
      ].sort(),
    );
    const create = answer.body.paths['/orders'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/CreateOrderRequest',
    });
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '401', '413']));
    const schema = answer.body.components.schemas.CreateOrderRequest;
    expect(schema.required).toEqual(
      expect.arrayContaining(['externalOrderId', 'customer', 'shippingAddress', 'lines', 'currency', 'payment']),
    );
    expect(schema.properties.payment.properties.method.enum).toEqual([
      'card',
      'bank_transfer',
      'cash_on_delivery',
      'marketplace',
    ]);
    const list = answer.body.paths['/orders'].get.parameters.map((p: { name: string }) => p.name).sort();
    expect(list).toEqual(['channel', 'cursor', 'email', 'externalOrderId', 'limit', 'location', 'needsAttention', 'sort', 'status', 'step', 'trackingNumber']);
  });

  it('reports health, naming the failing part', async () => {
    gatewayAnswers.ping = async () => undefined;
    gatewayAnswers.pingWorkers = async () => undefined;
    const ok = await call('GET', '/health');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'ok' });

    gatewayAnswers.ping = async () => {
      throw new ApiError('unavailable', 'Temporal is unreachable');
    };
    const temporalDown = await call('GET', '/health');
    expect(temporalDown.status).toBe(503);
    expect(temporalDown.body.checks).toEqual({ api: 'ok', database: 'ok', temporal: 'down', worker: 'ok' });
    expect(temporalDown.body.error).toMatchObject({ code: 'unavailable', details: { failing: ['temporal'] } });

    gatewayAnswers.ping = async () => undefined;
    gatewayAnswers.pingWorkers = async () => {
      throw new Error('no worker has polled task queue oms-orders in the last 90 s');
    };
    const workerDown = await call('GET', '/health');
    expect(workerDown.status).toBe(503);
    expect(workerDown.body.checks).toEqual({ api: 'ok', database: 'ok', temporal: 'ok', worker: 'down' });
    expect(workerDown.body.error).toMatchObject({ message: 'Unreachable: worker', details: { failing: ['worker'] } });

    gatewayAnswers.pingWorkers = async () => undefined;
    storePingFails = true;
    const dbDown = await call('GET', '/health');
    expect(dbDown.status).toBe(503);
    expect(dbDown.body.error.details).toEqual({ failing: ['database'] });
  });

  it('answers 429 once a key exceeds the rate limit, counting each key separately', async () => {
    const limited = await startApiServer(
      { config: { ...config, rateLimit: { perMinute: 3 } }, store, orders: throwingGateway(), logger },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await call('GET', '/inventory/SKU-INV-1', { key: WEBSTORE, base: limited.url })).status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const last = await call('GET', '/inventory/SKU-INV-1', { key: WEBSTORE, base: limited.url });
      expect(last.body.error.code).toBe('rate_limited');
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await call('GET', '/inventory/SKU-INV-1', { key: TRENDYOL, base: limited.url })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

// ---- hostile input and contract fidelity (security review D3, D5, D7, D8, D9; issue 5 §6 and §8) ----

describe('hostile input', () => {
  it('answers 400 in the error shape, not 500, for a path parameter that is not valid percent-encoding', async () => {
    const attempts: [string, string, string | undefined, unknown][] = [
      ['GET', '/orders/%ZZ', undefined, undefined],
      ['GET', '/orders/webstore:%', WEBSTORE, undefined],
      ['POST', '/orders/%ZZ/cancel', WEBSTORE, { reason: 'customer_request' }],
      ['GET', '/inventory/%FF', OPERATOR, undefined],
      ['PUT', '/inventory/%E0%A4%A', OPERATOR, { onHand: 1 }],
      ['GET', '/products/%C0%AE%C0%AE', OPERATOR, undefined],
    ];
    for (const [method, path, key, json] of attempts) {
      const answer = await call(method, path, { key, json });
      expect({ path, status: answer.status, body: answer.body }).toEqual({
        path,
        status: 400,
        body: { error: { code: 'bad_request', message: 'The request path is not valid percent-encoding' } },
      });
    }
    // A client's mistake is not an unhandled error: no stack in the log for it.
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    expect(gatewayCalls).toEqual([]);
  });

  it('refuses unknown fields by name: a cancel carrying an unknown field cancels nothing', async () => {
    // `lines` became a field of its own (partial cancel); a misspelling of it must not cancel the whole order.
    const cancel = await call('POST', '/orders/webstore:WS-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer_request', items: [{ sku: 'SKU-1', quantity: 1 }] },
    });
    expect(cancel.status).toBe(400);
    expect(cancel.body.error.details).toEqual([{ path: 'items', message: 'is not a known field' }]);
    const line = await call('POST', '/orders/webstore:WS-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer_request', lines: [{ sku: 'SKU-1', qty: 1 }] },
    });
    expect(line.body.error.details).toEqual([
      { path: 'lines.0.quantity', message: expect.any(String) },
      { path: 'lines.0.qty', message: 'is not a known field' },
    ]);

    const create = await call('POST', '/orders', {
      key: WEBSTORE,
      json: {
        ...validOrder,
        coupon: 'FREE',
        customer: { ...validOrder.customer, nickname: 'ayse' },
        lines: [{ ...validOrder.lines[0], discount: '10.00' }],
        payment: { method: 'card', installments: 3 },
      },
    });
    expect(create.status).toBe(400);
    expect(create.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['coupon', 'customer.nickname', 'lines.0.discount', 'payment.installments'].sort(),
    );
    const product = await call('PUT', '/products/SKU-X-1', {
      key: OPERATOR,
      json: { name: 'Mug', price: '1.00', colour: 'red' },
    });
    expect(product.body.error.details).toEqual([{ path: 'colour', message: 'is not a known field' }]);
    const stock = await call('PUT', '/inventory/SKU-X-1', { key: OPERATOR, json: { onHand: 1, bin: 'A-1' } });
    expect(stock.body.error.details).toEqual([{ path: 'bin', message: 'is not a known field' }]);
    const signed = await callback('/callbacks/payments', {
      eventId: `pay-${randomUUID()}`,
      orderId: 'webstore:WS-1',
      type: 'captured',
      extra: { nested: [[[1]]] },
    });
    expect(signed.status).toBe(400);
    expect(signed.body.error.details).toEqual([{ path: 'extra', message: 'is not a known field' }]);
    expect(gatewayCalls).toEqual([]);
    expect(await call('GET', '/products/SKU-X-1', { key: OPERATOR }).then((a) => a.status)).toBe(404);
  });

  it('passes bounded metadata into the workflow input and refuses it past its bounds by field', async () => {
    gatewayAnswers.createOrder = async (input: OrderInput) => ({
      created: true,
      order: orderView(input.orderId, { metadata: input.metadata }),
    });
    const metadata = { packageId: 'TY-PKG-1', priority: 2, gift: true, note: null };
    const answer = await call('POST', '/orders', {
      key: TRENDYOL,
      json: { ...validOrder, externalOrderId: 'TY-META-1', metadata },
    });
    expect(answer.status).toBe(201);
    expect((gatewayCalls[0]?.args[0] as OrderInput).metadata).toEqual(metadata);
    expect(answer.body.metadata).toEqual(metadata);

    const refused: [unknown, string][] = [
      [Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])), 'metadata'],
      [{ note: 'x'.repeat(501) }, 'metadata.note'],
      [{ nested: { a: 1 } }, 'metadata.nested'],
      [{ list: [1] }, 'metadata.list'],
      [{ ['k'.repeat(65)]: 1 }, `metadata.${'k'.repeat(65)}`],
      [{ bell: 'ding\u0007' }, 'metadata.bell'],
      ['not an object', 'metadata'],
    ];
    for (const [value, path] of refused) {
      const bad = await call('POST', '/orders', { key: TRENDYOL, json: { ...validOrder, metadata: value } });
      expect({ status: bad.status, paths: bad.body.error.details.map((d: { path: string }) => d.path) }).toEqual({
        status: 400,
        paths: [path],
      });
    }
    // `__proto__` would otherwise be dropped silently by the parser.
    const proto = await call('POST', '/orders', {
      key: TRENDYOL,
      raw: JSON.stringify({ ...validOrder, metadata: { a: 1 } }).replace('"a":1', '"__proto__":"x"'),
    });
    expect(proto.body.error.details).toEqual([{ path: 'metadata.__proto__', message: 'is not an allowed key' }]);
    expect(gatewayCalls).toHaveLength(1);
  });

  it('keeps stock numbers inside 32-bit database columns: onHand and delta past 10^9 answer 400 by field', async () => {
    const big = await call('PUT', '/inventory/SKU-BIG-1', { key: OPERATOR, json: { onHand: 2 ** 31 } });
    expect(big.status).toBe(400);
    expect(big.body.error.details).toEqual([{ path: 'onHand', message: 'must be at most 1000000000' }]);
    expect((await call('PUT', '/inventory/SKU-BIG-1', { key: OPERATOR, json: { onHand: 1_000_000_000 } })).status).toBe(
      200,
    );
    for (const delta of [1_000_000_001, -1_000_000_001, 2 ** 53]) {
      const adjusted = await call('POST', '/inventory/SKU-BIG-1/adjustments', {
        key: OPERATOR,
        json: { delta, reason: 'recount' },
      });
      expect({ delta, status: adjusted.status, path: adjusted.body.error?.details?.[0]?.path }).toEqual({
        delta,
        status: 400,
        path: 'delta',
      });
    }
    expect((await call('GET', '/inventory/SKU-BIG-1', { key: OPERATOR })).body.onHand).toBe(1_000_000_000);
  });

  it('throttles key guessing: requests without a valid key count by client address, however many tokens', async () => {
    const limited = await startApiServer(
      { config: { ...config, rateLimit: { perMinute: 30 } }, store, orders: throwingGateway(), logger },
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 60; i++) {
        statuses.push((await call('GET', '/inventory/SKU-INV-1', { key: `guess-${i}`, base: limited.url })).status);
      }
      expect(statuses).toEqual([...Array<number>(30).fill(401), ...Array<number>(30).fill(429)]);
      // A verified key has its own bucket: the guesser on the same address does not lock it out.
      expect((await call('GET', '/inventory/SKU-INV-1', { key: WEBSTORE, base: limited.url })).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('contract fidelity', () => {
  it('answers 404 for any id that is not a visible order, whatever its shape, without asking Temporal', async () => {
    gatewayAnswers.getLiveOrder = async () => null;
    const missing = await call('GET', '/orders/webstore:NOPE-2', { key: WEBSTORE });
    expect(missing.status).toBe(404);
    gatewayCalls.length = 0;
    for (const id of ['not-an-order-id', 'webstore:has%20space', 'WEBSTORE:UPPER', `webstore:${'x'.repeat(65)}`, ':']) {
      const read = await call('GET', `/orders/${id}`, { key: WEBSTORE });
      expect({ id, status: read.status, body: read.body }).toEqual({ id, status: 404, body: missing.body });
      const cancel = await call('POST', `/orders/${id}/cancel`, { key: WEBSTORE, json: { reason: 'customer_request' } });
      expect({ id, status: cancel.status }).toEqual({ id, status: 404 });
      const ret = await call('POST', `/orders/${id}/returns`, {
        key: WEBSTORE,
        json: { lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'changed_mind' },
      });
      expect({ id, status: ret.status }).toEqual({ id, status: 404 });
      for (const [action, json] of [
        ['retry', {}],
        ['skip', { reason: 'stuck' }],
        ['refund-decision', { refundDamaged: true, reason: 'goodwill' }],
      ] as const) {
        const operator = await call('POST', `/orders/${id}/${action}`, { key: OPERATOR, json });
        expect({ id, action, status: operator.status }).toEqual({ id, action, status: 404 });
      }
    }
    expect(gatewayCalls).toEqual([]);
  });

  it('hands any short cancel reason to the workflow and refuses an overlong one or a control character', async () => {
    gatewayAnswers.cancel = async (id: string) => orderView(id, { status: 'canceled', cancelReason: 'moved abroad' });
    const answer = await call('POST', '/orders/webstore:WS-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer moved abroad' },
    });
    expect(answer.status).toBe(200);
    expect(gatewayCalls[0]?.args).toEqual([
      'webstore:WS-1',
      { reason: 'customer moved abroad', actor: 'channel:webstore' },
    ]);
    for (const reason of ['x'.repeat(201), 'two\nlines', '', 'nul\u0000']) {
      const bad = await call('POST', '/orders/webstore:WS-1/cancel', { key: WEBSTORE, json: { reason } });
      expect({ status: bad.status, paths: bad.body.error.details.map((d: { path: string }) => d.path) }).toEqual({
        status: 400,
        paths: ['reason'],
      });
    }
    expect(gatewayCalls).toHaveLength(1);
  });

  it('marks order answers Cache-Control: no-store and every answer X-Content-Type-Options: nosniff', async () => {
    gatewayAnswers.getLiveOrder = async () => null;
    for (const path of ['/orders/trendyol:TY-1', '/orders', '/orders/trendyol:NOPE-3']) {
      const answer = await call('GET', path, { key: TRENDYOL });
      expect({ path, cacheControl: answer.headers.get('cache-control') }).toEqual({ path, cacheControl: 'no-store' });
    }
    for (const [path, key] of [
      ['/orders/trendyol:TY-1', TRENDYOL],
      ['/inventory/SKU-INV-1', OPERATOR],
      ['/health', undefined],
      ['/openapi.json', undefined],
      ['/nothing/here', undefined],
    ] as const) {
      gatewayAnswers.ping = async () => undefined;
      const answer = await call('GET', path, { key });
      expect({ path, nosniff: answer.headers.get('x-content-type-options') }).toEqual({ path, nosniff: 'nosniff' });
    }
  });

  it("shows a channel its order without internal error text or operator names; operators see it all", async () => {
    const since = new Date().toISOString();
    const secretReason = 'carrier.createShipment at carrier:yurtici: upstream 10.9.8.7 answered 502';
    const timeline = [
      { at: since, type: 'received', detail: 'order received from webstore' },
      { at: since, type: 'attention_raised', detail: `carrier.createShipment: ${secretReason}` },
      { at: since, type: 'background_failed', detail: 'notify.customer: smtp at 10.9.8.6 refused the login' },
      { at: since, type: 'operator_retry', detail: 'carrier.createShipment', actor: 'operator:alice' },
      { at: since, type: 'attention_cleared', detail: 'skipped: vendor ticket INT-4711', actor: 'operator:alice' },
      { at: since, type: 'cancel_requested', detail: 'customer_request', actor: 'channel:webstore' },
    ];
    const seeded = orderView('webstore:WS-ATT-1', {
      needsAttention: true,
      attention: { step: 'carrier.createShipment', reason: secretReason, since },
      timeline,
    });
    await createReadModelActivities(db.orm).recordOrder(seeded);

    const read = await call('GET', '/orders/webstore:WS-ATT-1', { key: WEBSTORE });
    const listed = await call('GET', '/orders?needsAttention=true', { key: WEBSTORE });
    const fromList = listed.body.items.find((o: OrderView) => o.id === 'webstore:WS-ATT-1');
    for (const view of [read.body, fromList]) {
      const text = JSON.stringify(view);
      for (const secret of ['10.9.8.7', '10.9.8.6', 'alice', 'INT-4711']) expect(text).not.toContain(secret);
      expect(view.attention).toEqual({ step: 'carrier.createShipment', reason: 'The order is waiting for an operator', since });
      expect(view.timeline).toEqual([
        { at: since, type: 'received', detail: 'order received from webstore' },
        { at: since, type: 'attention_raised' },
        { at: since, type: 'background_failed' },
        { at: since, type: 'operator_retry', detail: 'carrier.createShipment', actor: 'operator' },
        { at: since, type: 'attention_cleared', actor: 'operator' },
        { at: since, type: 'cancel_requested', detail: 'customer_request', actor: 'channel:webstore' },
      ]);
    }
    const operator = await call('GET', '/orders/webstore:WS-ATT-1', { key: OPERATOR });
    expect(operator.body.attention).toEqual(seeded.attention);
    expect(operator.body.timeline).toEqual(timeline);
  });
});

describe('the served OpenAPI document', () => {
  const document = async () => (await call('GET', '/openapi.json')).body as OpenApiDocument;

  it('validates as an OpenAPI 3.1 document', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const validator = new Validator();
    const result = await validator.validate((await call('GET', '/openapi.json')).body as Record<string, unknown>);
    expect(result).toEqual({ valid: true });
    expect(validator.version).toBe('3.1');
  });

  it('describes real answers: an order with latePayments and metadata, and fields added later', async () => {
    const doc = await document();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'oms', components: doc.components });
    const orderSchema = ajv.getSchema('oms#/components/schemas/Order')!;
    const pageSchema = ajv.getSchema('oms#/components/schemas/OrderPage')!;
    const errorSchema = ajv.getSchema('oms#/components/schemas/Error')!;

    const at = new Date().toISOString();
    await createReadModelActivities(db.orm).recordOrder(
      orderView('webstore:WS-LP-1', {
        status: 'canceled',
        cancelReason: 'payment_timeout',
        latePayments: [{ key: 'late-payment:webstore:WS-LP-1:lp-1', eventId: 'lp-1', action: 'refunded', amount: '299.80', refundId: 'rf-1', at }],
        metadata: { packageId: 'PKG-1', gift: false },
      }),
    );
    const order = await call('GET', '/orders/webstore:WS-LP-1', { key: WEBSTORE });
    expect(order.body.latePayments).toHaveLength(1);
    expect(orderSchema(order.body) ? [] : orderSchema.errors).toEqual([]);
    // "Responses may carry more fields" (API.md): a field added tomorrow must not break a validating client.
    expect(orderSchema({ ...order.body, loyaltyPoints: 12 }) ? [] : orderSchema.errors).toEqual([]);
    const page = await call('GET', '/orders?limit=100', { key: OPERATOR });
    expect(pageSchema(page.body) ? [] : pageSchema.errors).toEqual([]);
    const missing = await call('GET', '/inventory/NEVER-SEEN', { key: OPERATOR });
    expect(errorSchema(missing.body) ? [] : errorSchema.errors).toEqual([]);
  });

  it('documents every status a route answers: 503 wherever the database or Temporal is used, 415, 429, 404', async () => {
    const doc = await document();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const statuses = Object.keys(operation.responses);
        const name = `${method.toUpperCase()} ${path}`;
        if (path !== '/openapi.json') expect({ name, has503: statuses.includes('503') }).toEqual({ name, has503: true });
        if (path !== '/health') expect({ name, has429: statuses.includes('429') }).toEqual({ name, has429: true });
        if (operation.requestBody) expect({ name, has415: statuses.includes('415') }).toEqual({ name, has415: true });
        if (path.startsWith('/orders/{id}')) expect({ name, has404: statuses.includes('404') }).toEqual({ name, has404: true });
        for (const status of statuses.filter((s) => Number(s) >= 400)) {
          const content = operation.responses[status]?.content?.['application/json']?.schema;
          expect({ name, status, content }).toEqual({
            name,
            status,
            content: path === '/health' && status === '503' ? expect.anything() : { $ref: '#/components/schemas/Error' },
          });
        }
      }
    }
    // Requests are strict (unknown fields answer 400), answers are open.
    expect(doc.components.schemas.CreateOrderRequest?.additionalProperties).toBe(false);
    expect(doc.components.schemas.Order?.additionalProperties).toBeUndefined();
  });
});

// ---- issue 6: partial cancel, warehouse rejections and fulfillment ids, the new view fields ----

describe('partial cancel', () => {
  it('hands the lines to the cancelLines command and answers 200 with the order that goes on', async () => {
    gatewayAnswers.cancelLines = async (id: string) =>
      orderView(id, { status: 'picking', partially: { shipped: false, delivered: false, canceled: true } });
    const lines = [{ sku: 'SKU-1', quantity: 1 }];
    const answer = await call('POST', '/orders/webstore:WS-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer_request', lines },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: 'webstore:WS-1', status: 'picking', partially: { canceled: true } });
    expect(gatewayCalls).toEqual([
      { method: 'cancelLines', args: ['webstore:WS-1', { reason: 'customer_request', actor: 'channel:webstore', lines }] },
    ]);
  });

  it('still cancels the whole order through cancel when no lines are sent', async () => {
    gatewayAnswers.cancel = async (id: string) => orderView(id, { status: 'canceled' });
    const answer = await call('POST', '/orders/webstore:WS-1/cancel', { key: OPERATOR, json: { reason: 'operator_request' } });
    expect(answer.status).toBe(200);
    expect(gatewayCalls.map((c) => c.method)).toEqual(['cancel']);
  });

  it("refuses bad lines by field and another channel's order as not found, without a command", async () => {
    const bad = await call('POST', '/orders/webstore:WS-1/cancel', {
      key: WEBSTORE,
      json: {
        reason: 'customer_request',
        lines: [
          { sku: 'SKU-1', quantity: 0 },
          { sku: 'SKU-1', quantity: 1 },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['lines.0.quantity', 'lines.1.sku']);
    const foreign = await call('POST', '/orders/trendyol:TY-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer_request', lines: [{ sku: 'SKU-1', quantity: 1 }] },
    });
    expect(foreign.status).toBe(404);
    expect(gatewayCalls).toEqual([]);
  });

  it("passes the workflow's 409 through with its message", async () => {
    gatewayAnswers.cancelLines = async () => {
      throw new ApiError('conflict', 'SKU-1: 2 of 2 have shipped; request a return instead');
    };
    const answer = await call('POST', '/orders/webstore:WS-1/cancel', {
      key: WEBSTORE,
      json: { reason: 'customer_request', lines: [{ sku: 'SKU-1', quantity: 2 }] },
    });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({
      error: { code: 'conflict', message: 'SKU-1: 2 of 2 have shipped; request a return instead' },
    });
  });
});

describe('warehouse callbacks for fulfillment units', () => {
  const rejected = (extra: Record<string, unknown> = {}) => ({
    eventId: `wh-${randomUUID()}`,
    orderId: 'webstore:WS-1',
    type: 'rejected',
    fulfillmentId: 'webstore:WS-1/2',
    lines: [{ sku: 'SKU-1', quantity: 1 }],
    reason: 'shelf_empty',
    at: '2025-01-31T10:00:00Z',
    ...extra,
  });

  it('hands packed with its fulfillmentId to the order as the warehouse signal', async () => {
    gatewayAnswers.signalWarehouse = async () => 'delivered';
    const body = { eventId: `wh-${randomUUID()}`, orderId: 'webstore:WS-1', type: 'packed', fulfillmentId: 'webstore:WS-1/2' };
    const answer = await callback('/callbacks/warehouse', body);
    expect(answer.status).toBe(200);
    expect(gatewayCalls).toEqual([
      {
        method: 'signalWarehouse',
        args: ['webstore:WS-1', { eventId: body.eventId, type: 'packed', fulfillmentId: 'webstore:WS-1/2', at: expect.any(String) }],
      },
    ]);
  });

  it('hands rejected to rejectFulfillment, logged matched, and does not send a repeat that already reached the order', async () => {
    gatewayAnswers.rejectFulfillment = async () => 'delivered';
    const body = rejected();
    expect(await callback('/callbacks/warehouse', body)).toMatchObject({ status: 200, body: { accepted: true } });
    expect(await callback('/callbacks/warehouse', body)).toMatchObject({ status: 200, body: { accepted: true } });
    expect(gatewayCalls).toEqual([
      {
        method: 'rejectFulfillment',
        args: [
          'webstore:WS-1',
          {
            eventId: body.eventId,
            fulfillmentId: 'webstore:WS-1/2',
            lines: [{ sku: 'SKU-1', quantity: 1 }],
            reason: 'shelf_empty',
            at: '2025-01-31T10:00:00Z',
          },
        ],
      },
    ]);
    expect(await storedCallback('warehouse', body.eventId)).toMatchObject({ matched: true, orderId: 'webstore:WS-1' });
  });

  it("answers the order's refusal 409 with its message, keeps the event logged unmatched and judges a repeat again", async () => {
    gatewayAnswers.rejectFulfillment = async () => {
      throw new ApiError('conflict', 'fulfillment webstore:WS-1/2 has shipped; it cannot be rejected');
    };
    const body = rejected();
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await callback('/callbacks/warehouse', body);
      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({
        error: { code: 'conflict', message: 'fulfillment webstore:WS-1/2 has shipped; it cannot be rejected' },
      });
      expect(await storedCallback('warehouse', body.eventId)).toMatchObject({ matched: false, payload: body });
    }
    expect(gatewayCalls.map((c) => c.method)).toEqual(['rejectFulfillment', 'rejectFulfillment']);
  });

  it('stores a rejection for an unknown or ended order as unmatched, and forgets one Temporal never got', async () => {
    gatewayAnswers.rejectFulfillment = async () => 'not_found';
    const unknown = rejected({ orderId: 'webstore:NOPE-1', fulfillmentId: undefined, lines: undefined });
    expect((await callback('/callbacks/warehouse', unknown)).status).toBe(200);
    expect(await storedCallback('warehouse', unknown.eventId)).toMatchObject({ matched: false, orderId: 'webstore:NOPE-1' });
    expect(gatewayCalls[0]?.args[1]).toEqual({ eventId: unknown.eventId, reason: 'shelf_empty', at: unknown.at });

    gatewayAnswers.rejectFulfillment = async () => {
      throw new ApiError('unavailable', 'Temporal is unreachable; try again shortly');
    };
    const down = rejected();
    expect((await callback('/callbacks/warehouse', down)).status).toBe(503);
    expect(await storedCallback('warehouse', down.eventId)).toBeNull();
  });

  it('validates rejected by field before logging anything', async () => {
    const noReason = rejected({ reason: undefined });
    const answer = await callback('/callbacks/warehouse', noReason);
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual([{ path: 'reason', message: 'is required for rejected' }]);
    const withCondition = rejected({ lines: [{ sku: 'SKU-1', quantity: 1, condition: 'damaged' }] });
    expect((await callback('/callbacks/warehouse', withCondition)).body.error.details).toEqual([
      { path: 'lines.0.condition', message: 'is not taken with type rejected' },
    ]);
    expect(gatewayCalls).toEqual([]);
    expect(await storedCallback('warehouse', noReason.eventId)).toBeNull();
  });
});

describe('the order view of fulfillment units in the OpenAPI document', () => {
  it('documents fulfillments, line quantities, payments, partially, totals and ledger units, and real answers match', async () => {
    const doc = (await call('GET', '/openapi.json')).body as OpenApiDocument & {
      components: { schemas: Record<string, { properties?: Record<string, any> }> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const order = doc.components.schemas.Order!.properties!;
    expect(Object.keys(order)).toEqual(expect.arrayContaining(['fulfillments', 'payments', 'partially']));
    expect(Object.keys(order.lines.items.properties)).toContain('quantities');
    expect(Object.keys(order.totals.properties)).toEqual(expect.arrayContaining(['canceled', 'outstanding']));
    expect(Object.keys(order.ledger.items.properties)).toContain('fulfillment');
    expect(order.fulfillments.items.properties.status.enum).toContain('rejected');

    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'oms', components: doc.components });
    const orderSchema = ajv.getSchema('oms#/components/schemas/Order')!;
    const at = new Date().toISOString();
    const lines = [{ sku: 'SKU-1', quantity: 1 }];
    await createReadModelActivities(db.orm).recordOrder(
      orderView('webstore:WS-FU-1', {
        status: 'picking',
        lines: [
          {
            sku: 'SKU-1',
            quantity: 2,
            unitPrice: '149.90',
            lineTotal: '299.80',
            returnedQuantity: 0,
            refundedQuantity: 0,
            quantities: { ordered: 2, allocated: 1, shipped: 1, delivered: 0, canceled: 1, returned: 0, refunded: 0 },
          },
        ],
        totals: { currency: 'TRY', subtotal: '299.80', total: '299.80', refunded: '0.00', canceled: '149.90', outstanding: '0.00' },
        fulfillments: [
          {
            id: 'webstore:WS-FU-1/1',
            number: 1,
            location: 'main',
            status: 'shipped',
            lines,
            pickingTaskId: 'pick-1',
            carrier: 'yurtici',
            trackingNumber: 'YK1',
            labelRef: 'label-1',
            events: [{ eventId: 'yk-1', status: 'picked_up', at }],
            detail: 'SKU-1 not at store-kadikoy, split',
          },
          { id: 'webstore:WS-FU-1/2', number: 2, location: 'store-kadikoy', status: 'canceled', lines, events: [] },
        ],
        payments: [
          { kind: 'authorization', amount: '299.80', currency: 'TRY', reference: 'auth-1', at },
          { kind: 'capture', amount: '149.90', currency: 'TRY', lines, reference: 'cap-1', at },
          { kind: 'void', amount: '149.90', currency: 'TRY', lines, reference: 'void-1', at },
        ],
        ledger: [{ kind: 'capture', amount: '149.90', currency: 'TRY', state: 'done', ref: 'cap-1', fulfillment: 1, at }],
        partially: { shipped: true, delivered: false, canceled: true },
      }),
    );
    const answer = await call('GET', '/orders/webstore:WS-FU-1', { key: WEBSTORE });
    expect(answer.body.fulfillments).toHaveLength(2);
    expect(orderSchema(answer.body) ? [] : orderSchema.errors).toEqual([]);
    // The document is not vacuous: a unit in a status it does not know fails it.
    const wrong = { ...answer.body, fulfillments: [{ ...answer.body.fulfillments[0], status: 'lost' }] };
    expect(orderSchema(wrong)).toBe(false);
  });
});
