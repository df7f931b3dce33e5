// Signed callbacks from payment providers, the warehouse and carriers, through the real API into real order
// workflows: repeats have no second effect, late carrier news never moves an order back, unknown orders are stored
// and acknowledged without creating anything, and unsigned, wrongly signed or stale callbacks are refused.
import { signCallback, SIGNATURE_TOLERANCE_SECONDS } from '../../api/signature';
import type { OrderView } from '../../contract/types';
import { CallbackLog } from '../../entities/read-model';
import { DB_KINDS } from '../helpers/db';
import {
  authorize,
  carrierEvent,
  deliveredOrder,
  eventually,
  getOrder,
  inventory,
  KEYS,
  packed,
  placeOrder,
  seedSku,
  withSystem,
  unique,
  waitForStatus,
  type SignOptions,
  type TestSystem,
} from '../helpers/system';

/** What the callback log holds for one sender event. */
async function storedCallbacks(sys: TestSystem, source: string, eventId: string) {
  return sys.db.orm.em.fork().find(CallbackLog, { source, eventId }, { disableIdentityMap: true });
}

async function labelledOrder(sys: TestSystem, sku: string): Promise<OrderView> {
  const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
  await authorize(sys, order);
  await waitForStatus(sys, order.id, 'picking');
  await packed(sys, order.id);
  return eventually(async () => {
    const o = await getOrder(sys, order.id);
    expect(o.shipment?.trackingNumber).toBeDefined();
    return o;
  });
}

describe.each(DB_KINDS)('callbacks on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started));

  test('a repeated payment event id has no second effect, whatever it now says', async () => {
    const sku = await seedSku(sys, 2);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    const eventId = unique('pay');
    await authorize(sys, order, eventId);
    await authorize(sys, order, eventId);
    // The same event id again, now claiming failure: still the first event, so ignored.
    const replay = await sys.signed('/callbacks/payments', { eventId, orderId: order.id, type: 'failed' });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ accepted: true });

    const picking = await waitForStatus(sys, order.id, 'picking');
    expect(picking.paymentStatus).toBe('authorized');
    expect(picking.timeline.filter((e) => e.type === 'payment_event')).toHaveLength(1);
    expect(await storedCallbacks(sys, 'payments', eventId)).toHaveLength(1);
  });

  test('a repeat of an event that already reached its order is acknowledged without a second signal', async () => {
    const sku = await seedSku(sys, 2);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    const payEvent = unique('pay');
    for (let i = 0; i < 3; i++) await authorize(sys, order, payEvent);
    await waitForStatus(sys, order.id, 'picking');
    const whEvent = unique('wh');
    for (let i = 0; i < 3; i++) await packed(sys, order.id, whEvent);
    const labelled = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });
    const crEvent = unique('cr');
    for (let i = 0; i < 3; i++) await carrierEvent(sys, labelled, 'picked_up', crEvent);
    await waitForStatus(sys, order.id, 'shipped');

    const history = await sys.temporal.client.workflow.getHandle(`order:${order.id}`).fetchHistory();
    const signals = (history.events ?? []).flatMap((e) => {
      const attrs = e.workflowExecutionSignaledEventAttributes;
      return attrs ? [attrs.signalName ?? ''] : [];
    });
    expect(signals.sort()).toEqual(['carrierEvent', 'paymentEvent', 'warehouseEvent']);
    for (const [source, eventId] of [
      ['payments', payEvent],
      ['warehouse', whEvent],
      [`carrier:${labelled.shipment!.carrier}`, crEvent],
    ] as const) {
      expect(await storedCallbacks(sys, source, eventId)).toEqual([expect.objectContaining({ matched: true, orderId: order.id })]);
    }
  });

  test('a repeated warehouse packed event creates one shipment', async () => {
    const sku = await seedSku(sys, 2);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await authorize(sys, order);
    await waitForStatus(sys, order.id, 'picking');
    const eventId = unique('wh');
    await Promise.all([packed(sys, order.id, eventId), packed(sys, order.id, eventId), packed(sys, order.id, eventId)]);
    const labelled = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });
    await packed(sys, order.id, eventId);
    expect(labelled.timeline.filter((e) => e.type === 'warehouse_event')).toHaveLength(1);
    const created = sys.simulators.log.find({ orderId: order.id, op: 'carrier.createShipment' });
    expect(created.map((e) => e.outcome)).toEqual(['done']);
  });

  test('a repeated carrier event id is applied once; a late in_transit after delivered is recorded only', async () => {
    const sku = await seedSku(sys, 3);
    const order = await labelledOrder(sys, sku);
    const pickup = unique('cr');
    await carrierEvent(sys, order, 'picked_up', pickup);
    await carrierEvent(sys, order, 'picked_up', pickup);
    const shipped = await waitForStatus(sys, order.id, 'shipped', (o) => expect(o.paymentStatus).toBe('captured'));
    expect(shipped.shipment?.events.map((e) => e.eventId)).toEqual([pickup]);
    expect(sys.simulators.log.effects({ orderId: order.id, op: 'payment.capture' })).toHaveLength(1);
    await eventually(async () => expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0 }));

    await carrierEvent(sys, order, 'delivered');
    await waitForStatus(sys, order.id, 'delivered');
    const late = unique('cr');
    await carrierEvent(sys, order, 'in_transit', late);
    const after = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.shipment?.events.map((e) => e.eventId)).toContain(late);
      return o;
    });
    expect(after.status).toBe('delivered');
    expect(after.timeline.at(-1)).toMatchObject({
      type: 'ignored_event',
      detail: 'carrier in_transit while delivered',
    });
    // Still delivered, still returnable: nothing moved backwards, stock committed once.
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0 });
  });

  test('callbacks for an unknown order or tracking number are stored unmatched and create nothing', async () => {
    const orderId = `webstore:${unique('GHOST')}`;
    const payEvent = unique('pay');
    const pay = await sys.signed('/callbacks/payments', {
      eventId: payEvent,
      orderId,
      type: 'authorized',
      amount: '10.00',
      currency: 'TRY',
    });
    expect(pay.status).toBe(200);
    expect(pay.body).toEqual({ accepted: true });

    const whEvent = unique('wh');
    const wh = await sys.signed('/callbacks/warehouse', { eventId: whEvent, orderId, type: 'packed' });
    expect(wh.status).toBe(200);

    // Two carriers numbering their events alike: each event is logged under its own sender
    const crEvent = unique('cr');
    for (const carrierName of ['aras', 'mng']) {
      const carrier = await sys.signed(`/callbacks/carriers/${carrierName}`, {
        eventId: crEvent,
        trackingNumber: 'ARS000000000000',
        status: 'delivered',
        at: new Date().toISOString(),
      });
      expect(carrier.status).toBe(200);
    }

    for (const [source, eventId, expectedOrder] of [
      ['payments', payEvent, orderId],
      ['warehouse', whEvent, orderId],
      ['carrier:aras', crEvent, null],
      ['carrier:mng', crEvent, null],
    ] as const) {
      const rows = await storedCallbacks(sys, source, eventId);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ matched: false, orderId: expectedOrder });
    }
    expect((await sys.call('GET', `/orders/${orderId}`)).status).toBe(404);
    const workflow = sys.temporal.client.workflow.getHandle(`order:${orderId}`).describe();
    await expect(workflow).rejects.toThrow(/not found/i);
  });

  test('unsigned, wrongly signed and stale callbacks are refused with 401 and have no effect', async () => {
    const sku = await seedSku(sys, 1);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    const event = (eventId: string) => ({
      eventId,
      orderId: order.id,
      type: 'authorized',
      amount: order.totals.total,
      currency: 'TRY',
    });
    // Timestamps are taken when each attempt is sent and lie a minute outside the tolerance: one computed before
    // the loop drifted back inside it on a slow run (the future one was accepted after the loop had taken 1 s).
    const outside = SIGNATURE_TOLERANCE_SECONDS + 60;
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const attempts: { name: string; options: () => SignOptions }[] = [
      { name: 'missing header', options: () => ({ unsigned: true }) },
      { name: 'wrong secret', options: () => ({ secret: 'not-the-webhook-secret' }) },
      { name: 'stale timestamp', options: () => ({ t: nowSeconds() - outside }) },
      { name: 'timestamp from the future', options: () => ({ t: nowSeconds() + outside }) },
    ];
    for (const { name, options } of attempts) {
      const eventId = unique('forged');
      const res = await sys.signed<{ error: { code: string } }>('/callbacks/payments', event(eventId), options());
      expect({ name, status: res.status, code: res.body.error.code }).toEqual({
        name,
        status: 401,
        code: 'invalid_signature',
      });
      expect(await storedCallbacks(sys, 'payments', eventId)).toHaveLength(0);
    }
    // A valid signature over a different body does not carry over to a tampered one.
    const eventId = unique('tampered');
    const raw = JSON.stringify(event(eventId));
    const tampered = await fetch(`${sys.baseUrl}/callbacks/payments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-oms-signature': signCallback(sys.config.webhookSecret, raw),
      },
      body: raw.replace(order.totals.total, '0.01'),
    });
    expect(tampered.status).toBe(401);

    const still = await getOrder(sys, order.id);
    expect(still).toMatchObject({ status: 'new', paymentStatus: 'pending' });
    expect(still.timeline.filter((e) => e.type === 'payment_event')).toEqual([]);
  });

  test('a payment of another amount holds the order for an operator, who accepts it with a skip', async () => {
    const sku = await seedSku(sys, 1);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    const res = await sys.signed('/callbacks/payments', {
      eventId: unique('pay'),
      orderId: order.id,
      type: 'authorized',
      amount: '14.99',
      currency: 'TRY',
    });
    expect(res.status).toBe(200);
    const held = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.needsAttention).toBe(true);
      return o;
    });
    expect(held).toMatchObject({ status: 'new', paymentStatus: 'authorized', attention: { step: 'payment_amount' } });
    expect(held.attention?.reason).toContain('paid 14.99 TRY, the order total is 149.90 TRY');
    const flagged = await sys.call<{ items: OrderView[] }>('GET', '/orders?needsAttention=true&status=new&limit=100');
    expect(flagged.body.items.map((o) => o.id)).toContain(order.id);
    expect(sys.simulators.log.find({ orderId: order.id, op: 'invoice.issueInvoice' })).toEqual([]);

    const skipped = await sys.call('POST', `/orders/${order.id}/skip`, { body: { reason: 'price agreed by phone' } });
    expect(skipped.status).toBe(200);
    const picking = await waitForStatus(sys, order.id, 'picking');
    expect(picking.needsAttention).toBe(false);
    expect(picking.timeline).toContainEqual(
      expect.objectContaining({ type: 'attention_cleared', actor: expect.any(String), detail: expect.stringContaining('price agreed by phone') }),
    );
  });

  test('a failed payment cancels the order and releases its stock', async () => {
    const sku = await seedSku(sys, 2);
    const order = await placeOrder(sys, [{ sku, quantity: 2 }]);
    expect(await inventory(sys, sku)).toMatchObject({ available: 0 });
    const res = await sys.signed('/callbacks/payments', { eventId: unique('pay'), orderId: order.id, type: 'failed' });
    expect(res.status).toBe(200);
    const canceled = await waitForStatus(sys, order.id, 'canceled');
    expect(canceled).toMatchObject({ cancelReason: 'payment_failed', paymentStatus: 'failed' });
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0, available: 2 });
  });

  test('a return received twice under one event id is settled once', async () => {
    const sku = await seedSku(sys, 2, undefined, '80.00');
    const order = await deliveredOrder(sys, [{ sku, quantity: 1, unitPrice: '80.00' }]);
    const requested = await sys.call('POST', `/orders/${order.id}/returns`, {
      key: KEYS.webstore,
      body: { lines: [{ sku, quantity: 1 }], reason: 'changed_mind' },
    });
    expect(requested.status).toBe(202);
    const received = {
      eventId: unique('wh'),
      orderId: order.id,
      type: 'return_received',
      lines: [{ sku, quantity: 1, condition: 'sellable' }],
    };
    await sys.signed('/callbacks/warehouse', received);
    await sys.signed('/callbacks/warehouse', received);
    const done = await waitForStatus(sys, order.id, 'return_completed');
    expect(done.totals.refunded).toBe('80.00');
    expect(sys.simulators.log.effects({ orderId: order.id, op: 'payment.refund' })).toHaveLength(1);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 2, reserved: 0 });
  });
});

describe.each(DB_KINDS)('payment timeout on %s (card timeout configured to 2 s)', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), { OMS_PAYMENT_TIMEOUT_CARD: '2s' });

  test('an unpaid card order is canceled with payment_timeout and its stock released', async () => {
    const sku = await seedSku(sys, 3);
    const order = await placeOrder(sys, [{ sku, quantity: 3 }]);
    expect(order.status).toBe('new');
    expect(await inventory(sys, sku)).toMatchObject({ reserved: 3, available: 0 });

    const canceled = await waitForStatus(sys, order.id, 'canceled');
    expect(canceled.cancelReason).toBe('payment_timeout');
    expect(canceled.timeline.find((e) => e.type === 'cancel_decided')?.detail).toBe('no payment within 2s');
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    // An authorization arriving after the order's workflow has ended is voided, once, however often it is sent.
    const handle = sys.temporal.client.workflow.getHandle(`order:${order.id}`);
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));
    const eventId = unique('pay');
    await authorize(sys, order, eventId);
    await authorize(sys, order, eventId);
    const voided = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.paymentStatus).toBe('voided');
      return o;
    });
    expect(voided).toMatchObject({ status: 'canceled', cancelReason: 'payment_timeout', needsAttention: false });
    expect(voided.latePayments).toEqual([expect.objectContaining({ eventId, action: 'voided' })]);
    expect(voided.timeline.slice(-2).map((e) => e.type)).toEqual(['late_payment', 'payment_voided']);
    expect(sys.simulators.log.effects({ orderId: order.id, op: 'payment.void' })).toHaveLength(1);
    expect(await storedCallbacks(sys, 'payments', eventId)).toEqual([expect.objectContaining({ matched: true })]);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
  });

  test('a capture after the payment timeout is refunded once and shows on the order for finance', async () => {
    const sku = await seedSku(sys, 1);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await waitForStatus(sys, order.id, 'canceled');
    const handle = sys.temporal.client.workflow.getHandle(`order:${order.id}`);
    await eventually(async () => expect((await handle.describe()).status.name).toBe('COMPLETED'));

    const capture = { eventId: unique('pay'), orderId: order.id, type: 'captured', amount: '149.90', currency: 'TRY' };
    const answers = await Promise.all([
      sys.signed('/callbacks/payments', capture),
      sys.signed('/callbacks/payments', capture),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const refunded = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.paymentStatus).toBe('refunded');
      return o;
    });
    expect(refunded.totals.refunded).toBe('149.90');
    expect(refunded.latePayments).toEqual([
      expect.objectContaining({ eventId: capture.eventId, action: 'refunded', amount: '149.90' }),
    ]);
    await sys.signed('/callbacks/payments', capture);
    const refunds = sys.simulators.log.effects({ orderId: order.id, op: 'payment.refund' });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ key: `late-refund:${order.id}:${capture.eventId}` });
    const settlement = sys.temporal.client.workflow.getHandle(`late-payment:${order.id}:${capture.eventId}`);
    expect(await settlement.result()).toMatchObject({ action: 'refunded', amount: '149.90' });
    // Listed with the other canceled orders; nothing about the order but its payment changed.
    const list = await sys.call('GET', `/orders?status=canceled&limit=100`);
    expect((list.body as { items: { id: string; paymentStatus: string }[] }).items).toContainEqual(
      expect.objectContaining({ id: order.id, paymentStatus: 'refunded' }),
    );
  });
});

describe.each(DB_KINDS)('per-sender callback secrets on %s (OMS_CALLBACK_SECRETS for yurtici and the warehouse)', (kind) => {
  let sys: TestSystem;
  const yurtici = 'yurtici-own-secret-0001';
  const warehouse = 'warehouse-own-secret-01';

  withSystem(kind, (started) => (sys = started), { OMS_CALLBACK_SECRETS: `yurtici=${yurtici},warehouse=${warehouse}` });

  test("each named sender must sign with its own secret, not the shared one or another sender's; the others keep the shared one", async () => {
    const sku = await seedSku(sys, 2);
    const order = await placeOrder(sys, [{ sku, quantity: 1 }]);
    // payments are not named: the shared secret still signs them
    const pay = await sys.signed('/callbacks/payments', { eventId: unique('pay'), orderId: order.id, type: 'authorized', amount: order.totals.total, currency: 'TRY' }, { secret: sys.config.webhookSecret });
    expect(pay.status).toBe(200);
    await waitForStatus(sys, order.id, 'picking');

    const packedEvent = (eventId: string) => ({ eventId, orderId: order.id, type: 'packed' });
    for (const [name, secret] of [['the shared secret', sys.config.webhookSecret], ["yurtici's secret", yurtici]] as const) {
      const eventId = unique('wh');
      const refused = await sys.signed<{ error: { code: string } }>('/callbacks/warehouse', packedEvent(eventId), { secret });
      expect({ name, status: refused.status, code: refused.body.error.code }).toEqual({ name, status: 401, code: 'invalid_signature' });
      expect(await storedCallbacks(sys, 'warehouse', eventId)).toHaveLength(0);
    }
    expect((await sys.signed('/callbacks/warehouse', packedEvent(unique('wh')), { secret: warehouse })).status).toBe(200);
    const labelled = await eventually(async () => {
      const o = await getOrder(sys, order.id);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });

    const pickup = (eventId: string) => ({ eventId, trackingNumber: labelled.shipment!.trackingNumber, status: 'picked_up', at: new Date().toISOString() });
    const shared = await sys.signed<{ error: { code: string } }>('/callbacks/carriers/yurtici', pickup(unique('yk')), { secret: sys.config.webhookSecret });
    expect(shared).toMatchObject({ status: 401, body: { error: { code: 'invalid_signature' } } });
    expect((await sys.signed('/callbacks/carriers/yurtici', pickup(unique('yk')), { secret: yurtici })).status).toBe(200);
    await waitForStatus(sys, order.id, 'shipped');
  });
});
