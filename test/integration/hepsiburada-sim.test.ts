// The Hepsiburada listing simulator over real HTTP on a free port, driven through the stock-feed connector where
// the OMS would use it, and by raw requests where the wire itself is the point (bodies, headers, limits).
import { createHepsiburadaPackageWriter, type HepsiburadaPackageWriter } from '../../integrations/hepsiburada/packages';
import { createHepsiburadaStockFeed } from '../../integrations/hepsiburada/stock';
import { deterministicGuid, manualClock, type SimClock } from '../../integrations/sim/http-kit';
import {
  HEPSIBURADA_MAX_FEED_PAGE,
  HEPSIBURADA_MISSING_CREDENTIALS,
  HEPSIBURADA_TOO_MANY_UPLOADS,
  type HepsiburadaSimulatorOptions,
  startHepsiburadaSimulator,
} from '../../integrations/sim/hepsiburada';
import type { ChannelStockFeed } from '../../integrations/stock-feed';

const merchantId = '5f3c2b1a-0d9e-4c8b-a7f6-1e2d3c4b5a69';
const credentials = { merchantId, username: merchantId, password: 'service-key-1', userAgent: 'oms_integrator' };
const uploads = `/listings/merchantid/${merchantId}/stock-uploads`;
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
const goodHeaders = {
  authorization: basic(credentials.username, credentials.password),
  'user-agent': credentials.userAgent,
  'content-type': 'application/json',
};

type Sim = Awaited<ReturnType<typeof startHepsiburadaSimulator>>;
let sim: Sim | undefined;
let clock: SimClock;

async function start(extra: Partial<HepsiburadaSimulatorOptions> = {}): Promise<{ sim: Sim; feed: ChannelStockFeed }> {
  clock = manualClock();
  sim = await startHepsiburadaSimulator({ ...credentials, clock, ...extra });
  return { sim, feed: createHepsiburadaStockFeed({ ...credentials, baseUrl: sim.url }) };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const stockOf = async (s: Sim, sku: string) => {
  const res = await fetch(`${s.url}/__admin/stock/${encodeURIComponent(sku)}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('Hepsiburada listing simulator: authentication', () => {
  test('missing credentials, a wrong key and a decorated User-Agent each get 401 "Missing Credentials!" as text', async () => {
    const { sim } = await start();
    const attempts: Record<string, string>[] = [
      { 'user-agent': credentials.userAgent },
      { ...goodHeaders, authorization: basic(credentials.username, 'wrong-key') },
      { ...goodHeaders, 'user-agent': `${credentials.userAgent}/1.0` },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${sim.url}${uploads}`, { method: 'POST', headers, body: '[]' });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(HEPSIBURADA_MISSING_CREDENTIALS);
    }
    expect(sim.state.uploads.size).toBe(0);
  });

  test('the connector with a wrong key fails with kind auth', async () => {
    const { sim } = await start();
    const feed = createHepsiburadaStockFeed({ ...credentials, password: 'old-key', baseUrl: sim.url });
    await expect(feed.submit([{ sku: 'TSHIRT-M', quantity: 3 }])).rejects.toMatchObject({
      name: 'ChannelError',
      channel: 'hepsiburada',
      kind: 'auth',
      status: 401,
      retryable: false,
    });
  });

  test('the request log shows what was sent, with the credentials masked', async () => {
    const { sim, feed } = await start();
    await feed.submit([{ sku: 'TSHIRT-M', quantity: 3 }]);
    const log = (await (await fetch(`${sim.url}/__admin/requests`)).json()) as {
      method: string;
      path: string;
      headers: Record<string, string>;
      body: string;
      status: number;
    }[];
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ method: 'POST', path: uploads, status: 200 });
    expect(log[0]?.headers).toMatchObject({ 'user-agent': 'oms_integrator', authorization: '***' });
    expect(JSON.parse(log[0]?.body ?? '')).toEqual([{ merchantSku: 'TSHIRT-M', availableStock: 3 }]);
  });
});

describe('Hepsiburada listing simulator: stock uploads', () => {
  test('an upload is Processing until its delay has passed; only then does the marketplace show the quantity', async () => {
    const { sim, feed } = await start({ processDelayMs: 300 });
    const { batchId } = await feed.submit([
      { sku: 'TSHIRT-M', quantity: 7 },
      { sku: 'TSHIRT-L', quantity: 0 },
    ]);
    expect(batchId).toBe(deterministicGuid(merchantId, 'stock-upload', '1'));

    clock.advance(299);
    expect(await feed.result(batchId)).toEqual({
      done: false,
      items: [
        { sku: 'TSHIRT-M', status: 'pending' },
        { sku: 'TSHIRT-L', status: 'pending' },
      ],
    });
    expect((await stockOf(sim, 'TSHIRT-M')).status).toBe(404);

    clock.advance(1);
    expect(await feed.result(batchId)).toEqual({
      done: true,
      items: [
        { sku: 'TSHIRT-M', status: 'success' },
        { sku: 'TSHIRT-L', status: 'success' },
      ],
    });
    expect(await stockOf(sim, 'TSHIRT-M')).toEqual({
      status: 200,
      body: { merchantSku: 'TSHIRT-M', availableStock: 7, uploadId: batchId },
    });
    expect((await stockOf(sim, 'TSHIRT-L')).body).toMatchObject({ availableStock: 0 });

    const res = await fetch(`${sim.url}${uploads}/id/${batchId}`, { headers: goodHeaders });
    expect(await res.json()).toEqual({
      id: batchId,
      status: 'Done',
      createdAt: '2026-12-01T09:00:00.000Z',
      total: 2,
      errors: [],
    });
  });

  test('a fresh simulator hands out the same upload ids for the same calls', async () => {
    const first = await start();
    const a = await first.feed.submit([{ sku: 'A', quantity: 1 }]);
    await first.sim.close();
    const second = await start();
    const b = await second.feed.submit([{ sku: 'B', quantity: 2 }]);
    expect(b.batchId).toBe(a.batchId);
  });

  test('rejected rows come back inside a 200 and as failed items with Hepsiburada\'s reason; the rest are applied', async () => {
    const { sim, feed } = await start({ listings: ['TSHIRT-M', 'TSHIRT-L'] });
    sim.state.faults.skuError('TSHIRT-L', 'Ürün satışa kapalı');
    const { batchId } = await feed.submit([
      { sku: 'TSHIRT-M', quantity: 4 },
      { sku: 'TSHIRT-L', quantity: 5 },
      { sku: 'NOT-LISTED', quantity: 1 },
    ]);
    clock.advance(300);
    expect(await feed.result(batchId)).toEqual({
      done: true,
      items: [
        { sku: 'TSHIRT-M', status: 'success' },
        { sku: 'TSHIRT-L', status: 'failed', reason: 'Ürün satışa kapalı' },
        { sku: 'NOT-LISTED', status: 'failed', reason: 'Listing not found for merchantSku NOT-LISTED' },
      ],
    });
    const res = await fetch(`${sim.url}${uploads}/id/${batchId}`, { headers: goodHeaders });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { errors: unknown }).errors).toEqual([
      { elementNo: 1, merchantSku: 'TSHIRT-L', errors: ['Ürün satışa kapalı'] },
      { elementNo: 2, merchantSku: 'NOT-LISTED', errors: ['Listing not found for merchantSku NOT-LISTED'] },
    ]);
    expect((await stockOf(sim, 'TSHIRT-M')).body).toMatchObject({ availableStock: 4 });
    expect((await stockOf(sim, 'TSHIRT-L')).status).toBe(404);
  });

  test('a connector started after the upload (a restart) reads its result by the SKUs the feed recorded as sent in it', async () => {
    const { sim, feed } = await start({ listings: ['TSHIRT-M', 'TSHIRT-L'] });
    sim.state.faults.skuError('TSHIRT-L', 'Ürün satışa kapalı');
    const { batchId } = await feed.submit([
      { sku: 'TSHIRT-M', quantity: 4 },
      { sku: 'TSHIRT-L', quantity: 5 },
    ]);
    clock.advance(300);
    const restarted = createHepsiburadaStockFeed({ ...credentials, baseUrl: sim.url });
    // Without what was sent, only the rejected row can be named.
    expect((await restarted.result(batchId)).items).toEqual([{ sku: 'TSHIRT-L', status: 'failed', reason: 'Ürün satışa kapalı' }]);
    expect(await restarted.result(batchId, ['TSHIRT-M', 'TSHIRT-L'])).toEqual({
      done: true,
      items: [
        { sku: 'TSHIRT-M', status: 'success' },
        { sku: 'TSHIRT-L', status: 'failed', reason: 'Ürün satışa kapalı' },
      ],
    });
  });

  test('rows that break the listing rules are rejected one by one when the upload is processed', async () => {
    const { sim } = await start();
    const post = await fetch(`${sim.url}${uploads}`, {
      method: 'POST',
      headers: goodHeaders,
      body: JSON.stringify([
        { merchantSku: 'OK', availableStock: 2, maximumPurchasableQuantity: 1 },
        { merchantSku: 'NEG', availableStock: -1 },
        { availableStock: 1 },
        { merchantSku: 'FRAC', availableStock: 1.5 },
      ]),
    });
    const { id } = (await post.json()) as { id: string };
    clock.advance(300);
    const result = (await (await fetch(`${sim.url}${uploads}/id/${id}`, { headers: goodHeaders })).json()) as {
      errors: { elementNo: number; errors: string[] }[];
    };
    expect(result.errors.map((e) => [e.elementNo, e.errors])).toEqual([
      [1, ['availableStock must be a non-negative integer']],
      [2, ['merchantSku is required']],
      [3, ['availableStock must be a non-negative integer']],
    ]);
    expect((await stockOf(sim, 'OK')).body).toMatchObject({ availableStock: 2, maximumPurchasableQuantity: 1 });
  });

  test("another merchant's path is 403, a path the simulator does not serve is 404", async () => {
    const { sim } = await start();
    const other = await fetch(`${sim.url}/listings/merchantid/someone-else/stock-uploads`, {
      method: 'POST',
      headers: goodHeaders,
      body: '[]',
    });
    expect([other.status, await other.text()]).toEqual([403, 'Forbidden']);
    const unserved = await fetch(`${sim.url}/listings/merchantid/${merchantId}/inventory-uploads`, {
      method: 'POST',
      headers: goodHeaders,
      body: '[]',
    });
    expect(unserved.status).toBe(404);
  });

  test('an unknown upload id is not_found', async () => {
    const { feed } = await start();
    await expect(feed.result('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      kind: 'not_found',
      status: 404,
    });
  });
});

describe('Hepsiburada listing simulator: limits', () => {
  test('over the rate limit: 429 with X-RateLimit-* headers, rate_limited with the reset as retryAfterMs', async () => {
    const { sim, feed } = await start({ rateLimit: { requests: 2, perMs: 10_000 } });
    const first = await fetch(`${sim.url}${uploads}/id/none`, { headers: goodHeaders });
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await feed.submit([{ sku: 'A', quantity: 1 }]);

    clock.advance(4_000);
    const res = await fetch(`${sim.url}${uploads}`, { method: 'POST', headers: goodHeaders, body: '[]' });
    expect(res.status).toBe(429);
    expect(await res.text()).toBe('TooManyRequest');
    expect(res.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(res.headers.get('x-ratelimit-reset')).toBe('6');

    await expect(feed.submit([{ sku: 'B', quantity: 1 }])).rejects.toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: 6_000,
      retryable: true,
    });
    expect(sim.state.uploads.size).toBe(1);

    clock.advance(6_000);
    await expect(feed.submit([{ sku: 'B', quantity: 1 }])).resolves.toEqual({ batchId: expect.any(String) });
  });

  test('4000 rows are one upload; 4001 are a 400, and the connector refuses them without a request', async () => {
    const { sim, feed } = await start();
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ merchantSku: `SKU-${i}`, availableStock: 1 }));
    const tooMany = await fetch(`${sim.url}${uploads}`, { method: 'POST', headers: goodHeaders, body: JSON.stringify(rows(4001)) });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.text()).toBe('At most 4000 items can be sent in one request');
    const empty = await fetch(`${sim.url}${uploads}`, { method: 'POST', headers: goodHeaders, body: '[]' });
    expect(empty.status).toBe(400);
    const notArray = await fetch(`${sim.url}${uploads}`, { method: 'POST', headers: goodHeaders, body: '{"merchantSku":"A"}' });
    expect(notArray.status).toBe(400);

    const items = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));
    const { batchId } = await feed.submit(items(4000));
    clock.advance(300);
    const result = await feed.result(batchId);
    expect(result.done).toBe(true);
    expect(result.items.filter((i) => i.status === 'success')).toHaveLength(4000);

    const logged = sim.state.requests.entries.length;
    await expect(feed.submit(items(4001))).rejects.toMatchObject({ kind: 'rejected' });
    expect(sim.state.requests.entries).toHaveLength(logged);
  });

  test('a 6th upload while 5 are Processing is refused inside a 200; once they are done it is accepted', async () => {
    const { sim, feed } = await start();
    for (let i = 0; i < 5; i++) await feed.submit([{ sku: `SKU-${i}`, quantity: i }]);

    const raw = await fetch(`${sim.url}${uploads}`, {
      method: 'POST',
      headers: goodHeaders,
      body: JSON.stringify([{ merchantSku: 'SKU-6', availableStock: 1 }]),
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ success: false, message: HEPSIBURADA_TOO_MANY_UPLOADS });

    await expect(feed.submit([{ sku: 'SKU-6', quantity: 1 }])).rejects.toMatchObject({
      kind: 'rejected',
      status: 200,
      message: `hepsiburada: stock upload refused: ${HEPSIBURADA_TOO_MANY_UPLOADS}`,
    });
    expect(sim.state.uploads.size).toBe(5);

    clock.advance(300);
    const { batchId } = await feed.submit([{ sku: 'SKU-6', quantity: 1 }]);
    expect(sim.state.uploads.get(batchId)?.status).toBe('Processing');
  });
});

describe('Hepsiburada listing simulator: outages', () => {
  test('an injected 503 and a closed port are unavailable (retryable); the next call goes through', async () => {
    const { sim: running, feed } = await start();
    running.state.faults.next(uploads, { status: 503, body: 'Service Unavailable' });
    await expect(feed.submit([{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({
      kind: 'unavailable',
      status: 503,
      retryable: true,
    });
    await expect(feed.submit([{ sku: 'A', quantity: 1 }])).resolves.toEqual({ batchId: expect.any(String) });

    const url = running.url;
    await running.close();
    sim = undefined;
    const closed = createHepsiburadaStockFeed({ ...credentials, baseUrl: url });
    await expect(closed.submit([{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({ kind: 'unavailable', status: undefined });
  });

  test('faults can be armed over HTTP, as a 429 with its own headers', async () => {
    const { sim, feed } = await start();
    const arm = await fetch(`${sim.url}/__admin/faults`, {
      method: 'POST',
      body: JSON.stringify({ path: uploads, status: 429, body: 'TooManyRequest' }),
    });
    expect(arm.status).toBe(204);
    await expect(feed.submit([{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: undefined,
    });
  });
});

describe('Hepsiburada simulator: unpack and split (merchant cargo)', () => {
  const packages = `/packages/merchantid/${merchantId}`;
  const orderNumber = '4420000001';

  /** A simulator with a two-line order packed into one package; the writer is the OMS's own connector. */
  async function packedOrder(): Promise<{ sim: Sim; writer: HepsiburadaPackageWriter; lineIds: string[]; packageNumber: string }> {
    const { sim } = await start();
    const writer = createHepsiburadaPackageWriter({ ...credentials, baseUrl: sim.url });
    const lines = sim.state.addOrderLines(
      [
        { orderNumber, merchantSKU: 'MUG-1', quantity: 2 },
        { orderNumber, merchantSKU: 'MUG-2', quantity: 1 },
      ],
      { webhook: false },
    );
    const lineIds = lines.map((l) => l.id);
    const { packageNumber } = await writer.createPackage([
      { lineItemId: lineIds[0]!, quantity: 2 },
      { lineItemId: lineIds[1]!, quantity: 1 },
    ]);
    return { sim, writer, lineIds, packageNumber };
  }

  const get = async (s: Sim, path: string) => {
    const res = await fetch(`${s.url}${path}`, { headers: goodHeaders });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (s: Sim, path: string, body?: unknown) => {
    const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: goodHeaders, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, text: await res.text() };
  };
  const toPack = async (s: Sim) => ((await get(s, `/orders/merchantid/${merchantId}?limit=100`)).body.items as { id: string }[]).map((l) => l.id);

  test('unpack retires the packageNumber (UnPacked) and puts its lines back among the packable lines, unpacked in the order detail', async () => {
    const { sim, lineIds, packageNumber } = await packedOrder();
    expect(await toPack(sim)).toEqual([]);

    clock.advance(60_000);
    const res = await post(sim, `${packages}/packagenumber/${packageNumber}/unpack`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ packageNumber, status: 'UnPacked' });

    const pkg = await get(sim, `${packages}/packagenumber/${packageNumber}`);
    expect(pkg).toMatchObject({ status: 200, body: { packageNumber, status: 'UnPacked', unpackedDate: '2026-12-01T09:01:00.000Z' } });
    // Back in "to pack" (GET /orders), and the order detail shows the lines open, with no packageNumber.
    expect(await toPack(sim)).toEqual(lineIds);
    const detail = (await get(sim, `/orders/merchantid/${merchantId}/ordernumber/${orderNumber}`)).body.items as Record<string, unknown>[];
    expect(detail.map((l) => [l.id, l.status, l.packageNumber, l.canCreatePackage])).toEqual([
      [lineIds[0], 'Open', undefined, true],
      [lineIds[1], 'Open', undefined, true],
    ]);
  });

  test('the lines of an unpacked package are packed anew under a new packageNumber, and can be cancelled by the merchant', async () => {
    const { sim, writer, lineIds, packageNumber } = await packedOrder();
    await expect(writer.cancelLine(lineIds[1]!, 83)).rejects.toThrow('cannot be cancelled');
    await writer.unpack(packageNumber);

    await writer.cancelLine(lineIds[1]!, 83);
    expect(sim.state.orderLines.get(lineIds[1]!)).toMatchObject({ status: 'CancelledByMerchant', cancelReasonId: 83 });
    const again = await writer.createPackage([{ lineItemId: lineIds[0]!, quantity: 2 }]);
    expect(again.packageNumber).not.toBe(packageNumber);
    expect(sim.state.packages.get(again.packageNumber)).toMatchObject({ status: 'Packed', items: [{ lineItemId: lineIds[0], quantity: 2 }] });
    expect(sim.state.packages.get(packageNumber)?.status).toBe('UnPacked');
    const lines = await writer.orderLines(orderNumber);
    expect(lines?.map((l) => [l.lineItemId, l.status, l.packageNumber])).toEqual([
      [lineIds[0], 'Packed', again.packageNumber],
      [lineIds[1], 'CancelledByMerchant', null],
    ]);
  });

  test('a package in transit, delivered or undelivered cannot be unpacked: 400 with a bare string, nothing changes', async () => {
    const { sim, writer, lineIds, packageNumber } = await packedOrder();
    const at = () => new Date(clock.now()).toISOString();
    await writer.inTransit(packageNumber, { shippedDate: at(), trackingNumber: 'YK1', trackingUrl: 'https://t.example/YK1' });
    const inTransit = await post(sim, `${packages}/packagenumber/${packageNumber}/unpack`);
    expect(inTransit).toEqual({ status: 400, text: `Package ${packageNumber} is InTransit and cannot be unpacked` });
    await expect(writer.unpack(packageNumber)).rejects.toMatchObject({ name: 'ChannelError', kind: 'rejected', status: 400 });
    expect(sim.state.packages.get(packageNumber)?.status).toBe('InTransit');
    expect([...sim.state.orderLines.values()].map((l) => l.packageNumber)).toEqual([packageNumber, packageNumber]);
    expect(await toPack(sim)).toEqual([]);

    await writer.deliver(packageNumber, { receivedDate: at(), receivedBy: 'Ayşe Yılmaz' });
    expect(await post(sim, `${packages}/packagenumber/${packageNumber}/unpack`)).toEqual({ status: 400, text: `Package ${packageNumber} is Delivered and cannot be unpacked` });

    const other = await packedOrderLine(sim, writer);
    await writer.inTransit(other, { shippedDate: at(), trackingNumber: 'YK2', trackingUrl: 'https://t.example/YK2' });
    await writer.undeliver(other, { undeliveredDate: at(), undeliveredReason: 'delivery_failed' });
    expect(await post(sim, `${packages}/packagenumber/${other}/unpack`)).toEqual({ status: 400, text: `Package ${other} is Undelivered and cannot be unpacked` });
    expect(sim.state.orderLines.get(lineIds[0]!)?.packageNumber).toBe(packageNumber);
  });

  /** One more order, one line, packed; its packageNumber. */
  async function packedOrderLine(s: Sim, writer: HepsiburadaPackageWriter): Promise<string> {
    const [line] = s.state.addOrderLines([{ orderNumber: '4420000002', merchantSKU: 'MUG-3' }], { webhook: false });
    return (await writer.createPackage([{ lineItemId: line!.id, quantity: 1 }])).packageNumber;
  }

  test('every call on a retired packageNumber answers 400 (unpack again, invoice, intransit); reading it still shows UnPacked', async () => {
    const { sim, writer, packageNumber } = await packedOrder();
    await writer.unpack(packageNumber);
    const retired = `Package ${packageNumber} is UnPacked: its packageNumber is retired`;
    expect(await post(sim, `${packages}/packagenumber/${packageNumber}/unpack`)).toEqual({ status: 400, text: retired });
    await expect(writer.unpack(packageNumber)).rejects.toMatchObject({ kind: 'rejected', status: 400, message: expect.stringContaining(retired) });
    await expect(writer.invoice(packageNumber, 'https://invoices.example/1.pdf')).rejects.toMatchObject({ kind: 'rejected', status: 400 });
    await expect(
      writer.inTransit(packageNumber, { shippedDate: new Date(clock.now()).toISOString(), trackingNumber: 'YK1', trackingUrl: 'https://t.example/YK1' }),
    ).rejects.toMatchObject({ kind: 'rejected', status: 400, message: expect.stringContaining(retired) });
    expect(sim.state.packages.get(packageNumber)?.invoice).toBeUndefined();
    expect(await writer.packageStatus(packageNumber)).toEqual({ packageNumber, status: 'UnPacked' });
    // Not a route: a GET of …/unpack is a 404, as any unknown call.
    expect((await fetch(`${sim.url}${packages}/packagenumber/${packageNumber}/unpack`, { headers: goodHeaders })).status).toBe(404);
    // An unknown packageNumber is a 404.
    await expect(writer.unpack('HBP9999999999')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
  });

  test('GET …/status/unpacked lists the retired packages in the order they were unpacked, paged by limit (≤50) and offset', async () => {
    const { sim, writer, packageNumber } = await packedOrder();
    const second = await packedOrderLine(sim, writer);
    const third = await packedOrderLine(sim, writer);
    expect((await get(sim, `${packages}/status/unpacked`)).body).toEqual({ items: [], limit: HEPSIBURADA_MAX_FEED_PAGE, offset: 0, pageCount: 0, totalCount: 0 });

    await writer.unpack(third);
    clock.advance(1_000);
    await writer.unpack(packageNumber);
    const all = await get(sim, `${packages}/status/unpacked`);
    expect(all.status).toBe(200);
    expect((all.body.items as Record<string, unknown>[]).map((p) => [p.packageNumber, p.status])).toEqual([
      [third, 'UnPacked'],
      [packageNumber, 'UnPacked'],
    ]);
    expect((all.body.items as Record<string, unknown>[])[1]).toMatchObject({ unpackedDate: '2026-12-01T09:00:01.000Z', items: [{ merchantSku: 'MUG-1' }, { merchantSku: 'MUG-2' }] });
    const page = await get(sim, `${packages}/status/unpacked?limit=1&offset=1`);
    expect(page.body).toMatchObject({ limit: 1, offset: 1, pageCount: 2, totalCount: 2 });
    expect((page.body.items as Record<string, unknown>[]).map((p) => p.packageNumber)).toEqual([packageNumber]);
    // The one still packed is not in the feed.
    expect(JSON.stringify(all.body)).not.toContain(second);

    const tooMany = await fetch(`${sim.url}${packages}/status/unpacked?limit=51`, { headers: goodHeaders });
    expect([tooMany.status, await tooMany.text()]).toEqual([400, 'limit must be between 1 and 50']);
  });

  const detail = async (s: Sim) => (await get(s, `/orders/merchantid/${merchantId}/ordernumber/${orderNumber}`)).body.items as Record<string, unknown>[];

  test('split retires the packageNumber (UnPacked, in /status/unpacked), packs the kept units anew and cancels one unit of a line with its reason', async () => {
    const { sim, writer, lineIds, packageNumber } = await packedOrder();
    clock.advance(60_000);
    const res = await post(sim, `${packages}/packagenumber/${packageNumber}/split`, {
      packageDetails: [{ lines: [{ orderLineId: lineIds[0], quantity: 1 }, { orderLineId: lineIds[1], quantity: 1 }], parcelQuantity: 1, deci: 1 }],
      cancelledItems: [{ orderLineId: lineIds[0], quantity: 1, cancelReasonId: 83 }],
    });
    expect(res.status).toBe(200);
    const answer = JSON.parse(res.text) as { packageNumber: string; status: string; packages: { packageNumber: string; barcode: string }[] };
    expect(answer).toMatchObject({ packageNumber, status: 'UnPacked', packages: [{ packageNumber: expect.any(String), barcode: expect.any(String) }] });
    const fresh = answer.packages[0]!.packageNumber;
    expect(fresh).not.toBe(packageNumber);

    expect(await get(sim, `${packages}/packagenumber/${packageNumber}`)).toMatchObject({ body: { status: 'UnPacked', unpackedDate: '2026-12-01T09:01:00.000Z' } });
    const unpacked = (await get(sim, `${packages}/status/unpacked`)).body.items as { packageNumber: string }[];
    expect(unpacked.map((p) => p.packageNumber)).toEqual([packageNumber]);
    expect((await get(sim, `${packages}/packagenumber/${fresh}`)).body).toMatchObject({
      status: 'Packed',
      items: [
        { lineItemId: lineIds[0], merchantSku: 'MUG-1', quantity: 1 },
        { lineItemId: lineIds[1], merchantSku: 'MUG-2', quantity: 1 },
      ],
    });
    // The order detail: the line keeps 1 unit in the new package; its cancelled unit is a line record of its own.
    const items = await detail(sim);
    expect(items.map((l) => [l.id, l.merchantSKU, l.quantity, l.status, l.packageNumber ?? null])).toEqual([
      [lineIds[0], 'MUG-1', 1, 'Packed', fresh],
      [lineIds[1], 'MUG-2', 1, 'Packed', fresh],
      [expect.any(String), 'MUG-1', 1, 'CancelledByMerchant', null],
    ]);
    expect(items[2]).toMatchObject({ cancelReasonId: 83, splitFromLineItemId: lineIds[0], totalPrice: { amount: 100 } });
    expect(items[0]).toMatchObject({ totalPrice: { amount: 100 } });
    expect(await toPack(sim)).toEqual([]);
    // The connector reads the same: the kept units packed in the new package, the cancelled one cancelled.
    expect((await writer.orderLines(orderNumber))?.map((l) => [l.merchantSku, l.quantity, l.status, l.packageNumber])).toEqual([
      ['MUG-1', 1, 'Packed', fresh],
      ['MUG-2', 1, 'Packed', fresh],
      ['MUG-1', 1, 'CancelledByMerchant', null],
    ]);
  });

  test('the connector splits a package into two, each with its lines, and resolves with the new packageNumbers in order', async () => {
    const { sim, writer, lineIds, packageNumber } = await packedOrder();
    const made = await writer.split(packageNumber, {
      packages: [{ lines: [{ lineItemId: lineIds[1]!, quantity: 1 }] }, { lines: [{ lineItemId: lineIds[0]!, quantity: 2 }] }],
      cancelled: [],
    });
    expect(made).toHaveLength(2);
    const split = sim.state.requests.entries.at(-1)!;
    expect(split.path).toBe(`${packages}/packagenumber/${packageNumber}/split`);
    expect(JSON.parse(split.body)).toEqual({
      packageDetails: [
        { lines: [{ orderLineId: lineIds[1], quantity: 1 }], parcelQuantity: 1, deci: 1 },
        { lines: [{ orderLineId: lineIds[0], quantity: 2 }], parcelQuantity: 1, deci: 1 },
      ],
      cancelledItems: [],
    });
    expect(sim.state.packages.get(made[0]!)?.items.map((i) => [i.lineItemId, i.quantity])).toEqual([[lineIds[1], 1]]);
    expect(sim.state.packages.get(made[1]!)?.items.map((i) => [i.lineItemId, i.quantity])).toEqual([[lineIds[0], 2]]);
    expect(sim.state.packages.get(packageNumber)).toMatchObject({ status: 'UnPacked', splitInto: made });
    expect((await writer.orderLines(orderNumber))?.map((l) => l.packageNumber)).toEqual([made[1], made[0]]);
  });

  test('a split that does not account for every unit, names a line not in the package, or a quantity ≤ 0 is a 400 with a bare string, and nothing changes', async () => {
    const { sim, writer, lineIds, packageNumber } = await packedOrder();
    const other = sim.state.addOrderLines([{ orderNumber: '4420000009', merchantSKU: 'MUG-9', quantity: 1 }], { webhook: false })[0]!.id;
    const path = `${packages}/packagenumber/${packageNumber}/split`;
    const lines = (a: number, b: number) => [{ orderLineId: lineIds[0], quantity: a }, { orderLineId: lineIds[1], quantity: b }];
    const refusals: [unknown, string][] = [
      [{ packageDetails: [{ lines: lines(1, 1) }] }, `Line item ${lineIds[0]}: packageDetails and cancelledItems hold 1 units, the package holds 2`],
      [{ packageDetails: [{ lines: lines(2, 1) }], cancelledItems: [{ orderLineId: lineIds[1], quantity: 1, cancelReasonId: 83 }] }, `Line item ${lineIds[1]}: packageDetails and cancelledItems hold 2 units, the package holds 1`],
      [{ packageDetails: [{ lines: [...lines(2, 1), { orderLineId: other, quantity: 1 }] }] }, `packageDetails[0].lines[2].orderLineId: line item not found in package ${packageNumber}`],
      [{ packageDetails: [{ lines: lines(2, 1) }], cancelledItems: [{ orderLineId: 'no-such-line', quantity: 1, cancelReasonId: 83 }] }, `cancelledItems[0].orderLineId: line item not found in package ${packageNumber}`],
      [{ packageDetails: [{ lines: lines(2, 0) }], cancelledItems: [{ orderLineId: lineIds[1], quantity: 1, cancelReasonId: 83 }] }, 'packageDetails[0].lines[1].quantity must be a positive integer'],
      [{ packageDetails: [{ lines: lines(2, 1) }], cancelledItems: [{ orderLineId: lineIds[1], quantity: -1, cancelReasonId: 83 }] }, 'cancelledItems[0].quantity must be a positive integer'],
      [{ packageDetails: [{ lines: lines(1, 1) }], cancelledItems: [{ orderLineId: lineIds[0], quantity: 1 }] }, 'cancelledItems[0].cancelReasonId is required'],
      [{ packageDetails: [], cancelledItems: [] }, 'packageDetails must be a non-empty list'],
      [{ packageDetails: [{ lines: lines(2, 1) }] }, `Package ${packageNumber}: the split changes nothing`],
    ];
    for (const [body, text] of refusals) expect(await post(sim, path, body)).toEqual({ status: 400, text });
    await expect(writer.split(packageNumber, { packages: [{ lines: [{ lineItemId: lineIds[0]!, quantity: 2 }] }], cancelled: [] })).rejects.toMatchObject({
      name: 'ChannelError',
      kind: 'rejected',
      status: 400,
    });
    expect(sim.state.packages.get(packageNumber)?.status).toBe('Packed');
    expect(sim.state.packages.size).toBe(1);
    expect((await detail(sim)).map((l) => [l.quantity, l.status, l.packageNumber])).toEqual([
      [2, 'Packed', packageNumber],
      [1, 'Packed', packageNumber],
    ]);
  });

  test('a package in transit cannot be split, nor a retired one split again: 400, nothing changes', async () => {
    const { sim, writer, lineIds, packageNumber } = await packedOrder();
    const body = { packageDetails: [{ lines: [{ orderLineId: lineIds[0], quantity: 2 }] }], cancelledItems: [{ orderLineId: lineIds[1], quantity: 1, cancelReasonId: 83 }] };
    const [fresh] = await writer.split(packageNumber, { packages: [{ lines: [{ lineItemId: lineIds[0]!, quantity: 2 }] }], cancelled: [{ lineItemId: lineIds[1]!, quantity: 1, reasonId: 83 }] });
    expect(await post(sim, `${packages}/packagenumber/${packageNumber}/split`, body)).toEqual({ status: 400, text: `Package ${packageNumber} is UnPacked: its packageNumber is retired` });

    await writer.inTransit(fresh!, { shippedDate: new Date(clock.now()).toISOString(), trackingNumber: 'YK1', trackingUrl: 'https://t.example/YK1' });
    const inTransit = { packageDetails: [{ lines: [{ orderLineId: lineIds[0], quantity: 1 }] }], cancelledItems: [{ orderLineId: lineIds[0], quantity: 1, cancelReasonId: 83 }] };
    expect(await post(sim, `${packages}/packagenumber/${fresh}/split`, inTransit)).toEqual({ status: 400, text: `Package ${fresh} is InTransit and cannot be split` });
    expect(sim.state.orderLines.get(lineIds[0]!)).toMatchObject({ status: 'Packed', packageNumber: fresh, quantity: 2 });
    expect(sim.state.packages.size).toBe(2);
  });

  test('the connector refuses an empty packageNumber without a request', async () => {
    const { sim, writer } = await packedOrder();
    const logged = sim.state.requests.entries.length;
    await expect(writer.unpack('')).rejects.toMatchObject({ kind: 'rejected', message: expect.stringContaining('a packageNumber is required') });
    expect(sim.state.requests.entries).toHaveLength(logged);
  });
});
