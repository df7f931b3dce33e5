// The carriers in their own protocols, end to end on the real dev server with a SQLite file and a real PostgreSQL
// database: orders labelled through Yurtiçi's SOAP service, Aras's two SOAP services and MNG's REST API (their
// simulators over loopback HTTP, started by the worker as `npm start` does), tracked to delivery by the carriers'
// Temporal Schedules polling alone (no carrier callback is sent), a poll and a callback of the same event reaching
// the order once, an Aras refusal inside an HTTP 200 reaching the operator by its own words, and a cancel
// cancelling the shipment at the carrier by the key it was created with.
import type { OrderView } from '../../contract/types';
import { CARRIER_TRACKING_WORKFLOW_TYPE, carrierTrackingScheduleId } from '../../contract/workflow';
import { trackingEventId } from '../../integrations/carrier-protocol';
import { yurticiTimeToIso } from '../../integrations/yurtici/carrier';
import { DB_KINDS } from '../helpers/db';
import { authorize, eventually, getOrder, KEYS, packed, placeOrder, seedSku, waitForStatus, withSystem, type TestSystem } from '../helpers/system';

/** Places a card order shipped with `carrier`, pays and packs it, and waits for its label; returns it labelled. */
async function labelledOrder(sys: TestSystem, carrier: 'yurtici' | 'aras' | 'mng'): Promise<OrderView> {
  const sku = await seedSku(sys, 5);
  const created = await placeOrder(sys, [{ sku, quantity: 1 }], { carrier });
  await authorize(sys, created);
  await waitForStatus(sys, created.id, 'picking');
  await packed(sys, created.id);
  return eventually(async () => {
    const order = await getOrder(sys, created.id);
    expect(order.shipment?.trackingNumber).toBeDefined();
    return order;
  });
}

describe.each(DB_KINDS)('carriers tracked by polling on %s', (kind) => {
  let sys: TestSystem;
  withSystem(kind, (started) => (sys = started), {
    OMS_CARRIER_CONNECTORS: 'yurtici,aras,mng',
    OMS_CARRIER_POLL_INTERVAL: '1s',
    // Picked up 2 s after the label, in delivery at 6 s, delivered at 8 s: a 1 s sweep sees every step.
    OMS_CARRIER_SIM_PACE: '2s,6s,8s',
  });

  test.each(['yurtici', 'aras', 'mng'] as const)('a %s shipment is tracked to delivery by polling alone', async (carrier) => {
    const labelled = await labelledOrder(sys, carrier);
    const tracking = labelled.shipment!.trackingNumber;
    // The label came from the carrier's own simulator, under the reference the OMS derived.
    const sim = sys.carriers[carrier]!;
    expect(sim.state.requests.entries.some((r) => r.body.includes(tracking))).toBe(true);

    const delivered = await waitForStatus(sys, labelled.id, 'delivered', (order) => expect(order.needsAttention).toBe(false));
    const events = delivered.shipment!.events;
    expect(events.map((e) => e.status)).toEqual(expect.arrayContaining(['picked_up', 'delivered']));
    // Every event came from the sweep: its id is carrier + tracking number + status + the carrier's time.
    for (const e of events) expect(e.eventId).toBe(trackingEventId(carrier, tracking, e.status, e.at));
    expect(new Set(events.map((e) => e.status)).size).toBe(events.length);

    const integrations = await sys.call<{ carriers: { carrier: string; lastSuccessAt: string | null; lastError: unknown }[] }>('GET', '/integrations');
    expect(integrations.status).toBe(200);
    expect(integrations.body.carriers.find((c) => c.carrier === carrier)).toMatchObject({ lastSuccessAt: expect.any(String), lastError: null });
  }, 60_000);

  test.each(['yurtici', 'aras', 'mng'] as const)(
    'a cash-on-delivery %s parcel carries the amount the courier collects, the amount the order books at delivery',
    async (carrier) => {
      const sku = await seedSku(sys, 5, undefined, '149.90');
      const created = await placeOrder(sys, [{ sku, quantity: 2 }], { carrier, payment: { method: 'cash_on_delivery' } });
      await waitForStatus(sys, created.id, 'picking');
      await packed(sys, created.id);
      const tracking = await eventually(async () => {
        const order = await getOrder(sys, created.id);
        expect(order.shipment?.trackingNumber).toBeDefined();
        return order.shipment!.trackingNumber;
      });
      // What the carrier holds for the parcel, in its own fields.
      const atCarrier = () => {
        if (carrier === 'yurtici') return sys.carriers.yurtici!.state.shipments.get(tracking)?.collection?.amount;
        if (carrier === 'aras') return sys.carriers.aras!.state.shipment(tracking)?.codAmount;
        const o = sys.carriers.mng!.state.orders.get(tracking);
        return o?.isCOD === 1 ? o.codAmount.toFixed(2) : undefined;
      };
      expect(atCarrier()).toBe('299.80');

      const delivered = await waitForStatus(sys, created.id, 'delivered');
      expect(delivered.ledger?.filter((e) => e.kind === 'capture').map((e) => [e.amount, e.ref])).toEqual([['299.80', 'cash_on_delivery']]);
    },
    60_000,
  );

  test('a card order\'s parcel carries no collection', async () => {
    const labelled = await labelledOrder(sys, 'yurtici');
    const shipment = sys.carriers.yurtici!.state.shipments.get(labelled.shipment!.trackingNumber);
    expect(shipment).toBeDefined();
    expect(shipment!.collection).toBeUndefined();
    expect(shipment!.paymentType).toBe('sender');
  });

  test('a poll and a callback of the same Yurtiçi event reach the order once', async () => {
    const labelled = await labelledOrder(sys, 'yurtici');
    const tracking = labelled.shipment!.trackingNumber;
    // The carrier also pushes the pick-up it reports to the sweep: same status, same carrier time.
    const pickedUp = await eventually(() => {
      const scan = sys.carriers.yurtici!.state.view(tracking)?.events[0];
      expect(scan).toBeDefined();
      return yurticiTimeToIso(scan!.eventDate, scan!.eventTime)!;
    }, { timeoutMs: 15_000 });
    const eventId = trackingEventId('yurtici', tracking, 'picked_up', pickedUp);
    // The sweep hands it over first (its next round after the scan) ...
    await eventually(async () => {
      const order = await getOrder(sys, labelled.id);
      expect(order.shipment!.events.map((e) => e.eventId)).toContain(eventId);
    }, { timeoutMs: 15_000 });
    // ... then the carrier's callback of the same event, twice, is acknowledged and not signalled again.
    const callback = { eventId, trackingNumber: tracking, status: 'picked_up', at: pickedUp };
    expect((await sys.signed('/callbacks/carriers/yurtici', callback)).status).toBe(200);
    expect((await sys.signed('/callbacks/carriers/yurtici', callback)).status).toBe(200);
    await waitForStatus(sys, labelled.id, 'delivered');

    const order = await getOrder(sys, labelled.id);
    expect(order.shipment!.events.filter((e) => e.eventId === eventId)).toHaveLength(1);
    // One signal with that event id in the order's history: the sweep's.
    const history = await sys.temporal.client.workflow.getHandle(`order:${labelled.id}`).fetchHistory();
    const withId = (history.events ?? []).filter((e) => {
      const payloads = e.workflowExecutionSignaledEventAttributes?.input?.payloads ?? [];
      return payloads.some((p) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8').includes(eventId));
    });
    expect(withId).toHaveLength(1);
  }, 60_000);

  test('each connected carrier has its tracking schedule, sweeping on its own', async () => {
    for (const carrier of ['yurtici', 'aras', 'mng']) {
      const described = await sys.temporal.client.schedule.getHandle(carrierTrackingScheduleId(carrier)).describe();
      expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: CARRIER_TRACKING_WORKFLOW_TYPE });
      expect(described.state.paused).toBe(false);
      await eventually(async () => {
        const again = await sys.temporal.client.schedule.getHandle(carrierTrackingScheduleId(carrier)).describe();
        expect(again.info.recentActions.length).toBeGreaterThan(0);
      });
    }
    // And operators see each sweep's last success as a metric.
    await eventually(async () => {
      const text = await (await fetch(`${sys.baseUrl}/metrics`)).text();
      for (const carrier of ['yurtici', 'aras', 'mng']) {
        const line = text.split('\n').find((l) => l.startsWith(`oms_carrier_tracking_last_success_timestamp_seconds{carrier="${carrier}"}`));
        expect(Number(line?.split(' ')[1])).toBeGreaterThan(Date.now() / 1000 - 600);
      }
    });
  });
});

describe.each(DB_KINDS)('carrier refusals and cancels on %s', (kind) => {
  let sys: TestSystem;
  withSystem(kind, (started) => (sys = started), {
    OMS_CARRIER_CONNECTORS: 'yurtici,aras',
    OMS_CARRIER_POLL_INTERVAL: '1s',
    // Nothing moves for an hour: the parcel stays at the sender's, where a cancel still works.
    OMS_CARRIER_SIM_PACE: '1h,2h,3h',
  });

  test('an Aras business error inside an HTTP 200 surfaces as needsAttention naming it', async () => {
    const message = 'Alıcı ilçe bilgisi geçersiz (ReceiverTownName)';
    sys.carriers.aras!.state.failNext({ resultCode: '2', resultMessage: message });
    const sku = await seedSku(sys, 5);
    const created = await placeOrder(sys, [{ sku, quantity: 1 }], { carrier: 'aras' });
    await authorize(sys, created);
    await waitForStatus(sys, created.id, 'picking');
    await packed(sys, created.id);
    const flagged = await eventually(async () => {
      const order = await getOrder(sys, created.id);
      expect(order.needsAttention).toBe(true);
      return order;
    }, { timeoutMs: 30_000 });
    expect(flagged.attention?.step).toBe('create_shipment');
    expect(flagged.attention?.reason).toContain(message);
    expect(flagged.attention?.reason).toContain('aras');
    expect(flagged.shipment).toBeUndefined();
  }, 60_000);

  test('canceling a labelled order cancels its Yurtiçi shipment by the key it was created with', async () => {
    const labelled = await labelledOrder(sys, 'yurtici');
    const tracking = labelled.shipment!.trackingNumber;
    expect(sys.carriers.yurtici!.state.view(tracking)?.operationStatus).toBe('NOP');
    const res = await sys.call('POST', `/orders/${labelled.id}/cancel`, { key: KEYS.webstore, body: { reason: 'customer_request' } });
    expect(res.status).toBe(200);
    await waitForStatus(sys, labelled.id, 'canceled');
    await eventually(() => expect(sys.carriers.yurtici!.state.view(tracking)?.operationStatus).toBe('CNL'));
    // The sweep no longer follows it.
    await eventually(async () => {
      const integrations = await sys.call<{ carriers: { carrier: string; open: number }[] }>('GET', '/integrations');
      const yurtici = integrations.body.carriers.find((c) => c.carrier === 'yurtici');
      expect(yurtici?.open).toBe(0);
    });
  }, 60_000);
});

