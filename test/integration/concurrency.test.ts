// Races through the real API: many channels' orders fighting for the last units of one SKU never oversell, and a
// channel that posts the same order many times at once gets one order, one workflow and one reservation.
import type { OrderPage } from '../../contract/store';
import type { OrderView } from '../../contract/types';
import { orderWorkflowId } from '../../contract/workflow';
import { Reservation } from '../../entities/catalog';
import { DB_KINDS } from '../helpers/db';
import {
  eventually,
  inventory,
  KEYS,
  orderBody,
  seedSku,
  withSystem,
  unique,
  type TestSystem,
} from '../helpers/system';

const RACERS = 50;
const UNITS = 5;

describe.each(DB_KINDS)('concurrent orders on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started));

  test(`${RACERS} orders racing for ${UNITS} units: exactly ${UNITS} win, the rest are out of stock`, async () => {
    const sku = await seedSku(sys, UNITS);
    // Two channels, so the race is across channels as well as within one.
    const results = await Promise.all(
      Array.from({ length: RACERS }, (_, i) =>
        sys.call<OrderView>('POST', '/orders', {
          key: i % 2 === 0 ? KEYS.webstore : KEYS.trendyol,
          body: orderBody(unique('RACE'), [{ sku, quantity: 1 }]),
        }),
      ),
    );

    expect(results.map((r) => r.status)).toEqual(Array(RACERS).fill(201));
    const winners = results.filter((r) => r.body.status === 'new');
    const losers = results.filter((r) => r.body.status !== 'new');
    expect(winners).toHaveLength(UNITS);
    expect(losers).toHaveLength(RACERS - UNITS);
    for (const loser of losers) expect(loser.body).toMatchObject({ status: 'canceled', cancelReason: 'out_of_stock' });

    expect(await inventory(sys, sku)).toMatchObject({ onHand: UNITS, reserved: UNITS, available: 0 });
    const ledger = await sys.db.orm.em.fork().find(Reservation, { sku }, { disableIdentityMap: true });
    expect(ledger.filter((r) => r.state === 'reserved').map((r) => r.orderId).sort()).toEqual(
      winners.map((w) => w.body.id).sort(),
    );

    // The read model agrees with the answers.
    const page = await sys.call<OrderPage>('GET', '/orders?status=new&limit=100');
    const listedWinners = page.body.items.filter((o) => o.lines[0]?.sku === sku).map((o) => o.id);
    expect(listedWinners.sort()).toEqual(winners.map((w) => w.body.id).sort());
  });

  test('the same order posted 10 times at once: one 201, nine 200, one workflow, one reservation', async () => {
    const sku = await seedSku(sys, 10);
    const body = orderBody(unique('DUP'), [{ sku, quantity: 3 }]);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body })),
    );

    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    const ids = new Set(results.map((r) => r.body.id));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(results.every((r) => r.body.status === 'new')).toBe(true);

    expect(await inventory(sys, sku)).toMatchObject({ onHand: 10, reserved: 3, available: 7 });
    const ledger = await sys.db.orm.em.fork().find(Reservation, { sku }, { disableIdentityMap: true });
    expect(ledger.map((r) => ({ orderId: r.orderId, quantity: r.quantity, state: r.state }))).toEqual([
      { orderId: id, quantity: 3, state: 'reserved' },
    ]);

    // One workflow run ever started for the order (visibility may lag the start by a moment).
    await eventually(async () => {
      const runs: string[] = [];
      const query = `WorkflowId = '${orderWorkflowId(id!)}'`;
      for await (const run of sys.temporal.client.workflow.list({ query })) runs.push(run.runId);
      expect(runs).toHaveLength(1);
    });
  });

  test('an order posted again after its workflow ended answers 200 with its final state and starts nothing', async () => {
    const sku = await seedSku(sys, 1);
    const body = orderBody(unique('OOS'), [{ sku, quantity: 2 }]);
    const first = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'canceled', cancelReason: 'out_of_stock' });
    const handle = sys.temporal.client.workflow.getHandle(orderWorkflowId(first.body.id));
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));

    // More stock now would let a second workflow reserve it: the repeat must still be the first order.
    await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 5 } });
    const again = await Promise.all([1, 2].map(() => sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body })));
    expect(again.map((r) => r.status)).toEqual([200, 200]);
    for (const r of again) expect(r.body).toMatchObject({ id: first.body.id, status: 'canceled', cancelReason: 'out_of_stock' });
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    await eventually(async () => {
      const runs: string[] = [];
      for await (const run of sys.temporal.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
        runs.push(run.runId);
      }
      expect(runs).toHaveLength(1);
    });
  });
});

describe('admission of new orders (OMS_MAX_PENDING_ORDERS) on sqlite', () => {
  let sys: TestSystem;

  // One order accepted at a time; an acceptance waits at most 3 s for its workflow.
  withSystem('sqlite', (started) => (sys = started), { OMS_MAX_PENDING_ORDERS: '1', OMS_UPDATE_TIMEOUT: '3s' });

  test('past the limit a new order is refused with 503 and Retry-After at once, and nothing of it starts; its retry is accepted', async () => {
    const sku = await seedSku(sys, 5);
    // No worker: the first order's acceptance waits (for its reservation) and holds the only place.
    await sys.stopWorker();
    const first = orderBody(unique('ADM'), [{ sku, quantity: 1 }]);
    const second = orderBody(unique('ADM'), [{ sku, quantity: 1 }]);
    const pending = sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body: first });
    // The first order's workflow exists once it holds the place.
    const firstId = `webstore:${String(first.externalOrderId)}`;
    await eventually(() => sys.temporal.client.workflow.getHandle(orderWorkflowId(firstId)).describe());

    const refused = await sys.call<{ error: { code: string; message: string } }>('POST', '/orders', { key: KEYS.webstore, body: second });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body.error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('orders are being accepted right now') });
    // Refused before anything started: no workflow for the second order.
    const secondId = `webstore:${String(second.externalOrderId)}`;
    await expect(sys.temporal.client.workflow.getHandle(orderWorkflowId(secondId)).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });

    // The first one's wait ends in its own 503 (no worker answered); with the worker back both are accepted.
    expect((await pending).status).toBe(503);
    await sys.startWorker();
    const again = await eventually(async () => {
      const res = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body: first });
      expect([200, 201]).toContain(res.status);
      return res;
    });
    expect(again.body).toMatchObject({ id: firstId, status: 'new' });
    const retried = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body: second });
    expect(retried.status).toBe(201);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 2 });
  });
});
