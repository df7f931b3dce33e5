// The API's store and the read-model activity on a real SQLite file and a real PostgreSQL
// database: paging, filters, version-guarded snapshots, callback de-duplication, stock changes; and the
// migrations that make their schema (fresh, concurrent, and upgrading a version-1 database).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInventoryActivities } from '../../activities/inventory';
import { createCallbackActivities, createReadModelActivities } from '../../activities/read-model';
import type { CallbackActivities, InventoryActivities, ReadModelActivities } from '../../contract/activities';
import { StoreConflictError, type OrderStore } from '../../contract/store';
import type { OrderInput, OrderView } from '../../contract/types';
import { MikroORM as PgMikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { MikroORM as SqlMikroORM, SqliteDriver } from '@mikro-orm/sql';
import { MIGRATIONS, migrate, migrationConfig } from '../../entities/migrate';
import { ALL_ENTITIES, closeORM, initORM, type OmsORM } from '../../entities/orm';
import { OmsSqliteDialect } from '../../entities/sqlite-dialect';
import { Reservation } from '../../entities/catalog';
import { CallbackLog, OrderLineRecord, OrderRecord, ShipmentRecord } from '../../entities/read-model';
import { InvalidCursorError, StoreInputError, createStore } from '../../entities/store';
import { formatDecimal } from '../../entities/stock-queries';
import { MAX_MONEY } from '../../domain/money';
import { DB_KINDS, PROJECT_ROOT, createEmptyDatabase, createTestDb, runScriptInChildProcess, type TestDb } from '../helpers/db';
import { V1_ENTITIES } from '../helpers/v1-schema';

const BASE_TIME = Date.parse('2025-03-01T10:00:00.000Z');

/** A complete OrderView; zero-padded ids sort the same bytewise and under any collation. */
function orderView(n: number, overrides: Partial<OrderView> = {}): OrderView {
  const externalOrderId = `EXT-${String(n).padStart(4, '0')}`;
  const channel = overrides.channel ?? 'webstore';
  const createdAt = overrides.createdAt ?? new Date(BASE_TIME + n * 1000).toISOString();
  return {
    id: `${channel}:${externalOrderId}`,
    channel,
    externalOrderId,
    status: 'new',
    paymentStatus: 'pending',
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
    timeline: [{ at: createdAt, type: 'status', status: 'new' }],
    version: 1,
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}

function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  return {
    orderId: 'webstore:V-1',
    channel: 'webstore',
    externalOrderId: 'V-1',
    customer: { name: 'Ayşe Yılmaz' },
    shippingAddress: { line1: 'Bağdat Cd. 10', city: 'İstanbul', country: 'TR' },
    lines: [{ sku: 'CAT-ACTIVE', quantity: 1, unitPrice: '149.90' }],
    currency: 'TRY',
    payment: { method: 'card' },
    carrier: 'yurtici',
    receivedAt: new Date(BASE_TIME).toISOString(),
    requestId: 'req-1',
    timers: {
      paymentTimeout: { card: '30m', bank_transfer: '48h' },
      pickSla: '24h',
      trackingWindow: '7d',
      returnWindow: '14d',
    },
    ...overrides,
  };
}

describe.each(DB_KINDS)('store and read model on %s', (kind) => {
  let db: TestDb;
  let store: OrderStore;
  let readModel: ReadModelActivities;
  let inventory: InventoryActivities;
  let callbackActivities: CallbackActivities;

  beforeAll(async () => {
    db = await createTestDb(kind);
    store = createStore(db.orm);
    readModel = createReadModelActivities(db.orm);
    callbackActivities = createCallbackActivities(db.orm);
    inventory = createInventoryActivities(db.orm);
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  describe('order list', () => {
    // 25 orders; three share each creation second, so the id breaks ties
    const views = Array.from({ length: 25 }, (_, i) =>
      orderView(i, {
        channel: i % 2 === 0 ? 'webstore' : 'trendyol',
        status: i % 3 === 0 ? 'confirmed' : 'new',
        needsAttention: i % 5 === 0,
        createdAt: new Date(BASE_TIME + Math.floor(i / 3) * 1000).toISOString(),
      }),
    );
    const newestFirst = (list: OrderView[]) =>
      [...list].sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      );

    beforeAll(async () => {
      for (const view of views) await readModel.recordOrder(view);
    });

    async function allPages(filter: Omit<Parameters<OrderStore['listOrders']>[0], 'cursor'>) {
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listOrders({ ...filter, cursor });
        pages.push(page.items.map((o) => o.id));
        cursor = page.nextCursor ?? undefined;
        if (cursor !== undefined) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      } while (cursor !== undefined && pages.length < 50);
      return pages;
    }

    test('pages newest first with a stable order, every order exactly once', async () => {
      const pages = await allPages({ limit: 10 });
      expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
      expect(pages.flat()).toEqual(newestFirst(views).map((v) => v.id));
    });

    test('a page size that divides the total ends without an empty page', async () => {
      const pages = await allPages({ limit: 5 });
      expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 5]);
    });

    test('filters by status, channel and needs-attention, alone and together, across pages', async () => {
      for (const filter of [
        { status: 'confirmed' as const },
        { channel: 'trendyol' },
        { needsAttention: true },
        { needsAttention: false, channel: 'webstore' },
        { status: 'new' as const, channel: 'webstore', needsAttention: false },
      ]) {
        const expected = newestFirst(
          views.filter(
            (v) =>
              (filter.status === undefined || v.status === filter.status) &&
              (filter.channel === undefined || v.channel === filter.channel) &&
              (filter.needsAttention === undefined || v.needsAttention === filter.needsAttention),
          ),
        ).map((v) => v.id);
        expect(expected.length).toBeGreaterThan(0);
        expect((await allPages({ ...filter, limit: 3 })).flat()).toEqual(expected);
      }
    });

    test('returns the stored OrderView as it was recorded', async () => {
      const page = await store.listOrders({ limit: 1 });
      const newest = newestFirst(views)[0];
      expect(page.items).toEqual([newest]);
      expect(await store.getOrder(newest!.id)).toEqual(newest);
      expect(await store.getOrder('webstore:NOPE')).toBeNull();
    });

    test('refuses a cursor it did not hand out', async () => {
      await expect(store.listOrders({ limit: 5, cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
      const forged = Buffer.from(JSON.stringify({ hello: 1 })).toString('base64url');
      await expect(store.listOrders({ limit: 5, cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('recordOrder', () => {
    test('keeps the newest version: older and equal versions are no-ops', async () => {
      const v2 = orderView(100, { status: 'confirmed', paymentStatus: 'captured', version: 2 });
      await readModel.recordOrder(v2);
      await readModel.recordOrder(orderView(100, { status: 'new', version: 1 }));
      expect(await store.getOrder(v2.id)).toEqual(v2);
      await readModel.recordOrder(orderView(100, { status: 'canceled', version: 2 }));
      expect(await store.getOrder(v2.id)).toEqual(v2);

      const v3 = orderView(100, { status: 'picking', paymentStatus: 'captured', version: 3 });
      await readModel.recordOrder(v3);
      expect(await store.getOrder(v3.id)).toEqual(v3);
      const listed = await store.listOrders({ limit: 200, status: 'picking' });
      expect(listed.items.map((o) => o.id)).toContain(v3.id);
      expect((await store.listOrders({ limit: 200, status: 'confirmed' })).items.map((o) => o.id)).not.toContain(v3.id);
    });

    test('snapshots arriving concurrently and out of order end at the newest', async () => {
      const versions = [7, 3, 10, 1, 9, 2, 8, 5, 4, 6];
      await Promise.all(
        versions.map((version) =>
          readModel.recordOrder(orderView(200, { version, status: version >= 5 ? 'shipped' : 'new' })),
        ),
      );
      expect(await store.getOrder(orderView(200).id)).toMatchObject({ version: 10, status: 'shipped' });
    });

    test('shipments are found by tracking number (and carrier); a stale snapshot does not remove them', async () => {
      const base = orderView(300, { version: 1 });
      await readModel.recordOrder(base);
      expect(await store.findOrderIdByTracking('TRK-300')).toBeNull();

      const shipment = {
        shipmentId: 'shp-1',
        carrier: 'yurtici' as const,
        trackingNumber: 'TRK-300',
        labelRef: 'label-1',
        lines: [{ sku: 'SKU-1', quantity: 2 }],
        events: [{ eventId: 'ev-1', status: 'picked_up' as const, at: base.createdAt }],
      };
      await readModel.recordOrder({ ...base, version: 2, status: 'shipped', shipment, shipments: [shipment] });
      expect(await store.findOrderIdByTracking('TRK-300')).toBe(base.id);
      expect(await store.findOrderIdByTracking('TRK-300', 'yurtici')).toBe(base.id);
      expect(await store.findOrderIdByTracking('TRK-300', 'aras')).toBeNull();

      await readModel.recordOrder(base); // version 1 again, e.g. a retried older write
      expect(await store.findOrderIdByTracking('TRK-300')).toBe(base.id);
    });

    test('one tracking number issued by two carriers belongs to two orders, each found by its carrier', async () => {
      const shipmentOf = (carrier: 'aras' | 'mng') => ({
        shipmentId: `shp-${carrier}`,
        carrier,
        trackingNumber: 'TRK-SHARED-1',
        labelRef: `label-${carrier}`,
        lines: [{ sku: 'SKU-1', quantity: 2 }],
        events: [],
      });
      const aras = orderView(310, { version: 2, status: 'shipped', shipment: shipmentOf('aras'), shipments: [shipmentOf('aras')] });
      const mng = orderView(311, { version: 2, status: 'shipped', shipment: shipmentOf('mng'), shipments: [shipmentOf('mng')] });
      await readModel.recordOrder(aras);
      await readModel.recordOrder(mng);
      expect(await store.findOrderIdByTracking('TRK-SHARED-1', 'aras')).toBe(aras.id);
      expect(await store.findOrderIdByTracking('TRK-SHARED-1', 'mng')).toBe(mng.id);
      expect(await store.getOrder(mng.id)).toMatchObject({ version: 2, status: 'shipped' });
    });

    test('a write rewrites only the child tables whose rows changed; a row without a digest has every table rewritten', async () => {
      const rowsOf = async (id: string) => {
        const em = db.orm.em.fork();
        const lines = await em.find(OrderLineRecord, { orderId: id }, { orderBy: { lineNo: 'asc' }, disableIdentityMap: true });
        const shipments = await em.find(ShipmentRecord, { orderId: id }, { disableIdentityMap: true });
        return { lines: lines.map((l) => ({ id: l.id, quantity: l.quantity, returned: l.returnedQuantity })), shipments: shipments.map((s) => ({ id: s.id, lastStatus: s.lastStatus })) };
      };
      const base = orderView(320, { version: 1 });
      await readModel.recordOrder(base);
      const first = await rowsOf(base.id);
      expect(first.lines).toHaveLength(1);

      const shipment = {
        shipmentId: 'shp-320',
        carrier: 'yurtici' as const,
        trackingNumber: 'TRK-320',
        labelRef: 'label-320',
        lines: [{ sku: 'SKU-1', quantity: 2 }],
        events: [{ eventId: 'ev-320-1', status: 'picked_up' as const, at: base.createdAt }],
      };
      // A shipment added, the lines as they were: the line rows are the same rows, the shipment is new.
      await readModel.recordOrder({ ...base, version: 2, status: 'shipped', shipment, shipments: [shipment] });
      const second = await rowsOf(base.id);
      expect(second.lines).toEqual(first.lines);
      expect(second.shipments).toEqual([{ id: expect.any(Number), lastStatus: 'picked_up' }]);

      // The shipment moved on and a unit came back: both tables are rewritten with what the view says.
      const delivered = { ...shipment, events: [...shipment.events, { eventId: 'ev-320-2', status: 'delivered' as const, at: base.createdAt }] };
      const lines = [{ ...base.lines[0]!, returnedQuantity: 1 }];
      await readModel.recordOrder({ ...base, version: 3, status: 'delivered', lines, shipment: delivered, shipments: [delivered] });
      const third = await rowsOf(base.id);
      expect(third.lines).toEqual([{ id: expect.any(Number), quantity: 2, returned: 1 }]);
      expect(third.lines[0]!.id).not.toBe(first.lines[0]!.id);
      expect(third.shipments).toEqual([{ id: expect.any(Number), lastStatus: 'delivered' }]);
      expect(third.shipments[0]!.id).not.toBe(second.shipments[0]!.id);

      // A row written before the digest existed (null): its next write rewrites every table, whatever changed.
      await db.orm.em.fork().nativeUpdate(OrderRecord, { id: base.id }, { childrenDigest: null });
      await readModel.recordOrder({ ...base, version: 4, status: 'delivered', lines, shipment: delivered, shipments: [delivered] });
      const fourth = await rowsOf(base.id);
      expect(fourth.lines.map((l) => l.returned)).toEqual([1]);
      expect(fourth.lines[0]!.id).not.toBe(third.lines[0]!.id);
      expect(fourth.shipments[0]!.id).not.toBe(third.shipments[0]!.id);
      expect(await store.findOrderIdByTracking('TRK-320', 'yurtici')).toBe(base.id);
    });

    test('refuses a snapshot it can never store (no usable version, a bad date, a NUL) as a non-retryable input error', async () => {
      await expect(readModel.recordOrder(orderView(400, { version: 1.5 }))).rejects.toMatchObject({
        type: 'InvalidInput',
        nonRetryable: true,
      });
      await expect(readModel.recordOrder(orderView(401, { createdAt: 'yesterday' }))).rejects.toMatchObject({
        type: 'InvalidInput',
      });
      // a value no database can store would fail every retry the same way
      await expect(
        readModel.recordOrder(orderView(402, { customer: { name: 'Ali\u0000Veli' }, cancelReason: 'x\u0000' })),
      ).rejects.toMatchObject({ type: 'InvalidInput', nonRetryable: true, message: expect.stringContaining('NUL') });
      expect(await store.getOrder(orderView(402).id)).toBeNull();
    });
  });

  describe('recordLatePayment', () => {
    const late = (orderId: string, n: number, refunded?: string) => ({
      orderId,
      payment: {
        key: `late-payment:${orderId}:evt-${n}`,
        eventId: `evt-${n}`,
        action: refunded ? ('refunded' as const) : ('voided' as const),
        amount: refunded ?? '10.00',
        at: new Date(BASE_TIME + 60_000 + n).toISOString(),
      },
      entries: [{ type: 'late_payment', detail: `event ${n}` }],
      paymentStatus: refunded ? ('refunded' as const) : ('voided' as const),
      refunded,
    });

    test('settlements of several late events all land, each once, however often retried or raced', async () => {
      const base = orderView(500, { status: 'canceled', cancelReason: 'payment_timeout', version: 4 });
      await readModel.recordOrder(base);
      await Promise.all([
        readModel.recordLatePayment(late(base.id, 1, '100.00')),
        readModel.recordLatePayment(late(base.id, 2, '50.25')),
        readModel.recordLatePayment(late(base.id, 1, '100.00')),
        readModel.recordLatePayment(late(base.id, 3)),
      ]);
      await readModel.recordLatePayment(late(base.id, 2, '50.25'));

      const order = (await store.getOrder(base.id))!;
      expect(order.latePayments!.map((p) => p.eventId).sort()).toEqual(['evt-1', 'evt-2', 'evt-3']);
      expect(order.totals.refunded).toBe('150.25');
      expect(order.version).toBe(7);
      expect(order.status).toBe('canceled');
      expect(order.timeline.filter((e) => e.type === 'late_payment')).toHaveLength(3);
      // The list columns follow the snapshot.
      const page = await store.listOrders({ status: 'canceled', limit: 50 });
      expect(page.items.find((o) => o.id === base.id)?.totals.refunded).toBe('150.25');
    });

    test('a failed settlement flags the order for an operator', async () => {
      const base = orderView(501, { status: 'canceled', version: 2 });
      await readModel.recordOrder(base);
      await readModel.recordLatePayment({
        ...late(base.id, 9),
        paymentStatus: undefined,
        attention: { step: 'late_payment_void', reason: 'provider down' },
      });
      const order = (await store.getOrder(base.id))!;
      expect(order).toMatchObject({
        needsAttention: true,
        attention: { step: 'late_payment_void', reason: 'provider down' },
        paymentStatus: 'pending',
      });
      const flagged = await store.listOrders({ needsAttention: true, limit: 50 });
      expect(flagged.items.map((o) => o.id)).toContain(base.id);
    });

    test('a settlement for an order the read model does not hold answers order_missing instead of failing', async () => {
      // the money already went back: failing now would fail the settlement (R20)
      await expect(readModel.recordLatePayment(late('webstore:NOPE', 1))).resolves.toEqual({ outcome: 'order_missing' });
      expect(await store.getOrder('webstore:NOPE')).toBeNull();
    });

    test('a later successful settlement of the same payment clears the flag its failure raised', async () => {
      const base = orderView(502, { status: 'canceled', version: 2 });
      await readModel.recordOrder(base);
      const failed = (n: number) => ({
        ...late(base.id, n),
        payment: { ...late(base.id, n).payment, key: `late-payment:${base.id}:evt-${n}:failed`, action: 'failed' as const },
        paymentStatus: undefined,
        attention: { step: 'late_payment_refund', reason: `provider down for ${n}` },
      });
      expect(await readModel.recordLatePayment(failed(1))).toEqual({ outcome: 'recorded' });
      expect(await readModel.recordLatePayment(failed(2))).toEqual({ outcome: 'recorded' });
      // the operator fixed the cause and reset the first settlement: it succeeds, the second is still open
      expect(await readModel.recordLatePayment(late(base.id, 1, '10.00'))).toEqual({ outcome: 'recorded' });
      expect(await store.getOrder(base.id)).toMatchObject({ needsAttention: true, attention: { step: 'late_payment_refund' } });
      expect(await readModel.recordLatePayment(late(base.id, 2, '10.00'))).toEqual({ outcome: 'recorded' });
      expect(await readModel.recordLatePayment(late(base.id, 2, '10.00'))).toEqual({ outcome: 'already_recorded' });
      const order = (await store.getOrder(base.id))!;
      expect(order.needsAttention).toBe(false);
      expect(order.attention).toBeUndefined();
      expect(order.totals.refunded).toBe('20.00');
      expect(order.timeline.at(-1)).toMatchObject({ type: 'attention_cleared', detail: expect.stringContaining('evt-2') });
      const flagged = await store.listOrders({ needsAttention: true, limit: 100 });
      expect(flagged.items.map((o) => o.id)).not.toContain(base.id);
    });
  });

  describe('callbacks', () => {
    test('the same sender and event id is a duplicate; another carrier with the same event id is not', async () => {
      const cb = { source: 'carrier:aras' as const, eventId: '1001', orderId: 'webstore:EXT-0001', payload: { a: 1 } };
      expect(await store.logCallback(cb)).toEqual({ duplicate: false, matched: null });
      expect(await store.logCallback(cb)).toEqual({ duplicate: true, matched: null });
      await store.markCallback({ ...cb, matched: true });
      expect(await store.logCallback(cb)).toEqual({ duplicate: true, matched: true });
      // MNG numbers its events on its own: its 1001 is another event, logged in full
      const mng = { ...cb, source: 'carrier:mng' as const, orderId: null, payload: { b: 2 } };
      expect(await store.logCallback(mng)).toEqual({ duplicate: false, matched: null });
      await store.markCallback({ ...mng, matched: false });
      const rows = await db.orm.em
        .fork()
        .find(CallbackLog, { eventId: '1001' }, { orderBy: { source: 'asc' }, disableIdentityMap: true });
      expect(rows.map((r) => [r.source, r.matched, r.orderId, r.payload])).toEqual([
        ['carrier:aras', true, 'webstore:EXT-0001', { a: 1 }],
        ['carrier:mng', false, null, { b: 2 }],
      ]);
    });

    test('concurrent deliveries of one event: exactly one is new', async () => {
      const cb = { source: 'warehouse' as const, eventId: 'evt-race', orderId: null, payload: {} };
      const results = await Promise.all(Array.from({ length: 8 }, () => store.logCallback(cb)));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    });

    test('a failed delivery forgets its row; a mark after that puts it back', async () => {
      const cb = { source: 'warehouse' as const, eventId: 'evt-forget', orderId: 'webstore:EXT-0002', payload: {} };
      await store.logCallback(cb);
      await store.forgetCallback(cb);
      expect(await store.logCallback(cb)).toEqual({ duplicate: false, matched: null });
      await store.forgetCallback(cb); // a racing twin failed while this one is still delivering
      await store.markCallback({ ...cb, matched: true });
      expect(await store.logCallback(cb)).toEqual({ duplicate: true, matched: true });
      await store.forgetCallback(cb); // only undecided rows are forgotten
      expect(await store.logCallback(cb)).toEqual({ duplicate: true, matched: true });
    });
  });

  describe('claimEarlyPayments', () => {
    const early = (orderId: string, eventId: string, type: string, extra: Record<string, string> = {}) => ({
      source: 'payments' as const,
      eventId,
      orderId,
      payload: { eventId, orderId, type, ...extra },
    });

    test('claims the unmatched payments of the order, once, and answers the same events on every call', async () => {
      const orderId = 'webstore:EARLY-1';
      const auth = early(orderId, 'e1', 'authorized', { amount: '10.00', currency: 'TRY', at: '2026-12-01T10:00:00.000Z' });
      await store.logCallback(auth);
      await store.markCallback({ ...auth, matched: false });
      const inFlight = early(orderId, 'e2', 'captured'); // logged, its signal not answered yet
      await store.logCallback(inFlight);
      const delivered = early(orderId, 'e3', 'failed'); // reached the order by signal: not the order's to claim
      await store.logCallback(delivered);
      await store.markCallback({ ...delivered, matched: true });
      const other = early('webstore:EARLY-OTHER', 'e4', 'authorized');
      await store.logCallback(other);
      await store.markCallback({ ...other, matched: false });

      const first = await callbackActivities.claimEarlyPayments({ orderId });
      expect(first).toEqual([
        { eventId: 'e1', type: 'authorized', amount: '10.00', currency: 'TRY', at: '2026-12-01T10:00:00.000Z' },
        { eventId: 'e2', type: 'captured', amount: undefined, currency: undefined, at: expect.any(String) },
      ]);
      expect(await callbackActivities.claimEarlyPayments({ orderId })).toEqual(first);
      // claimed means matched: the provider's retry of it is not signalled again, and a late answer cannot unmark it
      await store.markCallback({ ...inFlight, matched: false });
      expect(await store.logCallback(auth)).toEqual({ duplicate: true, matched: true });
      expect(await store.logCallback(inFlight)).toEqual({ duplicate: true, matched: true });
      expect(await store.logCallback(other)).toEqual({ duplicate: true, matched: false });
      expect(await callbackActivities.claimEarlyPayments({ orderId: 'webstore:EARLY-NONE' })).toEqual([]);
    });

    test('two concurrent claims for one order both answer every early payment, each claimed once', async () => {
      const orderId = 'webstore:EARLY-2';
      for (const n of [1, 2, 3, 4, 5]) {
        const cb = early(orderId, `race-${n}`, n === 3 ? 'captured' : 'authorized');
        await store.logCallback(cb);
        await store.markCallback({ ...cb, matched: false });
      }
      const [a, b] = await Promise.all([
        callbackActivities.claimEarlyPayments({ orderId }),
        callbackActivities.claimEarlyPayments({ orderId }),
      ]);
      expect(a.map((e) => e.eventId)).toEqual(['race-1', 'race-2', 'race-3', 'race-4', 'race-5']);
      expect(b).toEqual(a);
      const rows = await db.orm.em.fork().find(CallbackLog, { orderId }, { disableIdentityMap: true });
      expect(rows.every((r) => r.matched === true && r.claimedAt instanceof Date)).toBe(true);
      expect(new Set(rows.map((r) => r.claimedAt?.getTime())).size).toBe(1); // one call claimed them all
    });
  });

  describe('inventory', () => {
    test('setOnHand creates the SKU and keeps a breakdown per location', async () => {
      expect(await store.getInventory('INV-1')).toBeNull();
      expect(await store.setOnHand({ sku: 'INV-1', onHand: 25, location: 'main', actor: 'op' })).toEqual({
        sku: 'INV-1',
        onHand: 25,
        reserved: 0,
        available: 25,
        locations: [{ location: 'main', onHand: 25, reserved: 0, available: 25 }],
      });
      await store.setOnHand({ sku: 'INV-1', onHand: 4, location: 'store-kadikoy', actor: 'op' });
      await store.setOnHand({ sku: 'INV-1', onHand: 20, location: 'main', actor: 'op' });
      expect(await store.getInventory('INV-1')).toEqual({
        sku: 'INV-1',
        onHand: 24,
        reserved: 0,
        available: 24,
        locations: [
          { location: 'main', onHand: 20, reserved: 0, available: 20 },
          { location: 'store-kadikoy', onHand: 4, reserved: 0, available: 4 },
        ],
      });
    });

    test('reservations show as reserved and lower what is available', async () => {
      await store.setOnHand({ sku: 'INV-2', onHand: 10, location: 'main', actor: 'op' });
      await inventory.reserveStock({ orderId: 'inv-2-order', lines: [{ sku: 'INV-2', quantity: 3 }] });
      expect(await store.getInventory('INV-2')).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
      await store.setOnHand({ sku: 'INV-2', onHand: 12, location: 'main', actor: 'op' });
      expect(await store.getInventory('INV-2')).toMatchObject({ onHand: 12, reserved: 3, available: 9 });
    });

    test('adjustOnHand moves on-hand relatively and refuses to go below zero', async () => {
      await store.setOnHand({ sku: 'INV-3', onHand: 5, location: 'main', actor: 'op' });
      expect(
        await store.adjustOnHand({ sku: 'INV-3', delta: -3, reason: 'damaged', location: 'main', actor: 'op' }),
      ).toMatchObject({
        onHand: 2,
      });
      expect(
        await store.adjustOnHand({ sku: 'INV-3', delta: 4, reason: 'found', location: 'main', actor: 'op' }),
      ).toMatchObject({
        onHand: 6,
      });
      const below = store.adjustOnHand({ sku: 'INV-3', delta: -7, reason: 'damaged', location: 'main', actor: 'op' });
      await expect(below).rejects.toBeInstanceOf(StoreConflictError);
      await expect(below).rejects.toThrow(/below zero/);
      expect(await store.getInventory('INV-3')).toMatchObject({ onHand: 6 });
      await expect(
        store.adjustOnHand({ sku: 'INV-NEW', delta: -1, reason: 'damaged', location: 'main', actor: 'op' }),
      ).rejects.toBeInstanceOf(StoreConflictError);
      expect(
        await store.adjustOnHand({ sku: 'INV-NEW', delta: 2, reason: 'found', location: 'main', actor: 'op' }),
      ).toMatchObject({
        onHand: 2,
      });
    });

    test('concurrent decrements never take on-hand below zero', async () => {
      await store.setOnHand({ sku: 'INV-4', onHand: 5, location: 'main', actor: 'op' });
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, () =>
          store.adjustOnHand({ sku: 'INV-4', delta: -1, reason: 'count', location: 'main', actor: 'op' }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflictError);
      expect(await store.getInventory('INV-4')).toMatchObject({ onHand: 0 });
    });
  });

  describe('products and validateOrder', () => {
    beforeAll(async () => {
      await store.upsertProduct({ sku: 'CAT-ACTIVE', name: 'Kupa', price: '149.9', active: true });
      await store.upsertProduct({ sku: 'CAT-OFF', name: 'Eski kupa', price: '99.00', active: false });
    });

    test('products round-trip with the price as a two-decimal string, and update in place', async () => {
      expect(await store.getProduct('CAT-ACTIVE')).toEqual({
        sku: 'CAT-ACTIVE',
        name: 'Kupa',
        price: '149.90',
        active: true,
      });
      expect(await store.upsertProduct({ sku: 'CAT-TMP', name: 'A', price: '1.05', active: true })).toEqual({
        sku: 'CAT-TMP',
        name: 'A',
        price: '1.05',
        active: true,
      });
      expect(await store.upsertProduct({ sku: 'CAT-TMP', name: 'B', price: '2.50', active: false })).toEqual({
        sku: 'CAT-TMP',
        name: 'B',
        price: '2.50',
        active: false,
      });
      expect(await store.getProduct('CAT-MISSING')).toBeNull();
    });

    test('a product and an order at exactly MAX_MONEY are stored and read back exactly', async () => {
      expect(await store.upsertProduct({ sku: 'CAT-MAX', name: 'En pahalı', price: MAX_MONEY, active: true })).toEqual({
        sku: 'CAT-MAX',
        name: 'En pahalı',
        price: MAX_MONEY,
        active: true,
      });
      const view = orderView(900, {
        lines: [{ sku: 'CAT-MAX', quantity: 1, unitPrice: MAX_MONEY, lineTotal: MAX_MONEY, returnedQuantity: 0, refundedQuantity: 0 }],
        totals: { currency: 'TRY', subtotal: MAX_MONEY, total: MAX_MONEY, refunded: MAX_MONEY },
      });
      await readModel.recordOrder(view);
      // the columns themselves, not only the JSON snapshot: PostgreSQL refuses what numeric(p,2) cannot hold
      const [order] = await db.orm.em
        .fork()
        .execute<{ subtotal: string | number; total: string | number; refunded: string | number }[]>(
          `select subtotal, total, refunded from orders where id = '${view.id}'`,
        );
      const [line] = await db.orm.em
        .fork()
        .execute<{ unit_price: string | number; line_total: string | number }[]>(
          `select unit_price, line_total from order_line where order_id = '${view.id}'`,
        );
      expect([order!.subtotal, order!.total, order!.refunded, line!.unit_price, line!.line_total].map(formatDecimal)).toEqual(
        Array(5).fill(MAX_MONEY),
      );
      if (kind === 'postgres') expect(order!.total).toBe(MAX_MONEY); // exact decimal text, no rounding on the way
    });

    test('a NUL inside a value given to the ORM is refused with a clean input error, not a cut statement', async () => {
      const name = "Ali\u0000Veli'nin kupası";
      const saving = store.upsertProduct({ sku: 'CAT-NUL', name, price: '1.00', active: true });
      await expect(saving).rejects.toBeInstanceOf(StoreInputError);
      await expect(saving).rejects.toThrow('a text value contains a NUL character (U+0000), which the database cannot store');
      expect(await store.getProduct('CAT-NUL')).toBeNull();
      const cb = { source: 'payments' as const, eventId: 'nul\u0000x', orderId: 'webstore:NUL', payload: {} };
      await expect(store.logCallback(cb)).rejects.toBeInstanceOf(StoreInputError);
      // inside JSON it travels escaped (\u0000): SQLite keeps it, PostgreSQL's jsonb refuses it with its own clean error
      const inJson = { ...cb, eventId: 'nul-in-payload', payload: { note: name } };
      if (kind === 'sqlite') {
        expect(await store.logCallback(inJson)).toEqual({ duplicate: false, matched: null });
        expect((await db.orm.em.fork().findOne(CallbackLog, { eventId: 'nul-in-payload' }))?.payload).toEqual({ note: name });
      } else {
        await expect(store.logCallback(inJson)).rejects.toThrow('unsupported Unicode escape sequence');
      }
      // the connection is unharmed
      expect(await store.upsertProduct({ sku: 'CAT-NUL', name: 'Ali Veli', price: '1.00', active: true })).toMatchObject({ name: 'Ali Veli' });
    });

    test('accepts a valid order', async () => {
      expect(await inventory.validateOrder(orderInput())).toEqual({ ok: true });
    });

    test('names every problem by line and field', async () => {
      const result = await inventory.validateOrder(
        orderInput({
          customer: { name: ' ' },
          shippingAddress: { line1: 'Bağdat Cd. 10', city: '', country: 'TR' },
          lines: [
            { sku: 'CAT-ACTIVE', quantity: 1, unitPrice: '149.90' },
            { sku: 'SKU-9', quantity: 1, unitPrice: '10.00' },
            { sku: 'CAT-OFF', quantity: 0, unitPrice: '0.00' },
            { sku: 'CAT-ACTIVE', quantity: 1.5, unitPrice: '-1' },
          ],
        }),
      );
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problems).toEqual(
        expect.arrayContaining([
          'customer.name: required',
          'shippingAddress.city: required',
          'lines[1].sku SKU-9: unknown product',
          'lines[2].sku CAT-OFF: product is not active',
          expect.stringMatching(/^lines\[2\]\.quantity .*positive integer/),
          expect.stringMatching(/^lines\[2\]\.unitPrice .*positive decimal/),
          expect.stringMatching(/^lines\[3\]\.quantity .*positive integer/),
          expect.stringMatching(/^lines\[3\]\.unitPrice .*positive decimal/),
        ]),
      );
      expect(result.problems.some((p) => p.startsWith('lines[0]'))).toBe(false);
    });

    test('a line priced below the catalog is refused, naming the SKU and both prices', async () => {
      await store.upsertProduct({ sku: 'CAT-TEN', name: 'On liralık', price: '10.00', active: true });
      expect(
        await inventory.validateOrder(
          orderInput({
            lines: [
              { sku: 'CAT-TEN', quantity: 1, unitPrice: '0.01' },
              { sku: 'CAT-ACTIVE', quantity: 1, unitPrice: '149.90' },
            ],
          }),
        ),
      ).toEqual({ ok: false, problems: ['lines[0].unitPrice 0.01 for CAT-TEN is below the catalog price 10.00'] });
    });

    test('a line priced above the catalog is accepted and reported as a discrepancy', async () => {
      expect(
        await inventory.validateOrder(orderInput({ lines: [{ sku: 'CAT-ACTIVE', quantity: 2, unitPrice: '159.90' }] })),
      ).toEqual({ ok: true, discrepancies: ['lines[0].unitPrice 159.90 for CAT-ACTIVE is above the catalog price 149.90'] });
    });

    test('a channel that sets its own prices may undercut the catalog: accepted, with the discrepancy', async () => {
      const marketplace = createInventoryActivities(db.orm, { ownPriceChannels: ['trendyol'] });
      const order = orderInput({
        channel: 'trendyol',
        orderId: 'trendyol:V-1',
        lines: [{ sku: 'CAT-ACTIVE', quantity: 1, unitPrice: '129.90' }],
      });
      expect(await marketplace.validateOrder(order)).toEqual({
        ok: true,
        discrepancies: ['lines[0].unitPrice 129.90 for CAT-ACTIVE is below the catalog price 149.90'],
      });
      // the same order from a channel not so configured is refused
      expect(await marketplace.validateOrder({ ...order, channel: 'webstore', orderId: 'webstore:V-1' })).toMatchObject({ ok: false });
    });

    test('an order without lines is a problem, not a crash', async () => {
      expect(await inventory.validateOrder(orderInput({ lines: [] }))).toEqual({
        ok: false,
        problems: ['lines: at least one line is required'],
      });
    });
  });

  test('ping answers while the database is up', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  test('start-up against a migrated database applies nothing, also from several ORMs at once', async () => {
    const [a, b] = await Promise.all([
      initORM({ databaseUrl: db.url, migrate: true }),
      initORM({ databaseUrl: db.url, migrate: true }),
    ]);
    try {
      expect(await migrate(a)).toEqual([]);
      expect(await a.schema.getUpdateSchemaSQL()).toBe('');
      expect(await createStore(b).getOrder(orderView(100).id)).toMatchObject({ version: 3 });
    } finally {
      await closeORM(a);
      await closeORM(b);
    }
  });
});

/** An ORM on `url` that neither migrates nor checks (the current entities unless told otherwise). */
async function openRaw(url: string, entities: unknown[] = ALL_ENTITIES): Promise<OmsORM> {
  const common = { entities: entities as typeof ALL_ENTITIES, ...migrationConfig(url.startsWith('postgres') ? 'postgresql' : 'sqlite') };
  const orm = url.startsWith('postgres')
    ? await PgMikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: url })
    : await SqlMikroORM.init({ ...common, driver: SqliteDriver, dbName: url, driverOptions: new OmsSqliteDialect(url, { busyTimeoutMs: 5000 }) });
  return orm as unknown as OmsORM;
}

describe.each(DB_KINDS)('migrations on %s', (kind) => {
  const dbKind = kind === 'postgres' ? 'postgresql' : 'sqlite';

  test('a migrated database has exactly the schema the entities describe: no pending diff', async () => {
    const db = await createTestDb(kind);
    try {
      expect(await db.orm.schema.getUpdateSchemaSQL()).toBe('');
      expect((await db.orm.migrator.getExecuted()).map((m) => m.name)).toEqual(MIGRATIONS[dbKind].map((m) => m.name));
    } finally {
      await db.cleanup();
    }
  });

  test('a process that does not migrate refuses to start on a database with pending migrations, and writes nothing', async () => {
    const db = await createEmptyDatabase(kind);
    try {
      await expect(initORM({ databaseUrl: db.url })).rejects.toThrow(
        /pending migrations: Migration20261202000000_baseline, .*run `npm run migrate`/,
      );
      const orm = await openRaw(db.url);
      try {
        const helper = orm.em.getPlatform().getSchemaHelper()!;
        expect(await helper.tableExists(orm.em.getConnection(), 'mikro_orm_migrations', undefined)).toBe(false);
      } finally {
        await orm.close(true);
      }
    } finally {
      await db.cleanup();
    }
  });

  test('a version-1 database (made by safe schema update, no migrations table) is baselined, keeps its data and is upgraded', async () => {
    const db = await createEmptyDatabase(kind);
    let orm: OmsORM | undefined;
    try {
      // what version 1 did at every start, with its own entity definitions
      const v1 = await openRaw(db.url, V1_ENTITIES);
      try {
        await v1.schema.update({ safe: true });
        const em = v1.em.fork();
        await em.execute(
          `insert into product (sku, name, price, active, created_at, updated_at) values ('V1-SKU', 'Kupa', 149.90, true, '2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z')`,
        );
        await em.execute(
          `insert into shipment (order_id, shipment_id, carrier, tracking_number, label_ref) values ('webstore:V1-1', 'S1', 'aras', 'AR1', 'label')`,
        );
        // an order in flight holding 2 of 5 units: its reservation must keep working after the upgrade
        await em.execute(
          `insert into stock (sku, location, on_hand, reserved, version, updated_at) values ('V1-SKU', 'main', 5, 2, 1, '2026-11-01T10:00:00Z')`,
        );
        await em.execute(
          `insert into reservation (order_id, sku, location, quantity, state, created_at, updated_at) values ('webstore:V1-1', 'V1-SKU', 'main', 2, 'reserved', '2026-11-01T10:00:00Z', '2026-11-01T10:00:00Z')`,
        );
        await em.execute(
          `insert into callback_log (source, event_id, order_id, matched, payload, received_at) values ` +
            `('payment', 'p-1', 'webstore:V1-1', true, '{}', '2026-11-01T10:00:00Z'), ` +
            `('carrier', 'c-1', 'webstore:V1-1', true, '{}', '2026-11-01T10:00:00Z'), ` +
            `('carrier', 'c-2', null, false, '{}', '2026-11-01T10:00:00Z')`,
        );
      } finally {
        await v1.close(true);
      }

      await expect(initORM({ databaseUrl: db.url })).rejects.toThrow(/pending migrations: Migration20261202000000_baseline/);
      orm = await openRaw(db.url);
      const applied = await migrate(orm);
      expect(applied).toEqual(MIGRATIONS[dbKind].map((m) => m.name));
      expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
      expect(await createStore(orm).getProduct('V1-SKU')).toEqual({ sku: 'V1-SKU', name: 'Kupa', price: '149.90', active: true });
      const sources = await orm.em
        .fork()
        .execute<{ event_id: string; source: string }[]>('select event_id, source from callback_log order by event_id');
      expect(sources.map((r) => [r.event_id, r.source])).toEqual([
        ['c-1', 'carrier:aras'], // the carrier of the order it matched
        ['c-2', 'carrier'], // unmatched: which carrier sent it was never recorded
        ['p-1', 'payments'],
      ]);
      // the in-flight reservation is unit 1 of allocation 1: a repeat of its reserveStock holds nothing more, its commit settles it
      const ledger = await orm.em.fork().find(Reservation, { orderId: 'webstore:V1-1' }, { disableIdentityMap: true });
      expect(ledger.map((r) => [r.fulfillment, r.allocation, r.sku, r.location, r.quantity, r.state])).toEqual([
        [1, 1, 'V1-SKU', 'main', 2, 'reserved'],
      ]);
      const upgraded = createInventoryActivities(orm);
      expect(await upgraded.reserveStock({ orderId: 'webstore:V1-1', lines: [{ sku: 'V1-SKU', quantity: 2 }] })).toEqual({ ok: true });
      await upgraded.commitStock({ orderId: 'webstore:V1-1' });
      expect(await createStore(orm).getInventory('V1-SKU')).toMatchObject({ onHand: 3, reserved: 0 });
      expect(await migrate(orm)).toEqual([]);
    } finally {
      await orm?.close(true);
      await db.cleanup();
    }
  });

  test('a database with only some of the version-1 tables and no migration record is refused, untouched', async () => {
    const db = await createEmptyDatabase(kind);
    const orm = await openRaw(db.url);
    try {
      await orm.em.fork().execute('create table product (sku varchar(100) primary key)');
      await expect(migrate(orm)).rejects.toThrow(/holds some of the version-1 tables \(product\) but not all/);
      const helper = orm.em.getPlatform().getSchemaHelper()!;
      expect(await helper.tableExists(orm.em.getConnection(), 'stock', undefined)).toBe(false);
    } finally {
      await orm.close(true);
      await db.cleanup();
    }
  });
});

describe.each(DB_KINDS)('start-up on a fresh %s database', (kind) => {
  test('three processes migrating at once apply each migration once, and all can write', async () => {
    const db = await createEmptyDatabase(kind);
    let orm: OmsORM | undefined;
    try {
      const startAt = Date.now() + 3_000;
      const script = `
        const { initORM, closeORM } = await import(${JSON.stringify(`${PROJECT_ROOT}entities/orm.ts`)});
        const { createStore } = await import(${JSON.stringify(`${PROJECT_ROOT}entities/store.ts`)});
        await new Promise((r) => setTimeout(r, Math.max(0, Number(process.env.START_AT) - Date.now())));
        const orm = await initORM({ databaseUrl: process.env.DB_URL, migrate: true });
        await createStore(orm).setOnHand({ sku: process.env.SKU, onHand: 3, location: 'main', actor: 'test' });
        await closeORM(orm);
        process.stdout.write('ok');
      `;
      const outputs = await Promise.all(
        ['P-1', 'P-2', 'P-3'].map((sku) =>
          runScriptInChildProcess(script, { DB_URL: db.url, SKU: sku, START_AT: String(startAt) }),
        ),
      );
      expect(outputs).toEqual(['ok', 'ok', 'ok']);
      orm = await initORM({ databaseUrl: db.url });
      const store = createStore(orm);
      for (const sku of ['P-1', 'P-2', 'P-3']) expect(await store.getInventory(sku)).toMatchObject({ onHand: 3 });
      expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
      const runs = await orm.em.fork().execute<{ name: string }[]>('select name from mikro_orm_migrations order by id');
      expect(runs.map((r) => r.name)).toEqual(MIGRATIONS[kind === 'postgres' ? 'postgresql' : 'sqlite'].map((m) => m.name));
    } finally {
      if (orm) await closeORM(orm);
      await db.cleanup();
    }
  }, 120_000);
});

test('a sqlite: URL whose folder does not exist yet is created; one process shares one ORM per file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oms-fresh-'));
  const url = `sqlite://${join(dir, 'nested', 'oms.sqlite')}`;
  try {
    const [a, b] = await Promise.all([
      initORM({ databaseUrl: url, migrate: true }),
      initORM({ databaseUrl: join(dir, 'nested', 'oms.sqlite'), migrate: true }),
    ]);
    expect(a).toBe(b);
    expect(existsSync(join(dir, 'nested', 'oms.sqlite'))).toBe(true);
    await closeORM(a);
    await expect(createStore(b).ping()).resolves.toBeUndefined(); // still open for its other user
    await closeORM(b);
    expect(await b.isConnected()).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('SQLite commits (OMS_SQLITE_SYNCHRONOUS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oms-sync-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    [undefined, 2],
    ['full', 2],
    ['normal', 1],
  ] as const)('sqliteSynchronous %s sets pragma synchronous %i on the connection the ORM writes with', async (mode, expected) => {
    const orm = await initORM({ databaseUrl: `sqlite:${join(dir, `${mode ?? 'default'}.sqlite`)}`, migrate: true, sqliteSynchronous: mode });
    try {
      const rows = await orm.em.getConnection().execute<{ synchronous: number }[]>('pragma synchronous');
      expect(rows).toEqual([{ synchronous: expected }]);
      const journal = await orm.em.getConnection().execute<{ journal_mode: string }[]>('pragma journal_mode');
      expect(journal).toEqual([{ journal_mode: 'wal' }]);
    } finally {
      await closeORM(orm);
    }
  });
});
