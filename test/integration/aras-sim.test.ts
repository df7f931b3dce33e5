// The Aras simulator (both SOAP services on one loopback port) driven through the connector where the OMS would
// use it, and by raw envelopes where the wire itself is the point (business errors inside HTTP 200, escaped-XML
// arguments, a JSON string as the answer, Faults).
import { CarrierError, type CreateShipmentArgs } from '../../integrations/carrier-protocol';
import { arasTimeToIso, createArasCarrier, foldTurkish, normalizeArasStatus } from '../../integrations/aras/carrier';
import { ARAS_NS, ARAS_SOAP_ACTIONS, type ArasOperation } from '../../integrations/aras/protocol';
import { manualClock, type SimClock } from '../../integrations/sim/http-kit';
import {
  ARAS_AUTH_FAILED,
  ARAS_ORDER_SERVICE_PATH,
  ARAS_QUERY_AUTH_FAILED,
  ARAS_QUERY_SERVICE_PATH,
  ARAS_RESULT,
  startArasSimulator,
  type ArasSimulatorOptions,
} from '../../integrations/sim/aras';
import { childText, findDeep, parseSoapEnvelope, soapEnvelope, xmlElement, type XmlFields } from '../../integrations/yurtici/soap';

const H = 3600_000;
const account = { username: 'ARASORDER', password: 'order-pw', queryUsername: 'ARASQUERY', queryPassword: 'query-pw', customerCode: '1234567' };
const accounts: ArasSimulatorOptions['accounts'] = [
  account,
  { username: 'OTHERORDER', password: 'other-pw', queryUsername: 'OTHERQUERY', queryPassword: 'other-qpw', customerCode: '7654321' },
];
const credentials = {
  username: account.username,
  password: account.password,
  queryUsername: account.queryUsername,
  queryPassword: account.queryPassword,
  customerCode: account.customerCode,
};
const receiver = { name: 'Ayşe Yılmaz', address: 'Atatürk Cad. No:5 D:3', phone: '5321234567', city: 'ANKARA', town: 'ÇANKAYA' };

type Sim = Awaited<ReturnType<typeof startArasSimulator>>;
let sim: Sim | undefined;
let clock: SimClock;

async function start(extra: Partial<ArasSimulatorOptions> = {}) {
  // 2026-12-01T09:00:00Z = 12:00:00 in Turkey.
  clock = manualClock();
  sim = await startArasSimulator({ accounts, clock, stepMs: 1 * H, ...extra });
  return { sim, carrier: createArasCarrier({ baseUrl: sim.url, ...credentials }) };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const order = (reference: string, extra: Partial<CreateShipmentArgs> = {}): CreateShipmentArgs => ({
  reference,
  orderReference: `ORD-${reference}`,
  receiver,
  ...extra,
});

/** Posts a raw SOAP call to one of the services. */
async function post(s: Sim, path: string, operation: ArasOperation, fields: XmlFields, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ARAS_SOAP_ACTIONS[operation]}"`, ...headers },
    body: soapEnvelope(operation, fields, { namespace: ARAS_NS }),
  });
  return { status: res.status, text: await res.text() };
}

/** A raw SetOrder with one Order; returns the HTTP status and the OrderResultInfo's code and message. */
async function rawSetOrder(s: Sim, orderFields: XmlFields) {
  const { status, text } = await post(s, ARAS_ORDER_SERVICE_PATH, 'SetOrder', {
    orderInfo: { Order: { UserName: account.username, Password: account.password, ...orderFields } },
    userName: account.username,
    password: account.password,
  });
  const body = parseSoapEnvelope(text);
  if (body.kind !== 'element') throw new Error(`expected an answer, got a fault: ${body.message}`);
  const info = findDeep(body.element, 'OrderResultInfo');
  return { status, code: childText(info, 'ResultCode'), message: childText(info, 'ResultMessage') ?? '' };
}

const validOrder = (code: string, barcodes = [`${code}-1`]): XmlFields => ({
  IntegrationCode: code,
  TradingWaybillNumber: 'W-1',
  InvoiceNumber: `INV-${code}`,
  ReceiverName: 'Ali Veli',
  ReceiverAddress: 'Cumhuriyet Mah. 1',
  ReceiverCityName: 'İSTANBUL',
  ReceiverTownName: 'KADIKÖY',
  PieceCount: barcodes.length,
  PieceDetails: { PieceDetail: barcodes.map((BarcodeNumber) => ({ BarcodeNumber, Weight: 1, VolumetricWeight: 1 })) },
});

describe('Aras simulator: SetOrder', () => {
  test('creates once; a repeat answers a non-zero ResultCode "already exists" inside HTTP 200, which the connector treats as already created', async () => {
    const { sim, carrier } = await start();
    await expect(carrier.createShipment(order('OMS-1-A'))).resolves.toEqual({
      reference: 'OMS-1-A',
      trackingNumber: 'OMS-1-A',
      labelRef: 'OMS-1-A-1',
      alreadyCreated: false,
    });
    expect(sim.state.shipment('OMS-1-A')).toMatchObject({ account: 'ARASORDER', invoiceNumber: 'ORD-OMS-1-A', receiverName: receiver.name, town: 'ÇANKAYA', pieceCount: 1 });

    await expect(carrier.createShipment(order('OMS-1-A'))).resolves.toEqual({
      reference: 'OMS-1-A',
      trackingNumber: 'OMS-1-A',
      labelRef: 'OMS-1-A-1',
      alreadyCreated: true,
    });
    // After the first scan the confirming query has a record, and it is ours.
    clock.advance(1 * H);
    await expect(carrier.createShipment(order('OMS-1-A'))).resolves.toMatchObject({ alreadyCreated: true });
    expect(sim.state.shipments.size).toBe(1);

    const raw = await rawSetOrder(sim, validOrder('OMS-1-A', ['FRESH-BARCODE']));
    expect(raw).toEqual({ status: 200, code: ARAS_RESULT.alreadyExists, message: expect.stringContaining('zaten mevcut') as unknown as string });
  });

  test('an existing IntegrationCode whose record carries another order reference is a conflict, not success', async () => {
    const { carrier } = await start();
    await carrier.createShipment(order('OMS-2-A'));
    clock.advance(1 * H);
    const err = await carrier.createShipment(order('OMS-2-A', { orderReference: 'ORD-OTHER' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarrierError);
    expect(err).toMatchObject({ kind: 'rejected', errCode: ARAS_RESULT.alreadyExists, message: expect.stringContaining('exists for another order (FATURA_NO ORD-OMS-2-A') as unknown as string });
  });

  test('one PieceDetail per piece with its own barcode; a barcode already used by another order is refused by name', async () => {
    const { sim, carrier } = await start();
    await expect(carrier.createShipment(order('OMS-3-A', { pieces: 3 }))).resolves.toMatchObject({ labelRef: 'OMS-3-A-1' });
    const stored = sim.state.shipment('OMS-3-A')!;
    expect(stored.pieceCount).toBe(3);
    expect(stored.pieces.map((p) => p.barcode)).toEqual(['OMS-3-A-1', 'OMS-3-A-2', 'OMS-3-A-3']);

    // Another order reusing one of those stickers, or one order using the same barcode twice.
    expect(await rawSetOrder(sim, validOrder('OTHER-1', ['X-1', 'OMS-3-A-2']))).toEqual({
      status: 200,
      code: ARAS_RESULT.barcodeUsed,
      message: expect.stringMatching(/^OMS-3-A-2 BarcodeNumber /) as unknown as string,
    });
    expect(await rawSetOrder(sim, validOrder('OTHER-2', ['DUP', 'DUP']))).toMatchObject({ code: ARAS_RESULT.barcodeUsed, message: expect.stringContaining('DUP BarcodeNumber') as unknown as string });
    expect(sim.state.shipments.size).toBe(1);
  });

  test('field errors come inside HTTP 200 as non-zero ResultCodes naming the field, and nothing is created', async () => {
    const { sim, carrier } = await start();
    const cases: [XmlFields, string, string][] = [
      [{ ...validOrder('F-1'), IntegrationCode: '' }, ARAS_RESULT.fieldMissing, 'IntegrationCode'],
      [{ ...validOrder('F-2'), ReceiverName: '' }, ARAS_RESULT.fieldMissing, 'ReceiverName'],
      [{ ...validOrder('F-3'), ReceiverAddress: ' ' }, ARAS_RESULT.fieldMissing, 'ReceiverAddress'],
      [{ ...validOrder('F-4'), ReceiverCityName: undefined }, ARAS_RESULT.fieldMissing, 'ReceiverCityName'],
      [{ ...validOrder('F-5'), ReceiverTownName: '' }, ARAS_RESULT.fieldMissing, 'ReceiverTownName'],
      [{ ...validOrder('F-6'), TradingWaybillNumber: 'W'.repeat(17) }, ARAS_RESULT.waybillTooLong, 'TradingWaybillNumber'],
      [{ ...validOrder('F-7', ['F-7-1', 'F-7-2']), PieceCount: 3 }, ARAS_RESULT.pieceCountMismatch, 'PieceCount (3) ile PieceDetails sayısı (2)'],
      [{ ...validOrder('F-8'), PieceCount: 0 }, ARAS_RESULT.fieldMissing, 'PieceCount'],
      [validOrder('F-9', ['']), ARAS_RESULT.fieldMissing, 'BarcodeNumber'],
    ];
    for (const [fields, code, named] of cases) {
      const raw = await rawSetOrder(sim, fields);
      expect([raw.status, raw.code]).toEqual([200, code]);
      expect(raw.message).toContain(named);
    }
    expect(sim.state.shipments.size).toBe(0);
    // A waybill of exactly 16 characters is fine.
    expect(await rawSetOrder(sim, { ...validOrder('F-10'), TradingWaybillNumber: 'W'.repeat(16) })).toMatchObject({ code: '0' });

    // Through the connector: a CarrierError 'rejected' whose message carries the ResultMessage and errCode the ResultCode.
    await expect(carrier.createShipment(order('OMS-4-A', { receiver: { ...receiver, town: '' } }))).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      errCode: ARAS_RESULT.fieldMissing,
      message: 'aras: SetOrder OMS-4-A: ResultCode 2: ReceiverTownName alanı boş olamaz.',
    });
    await expect(carrier.createShipment(order('OMS-4-B', { orderReference: 'ORDER-REF-17-CHAR' }))).rejects.toMatchObject({
      kind: 'rejected',
      errCode: ARAS_RESULT.waybillTooLong,
      message: expect.stringContaining('TradingWaybillNumber en fazla 16 karakter') as unknown as string,
    });
    // Bad input the connector can see itself never reaches the service.
    const before = sim.state.requests.entries.length;
    await expect(carrier.createShipment(order('OMS-4-C', { pieces: 0 }))).rejects.toMatchObject({ kind: 'rejected', message: expect.stringContaining('pieces must be a positive integer') as unknown as string });
    await expect(carrier.createShipment(order('OMS-4-D', { codAmount: '12,50' }))).rejects.toMatchObject({ kind: 'rejected', message: expect.stringContaining('codAmount') as unknown as string });
    expect(sim.state.requests.entries.length).toBe(before);
    expect(sim.state.shipments.size).toBe(1);
  });

  test('cash on delivery travels as IsCod 1 with the amount', async () => {
    const { sim, carrier } = await start();
    await carrier.createShipment(order('OMS-5-A', { codAmount: '149.90' }));
    expect(sim.state.shipment('OMS-5-A')).toMatchObject({ isCod: true, codAmount: '149.90' });
  });
});

describe('Aras simulator: credentials', () => {
  test('wrong order credentials: a non-zero ResultCode in HTTP 200, reported as auth; the query has its own credentials', async () => {
    const { sim } = await start();
    const raw = await post(sim, ARAS_ORDER_SERVICE_PATH, 'SetOrder', { orderInfo: { Order: validOrder('A-1') }, userName: account.username, password: 'wrong' });
    expect(raw.status).toBe(200);
    const body = parseSoapEnvelope(raw.text);
    const info = body.kind === 'element' ? findDeep(body.element, 'OrderResultInfo') : undefined;
    expect([childText(info, 'ResultCode'), childText(info, 'ResultMessage')]).toEqual([ARAS_RESULT.authFailed, ARAS_AUTH_FAILED]);

    const badOrder = createArasCarrier({ baseUrl: sim.url, ...credentials, password: 'wrong' });
    await expect(badOrder.createShipment(order('A-2'))).rejects.toMatchObject({ name: 'CarrierError', kind: 'auth', errCode: ARAS_RESULT.authFailed, message: expect.stringContaining(ARAS_AUTH_FAILED) as unknown as string });
    await expect(badOrder.cancelShipment('A-2')).rejects.toMatchObject({ kind: 'auth', errCode: ARAS_RESULT.authFailed });
    // The order credentials are not query credentials (and the other way round).
    await expect(badOrder.queryShipments(['A-2'])).resolves.toMatchObject([{ status: 'label_created' }]);
    const orderCredsForQuery = createArasCarrier({ baseUrl: sim.url, username: account.username, password: account.password, customerCode: account.customerCode });
    await expect(orderCredsForQuery.queryShipments(['A-2'])).rejects.toMatchObject({ kind: 'auth', message: expect.stringContaining(ARAS_QUERY_AUTH_FAILED) as unknown as string });
    const wrongCustomer = createArasCarrier({ baseUrl: sim.url, ...credentials, customerCode: '999' });
    await expect(wrongCustomer.queryShipments(['A-2'])).rejects.toMatchObject({ kind: 'auth', errCode: ARAS_RESULT.authFailed });
    expect(sim.state.shipments.size).toBe(0);

    // Another account's IntegrationCodes are its own: the same code is a new shipment there, invisible here.
    const other = createArasCarrier({ baseUrl: sim.url, username: 'OTHERORDER', password: 'other-pw', queryUsername: 'OTHERQUERY', queryPassword: 'other-qpw', customerCode: '7654321' });
    await other.createShipment(order('SHARED-1'));
    clock.advance(1 * H);
    const mine = createArasCarrier({ baseUrl: sim.url, ...credentials });
    await expect(mine.queryShipments(['SHARED-1'])).resolves.toMatchObject([{ status: 'label_created', raw: {} }]);
    await expect(other.queryShipments(['SHARED-1'])).resolves.toMatchObject([{ status: 'picked_up' }]);
  });
});

describe('Aras simulator: GetQueryJSON and tracking', () => {
  test('no record before the first scan, then KABUL → TRANSFER → DAĞITIMDA → TESLİM EDİLDİ (6), normalized with the carrier times', async () => {
    const { carrier } = await start();
    await carrier.createShipment(order('OMS-6-A'));
    const poll = async () => (await carrier.queryShipments(['OMS-6-A']))[0]!;

    expect(await poll()).toEqual({ reference: 'OMS-6-A', status: 'label_created', raw: {}, events: [] });

    const seen: [string, string | undefined, string | undefined, string | undefined][] = [];
    for (let step = 0; step < 4; step += 1) {
      clock.advance(1 * H);
      const t = await poll();
      seen.push([t.status, t.raw.code, t.raw.text, t.at]);
      expect(t.events).toEqual([{ code: t.raw.code, name: t.raw.text, at: t.at }]);
      expect(t.trackingUrl).toBe('https://kargotakip.araskargo.com.tr/mainpage.aspx?code=3513000000001');
      expect(t.raw.trackingNo).toBe('3513000000001');
    }
    expect(seen).toEqual([
      ['picked_up', '1', 'KARGO KABUL EDİLDİ', '2026-12-01T10:00:00.000Z'],
      ['in_transit', '2', 'TRANSFER MERKEZİNDE - YOLDA', '2026-12-01T11:00:00.000Z'],
      ['out_for_delivery', '3', 'DAĞITIMDA', '2026-12-01T12:00:00.000Z'],
      ['delivered', '6', 'TESLİM EDİLDİ', '2026-12-01T13:00:00.000Z'],
    ]);
    // Nothing moves after delivery.
    clock.advance(10 * H);
    expect(await poll()).toMatchObject({ status: 'delivered', at: '2026-12-01T13:00:00.000Z' });
  });

  test('on the wire: loginInfo/queryInfo are escaped XML strings, GetQueryJSONResult a JSON string with the record', async () => {
    const { sim, carrier } = await start();
    await carrier.createShipment(order('OMS-7-A'));
    clock.advance(2 * H + 1234);
    const raw = await post(sim, ARAS_QUERY_SERVICE_PATH, 'GetQueryJSON', {
      loginInfo: xmlElement('LoginInfo', { UserName: account.queryUsername, Password: account.queryPassword, CustomerCode: account.customerCode }),
      queryInfo: xmlElement('QueryInfo', { QueryType: 1, IntegrationCode: 'OMS-7-A' }),
    });
    expect(raw.status).toBe(200);
    expect(raw.text).toContain('<GetQueryJSONResponse xmlns="http://tempuri.org/"><GetQueryJSONResult>{&quot;QueryResult&quot;');
    const body = parseSoapEnvelope(raw.text);
    const result = body.kind === 'element' ? findDeep(body.element, 'GetQueryJSONResult') : undefined;
    expect(JSON.parse(result!.text)).toEqual({
      QueryResult: {
        Cargo: {
          MUSTERI_OZEL_KODU: 'OMS-7-A',
          KARGO_TAKIP_NO: '3513000000001',
          FATURA_NO: 'ORD-OMS-7-A',
          ALICI_ADI: receiver.name,
          PARCA_SAYISI: '1',
          DURUM_KODU: '2',
          DURUMU: 'TRANSFER MERKEZİNDE - YOLDA',
          ISLEM_TARIHI: '01.12.2026 14:00:00',
        },
      },
    });
    // The connector sent the arguments escaped, and the log masks the password inside them.
    const sent = sim.state.requests.entries.find((e) => e.path === ARAS_QUERY_SERVICE_PATH)!;
    expect(sent.body).toContain('<loginInfo>&lt;LoginInfo&gt;&lt;UserName&gt;ARASQUERY&lt;/UserName&gt;&lt;Password&gt;***&lt;/Password&gt;');
    expect(sent.body).toContain('<queryInfo>&lt;QueryInfo&gt;&lt;QueryType&gt;1&lt;/QueryType&gt;&lt;IntegrationCode&gt;OMS-7-A&lt;/IntegrationCode&gt;');
    expect(sent.headers.soapaction).toBe('"http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON"');

    // Arguments that are not the expected XML documents: an error inside the JSON string, still HTTP 200.
    const broken = await post(sim, ARAS_QUERY_SERVICE_PATH, 'GetQueryJSON', { loginInfo: '<LoginInfo><UserName>', queryInfo: 'x' });
    expect(broken.status).toBe(200);
    const brokenBody = parseSoapEnvelope(broken.text);
    const brokenResult = brokenBody.kind === 'element' ? findDeep(brokenBody.element, 'GetQueryJSONResult') : undefined;
    expect(JSON.parse(brokenResult!.text)).toMatchObject({ QueryResult: { Error: { Code: ARAS_RESULT.fieldMissing, Message: expect.stringContaining('loginInfo okunamadı') as unknown as string } } });
  });

  test('several references are queried one call each, answered in the order asked', async () => {
    const { sim, carrier } = await start();
    expect(carrier.queryPageSize).toBeGreaterThan(1);
    await carrier.createShipment(order('OMS-8-A'));
    clock.advance(1 * H);
    await carrier.createShipment(order('OMS-8-B'));
    const before = sim.state.requests.entries.length;
    await expect(carrier.queryShipments(['OMS-8-B', 'NEVER-MADE', 'OMS-8-A'])).resolves.toMatchObject([
      { reference: 'OMS-8-B', status: 'label_created' },
      { reference: 'NEVER-MADE', status: 'label_created' },
      { reference: 'OMS-8-A', status: 'picked_up' },
    ]);
    expect(sim.state.requests.entries.length - before).toBe(3);
    await expect(carrier.queryShipments([])).resolves.toEqual([]);
  });

  test('a failed delivery (TESLİM EDİLEMEDİ) and a return (İADE) are normalized with their raw code and text', async () => {
    const { sim, carrier } = await start();
    await carrier.createShipment(order('OMS-9-A'));
    clock.advance(3 * H);
    sim.state.failDelivery('OMS-9-A');
    clock.advance(1 * H);
    let [t] = await carrier.queryShipments(['OMS-9-A']);
    expect(t).toMatchObject({ status: 'delivery_failed', raw: { code: '7', text: 'TESLİM EDİLEMEDİ - ALICI ADRESTE YOK' }, at: '2026-12-01T13:00:00.000Z' });

    sim.state.returnToSender('OMS-9-A');
    // The return takes a step: until then the last status stands.
    [t] = await carrier.queryShipments(['OMS-9-A']);
    expect(t!.status).toBe('delivery_failed');
    clock.advance(1 * H);
    [t] = await carrier.queryShipments(['OMS-9-A']);
    expect(t).toMatchObject({ status: 'returned_to_sender', raw: { code: '8', text: 'İADE - GÖNDERİCİYE TESLİM EDİLDİ' }, at: '2026-12-01T14:00:00.000Z' });

    // A return cuts the forward flow: returned while in transit, it never reaches DAĞITIMDA.
    await carrier.createShipment(order('OMS-9-B'));
    expect(() => sim.state.returnToSender('OMS-9-B')).toThrow('shipment OMS-9-B is not scanned: only a scanned parcel not delivered nor returning can be returned');
    clock.advance(2 * H);
    sim.state.returnToSender('OMS-9-B');
    clock.advance(5 * H);
    expect(sim.state.view('OMS-9-B')!.history.map((r) => r.code)).toEqual(['1', '2', '8']);
    // A delivered parcel cannot fail any more.
    await carrier.createShipment(order('OMS-9-C'));
    clock.advance(4 * H);
    expect(() => sim.state.failDelivery('OMS-9-C')).toThrow('shipment OMS-9-C is TESLİM EDİLDİ: no delivery to fail');
  });
});

describe('Aras simulator: CancelDispatch', () => {
  test('before the first scan canceled, then already canceled; after the first scan too late and the parcel goes on', async () => {
    const { sim, carrier } = await start();
    await carrier.createShipment(order('OMS-10-A'));
    await carrier.createShipment(order('OMS-10-B'));
    await expect(carrier.cancelShipment('OMS-10-A')).resolves.toBe('canceled');
    await expect(carrier.queryShipments(['OMS-10-A'])).resolves.toMatchObject([{ status: 'canceled', raw: { text: 'İPTAL EDİLDİ' } }]);
    await expect(carrier.cancelShipment('OMS-10-A')).resolves.toBe('already_canceled');

    // On the wire: a repeat is a non-zero ResultCode in HTTP 200.
    const raw = await post(sim, ARAS_ORDER_SERVICE_PATH, 'CancelDispatch', { userName: account.username, password: account.password, integrationCode: 'OMS-10-A' });
    expect(raw.status).toBe(200);
    const body = parseSoapEnvelope(raw.text);
    const result = body.kind === 'element' ? findDeep(body.element, 'CancelDispatchResult') : undefined;
    expect(childText(result, 'ResultCode')).toBe(ARAS_RESULT.alreadyCancelled);

    // A cancelled dispatch never progresses.
    clock.advance(2 * H);
    expect(sim.state.view('OMS-10-A')!.history.map((r) => r.code)).toEqual(['0']);
    await expect(carrier.cancelShipment('OMS-10-B')).resolves.toBe('too_late');
    await expect(carrier.queryShipments(['OMS-10-B'])).resolves.toMatchObject([{ status: 'in_transit' }]);
  });

  test('an unknown IntegrationCode is a CarrierError with the ResultMessage', async () => {
    const { carrier } = await start();
    await expect(carrier.cancelShipment('NOPE')).rejects.toMatchObject({
      name: 'CarrierError',
      kind: 'rejected',
      errCode: ARAS_RESULT.notFound,
      message: 'aras: CancelDispatch NOPE: ResultCode 7: NOPE IntegrationCode ile kayıt bulunamadı.',
    });
  });
});

describe('Aras simulator: injected failures and transport', () => {
  test('failNext: the next SetOrder answers the given ResultCode/ResultMessage in HTTP 200, surfacing as CarrierError', async () => {
    const { sim, carrier } = await start();
    sim.state.failNext({ resultCode: '1001', resultMessage: 'Alıcı ilçe bilgisi Aras sisteminde tanımlı değil.' });
    const err = await carrier.createShipment(order('OMS-11-A')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarrierError);
    expect(err).toMatchObject({
      carrier: 'aras',
      kind: 'rejected',
      errCode: '1001',
      retryable: false,
      message: 'aras: SetOrder OMS-11-A: ResultCode 1001: Alıcı ilçe bilgisi Aras sisteminde tanımlı değil.',
    });
    expect(sim.state.requests.entries.at(-1)!.status).toBe(200);
    expect(sim.state.shipments.size).toBe(0);
    // Only the next one: the retry goes through.
    await expect(carrier.createShipment(order('OMS-11-A'))).resolves.toMatchObject({ alreadyCreated: false });

    // The same hook over HTTP, and a message the connector reads as the service's own trouble.
    const armed = await fetch(`${sim.url}/__admin/fail-next`, { method: 'POST', body: JSON.stringify({ resultCode: '999', resultMessage: 'Beklenmeyen bir hata oluştu.' }) });
    expect(armed.status).toBe(204);
    await expect(carrier.createShipment(order('OMS-11-B'))).rejects.toMatchObject({ kind: 'unavailable', retryable: true, errCode: '999' });
    expect((await fetch(`${sim.url}/__admin/fail-next`, { method: 'POST', body: JSON.stringify({ resultCode: '0', resultMessage: 'x' }) })).status).toBe(400);
  });

  test('an HTTP 500, a Server Fault, a hang past the timeout and a closed port are unavailable; a Client Fault is rejected', async () => {
    const { sim: running } = await start();
    const carrier = createArasCarrier({ baseUrl: running.url, ...credentials, timeoutMs: 300 });
    const serverFault =
      '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>' +
      '<faultcode>soap:Server</faultcode><faultstring>Server was unable to process request.</faultstring></soap:Fault></soap:Body></soap:Envelope>';
    running.state.faults
      .next(ARAS_ORDER_SERVICE_PATH, { status: 500, body: 'Internal Server Error' })
      .next(ARAS_ORDER_SERVICE_PATH, { status: 500, body: serverFault });
    await expect(carrier.createShipment(order('OMS-12-A'))).rejects.toMatchObject({ name: 'CarrierError', kind: 'unavailable', status: 500 });
    await expect(carrier.createShipment(order('OMS-12-A'))).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringContaining('Server was unable to process request.') as unknown as string });

    // Armed over HTTP like the other controls.
    const armed = await fetch(`${running.url}/__admin/hang`, { method: 'POST', body: JSON.stringify({ path: ARAS_QUERY_SERVICE_PATH }) });
    expect(armed.status).toBe(204);
    const hung = await carrier.queryShipments(['OMS-12-A']).catch((e: unknown) => e);
    expect(hung).toMatchObject({ name: 'CarrierError', kind: 'unavailable', retryable: true, message: expect.stringMatching(/^aras: GetQueryJSON OMS-12-A failed: .*timeout/) as unknown as string });
    expect(running.state.requests.entries.at(-1)).toMatchObject({ path: ARAS_QUERY_SERVICE_PATH, status: 0 });

    running.state.faults.next(ARAS_ORDER_SERVICE_PATH, { status: 500, body: serverFault.replace('soap:Server', 'soap:Client') });
    await expect(carrier.cancelShipment('OMS-12-A')).rejects.toMatchObject({ kind: 'rejected', status: 500 });
    // Faults were one-shot: the service answers again.
    await expect(carrier.createShipment(order('OMS-12-A'))).resolves.toMatchObject({ alreadyCreated: false });

    const url = running.url;
    await running.close();
    sim = undefined;
    const gone = createArasCarrier({ baseUrl: url, ...credentials });
    await expect(gone.cancelShipment('OMS-12-A')).rejects.toMatchObject({ name: 'CarrierError', kind: 'unavailable' });
  });

  test('a wrong SOAPAction, a body that does not match it, a malformed envelope: HTTP 500 Client Fault; wrong content type 415', async () => {
    const { sim } = await start();
    const fields = { userName: account.username, password: account.password, integrationCode: 'X' };
    const wrongAction = await post(sim, ARAS_ORDER_SERVICE_PATH, 'CancelDispatch', fields, { soapaction: '"http://tempuri.org/DeleteEverything"' });
    expect(wrongAction.status).toBe(500);
    expect(parseSoapEnvelope(wrongAction.text)).toEqual({ kind: 'fault', code: 'soapenv:Client', message: 'Server did not recognize the value of HTTP Header SOAPAction: http://tempuri.org/DeleteEverything.' });
    // The query service's action on the order service is just as unknown there.
    const crossed = await post(sim, ARAS_ORDER_SERVICE_PATH, 'GetQueryJSON', { loginInfo: 'x', queryInfo: 'y' });
    expect(crossed.status).toBe(500);
    const mismatch = await post(sim, ARAS_ORDER_SERVICE_PATH, 'CancelDispatch', fields, { soapaction: `"${ARAS_SOAP_ACTIONS.SetOrder}"` });
    expect(parseSoapEnvelope(mismatch.text)).toMatchObject({ kind: 'fault', message: expect.stringContaining('does not match SOAPAction') as unknown as string });
    const malformed = await fetch(`${sim.url}${ARAS_QUERY_SERVICE_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', soapaction: ARAS_SOAP_ACTIONS.GetQueryJSON },
      body: '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
    });
    expect(malformed.status).toBe(500);
    expect(parseSoapEnvelope(await malformed.text())).toMatchObject({ kind: 'fault', code: 'soapenv:Client' });
    const json = await fetch(`${sim.url}${ARAS_ORDER_SERVICE_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(json.status).toBe(415);
    expect(sim.state.shipments.size).toBe(0);
  });

  test('admin: the shipment as stored and as seen now, the controls and the masked request log over HTTP', async () => {
    const { sim, carrier } = await start();
    await carrier.createShipment(order('OMS-13-A'));
    expect((await fetch(`${sim.url}/__admin/advance`, { method: 'POST', body: JSON.stringify({ ms: 1 * H }) })).status).toBe(200);
    const res = await fetch(`${sim.url}/__admin/shipments/OMS-13-A`);
    expect(await res.json()).toMatchObject({ integrationCode: 'OMS-13-A', account: 'ARASORDER', view: { current: { code: '1' } } });
    expect((await fetch(`${sim.url}/__admin/shipments/NOPE`)).status).toBe(404);
    expect((await fetch(`${sim.url}/__admin/shipments/OMS-13-A/fail-delivery`, { method: 'POST' })).status).toBe(204);
    clock.advance(3 * H);
    await expect(carrier.queryShipments(['OMS-13-A'])).resolves.toMatchObject([{ status: 'delivery_failed' }]);
    expect((await fetch(`${sim.url}/__admin/shipments/OMS-13-A/fail-delivery`, { method: 'POST' })).status).toBe(409);

    const log = (await (await fetch(`${sim.url}/__admin/requests`)).json()) as { path: string; status: number; body: string }[];
    expect(log.map((e) => [e.path, e.status])).toEqual([
      [ARAS_ORDER_SERVICE_PATH, 200],
      [ARAS_QUERY_SERVICE_PATH, 200],
    ]);
    expect(log[0]!.body).toContain('<IntegrationCode>OMS-13-A</IntegrationCode>');
    expect(log[0]!.body).toContain('<UserName>ARASORDER</UserName><Password>***</Password>');
    expect(log[0]!.body).toContain('<userName>ARASORDER</userName><password>***</password>');
    expect(log[0]!.body).not.toContain('order-pw');
  });
});

describe('Aras normalization (§4.4)', () => {
  test('keywords read the Turkish way, in any case and with or without Turkish letters; unknown texts stay unknown', () => {
    expect(foldTurkish('teslim edildi')).toBe('TESLIM EDILDI');
    expect(normalizeArasStatus('Teslim Edildi', '6')).toBe('delivered');
    expect(normalizeArasStatus('TESLIM EDILDI', undefined)).toBe('delivered');
    // What a locale-blind toLowerCase() makes of "TESLİM EDİLDİ": i + a combining dot.
    expect(normalizeArasStatus('TESLİM EDİLDİ'.toLowerCase(), undefined)).toBe('delivered');
    expect(foldTurkish('ılık İĞÜŞÖÇ')).toBe('ILIK IGUSOC');
    expect(normalizeArasStatus('teslim edilemedi', '7')).toBe('delivery_failed');
    expect(normalizeArasStatus('Dağıtıma çıkarıldı', undefined)).toBe('out_for_delivery');
    expect(normalizeArasStatus('DAGITIMDA', undefined)).toBe('out_for_delivery');
    expect(normalizeArasStatus('Çıkış Şubesinde', undefined)).toBe('picked_up');
    expect(normalizeArasStatus('kargo kabul', undefined)).toBe('picked_up');
    expect(normalizeArasStatus('Yolda', undefined)).toBe('in_transit');
    expect(normalizeArasStatus('iade edildi', undefined)).toBe('returned_to_sender');
    expect(normalizeArasStatus('İADE - TESLİM EDİLDİ', '6')).toBe('returned_to_sender');
    expect(normalizeArasStatus('iptal', undefined)).toBe('canceled');
    // An unreadable text with the integrators' delivered code is delivered; anything else unknown.
    expect(normalizeArasStatus('???', '6')).toBe('delivered');
    expect(normalizeArasStatus('GÜMRÜKTE BEKLİYOR', '12')).toBe('unknown');
  });

  test('ISLEM_TARIHI is Turkey time', () => {
    expect(arasTimeToIso('01.12.2026 12:00:00')).toBe('2026-12-01T09:00:00.000Z');
    expect(arasTimeToIso('01.12.2026 12:00')).toBe('2026-12-01T09:00:00.000Z');
    expect(arasTimeToIso('2026-12-01T12:00:00')).toBe('2026-12-01T09:00:00.000Z');
    expect(arasTimeToIso('2026-12-01T12:00:00Z')).toBe('2026-12-01T12:00:00.000Z');
    expect(arasTimeToIso('yesterday')).toBeUndefined();
  });
});
