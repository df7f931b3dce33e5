// Trendyol's package push over real HTTP, as Trendyol sends it (its package model, HTTP Basic or x-api-key, no OMS
// signature), into the real API and worker on the embedded dev server, SQLite and PostgreSQL.
import type { OrderView } from '../../contract/types';
import { DB_KINDS } from '../helpers/db';
import { eventually, getOrder, inventory, seedSku, unique, withSystem, type TestSystem } from '../helpers/system';

const API_KEY = 'trendyol-push-api-key-0001';

/** A ShipmentPackage as Trendyol pushes it (abridged to what it always sends, plus a few fields the OMS ignores). */
function trendyolPackage(orderNumber: string, lines: { barcode: string; quantity: number; price: number }[], status = 'Created') {
  return {
    shipmentPackageId: Number(`33${Date.now() % 1e9}`),
    orderNumber,
    status,
    shipmentPackageStatus: status,
    orderDate: Date.now(),
    lastModifiedDate: Date.now(),
    createdBy: 'order-creation',
    originPackageIds: null,
    cargoTrackingNumber: '7260000167037306123',
    cargoProviderName: 'Trendyol Express Marketplace',
    customerFirstName: 'Ayşe',
    customerLastName: 'Yılmaz',
    customerEmail: 'pf+abc123@trendyolmail.com',
    currencyCode: 'TRY',
    packageTotalPrice: lines.reduce((s, l) => s + l.price * l.quantity, 0),
    shipmentAddress: { fullName: 'Ayşe Yılmaz', address1: 'Bağdat Cd. 10', city: 'İstanbul', district: 'Kadıköy', postalCode: '34710', countryCode: 'TR' },
    lines: lines.map((l, i) => ({
      lineId: 1000 + i,
      barcode: l.barcode,
      productName: `Product ${l.barcode}`,
      quantity: l.quantity,
      lineUnitPrice: l.price,
      lineGrossAmount: l.price,
      vatRate: 20,
      currencyCode: 'TRY',
      orderLineItemStatusName: status,
    })),
  };
}

describe.each(DB_KINDS)('Trendyol webhook on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), { TRENDYOL_WEBHOOK_API_KEY: API_KEY, OMS_TRENDYOL_PULL_INTERVAL: '300ms' });

  const basic = () => {
    const { username, password } = sys.config.marketplaces.trendyol.webhook;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  };

  async function push(body: unknown, headers: Record<string, string>) {
    const res = await fetch(`${sys.baseUrl}/webhooks/trendyol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { packages?: { outcome: string; orderId?: string; status?: string }[]; error?: { code: string; message: string; details?: unknown } } };
  }

  test('a package pushed with Basic auth becomes one trendyol order; pushed again it is the same order, stock reserved once', async () => {
    const sku = await seedSku(sys, 5, unique('TY'), '149.90');
    const orderNumber = unique('10654');
    const page = { page: 0, size: 1, totalPages: 1, totalElements: 1, content: [trendyolPackage(orderNumber, [{ barcode: sku, quantity: 2, price: 149.9 }])] };
    const first = await push(page, { authorization: basic() });
    expect(first.status).toBe(200);
    expect(first.body.packages).toEqual([
      expect.objectContaining({ orderNumber, outcome: 'created', orderId: `trendyol:${orderNumber}`, status: 'confirmed' }),
    ]);
    // Trendyol delivers again (duplicates are expected): nothing new.
    const again = await push(page, { authorization: basic() });
    expect(again.body.packages).toEqual([expect.objectContaining({ outcome: 'existing', orderId: `trendyol:${orderNumber}` })]);
    const order: OrderView = await getOrder(sys, `trendyol:${orderNumber}`);
    expect(order).toMatchObject({ channel: 'trendyol', externalOrderId: orderNumber, paymentStatus: 'captured' });
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPrice])).toEqual([[sku, 2, '149.90']]);
    expect(order.customer.name).toBe('Ayşe Yılmaz');
    expect(order.metadata).toMatchObject({ trendyolPackageId: String(page.content[0]!.shipmentPackageId), trendyolCargoTrackingNumber: '7260000167037306123' });
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 2 });
  });

  test('a bare package with x-api-key is taken too; a wrong key or password is refused with 401 and places nothing', async () => {
    const sku = await seedSku(sys, 3, unique('TY'), '99.90');
    const orderNumber = unique('10655');
    const pkg = trendyolPackage(orderNumber, [{ barcode: sku, quantity: 1, price: 99.9 }]);
    const wrongKey = await push(pkg, { 'x-api-key': 'not-the-key-0000000000' });
    expect(wrongKey).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'Trendyol webhook: wrong or missing Basic credentials or x-api-key' } } });
    const wrongPassword = await push(pkg, { authorization: `Basic ${Buffer.from('trendyol-webhook:guess').toString('base64')}` });
    expect(wrongPassword.status).toBe(401);
    expect((await sys.call('GET', `/orders/trendyol:${orderNumber}`)).status).toBe(404);

    const ok = await push(pkg, { 'x-api-key': API_KEY });
    expect(ok.body.packages).toEqual([expect.objectContaining({ outcome: 'created', orderId: `trendyol:${orderNumber}` })]);
  });

  test('an Awaiting package (payment or fraud check) makes no order yet; the same package Created later does', async () => {
    const sku = await seedSku(sys, 2, unique('TY'), '10.05');
    const orderNumber = unique('10656');
    const awaiting = await push(trendyolPackage(orderNumber, [{ barcode: sku, quantity: 1, price: 10.05 }], 'Awaiting'), { authorization: basic() });
    expect(awaiting.body.packages).toEqual([expect.objectContaining({ orderNumber, outcome: 'ignored' })]);
    expect((await sys.call('GET', `/orders/trendyol:${orderNumber}`)).status).toBe(404);
    const created = await push(trendyolPackage(orderNumber, [{ barcode: sku, quantity: 1, price: 10.05 }]), { authorization: basic() });
    expect(created.body.packages).toEqual([expect.objectContaining({ outcome: 'created' })]);
  });

  test('a package that cannot make an order is refused with 400 naming the field, and none of the push is placed', async () => {
    const sku = await seedSku(sys, 2, unique('TY'), '10.05');
    const good = trendyolPackage(unique('10657'), [{ barcode: sku, quantity: 1, price: 10.05 }]);
    const bad = trendyolPackage(unique('10658'), [{ barcode: sku, quantity: 1, price: 10.05 }]);
    (bad.lines[0] as { barcode?: string }).barcode = undefined;
    const res = await push({ content: [good, bad] }, { authorization: basic() });
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('validation_failed');
    expect(res.body.error?.message).toContain('content[1].lines.0.barcode');
    expect((await sys.call('GET', `/orders/trendyol:${good.orderNumber}`)).status).toBe(404);
  });

  /** Stream calls the simulator answered so far (the pull's requests). */
  const streamCalls = () =>
    sys.marketplaces.trendyol!.state.requests().filter((r) => r.path.endsWith('/orders/stream') && r.status === 200).length;

  test('a package no webhook delivered is placed by the pull from the package stream', async () => {
    const sku = await seedSku(sys, 4, unique('TY'), '49.90');
    const orderNumber = unique('10660');
    sys.marketplaces.trendyol!.state.addPackage(trendyolPackage(orderNumber, [{ barcode: sku, quantity: 3, price: 49.9 }]));
    // The read model shows the order as `new` for the moment between its start and its reservation; the pull's
    // result is the order confirmed (or already picking, once its write-back queue moves it on).
    const order = await eventually(
      async () => {
        const seen = await getOrder(sys, `trendyol:${orderNumber}`);
        expect(seen).toMatchObject({ channel: 'trendyol', status: expect.stringMatching(/^(confirmed|picking)$/), paymentStatus: 'captured' });
        return seen;
      },
      { timeoutMs: 15_000 },
    );
    expect(order.lines.map((l) => [l.sku, l.quantity])).toEqual([[sku, 3]]);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 4, reserved: 3 });
  });

  test('an order pushed by webhook and pulled from the stream too is one order, its stock reserved once', async () => {
    const sku = await seedSku(sys, 4, unique('TY'), '49.90');
    const orderNumber = unique('10661');
    const pkg = trendyolPackage(orderNumber, [{ barcode: sku, quantity: 2, price: 49.9 }]);
    const pushed = await push(pkg, { authorization: basic() });
    expect(pushed.body.packages).toEqual([expect.objectContaining({ outcome: 'created' })]);
    const before = streamCalls();
    sys.marketplaces.trendyol!.state.addPackage(pkg);
    // Two pulls after the package is in the stream: at least one of them read it.
    await eventually(() => expect(streamCalls()).toBeGreaterThanOrEqual(before + 2), { timeoutMs: 15_000 });
    const list = await sys.call<{ items: OrderView[] }>('GET', `/orders?channel=trendyol&limit=100`);
    expect(list.body.items.filter((o) => o.externalOrderId === orderNumber)).toHaveLength(1);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 4, reserved: 2 });
  });
});
