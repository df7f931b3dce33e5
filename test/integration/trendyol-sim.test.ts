// The Trendyol simulator over real HTTP on a free loopback port, and the Trendyol stock-feed connector against it.
// Where the connector is the subject the test goes through it; where the simulator's refusal is the subject (the
// exact status and body Trendyol sends), through a raw request.
import { request } from 'node:http';
import { ChannelError } from '../../integrations/stock-feed';
import {
  startTrendyolSimulator,
  TRENDYOL_DUPLICATE_MESSAGE,
  type TrendyolSimulator,
  type TrendyolSimulatorOptions,
} from '../../integrations/sim/trendyol';
import { createTrendyolStockFeed } from '../../integrations/trendyol/stock';

const SELLER = '123456';
const KEY = 'sim-api-key';
const SECRET = 'sim-api-secret';
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

let sim: TrendyolSimulator | undefined;
let clock = T0;

async function start(options: Partial<TrendyolSimulatorOptions> = {}): Promise<TrendyolSimulator> {
  clock = T0;
  const base = { sellerId: SELLER, apiKey: KEY, apiSecret: SECRET, now: () => clock };
  sim = await startTrendyolSimulator({ ...base, ...options });
  return sim;
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function feedFor(s: TrendyolSimulator, overrides: { apiSecret?: string } = {}) {
  return createTrendyolStockFeed({
    baseUrl: `${s.url}/integration`,
    sellerId: SELLER,
    apiKey: KEY,
    apiSecret: overrides.apiSecret ?? SECRET,
    integrator: 'OmsTest',
  });
}

const goodHeaders = {
  authorization: `Basic ${Buffer.from(`${KEY}:${SECRET}`).toString('base64')}`,
  'user-agent': `${SELLER} - OmsTest`,
  'content-type': 'application/json',
};

async function rawSubmit(
  s: TrendyolSimulator,
  body: unknown,
  headers: Record<string, string> = goodHeaders,
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${s.url}/integration/inventory/sellers/${SELLER}/products/price-and-inventory`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** node:http, because fetch always sends a User-Agent of its own. */
function postWithoutUserAgent(s: TrendyolSimulator, body: unknown): Promise<{ status: number; text: string }> {
  const url = new URL(`${s.url}/integration/inventory/sellers/${SELLER}/products/price-and-inventory`);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', headers: { authorization: goodHeaders.authorization, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('Trendyol simulator: auth and headers', () => {
  test('wrong credentials: 401 with the ClientApiAuthenticationException body; the connector says auth', async () => {
    const s = await start();
    const wrong = { ...goodHeaders, authorization: `Basic ${Buffer.from(`${KEY}:nope`).toString('base64')}` };
    const raw = await rawSubmit(s, { items: [{ barcode: 'B1', quantity: 1 }] }, wrong);
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.text)).toEqual({ exception: 'ClientApiAuthenticationException' });

    await expect(feedFor(s, { apiSecret: 'nope' }).submit([{ sku: 'B1', quantity: 1 }])).rejects.toMatchObject({
      name: 'ChannelError',
      channel: 'trendyol',
      kind: 'auth',
      status: 401,
    });
  });

  test('a missing User-Agent gets 403, and so does one not starting with the seller id', async () => {
    const s = await start();
    const body = { items: [{ barcode: 'B1', quantity: 1 }] };
    const missing = await postWithoutUserAgent(s, body);
    expect(missing.status).toBe(403);

    const otherSeller = await rawSubmit(s, body, { ...goodHeaders, 'user-agent': '999 - OmsTest' });
    expect(otherSeller.status).toBe(403);
    expect(s.state.stock('B1')).toEqual({ barcode: 'B1', quantity: null, salePrice: null, listPrice: null });
    expect(s.state.requests().map((r) => r.status)).toEqual([403, 403]);
  });

  test('a path sellerId other than the key pair\'s is refused as bad credentials', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/integration/inventory/sellers/999/products/price-and-inventory`, {
      method: 'POST',
      headers: goodHeaders,
      body: JSON.stringify({ items: [{ barcode: 'B1', quantity: 1 }] }),
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ exception: 'ClientApiAuthenticationException' });
  });
});

describe('Trendyol simulator: batches', () => {
  test('a batch resolves after the delay with per-item statuses; the shown quantity changes only then', async () => {
    const s = await start({ batchDelayMs: 300 });
    s.state.list(['B1', 'B2', 'B3']);
    const feed = feedFor(s);

    const { batchId } = await feed.submit([
      { sku: 'B1', quantity: 7 },
      { sku: 'B2', quantity: 20_001 },
      { sku: 'UNKNOWN', quantity: 1 },
    ]);
    expect(await feed.result(batchId)).toEqual({
      done: false,
      items: [
        { sku: 'B1', status: 'pending' },
        { sku: 'B2', status: 'pending' },
        { sku: 'UNKNOWN', status: 'pending' },
      ],
    });
    expect(s.state.stock('B1')?.quantity).toBeNull();

    clock += 299;
    expect((await feed.result(batchId)).done).toBe(false);
    expect(s.state.stock('B1')?.quantity).toBeNull();

    clock += 1;
    const resolved = await feed.result(batchId);
    expect(resolved.done).toBe(true);
    expect(resolved.items).toEqual([
      { sku: 'B1', status: 'success' },
      { sku: 'B2', status: 'failed', reason: 'quantity must be an integer from 0 to 20000, got 20001' },
      { sku: 'UNKNOWN', status: 'failed', reason: `Barcode UNKNOWN is not a listed product of seller ${SELLER}` },
    ]);
    expect(s.state.stock('B1')?.quantity).toBe(7);
    expect(s.state.stock('B2')?.quantity).toBeNull();
    expect(s.state.stock('UNKNOWN')).toBeUndefined();

    const admin = await fetch(`${s.url}/__admin/stock/B1`);
    expect(await admin.json()).toEqual({ barcode: 'B1', quantity: 7, salePrice: null, listPrice: null });
    expect((await fetch(`${s.url}/__admin/stock/UNKNOWN`)).status).toBe(404);
  });

  test('the result body has Trendyol\'s shape: no top-level status, normalized barcodes, counts', async () => {
    const s = await start({ batchDelayMs: 300 });
    const submitted = await rawSubmit(s, {
      items: [
        { barcode: 'AB 12 3', quantity: 3, salePrice: 99.9, listPrice: 129.9 },
        { barcode: 'C1', salePrice: 150, listPrice: 100 },
      ],
    });
    expect(submitted.status).toBe(200);
    const { batchRequestId } = JSON.parse(submitted.text) as { batchRequestId: string };
    clock += 300;

    const resultUrl = `${s.url}/integration/product/sellers/${SELLER}/products/batch-requests/${batchRequestId}`;
    const res = await fetch(resultUrl, { headers: goodHeaders });
    expect(await res.json()).toEqual({
      batchRequestId,
      batchRequestType: 'ProductInventoryUpdate',
      creationDate: T0,
      lastModification: T0 + 300,
      sourceType: 'API',
      itemCount: 2,
      failedItemCount: 1,
      items: [
        {
          requestItem: { barcode: 'AB123', quantity: 3, salePrice: 99.9, listPrice: 129.9 },
          status: 'SUCCESS',
          failureReasons: [],
        },
        {
          requestItem: { barcode: 'C1', salePrice: 150, listPrice: 100 },
          status: 'FAILED',
          failureReasons: ['listPrice (100) must not be lower than salePrice (150)'],
        },
      ],
    });
    expect(s.state.stock('AB 123')).toEqual({ barcode: 'AB123', quantity: 3, salePrice: 99.9, listPrice: 129.9 });
  });

  test('with the real clock a polled batch finishes', async () => {
    sim = await startTrendyolSimulator({ sellerId: SELLER, apiKey: KEY, apiSecret: SECRET, batchDelayMs: 20 });
    const feed = feedFor(sim);
    const { batchId } = await feed.submit([{ sku: 'R1', quantity: 4 }]);
    let result = await feed.result(batchId);
    // Bounded, so a batch that never resolves fails here instead of at Jest's timeout; no claim about how long it took.
    for (let polls = 0; !result.done && polls < 500; polls++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      result = await feed.result(batchId);
    }
    expect(result.done).toBe(true);
    expect(result.items).toEqual([{ sku: 'R1', status: 'success' }]);
    expect(sim.state.stock('R1')?.quantity).toBe(4);
  });

  test('batch ids are deterministic: the same seed gives the same ids in the same order', async () => {
    const ids: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const s = await start({ seed: 'fixed' });
      const feed = feedFor(s);
      ids.push([
        (await feed.submit([{ sku: 'D1', quantity: 1 }])).batchId,
        (await feed.submit([{ sku: 'D1', quantity: 2 }])).batchId,
      ]);
      await s.close();
      sim = undefined;
    }
    expect(ids[1]).toEqual(ids[0]);
    expect(ids[0]?.[0]).not.toBe(ids[0]?.[1]);
  });

  test('results are gone (404) 4 hours after the submit; the connector says not_found', async () => {
    const s = await start({ batchDelayMs: 300 });
    const feed = feedFor(s);
    const { batchId } = await feed.submit([{ sku: 'E1', quantity: 5 }]);

    clock = T0 + 4 * 3_600_000 - 1;
    expect(await feed.result(batchId)).toEqual({ done: true, items: [{ sku: 'E1', status: 'success' }] });

    clock = T0 + 4 * 3_600_000;
    await expect(feed.result(batchId)).rejects.toMatchObject({ kind: 'not_found', status: 404 });
    await expect(feed.result('no-such-batch')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
  });

  test('an injected FAILED item comes back failed with its reason and leaves that barcode\'s stock alone', async () => {
    const s = await start({ batchDelayMs: 0 });
    const feed = feedFor(s);
    s.state.faults.failItem('F1', 'Ürün satışa kapalı');
    const { batchId } = await feed.submit([
      { sku: 'F1', quantity: 9 },
      { sku: 'F2', quantity: 9 },
    ]);
    expect(await feed.result(batchId)).toEqual({
      done: true,
      items: [
        { sku: 'F1', status: 'failed', reason: 'Ürün satışa kapalı' },
        { sku: 'F2', status: 'success' },
      ],
    });
    expect(s.state.stock('F1')?.quantity).toBeNull();
    expect(s.state.stock('F2')?.quantity).toBe(9);

    // Used once: the next batch for F1 succeeds.
    const again = await feed.submit([{ sku: 'F1', quantity: 8 }]);
    expect((await feed.result(again.batchId)).items).toEqual([{ sku: 'F1', status: 'success' }]);
  });
});

describe('Trendyol simulator: refusals', () => {
  test('an identical body within 15 minutes: the Turkish refusal; the connector says duplicate', async () => {
    const s = await start();
    const feed = feedFor(s);
    const items = [{ sku: 'G1', quantity: 3 }];
    await feed.submit(items);

    const refused = feed.submit(items);
    await expect(refused).rejects.toBeInstanceOf(ChannelError);
    await expect(refused).rejects.toMatchObject({ kind: 'duplicate', status: 400, retryable: false });

    // The same body with its keys in another order and extra whitespace is still the same body.
    const raw = await rawSubmit(s, { items: [{ quantity: 3, barcode: 'G1' }] });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toEqual({
      errors: [{ key: 'duplicate.request', message: TRENDYOL_DUPLICATE_MESSAGE, errorCode: '400' }],
    });
    expect(TRENDYOL_DUPLICATE_MESSAGE).toBe('15 dakika boyunca aynı isteği tekrarlı olarak atamazsınız!');

    // A changed body is a new request.
    await expect(feed.submit([{ sku: 'G1', quantity: 4 }])).resolves.toHaveProperty('batchId');

    clock = T0 + 15 * 60_000 - 1;
    await expect(feed.submit(items)).rejects.toMatchObject({ kind: 'duplicate' });
    clock = T0 + 15 * 60_000;
    await expect(feed.submit(items)).resolves.toHaveProperty('batchId');
  });

  test('the duplicate status is configurable; the connector recognizes the refusal by its message', async () => {
    const s = await start({ duplicateStatus: 409 });
    const feed = feedFor(s);
    await feed.submit([{ sku: 'H1', quantity: 1 }]);
    await expect(feed.submit([{ sku: 'H1', quantity: 1 }])).rejects.toMatchObject({ kind: 'duplicate', status: 409 });
  });

  test('more than 1000 items: 400 with the product error envelope; the connector refuses before sending', async () => {
    const s = await start();
    const items = Array.from({ length: 1001 }, (_, i) => ({ barcode: `K${i}`, quantity: 1 }));
    const raw = await rawSubmit(s, { items });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toEqual({
      errors: [
        { key: 'items.size.exceeded', message: 'items may hold at most 1000 entries, got 1001', errorCode: '400' },
      ],
    });

    const feed = feedFor(s);
    expect(feed.maxBatchItems).toBe(1000);
    await expect(feed.submit(items.map((i) => ({ sku: i.barcode, quantity: 1 })))).rejects.toMatchObject({
      kind: 'rejected',
    });
    expect(s.state.requests()).toHaveLength(1);

    // Exactly 1000 is accepted.
    expect((await rawSubmit(s, { items: items.slice(0, 1000) })).status).toBe(200);
  });

  test('a malformed body is a 400 the connector calls rejected', async () => {
    const s = await start();
    const raw = await rawSubmit(s, { items: [{ barcode: 'M1', quantity: 'ten' }] });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.text)).toEqual({
      errors: [{ key: 'invalid.quantity', message: 'items[0].quantity must be a number', errorCode: '400' }],
    });
    const feed = feedFor(s);
    await expect(feed.submit([{ sku: ' ', quantity: 1 }])).rejects.toMatchObject({ kind: 'rejected', status: 400 });
  });

  test('the 51st request in 10 s: 429 too.many.requests, no rate headers; connector: rate_limited', async () => {
    const s = await start();
    const feed = feedFor(s);
    let firstBatch = '';
    for (let i = 0; i < 50; i++) {
      const { batchId } = await feed.submit([{ sku: 'L1', quantity: i }]);
      firstBatch ||= batchId;
    }
    await expect(feed.submit([{ sku: 'L1', quantity: 50 }])).rejects.toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryable: true,
    });

    const raw = await rawSubmit(s, { items: [{ barcode: 'L1', quantity: 51 }] });
    expect(raw.status).toBe(429);
    expect(raw.text).toBe('too.many.requests');
    expect([...raw.headers.keys()].filter((h) => /retry-after|ratelimit/i.test(h))).toEqual([]);

    // Per endpoint: the result endpoint has its own 50.
    await expect(feed.result(firstBatch)).resolves.toHaveProperty('items');

    clock += 9_999;
    await expect(feed.submit([{ sku: 'L1', quantity: 52 }])).rejects.toMatchObject({ kind: 'rate_limited' });
    clock += 1;
    await expect(feed.submit([{ sku: 'L1', quantity: 53 }])).resolves.toHaveProperty('batchId');
  });

  test('injected faults: a 500 is unavailable, a 429 is rate_limited, each used once', async () => {
    const s = await start();
    const feed = feedFor(s);
    const path = `/inventory/sellers/${SELLER}/products/price-and-inventory`;
    s.state.faults.next(path, { status: 500, body: { error: 'Internal Server Error', message: 'boom' } });
    s.state.faults.next(`/integration${path}`, { status: 429, body: 'too.many.requests' });

    const item = [{ sku: 'N1', quantity: 1 }];
    await expect(feed.submit(item)).rejects.toMatchObject({ kind: 'unavailable', status: 500 });
    await expect(feed.submit(item)).rejects.toMatchObject({ kind: 'rate_limited', status: 429 });
    await expect(feed.submit(item)).resolves.toHaveProperty('batchId');

    const log = (await (await fetch(`${s.url}/__admin/requests`)).json()) as { status: number; injected?: boolean }[];
    expect(log.map((r) => [r.status, r.injected ?? false])).toEqual([
      [500, true],
      [429, true],
      [200, false],
    ]);
  });

  test('a closed port is unavailable', async () => {
    const s = await start();
    const feed = feedFor(s);
    await s.close();
    sim = undefined;
    await expect(feed.submit([{ sku: 'P1', quantity: 1 }])).rejects.toMatchObject({ kind: 'unavailable' });
  });
});

describe('Trendyol simulator: the request log', () => {
  test('records method, path, User-Agent, the API key (never the secret), body and answer', async () => {
    const s = await start();
    const feed = feedFor(s);
    await feed.submit([{ sku: 'Q1', quantity: 2 }]);
    const [entry] = s.state.requests();
    expect(entry).toMatchObject({
      seq: 1,
      at: T0,
      method: 'POST',
      path: `/integration/inventory/sellers/${SELLER}/products/price-and-inventory`,
      userAgent: `${SELLER} - OmsTest`,
      apiKey: KEY,
      body: { items: [{ barcode: 'Q1', quantity: 2 }] },
      status: 200,
    });
    expect(JSON.stringify(s.state.requests())).not.toContain(SECRET);
  });
});

describe('the package stream', () => {
  const DAY = 24 * 3600_000;
  const streamUrl = (s: TrendyolSimulator, query: Record<string, string | number>) =>
    `${s.url}/integration/order/sellers/${SELLER}/orders/stream?${new URLSearchParams(Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]))).toString()}`;
  const get = async (url: string) => {
    const res = await fetch(url, { headers: goodHeaders });
    return { status: res.status, body: (await res.json()) as { content: { shipmentPackageId: number }[]; hasMore: boolean; nextCursor: string; message?: string } };
  };

  test('pages newest first through the packages of the window with a cursor bound to the filter', async () => {
    const s = await start();
    for (let i = 1; i <= 5; i++) s.state.addPackage({ shipmentPackageId: i, orderNumber: `O${i}`, status: 'Created', lastModifiedDate: T0 - i * 60_000 });
    s.state.addPackage({ shipmentPackageId: 99, orderNumber: 'OLD', status: 'Created', lastModifiedDate: T0 - 20 * DAY });
    const filter = { size: 2, lastModifiedStartDate: T0 - DAY, lastModifiedEndDate: T0 };
    const first = await get(streamUrl(s, filter));
    expect(first.status).toBe(200);
    expect(first.body.content.map((p) => p.shipmentPackageId)).toEqual([1, 2]);
    expect(first.body.hasMore).toBe(true);
    const second = await get(streamUrl(s, { ...filter, nextCursor: first.body.nextCursor }));
    expect(second.body.content.map((p) => p.shipmentPackageId)).toEqual([3, 4]);
    const third = await get(streamUrl(s, { ...filter, nextCursor: second.body.nextCursor }));
    expect(third.body).toMatchObject({ hasMore: false, nextCursor: '' });
    expect(third.body.content.map((p) => p.shipmentPackageId)).toEqual([5]);
  });

  test('refuses a cursor reused with another filter, a window over 14 days and a page over 200', async () => {
    const s = await start();
    for (let i = 1; i <= 3; i++) s.state.addPackage({ shipmentPackageId: i, orderNumber: `O${i}`, status: 'Created', lastModifiedDate: T0 - i });
    const first = await get(streamUrl(s, { size: 1, lastModifiedStartDate: T0 - DAY, lastModifiedEndDate: T0 }));
    const mismatch = await get(streamUrl(s, { size: 1, lastModifiedStartDate: T0 - 2 * DAY, lastModifiedEndDate: T0, nextCursor: first.body.nextCursor }));
    expect(mismatch).toMatchObject({ status: 400, body: { message: 'nextCursor does not match the request filter' } });
    const wide = await get(streamUrl(s, { lastModifiedStartDate: T0 - 15 * DAY, lastModifiedEndDate: T0 }));
    expect(wide).toMatchObject({ status: 400, body: { message: 'date range must be at most 14 days' } });
    const big = await get(streamUrl(s, { size: 201 }));
    expect(big).toMatchObject({ status: 400, body: { message: 'size must be 1-200' } });
  });
});
