// Spec paths through the whole stack that the 2026-12-02 review found untested over HTTP: invalid_order from the
// real validator, the return window's 409, a payment callback that beats its order, and the search attributes an
// operator filters on in the Temporal UI (the real visibility store of the dev server).
import type { OrderView } from '../../contract/types';
import { DB_KINDS } from '../helpers/db';
import {
  authorize,
  deliveredOrder,
  eventually,
  getOrder,
  KEYS,
  orderBody,
  orderStuckAtLabel,
  packed,
  placeOrder,
  seedSku,
  unique,
  waitForStatus,
  withSystem,
  type TestSystem,
} from '../helpers/system';

describe.each(DB_KINDS)('spec paths over HTTP on %s', (kind) => {
  let sys: TestSystem;
  withSystem(kind, (started) => (sys = started), { OMS_RETURN_WINDOW: '3s' });
  afterEach(() => sys.simulators.faults.clear());

  test('an unknown or inactive SKU is accepted as an order and canceled invalid_order by the validator', async () => {
    const inactive = await seedSku(sys, 5);
    const put = await sys.call('PUT', `/products/${inactive}`, { body: { name: 'gone', price: '149.90', active: false } });
    expect(put.status).toBe(200);
    for (const sku of [unique('NOSUCH'), inactive]) {
      const res = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body: orderBody(unique('INV'), [{ sku, quantity: 1 }]) });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'canceled', cancelReason: 'invalid_order' });
      expect(res.body.timeline.at(-1)?.detail).toContain(sku);
    }
    expect((await sys.call<{ reserved: number }>('GET', `/inventory/${inactive}`)).body.reserved).toBe(0);
  });

  test('a return after the window has closed answers 409 naming the window', async () => {
    const sku = await seedSku(sys, 3);
    const order = await deliveredOrder(sys, [{ sku, quantity: 1 }]);
    await waitForStatus(sys, order.id, 'delivered', (o) => expect(o.timeline.some((t) => t.type === 'return_window_closed')).toBe(true));
    const res = await sys.call<{ error: { code: string; message: string } }>('POST', `/orders/${order.id}/returns`, {
      key: KEYS.webstore,
      body: { lines: [{ sku, quantity: 1 }], reason: 'changed_mind' },
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/return window has closed/);
  });

  test('a payment callback that arrives before its order is taken when the order is accepted', async () => {
    const sku = await seedSku(sys, 3);
    const body = orderBody(unique('EARLY'), [{ sku, quantity: 1 }]);
    const orderId = `webstore:${body.externalOrderId as string}`;
    const early = await sys.signed('/callbacks/payments', { eventId: unique('pay'), orderId, type: 'authorized', amount: '149.90', currency: 'TRY' });
    expect(early.status).toBe(200);
    const created = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body });
    expect(created.status).toBe(201);
    const picking = await waitForStatus(sys, orderId, 'picking');
    expect(picking.paymentStatus).toBe('authorized');
  });

  test('OrderStatus and NeedsAttention are kept current in the Temporal visibility store', async () => {
    const order = await orderStuckAtLabel(sys, 3);
    const find = async (query: string) => {
      const ids: string[] = [];
      for await (const wf of sys.temporal.client.workflow.list({ query })) ids.push(wf.workflowId);
      return ids;
    };
    const mine = `ExternalOrderId = "${order.externalOrderId}"`;
    await eventually(async () => expect(await find(`${mine} AND NeedsAttention = true AND OrderStatus = "picking"`)).toHaveLength(1), {
      timeoutMs: 20_000,
      intervalMs: 300,
    });
    sys.simulators.faults.clear();
    const retried = await sys.call('POST', `/orders/${order.id}/retry`, { body: {} });
    expect(retried.status).toBe(200);
    await eventually(async () => expect(await find(`${mine} AND NeedsAttention = false AND OrderStatus = "picking"`)).toHaveLength(1), {
      timeoutMs: 20_000,
      intervalMs: 300,
    });
  });
});
