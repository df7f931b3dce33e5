// The Trendyol simulator's package writes (CONNECTORS.md §1.5, §5) over real HTTP, through the OMS's own connector
// (integrations/trendyol/packages.ts): forward-only updatePackage, unsupplied's id churn, the async split, the
// invoice link's 201/409, the refusals with Trendyol's order-service error body, and dead ids.
import { startTrendyolSimulator, type TrendyolSimulator } from '../../integrations/sim/trendyol';
import { ChannelError } from '../../integrations/stock-feed';
import { createTrendyolPackageWriter, packageReading, type TrendyolPackageWriter } from '../../integrations/trendyol/packages';

const SELLER = '200002';
const CREDS = { apiKey: 'sim-key', apiSecret: 'sim-secret' };

let sim: TrendyolSimulator;
let writer: TrendyolPackageWriter;
let clock = 1_767_000_000_000;

beforeEach(async () => {
  sim = await startTrendyolSimulator({ sellerId: SELLER, ...CREDS, now: () => clock, splitDelayMs: 1000, seed: 'pkg-test' });
  writer = createTrendyolPackageWriter({ baseUrl: `${sim.url}/integration`, sellerId: SELLER, ...CREDS, integrator: 'SelfIntegration' });
});
afterEach(async () => {
  await sim.close();
});

function addPackage(id: number, lines: { lineId: number; barcode: string; quantity: number }[]) {
  sim.state.addPackage({
    shipmentPackageId: id,
    orderNumber: `ON-${id}`,
    status: 'Created',
    createdBy: 'order-creation',
    originPackageIds: null,
    shipmentAddress: { address1: 'Bağdat Cd. 10', city: 'İstanbul' },
    lines: lines.map((l) => ({ ...l, lineUnitPrice: 10, orderLineItemStatusName: 'Created' })),
  });
  return `ON-${id}`;
}

/** The refusal the connector raised, as status and the simulator's answer body. */
async function refusal(call: Promise<unknown>): Promise<{ status: number | undefined; body: unknown }> {
  const err = await call.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ChannelError);
  return { status: (err as ChannelError).status, body: sim.state.requests().at(-1)?.response };
}

test('updatePackage goes Created → Picking → Invoiced only; anything else is 400 with the order-service error body', async () => {
  addPackage(1, [{ lineId: 11, barcode: 'B1', quantity: 2 }]);
  expect(await refusal(writer.invoiced('1', [{ lineId: '11', quantity: 2 }], 'EAR2026000000001'))).toEqual({
    status: 400,
    body: { error: 'BadRequest', message: 'shipment package 1 cannot go from Created to Invoiced' },
  });
  await writer.picking('1', [{ lineId: '11', quantity: 2 }]);
  expect(await refusal(writer.picking('1', [{ lineId: '11', quantity: 2 }]))).toMatchObject({ status: 400, body: { message: 'shipment package 1 cannot go from Picking to Picking' } });
  expect(await refusal(writer.invoiced('1', [{ lineId: '99', quantity: 1 }], 'EAR2026000000001'))).toMatchObject({
    body: { message: 'lines[0].lineId 99 is not a line of package 1' },
  });
  await writer.invoiced('1', [{ lineId: '11', quantity: 2 }], 'EAR2026000000001');
  expect(sim.state.package(1)).toMatchObject({ status: 'Invoiced', invoiceNumber: 'EAR2026000000001' });
});

test('unsupplied destroys the package: the rest reappears under a new id (createdBy cancel, originPackageIds), the old id is dead', async () => {
  const orderNumber = addPackage(2, [
    { lineId: 21, barcode: 'B1', quantity: 2 },
    { lineId: 22, barcode: 'B2', quantity: 1 },
  ]);
  expect(await refusal(writer.unsupplied('2', [{ lineId: '21', quantity: 1 }], 503))).toMatchObject({
    status: 400,
    body: { message: 'reasonId must be one of 500, 501, 502, 504, 505, 506, got 503' },
  });
  await writer.unsupplied('2', [{ lineId: '21', quantity: 1 }], 500);
  const [old, fresh] = (await writer.packagesOf(orderNumber)).map((raw) => packageReading(raw)!);
  expect(old).toMatchObject({ packageId: '2', status: 'UnSupplied' });
  expect(fresh).toMatchObject({
    status: 'Created',
    createdBy: 'cancel',
    originPackageIds: ['2'],
    lines: [
      { lineId: '21', barcode: 'B1', quantity: 1 },
      { lineId: '22', barcode: 'B2', quantity: 1 },
    ],
  });
  expect(fresh!.packageId).not.toBe('2');
  expect(String(sim.state.package(fresh!.packageId)?.cargoTrackingNumber)).not.toBe(String(sim.state.package(2)?.cargoTrackingNumber));
  // A retried call on the old id fails (§1.9); a whole-package unsupplied ends Cancelled, no new package.
  expect(await refusal(writer.unsupplied('2', [{ lineId: '21', quantity: 1 }], 500))).toMatchObject({
    body: { message: 'shipment package 2 is UnSupplied and can no longer be updated' },
  });
  await writer.unsupplied(fresh!.packageId, [{ lineId: '21', quantity: 1 }, { lineId: '22', quantity: 1 }], 501);
  expect((await writer.packagesOf(orderNumber)).map((p) => (p as { status: string }).status)).toEqual(['UnSupplied', 'Cancelled']);
});

test('split-packages answers at once; the children appear after the delay (createdBy split) and the parent turns UnPacked', async () => {
  const orderNumber = addPackage(3, [{ lineId: 31, barcode: 'B1', quantity: 3 }]);
  const res = await fetch(`${sim.url}/integration/order/sellers/${SELLER}/shipment-packages/3/split-packages`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${CREDS.apiKey}:${CREDS.apiSecret}`).toString('base64')}`,
      'user-agent': `${SELLER} - SelfIntegration`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ splitPackages: [{ packageDetails: [{ orderLineId: 31, quantities: 1 }] }] }),
  });
  expect(res.status).toBe(200);
  expect((await writer.packagesOf(orderNumber)).map((p) => (p as { status: string }).status)).toEqual(['Created']);
  clock += 1000;
  const readings = (await writer.packagesOf(orderNumber)).map((raw) => packageReading(raw)!);
  expect(readings.map((r) => [r.status, r.createdBy, r.originPackageIds, r.lines.map((l) => l.quantity)])).toEqual([
    ['UnPacked', 'order-creation', [], [3]],
    ['Created', 'split', ['3'], [1]],
    ['Created', 'split', ['3'], [2]],
  ]);
});

test('sendInvoiceLink answers 201, then 409 on a repeat or on the link reused for another package; a bad number is 400', async () => {
  addPackage(4, [{ lineId: 41, barcode: 'B1', quantity: 1 }]);
  addPackage(5, [{ lineId: 51, barcode: 'B1', quantity: 1 }]);
  const link = 'https://earsiv.example/fatura/EAR2026000000004.pdf';
  expect(await refusal(writer.sendInvoiceLink({ packageId: '4', invoiceLink: link, invoiceNumber: 'EAR-4' }))).toEqual({
    status: 400,
    body: { error: 'BadRequest', message: 'invoiceNumber must match ^[A-Za-z0-9]{3}\\d{13}$, got "EAR-4"' },
  });
  expect(await writer.sendInvoiceLink({ packageId: '4', invoiceLink: link, invoiceNumber: 'EAR2026000000004' })).toBe('sent');
  expect(sim.state.requests().at(-1)?.status).toBe(201);
  expect(await writer.sendInvoiceLink({ packageId: '4', invoiceLink: link })).toBe('already_sent');
  expect(await writer.sendInvoiceLink({ packageId: '5', invoiceLink: link })).toBe('already_sent');
  expect(sim.state.requests().slice(-2).map((r) => [r.status, (r.response as { message: string }).message])).toEqual([
    [409, 'shipment package 4 already has an invoice'],
    [409, 'invoice link already used for shipment package 4'],
  ]);
});

test('the tracking number needs the package in Picking first (the TR error text otherwise)', async () => {
  addPackage(6, [{ lineId: 61, barcode: 'B1', quantity: 1 }]);
  expect(await refusal(writer.tracking('6', '1234567890', 'YKMP'))).toMatchObject({ status: 400, body: { message: 'Shipment Update Edilebilir Bir Durumda Değil.' } });
  await writer.picking('6', [{ lineId: '61', quantity: 1 }]);
  await writer.tracking('6', '1234567890', 'YKMP');
  expect(sim.state.package(6)).toMatchObject({ cargoTrackingNumber: '1234567890', cargoProviderCode: 'YKMP' });
});

test('a package posted to the admin side (a buyer ordering on Trendyol) is a package of the seller; a body without an id is 400', async () => {
  const post = (body: string) => fetch(`${sim.url}/__admin/packages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const made = await post(
    JSON.stringify({
      shipmentPackageId: 77,
      orderNumber: 'ON-77',
      status: 'Created',
      shipmentAddress: { address1: 'Bağdat Cd. 10', city: 'İstanbul' },
      lines: [{ lineId: 771, barcode: 'B7', quantity: 1, lineUnitPrice: 10, orderLineItemStatusName: 'Created' }],
    }),
  );
  expect(made.status).toBe(201);
  expect(await made.json()).toEqual({ shipmentPackageId: '77' });
  expect(sim.state.package(77)).toMatchObject({ orderNumber: 'ON-77', status: 'Created' });
  await writer.picking('77', [{ lineId: '771', quantity: 1 }]);
  expect(sim.state.package(77)).toMatchObject({ status: 'Picking' });
  expect((await post('{"orderNumber":"ON-78"}')).status).toBe(400);
  expect((await post('not json')).status).toBe(400);
});
