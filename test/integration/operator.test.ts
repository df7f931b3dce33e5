// Stuck orders and the operator: an integration that refuses for good flags the order needsAttention with the step
// named, the list finds it, and the operator retries, skips (with a reason) or cancels — all through the real API,
// with faults injected into the worker's simulators.
import type { OrderPage } from '../../contract/store';
import type { OrderView } from '../../contract/types';
import { DB_KINDS } from '../helpers/db';
import {
  authorize,
  eventually,
  getOrder,
  inventory,
  KEYS,
  packed,
  placeOrder,
  seedSku,
  withSystem,
  waitForStatus,
  type TestSystem,
} from '../helpers/system';

/** Waits until the order is flagged for an operator at `step`. */
function waitForAttention(sys: TestSystem, id: string, step: string): Promise<OrderView> {
  return eventually(async () => {
    const order = await getOrder(sys, id);
    expect(order.needsAttention).toBe(true);
    expect(order.attention?.step).toBe(step);
    return order;
  });
}

async function needingAttention(sys: TestSystem): Promise<string[]> {
  const page = await sys.call<OrderPage>('GET', '/orders?needsAttention=true&limit=100');
  expect(page.status).toBe(200);
  return page.body.items.map((o) => o.id);
}

describe.each(DB_KINDS)('operator actions on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started));
  afterEach(() => {
    sys.simulators.faults.clear();
  });

  test('a carrier refusing the label flags the order; once the fault clears, retry completes the step', async () => {
    const sku = await seedSku(sys, 2);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await authorize(sys, order);
    await waitForStatus(sys, order.id, 'picking');
    sys.simulators.faults.set('carrier.createShipment', 'always', 'permanent');
    await packed(sys, order.id);

    const stuck = await waitForAttention(sys, order.id, 'create_shipment');
    expect(stuck.status).toBe('picking');
    expect(stuck.attention?.reason).toMatch(/rejected/);
    expect(stuck.shipment).toBeUndefined();
    expect(await needingAttention(sys)).toContain(order.id);

    // A channel may not act for the operator; nothing else is waiting to be skipped or decided.
    const byChannel = await sys.call('POST', `/orders/${order.id}/retry`, { key: KEYS.webstore, body: {} });
    expect(byChannel.status).toBe(403);

    // Retrying while the carrier still refuses: flagged again, same step.
    const early = await sys.call('POST', `/orders/${order.id}/retry`, { body: { reason: 'try again' } });
    expect(early.status).toBe(200);
    await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.timeline.filter((e) => e.type === 'attention_raised')).toHaveLength(2);
      expect(o.attention?.step).toBe('create_shipment');
    });

    sys.simulators.faults.clear('carrier.createShipment');
    const retried = await sys.call<OrderView>('POST', `/orders/${order.id}/retry`, { body: {} });
    expect(retried.status).toBe(200);
    const labelled = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.needsAttention).toBe(false);
      expect(o.shipment?.trackingNumber).toMatch(/^YK\d{10}$/);
      return o;
    });
    expect(labelled.timeline.filter((e) => e.type === 'operator_retry').map((e) => e.actor)).toEqual([
      'operator:operator',
      'operator:operator',
    ]);
    expect(sys.simulators.log.find({ orderId: order.id, op: 'carrier.createShipment' }).map((e) => e.outcome)).toEqual([
      'rejected',
      'rejected',
      'done',
    ]);
    expect(await needingAttention(sys)).not.toContain(order.id);

    // Nothing is stuck any more: another retry is a conflict.
    const pointless = await sys.call('POST', `/orders/${order.id}/retry`, { body: {} });
    expect(pointless.status).toBe(409);
  });

  test('an operator skips a step the ERP refuses, with a reason, and the order goes on', async () => {
    const sku = await seedSku(sys, 2);
    sys.simulators.faults.set('erp.postSale', 'always', 'permanent');
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await authorize(sys, order);
    const stuck = await waitForAttention(sys, order.id, 'post_erp_sale');
    expect(stuck.status).toBe('confirmed');
    expect(await needingAttention(sys)).toContain(order.id);

    const noReason = await sys.call('POST', `/orders/${order.id}/skip`, { body: {} });
    expect(noReason.status).toBe(400);
    const reason = 'posted by hand in the ERP';
    const skipped = await sys.call('POST', `/orders/${order.id}/skip`, { body: { reason } });
    expect(skipped.status).toBe(200);

    const picking = await waitForStatus(sys, order.id, 'picking', (o) => expect(o.needsAttention).toBe(false));
    const cleared = picking.timeline.find((e) => e.type === 'attention_cleared');
    expect(cleared).toMatchObject({ actor: 'operator:operator' });
    expect(cleared?.detail).toContain(reason);
    expect(sys.simulators.log.effects({ orderId: order.id, op: 'erp.postSale' })).toEqual([]);
    // The unit's picking task is asked for as the order turns `picking` (orderWorkflowV3): it may land a moment later.
    await eventually(() => expect(sys.simulators.log.effects({ orderId: order.id, op: 'warehouse.createPickingTask' })).toHaveLength(1));
  });

  test('a stuck order can be canceled: compensations run and the stock comes back', async () => {
    const sku = await seedSku(sys, 2);
    sys.simulators.faults.set('warehouse.createPickingTask', 'always', 'permanent');
    const order = await placeOrder(sys, [{ sku, quantity: 2 }]);
    await authorize(sys, order);
    await waitForAttention(sys, order.id, 'create_picking_task');
    sys.simulators.faults.clear();

    const res = await sys.call<OrderView>('POST', `/orders/${order.id}/cancel`, {
      body: { reason: 'operator_request' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'canceled', cancelReason: 'operator_request', needsAttention: false });
    expect(res.body.timeline.find((e) => e.type === 'attention_cleared')).toMatchObject({
      detail: 'create_picking_task: abandoned, the order is being canceled',
      actor: 'operator:operator',
    });
    await waitForStatus(sys, order.id, 'canceled');
    expect(await needingAttention(sys)).not.toContain(order.id);
    const undoing = [
      'carrier.cancelShipment',
      'warehouse.cancelPickingTask',
      'erp.reverseSale',
      'invoice.issueCreditNote',
      'payment.void',
    ];
    const undone = sys.simulators.log
      .find({ orderId: order.id })
      .filter((e) => undoing.includes(e.op))
      .map((e) => `${e.op}:${e.outcome}`);
    // No picking task was ever created, so cancelling it is a no-op; the rest is undone newest first.
    expect(undone).toEqual([
      'warehouse.cancelPickingTask:noop',
      'erp.reverseSale:done',
      'invoice.issueCreditNote:done',
      'payment.void:done',
    ]);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
  });

  test('a failing compensation is named on the order; retry after the fault clears finishes the cancel', async () => {
    const sku = await seedSku(sys, 1);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await authorize(sys, order);
    await waitForStatus(sys, order.id, 'picking');
    sys.simulators.faults.set('payment.void', 'always', 'permanent');

    // The cancel answers 202 once the compensation is stuck and waits for an operator.
    const res = await sys.call<OrderView>('POST', `/orders/${order.id}/cancel`, {
      key: KEYS.webstore,
      body: { reason: 'customer_request' },
    });
    expect(res.status).toBe(202);
    expect(res.body.status).toBe('picking');
    expect(res.body.attention?.step).toBe('compensate:refund_or_void_payment');
    await waitForAttention(sys, order.id, 'compensate:refund_or_void_payment');
    expect(await needingAttention(sys)).toContain(order.id);
    // What was already compensated stays compensated, and the stock is still held until the cancel completes.
    expect(sys.simulators.log.effects({ orderId: order.id, op: 'erp.reverseSale' })).toHaveLength(1);
    expect(await inventory(sys, sku)).toMatchObject({ reserved: 1, available: 0 });

    sys.simulators.faults.clear('payment.void');
    expect((await sys.call('POST', `/orders/${order.id}/retry`, { body: {} })).status).toBe(200);
    const canceled = await waitForStatus(sys, order.id, 'canceled');
    expect(canceled).toMatchObject({
      needsAttention: false,
      paymentStatus: 'voided',
      cancelReason: 'customer_request',
    });
    expect(sys.simulators.log.effects({ orderId: order.id, op: 'erp.reverseSale' })).toHaveLength(1);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
  });
});
