// The n11 product-task simulator over real HTTP on a free port, driven through the stock-feed connector where the
// OMS would use it, and by raw requests where the wire itself is the point (bodies, REJECT, price rules, paging).
import { request } from 'node:http';
import { manualClock, type SimClock } from '../../integrations/sim/http-kit';
import { createN11StockFeed } from '../../integrations/n11/stock';
import {
  N11_TOO_MANY_REQUESTS_BODY,
  N11_UNAUTHORIZED_BODY,
  type N11SimulatorOptions,
  startN11Simulator,
} from '../../integrations/sim/n11';
import type { ChannelStockFeed } from '../../integrations/stock-feed';

const credentials = { appKey: 'app-key-1', appSecret: 'app-secret-1' };
const TASK = '/ms/product/tasks/price-stock-update';
const QUERY = '/ms/product/task-details/page-query';
const goodHeaders = { appkey: credentials.appKey, appsecret: credentials.appSecret, 'content-type': 'application/json' };

type Sim = Awaited<ReturnType<typeof startN11Simulator>>;
let sim: Sim | undefined;
let clock: SimClock;

async function start(extra: Partial<N11SimulatorOptions> = {}): Promise<{ sim: Sim; feed: ChannelStockFeed }> {
  clock = manualClock();
  sim = await startN11Simulator({ ...credentials, clock, ...extra });
  return { sim, feed: createN11StockFeed({ ...credentials, integrator: 'oms', baseUrl: sim.url }) };
}

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function post(s: Sim, path: string, body: unknown, headers: Record<string, string> = goodHeaders) {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const task = (skus: unknown[]) => ({ payload: { integrator: 'oms', skus } });
const stockOf = async (s: Sim, sku: string) => {
  const res = await fetch(`${s.url}/__admin/stock/${encodeURIComponent(sku)}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

describe('n11 simulator: authentication', () => {
  test('missing or wrong appkey/appsecret get 401; the header names are case-insensitive', async () => {
    const { sim } = await start();
    const body = task([{ stockCode: 'A', quantity: 1, currencyType: 'TL' }]);
    expect(await post(sim, TASK, body, { 'content-type': 'application/json' })).toEqual({
      status: 401,
      body: N11_UNAUTHORIZED_BODY,
    });
    expect(await post(sim, TASK, body, { ...goodHeaders, appsecret: 'wrong' })).toEqual({
      status: 401,
      body: N11_UNAUTHORIZED_BODY,
    });
    expect(sim.state.tasks.size).toBe(0);

    // node:http sends header names as written (fetch would lower-case them first).
    const mixedCase = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = request(`${sim.url}${TASK}`, {
        method: 'POST',
        headers: { AppKey: credentials.appKey, APPSECRET: credentials.appSecret, 'Content-Type': 'application/json' },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
    expect(mixedCase).toEqual({ status: 200, body: { id: 1001, type: 'SKU_UPDATE', status: 'IN_QUEUE', reasons: [] } });
    expect(sim.state.requests.entries.at(-1)?.headers).toMatchObject({ appkey: credentials.appKey, appsecret: '***' });
  });

  test('the connector with a wrong secret fails with kind auth', async () => {
    const { sim } = await start();
    const feed = createN11StockFeed({ ...credentials, appSecret: 'old', integrator: 'oms', baseUrl: sim.url });
    await expect(feed.submit([{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({
      name: 'ChannelError',
      channel: 'n11',
      kind: 'auth',
      status: 401,
    });
  });
});

describe('n11 simulator: price-stock tasks', () => {
  test('a task is IN_QUEUE until its delay has passed; only then does n11 show the quantity', async () => {
    const { sim, feed } = await start({ processDelayMs: 300 });
    const { batchId } = await feed.submit([
      { sku: 'KAZAK-S', quantity: 12 },
      { sku: 'KAZAK-M', quantity: 0 },
    ]);
    expect(batchId).toBe('1001');
    expect(JSON.parse(sim.state.requests.entries[0]?.body ?? '')).toEqual({
      payload: {
        integrator: 'oms',
        skus: [
          { stockCode: 'KAZAK-S', quantity: 12, currencyType: 'TL' },
          { stockCode: 'KAZAK-M', quantity: 0, currencyType: 'TL' },
        ],
      },
    });

    clock.advance(299);
    expect(await feed.result(batchId)).toEqual({
      done: false,
      items: [
        { sku: 'KAZAK-S', status: 'pending' },
        { sku: 'KAZAK-M', status: 'pending' },
      ],
    });
    expect((await stockOf(sim, 'KAZAK-S')).status).toBe(404);

    clock.advance(1);
    expect(await feed.result(batchId)).toEqual({
      done: true,
      items: [
        { sku: 'KAZAK-S', status: 'success' },
        { sku: 'KAZAK-M', status: 'success' },
      ],
    });
    expect(await stockOf(sim, 'KAZAK-S')).toEqual({ status: 200, body: { stockCode: 'KAZAK-S', quantity: 12, taskId: 1001 } });
    expect((await stockOf(sim, 'KAZAK-M')).body).toMatchObject({ quantity: 0 });

    expect(await post(sim, QUERY, { taskId: 1001, pageable: { page: 0, size: 1000 } })).toEqual({
      status: 200,
      body: {
        taskId: 1001,
        type: 'SKU_UPDATE',
        status: 'PROCESSED',
        reasons: [],
        skus: {
          content: [
            { itemCode: 'KAZAK-S', status: 'SUCCESS', reasons: [] },
            { itemCode: 'KAZAK-M', status: 'SUCCESS', reasons: [] },
          ],
          page: 0,
          size: 1000,
          totalElements: 2,
          totalPages: 1,
        },
      },
    });
  });

  test('a FAIL comes back as a failed item with n11\'s reasons; the other SKUs are applied', async () => {
    const { sim, feed } = await start({ stockCodes: ['KAZAK-S', 'KAZAK-M'] });
    sim.state.faults.skuError('KAZAK-M', 'Ürün onay bekliyor');
    const { batchId } = await feed.submit([
      { sku: 'KAZAK-S', quantity: 3 },
      { sku: 'KAZAK-M', quantity: 4 },
      { sku: 'UNKNOWN', quantity: 5 },
    ]);
    clock.advance(300);
    expect(await feed.result(batchId)).toEqual({
      done: true,
      items: [
        { sku: 'KAZAK-S', status: 'success' },
        { sku: 'KAZAK-M', status: 'failed', reason: 'Ürün onay bekliyor' },
        { sku: 'UNKNOWN', status: 'failed', reason: 'Stock code not found: UNKNOWN' },
      ],
    });
    expect((await stockOf(sim, 'KAZAK-S')).body).toMatchObject({ quantity: 3 });
    expect((await stockOf(sim, 'KAZAK-M')).status).toBe(404);
  });

  test('prices, when sent, travel together with 2 decimals and listPrice >= salePrice; a stock-only SKU keeps them', async () => {
    const { sim } = await start();
    const queued = await post(
      sim,
      TASK,
      task([
        { stockCode: 'OK', quantity: 1, listPrice: 120.5, salePrice: 99.99, currencyType: 'TL' },
        { stockCode: 'BELOW', quantity: 1, listPrice: 80, salePrice: 90, currencyType: 'TL' },
        { stockCode: 'DECIMALS', quantity: 1, listPrice: 10.999, salePrice: 10, currencyType: 'TL' },
        { stockCode: 'ALONE', quantity: 1, salePrice: 10, currencyType: 'TL' },
        { stockCode: 'EURO', quantity: 1, currencyType: 'EUR' },
      ]),
    );
    expect(queued.body).toMatchObject({ status: 'IN_QUEUE' });
    clock.advance(300);
    const page = await post(sim, QUERY, { taskId: queued.body.id, pageable: { page: 0, size: 10 } });
    expect((page.body.skus as { content: unknown[] }).content).toEqual([
      { itemCode: 'OK', status: 'SUCCESS', reasons: [] },
      { itemCode: 'BELOW', status: 'FAIL', reasons: ['listPrice must be greater than or equal to salePrice'] },
      { itemCode: 'DECIMALS', status: 'FAIL', reasons: ['listPrice must be a positive amount with 2 decimals'] },
      { itemCode: 'ALONE', status: 'FAIL', reasons: ['listPrice and salePrice must be sent together'] },
      { itemCode: 'EURO', status: 'FAIL', reasons: ['currencyType must be TL'] },
    ]);

    await post(sim, TASK, task([{ stockCode: 'OK', quantity: 9, currencyType: 'TL' }]));
    clock.advance(300);
    expect((await stockOf(sim, 'OK')).body).toEqual({
      stockCode: 'OK',
      quantity: 9,
      listPrice: 120.5,
      salePrice: 99.99,
      taskId: 1002,
    });
  });

  test('pages of a task: size and totalPages as asked, an empty page past the end', async () => {
    const { sim } = await start();
    const queued = await post(
      sim,
      TASK,
      task(['A', 'B', 'C'].map((stockCode) => ({ stockCode, quantity: 1, currencyType: 'TL' }))),
    );
    clock.advance(300);
    const page = async (n: number) =>
      (await post(sim, QUERY, { taskId: queued.body.id, pageable: { page: n, size: 2 } })).body.skus as {
        content: { itemCode: string }[];
        totalPages: number;
      };
    expect((await page(0)).content.map((c) => c.itemCode)).toEqual(['A', 'B']);
    expect(await page(1)).toMatchObject({ content: [{ itemCode: 'C' }], totalPages: 2, totalElements: 3 });
    expect((await page(2)).content).toEqual([]);
  });

  test('an unknown task is not_found', async () => {
    const { feed } = await start();
    await expect(feed.result('999')).rejects.toMatchObject({ kind: 'not_found', status: 404 });
  });
});

describe('n11 simulator: REJECT', () => {
  test('a wholly invalid body is REJECT inside a 200 with the reasons', async () => {
    const { sim } = await start();
    expect(await post(sim, TASK, { payload: { integrator: 'oms', skus: [] } })).toEqual({
      status: 200,
      body: { id: 1001, type: 'SKU_UPDATE', status: 'REJECT', reasons: ['payload.skus must be a non-empty list'] },
    });
    expect(await post(sim, TASK, { skus: [] })).toMatchObject({
      status: 200,
      body: { status: 'REJECT', reasons: ['payload is required'] },
    });
    expect(await post(sim, TASK, task([{ stockCode: 'A', quantity: -1, currencyType: 'TL' }]))).toMatchObject({
      status: 200,
      body: { status: 'REJECT', reasons: ['skus[0] (A): quantity must be a non-negative integer'] },
    });
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ stockCode: `S${i}`, quantity: 1, currencyType: 'TL' }));
    expect(await post(sim, TASK, task(tooMany))).toMatchObject({
      status: 200,
      body: { status: 'REJECT', reasons: ['payload.skus may hold at most 1000 items'] },
    });
    expect(await post(sim, QUERY, { taskId: 1001, pageable: { page: 0, size: 10 } })).toMatchObject({
      body: { status: 'REJECT', skus: { content: [] } },
    });
  });

  test('the connector: a REJECT at submit is rejected; a task rejected later fails every SKU with the task\'s reason', async () => {
    const { sim, feed } = await start({ requirePrices: true });
    await expect(feed.submit([{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({
      kind: 'rejected',
      status: 200,
      message: 'n11: task rejected: skus[0] (A): listPrice and salePrice are required',
    });

    const lenient = await start();
    const { batchId } = await lenient.feed.submit([
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 2 },
    ]);
    lenient.sim.state.rejectTask(Number(batchId), ['Entegratör bilgisi geçersiz']);
    clock.advance(300);
    expect(await lenient.feed.result(batchId)).toEqual({
      done: true,
      items: [
        { sku: 'A', status: 'failed', reason: 'task rejected: Entegratör bilgisi geçersiz' },
        { sku: 'B', status: 'failed', reason: 'task rejected: Entegratör bilgisi geçersiz' },
      ],
    });
    expect((await stockOf(lenient.sim, 'A')).status).toBe(404);
    await sim.close();
  });
});

describe('n11 simulator: limits and outages', () => {
  test('over 1000 req/min (here 2 per minute): 429, and the connector fails with rate_limited', async () => {
    const { sim, feed } = await start({ rateLimit: { requests: 2, perMs: 60_000 } });
    await feed.submit([{ sku: 'A', quantity: 1 }]);
    await feed.result('1001');
    expect(await post(sim, TASK, task([{ stockCode: 'B', quantity: 1, currencyType: 'TL' }]))).toEqual({
      status: 429,
      body: N11_TOO_MANY_REQUESTS_BODY,
    });
    await expect(feed.submit([{ sku: 'B', quantity: 1 }])).rejects.toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterMs: undefined,
      retryable: true,
    });
    expect(sim.state.tasks.size).toBe(1);
    clock.advance(60_000);
    await expect(feed.submit([{ sku: 'B', quantity: 1 }])).resolves.toEqual({ batchId: '1002' });
  });

  test('a 429 that names its wait (Retry-After) gives retryAfterMs', async () => {
    const { sim, feed } = await start();
    sim.state.faults.next(TASK, { status: 429, body: N11_TOO_MANY_REQUESTS_BODY, headers: { 'retry-after': '30' } });
    await expect(feed.submit([{ sku: 'A', quantity: 1 }])).rejects.toMatchObject({ kind: 'rate_limited', retryAfterMs: 30_000 });
  });

  test('1001 SKUs are refused by the connector without a request; a 500 and a 400 map to unavailable and rejected', async () => {
    const { sim, feed } = await start();
    const items = Array.from({ length: 1001 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    await expect(feed.submit(items)).rejects.toMatchObject({ kind: 'rejected' });
    expect(sim.state.requests.entries).toHaveLength(0);

    sim.state.faults.next(TASK, { status: 500, body: { status: 500, message: 'Internal Server Error' } });
    await expect(feed.submit(items.slice(0, 1000))).rejects.toMatchObject({ kind: 'unavailable', status: 500 });
    sim.state.faults.next(QUERY, { status: 400, body: { status: 400, message: 'Bad Request' } });
    await expect(feed.result('1001')).rejects.toMatchObject({ kind: 'rejected', status: 400 });
  });
});
