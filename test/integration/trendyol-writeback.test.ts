// The Trendyol write-back over real HTTP: orders come in as Trendyol pushes them (webhook) into the real API and
// worker on the embedded dev server, and their statuses go back to the Trendyol simulator in its own protocol
// (updatePackage, unsupplied, sendInvoiceLink), from the account's write-back queue on its own task queue.
import type { ChannelPackageView } from '../../entities/channel-package';
import type { OrderView } from '../../contract/types';
import { channelWriteBackWorkflowId, writeBackQueueQuery } from '../../contract/workflow';
import type { TrendyolRequestLogEntry } from '../../integrations/sim/trendyol';
import { DB_KINDS } from '../helpers/db';
import { carrierEvent, eventually, getOrder, packed, seedSku, unique, waitForStatus, withSystem, type TestSystem } from '../helpers/system';

const API_KEY = 'trendyol-push-api-key-0002';
let packageCounter = 0;

/** A ShipmentPackage as Trendyol pushes it; line ids 1000, 1001, … in line order. */
function trendyolPackage(lines: { barcode: string; quantity: number; price: number }[], extra: Record<string, unknown> = {}) {
  packageCounter += 1;
  const now = Date.now();
  return {
    shipmentPackageId: Number(`44${now % 1e8}${packageCounter}`),
    orderNumber: `2${now}${packageCounter}`,
    status: 'Created',
    shipmentPackageStatus: 'Created',
    orderDate: now,
    lastModifiedDate: now,
    createdBy: 'order-creation',
    originPackageIds: null,
    cargoTrackingNumber: '7260000167037306123',
    cargoProviderName: 'Trendyol Express Marketplace',
    customerFirstName: 'Ayşe',
    customerLastName: 'Yılmaz',
    customerEmail: 'pf+abc123@trendyolmail.com',
    currencyCode: 'TRY',
    invoiceLink: null,
    shipmentAddress: { fullName: 'Ayşe Yılmaz', address1: 'Bağdat Cd. 10', city: 'İstanbul', district: 'Kadıköy', countryCode: 'TR' },
    lines: lines.map((l, i) => ({
      lineId: 1000 + i,
      barcode: l.barcode,
      productName: `Product ${l.barcode}`,
      quantity: l.quantity,
      lineUnitPrice: l.price,
      currencyCode: 'TRY',
      orderLineItemStatusName: 'Created',
    })),
    ...extra,
  };
}

type Pkg = ReturnType<typeof trendyolPackage>;

describe.each(DB_KINDS)('Trendyol write-back on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), { TRENDYOL_WEBHOOK_API_KEY: API_KEY, OMS_TRENDYOL_PULL_INTERVAL: '300ms' });
  afterEach(() => sim().state.faults.clear());

  const sim = () => sys.marketplaces.trendyol!;
  const seller = () => sys.config.marketplaces.trendyol.sellerId;

  /** Trendyol holds the package and pushes it to the OMS's webhook; resolves with the order it made. */
  async function receive(pkg: Pkg): Promise<string> {
    sim().state.addPackage(pkg);
    const res = await fetch(`${sys.baseUrl}/webhooks/trendyol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ content: [pkg] }),
    });
    expect(res.status).toBe(200);
    return `trendyol:${pkg.orderNumber}`;
  }

  /** The package writes the simulator received for these packages, oldest first. */
  function writeRequests(ids: (string | number)[]): TrendyolRequestLogEntry[] {
    const wanted = new Set(ids.map(String));
    return sim()
      .state.requests()
      .filter((r) => r.method !== 'GET')
      .filter((r) => {
        const inPath = /\/shipment-packages\/(\d+)/.exec(r.path)?.[1];
        const inBody = r.path.endsWith('/seller-invoice-links') ? String((r.body as { shipmentPackageId?: unknown }).shipmentPackageId) : undefined;
        return wanted.has(inPath ?? inBody ?? '');
      });
  }

  /** Each write as `<what> <packageId> <HTTP status>`. */
  function writes(ids: (string | number)[]): string[] {
    return writeRequests(ids).map((r) => {
      const id = /\/shipment-packages\/(\d+)/.exec(r.path)?.[1] ?? String((r.body as { shipmentPackageId?: unknown }).shipmentPackageId);
      if (r.path.endsWith('/seller-invoice-links')) return `invoice-link ${id} ${r.status}`;
      if (r.path.endsWith('/items/unsupplied')) return `unsupplied ${id} ${r.status}`;
      if (r.path.endsWith('/split-packages')) return `split ${id} ${r.status}`;
      return `${(r.body as { status?: string }).status} ${id} ${r.status}`;
    });
  }

  async function channelPackages(orderId: string): Promise<ChannelPackageView[]> {
    const res = await sys.call<{ packages: ChannelPackageView[] }>('GET', `/orders/${orderId}/channel-packages`);
    expect(res.status).toBe(200);
    return res.body.packages;
  }

  const invoiced = (orderId: string) => waitForStatus(sys, orderId, 'picking', (o) => expect(o.invoice).toBeDefined());

  test('an order walked to picking and invoiced pushes Picking, then Invoiced with the invoice number, then the invoice link, once each', async () => {
    const sku = await seedSku(sys, 5, unique('TY'), '149.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 2, price: 149.9 }]);
    const id = pkg.shipmentPackageId;
    const orderId = await receive(pkg);
    const order = await invoiced(orderId);

    await eventually(() => expect(writes([id])).toHaveLength(3), { timeoutMs: 20_000 });
    expect(writes([id])).toEqual([`Picking ${id} 200`, `Invoiced ${id} 200`, `invoice-link ${id} 201`]);
    const [picking, invoicedCall, link] = writeRequests([id]);
    expect(picking?.body).toEqual({ status: 'Picking', lines: [{ lineId: 1000, quantity: 2 }], params: {} });
    expect(invoicedCall?.body).toEqual({ status: 'Invoiced', lines: [{ lineId: 1000, quantity: 2 }], params: { invoiceNumber: order.invoice!.invoiceNumber } });
    expect(link?.body).toEqual({ invoiceLink: order.invoice!.url, shipmentPackageId: id, invoiceNumber: order.invoice!.invoiceNumber });
    expect(sim().state.package(id)).toMatchObject({ status: 'Invoiced', invoiceNumber: order.invoice!.invoiceNumber, invoiceLink: order.invoice!.url });

    // Walked on to shipped: Trendyol's own cargo scan sets Shipped, so that write-back pushes nothing, and repeats nothing.
    await packed(sys, orderId);
    const labelled = await eventually(async () => {
      const o: OrderView = await getOrder(sys, orderId);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });
    await carrierEvent(sys, labelled, 'picked_up');
    await waitForStatus(sys, orderId, 'shipped');
    await eventually(async () => expect((await channelPackages(orderId))[0]?.pushed.notPushed).toEqual(['shipped: Trendyol sets it']), { timeoutMs: 20_000 });
    expect(writes([id])).toEqual([`Picking ${id} 200`, `Invoiced ${id} 200`, `invoice-link ${id} 201`]);
  });

  test('an invoice link Trendyol already holds answers 409, which counts as sent: nothing is held up or sent again', async () => {
    const sku = await seedSku(sys, 5, unique('TY'), '99.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 1, price: 99.9 }], { invoiceLink: 'https://seller-panel.example/fatura/1.pdf' });
    const id = pkg.shipmentPackageId;
    const orderId = await receive(pkg);
    await invoiced(orderId);

    await eventually(() => expect(writes([id])).toEqual([`Picking ${id} 200`, `Invoiced ${id} 200`, `invoice-link ${id} 409`]), { timeoutMs: 20_000 });
    const [recorded] = await eventually(async () => {
      const packages = await channelPackages(orderId);
      expect(packages[0]?.pushed.invoiceLink).toEqual(expect.any(String));
      return packages;
    });
    expect(recorded).toMatchObject({ packageId: String(id), current: true, status: expect.any(String) });
    // The lineage is for operators: a channel key is refused.
    const asChannel = await sys.call<{ error: { code: string } }>('GET', `/orders/${orderId}/channel-packages`, { key: sys.keys.trendyol });
    expect(asChannel).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const queue = await sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('trendyol')).query(writeBackQueueQuery);
    const mine = queue.done.filter((d) => d.key.startsWith(`channel:${orderId}:`));
    expect(mine.some((d) => d.outcome === 'pushed' && d.detail.includes(`invoice-link ${id} already sent (409)`))).toBe(true);
    expect(mine.filter((d) => d.outcome === 'failed')).toEqual([]);
    // A later write-back (the order walked on) does not send the link again.
    await packed(sys, orderId);
    await eventually(async () => expect((await getOrder(sys, orderId)).shipment?.trackingNumber).toBeDefined());
    expect(writes([id]).filter((w) => w.startsWith('invoice-link'))).toHaveLength(1);
  });

  test('a partial cancel of a line is unsupplied with reason 500; the new package is recorded with its origin and takes the next write-back', async () => {
    const skuA = await seedSku(sys, 5, unique('TY'), '49.90');
    const skuB = await seedSku(sys, 5, unique('TY'), '19.90');
    const pkg = trendyolPackage([
      { barcode: skuA, quantity: 2, price: 49.9 },
      { barcode: skuB, quantity: 1, price: 19.9 },
    ]);
    const old = String(pkg.shipmentPackageId);
    const orderId = await receive(pkg);
    await invoiced(orderId);
    await eventually(() => expect(writes([old])).toEqual([`Picking ${old} 200`, `Invoiced ${old} 200`, `invoice-link ${old} 201`]), { timeoutMs: 20_000 });

    const cancel = await sys.call<OrderView>('POST', `/orders/${orderId}/cancel`, { body: { reason: 'customer_request', lines: [{ sku: skuA, quantity: 1 }] } });
    expect(cancel.status).toBe(200);

    const unsupplied = await eventually(() => {
      const call = writeRequests([old]).find((r) => r.path.endsWith('/items/unsupplied'));
      expect(call?.status).toBe(200);
      return call!;
    }, { timeoutMs: 20_000 });
    expect(unsupplied.body).toEqual({ lines: [{ lineId: 1000, quantity: 1 }], reasonId: 500 });

    // Trendyol destroyed the package; what is left came back under a new id, which the OMS recorded with its origin.
    const atTrendyol = sim().state.packagesOf(pkg.orderNumber);
    expect(atTrendyol.map((p) => [String(p.shipmentPackageId) === old ? 'old' : 'new', p.status, p.createdBy])).toEqual([
      ['old', 'UnSupplied', 'order-creation'],
      ['new', expect.any(String), 'cancel'],
    ]);
    const fresh = String(atTrendyol[1]!.shipmentPackageId);
    const lineage = await eventually(async () => {
      const packages = await channelPackages(orderId);
      expect(packages.map((p) => p.packageId)).toEqual([old, fresh]);
      return packages;
    });
    expect(lineage[0]).toMatchObject({ packageId: old, current: false, supersededBy: [fresh], pushed: { unsupplied: { [skuA]: 1 } } });
    expect(lineage[1]).toMatchObject({
      packageId: fresh,
      current: true,
      createdBy: 'cancel',
      originPackageIds: [old],
      lines: [
        { lineId: '1000', barcode: skuA, quantity: 1 },
        { lineId: '1001', barcode: skuB, quantity: 1 },
      ],
    });

    // The next write-back goes to the new package: Picking, Invoiced, and the link (already used for the old one: 409).
    await eventually(() => expect(writes([fresh])).toHaveLength(3), { timeoutMs: 20_000 });
    expect(writes([fresh])).toEqual([`Picking ${fresh} 200`, `Invoiced ${fresh} 200`, `invoice-link ${fresh} 409`]);
    expect(writeRequests([fresh])[0]?.body).toEqual({
      status: 'Picking',
      lines: [
        { lineId: 1000, quantity: 1 },
        { lineId: 1001, quantity: 1 },
      ],
      params: {},
    });
    const allWrites = writes([old, fresh]);
    expect(allWrites.indexOf(`unsupplied ${old} 200`)).toBeLessThan(allWrites.indexOf(`Picking ${fresh} 200`));
    expect(writes([old])).toHaveLength(4);
  });

  test('a Trendyol split seen by the pull is recorded as lineage, and the write-back targets the children, not the parent', async () => {
    const sku = await seedSku(sys, 5, unique('TY'), '29.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 3, price: 29.9 }]);
    const parent = String(pkg.shipmentPackageId);
    // Trendyol is busy for the parent package until the split is seen (each 429 asks for 1 s).
    for (let i = 0; i < 30; i++) {
      sim().state.faults.next(`/order/sellers/${seller()}/shipment-packages/${parent}`, { status: 429, body: 'too.many.requests', headers: { 'retry-after': '1' } });
    }
    const orderId = await receive(pkg);
    await eventually(() => expect(writes([parent])[0]).toBe(`Picking ${parent} 429`), { timeoutMs: 20_000 });

    const { apiKey, apiSecret } = sys.config.marketplaces.trendyol;
    const split = await fetch(`${sim().url}/integration/order/sellers/${seller()}/shipment-packages/${parent}/split-packages`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`,
        'user-agent': `${seller()} - SelfIntegration`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ splitPackages: [{ packageDetails: [{ orderLineId: 1000, quantities: 2 }] }] }),
    });
    expect(split.status).toBe(200);

    // The pull reads the parent (UnPacked) and its two children (createdBy split) and records the lineage.
    const lineage = await eventually(async () => {
      const packages = await channelPackages(orderId);
      expect(packages).toHaveLength(3);
      expect(packages[0]).toMatchObject({ packageId: parent, status: 'UnPacked', current: false });
      return packages;
    }, { timeoutMs: 20_000 });
    const children = lineage.slice(1);
    expect(lineage[0]!.supersededBy.sort()).toEqual(children.map((c) => c.packageId).sort());
    for (const child of children) expect(child).toMatchObject({ createdBy: 'split', originPackageIds: [parent], current: true });
    expect(children.map((c) => c.lines.map((l) => l.quantity)).sort()).toEqual([[1], [2]]);
    sim().state.faults.clear();

    // Children are written in lineage order (the order they were recorded in).
    const [a, b] = children.map((c) => c.packageId) as [string, string];
    await eventually(() => expect(writes([a, b]).filter((w) => w.startsWith('invoice-link'))).toHaveLength(2), { timeoutMs: 30_000 });
    expect(writes([a])).toEqual([`Picking ${a} 200`, `Invoiced ${a} 200`, `invoice-link ${a} 201`]);
    // The order has one invoice: its link belongs to the first child; Trendyol refuses it for the second (409, done).
    expect(writes([b])).toEqual([`Picking ${b} 200`, `Invoiced ${b} 200`, `invoice-link ${b} 409`]);
    // The parent saw only the refused attempts and the split the test made.
    expect(writes([parent]).filter((w) => !w.endsWith(' 429'))).toEqual([`split ${parent} 200`]);
    expect(sim().state.package(a)).toMatchObject({ status: 'Invoiced' });
    expect(sim().state.package(b)).toMatchObject({ status: 'Invoiced' });
  });

  test('a 429 from the write-back endpoint is retried after its Retry-After, and the steps still come once, in order', async () => {
    const sku = await seedSku(sys, 5, unique('TY'), '9.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 1, price: 9.9 }]);
    const id = pkg.shipmentPackageId;
    // Longer than the activity's first retry interval (1 s), so only the Retry-After explains the wait.
    sim().state.faults.next(`/order/sellers/${seller()}/shipment-packages/${id}`, { status: 429, body: 'too.many.requests', headers: { 'retry-after': '3' } });
    const orderId = await receive(pkg);
    await invoiced(orderId);

    await eventually(() => expect(writes([id])).toHaveLength(4), { timeoutMs: 20_000 });
    expect(writes([id])).toEqual([`Picking ${id} 429`, `Picking ${id} 200`, `Invoiced ${id} 200`, `invoice-link ${id} 201`]);
    const [refused, retried] = writeRequests([id]);
    const waited = retried!.at - refused!.at;
    expect(waited).toBeGreaterThanOrEqual(3000);
    expect(waited).toBeLessThan(8000);
  });

  test('GET /integrations shows the write-back queue: its last push, and a refusal for good with the marketplace\'s words', async () => {
    // A package the webhook brought but Trendyol no longer has (deleted in its panel): its pushes are refused.
    const sku = await seedSku(sys, 5, unique('TY'), '19.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 1, price: 19.9 }]);
    const res = await fetch(`${sys.baseUrl}/webhooks/trendyol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify({ content: [pkg] }),
    });
    expect(res.status).toBe(200);
    const orderId = `trendyol:${pkg.orderNumber}`;
    type WriteBackView = { channel: string; started: boolean; pending: number | null; lastPushedAt: string | null; lastFailure: { key: string; detail: string; at: string | null } | null; error: string | null };
    const view = await eventually(
      async () => {
        const listed = await sys.call<{ writeBacks: WriteBackView[] }>('GET', '/integrations');
        expect(listed.status).toBe(200);
        const trendyol = listed.body.writeBacks.find((w) => w.channel === 'trendyol');
        expect(trendyol?.lastFailure?.key).toContain(orderId);
        return trendyol!;
      },
      { timeoutMs: 20_000 },
    );
    expect(view).toMatchObject({ started: true, pending: expect.any(Number), error: null });
    expect(view.lastFailure!.detail).toContain(`shipment package ${pkg.shipmentPackageId} not found`);
    expect(Date.parse(view.lastFailure!.at!)).toBeGreaterThan(Date.now() - 120_000);
    // An order Trendyol does have is pushed, and the view says when.
    const good = trendyolPackage([{ barcode: sku, quantity: 1, price: 19.9 }]);
    await invoiced(await receive(good));
    await eventually(() => expect(writes([good.shipmentPackageId])).toHaveLength(3), { timeoutMs: 20_000 });
    const after = await eventually(async () => {
      const listed = await sys.call<{ writeBacks: WriteBackView[] }>('GET', '/integrations');
      const trendyol = listed.body.writeBacks.find((w) => w.channel === 'trendyol')!;
      expect(Date.parse(trendyol.lastPushedAt ?? '')).toBeGreaterThan(Date.parse(view.lastFailure!.at!));
      return trendyol;
    });
    expect(after.error).toBeNull();
    // And as metrics: the refusal counted, the queue's size a gauge.
    const text = await (await fetch(`${sys.baseUrl}/metrics`)).text();
    expect(text).toMatch(/oms_channel_writeback_finished_total\{channel="trendyol",outcome="failed"\} [1-9]/);
    expect(text).toMatch(/oms_channel_writeback_pending\{channel="trendyol"\} \d+/);
  });

  test('the write-back activity runs on the task queue oms-writeback-trendyol, from the queue workflow on the order queue', async () => {
    const sku = await seedSku(sys, 5, unique('TY'), '9.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 1, price: 9.9 }]);
    const orderId = await receive(pkg);
    await invoiced(orderId);
    await eventually(() => expect(writes([pkg.shipmentPackageId])).toHaveLength(3), { timeoutMs: 20_000 });

    const handle = sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('trendyol'));
    const { events } = await handle.fetchHistory();
    const scheduled = (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pushChannelStatus');
    expect(scheduled.length).toBeGreaterThan(0);
    expect([...new Set(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name))]).toEqual(['oms-writeback-trendyol']);
    // Picked up and completed there: a worker polls that queue.
    const started = (events ?? []).filter((e) => e.activityTaskStartedEventAttributes);
    expect(started.length).toBeGreaterThan(0);
    expect((events ?? []).some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    const description = await handle.describe();
    expect(description.taskQueue).toBe('oms-orders');
    expect(description.type).toBe('channelWriteBackWorkflow');
  });
});

// [choice] §1.5.4: the seller-contracted cargo tracking update is [M]; behind OMS_TRENDYOL_SELLER_CARGO (off by default).
describe('Trendyol write-back with seller-contracted cargo (OMS_TRENDYOL_SELLER_CARGO=on) on sqlite', () => {
  let sys: TestSystem;
  withSystem('sqlite', (started) => (sys = started), {
    TRENDYOL_WEBHOOK_API_KEY: API_KEY,
    OMS_TRENDYOL_PULL_INTERVAL: '300ms',
    OMS_TRENDYOL_SELLER_CARGO: 'on',
  });

  test("a shipped order's tracking number and carrier code go to the package's tracking-details, once", async () => {
    const sim = sys.marketplaces.trendyol!;
    const sku = await seedSku(sys, 5, unique('TY'), '149.90');
    const pkg = trendyolPackage([{ barcode: sku, quantity: 1, price: 149.9 }]);
    const id = pkg.shipmentPackageId;
    sim.state.addPackage(pkg);
    const res = await fetch(`${sys.baseUrl}/webhooks/trendyol`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
      body: JSON.stringify(pkg),
    });
    expect(res.status).toBe(200);
    const orderId = `trendyol:${pkg.orderNumber}`;
    await waitForStatus(sys, orderId, 'picking');
    await packed(sys, orderId);
    const labelled = await eventually(async () => {
      const o: OrderView = await getOrder(sys, orderId);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });
    await carrierEvent(sys, labelled, 'picked_up');
    await waitForStatus(sys, orderId, 'shipped');
    const tracking = () => sim.state.requests().filter((r) => r.path.endsWith(`/shipment-packages/${id}/tracking-details`));
    await eventually(() => expect(tracking()).toHaveLength(1), { timeoutMs: 20_000 });
    expect(tracking()[0]).toMatchObject({ status: 200, body: { trackingNumber: labelled.shipment!.trackingNumber, providerCode: 'YKMP' } });
    expect(labelled.shipment!.carrier).toBe('yurtici');
    expect(sim.state.package(id)).toMatchObject({ cargoTrackingNumber: labelled.shipment!.trackingNumber, cargoProviderCode: 'YKMP' });
    // Delivered (Trendyol's to set) pushes nothing, and the tracking number is not sent again.
    await carrierEvent(sys, labelled, 'delivered');
    await waitForStatus(sys, orderId, 'delivered');
    await eventually(async () => {
      const res = await sys.call<{ packages: ChannelPackageView[] }>('GET', `/orders/${orderId}/channel-packages`);
      expect(res.body.packages[0]?.pushed).toMatchObject({ tracking: labelled.shipment!.trackingNumber, notPushed: ['delivered: Trendyol sets it'] });
    }, { timeoutMs: 20_000 });
    expect(tracking()).toHaveLength(1);
  });
});
