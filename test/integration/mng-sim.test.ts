// The MNG / DHL eCommerce simulator over real HTTP on a free port, driven through the connector where the OMS
// would use it (CarrierProtocol), and by raw requests where the wire itself is the point (headers, error bodies,
// date formats, status codes).
import { CarrierError, type CarrierProtocol } from '../../integrations/carrier-protocol';
import { createMngCarrier, findMngCode, mngPhone, mngTimeToMs, normalizeMngStatus, type MngCarrierOptions } from '../../integrations/mng/carrier';
import { manualClock, type SimClock } from '../../integrations/sim/http-kit';
import { MNG_BASE_PATH, MNG_BRANCH_NOT_FOUND, MNG_ERR, startMngSimulator, type MngSimulatorOptions } from '../../integrations/sim/mng';

const H = 3600_000;
const CLIENT = { clientId: 'oms-app', clientSecret: 's3cret' };
const ACCOUNT = { customerNumber: '123456789', password: 'mng-pass' };
const progressMs = { pickedUp: 1 * H, inTransfer: 2 * H, atDeliveryUnit: 3 * H, outForDelivery: 4 * H, delivered: 5 * H, returned: 6 * H };
const receiver = { name: 'Ayşe Yılmaz', address: 'Bağdat Cad. No:5 D:3', phone: '0532 123 45 67', city: 'istanbul', town: 'kadıköy' };

type Sim = Awaited<ReturnType<typeof startMngSimulator>>;
let sim: Sim | undefined;
let clock: SimClock;

async function start(
  extra: Partial<MngSimulatorOptions> = {},
  carrier: Partial<MngCarrierOptions> = {},
): Promise<{ sim: Sim; mng: CarrierProtocol }> {
  // 2026-12-01T09:00:00Z = 12:00 in Turkey.
  clock = manualClock();
  sim = await startMngSimulator({ ...CLIENT, accounts: [ACCOUNT], clock, progressMs, ...extra });
  return { sim, mng: createMngCarrier({ baseUrl: `${sim.url}${MNG_BASE_PATH}`, ...CLIENT, ...ACCOUNT, ...carrier }) };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** A raw call to the API; IBM headers and a JWT unless told otherwise. */
async function call(
  s: Sim,
  method: string,
  path: string,
  init: { body?: unknown; headers?: Record<string, string>; jwt?: string | null } = {},
): Promise<{ status: number; headers: Headers; json: unknown }> {
  const headers: Record<string, string> = { 'x-ibm-client-id': CLIENT.clientId, 'x-ibm-client-secret': CLIENT.clientSecret, ...init.headers };
  if (init.jwt !== null) headers.authorization = `Bearer ${init.jwt ?? (await jwtFor(s))}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.url}${MNG_BASE_PATH}${path}`, { method, headers, ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as unknown) : undefined };
}

async function jwtFor(s: Sim): Promise<string> {
  const res = await call(s, 'POST', '/token', { jwt: null, body: { ...ACCOUNT, identityType: 1 } });
  return (res.json as { jwt: string }).jwt;
}

const paths = (s: Sim) => s.state.requests.entries.map((e) => `${e.method} ${e.path.slice(MNG_BASE_PATH.length)} ${e.status}`);

const order = (reference: string, extra: Partial<Parameters<CarrierProtocol['createShipment']>[0]> = {}) => ({
  reference,
  orderReference: `ORD-${reference}`,
  receiver,
  ...extra,
});

/** A createOrder body the simulator accepts; `patch` edits it. */
function rawOrder(referenceId: string, patch: (b: { order: Record<string, unknown>; orderPieceList: Record<string, unknown>[]; recipient: Record<string, unknown> }) => void = () => {}) {
  const body = {
    order: { referenceId, barcode: referenceId, billOfLandingId: 'B-1', isCOD: 0, codAmount: 0, paymentType: 1 },
    orderPieceList: [{ barcode: `${referenceId}_PARCA1`, desi: 3, kg: 2, content: 'kitap' }],
    recipient: { fullName: 'Ali Veli', cityCode: 34, districtCode: 1421, address: 'Moda', mobilePhoneNumber: '5321234567', email: '' },
  };
  patch(body);
  return body;
}

describe('MNG simulator: token and IBM client headers', () => {
  test('the token answers a JWT with dd.MM.yyyy HH:mm:ss expiry dates from the simulator clock (Turkey time)', async () => {
    const { sim } = await start();
    const res = await call(sim, 'POST', '/token', { jwt: null, body: { ...ACCOUNT, identityType: 1 } });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      jwt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/) as unknown as string,
      // 09:00Z = 12:00 Turkey; the JWT lives 8 h, the refresh token a day.
      jwtExpireDate: '01.12.2026 20:00:00',
      refreshTokenExpireDate: '02.12.2026 12:00:00',
    });
    const wrong = await call(sim, 'POST', '/token', { jwt: null, body: { ...ACCOUNT, password: 'nope', identityType: 1 } });
    expect(wrong).toMatchObject({ status: 401, json: { error: { Code: MNG_ERR.loginFailed } } });
  });

  test('an expired JWT gets 401; the connector logs in again and retries the call once', async () => {
    const { sim, mng } = await start();
    await mng.createShipment(order('oms-1-a'));
    const tokensBefore = paths(sim).filter((p) => p.startsWith('POST /token')).length;
    expect(tokensBefore).toBe(1);

    clock.advance(8 * H);
    // The connector's own (wall) clock has not moved, so it learns of the expiry from the 401.
    await expect(mng.queryShipments(['oms-1-a'])).resolves.toMatchObject([{ reference: 'oms-1-a', status: 'delivered' }]);
    // The stale token got a 401 (token expired), then one login, then the same call succeeded.
    const log = paths(sim);
    const firstStale = log.findIndex((p) => p.endsWith(' 401'));
    expect(log.slice(firstStale, firstStale + 3)).toEqual([
      'GET /standardqueryapi/getshipmentstatus/OMS-1-A 401',
      'POST /token 200',
      'GET /standardqueryapi/getshipmentstatus/OMS-1-A 200',
    ]);
    expect(log.filter((p) => p.startsWith('POST /token'))).toHaveLength(2);
    expect(sim.state.requests.entries[firstStale]!.headers.authorization).toBe('***');
  });

  test('with the clock given, the connector renews the JWT before its expiry instead of meeting the 401', async () => {
    const { sim, mng } = await start({}, { now: () => clock.now() });
    await mng.queryShipments(['NOPE']);
    clock.advance(8 * H - 30_000);
    await mng.queryShipments(['NOPE']);
    expect(paths(sim)).toEqual([
      'POST /token 200',
      'GET /standardqueryapi/getshipmentstatus/NOPE 404',
      'POST /token 200',
      'GET /standardqueryapi/getshipmentstatus/NOPE 404',
    ]);
  });

  test('missing or wrong IBM client headers: 401 with the error body on every route, auth from the connector', async () => {
    const { sim } = await start();
    for (const headers of [{ 'x-ibm-client-id': '' }, { 'x-ibm-client-secret': 'wrong' }] as Record<string, string>[]) {
      for (const [method, path] of [
        ['GET', '/cbsinfoapi/getcities'],
        ['POST', '/token'],
        ['GET', '/standardqueryapi/getshipmentstatus/X'],
      ] as const) {
        const res = await call(sim, method, path, { headers, jwt: null, ...(method === 'POST' ? { body: { ...ACCOUNT, identityType: 1 } } : {}) });
        expect(res).toMatchObject({ status: 401, json: { error: { Code: MNG_ERR.clientRejected, Description: expect.stringContaining('X-IBM-Client-Id') as unknown as string } } });
      }
    }
    // CBS info needs the IBM headers only; everything else also the Bearer JWT.
    expect((await call(sim, 'GET', '/cbsinfoapi/getcities', { jwt: null })).status).toBe(200);
    expect(await call(sim, 'GET', '/standardqueryapi/getshipmentstatus/X', { jwt: null })).toMatchObject({ status: 401, json: { error: { Code: MNG_ERR.tokenMissing } } });

    for (const bad of [{ clientSecret: 'wrong' }, { password: 'wrong' }]) {
      const mng = createMngCarrier({ baseUrl: `${sim.url}${MNG_BASE_PATH}`, ...CLIENT, ...ACCOUNT, ...bad });
      await expect(mng.createShipment(order('OMS-2-A'))).rejects.toMatchObject({ name: 'CarrierError', kind: 'auth', status: 401, retryable: false });
      await expect(mng.queryShipments(['OMS-2-A'])).rejects.toMatchObject({ name: 'CarrierError', kind: 'auth' });
    }
    expect(sim.state.orders.size).toBe(0);
    // The secret and the password stay out of the log.
    const logged = sim.state.requests.entries.filter((e) => e.path.endsWith('/token')).at(-1);
    expect(logged?.headers['x-ibm-client-secret']).toBe('***');
    expect(logged?.body).toBe(JSON.stringify({ customerNumber: ACCOUNT.customerNumber, password: '***', identityType: 1 }));
  });
});

describe('MNG simulator: createShipment', () => {
  test('resolves codes by Turkish name, creates the order and its barcode; a repeat answers alreadyCreated', async () => {
    const { sim, mng } = await start();
    const first = await mng.createShipment(order('oms-3-a', { pieces: 2 }));
    expect(first).toEqual({ reference: 'oms-3-a', trackingNumber: 'OMS-3-A', labelRef: '614118700001', alreadyCreated: false });
    const stored = sim.state.orders.get('OMS-3-A');
    expect(stored).toMatchObject({
      billOfLandingId: 'ORD-oms-3-a',
      recipient: { fullName: 'Ayşe Yılmaz', cityCode: '34', districtCode: '1421', mobilePhoneNumber: '5321234567' },
      shipment: { shipmentId: '614118700001' },
    });
    expect(stored?.pieces.map((p) => [p.barcode, p.desi, p.kg])).toEqual([
      ['OMS-3-A_PARCA1', 1, 1],
      ['OMS-3-A_PARCA2', 1, 1],
    ]);
    expect(stored?.shipment?.barcodes.map((b) => b.barcode)).toEqual(['614118700001001', '614118700001002']);
    expect(stored?.shipment?.barcodes[0]?.value).toMatch(/^\^XA.*\^FD614118700001001\^FS.*\^XZ$/);

    await expect(mng.createShipment(order('OMS-3-A', { pieces: 2, orderReference: 'ORD-oms-3-a' }))).resolves.toEqual({ ...first, reference: 'OMS-3-A', alreadyCreated: true });
    expect(sim.state.orders.size).toBe(1);
    // The repeat: createOrder refused (exists), createbarcode refused (exists), the shipmentId read from the status.
    expect(paths(sim).slice(-4)).toEqual([
      'POST /standardcmdapi/createOrder 400',
      'GET /standardqueryapi/getshipment/OMS-3-A 200',
      'POST /barcodecmdapi/createbarcode 400',
      'GET /standardqueryapi/getshipmentstatus/OMS-3-A 200',
    ]);
    // City and district lists were read once (cached) for both creates.
    expect(paths(sim).filter((p) => p.includes('cbsinfoapi'))).toEqual(['GET /cbsinfoapi/getcities 200', 'GET /cbsinfoapi/getdistricts/34 200']);

    // The repeat checked the existing order is this one (its billOfLandingId) before going on.
    expect(paths(sim).filter((p) => p.includes('getshipment/'))).toEqual(['GET /standardqueryapi/getshipment/OMS-3-A 200']);

    const dup = await call(sim, 'POST', '/standardcmdapi/createOrder', { body: rawOrder('OMS-3-A') });
    expect(dup).toMatchObject({ status: 400, json: { error: { Code: MNG_ERR.orderExists, Description: expect.stringContaining('OMS-3-A') as unknown as string } } });
  });

  test('a referenceId that exists for another order is a conflict, not success, and gets no barcode', async () => {
    const { sim, mng } = await start({ accounts: [ACCOUNT, { customerNumber: '987654321', password: 'other' }] });
    sim.state.failBarcode(1);
    await expect(mng.createShipment(order('OMS-15-A'))).rejects.toMatchObject({ errCode: '20001' });
    await expect(mng.createShipment(order('OMS-15-A', { orderReference: 'ORD-OTHER' }))).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      errCode: MNG_ERR.orderExists,
      message: 'mng: createOrder OMS-15-A: the referenceId exists for another order (billOfLandingId ORD-OMS-15-A)',
    });
    expect(sim.state.orders.get('OMS-15-A')?.shipment).toBeUndefined();
    // Another customer's referenceId is just as taken, and invisible to this one.
    const other = createMngCarrier({ baseUrl: `${sim.url}${MNG_BASE_PATH}`, ...CLIENT, customerNumber: '987654321', password: 'other' });
    await expect(other.createShipment(order('OMS-15-A'))).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('not visible to this account') as unknown as string,
    });
    expect(sim.state.orders.size).toBe(1);
  });

  test('names typed without Turkish letters resolve when unambiguous; unknown ones are rejected naming the field', async () => {
    const { sim, mng } = await start();
    await mng.createShipment(order('OMS-4-A', { receiver: { ...receiver, city: 'Izmir', town: 'Karsiyaka' } }));
    expect(sim.state.orders.get('OMS-4-A')?.recipient).toMatchObject({ cityCode: '35', districtCode: '1449' });
    await expect(mng.createShipment(order('OMS-4-B', { receiver: { ...receiver, city: 'Atlantis' } }))).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      message: expect.stringContaining('receiver.city: "Atlantis"') as unknown as string,
    });
    await expect(mng.createShipment(order('OMS-4-C', { receiver: { ...receiver, town: 'Konak' } }))).rejects.toMatchObject({
      kind: 'rejected',
      message: expect.stringContaining('receiver.town: "Konak" is not a district of istanbul') as unknown as string,
    });
    expect(sim.state.orders.size).toBe(1);
  });

  test('createOrder validates each field and names it in the error; nothing is created', async () => {
    const { sim, mng } = await start();
    const cases: [ReturnType<typeof rawOrder>, string, string][] = [
      [rawOrder('', () => {}), MNG_ERR.validation, 'order.referenceId'],
      [rawOrder('R-1', (b) => (b.orderPieceList[0]!.desi = 1.5)), MNG_ERR.validation, 'orderPieceList[0].desi'],
      [rawOrder('R-2', (b) => (b.orderPieceList[0]!.kg = '2')), MNG_ERR.validation, 'orderPieceList[0].kg'],
      [rawOrder('R-3', (b) => (b.recipient.mobilePhoneNumber = '05321234567')), MNG_ERR.validation, 'recipient.mobilePhoneNumber: başında 0 veya 90'],
      [rawOrder('R-4', (b) => (b.recipient.mobilePhoneNumber = '905321234567')), MNG_ERR.validation, 'recipient.mobilePhoneNumber: başında 0 veya 90'],
      [rawOrder('R-5', (b) => (b.recipient.fullName = ' ')), MNG_ERR.validation, 'recipient.fullName'],
      [rawOrder('R-6', (b) => (b.recipient.cityCode = 99)), MNG_ERR.unknownCity, 'recipient.cityCode'],
      [rawOrder('R-7', (b) => (b.recipient.districtCode = 1231)), MNG_ERR.unknownDistrict, 'recipient.districtCode'],
      [rawOrder('R-8', (b) => (b.order.isCOD = 1)), MNG_ERR.validation, 'order.codAmount'],
    ];
    for (const [body, code, field] of cases) {
      const res = await call(sim, 'POST', '/standardcmdapi/createOrder', { body });
      expect([res.status, res.json]).toEqual([400, { error: { Code: code, Description: expect.stringContaining(field) as unknown as string } }]);
    }
    // Through the connector: a phone that is not ten digits once 0/90 are dropped.
    await expect(mng.createShipment(order('OMS-5-A', { receiver: { ...receiver, phone: '123' } }))).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      errCode: MNG_ERR.validation,
      message: expect.stringMatching(/createOrder OMS-5-A: HTTP 400 Code 40001 recipient\.mobilePhoneNumber/) as unknown as string,
    });
    expect(sim.state.orders.size).toBe(0);
    expect((await call(sim, 'POST', '/standardcmdapi/createOrder', { body: rawOrder('R-OK') })).status).toBe(200);
  });

  test('createbarcode fails with 500 Code 20001 (retryable); the retried create finds its order and gets the barcode', async () => {
    const { sim, mng } = await start();
    sim.state.failBarcode(1);
    const failed = await mng.createShipment(order('OMS-6-A')).catch((err: unknown) => err);
    expect(failed).toBeInstanceOf(CarrierError);
    expect(failed).toMatchObject({ kind: 'unavailable', retryable: true, errCode: '20001', status: 500 });
    expect((failed as Error).message).toBe(`mng: createbarcode OMS-6-A: HTTP 500 Code 20001 ${MNG_BRANCH_NOT_FOUND}`);
    expect(sim.state.orders.get('OMS-6-A')?.shipment).toBeUndefined();
    // The order exists but is not a shipment yet: status 0, no shipmentId.
    expect((await call(sim, 'GET', '/standardqueryapi/getshipmentstatus/OMS-6-A')).json).toMatchObject([{ shipmentStatusCode: 0, shipmentId: null }]);

    await expect(mng.createShipment(order('OMS-6-A'))).resolves.toEqual({
      reference: 'OMS-6-A',
      trackingNumber: 'OMS-6-A',
      labelRef: '614118700001',
      alreadyCreated: true,
    });
    expect(sim.state.orders.size).toBe(1);
  });
});

describe('MNG simulator: status and movements', () => {
  test('codes 0 → 5 on the clock, normalized per §4.4, with the carrier times in UTC', async () => {
    const { sim, mng } = await start();
    await mng.createShipment(order('OMS-7-A', { receiver: { ...receiver, city: 'ANKARA', town: 'Çankaya' } }));
    const poll = async () => (await mng.queryShipments(['OMS-7-A']))[0]!;

    let t = await poll();
    expect(t).toMatchObject({ reference: 'OMS-7-A', status: 'label_created', events: [], raw: { code: '0', text: 'Kargo_Bekleniyor', shipmentId: '614118700001' } });
    expect(t.at).toBeUndefined();

    const expected: [string, string, string][] = [
      ['picked_up', '1', '2026-12-01T10:00:00.000Z'],
      ['in_transit', '2', '2026-12-01T11:00:00.000Z'],
      ['in_transit', '3', '2026-12-01T12:00:00.000Z'],
      ['out_for_delivery', '4', '2026-12-01T13:00:00.000Z'],
      ['delivered', '5', '2026-12-01T14:00:00.000Z'],
    ];
    for (const [status, code, at] of expected) {
      clock.advance(1 * H);
      t = await poll();
      expect([t.status, t.raw.code, t.at]).toEqual([status, code, at]);
    }
    expect(t.raw).toMatchObject({ text: 'Teslim_Edildi', isDelivered: '1', deliveryDateTime: '01-12-2026 17:00' });
    expect(t.events.map((e) => [e.code, e.at])).toEqual([
      ['KBL', '2026-12-01T10:00:00.000Z'],
      ['TRF', '2026-12-01T11:00:00.000Z'],
      ['VRS', '2026-12-01T12:00:00.000Z'],
      ['DGT', '2026-12-01T13:00:00.000Z'],
      ['TSL', '2026-12-01T14:00:00.000Z'],
    ]);

    // On the wire: status by shipmentId too, movements in dd-MM-yyyy HH:mm Turkey time.
    expect((await call(sim, 'GET', '/standardqueryapi/getshipmentstatusByShipmentId/614118700001')).json).toEqual([
      {
        referenceId: 'OMS-7-A',
        shipmentId: '614118700001',
        shipmentStatusCode: 5,
        shipmentStatus: 'Teslim_Edildi',
        isDelivered: 1,
        deliveryDateTime: '01-12-2026 17:00',
      },
    ]);
    const moves = (await call(sim, 'GET', '/standardqueryapi/trackshipment/OMS-7-A')).json as { eventDateTime: string; district: string }[];
    expect(moves.map((m) => m.eventDateTime)).toEqual(['01-12-2026 13:00', '01-12-2026 14:00', '01-12-2026 15:00', '01-12-2026 16:00', '01-12-2026 17:00']);
    expect(moves[4]?.district).toBe('ÇANKAYA');

    // Nothing moves after delivery.
    clock.advance(10 * H);
    expect((await poll()).events).toHaveLength(5);
  });

  test('not delivered (6) and returned to the sender (7), with the time of the latest movement', async () => {
    const { sim, mng } = await start();
    await mng.createShipment(order('OMS-8-A'));
    clock.advance(4 * H);
    sim.state.failDelivery('OMS-8-A');
    clock.advance(1 * H);
    let [t] = await mng.queryShipments(['OMS-8-A']);
    expect(t).toMatchObject({ status: 'delivery_failed', at: '2026-12-01T14:00:00.000Z', raw: { code: '6', text: 'Teslim_Edilemedi', isDelivered: '0' } });
    expect(t!.events[t!.events.length - 1]).toEqual({ code: 'TED', name: 'Teslim edilemedi - alıcı adreste bulunamadı', at: '2026-12-01T14:00:00.000Z' });

    sim.state.returnToSender('OMS-8-A');
    [t] = await mng.queryShipments(['OMS-8-A']);
    expect(t).toMatchObject({ status: 'in_transit', raw: { code: '2' }, at: '2026-12-01T14:00:00.000Z' });
    clock.advance(6 * H);
    [t] = await mng.queryShipments(['OMS-8-A']);
    expect(t).toMatchObject({ status: 'returned_to_sender', at: '2026-12-01T20:00:00.000Z', raw: { code: '7', text: 'Gondericiye_Iade_Edildi' } });

    // A delivered parcel cannot fail any more; a parcel the branch never had cannot be returned.
    await mng.createShipment(order('OMS-8-B'));
    expect(() => sim.state.returnToSender('OMS-8-B')).toThrow('shipment OMS-8-B has status 0: only a parcel in the network (1-4, 6, not returning) can be returned');
    clock.advance(5 * H);
    expect(() => sim.state.failDelivery('OMS-8-B')).toThrow('shipment OMS-8-B has status 5: no delivery to fail');
  });

  test('an unknown reference is 404 on the wire and not_found from the connector, next to a known one', async () => {
    const { sim, mng } = await start();
    await mng.createShipment(order('OMS-9-A'));
    expect(await call(sim, 'GET', '/standardqueryapi/getshipmentstatus/NOPE')).toMatchObject({ status: 404, json: { error: { Code: MNG_ERR.notFound } } });
    expect((await call(sim, 'GET', '/standardqueryapi/trackshipment/NOPE')).status).toBe(404);
    await expect(mng.queryShipments(['nope-1', 'oms-9-a'])).resolves.toMatchObject([
      { reference: 'nope-1', status: 'not_found', events: [], raw: { code: MNG_ERR.notFound } },
      { reference: 'oms-9-a', status: 'label_created' },
    ]);
    await expect(mng.cancelShipment('NOPE-1')).rejects.toMatchObject({ name: 'CarrierError', kind: 'rejected', status: 404, errCode: MNG_ERR.notFound });
    await expect(mng.queryShipments(Array.from({ length: 21 }, (_, i) => `K-${i}`))).rejects.toThrow('references: at most 20 per query, got 21');
  });
});

describe('MNG simulator: cancel', () => {
  test('before the barcode: cancelorder; a second cancel is already_canceled, and the order never becomes a shipment', async () => {
    const { sim, mng } = await start();
    sim.state.failBarcode(1);
    await expect(mng.createShipment(order('OMS-10-A'))).rejects.toMatchObject({ errCode: '20001' });
    await expect(mng.cancelShipment('oms-10-a')).resolves.toBe('canceled');
    expect(paths(sim)).toContain('PUT /standardcmdapi/cancelorder/OMS-10-A 200');
    await expect(mng.cancelShipment('OMS-10-A')).resolves.toBe('already_canceled');
    await expect(mng.queryShipments(['OMS-10-A'])).resolves.toMatchObject([{ status: 'canceled', raw: { code: '8', text: 'Iptal_Edildi' }, events: [] }]);
    // The retried create finds the order cancelled: rejected, no barcode.
    await expect(mng.createShipment(order('OMS-10-A'))).rejects.toMatchObject({ kind: 'rejected', errCode: MNG_ERR.orderCanceled });
    expect(sim.state.orders.get('OMS-10-A')?.shipment).toBeUndefined();
  });

  test('after the barcode: cancelshipment until the first scan, then too_late and the parcel goes on', async () => {
    const { sim, mng } = await start();
    const a = await mng.createShipment(order('OMS-11-A'));
    await mng.createShipment(order('OMS-11-B'));
    // cancelorder is refused once the barcode exists.
    expect(await call(sim, 'PUT', '/standardcmdapi/cancelorder/OMS-11-A')).toMatchObject({ status: 400, json: { error: { Code: MNG_ERR.hasBarcode } } });

    await expect(mng.cancelShipment('OMS-11-A')).resolves.toBe('canceled');
    expect(JSON.parse(sim.state.requests.entries.at(-1)!.body)).toEqual({ referenceId: 'OMS-11-A', shipmentId: a.labelRef });
    expect(paths(sim).at(-1)).toBe('PUT /barcodecmdapi/cancelshipment 200');
    await expect(mng.cancelShipment('OMS-11-A')).resolves.toBe('already_canceled');
    clock.advance(1 * H);
    await expect(mng.queryShipments(['OMS-11-A'])).resolves.toMatchObject([{ status: 'canceled', events: [] }]);

    await expect(mng.cancelShipment('OMS-11-B')).resolves.toBe('too_late');
    expect(paths(sim)).toContain('PUT /barcodecmdapi/cancelshipment 400');
    await expect(mng.queryShipments(['OMS-11-B'])).resolves.toMatchObject([{ status: 'picked_up' }]);
  });

  test('cancelshipment is refused on a later day even before the first scan', async () => {
    const { mng } = await start({ progressMs: { ...progressMs, pickedUp: 20 * H, inTransfer: 21 * H, atDeliveryUnit: 22 * H, outForDelivery: 23 * H, delivered: 24 * H } });
    await mng.createShipment(order('OMS-12-A'));
    // 12:00 Turkey + 12 h = 00:00 the next day.
    clock.advance(12 * H);
    await expect(mng.queryShipments(['OMS-12-A'])).resolves.toMatchObject([{ status: 'label_created' }]);
    await expect(mng.cancelShipment('OMS-12-A')).resolves.toBe('too_late');
  });
});

describe('MNG simulator: limits and faults', () => {
  test('past the rate limit: 429 with Retry-After, unavailable from the connector, fine once the window passes', async () => {
    const { sim, mng } = await start({ rateLimit: { requests: 2, perMs: 10_000 } });
    // token + status (a 404 reads no movements) = the window's 2 requests.
    await expect(mng.queryShipments(['NOPE'])).resolves.toMatchObject([{ status: 'not_found' }]);
    const limited = await mng.queryShipments(['NOPE']).catch((err: unknown) => err);
    expect(limited).toMatchObject({ name: 'CarrierError', kind: 'unavailable', retryable: true, status: 429, errCode: MNG_ERR.rateLimited });
    expect((limited as Error).message).toContain('(retry after 10 s)');
    const raw = await fetch(`${sim.url}${MNG_BASE_PATH}/cbsinfoapi/getcities`, { headers: { 'x-ibm-client-id': CLIENT.clientId, 'x-ibm-client-secret': CLIENT.clientSecret } });
    expect([raw.status, raw.headers.get('retry-after'), await raw.json()]).toEqual([429, '10', { error: { Code: MNG_ERR.rateLimited, Description: 'Rate Limit Exceeded' } }]);

    clock.advance(10_000);
    await expect(mng.queryShipments(['NOPE'])).resolves.toMatchObject([{ status: 'not_found' }]);
  });

  test('an injected 503 and a closed port are unavailable', async () => {
    const { sim: running, mng } = await start();
    running.state.faults.next(`${MNG_BASE_PATH}/standardqueryapi/getshipmentstatus/K`, { status: 503, body: 'Service Unavailable' });
    await expect(mng.queryShipments(['K'])).rejects.toMatchObject({ name: 'CarrierError', kind: 'unavailable', status: 503 });
    await expect(mng.queryShipments(['K'])).resolves.toMatchObject([{ status: 'not_found' }]);
    const url = running.url;
    await running.close();
    sim = undefined;
    const gone = createMngCarrier({ baseUrl: `${url}${MNG_BASE_PATH}`, ...CLIENT, ...ACCOUNT });
    await expect(gone.cancelShipment('K')).rejects.toMatchObject({ name: 'CarrierError', kind: 'unavailable', message: expect.stringContaining('mng: token failed') as unknown as string });
  });

  test('admin: the order as stored and seen now, fail-delivery and barcode failures over HTTP', async () => {
    const { sim, mng } = await start();
    expect((await fetch(`${sim.url}/__admin/barcode-failures`, { method: 'POST', body: JSON.stringify({ times: 1 }) })).status).toBe(204);
    await expect(mng.createShipment(order('OMS-14-A'))).rejects.toMatchObject({ errCode: '20001' });
    await mng.createShipment(order('OMS-14-A'));
    clock.advance(1 * H);
    const res = await fetch(`${sim.url}/__admin/orders/OMS-14-A`);
    expect(await res.json()).toMatchObject({ referenceId: 'OMS-14-A', customerNumber: ACCOUNT.customerNumber, view: { shipmentStatusCode: 1 } });
    expect((await fetch(`${sim.url}/__admin/orders/OMS-14-A/fail-delivery`, { method: 'POST' })).status).toBe(204);
    await fetch(`${sim.url}/__admin/advance`, { method: 'POST', body: JSON.stringify({ ms: 4 * H }) });
    await expect(mng.queryShipments(['OMS-14-A'])).resolves.toMatchObject([{ status: 'delivery_failed' }]);
    expect((await fetch(`${sim.url}/__admin/orders/NOPE`)).status).toBe(404);
  });
});

describe('MNG normalization and helpers', () => {
  test('codes per §4.4, cancelled and unknown outside the set; Turkey times; phones; names', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((c) => normalizeMngStatus(c, undefined))).toEqual([
      'label_created',
      'picked_up',
      'in_transit',
      'in_transit',
      'out_for_delivery',
      'delivered',
      'delivery_failed',
      'returned_to_sender',
    ]);
    expect(normalizeMngStatus(3, 'Gonderi_Iptal')).toBe('canceled');
    expect(normalizeMngStatus(42, 'Bilinmeyen')).toBe('unknown');
    expect(new Date(mngTimeToMs('13-10-2026 14:56')!).toISOString()).toBe('2026-10-13T11:56:00.000Z');
    expect(new Date(mngTimeToMs('01.12.2026 20:00:00')!).toISOString()).toBe('2026-12-01T17:00:00.000Z');
    expect(mngTimeToMs('2026-10-13')).toBeUndefined();
    expect(['+90 532 123 45 67', '0532-123-4567', '5321234567'].map(mngPhone)).toEqual(['5321234567', '5321234567', '5321234567']);
    const list = [
      { code: '1', name: 'ŞİŞLİ' },
      { code: '2', name: 'SISLI' },
      { code: '3', name: 'ÜSKÜDAR' },
    ];
    expect([findMngCode(list, 'şişli'), findMngCode(list, 'Uskudar'), findMngCode(list, 'ısparta')]).toEqual(['1', '3', undefined]);
  });
});
