// Logs and metrics of the real API on the real stack (dev server, worker, SQLite and PostgreSQL): each request's
// access log line and X-Request-Id header, the latency histogram by route pattern, callbacks by outcome, and the
// orders-needing-attention gauge read from the read model at scrape time.
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createReadModelActivities } from '../../activities/read-model';
import type { RunningApi } from '../../api/server';
import type { OrderView } from '../../contract/types';
import { createLogger } from '../../workers/logging';
import { startApi } from '../../workers/system';
import { DB_KINDS } from '../helpers/db';
import { startSystem, unique, type TestSystem } from '../helpers/system';

/** A read-model snapshot; only the attention fields matter to the gauge. */
function view(externalOrderId: string, attention: OrderView['attention'] | null): OrderView {
  const at = new Date().toISOString();
  return {
    id: `webstore:${externalOrderId}`,
    channel: 'webstore',
    externalOrderId,
    status: 'new',
    paymentStatus: 'pending',
    paymentMethod: 'card',
    needsAttention: attention !== null,
    ...(attention ? { attention } : {}),
    lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '10.00', lineTotal: '10.00', returnedQuantity: 0, refundedQuantity: 0 }],
    totals: { currency: 'TRY', subtotal: '10.00', total: '10.00', refunded: '0.00' },
    customer: { name: 'Ayşe Yılmaz' },
    shippingAddress: { line1: 'Bağdat Cd. 10', city: 'İstanbul', country: 'TR' },
    shipments: [],
    returns: [],
    timeline: [{ at, type: 'status', status: 'new' }],
    version: 1,
    createdAt: at,
    updatedAt: at,
  } as OrderView;
}

/** The sample value of one series in Prometheus text, or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(DB_KINDS)('observability on %s', (kind) => {
  let system: TestSystem;
  // A second API on the same stack, logging at info into `lines` and counting into `registry`.
  let api: RunningApi;
  const lines: Record<string, unknown>[] = [];
  const registry = new Registry();

  beforeAll(async () => {
    system = await startSystem(kind);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
        done();
      },
    });
    api = await startApi(system.config, system.temporal, system.db.orm, 0, {
      logger: createLogger('info', destination),
      registry,
    });
  });
  afterAll(async () => {
    await api?.close();
    await system?.shutdown();
  });

  const metricsText = async () => {
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  };

  test('a request writes one access log line with its request id, and the answer carries the id', async () => {
    const orderId = `webstore:${unique('missing')}`;
    const res = await fetch(`${api.url}/orders/${encodeURIComponent(orderId)}?email=ayse@example.com`, {
      headers: { authorization: `Bearer ${system.keys.operator}`, 'x-request-id': 'req-from-the-lb-1' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('req-from-the-lb-1');
    const access = lines.filter((l) => l.msg === 'request' && l.requestId === 'req-from-the-lb-1');
    expect(access).toEqual([
      expect.objectContaining({ level: 'info', method: 'GET', route: '/orders/{id}', status: 404, orderId }),
    ]);
    // No query string in the log: list filters can carry personal data.
    expect(JSON.stringify(access[0])).not.toContain('ayse@example.com');

    const generated = await fetch(`${api.url}/health`, { headers: { 'x-request-id': 'not sane\u00e7' } });
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.some((l) => l.msg === 'request' && l.requestId === id && l.route === '/health')).toBe(true);
  });

  test("a route's own log line, written after the body was read, carries the request id", async () => {
    const { signCallback, SIGNATURE_HEADER } = await import('../../api/signature');
    const orderId = `webstore:${unique('nobody')}`;
    const raw = JSON.stringify({ eventId: unique('evt'), orderId, type: 'captured', amount: '10.00', currency: 'TRY' });
    const res = await fetch(`${api.url}/callbacks/payments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'req-callback-1',
        [SIGNATURE_HEADER]: signCallback(system.config.webhookSecret, raw),
      },
      body: raw,
    });
    expect(res.status).toBe(200);
    expect(lines.find((l) => l.msg === 'unmatched callback stored')).toMatchObject({ requestId: 'req-callback-1' });
    // The order named in the body reaches the access line too.
    expect(lines.find((l) => l.msg === 'request' && l.requestId === 'req-callback-1')).toMatchObject({
      route: '/callbacks/payments',
      status: 200,
      orderId,
    });
    const text = await metricsText();
    expect(sample(text, 'oms_callbacks_total{sender="payments",outcome="unmatched"}')).toBe(1);
  });

  test('GET /metrics shows the latency histogram by route pattern and status, never a raw path', async () => {
    const id = `webstore:${unique('hist')}`;
    const auth = { authorization: `Bearer ${system.keys.operator}` };
    const count = 'oms_http_request_duration_seconds_count{method="GET",route="/orders/{id}",status="404"}';
    const unmatched = 'oms_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}';
    const before = await metricsText();
    for (let i = 0; i < 3; i += 1) await fetch(`${api.url}/orders/${id}`, { headers: auth });
    await fetch(`${api.url}/no/such/${id}`, { headers: auth });
    const text = await metricsText();
    expect((sample(text, count) ?? 0) - (sample(before, count) ?? 0)).toBe(3);
    expect((sample(text, unmatched) ?? 0) - (sample(before, unmatched) ?? 0)).toBe(1);
    expect(text).toContain('oms_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/orders/{id}",status="404"}');
    expect(text).not.toContain(id);
  });

  test('the attention gauge counts the flagged orders in the read model by step, at scrape time', async () => {
    const readModel = createReadModelActivities(system.db.orm);
    const since = new Date().toISOString();
    await readModel.recordOrder(view(unique('att'), { step: 'commit_stock', reason: 'ledger', since }));
    await readModel.recordOrder(view(unique('att'), { step: 'commit_stock', reason: 'ledger', since }));
    await readModel.recordOrder(view(unique('att'), { step: 'refund', reason: 'provider down', since }));
    await readModel.recordOrder(view(unique('calm'), null));
    const text = await metricsText();
    expect(sample(text, 'oms_orders_needing_attention{step="commit_stock"}')).toBe(2);
    expect(sample(text, 'oms_orders_needing_attention{step="refund"}')).toBe(1);

    // Resolved in the read model, gone from the next scrape.
    const resolvedId = unique('att');
    await readModel.recordOrder(view(resolvedId, { step: 'refund', reason: 'provider down', since }));
    expect(sample(await metricsText(), 'oms_orders_needing_attention{step="refund"}')).toBe(2);
    await readModel.recordOrder({ ...view(resolvedId, null), version: 2 });
    expect(sample(await metricsText(), 'oms_orders_needing_attention{step="refund"}')).toBe(1);
  });

  test('GET /metrics asks for the token when one is configured', async () => {
    const token = 'metrics-token-0123456789';
    const guarded = await startApi({ ...system.config, metrics: { ...system.config.metrics, token } }, system.temporal, system.db.orm, 0, {
      logger: createLogger('silent'),
    });
    try {
      const refused = await fetch(`${guarded.url}/metrics`);
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      const allowed = await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain('oms_http_request_duration_seconds');
    } finally {
      await guarded.close();
    }
  });
});
