// The Hepsiburada listing simulator over real HTTP on a free port, driven through the stock-feed connector where
// the OMS would use it, and by raw requests where the wire itself is the point (bodies, headers, limits).
import { createHepsiburadaStockFeed } from '../../integrations/hepsiburada/stock';
import { deterministicGuid, manualClock, type SimClock } from '../../integrations/sim/http-kit';
import {
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
