// Inventory activities on a real SQLite file and a real PostgreSQL database: all-or-nothing
// reservations, no oversell under races (in one process and across processes), and retries
// of reserve / release / commit / restock that never move a unit twice. Operator stock changes over
// real HTTP: on-hand never below what is reserved nor past the maximum (409), and the ledger repair.
import { createInventoryActivities } from '../../activities/inventory';
import type { InventoryActivities } from '../../contract/activities';
import { MAX_STOCK_UNITS, type OrderStore } from '../../contract/store';
import type { OrderGateway } from '../../api/gateway';
import { startApiServer, type RunningApi } from '../../api/server';
import { Reservation, Stock, StockMovement } from '../../entities/catalog';
import { createStore } from '../../entities/store';
import { DEV_OPERATOR_KEY, loadConfig } from '../../workers/config';
import { DB_KINDS, PROJECT_ROOT, createTestDb, runScriptInChildProcess, type TestDb } from '../helpers/db';

let counter = 0;
/** A SKU no other test touches, so tests share one database without interfering. */
function freshSku(): string {
  counter += 1;
  return `SKU-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Runs reserveStock for `orderIds` (1 unit of `sku` each, all at once) in a separate Node process. */
async function reserveInChildProcess(
  url: string,
  sku: string,
  orderIds: string[],
  startAt: number,
): Promise<boolean[]> {
  const script = `
    const { initORM, closeORM } = await import(${JSON.stringify(`${PROJECT_ROOT}entities/orm.ts`)});
    const { createInventoryActivities } = await import(${JSON.stringify(`${PROJECT_ROOT}activities/inventory.ts`)});
    const orm = await initORM({ databaseUrl: process.env.RACE_DB_URL });
    const inventory = createInventoryActivities(orm);
    const ids = JSON.parse(process.env.RACE_ORDER_IDS);
    await new Promise((r) => setTimeout(r, Math.max(0, Number(process.env.RACE_START_AT) - Date.now())));
    const results = await Promise.all(
      ids.map((orderId) => inventory.reserveStock({ orderId, lines: [{ sku: process.env.RACE_SKU, quantity: 1 }] })),
    );
    process.stdout.write(JSON.stringify(results.map((r) => r.ok)));
    await closeORM(orm);
  `;
  const stdout = await runScriptInChildProcess(script, {
    RACE_DB_URL: url,
    RACE_SKU: sku,
    RACE_ORDER_IDS: JSON.stringify(orderIds),
    RACE_START_AT: String(startAt),
  });
  return JSON.parse(stdout) as boolean[];
}

describe.each(DB_KINDS)('inventory activities on %s', (kind) => {
  let db: TestDb;
  let inventory: InventoryActivities;
  let store: OrderStore;

  beforeAll(async () => {
    db = await createTestDb(kind);
    inventory = createInventoryActivities(db.orm);
    store = createStore(db.orm);
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  async function stockOf(sku: string): Promise<{ onHand: number; reserved: number; available: number }> {
    const view = await store.getInventory(sku);
    return { onHand: view?.onHand ?? 0, reserved: view?.reserved ?? 0, available: view?.available ?? 0 };
  }

  async function ledgerOf(orderId: string): Promise<{ sku: string; quantity: number; state: string }[]> {
    const rows = await db.orm.em.fork().find(Reservation, { orderId }, { orderBy: { sku: 'asc' } });
    return rows.map((r) => ({ sku: r.sku, quantity: r.quantity, state: r.state }));
  }

  async function stocked(onHand: number): Promise<string> {
    const sku = freshSku();
    await store.setOnHand({ sku, onHand, location: 'main', actor: 'test' });
    return sku;
  }

  test('reserves all lines or none, and reports every shortage', async () => {
    const plenty = await stocked(5);
    const scarce = await stocked(1);
    const missing = freshSku();

    const refused = await inventory.reserveStock({
      orderId: 'o-all-or-nothing-1',
      lines: [
        { sku: plenty, quantity: 2 },
        { sku: scarce, quantity: 2 },
        { sku: missing, quantity: 1 },
      ],
    });
    expect(refused).toEqual({
      ok: false,
      shortages: expect.arrayContaining([
        { sku: scarce, requested: 2, available: 1 },
        { sku: missing, requested: 1, available: 0 },
      ]),
    });
    if (!refused.ok) expect(refused.shortages).toHaveLength(2);
    // nothing was kept from the refused order: not the plentiful line, not a ledger row
    expect(await stockOf(plenty)).toEqual({ onHand: 5, reserved: 0, available: 5 });
    expect(await stockOf(scarce)).toEqual({ onHand: 1, reserved: 0, available: 1 });
    expect(await ledgerOf('o-all-or-nothing-1')).toEqual([]);

    const accepted = await inventory.reserveStock({
      orderId: 'o-all-or-nothing-2',
      lines: [
        { sku: plenty, quantity: 2 },
        { sku: scarce, quantity: 1 },
      ],
    });
    expect(accepted).toEqual({ ok: true });
    expect(await stockOf(plenty)).toEqual({ onHand: 5, reserved: 2, available: 3 });
    expect(await stockOf(scarce)).toEqual({ onHand: 1, reserved: 1, available: 0 });
  });

  test('two lines of the same SKU are reserved as their sum', async () => {
    const sku = await stocked(3);
    const result = await inventory.reserveStock({
      orderId: 'o-same-sku-twice',
      lines: [
        { sku, quantity: 2 },
        { sku, quantity: 2 },
      ],
    });
    expect(result).toEqual({ ok: false, shortages: [{ sku, requested: 4, available: 3 }] });
    expect(await stockOf(sku)).toMatchObject({ reserved: 0 });
  });

  test('50 orders racing for 5 units: exactly 5 win', async () => {
    const sku = await stocked(5);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        inventory.reserveStock({ orderId: `race-${sku}-${i}`, lines: [{ sku, quantity: 1 }] }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(5);
    for (const r of results.filter((x) => !x.ok)) {
      expect(r).toEqual({ ok: false, shortages: [{ sku, requested: 1, available: 0 }] });
    }
    expect(await stockOf(sku)).toEqual({ onHand: 5, reserved: 5, available: 0 });
  });

  test('orders racing from three processes at once: exactly 5 win', async () => {
    const sku = await stocked(5);
    const ids = (from: number) => Array.from({ length: 20 }, (_, i) => `xproc-${sku}-${from + i}`);
    const startAt = Date.now() + 4_000;
    const inThisProcess = async (): Promise<boolean[]> => {
      await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
      const results = await Promise.all(
        ids(40).map((orderId) => inventory.reserveStock({ orderId, lines: [{ sku, quantity: 1 }] })),
      );
      return results.map((r) => r.ok);
    };
    const [childA, childB, parent] = await Promise.all([
      reserveInChildProcess(db.url, sku, ids(0), startAt),
      reserveInChildProcess(db.url, sku, ids(20), startAt),
      inThisProcess(),
    ]);
    expect([...childA, ...childB, ...parent].filter(Boolean)).toHaveLength(5);
    expect(await stockOf(sku)).toEqual({ onHand: 5, reserved: 5, available: 0 });
  }, 120_000);

  test('the same order reserved again, one after the other, holds its units once', async () => {
    const sku = await stocked(10);
    const args = { orderId: `dup-seq-${sku}`, lines: [{ sku, quantity: 3 }] };
    expect(await inventory.reserveStock(args)).toEqual({ ok: true });
    expect(await inventory.reserveStock(args)).toEqual({ ok: true });
    expect(await inventory.reserveStock(args)).toEqual({ ok: true });
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 3, available: 7 });
    expect(await ledgerOf(args.orderId)).toEqual([{ sku, quantity: 3, state: 'reserved' }]);
  });

  test('the same order reserved by 10 concurrent calls holds its units once', async () => {
    const sku = await stocked(10);
    const args = { orderId: `dup-conc-${sku}`, lines: [{ sku, quantity: 4 }] };
    const results = await Promise.all(Array.from({ length: 10 }, () => inventory.reserveStock(args)));
    expect(results).toEqual(Array.from({ length: 10 }, () => ({ ok: true })));
    expect(await stockOf(sku)).toEqual({ onHand: 10, reserved: 4, available: 6 });
  });

  test('an order that still holds its reservation answers ok even when the pool has since run dry', async () => {
    const sku = await stocked(2);
    const args = { orderId: `held-${sku}`, lines: [{ sku, quantity: 2 }] };
    expect(await inventory.reserveStock(args)).toEqual({ ok: true });
    expect(await inventory.reserveStock(args)).toEqual({ ok: true });
    expect(await stockOf(sku)).toEqual({ onHand: 2, reserved: 2, available: 0 });
  });

  test('release, repeated and concurrent, gives the units back once', async () => {
    const sku = await stocked(6);
    const orderId = `release-${sku}`;
    await inventory.reserveStock({ orderId, lines: [{ sku, quantity: 4 }] });
    await inventory.reserveStock({ orderId: `other-${sku}`, lines: [{ sku, quantity: 1 }] });
    await Promise.all([inventory.releaseStock({ orderId }), inventory.releaseStock({ orderId })]);
    await inventory.releaseStock({ orderId });
    expect(await stockOf(sku)).toEqual({ onHand: 6, reserved: 1, available: 5 });
    expect(await ledgerOf(orderId)).toEqual([{ sku, quantity: 4, state: 'released' }]);
  });

  test('release of an order that never reserved anything is harmless', async () => {
    await expect(inventory.releaseStock({ orderId: 'never-reserved' })).resolves.toBeUndefined();
    await expect(inventory.commitStock({ orderId: 'never-reserved' })).resolves.toBeUndefined();
  });

  test('commit, repeated and concurrent, takes the units off the shelf once; release after it does nothing', async () => {
    const a = await stocked(5);
    const b = await stocked(3);
    const orderId = `commit-${a}`;
    await inventory.reserveStock({
      orderId,
      lines: [
        { sku: a, quantity: 2 },
        { sku: b, quantity: 3 },
      ],
    });
    await Promise.all([inventory.commitStock({ orderId }), inventory.commitStock({ orderId })]);
    await inventory.commitStock({ orderId });
    expect(await stockOf(a)).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect(await stockOf(b)).toEqual({ onHand: 0, reserved: 0, available: 0 });

    await inventory.releaseStock({ orderId });
    expect(await stockOf(a)).toEqual({ onHand: 3, reserved: 0, available: 3 });
    expect(await ledgerOf(orderId)).toEqual(
      [
        { sku: a, quantity: 2, state: 'committed' },
        { sku: b, quantity: 3, state: 'committed' },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    );
  });

  test('commit after release is a no-op', async () => {
    const sku = await stocked(4);
    const orderId = `release-then-commit-${sku}`;
    await inventory.reserveStock({ orderId, lines: [{ sku, quantity: 3 }] });
    await inventory.releaseStock({ orderId });
    await inventory.commitStock({ orderId });
    expect(await stockOf(sku)).toEqual({ onHand: 4, reserved: 0, available: 4 });
    expect(await ledgerOf(orderId)).toEqual([{ sku, quantity: 3, state: 'released' }]);
  });

  test('restock of a return adds the units once per return and SKU, however often it runs', async () => {
    const sku = await stocked(5);
    const orderId = `restock-${sku}`;
    await inventory.reserveStock({ orderId, lines: [{ sku, quantity: 3 }] });
    await inventory.commitStock({ orderId });
    expect(await stockOf(sku)).toMatchObject({ onHand: 2 });

    const first = { orderId, returnId: 'ret-1', lines: [{ sku, quantity: 2 }] };
    await Promise.all([inventory.restockReturn(first), inventory.restockReturn(first)]);
    await inventory.restockReturn(first);
    expect(await stockOf(sku)).toEqual({ onHand: 4, reserved: 0, available: 4 });

    // a second return of the same order is its own key
    await inventory.restockReturn({ orderId, returnId: 'ret-2', lines: [{ sku, quantity: 1 }] });
    await inventory.restockReturn({ orderId, returnId: 'ret-2', lines: [{ sku, quantity: 1 }] });
    expect(await stockOf(sku)).toEqual({ onHand: 5, reserved: 0, available: 5 });
  });

  test('malformed lines are refused as non-retryable input errors, not reserved', async () => {
    const sku = await stocked(5);
    await expect(inventory.reserveStock({ orderId: 'bad-qty', lines: [{ sku, quantity: 0 }] })).rejects.toMatchObject({
      type: 'InvalidInput',
      nonRetryable: true,
      message: expect.stringContaining('lines[0].quantity'),
    });
    await expect(inventory.reserveStock({ orderId: 'no-lines', lines: [] })).rejects.toMatchObject({
      type: 'InvalidInput',
    });
    expect(await stockOf(sku)).toMatchObject({ reserved: 0 });
  });
});

describe.each(DB_KINDS)('operator stock changes over HTTP on %s', (kind) => {
  let db: TestDb;
  let inventory: InventoryActivities;
  let api: RunningApi;

  beforeAll(async () => {
    db = await createTestDb(kind);
    inventory = createInventoryActivities(db.orm);
    // inventory routes never reach Temporal: a gateway that refuses every call proves it
    const orders = new Proxy({}, { get: () => () => Promise.reject(new Error('no gateway here')) }) as OrderGateway;
    api = await startApiServer({ config: loadConfig({}), store: createStore(db.orm), orders }, { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await api?.close();
    await db?.cleanup();
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${DEV_OPERATOR_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
    return { status: res.status, body: (await res.json()) as any };
  }

  /** A SKU with `onHand` units, `reserved` of them held by open orders. */
  async function stocked(onHand: number, reserved: number): Promise<string> {
    const sku = freshSku();
    expect((await call('PUT', `/inventory/${sku}`, { onHand })).status).toBe(200);
    for (let i = 0; i < reserved; i++) {
      expect(await inventory.reserveStock({ orderId: `op-${sku}-${i}`, lines: [{ sku, quantity: 1 }] })).toEqual({ ok: true });
    }
    return sku;
  }

  test('PUT refuses an on-hand count below what is reserved with 409, and changes nothing', async () => {
    const sku = await stocked(5, 3);
    const refused = await call('PUT', `/inventory/${sku}`, { onHand: 2 });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('conflict');
    expect(refused.body.error.message).toContain('less than the 3 units');
    expect((await call('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 5, reserved: 3, available: 2 });
    expect((await call('PUT', `/inventory/${sku}`, { onHand: 3 })).body).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
  });

  test('an adjustment below what is reserved is 409, and changes nothing', async () => {
    const sku = await stocked(5, 3);
    const refused = await call('POST', `/inventory/${sku}/adjustments`, { delta: -3, reason: 'recount' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toContain('below what is reserved (on hand: 5, reserved: 3)');
    expect((await call('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: 5, reserved: 3 });
    expect((await call('POST', `/inventory/${sku}/adjustments`, { delta: -2, reason: 'recount' })).body).toMatchObject({
      onHand: 3,
      available: 0,
    });
  });

  test('results past 1,000,000,000 units are refused (409; 400 for a change past the schema bound), never 500', async () => {
    const sku = await stocked(MAX_STOCK_UNITS, 0);
    const past = await call('POST', `/inventory/${sku}/adjustments`, { delta: 1, reason: 'found more' });
    expect(past.status).toBe(409);
    expect(past.body.error.message).toContain('past the most a location may hold (1000000000');
    // A change that large is refused by the request schema already, naming the field.
    const huge = await call('POST', `/inventory/${sku}/adjustments`, { delta: -(2 ** 40), reason: 'typo' });
    expect(huge.status).toBe(400);
    expect(JSON.stringify(huge.body.error)).toContain('delta');
    expect((await call('GET', `/inventory/${sku}`)).body).toMatchObject({ onHand: MAX_STOCK_UNITS });
  });

  test('available is never negative, even for a row counted below its reservations before the guard existed', async () => {
    const sku = await stocked(5, 3);
    await db.orm.em.fork().nativeUpdate(Stock, { sku }, { onHand: 1 }); // as version 1's unguarded PUT could leave it
    expect((await call('GET', `/inventory/${sku}`)).body).toMatchObject({
      onHand: 1,
      reserved: 3,
      available: 0,
      locations: [{ location: 'main', onHand: 1, reserved: 3, available: 0 }],
    });
  });

  test('the ledger repair recomputes an inflated reserved count from the live reservations and records what it changed', async () => {
    const sku = await stocked(10, 3);
    await inventory.releaseStock({ orderId: `op-${sku}-0` });
    // a release an operator skipped: the ledger row still says reserved, the counter went wrong another way
    await db.orm.em.fork().nativeUpdate(Stock, { sku }, { reserved: 7 });
    expect((await call('GET', `/inventory/${sku}`)).body).toMatchObject({ reserved: 7, available: 3 });

    const repaired = await call('POST', `/inventory/${sku}/repair`);
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({
      sku,
      changed: [{ location: 'main', reservedBefore: 7, reservedAfter: 2 }],
      inventory: { onHand: 10, reserved: 2, available: 8 },
    });
    expect(repaired.body.message).toContain('main (7 → 2)');
    const movements = await db.orm.em.fork().find(StockMovement, { sku, reason: 'ledger_repair' }, { disableIdentityMap: true });
    expect(movements).toHaveLength(1);
    expect(movements[0]).toMatchObject({ delta: 0, actor: expect.stringContaining('operator') });
    expect(JSON.parse(movements[0]!.detail!)).toEqual({ location: 'main', reservedBefore: 7, reservedAfter: 2 });
    // the repaired count is one the ledger's own release brings back to zero
    await inventory.releaseStock({ orderId: `op-${sku}-1` });
    await inventory.releaseStock({ orderId: `op-${sku}-2` });
    expect((await call('GET', `/inventory/${sku}`)).body).toMatchObject({ reserved: 0, available: 10 });
  });

  test('a repair racing reservations and releases leaves reserved equal to the live reservations', async () => {
    const sku = await stocked(30, 10);
    await db.orm.em.fork().nativeUpdate(Stock, { sku }, { reserved: 25 }); // inflated, as after a skipped release
    const store = createStore(db.orm);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => inventory.reserveStock({ orderId: `race-${sku}-${i}`, lines: [{ sku, quantity: 1 }] })),
      ...Array.from({ length: 5 }, (_, i) => inventory.releaseStock({ orderId: `op-${sku}-${i}` })),
      store.repairReserved({ sku, actor: 'operator:test' }),
      store.repairReserved({ sku, actor: 'operator:test' }),
    ]);
    const live = await db.orm.em.fork().find(Reservation, { sku, state: 'reserved' }, { disableIdentityMap: true });
    const row = await db.orm.em.fork().findOneOrFail(Stock, { sku }, { disableIdentityMap: true });
    // every reservation that won still holds its unit, every release gave one back, and the inflation is gone
    expect(row.reserved).toBe(live.reduce((n, r) => n + r.quantity, 0));
    expect(row.onHand).toBe(30);
  });

  test('a repair with nothing wrong changes nothing and says so; an unknown SKU is 404', async () => {
    const sku = await stocked(4, 2);
    const repaired = await call('POST', `/inventory/${sku}/repair`);
    expect(repaired.status).toBe(200);
    expect(repaired.body).toMatchObject({ changed: [], inventory: { reserved: 2, available: 2 } });
    expect(repaired.body.message).toContain('nothing to repair');
    expect(await db.orm.em.fork().count(StockMovement, { sku, reason: 'ledger_repair' })).toBe(0);
    expect((await call('POST', `/inventory/${freshSku()}/repair`)).status).toBe(404);
  });

  test('the repair is in the OpenAPI document, for operators', async () => {
    const doc = (await call('GET', '/openapi.json')).body;
    const op = doc.paths['/inventory/{sku}/repair']?.post;
    expect(op).toMatchObject({ operationId: 'repairInventory' });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '404']));
  });
});
