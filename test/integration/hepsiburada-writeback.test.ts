// The Hepsiburada write-back over real HTTP: orders come in as HB pushes them (its call to the merchant's
// `POST <BaseURL>/orders`) into the real API and worker on the embedded dev server, and their statuses go back to the
// Hepsiburada simulator in HB's merchant-cargo protocol (package, invoice link, intransit, deliver, cancelbymerchant,
// split of a package some of whose units the OMS canceled, unpack of a package all of whose units it canceled), from
// the account's write-back queue on its own task queue, SQLite and PostgreSQL.
import type { OrderView } from '../../contract/types';
import { channelWriteBackWorkflowId, writeBackQueueQuery } from '../../contract/workflow';
import type { ChannelPackageView } from '../../entities/channel-package';
import type { LoggedRequest } from '../../integrations/sim/http-kit';
import { createHepsiburadaPackageWriter } from '../../integrations/hepsiburada/packages';
import type { HepsiburadaSimState } from '../../integrations/sim/hepsiburada';
import { DB_KINDS } from '../helpers/db';
import { carrierEvent, eventually, getOrder, packed, seedSku, unique, waitForStatus, withSystem, type TestSystem } from '../helpers/system';

const WEBHOOK = { username: 'hepsiburada-webhook', password: 'hb-webhook-password-0001' };

describe.each(DB_KINDS)('Hepsiburada write-back on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), {
    HEPSIBURADA_WEBHOOK_USERNAME: WEBHOOK.username,
    HEPSIBURADA_WEBHOOK_PASSWORD: WEBHOOK.password,
    OMS_HEPSIBURADA_PULL_INTERVAL: 'off',
    OMS_N11_PULL_INTERVAL: 'off',
    OMS_TRENDYOL_PULL_INTERVAL: 'off',
    OMS_STOCK_FEED_CHANNELS: 'none',
  });

  const hb = (): HepsiburadaSimState => sys.marketplaces.hepsiburada!.state;
  const merchant = () => sys.config.marketplaces.hepsiburada.merchantId;
  const packagesPath = () => `/packages/merchantid/${merchant()}`;
  afterEach(() => hb().faults.clear());

  /** HB holds the paid lines and pushes them to the OMS's webhook; resolves with the order id and the lines. */
  async function receive(lines: { sku: string; quantity: number; amount: number }[]) {
    const orderNumber = unique('4420');
    hb().webhooks.configure({ baseUrl: `${sys.baseUrl}/webhooks/hepsiburada`, ...WEBHOOK });
    const added = hb().addOrderLines(lines.map((l) => ({ orderNumber, merchantSKU: l.sku, quantity: l.quantity, unitPrice: { amount: l.amount, currency: 'TRY' } })));
    await hb().webhooks.flush();
    expect(hb().webhooks.attempts.at(-1)).toMatchObject({ route: '/orders', status: 200 });
    return { orderId: `hepsiburada:${orderNumber}`, orderNumber, lineIds: added.map((l) => l.id) };
  }

  /** The writes the simulator received for the order (its lines' and its packages' paths), oldest first. */
  function writeRequests(lineIds: string[]): LoggedRequest[] {
    const packageNumbers = [...hb().packages.values()].filter((p) => p.items.some((i) => lineIds.includes(i.lineItemId))).map((p) => p.packageNumber);
    return hb().requests.entries.filter((r) => {
      if (r.method === 'GET') return false;
      if (r.path === packagesPath()) return lineIds.some((id) => r.body.includes(`"${id}"`));
      return [...lineIds, ...packageNumbers].some((id) => r.path.includes(`/${id}/`));
    });
  }

  /** Each write as `<what> <HTTP status>`. */
  function writes(lineIds: string[]): string[] {
    return writeRequests(lineIds).map((r) => {
      if (r.path === packagesPath()) return `package ${r.status}`;
      return `${r.path.split('/').at(-1)} ${r.status}`;
    });
  }

  async function channelPackages(orderId: string): Promise<ChannelPackageView[]> {
    const res = await sys.call<{ packages: ChannelPackageView[] }>('GET', `/orders/${orderId}/channel-packages`);
    expect(res.status).toBe(200);
    return res.body.packages;
  }

  const invoiced = (orderId: string) => waitForStatus(sys, orderId, 'picking', (o) => expect(o.invoice).toBeDefined());

  async function shipped(orderId: string): Promise<OrderView> {
    await packed(sys, orderId);
    const labelled = await eventually(async () => {
      const o = await getOrder(sys, orderId);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });
    await carrierEvent(sys, labelled, 'picked_up');
    await waitForStatus(sys, orderId, 'shipped');
    return labelled;
  }

  test('picking makes one package of the lines, then the invoice link, intransit with the tracking number, deliver: in that order, once each', async () => {
    const a = await seedSku(sys, 5, unique('HB'), '149.90');
    const b = await seedSku(sys, 5, unique('HB'), '20.00');
    const { orderId, orderNumber, lineIds } = await receive([
      { sku: a, quantity: 2, amount: 149.9 },
      { sku: b, quantity: 1, amount: 20 },
    ]);
    const order = await invoiced(orderId);

    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204']), { timeoutMs: 20_000 });
    const [create, invoice] = writeRequests(lineIds);
    expect(JSON.parse(create!.body)).toMatchObject({
      lineItemRequests: [
        { id: lineIds[0], quantity: 2 },
        { id: lineIds[1], quantity: 1 },
      ],
    });
    const made = [...hb().packages.values()].filter((p) => p.orderNumber === orderNumber);
    expect(made).toHaveLength(1);
    const pkg = made[0]!;
    expect(invoice!.path).toBe(`${packagesPath()}/packagenumber/${pkg.packageNumber}/invoice`);
    expect(pkg.invoice).toEqual({ invoiceLink: order.invoice!.url, serialNumber: order.invoice!.invoiceNumber });
    // The lines left HB's "to pack" list and carry their package.
    expect([...hb().orderLines.values()].filter((l) => l.orderNumber === orderNumber).map((l) => l.packageNumber)).toEqual([pkg.packageNumber, pkg.packageNumber]);

    const labelled = await shipped(orderId);
    const tracking = labelled.shipment!.trackingNumber;
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'intransit 200']), { timeoutMs: 20_000 });
    expect(JSON.parse(writeRequests(lineIds)[2]!.body)).toMatchObject({ trackingNumber: tracking, trackingUrl: expect.stringContaining(tracking) });
    expect(hb().packages.get(pkg.packageNumber)).toMatchObject({ status: 'InTransit', trackingNumber: tracking });

    await carrierEvent(sys, labelled, 'delivered');
    await waitForStatus(sys, orderId, 'delivered');
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'intransit 200', 'deliver 200']), { timeoutMs: 20_000 });
    expect(hb().packages.get(pkg.packageNumber)).toMatchObject({ status: 'Delivered', receivedBy: order.customer.name });
    // The lineage records a push once HB answered it: a moment after the simulator holds it.
    await eventually(async () => {
      const [recorded] = await channelPackages(orderId);
      expect(recorded).toMatchObject({
        channel: 'hepsiburada',
        packageId: pkg.packageNumber,
        current: true,
        pushed: { picking: expect.any(String), invoiceLink: expect.any(String), tracking, delivered: expect.any(String) },
      });
    });
    const queue = await sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('hepsiburada')).query(writeBackQueueQuery);
    expect(queue.done.filter((d) => d.key.startsWith(`channel:${orderId}:`) && d.outcome === 'failed')).toEqual([]);
  });

  test('a parcel the carrier returns to the sender after a failed delivery is undelivered at HB, after intransit', async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '19.90');
    const { orderId, lineIds } = await receive([{ sku, quantity: 1, amount: 19.9 }]);
    await invoiced(orderId);
    const labelled = await shipped(orderId);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'intransit 200']), { timeoutMs: 20_000 });

    await carrierEvent(sys, labelled, 'delivery_failed');
    await carrierEvent(sys, labelled, 'returned_to_sender');
    await waitForStatus(sys, orderId, 'return_pending');
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'intransit 200', 'undeliver 200']), { timeoutMs: 20_000 });
    const body = JSON.parse(writeRequests(lineIds)[3]!.body) as { undeliveredDate: string; undeliveredReason: string };
    expect(body.undeliveredReason).toBe('returned_to_sender');
    // The lineage records a push once HB answered it: a moment after the simulator holds it.
    const recorded = await eventually(async () => {
      const [first] = await channelPackages(orderId);
      expect(first!.pushed).toMatchObject({ undelivered: expect.any(String) });
      return first;
    });
    expect(hb().packages.get(recorded!.packageId)).toMatchObject({ status: 'Undelivered', undeliveredReason: 'returned_to_sender' });
    expect(recorded!.pushed.delivered).toBeUndefined();
  });

  test('a push retried after HB made the package but its answer was lost finds that package and makes no second one', async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '49.90');
    // HB packs the lines, then the connection drops (502): the activity retries.
    hb().loseAnswer(packagesPath());
    const { orderId, orderNumber, lineIds } = await receive([{ sku, quantity: 1, amount: 49.9 }]);
    await invoiced(orderId);

    await eventually(() => expect(writes(lineIds)).toEqual(['package 502', 'invoice 204']), { timeoutMs: 20_000 });
    const made = [...hb().packages.values()].filter((p) => p.orderNumber === orderNumber);
    expect(made).toHaveLength(1);
    expect(writeRequests(lineIds)[1]!.path).toBe(`${packagesPath()}/packagenumber/${made[0]!.packageNumber}/invoice`);
    const lineage = await channelPackages(orderId);
    expect(lineage).toMatchObject([{ packageId: made[0]!.packageNumber, current: true, lines: [{ lineId: lineIds[0], barcode: sku, quantity: 1 }] }]);
    // The order walked on: still one package.
    await shipped(orderId);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 502', 'invoice 204', 'intransit 200']), { timeoutMs: 20_000 });
    expect([...hb().packages.values()].filter((p) => p.orderNumber === orderNumber)).toHaveLength(1);
  });

  test('a line the OMS canceled before packing is cancelled by the merchant with reason 83, and the package holds only the rest', async () => {
    const a = await seedSku(sys, 5, unique('HB'), '30.00');
    const b = await seedSku(sys, 5, unique('HB'), '10.00');
    // HB is busy for packages until the cancel is in (each 429 asks for 1 s).
    for (let i = 0; i < 30; i++) {
      hb().faults.next(packagesPath(), { status: 429, body: 'TooManyRequest', headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } });
    }
    const { orderId, orderNumber, lineIds } = await receive([
      { sku: a, quantity: 1, amount: 30 },
      { sku: b, quantity: 1, amount: 10 },
    ]);
    await invoiced(orderId);
    await eventually(() => expect(writes(lineIds)[0]).toBe('package 429'), { timeoutMs: 20_000 });

    const cancel = await sys.call<OrderView>('POST', `/orders/${orderId}/cancel`, { body: { reason: 'customer_request', lines: [{ sku: a, quantity: 1 }] } });
    expect(cancel.status).toBe(200);
    await eventually(async () => expect((await getOrder(sys, orderId)).lines.find((l) => l.sku === a)?.quantities?.canceled).toBe(1));
    hb().faults.clear();

    await eventually(() => expect(writes(lineIds).filter((w) => !w.endsWith(' 429'))).toEqual(['cancelbymerchant 200', 'package 201', 'invoice 204']), { timeoutMs: 30_000 });
    const cancelCall = writeRequests(lineIds).find((r) => r.path.endsWith('/cancelbymerchant'))!;
    expect(cancelCall.path).toBe(`/lineitems/merchantid/${merchant()}/id/${lineIds[0]}/cancelbymerchant`);
    expect(JSON.parse(cancelCall.body)).toEqual({ reasonId: 83 });
    expect(hb().orderLines.get(lineIds[0]!)).toMatchObject({ status: 'CancelledByMerchant' });
    const [pkg] = [...hb().packages.values()].filter((p) => p.orderNumber === orderNumber);
    expect(pkg!.items).toEqual([{ lineItemId: lineIds[1], merchantSku: b, orderNumber, quantity: 1 }]);
    // The queue's later request for the canceled line pushes nothing again.
    await eventually(async () => {
      const queue = await sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('hepsiburada')).query(writeBackQueueQuery);
      expect(queue.done.some((d) => d.key.startsWith(`channel:${orderId}:lines_canceled`))).toBe(true);
    }, { timeoutMs: 20_000 });
    expect(writes(lineIds).filter((w) => w.startsWith('cancelbymerchant'))).toHaveLength(1);
  });

  /** Two lines received and invoiced: HB holds them in one package; resolves with it. */
  async function packedTwoLines() {
    const a = await seedSku(sys, 5, unique('HB'), '30.00');
    const b = await seedSku(sys, 5, unique('HB'), '10.00');
    const received = await receive([
      { sku: a, quantity: 1, amount: 30 },
      { sku: b, quantity: 2, amount: 10 },
    ]);
    await invoiced(received.orderId);
    await eventually(() => expect(writes(received.lineIds)).toEqual(['package 201', 'invoice 204']), { timeoutMs: 20_000 });
    const [pkg] = [...hb().packages.values()].filter((p) => p.orderNumber === received.orderNumber);
    return { ...received, a, b, old: pkg!.packageNumber };
  }

  const cancelLine = async (orderId: string, sku: string, quantity: number) => {
    const res = await sys.call<OrderView>('POST', `/orders/${orderId}/cancel`, { body: { reason: 'customer_request', lines: [{ sku, quantity }] } });
    expect(res.status).toBe(200);
  };

  /** The write-back queue's record of the order's canceled-lines request, once it is done. */
  async function linesCanceledDone(orderId: string) {
    return eventually(async () => {
      const queue = await sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('hepsiburada')).query(writeBackQueueQuery);
      const done = queue.done.find((d) => d.key.startsWith(`channel:${orderId}:lines_canceled`));
      expect(done).toBeDefined();
      return done!;
    }, { timeoutMs: 30_000 });
  }

  /** HB's packages of the order other than `old`. */
  const othersThan = (orderNumber: string, old: string) => [...hb().packages.values()].filter((p) => p.orderNumber === orderNumber && p.packageNumber !== old);

  test('1 of 3 units canceled after packing: the package is split into one of the 2 kept units with 1 cancelled (reason 83), the lineage links old and new, and intransit goes to the new package', async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '25.00');
    const { orderId, orderNumber, lineIds } = await receive([{ sku, quantity: 3, amount: 25 }]);
    await invoiced(orderId);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204']), { timeoutMs: 20_000 });
    const old = [...hb().packages.values()].find((p) => p.orderNumber === orderNumber)!.packageNumber;
    expect(hb().packages.get(old)!.items).toEqual([{ lineItemId: lineIds[0], merchantSku: sku, orderNumber, quantity: 3 }]);

    await cancelLine(orderId, sku, 1);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'split 200', 'invoice 204']), { timeoutMs: 30_000 });
    const requests = writeRequests(lineIds);
    expect(requests[2]!.path).toBe(`${packagesPath()}/packagenumber/${old}/split`);
    expect(JSON.parse(requests[2]!.body)).toEqual({
      packageDetails: [{ lines: [{ orderLineId: lineIds[0], quantity: 2 }], parcelQuantity: 1, deci: 1 }],
      cancelledItems: [{ orderLineId: lineIds[0], quantity: 1, cancelReasonId: 83 }],
    });
    // HB: the old package UnPacked (in the unpacked feed), a new package with the 2 kept units, 1 unit cancelled with 83.
    expect(hb().packages.get(old)).toMatchObject({ status: 'UnPacked' });
    const made = othersThan(orderNumber, old);
    expect(made).toHaveLength(1);
    const fresh = made[0]!.packageNumber;
    expect(made[0]!.items).toEqual([{ lineItemId: lineIds[0], merchantSku: sku, orderNumber, quantity: 2 }]);
    const hbLines = [...hb().orderLines.values()].filter((l) => l.orderNumber === orderNumber);
    expect(hbLines.map((l) => [l.merchantSKU, l.quantity, l.status, l.packageNumber ?? null])).toEqual([
      [sku, 2, 'Packed', fresh],
      [sku, 1, 'CancelledByMerchant', null],
    ]);
    expect(hbLines[1]).toMatchObject({ cancelReasonId: 83 });
    expect(requests[3]!.path).toBe(`${packagesPath()}/packagenumber/${fresh}/invoice`);
    const unpackedFeed = await fetch(`${sys.marketplaces.hepsiburada!.url}${packagesPath()}/status/unpacked`, {
      headers: {
        authorization: `Basic ${Buffer.from(`${sys.config.marketplaces.hepsiburada.username}:${sys.config.marketplaces.hepsiburada.password}`).toString('base64')}`,
        'user-agent': sys.config.marketplaces.hepsiburada.userAgent,
      },
    });
    expect(((await unpackedFeed.json()) as { items: { packageNumber: string }[] }).items.map((p) => p.packageNumber)).toContain(old);
    // The lineage graph, as the API shows it: the old package dead and followed by the new one, which names it.
    await eventually(async () =>
      expect(await channelPackages(orderId)).toMatchObject([
        { packageId: old, status: 'UnPacked', current: false, supersededBy: [fresh], originPackageIds: [], lines: [{ lineId: lineIds[0], quantity: 3 }] },
        {
          packageId: fresh,
          status: 'Packed',
          createdBy: 'split',
          current: true,
          originPackageIds: [old],
          lines: [{ lineId: lineIds[0], barcode: sku, quantity: 2 }],
          pushed: { invoiceLink: expect.any(String) },
        },
      ]),
    );

    const labelled = await shipped(orderId);
    const tracking = labelled.shipment!.trackingNumber;
    await eventually(() => expect(writes(lineIds).slice(4)).toEqual(['intransit 200']), { timeoutMs: 20_000 });
    expect(writeRequests(lineIds)[4]!.path).toBe(`${packagesPath()}/packagenumber/${fresh}/intransit`);
    expect(hb().packages.get(fresh)).toMatchObject({ status: 'InTransit', trackingNumber: tracking });
    expect(hb().packages.get(old)?.status).toBe('UnPacked');
    const queue = await sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('hepsiburada')).query(writeBackQueueQuery);
    expect(queue.done.filter((d) => d.key.startsWith(`channel:${orderId}:`) && d.outcome === 'failed')).toEqual([]);
  });

  test('1 of 3 units canceled before packing: the line is packed whole (cancelbymerchant takes no quantity) and split at once, before the invoice link', async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '25.00');
    // HB is busy for packages until the cancel is in (each 429 asks for 1 s).
    for (let i = 0; i < 30; i++) {
      hb().faults.next(packagesPath(), { status: 429, body: 'TooManyRequest', headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' } });
    }
    const { orderId, orderNumber, lineIds } = await receive([{ sku, quantity: 3, amount: 25 }]);
    await invoiced(orderId);
    await eventually(() => expect(writes(lineIds)[0]).toBe('package 429'), { timeoutMs: 20_000 });
    await cancelLine(orderId, sku, 1);
    await eventually(async () => expect((await getOrder(sys, orderId)).lines[0]?.quantities?.canceled).toBe(1));
    hb().faults.clear();

    await eventually(() => expect(writes(lineIds).filter((w) => !w.endsWith(' 429'))).toEqual(['package 201', 'split 200', 'invoice 204']), { timeoutMs: 30_000 });
    const [create, split] = writeRequests(lineIds).filter((r) => r.status !== 429);
    expect(JSON.parse(create!.body)).toMatchObject({ lineItemRequests: [{ id: lineIds[0], quantity: 3 }] });
    const old = [...hb().packages.values()].find((p) => p.orderNumber === orderNumber && p.splitInto)!.packageNumber;
    expect(split!.path).toBe(`${packagesPath()}/packagenumber/${old}/split`);
    expect(JSON.parse(split!.body)).toMatchObject({
      packageDetails: [{ lines: [{ orderLineId: lineIds[0], quantity: 2 }] }],
      cancelledItems: [{ orderLineId: lineIds[0], quantity: 1, cancelReasonId: 83 }],
    });
    const [fresh] = othersThan(orderNumber, old);
    expect(fresh!.items).toEqual([{ lineItemId: lineIds[0], merchantSku: sku, orderNumber, quantity: 2 }]);
    expect(fresh!.invoice).toBeDefined();
    expect(hb().packages.get(old)?.invoice).toBeUndefined();
    await eventually(async () =>
      expect(await channelPackages(orderId)).toMatchObject([
        { packageId: old, status: 'UnPacked', current: false, supersededBy: [fresh!.packageNumber] },
        { packageId: fresh!.packageNumber, current: true, originPackageIds: [old], pushed: { invoiceLink: expect.any(String) } },
      ]),
    );
  });

  test('a split whose answer was lost is read back from HB (old package UnPacked, the new one among the order\'s lines): split once, the lineage still links old and new', async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '25.00');
    const { orderId, orderNumber, lineIds } = await receive([{ sku, quantity: 3, amount: 25 }]);
    await invoiced(orderId);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204']), { timeoutMs: 20_000 });
    const old = [...hb().packages.values()].find((p) => p.orderNumber === orderNumber)!.packageNumber;
    // HB splits, then the connection drops (502): the activity is retried.
    hb().loseAnswer(`${packagesPath()}/packagenumber/${old}/split`);

    await cancelLine(orderId, sku, 1);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'split 502', 'invoice 204']), { timeoutMs: 40_000 });
    const made = othersThan(orderNumber, old);
    expect(made.map((p) => p.items.map((i) => [i.lineItemId, i.quantity]))).toEqual([[[lineIds[0], 2]]]);
    const fresh = made[0]!.packageNumber;
    expect(writeRequests(lineIds)[3]!.path).toBe(`${packagesPath()}/packagenumber/${fresh}/invoice`);
    expect(hb().packages.get(old)?.status).toBe('UnPacked');
    expect([...hb().orderLines.values()].filter((l) => l.orderNumber === orderNumber && l.status === 'CancelledByMerchant').map((l) => l.quantity)).toEqual([1]);
    await eventually(async () =>
      expect(await channelPackages(orderId)).toMatchObject([
        { packageId: old, status: 'UnPacked', current: false, supersededBy: [fresh] },
        { packageId: fresh, current: true, createdBy: 'split', originPackageIds: [old], lines: [{ lineId: lineIds[0], quantity: 2 }] },
      ]),
    );
    const done = await linesCanceledDone(orderId);
    expect(done.outcome).toBe('pushed');
    expect(writes(lineIds).filter((w) => w.startsWith('split'))).toEqual(['split 502']);
  });

  test('a whole line canceled in a package with another: one split keeps the other line and cancels this one with reason 83, no unpack', async () => {
    const { orderId, orderNumber, lineIds, a, b, old } = await packedTwoLines();

    await cancelLine(orderId, a, 1);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'split 200', 'invoice 204']), { timeoutMs: 30_000 });
    expect(JSON.parse(writeRequests(lineIds)[2]!.body)).toMatchObject({
      packageDetails: [{ lines: [{ orderLineId: lineIds[1], quantity: 2 }] }],
      cancelledItems: [{ orderLineId: lineIds[0], quantity: 1, cancelReasonId: 83 }],
    });
    expect(hb().orderLines.get(lineIds[0]!)).toMatchObject({ status: 'CancelledByMerchant', cancelReasonId: 83 });
    const made = othersThan(orderNumber, old);
    expect(made.map((p) => p.items)).toEqual([[{ lineItemId: lineIds[1], merchantSku: b, orderNumber, quantity: 2 }]]);
    await eventually(async () =>
      expect(await channelPackages(orderId)).toMatchObject([
        { packageId: old, status: 'UnPacked', current: false, supersededBy: [made[0]!.packageNumber] },
        { packageId: made[0]!.packageNumber, current: true, originPackageIds: [old], lines: [{ lineId: lineIds[1], barcode: b, quantity: 2 }] },
      ]),
    );
  });

  test('the whole order canceled after packing: the package is unpacked (a split keeps at least one package) and each line cancelled with reason 83; retried after each lost answer, each step is done once', async () => {
    const { orderId, orderNumber, lineIds, old } = await packedTwoLines();
    // HB acts, then the connection drops (502), for the unpack and the first cancel: the activity is retried after each.
    hb().loseAnswer(`${packagesPath()}/packagenumber/${old}/unpack`);
    hb().loseAnswer(`/lineitems/merchantid/${merchant()}/id/${lineIds[0]}/cancelbymerchant`);

    const res = await sys.call<OrderView>('POST', `/orders/${orderId}/cancel`, { body: { reason: 'customer_request' } });
    expect(res.status).toBe(200);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'unpack 502', 'cancelbymerchant 502', 'cancelbymerchant 200']), {
      timeoutMs: 40_000,
    });
    expect(hb().packages.get(old)?.status).toBe('UnPacked');
    expect(othersThan(orderNumber, old)).toEqual([]);
    expect(lineIds.map((id) => hb().orderLines.get(id))).toMatchObject([
      { status: 'CancelledByMerchant', cancelReasonId: 83 },
      { status: 'CancelledByMerchant', cancelReasonId: 83 },
    ]);
    await eventually(async () => expect(await channelPackages(orderId)).toMatchObject([{ packageId: old, status: 'UnPacked', current: false, supersededBy: [] }]));
  });

  test('a line canceled after HB shows the parcel in transit is not pushed: no unpack, no cancel, a note that it is a return', async () => {
    const { orderId, lineIds, a, old } = await packedTwoLines();
    // The merchant's panel hands the parcel to the carrier at HB before the OMS has it shipped.
    const { merchantId, username, password, userAgent } = sys.config.marketplaces.hepsiburada;
    const panel = createHepsiburadaPackageWriter({ baseUrl: sys.marketplaces.hepsiburada!.url, merchantId, username, password, userAgent });
    await panel.inTransit(old, { shippedDate: new Date().toISOString(), trackingNumber: 'PANEL1', trackingUrl: 'https://t.example/PANEL1' });

    await cancelLine(orderId, a, 1);
    const done = await linesCanceledDone(orderId);
    const note = `1 canceled ${a}: the parcel is with the carrier, a return, not a cancel`;
    expect(done).toMatchObject({ outcome: 'pushed', detail: `not pushed: ${note} (${old} InTransit)` });
    expect(writes(lineIds)).toEqual(['package 201', 'invoice 204', 'intransit 200']);
    expect(hb().packages.get(old)?.status).toBe('InTransit');
    expect(hb().orderLines.get(lineIds[0]!)).toMatchObject({ status: 'Packed', packageNumber: old });
    const [recorded, ...others] = await channelPackages(orderId);
    expect(others).toEqual([]);
    expect(recorded).toMatchObject({ packageId: old, current: true, pushed: { notPushed: [note] } });
  });

  test("a 429 is waited out for as long as HB's X-RateLimit-Reset asks, and the steps still come once, in order", async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '9.90');
    // Longer than the activity's first retry interval (1 s), so only the reset header explains the wait.
    hb().faults.next(packagesPath(), { status: 429, body: 'TooManyRequest', headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3' } });
    const { orderId, lineIds } = await receive([{ sku, quantity: 1, amount: 9.9 }]);
    await invoiced(orderId);

    await eventually(() => expect(writes(lineIds)).toEqual(['package 429', 'package 201', 'invoice 204']), { timeoutMs: 20_000 });
    const [refused, retried] = writeRequests(lineIds);
    const waited = Date.parse(retried!.at) - Date.parse(refused!.at);
    expect(waited).toBeGreaterThanOrEqual(3000);
    expect(waited).toBeLessThan(8000);
  });

  test("the simulator keeps HB's merchant-cargo rules: deliver only after intransit, no date older than 7 days, no line cancelled once packed, credentials and User-Agent", async () => {
    const { merchantId, username, password, userAgent } = sys.config.marketplaces.hepsiburada;
    const writer = createHepsiburadaPackageWriter({ baseUrl: sys.marketplaces.hepsiburada!.url, merchantId, username, password, userAgent });
    const orderNumber = unique('4429');
    const [line] = hb().addOrderLines([{ orderNumber, merchantSKU: unique('HB'), quantity: 1 }], { webhook: false });
    const { packageNumber } = await writer.createPackage([{ lineItemId: line!.id, quantity: 1 }]);
    const now = new Date().toISOString();
    await expect(writer.deliver(packageNumber, { receivedDate: now, receivedBy: 'x' })).rejects.toThrow(`not InTransit`);
    await expect(writer.createPackage([{ lineItemId: line!.id, quantity: 1 }])).rejects.toThrow(`is already packed (${packageNumber})`);
    await expect(writer.cancelLine(line!.id, 83)).rejects.toThrow('cannot be cancelled');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000).toISOString();
    await expect(writer.inTransit(packageNumber, { shippedDate: eightDaysAgo, trackingNumber: 'T1', trackingUrl: 'https://t.example/T1' })).rejects.toThrow(
      'shippedDate may not be older than 7 days',
    );
    await writer.inTransit(packageNumber, { shippedDate: now, trackingNumber: 'T1', trackingUrl: 'https://t.example/T1' });
    await expect(writer.inTransit(packageNumber, { shippedDate: now, trackingNumber: 'T1', trackingUrl: 'https://t.example/T1' })).rejects.toThrow('is InTransit, not Packed');
    expect(await writer.packageStatus(packageNumber)).toEqual({ packageNumber, status: 'InTransit' });
    // A decorated User-Agent is a 401 with an empty body on oms-external (§2.1, §2.7).
    const decorated = createHepsiburadaPackageWriter({ baseUrl: sys.marketplaces.hepsiburada!.url, merchantId, username, password, userAgent: `${userAgent}/1.0` });
    await expect(decorated.packageStatus(packageNumber)).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  test('the write-back activity runs on the task queue oms-writeback-hepsiburada, from the queue workflow channel-writeback:hepsiburada', async () => {
    const sku = await seedSku(sys, 5, unique('HB'), '9.90');
    const { orderId, lineIds } = await receive([{ sku, quantity: 1, amount: 9.9 }]);
    await invoiced(orderId);
    await eventually(() => expect(writes(lineIds)).toEqual(['package 201', 'invoice 204']), { timeoutMs: 20_000 });

    const handle = sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('hepsiburada'));
    const { events } = await handle.fetchHistory();
    const scheduled = (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pushChannelStatus');
    expect(scheduled.length).toBeGreaterThan(0);
    expect([...new Set(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name))]).toEqual(['oms-writeback-hepsiburada']);
    expect((events ?? []).some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    expect((await handle.describe()).type).toBe('channelWriteBackWorkflow');
  });
});
