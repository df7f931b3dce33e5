// The Yurtiçi SOAP simulator over real HTTP on a free port, driven through the client where the OMS would use it,
// and by raw envelopes where the wire itself is the point (HTTP 200 business errors, Faults, date formats).
import { manualClock, type SimClock } from '../../integrations/sim/http-kit';
import {
  startYurticiSimulator,
  YURTICI_AUTH_FAILED,
  YURTICI_SERVICE_PATH,
  type YurticiSimulatorOptions,
} from '../../integrations/sim/yurtici';
import { createYurticiClient, normalizeYurticiStatus, yurticiEventId, type YurticiClient } from '../../integrations/yurtici/carrier';
import { child, childrenNamed, childText, findDeep, parseSoapEnvelope, soapEnvelope, type XmlElement } from '../../integrations/yurtici/soap';

const H = 3600_000;
const accounts: YurticiSimulatorOptions['accounts'] = [
  { user: 'YKTEST', password: 'YK', paymentType: 'sender' },
  { user: 'YKTESTALICI', password: 'YK2', paymentType: 'receiver' },
];
const progressMs = { issue: 1 * H, inDelivery: 2 * H, outForDelivery: 3 * H, delivered: 4 * H, returned: 5 * H };
const receiver = { name: 'Ayşe Yılmaz', address: 'Atatürk Cad. No:5 D:3', phone: '5321234567', city: 'ANKARA', town: 'ÇANKAYA' };

type Sim = Awaited<ReturnType<typeof startYurticiSimulator>>;
let sim: Sim | undefined;
let clock: SimClock;

async function start(extra: Partial<YurticiSimulatorOptions> = {}): Promise<{ sim: Sim; client: YurticiClient }> {
  // 2026-12-01T09:00:00Z = 12:00:00 in Turkey.
  clock = manualClock();
  sim = await startYurticiSimulator({ accounts, clock, progressMs, ...extra });
  return { sim, client: createYurticiClient({ baseUrl: sim.url, user: 'YKTEST', password: 'YK' }) };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** Posts a raw body to the service; returns the status, content type and text. */
async function post(s: Sim, body: string, contentType = 'text/xml; charset=utf-8') {
  const res = await fetch(`${s.url}${YURTICI_SERVICE_PATH}`, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The result VO of a 200 answer. */
function resultOf(text: string, name: string): XmlElement {
  const body = parseSoapEnvelope(text);
  if (body.kind !== 'element') throw new Error(`expected a body element, got a fault: ${body.message}`);
  const vo = findDeep(body.element, name);
  if (!vo) throw new Error(`no ${name} in ${text}`);
  return vo;
}

const order = (cargoKey: string, invoiceKey = `INV-${cargoKey}`) => ({ cargoKey, invoiceKey, receiver });

describe('Yurtiçi simulator: createShipment', () => {
  test('creates once; a repeat answers 60020 inside HTTP 200, which the client treats as already created', async () => {
    const { sim, client } = await start();
    const first = await client.createShipment(order('OMS-1-A'));
    expect(first).toEqual({ cargoKey: 'OMS-1-A', jobId: expect.stringMatching(/^\d+$/) as unknown as string, alreadyCreated: false });
    expect(sim.state.shipments.get('OMS-1-A')).toMatchObject({
      invoiceKey: 'INV-OMS-1-A',
      receiverCustName: receiver.name,
      cityName: 'ANKARA',
      townName: 'ÇANKAYA',
      paymentType: 'sender',
      jobId: first.jobId,
    });

    await expect(client.createShipment(order('OMS-1-A'))).resolves.toEqual({ cargoKey: 'OMS-1-A', jobId: undefined, alreadyCreated: true });
    expect(sim.state.shipments.size).toBe(1);

    // On the wire: HTTP 200, outFlag 1, the row's errCode 60020.
    const raw = await post(
      sim,
      soapEnvelope('createShipment', {
        wsUserName: 'YKTEST',
        wsPassword: 'YK',
        userLanguage: 'TR',
        ShippingOrderVO: { cargoKey: 'OMS-1-A', invoiceKey: 'INV-OMS-1-A', receiverCustName: 'x', receiverAddress: 'y' },
      }),
    );
    expect(raw.status).toBe(200);
    expect(raw.contentType).toMatch(/^text\/xml/);
    const vo = resultOf(raw.text, 'ShippingOrderResultVO');
    expect(childText(vo, 'outFlag')).toBe('1');
    expect(childText(child(vo, 'shippingOrderDetailVO'), 'errCode')).toBe('60020');
  });

  test('60020 for a cargoKey that carries another invoiceKey is a conflict, not success', async () => {
    const { client } = await start();
    await client.createShipment(order('OMS-2-A', 'INV-2'));
    await expect(client.createShipment(order('OMS-2-A', 'INV-OTHER'))).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      errCode: '60020',
    });
    // Another account's key is just as taken (a barcode is a barcode), and invisible to this account's query.
    const other = createYurticiClient({ baseUrl: sim!.url, user: 'YKTESTALICI', password: 'YK2' });
    await expect(other.createShipment(order('OMS-2-A', 'INV-2'))).rejects.toMatchObject({ kind: 'rejected', errCode: '60020' });
  });

  test('missing or too long cargoKey, missing invoiceKey, receiver name or address: each its errCode, nothing created', async () => {
    const { sim, client } = await start();
    const cases: [Parameters<YurticiClient['createShipment']>[0], string][] = [
      [{ ...order(''), invoiceKey: 'INV-X' }, '80859'],
      [order('K'.repeat(21)), '82500'],
      [{ ...order('OMS-3-A'), invoiceKey: '' }, '60017'],
      [{ ...order('OMS-3-B'), receiver: { ...receiver, name: '' } }, '60018'],
      [{ ...order('OMS-3-C'), receiver: { ...receiver, address: '  ' } }, '60019'],
    ];
    for (const [args, errCode] of cases) {
      await expect(client.createShipment(args)).rejects.toMatchObject({ name: 'CarrierError', kind: 'rejected', errCode });
    }
    expect(sim.state.shipments.size).toBe(0);
    // A key of exactly 20 characters is fine.
    await expect(client.createShipment(order('K'.repeat(20)))).resolves.toMatchObject({ alreadyCreated: false });
  });
});

describe('Yurtiçi cash on delivery: the collection account', () => {
  const withCod = (s: Sim) =>
    createYurticiClient({ baseUrl: s.url, user: 'YKTEST', password: 'YK', cod: { user: 'YKTESTALICI', password: 'YK2' } });

  test('a shipment with a collection goes through the collection account with its amount; query and cancel find it', async () => {
    const { sim } = await start();
    const client = withCod(sim);
    await client.createShipment({ ...order('OMS-COD-1'), codAmount: '299.80' });
    expect(sim.state.shipments.get('OMS-COD-1')).toMatchObject({
      user: 'YKTESTALICI',
      paymentType: 'receiver',
      collection: { type: '0', amount: '299.80', documentId: 'INV-OMS-COD-1' },
    });
    // On the wire: the collection fields inside the ShippingOrderVO.
    const sent = sim.state.requests.entries.find((r) => r.body.includes('OMS-COD-1'))!.body;
    expect(sent).toContain('<ttInvoiceAmount>299.80</ttInvoiceAmount>');
    expect(sent).toContain('<ttCollectionType>0</ttCollectionType>');
    // A card parcel beside it stays on the main account, and one query finds both (the second account asked only for the rest).
    await client.createShipment(order('OMS-CARD-1'));
    expect(sim.state.shipments.get('OMS-CARD-1')).toMatchObject({ user: 'YKTEST', paymentType: 'sender' });
    expect(sim.state.shipments.get('OMS-CARD-1')!.collection).toBeUndefined();
    const before = sim.state.requests.entries.length;
    const rows = await client.queryShipments(['OMS-CARD-1', 'OMS-COD-1']);
    expect(rows.map((r) => [r.cargoKey, r.status])).toEqual([
      ['OMS-CARD-1', 'label_created'],
      ['OMS-COD-1', 'label_created'],
    ]);
    expect(sim.state.requests.entries.length - before).toBe(2);
    // A retried create of the COD parcel is found as already created, through the same merged query.
    await expect(client.createShipment({ ...order('OMS-COD-1'), codAmount: '299.80' })).resolves.toMatchObject({ alreadyCreated: true });
    await expect(client.cancelShipment('OMS-COD-1')).resolves.toBe('canceled');
    expect(sim.state.shipments.get('OMS-COD-1')!.canceledAt).toBeDefined();
  });

  test('without a collection account a COD shipment is refused before anything is sent, naming the setting', async () => {
    const { sim, client } = await start();
    await expect(client.createShipment({ ...order('OMS-COD-2'), codAmount: '10.00' })).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      message: expect.stringContaining('YURTICI_COD_USERNAME'),
    });
    expect(sim.state.requests.entries).toHaveLength(0);
  });

  test('the simulator refuses a collection from a sender-pays account, and an unreadable amount, each by its errCode', async () => {
    const { sim } = await start();
    // The main account posing as the collection one: what a misconfigured YURTICI_COD_USERNAME does.
    const misconfigured = createYurticiClient({ baseUrl: sim.url, user: 'YKTEST', password: 'YK', cod: { user: 'YKTEST', password: 'YK' } });
    await expect(misconfigured.createShipment({ ...order('OMS-COD-3'), codAmount: '10.00' })).rejects.toMatchObject({ kind: 'rejected', errCode: '60031' });
    await expect(withCod(sim).createShipment({ ...order('OMS-COD-4'), codAmount: '10,00' })).rejects.toMatchObject({ kind: 'rejected', errCode: '60032' });
    expect(sim.state.shipments.size).toBe(0);
  });
});

describe('Yurtiçi SOAP text', () => {
  test('markup characters in fields are escaped on the way in and read back as sent', async () => {
    const { sim, client } = await start();
    const name = 'Tom & Jerry <Ltd> "A\'Ş"';
    await client.createShipment({ ...order('OMS-12-A'), receiver: { ...receiver, name, address: 'a]]>b &amp; c' } });
    expect(sim.state.shipments.get('OMS-12-A')).toMatchObject({ receiverCustName: name, receiverAddress: 'a]]>b &amp; c' });
    expect(sim.state.requests.entries[0]!.body).toContain('<receiverCustName>Tom &amp; Jerry &lt;Ltd&gt; &quot;A&apos;Ş&quot;</receiverCustName>');
  });
});

describe('Yurtiçi simulator: queryShipment', () => {
  test('NOP → ISR → IND (transfer, dağıtım) → DLV on the clock, normalized, with the carrier times', async () => {
    const { client } = await start();
    await client.createShipment(order('OMS-4-A'));
    const poll = async () => {
      const [t] = await client.queryShipments(['OMS-4-A']);
      return t!;
    };

    let t = await poll();
    expect(t).toMatchObject({ cargoKey: 'OMS-4-A', invoiceKey: 'INV-OMS-4-A', status: 'label_created', events: [], raw: { operationStatus: 'NOP', operationCode: '0' } });
    expect(t.docId).toBeUndefined();

    clock.advance(1 * H);
    t = await poll();
    expect(t).toMatchObject({
      status: 'picked_up',
      raw: { operationStatus: 'ISR', operationCode: '2' },
      docId: expect.stringMatching(/^\d+$/) as unknown as string,
      trackingUrl: expect.stringContaining('gonderi-sorgula?code=') as unknown as string,
    });
    expect(t.events).toEqual([{ code: 'KBL', name: 'Kargo Kabul Edildi', at: '2026-12-01T10:00:00.000Z', unit: 'GÜNEŞLİ ŞUBE' }]);

    clock.advance(1 * H);
    t = await poll();
    expect(t).toMatchObject({ status: 'in_transit', raw: { operationStatus: 'IND', operationCode: '1' } });
    expect(t.events.map((e) => [e.code, e.at])).toEqual([
      ['KBL', '2026-12-01T10:00:00.000Z'],
      ['TRF', '2026-12-01T11:00:00.000Z'],
    ]);

    clock.advance(1 * H);
    t = await poll();
    expect(t.status).toBe('out_for_delivery');
    expect(t.events[2]).toMatchObject({ code: 'DGT', name: 'Kargo Dağıtıma Çıkarıldı', at: '2026-12-01T12:00:00.000Z' });

    clock.advance(1 * H);
    t = await poll();
    expect(t).toMatchObject({ status: 'delivered', raw: { operationStatus: 'DLV', operationCode: '5' }, deliveredAt: '2026-12-01T13:00:00.000Z' });
    expect(t.events.map((e) => e.code)).toEqual(['KBL', 'TRF', 'DGT', 'TSL']);

    // Nothing moves after delivery.
    clock.advance(10 * H);
    expect((await poll()).events).toHaveLength(4);
  });

  test('on the wire: events in invDocCargoVOArray with eventDate yyyyMMdd and eventTime HHmmss in Turkey time', async () => {
    const { sim, client } = await start();
    await client.createShipment(order('OMS-5-A'));
    clock.advance(2 * H + 1234);
    const raw = await post(
      sim,
      soapEnvelope('queryShipment', {
        wsUserName: 'YKTEST',
        wsPassword: 'YK',
        wsLanguage: 'TR',
        keys: ['OMS-5-A'],
        keyType: 0,
        addHistoricalData: true,
        onlyTracking: false,
      }),
    );
    expect(raw.status).toBe(200);
    const row = child(resultOf(raw.text, 'ShippingDeliveryVO'), 'shippingDeliveryDetailVO');
    const events = childrenNamed(child(row, 'shippingDeliveryItemDetailVO'), 'invDocCargoVOArray');
    expect(events.map((e) => [childText(e, 'eventId'), childText(e, 'eventDate'), childText(e, 'eventTime')])).toEqual([
      ['KBL', '20261201', '130000'],
      ['TRF', '20261201', '140000'],
    ]);
  });

  test('an unknown key gets an error row 82519 (not_found) next to the known ones', async () => {
    const { client } = await start();
    await client.createShipment(order('OMS-6-A'));
    const results = await client.queryShipments(['NOPE-1', 'OMS-6-A']);
    expect(results).toMatchObject([
      { cargoKey: 'NOPE-1', status: 'not_found', events: [], raw: { errCode: '82519' } },
      { cargoKey: 'OMS-6-A', status: 'label_created' },
    ]);
    // Only unknown keys: outFlag 1 with rows, still per-key answers rather than an error.
    await expect(client.queryShipments(['NOPE-2'])).resolves.toMatchObject([{ cargoKey: 'NOPE-2', status: 'not_found' }]);
    // Another account's shipment is not this account's to see.
    const other = createYurticiClient({ baseUrl: sim!.url, user: 'YKTESTALICI', password: 'YK2' });
    await expect(other.queryShipments(['OMS-6-A'])).resolves.toMatchObject([{ status: 'not_found', raw: { errCode: '82519' } }]);
  });

  test('a failed delivery and a return to sender are normalized, with rejectStatus/returnStatus kept raw', async () => {
    const { sim, client } = await start();
    await client.createShipment(order('OMS-7-A'));
    clock.advance(3 * H);
    sim.state.failDelivery('OMS-7-A');
    clock.advance(1 * H);
    let [t] = await client.queryShipments(['OMS-7-A']);
    expect(t).toMatchObject({ status: 'delivery_failed', raw: { operationStatus: 'IND' } });
    expect(t!.deliveredAt).toBeUndefined();
    expect(t!.events[t!.events.length - 1]).toEqual({
      code: 'TED',
      name: 'Teslim Edilemedi',
      at: '2026-12-01T13:00:00.000Z',
      unit: 'ÇANKAYA ŞUBE',
      reason: 'Alıcı adreste bulunamadı',
    });

    sim.state.returnToSender('OMS-7-A');
    [t] = await client.queryShipments(['OMS-7-A']);
    // Return under way (rejectStatus 1): the parcel is moving again, back to the sender.
    expect(t).toMatchObject({ status: 'in_transit', raw: { operationStatus: 'IND', rejectStatus: '1' } });

    clock.advance(5 * H);
    [t] = await client.queryShipments(['OMS-7-A']);
    expect(t).toMatchObject({ status: 'returned_to_sender', raw: { rejectStatus: '9', returnStatus: '3' } });
    expect(t!.events.map((e) => [e.code, e.at]).slice(-2)).toEqual([
      ['IAD', '2026-12-01T13:00:00.000Z'],
      ['IDT', '2026-12-01T18:00:00.000Z'],
    ]);

    // A delivered parcel cannot fail any more; a parcel not yet in the network cannot be returned.
    await client.createShipment(order('OMS-7-B'));
    expect(() => sim.state.returnToSender('OMS-7-B')).toThrow('shipment OMS-7-B is NOP: only a parcel in the network (ISR/IND, not returning) can be returned');
    clock.advance(4 * H);
    expect(() => sim.state.failDelivery('OMS-7-B')).toThrow('shipment OMS-7-B is DLV: no delivery to fail');
  });

  test('yurticiEventId is the same for the same event across polls and spellings of its time', async () => {
    const { client } = await start();
    await client.createShipment(order('OMS-8-A'));
    clock.advance(2 * H);
    const ids = async () => {
      const [t] = await client.queryShipments(['OMS-8-A']);
      return t!.events.map((e) => yurticiEventId('OMS-8-A', e.code, e.at));
    };
    const first = await ids();
    clock.advance(1 * H);
    const second = await ids();
    expect(second.slice(0, 2)).toEqual(first);
    expect(new Set(second).size).toBe(3);
    expect(first[0]).toBe('yurtici:OMS-8-A:KBL:2026-12-01T10:00:00.000Z');
    expect(yurticiEventId('K', 'delivered', '2026-12-01T16:00:00+03:00')).toBe(yurticiEventId('K', 'delivered', '2026-12-01T13:00:00.000Z'));
  });
});

describe('Yurtiçi simulator: cancelShipment', () => {
  test('before ISR canceled, a second time already canceled (ISC/82520); after ISR too late and the parcel goes on', async () => {
    const { sim, client } = await start();
    await client.createShipment(order('OMS-9-A'));
    await client.createShipment(order('OMS-9-B'));
    await expect(client.cancelShipment('OMS-9-A')).resolves.toBe('canceled');
    await expect(client.queryShipments(['OMS-9-A'])).resolves.toMatchObject([{ status: 'canceled', raw: { operationStatus: 'CNL', operationCode: '3' } }]);
    await expect(client.cancelShipment('OMS-9-A')).resolves.toBe('already_canceled');

    const raw = await post(sim, soapEnvelope('cancelShipment', { wsUserName: 'YKTEST', wsPassword: 'YK', userLanguage: 'TR', cargoKeys: ['OMS-9-A'] }));
    expect(raw.status).toBe(200);
    const row = child(resultOf(raw.text, 'ShippingOrderResultVO'), 'shippingCancelDetailVO');
    expect([childText(row, 'operationStatus'), childText(row, 'errCode')]).toEqual(['ISC', '82520']);

    // A canceled shipment never progresses.
    clock.advance(1 * H);
    await expect(client.queryShipments(['OMS-9-A'])).resolves.toMatchObject([{ status: 'canceled', events: [] }]);
    await expect(client.cancelShipment('OMS-9-B')).resolves.toBe('too_late');
    await expect(client.queryShipments(['OMS-9-B'])).resolves.toMatchObject([{ status: 'picked_up' }]);
    expect(sim.state.view('OMS-9-B')?.operationStatus).toBe('ISR');
  });

  test('an unknown cargoKey is rejected with 82519', async () => {
    const { client } = await start();
    await expect(client.cancelShipment('NOPE')).rejects.toMatchObject({ name: 'CarrierError', kind: 'rejected', errCode: '82519' });
  });
});

describe('Yurtiçi simulator: credentials, faults and transport', () => {
  test('unknown credentials: outFlag 1 inside HTTP 200, which the client reports as auth on every operation', async () => {
    const { sim } = await start();
    const raw = await post(sim, soapEnvelope('queryShipment', { wsUserName: 'YKTEST', wsPassword: 'wrong', keys: ['X'], keyType: 0 }));
    expect(raw.status).toBe(200);
    const vo = resultOf(raw.text, 'ShippingDeliveryVO');
    expect([childText(vo, 'outFlag'), childText(vo, 'outResult')]).toEqual(['1', YURTICI_AUTH_FAILED]);

    // The receiver-pays user with the sender-pays password is just as unknown: credentials are per account.
    for (const bad of [
      { user: 'YKTEST', password: 'wrong' },
      { user: 'YKTESTALICI', password: 'YK' },
    ]) {
      const client = createYurticiClient({ baseUrl: sim.url, ...bad });
      await expect(client.createShipment(order('OMS-10-A'))).rejects.toMatchObject({ name: 'CarrierError', kind: 'auth' });
      await expect(client.queryShipments(['OMS-10-A'])).rejects.toMatchObject({ name: 'CarrierError', kind: 'auth' });
      await expect(client.cancelShipment('OMS-10-A')).rejects.toMatchObject({ name: 'CarrierError', kind: 'auth' });
    }
    expect(sim.state.shipments.size).toBe(0);
    // The receiver-pays account with its own password works, and its shipments are receiver-pays.
    const receiverPays = createYurticiClient({ baseUrl: sim.url, user: 'YKTESTALICI', password: 'YK2' });
    await receiverPays.createShipment(order('OMS-10-B'));
    expect(sim.state.shipments.get('OMS-10-B')?.paymentType).toBe('receiver');
  });

  test('a malformed envelope or an unknown operation gets HTTP 500 with a SOAP Client Fault; wrong content type 415', async () => {
    const { sim } = await start();
    for (const body of [
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ship:createShipment>',
      '{"cargoKey":"X"}',
      '<Envelope><Body/></Envelope>',
      '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
      soapEnvelope('trackEverything', { wsUserName: 'YKTEST', wsPassword: 'YK' }),
    ]) {
      const raw = await post(sim, body);
      expect(raw.status).toBe(500);
      expect(raw.contentType).toMatch(/^text\/xml/);
      const parsed = parseSoapEnvelope(raw.text);
      expect(parsed).toMatchObject({ kind: 'fault', code: 'soapenv:Client' });
    }
    const json = await post(sim, soapEnvelope('queryShipment', {}), 'application/json');
    expect(json.status).toBe(415);
    expect(sim.state.shipments.size).toBe(0);
  });

  test('outFlag 2, errCode 936, a Server Fault, a 503 and a closed port are unavailable; a Client Fault is rejected', async () => {
    const { sim: running, client } = await start();
    const unexpected = soapEnvelope('x', {}).replace(
      '<ship:x/>',
      '<ship:queryShipmentResponse><ShippingDeliveryVO><outFlag>2</outFlag><outResult>Beklenmeyen hata</outResult></ShippingDeliveryVO></ship:queryShipmentResponse>',
    );
    const row936 =
      '<ship:queryShipmentResponse><ShippingDeliveryVO><outFlag>1</outFlag><count>1</count><shippingDeliveryDetailVO>' +
      '<cargoKey>K</cargoKey><errCode>936</errCode></shippingDeliveryDetailVO></ShippingDeliveryVO></ship:queryShipmentResponse>';
    running.state.faults
      .next(YURTICI_SERVICE_PATH, { status: 200, body: unexpected })
      .next(YURTICI_SERVICE_PATH, { status: 200, body: soapEnvelope('x', {}).replace('<ship:x/>', row936) })
      .next(YURTICI_SERVICE_PATH, { status: 500, body: soapEnvelopeFault('soapenv:Server', 'database down') })
      .next(YURTICI_SERVICE_PATH, { status: 503, body: 'Service Unavailable' })
      .next(YURTICI_SERVICE_PATH, { status: 500, body: soapEnvelopeFault('soapenv:Client', 'Unmarshalling Error') });
    for (let i = 0; i < 4; i += 1) {
      await expect(client.queryShipments(['K'])).rejects.toMatchObject({ name: 'CarrierError', kind: 'unavailable', retryable: true });
    }
    await expect(client.queryShipments(['K'])).rejects.toMatchObject({ name: 'CarrierError', kind: 'rejected', status: 500 });

    const url = running.url;
    await running.close();
    sim = undefined;
    const gone = createYurticiClient({ baseUrl: url, user: 'YKTEST', password: 'YK' });
    await expect(gone.cancelShipment('K')).rejects.toMatchObject({ name: 'CarrierError', kind: 'unavailable' });
  });

  test('admin: the shipment as stored and as seen now, the request log, and the controls over HTTP', async () => {
    const { sim, client } = await start();
    await client.createShipment(order('OMS-11-A'));
    clock.advance(1 * H);
    const res = await fetch(`${sim.url}/__admin/shipments/OMS-11-A`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ cargoKey: 'OMS-11-A', user: 'YKTEST', view: { operationStatus: 'ISR' } });
    expect((await fetch(`${sim.url}/__admin/shipments/NOPE`)).status).toBe(404);

    expect((await fetch(`${sim.url}/__admin/shipments/OMS-11-A/fail-delivery`, { method: 'POST' })).status).toBe(204);
    const advanced = await fetch(`${sim.url}/__admin/advance`, { method: 'POST', body: JSON.stringify({ ms: 3 * H }) });
    expect(advanced.status).toBe(200);
    await expect(client.queryShipments(['OMS-11-A'])).resolves.toMatchObject([{ status: 'delivery_failed' }]);

    const log = (await (await fetch(`${sim.url}/__admin/requests`)).json()) as { path: string; status: number; body: string }[];
    expect(log.map((e) => [e.path, e.status])).toEqual([
      [YURTICI_SERVICE_PATH, 200],
      [YURTICI_SERVICE_PATH, 200],
    ]);
    expect(log[0]!.body).toContain('<cargoKey>OMS-11-A</cargoKey>');
    // Credentials travel in the body; the log keeps the user and masks the password.
    expect(log[0]!.body).toContain('<wsUserName>YKTEST</wsUserName><wsPassword>***</wsPassword>');
  });
});

describe('Yurtiçi normalization (§4.4)', () => {
  test('return codes win, cancellation codes are outside the set, unknown codes are unknown', () => {
    expect(normalizeYurticiStatus({ operationStatus: 'IND', rejectStatus: '10', events: [] })).toBe('returned_to_sender');
    expect(normalizeYurticiStatus({ operationStatus: 'DLV', returnStatus: '3', events: [] })).toBe('returned_to_sender');
    expect(normalizeYurticiStatus({ operationStatus: 'BI', events: [] })).toBe('canceled');
    expect(normalizeYurticiStatus({ operationStatus: 'ISC', events: [] })).toBe('canceled');
    expect(normalizeYurticiStatus({ operationStatus: 'NOP', events: [{ name: 'Kargo Kabul' }] })).toBe('picked_up');
    expect(normalizeYurticiStatus({ operationStatus: 'IND', events: [{ name: 'DAĞITIMA ÇIKTI' }] })).toBe('out_for_delivery');
    expect(normalizeYurticiStatus({ operationStatus: 'IND', events: [{ name: 'Teslim Edilemedi', reason: 'Adres yanlış' }] })).toBe('delivery_failed');
    expect(normalizeYurticiStatus({ operationStatus: 'XYZ', events: [] })).toBe('unknown');
  });
});

function soapEnvelopeFault(code: string, message: string): string {
  return (
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>' +
    `<faultcode>${code}</faultcode><faultstring>${message}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
  );
}
