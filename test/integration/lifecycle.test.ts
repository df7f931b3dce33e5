// The order lifecycle end to end, as the parties see it: real HTTP on the real API, the real worker on an embedded
// Temporal dev server, a real SQLite file and a real PostgreSQL database. Orders are driven only by what a channel,
// a payment provider, the warehouse, a carrier and an operator would send.
import type { OrderPage } from '../../contract/store';
import type { OrderView } from '../../contract/types';
import { DB_KINDS } from '../helpers/db';
import {
  authorize,
  carrierEvent,
  deliveredOrder,
  eventually,
  getOrder,
  inventory,
  KEYS,
  orderBody,
  packed,
  placeOrder,
  seedSku,
  withSystem,
  unique,
  waitForStatus,
  type TestSystem,
} from '../helpers/system';

describe.each(DB_KINDS)('order lifecycle over HTTP on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started));

  test('a card order goes from new to delivered; stock is reserved once and committed on pick-up', async () => {
    const sku = await seedSku(sys, 10);
    const externalOrderId = unique('WS');
    const body = orderBody(externalOrderId, [{ sku, quantity: 2, unitPrice: '149.90' }]);

    // The channel posts the order: 201, Location, accepted with stock reserved.
    const created = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(id).toBe(`webstore:${externalOrderId}`);
    expect(created.headers.get('location')).toBe(`/orders/${id}`);
    expect(created.body).toMatchObject({ status: 'new', paymentStatus: 'pending', channel: 'webstore' });
    expect(created.body.totals).toMatchObject({ total: '299.80', currency: 'TRY' });

    // The same order posted again (a channel retry): 200, the same order, nothing reserved twice.
    const again = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body });
    expect(again.status).toBe(200);
    expect(again.headers.get('location')).toBeNull();
    expect(again.body.id).toBe(id);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 10, reserved: 2, available: 8 });

    // The payment provider authorizes: confirmed, invoiced, posted to the ERP, picking at the warehouse.
    await authorize(sys, created.body);
    const picking = await waitForStatus(sys, id, 'picking');
    expect(picking.paymentStatus).toBe('authorized');
    expect(picking.invoice?.invoiceNumber).toMatch(/^EAR\d{13}$/);
    expect(picking.invoice?.url).toContain(picking.invoice?.invoiceNumber);
    expect(picking.timeline.filter((e) => e.type === 'status_changed').map((e) => e.status)).toEqual([
      'confirmed',
      'picking',
    ]);
    // The unit's picking task is asked for as the order turns `picking` (orderWorkflowV3), so it may land a moment later.
    await eventually(() =>
      expect(sys.simulators.log.effects({ orderId: id }).map((e) => e.op)).toEqual(
        expect.arrayContaining(['invoice.issueInvoice', 'erp.postSale', 'warehouse.createPickingTask']),
      ),
    );

    // The warehouse packs: the carrier gives a label and a tracking number.
    await packed(sys, id);
    const labelled = await eventually(async () => {
      const order = await getOrder(sys, id);
      expect(order.shipment?.trackingNumber).toMatch(/^YK\d{10}$/);
      return order;
    });
    expect(labelled.shipment).toMatchObject({ carrier: 'yurtici', labelRef: expect.stringMatching(/^YURTICI-LBL-/) });
    expect(labelled.status).toBe('picking');

    // The carrier picks up: shipped, stock committed (on hand and reserved both down), payment captured.
    await carrierEvent(sys, labelled, 'picked_up');
    const shipped = await waitForStatus(sys, id, 'shipped', (o) => expect(o.paymentStatus).toBe('captured'));
    expect(shipped.shipment?.events.map((e) => e.status)).toEqual(['picked_up']);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 8, reserved: 0, available: 8 });
    expect(sys.simulators.log.effects({ orderId: id, op: 'payment.capture' })).toHaveLength(1);

    // The carrier delivers.
    await carrierEvent(sys, labelled, 'delivered');
    const delivered = await waitForStatus(sys, id, 'delivered');
    expect(delivered.needsAttention).toBe(false);
    expect(delivered.shipment?.events.map((e) => e.status)).toEqual(['picked_up', 'delivered']);
    expect(sys.simulators.channels.statusOf('webstore', externalOrderId)?.status).toBe('delivered');
  });

  test('a marketplace order arrives paid and goes straight to confirmed', async () => {
    const sku = await seedSku(sys, 3);
    const res = await sys.call<OrderView>('POST', '/orders', {
      key: KEYS.trendyol,
      body: orderBody(unique('TY'), [{ sku, quantity: 1 }], { payment: { method: 'marketplace' } }),
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ channel: 'trendyol', status: 'confirmed', paymentStatus: 'captured' });
    await waitForStatus(sys, res.body.id, 'picking');
  });

  test('a channel sees only its own orders: another channel gets 404 and an empty list', async () => {
    const sku = await seedSku(sys, 5);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await waitForStatus(sys, order.id, 'new');
    // One trendyol order of its own, so "every listed order is trendyol's" is checked on a non-empty list.
    const own = await sys.call<OrderView>('POST', '/orders', {
      key: KEYS.trendyol,
      body: orderBody(unique('TY'), [{ sku, quantity: 1 }]),
    });
    expect(own.status).toBe(201);

    expect((await sys.call('GET', `/orders/${order.id}`, { key: KEYS.webstore })).status).toBe(200);
    const foreign = await sys.call<{ error: { code: string } }>('GET', `/orders/${order.id}`, { key: KEYS.trendyol });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('not_found');
    const cancel = await sys.call('POST', `/orders/${order.id}/cancel`, {
      key: KEYS.trendyol,
      body: { reason: 'customer_request' },
    });
    expect(cancel.status).toBe(404);

    const trendyolList = await sys.call<OrderPage>('GET', '/orders?limit=100', { key: KEYS.trendyol });
    expect(trendyolList.body.items.map((o) => o.id)).not.toContain(order.id);
    expect(trendyolList.body.items.map((o) => o.id)).toContain(own.body.id);
    expect(trendyolList.body.items.every((o) => o.channel === 'trendyol')).toBe(true);
    const asked = await sys.call<OrderPage>('GET', '/orders?channel=webstore', { key: KEYS.trendyol });
    expect(asked.body).toEqual({ items: [], nextCursor: null });
  });

  test('the order list filters by status and needsAttention and pages newest first with a cursor', async () => {
    const sku = await seedSku(sys, 20);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await placeOrder(sys, [{ sku, quantity: 1 }])).id);
    await authorize(sys, await getOrder(sys, ids[0]!));
    await waitForStatus(sys, ids[0]!, 'picking');
    for (const id of ids.slice(1)) await waitForStatus(sys, id, 'new');
    // A sixth order paid the wrong amount waits for an operator, so the needsAttention=true filter has one to find.
    const held = await placeOrder(sys, [{ sku, quantity: 1 }]);
    const paid = await sys.signed('/callbacks/payments', {
      eventId: unique('pay'),
      orderId: held.id,
      type: 'authorized',
      amount: '0.01',
      currency: 'TRY',
    });
    expect(paid.status).toBe(200);
    await waitForStatus(sys, held.id, 'new', (o) => expect(o.needsAttention).toBe(true));

    // Pages of two, newest first, until the cursor runs out; the five orders come back in reverse.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/orders?channel=webstore&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await sys.call<OrderPage>('GET', query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((o) => o.id));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 100);
    const mine = seen.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);

    const picking = await sys.call<OrderPage>('GET', '/orders?status=picking&limit=100');
    expect(picking.body.items.map((o) => o.id)).toContain(ids[0]);
    expect(picking.body.items.every((o) => o.status === 'picking')).toBe(true);
    const fresh = await sys.call<OrderPage>('GET', '/orders?status=new&limit=100');
    expect(fresh.body.items.map((o) => o.id)).toEqual(expect.arrayContaining(ids.slice(1)));
    expect(fresh.body.items.map((o) => o.id)).not.toContain(ids[0]);

    const calm = await sys.call<OrderPage>('GET', '/orders?needsAttention=false&limit=100');
    expect(calm.body.items.map((o) => o.id)).toEqual(expect.arrayContaining(ids));
    expect(calm.body.items.map((o) => o.id)).not.toContain(held.id);
    expect(calm.body.items.every((o) => !o.needsAttention)).toBe(true);
    const stuck = await sys.call<OrderPage>('GET', '/orders?needsAttention=true&limit=100');
    expect(stuck.body.items.map((o) => o.id)).toContain(held.id);
    expect(stuck.body.items.every((o) => o.needsAttention)).toBe(true);
    for (const id of ids) expect(stuck.body.items.map((o) => o.id)).not.toContain(id);
  });

  describe('cancel', () => {
    test('in picking with a label: every side effect is undone newest first, the stock released', async () => {
      const sku = await seedSku(sys, 4);
      const order = await placeOrder(sys, [{ sku, quantity: 3 }]);
      await authorize(sys, order);
      await waitForStatus(sys, order.id, 'picking');
      await packed(sys, order.id);
      const labelled = await eventually(async () => {
        const o = await getOrder(sys, order.id);
        expect(o.shipment?.trackingNumber).toBeDefined();
        return o;
      });
      expect(await inventory(sys, sku)).toMatchObject({ reserved: 3, available: 1 });
      const before = sys.simulators.log.find().length;

      const res = await sys.call<OrderView>('POST', `/orders/${order.id}/cancel`, {
        key: KEYS.webstore,
        body: { reason: 'customer_request' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'canceled', cancelReason: 'customer_request', paymentStatus: 'voided' });

      const undone = sys.simulators.log
        .effects({ orderId: order.id })
        .filter((e) => e.seq > before)
        .map((e) => e.op)
        .filter((op) => op !== 'notify.customer' && op !== 'channel.writeBack');
      expect(undone).toEqual([
        'carrier.cancelShipment',
        'warehouse.cancelPickingTask',
        'erp.reverseSale',
        'invoice.issueCreditNote',
        'payment.void',
      ]);
      const cancelled = sys.simulators.log.effects({ orderId: order.id, op: 'carrier.cancelShipment' })[0];
      expect(cancelled?.data.trackingNumbers).toEqual([labelled.shipment?.trackingNumber]);
      const compensated = res.body.timeline.filter((e) => e.type === 'compensated').map((e) => e.detail);
      expect(compensated).toEqual([
        'create_shipment',
        'create_picking_task',
        'post_erp_sale',
        'issue_invoice',
        'refund_or_void_payment',
        'release_stock',
      ]);
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
      await waitForStatus(sys, order.id, 'canceled');

      // Canceling twice is refused, and changes nothing.
      const twice = await sys.call('POST', `/orders/${order.id}/cancel`, {
        key: KEYS.webstore,
        body: { reason: 'customer_request' },
      });
      expect(twice.status).toBe(409);
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 4, reserved: 0, available: 4 });
    });

    test('while still new: only the reservation is released; nothing else happened', async () => {
      const sku = await seedSku(sys, 2);
      const order = await placeOrder(sys, [{ sku, quantity: 2 }]);
      expect(await inventory(sys, sku)).toMatchObject({ available: 0 });
      const res = await sys.call<OrderView>('POST', `/orders/${order.id}/cancel`, {
        key: KEYS.webstore,
        body: { reason: 'customer_request' },
      });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('canceled');
      expect(res.body.timeline.filter((e) => e.type === 'compensated').map((e) => e.detail)).toEqual(['release_stock']);
      const effects = sys.simulators.log.effects({ orderId: order.id }).map((e) => e.op);
      expect(effects.filter((op) => op !== 'notify.customer' && op !== 'channel.writeBack')).toEqual([]);
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
    });

    test('after the parcel shipped: 409, the order stays shipped and the stock stays committed', async () => {
      const sku = await seedSku(sys, 3);
      const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
      await authorize(sys, order);
      await waitForStatus(sys, order.id, 'picking');
      await packed(sys, order.id);
      const labelled = await eventually(async () => {
        const o = await getOrder(sys, order.id);
        expect(o.shipment?.trackingNumber).toBeDefined();
        return o;
      });
      await carrierEvent(sys, labelled, 'picked_up');
      await waitForStatus(sys, order.id, 'shipped');

      const res = await sys.call<{ error: { code: string; message: string } }>('POST', `/orders/${order.id}/cancel`, {
        key: KEYS.webstore,
        body: { reason: 'customer_request' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/shipped/);
      expect((await getOrder(sys, order.id)).status).toBe('shipped');
      expect(sys.simulators.log.effects({ orderId: order.id, op: 'carrier.cancelShipment' })).toEqual([]);
      await eventually(async () => expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0 }));
    });
  });

  describe('returns', () => {
    test('a sellable return is refunded through the provider and restocked', async () => {
      const sku = await seedSku(sys, 5, undefined, '100.00');
      const order = await deliveredOrder(sys, [{ sku, quantity: 2, unitPrice: '100.00' }]);
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 3, reserved: 0 });

      const tooMany = await sys.call('POST', `/orders/${order.id}/returns`, {
        key: KEYS.webstore,
        body: { lines: [{ sku, quantity: 3 }], reason: 'changed_mind' },
      });
      expect(tooMany.status).toBe(409);

      const requested = await sys.call<OrderView>('POST', `/orders/${order.id}/returns`, {
        key: KEYS.webstore,
        body: { lines: [{ sku, quantity: 2 }], reason: 'changed_mind' },
      });
      expect(requested.status).toBe(202);
      expect(requested.body.status).toBe('return_pending');
      expect(requested.body.return?.returnCode).toMatch(/^YKI\d{8}$/);

      const received = await sys.signed('/callbacks/warehouse', {
        eventId: unique('wh'),
        orderId: order.id,
        type: 'return_received',
        lines: [{ sku, quantity: 2, condition: 'sellable' }],
      });
      expect(received.status).toBe(200);
      const completed = await waitForStatus(sys, order.id, 'return_completed');
      expect(completed.totals.refunded).toBe('200.00');
      expect(completed.paymentStatus).toBe('refunded');
      expect(completed.return?.refund?.amount).toBe('200.00');
      const refunds = sys.simulators.log.effects({ orderId: order.id, op: 'payment.refund' });
      expect(refunds).toHaveLength(1);
      expect(refunds[0]?.data).toMatchObject({ amount: '200.00', currency: 'TRY' });
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    });

    test('a return of an order not delivered yet is refused with 409', async () => {
      const sku = await seedSku(sys, 2);
      const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
      const res = await sys.call<{ error: { code: string } }>('POST', `/orders/${order.id}/returns`, {
        key: KEYS.webstore,
        body: { lines: [{ sku, quantity: 1 }], reason: 'changed_mind' },
      });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('conflict');
      expect((await getOrder(sys, order.id)).status).toBe('new');
    });

    test('a damaged return waits for the operator, whose refund decision settles it', async () => {
      const sku = await seedSku(sys, 4, undefined, '50.00');
      const order = await deliveredOrder(sys, [{ sku, quantity: 2, unitPrice: '50.00' }]);
      const requested = await sys.call('POST', `/orders/${order.id}/returns`, {
        key: KEYS.webstore,
        body: { lines: [{ sku, quantity: 2 }], reason: 'defective' },
      });
      expect(requested.status).toBe(202);
      await sys.signed('/callbacks/warehouse', {
        eventId: unique('wh'),
        orderId: order.id,
        type: 'return_received',
        lines: [
          { sku, quantity: 1, condition: 'sellable' },
          { sku, quantity: 1, condition: 'damaged' },
        ],
      });
      const waiting = await eventually(async () => {
        const o = await getOrder(sys, order.id);
        expect(o.needsAttention).toBe(true);
        expect(o.attention?.step).toBe('refund_decision');
        return o;
      });
      expect(waiting.status).toBe('return_pending');
      const listed = await sys.call<OrderPage>('GET', '/orders?needsAttention=true&limit=100');
      expect(listed.body.items.map((o) => o.id)).toContain(order.id);

      // Only an operator decides.
      const byChannel = await sys.call('POST', `/orders/${order.id}/refund-decision`, {
        key: KEYS.webstore,
        body: { refundDamaged: true, reason: 'goodwill' },
      });
      expect(byChannel.status).toBe(403);
      const decided = await sys.call<OrderView>('POST', `/orders/${order.id}/refund-decision`, {
        body: { refundDamaged: true, reason: 'goodwill' },
      });
      expect(decided.status).toBe(200);
      const completed = await waitForStatus(sys, order.id, 'return_completed');
      expect(completed.needsAttention).toBe(false);
      expect(completed.totals.refunded).toBe('100.00');
      expect(completed.timeline.find((e) => e.type === 'refund_decision')?.actor).toBe('operator:operator');
      // Only the sellable unit goes back on the shelf.
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 3, reserved: 0 });
    });
  });
});
