// The API the operator console reads (issue 8): the attention queue (sort=waiting_longest, step, location), the
// counts per step, search by external id, e-mail and tracking number, and a SKU's movements and open reservations.
// Real HTTP, the real store on both databases; orders are written the way the workflow writes them, through the
// read-model activity. Temporal is not involved, so every gateway method refuses.
import { createReadModelActivities } from '../../activities/read-model';
import type { OrderGateway } from '../../api/gateway';
import { startApiServer, type RunningApi } from '../../api/server';
import type { OrderPage } from '../../contract/store';
import type { Fulfillment, OrderView } from '../../contract/types';
import { Reservation } from '../../entities/catalog';
import { createStore } from '../../entities/store';
import { MIGRATIONS, migrationConfig } from '../../entities/migrate';
import { ALL_ENTITIES, type OmsORM } from '../../entities/orm';
import { DEV_API_KEYS, DEV_OPERATOR_KEY, loadConfig } from '../../workers/config';
import { MikroORM as PgMikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { MikroORM as SqlMikroORM, SqliteDriver } from '@mikro-orm/sql';
import { OmsSqliteDialect } from '../../entities/sqlite-dialect';
import { DB_KINDS, createEmptyDatabase, createTestDb, type TestDb } from '../helpers/db';

const refusingGateway = new Proxy({} as OrderGateway, {
  get: (_target, name) => () => Promise.reject(new Error(`gateway.${String(name)} must not be called here`)),
});

function unit(orderId: string, number: number, location: string): Fulfillment {
  return { id: `${orderId}/${number}`, number, location, status: 'picking', lines: [{ sku: 'SKU-1', quantity: 1 }], events: [] };
}

/** An order view as the workflow records it; `flagged` puts it in the attention queue at `step` since that time. */
function view(
  id: string,
  options: { createdAt: string; flagged?: { step: string; since: string }; email?: string; locations?: string[] } & Partial<OrderView>,
): OrderView {
  const { createdAt, flagged, email, locations, ...overrides } = options;
  const [channel = '', externalOrderId = ''] = id.split(':');
  return {
    id,
    channel,
    externalOrderId,
    status: 'picking',
    paymentStatus: 'authorized',
    paymentMethod: 'card',
    needsAttention: flagged !== undefined,
    ...(flagged ? { attention: { ...flagged, reason: `${flagged.step} failed` } } : {}),
    lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '149.90', lineTotal: '149.90', returnedQuantity: 0, refundedQuantity: 0 }],
    totals: { currency: 'TRY', subtotal: '149.90', total: '149.90', refunded: '0.00' },
    customer: { name: 'Ayşe Yılmaz', ...(email !== undefined ? { email } : {}) },
    shippingAddress: { line1: 'Bağdat Cd. 10', city: 'İstanbul', country: 'TR' },
    shipments: [],
    returns: [],
    timeline: [{ at: createdAt, type: 'status', status: 'picking' }],
    ...(locations ? { fulfillments: locations.map((l, i) => unit(id, i + 1, l)) } : {}),
    version: 1,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

const at = (minute: number) => new Date(Date.UTC(2026, 11, 3, 9, minute)).toISOString();

describe.each(DB_KINDS)('console API on %s', (kind) => {
  let db: TestDb;
  let api: RunningApi;
  const call = async <T = any>(path: string, key = DEV_OPERATOR_KEY): Promise<{ status: number; body: T }> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
    const res = await fetch(api.url + path, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const ids = (page: OrderPage) => page.items.map((o) => o.id);

  beforeAll(async () => {
    db = await createTestDb(kind);
    api = await startApiServer({ config: loadConfig({}), store: createStore(db.orm), orders: refusingGateway }, { port: 0, host: '127.0.0.1' });
    const record = createReadModelActivities(db.orm).recordOrder;
    // Created in one order, flagged in another: the queue follows the flagging.
    await record(view('webstore:Q-1', { createdAt: at(1), flagged: { step: 'create_shipment', since: at(30) }, locations: ['main'] }));
    await record(view('webstore:Q-2', { createdAt: at(2), flagged: { step: 'compensate:refund_or_void_payment', since: at(10) }, locations: ['main', 'store-kadikoy'] }));
    await record(view('trendyol:Q-3', { createdAt: at(3), flagged: { step: 'create_shipment', since: at(20) }, locations: ['store-kadikoy'] }));
    await record(view('webstore:OK-1', { createdAt: at(4), email: 'Zeynep.Öztürk@Example.com', locations: ['main'] }));
    await record(
      view('trendyol:OK-2', {
        createdAt: at(5),
        email: 'zeynep.ozturk@example.com',
        shipments: [{ shipmentId: 's1', carrier: 'aras', trackingNumber: 'AR-TRACK-7', labelRef: 'l', lines: [], events: [] }],
      }),
    );
  });
  afterAll(async () => {
    await api?.close();
    await db?.cleanup();
  });

  test('sort=waiting_longest lists only flagged orders, the longest-waiting first, page by page', async () => {
    const first = await call<OrderPage>('/orders?sort=waiting_longest&limit=2');
    expect(first.status).toBe(200);
    expect(ids(first.body)).toEqual(['webstore:Q-2', 'trendyol:Q-3']);
    const second = await call<OrderPage>(`/orders?sort=waiting_longest&limit=2&cursor=${first.body.nextCursor}`);
    expect(ids(second.body)).toEqual(['webstore:Q-1']);
    expect(second.body.nextCursor).toBeNull();
    // The default sort is unchanged: newest created first.
    expect(ids((await call<OrderPage>('/orders?limit=2')).body)).toEqual(['trendyol:OK-2', 'webstore:OK-1']);
    expect(ids((await call<OrderPage>('/orders?sort=oldest&limit=2')).body)).toEqual(['webstore:Q-1', 'webstore:Q-2']);
  });

  test("a cursor of one sort is refused by another, naming the cursor", async () => {
    const newest = await call<OrderPage>('/orders?limit=1');
    const res = await call(`/orders?sort=waiting_longest&cursor=${newest.body.nextCursor}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('cursor');
  });

  test('step, location and channel narrow the queue together', async () => {
    expect(ids((await call<OrderPage>('/orders?sort=waiting_longest&step=create_shipment')).body)).toEqual(['trendyol:Q-3', 'webstore:Q-1']);
    expect(ids((await call<OrderPage>('/orders?sort=waiting_longest&location=store-kadikoy')).body)).toEqual(['webstore:Q-2', 'trendyol:Q-3']);
    expect(
      ids((await call<OrderPage>('/orders?sort=waiting_longest&location=store-kadikoy&step=create_shipment&channel=trendyol')).body),
    ).toEqual(['trendyol:Q-3']);
    expect(ids((await call<OrderPage>('/orders?location=main')).body)).toEqual(['webstore:OK-1', 'webstore:Q-2', 'webstore:Q-1']);
  });

  test('GET /orders/attention counts per step within the filters, with the oldest since of each', async () => {
    const all = await call('/orders/attention');
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      total: 3,
      steps: [
        { step: 'create_shipment', count: 2, oldestSince: at(20) },
        { step: 'compensate:refund_or_void_payment', count: 1, oldestSince: at(10) },
      ],
    });
    expect((await call('/orders/attention?location=main&channel=webstore')).body).toEqual({
      total: 2,
      steps: [
        { step: 'compensate:refund_or_void_payment', count: 1, oldestSince: at(10) },
        { step: 'create_shipment', count: 1, oldestSince: at(30) },
      ],
    });
    expect((await call('/orders/attention', DEV_API_KEYS.webstore!)).status).toBe(403);
  });

  test('search by external order id, e-mail (any case) and tracking number; a channel key finds its own only', async () => {
    expect(ids((await call<OrderPage>('/orders?externalOrderId=Q-3')).body)).toEqual(['trendyol:Q-3']);
    expect(ids((await call<OrderPage>('/orders?email=ZEYNEP.ozturk%40example.com')).body)).toEqual(['trendyol:OK-2']);
    expect(ids((await call<OrderPage>(`/orders?email=${encodeURIComponent('zeynep.öztürk@example.com')}`)).body)).toEqual(['webstore:OK-1']);
    expect(ids((await call<OrderPage>('/orders?trackingNumber=AR-TRACK-7')).body)).toEqual(['trendyol:OK-2']);
    expect(ids((await call<OrderPage>('/orders?trackingNumber=AR-TRACK-7', DEV_API_KEYS.webstore!)).body)).toEqual([]);
    expect(ids((await call<OrderPage>('/orders?trackingNumber=NOPE')).body)).toEqual([]);
  });

  test('a bad filter answers 400 naming it', async () => {
    for (const [query, field] of [
      ['sort=sideways', 'sort'],
      ['location=no%20spaces', 'location'],
      ['email=%20', 'email'],
      ['step=' + 'x'.repeat(101), 'step'],
    ] as const) {
      const res = await call<{ error: { code: string; details: { path: string }[] } }>(`/orders?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d) => d.path)).toEqual([field]);
    }
  });

  test("a SKU's movements come newest first with their reason and actor, a set's reason recorded; its open reservations per location", async () => {
    const op = { authorization: `Bearer ${DEV_OPERATOR_KEY}`, 'content-type': 'application/json' };
    const put = await fetch(`${api.url}/inventory/SKU-M`, { method: 'PUT', headers: op, body: JSON.stringify({ onHand: 5, location: 'main', reason: 'sayım' }) });
    expect(put.status).toBe(200);
    const adjust = await fetch(`${api.url}/inventory/SKU-M/adjustments`, {
      method: 'POST',
      headers: op,
      body: JSON.stringify({ delta: -2, reason: 'sayım farkı', location: 'main' }),
    });
    expect(adjust.status).toBe(200);
    const movements = await call('/inventory/SKU-M/movements?limit=10');
    expect(movements.status).toBe(200);
    expect(movements.body.items).toMatchObject([
      { location: 'main', delta: -2, reason: 'sayım farkı', actor: 'operator:operator', orderId: null },
      { location: 'main', delta: 5, reason: 'set: sayım' },
    ]);
    const em = db.orm.em.fork();
    await em.insert(Reservation, { orderId: 'webstore:Q-2', fulfillment: 1, allocation: 1, sku: 'SKU-M', location: 'main', quantity: 2, state: 'reserved', createdAt: new Date(at(1)), updatedAt: new Date(at(1)) });
    await em.insert(Reservation, { orderId: 'webstore:Q-1', fulfillment: 1, allocation: 1, sku: 'SKU-M', location: 'main', quantity: 1, state: 'released', createdAt: new Date(at(2)), updatedAt: new Date(at(2)) });
    const reservations = await call('/inventory/SKU-M/reservations');
    expect(reservations.body).toEqual({ items: [{ orderId: 'webstore:Q-2', fulfillment: 1, location: 'main', quantity: 2, since: at(1) }] });
    expect((await call('/inventory/NO-SUCH/reservations')).status).toBe(404);
    expect((await call('/inventory/SKU-M/movements?limit=0')).status).toBe(400);
  });
});

/** An ORM on `url` that neither migrates nor checks. */
async function openRaw(url: string): Promise<OmsORM> {
  const common = { entities: ALL_ENTITIES, ...migrationConfig(url.startsWith('postgres') ? 'postgresql' : 'sqlite') };
  const orm = url.startsWith('postgres')
    ? await PgMikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: url })
    : await SqlMikroORM.init({ ...common, driver: SqliteDriver, dbName: url, driverOptions: new OmsSqliteDialect(url, { busyTimeoutMs: 5000 }) });
  return orm as unknown as OmsORM;
}

describe.each(DB_KINDS)('console search migration on %s', (kind) => {
  test('orders recorded before the migration are in the queue, the e-mail search and the location filter after it', async () => {
    const empty = await createEmptyDatabase(kind);
    const orm = await openRaw(empty.url);
    try {
      const migrations = MIGRATIONS[kind === 'postgres' ? 'postgresql' : 'sqlite'];
      const index = migrations.findIndex((m) => m.name === 'Migration20261203000000_console_search');
      expect(index).toBeGreaterThan(0);
      const before = migrations[index - 1]!.name;
      await orm.migrator.up({ to: before });
      const old = view('webstore:OLD-1', {
        createdAt: at(1),
        flagged: { step: 'create_shipment', since: at(40) },
        email: 'Eski@Example.com',
        locations: ['store-kadikoy'],
      });
      // The row as the read model wrote it then: no search columns yet.
      const created = kind === 'postgres' ? `'${at(1)}'` : String(Date.parse(at(1)));
      await orm.em.fork().execute(
        'insert into orders (id, channel, external_order_id, status, payment_status, payment_method, needs_attention, currency, subtotal, total, refunded, version, created_at, updated_at, view) ' +
          `values ('webstore:OLD-1', 'webstore', 'OLD-1', 'picking', 'authorized', 'card', true, 'TRY', 149.90, 149.90, 0, 1, ${created}, ${created}, '${JSON.stringify(old)}')`,
      );
      await orm.migrator.up();
      const store = createStore(orm);
      expect((await store.listOrders({ sort: 'waiting_longest', limit: 10 })).items.map((o) => o.id)).toEqual(['webstore:OLD-1']);
      expect(await store.attentionSummary({})).toEqual({ total: 1, steps: [{ step: 'create_shipment', count: 1, oldestSince: at(40) }] });
      expect((await store.listOrders({ email: 'eski@example.com', limit: 10 })).items).toHaveLength(1);
      expect((await store.listOrders({ location: 'store-kadikoy', limit: 10 })).items).toHaveLength(1);
      expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
    } finally {
      await orm.close(true);
      await empty.cleanup();
    }
  });
});
