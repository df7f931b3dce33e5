// Hepsiburada's order intake over real HTTP: HB's own calls to the merchant-hosted `POST <BaseURL>/orders` (the
// simulator delivers them, with Basic auth, and re-sends after a failure) and the pull of the paid-order list, into
// the real API and worker on the embedded dev server, SQLite and PostgreSQL.
import { listChannelPullStates } from '../../activities/pull-state';
import type { OrderView } from '../../contract/types';
import type { HepsiburadaSimState } from '../../integrations/sim/hepsiburada';
import { DB_KINDS } from '../helpers/db';
import { eventually, getOrder, inventory, seedSku, unique, withSystem, type TestSystem } from '../helpers/system';

const WEBHOOK = { username: 'hepsiburada-webhook', password: 'hb-webhook-password-0001' };
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** A paid line as HB sends it in `{ items }` (abridged to §2.2, plus fields the OMS ignores). */
function hbLine(orderNumber: string, merchantSKU: string, quantity: number, amount: number, id = unique('line')) {
  return {
    id,
    orderId: `order-${orderNumber}`,
    orderNumber,
    orderDate: new Date().toISOString(),
    status: 'Open',
    sku: 'HBV00000000001',
    merchantSKU,
    quantity,
    unitPrice: { amount, currency: 'TRY' },
    totalPrice: { amount: amount * quantity, currency: 'TRY' },
    vatRate: 20,
    commission: { amount: 1.5, currency: 'TRY' },
    canCreatePackage: true,
    isCancellable: true,
    cargoCompany: 'HepsiJET',
    shippingAddress: { name: 'Ayşe Yılmaz', address: 'Bağdat Cd. 10', town: 'Kadıköy', district: 'Caddebostan', city: 'İstanbul', phoneNumber: '+905551112233', email: 'ayse@example.com' },
    customerId: 'c-1',
    customerName: 'Ayşe Yılmaz',
    isMicroExport: false,
  };
}

describe.each(DB_KINDS)('Hepsiburada order intake on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), {
    HEPSIBURADA_WEBHOOK_USERNAME: WEBHOOK.username,
    HEPSIBURADA_WEBHOOK_PASSWORD: WEBHOOK.password,
    OMS_HEPSIBURADA_PULL_INTERVAL: '300ms',
    OMS_N11_PULL_INTERVAL: 'off',
    // On too, to see that its rounds are recorded beside Hepsiburada's.
    OMS_TRENDYOL_PULL_INTERVAL: '1s',
    OMS_STOCK_FEED_CHANNELS: 'none',
  });

  const hb = (): HepsiburadaSimState => sys.marketplaces.hepsiburada!.state;
  const ordersPath = () => `/orders/merchantid/${sys.config.marketplaces.hepsiburada.merchantId}`;
  const webhookBase = () => `${sys.baseUrl}/webhooks/hepsiburada`;

  afterEach(() => {
    hb().webhooks.configure(null);
    hb().setRateLimit({ requests: 1000, perMs: 1000 });
  });

  async function push(path: string, body: unknown, authorization: string | null, method = 'POST') {
    const res = await fetch(`${webhookBase()}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { orders?: { orderNumber: string; outcome: string; orderId: string }[]; received?: boolean; error?: { code: string; message: string } } };
  }

  /** Resolves once a pull round that started after now has ended (its watermark is past now). */
  async function aPullAfterNow(): Promise<void> {
    const now = Date.now();
    await eventually(
      async () => {
        const state = (await listChannelPullStates(sys.db.orm)).find((s) => s.channel === 'hepsiburada');
        expect(Date.parse(state?.watermark ?? '')).toBeGreaterThan(now);
      },
      { timeoutMs: 20_000 },
    );
  }

  const ordersOf = async (orderNumber: string) =>
    (await sys.call<{ items: OrderView[] }>('GET', '/orders?channel=hepsiburada&limit=100')).body.items.filter((o) => o.externalOrderId === orderNumber);

  test("HB's webhook call places one order of its lines; the pull reading the same lines finds that order, stock reserved once", async () => {
    const a = await seedSku(sys, 5, unique('HB'), '149.90');
    const b = await seedSku(sys, 5, unique('HB'), '20.00');
    const orderNumber = unique('4410');
    hb().webhooks.configure({ baseUrl: webhookBase(), ...WEBHOOK });
    const lines = hb().addOrderLines([
      { orderNumber, merchantSKU: a, quantity: 2, unitPrice: { amount: 149.9, currency: 'TRY' } },
      { orderNumber, merchantSKU: b, quantity: 1, unitPrice: { amount: 20, currency: 'TRY' } },
    ]);
    await hb().webhooks.flush();
    expect(hb().webhooks.pending()).toBe(0);
    expect(hb().webhooks.attempts.at(-1)).toMatchObject({ method: 'POST', route: '/orders', status: 200 });

    const order = await getOrder(sys, `hepsiburada:${orderNumber}`);
    expect(order).toMatchObject({ channel: 'hepsiburada', externalOrderId: orderNumber, status: expect.stringMatching(/^(confirmed|picking)$/), paymentStatus: 'captured' });
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPrice]).sort()).toEqual([[a, 2, '149.90'], [b, 1, '20.00']].sort());
    expect(order.metadata).toMatchObject({ hepsiburadaOrderNumber: orderNumber, hepsiburadaLineItemIds: lines.map((l) => l.id).join(',') });

    await aPullAfterNow();
    expect(await ordersOf(orderNumber)).toHaveLength(1);
    expect(await inventory(sys, a)).toMatchObject({ onHand: 5, reserved: 2 });
    expect(await inventory(sys, b)).toMatchObject({ onHand: 5, reserved: 1 });
    const state = (await listChannelPullStates(sys.db.orm)).find((s) => s.channel === 'hepsiburada');
    expect(state).toMatchObject({ channel: 'hepsiburada', lastSuccessAt: expect.any(String), watermark: expect.any(String) });
  });

  test("a line whose webhook call the OMS refused is placed by the pull; HB's re-send after the fix finds the same order", async () => {
    const sku = await seedSku(sys, 3, unique('HB'), '49.90');
    const orderNumber = unique('4411');
    // The BaseURL was given to HB with a password the OMS does not have: every call gets 401 and stays queued.
    hb().webhooks.configure({ baseUrl: webhookBase(), username: WEBHOOK.username, password: 'not-the-password-000' });
    hb().addOrderLines([{ orderNumber, merchantSKU: sku, quantity: 1, unitPrice: { amount: 49.9, currency: 'TRY' } }]);
    await hb().webhooks.flush();
    expect(hb().webhooks.attempts.at(-1)).toMatchObject({ route: '/orders', status: 401 });
    expect(hb().webhooks.pending()).toBe(1);

    await eventually(async () => expect(await getOrder(sys, `hepsiburada:${orderNumber}`)).toMatchObject({ channel: 'hepsiburada', status: expect.stringMatching(/^(confirmed|picking)$/) }), {
      timeoutMs: 20_000,
    });

    hb().webhooks.configure({ baseUrl: webhookBase(), ...WEBHOOK });
    await hb().webhooks.flush();
    expect(hb().webhooks.pending()).toBe(0);
    expect(hb().webhooks.attempts.at(-1)).toMatchObject({ route: '/orders', status: 200 });
    expect(await ordersOf(orderNumber)).toHaveLength(1);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 3, reserved: 1 });
  });

  test('a call without Basic auth or with a wrong password is refused with 401 and places nothing; package events are acknowledged', async () => {
    const sku = await seedSku(sys, 2, unique('HB'), '10.00');
    const orderNumber = unique('4412');
    const body = { items: [hbLine(orderNumber, sku, 1, 10)] };
    expect(await push('/orders', body, null)).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized', message: 'Hepsiburada webhook: wrong or missing Basic credentials' } },
    });
    expect((await push('/orders', body, basic(WEBHOOK.username, 'guess-guess-guess-1'))).status).toBe(401);
    expect((await sys.call('GET', `/orders/hepsiburada:${orderNumber}`)).status).toBe(404);

    const intransit = { packageNumber: 'P-1', shippedDate: new Date().toISOString(), barcode: 'B-1', trackingInfoCode: 'T-1', deci: 2 };
    expect((await push('/packages/P-1/intransit', intransit, null, 'PUT')).status).toBe(401);
    // Repeats happen (§2.6): each gets 200.
    for (let i = 0; i < 2; i++) {
      expect(await push('/packages/P-1/intransit', intransit, basic(WEBHOOK.username, WEBHOOK.password), 'PUT')).toEqual({ status: 200, body: { received: true } });
    }
    const cancel = { id: 'line-1', orderNumber, cancelDate: new Date().toISOString(), quantity: 1, cancelledBy: 'Customer', cancelReasonCode: 'C1', isUnpackedLine: true };
    expect((await push('/lineitems/line-1/cancel', cancel, basic(WEBHOOK.username, WEBHOOK.password), 'PUT')).status).toBe(200);

    const ok = await push('/orders', body, basic(WEBHOOK.username, WEBHOOK.password));
    expect(ok.body.orders).toEqual([expect.objectContaining({ orderNumber, outcome: 'created', orderId: `hepsiburada:${orderNumber}` })]);
    // HB re-sends: the same order.
    const again = await push('/orders', body, basic(WEBHOOK.username, WEBHOOK.password));
    expect(again.body.orders).toEqual([expect.objectContaining({ orderNumber, outcome: 'existing' })]);
  });

  test('a malformed line is refused with 400 naming the field, and no order of the call is placed', async () => {
    const sku = await seedSku(sys, 2, unique('HB'), '10.00');
    const good = hbLine(unique('4413'), sku, 1, 10);
    const bad = hbLine(unique('4414'), sku, 1, 10);
    (bad as { merchantSKU?: string }).merchantSKU = undefined;
    const res = await push('/orders', { items: [good, bad] }, basic(WEBHOOK.username, WEBHOOK.password));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('validation_failed');
    expect(res.body.error?.message).toContain('items[1].merchantSKU: is required');
    expect((await sys.call('GET', `/orders/hepsiburada:${good.orderNumber}`)).status).toBe(404);

    const negative = hbLine(unique('4415'), sku, 0, 10);
    const res2 = await push('/orders', { items: [negative] }, basic(WEBHOOK.username, WEBHOOK.password));
    expect(res2.body.error?.message).toContain('items[0].quantity: must be at least 1');
  });

  test("HB's 429 is waited out for as long as X-RateLimit-Reset says, and the pull goes on to place the order", async () => {
    const sku = await seedSku(sys, 2, unique('HB'), '30.00');
    const orderNumber = unique('4416');
    // One request per 2.5 s, and for 3 s each window's one is used up here as soon as it opens: the pull's requests
    // meanwhile (every 300 ms, however busy the machine) are refused, and it must wait each reset out.
    hb().setRateLimit({ requests: 1, perMs: 2500 });
    const { username, password, userAgent } = sys.config.marketplaces.hepsiburada;
    const probe = `${ordersPath()}?limit=1`;
    const useUpWindow = () => fetch(`${sys.marketplaces.hepsiburada!.url}${probe}`, { headers: { authorization: basic(username, password), 'user-agent': userAgent } });
    const from = hb().requests.entries.length;
    const added = Date.now();
    hb().addOrderLines([{ orderNumber, merchantSKU: sku, quantity: 2, unitPrice: { amount: 30, currency: 'TRY' } }]);
    for (const until = Date.now() + 3000; Date.now() < until; ) {
      await useUpWindow();
      await new Promise((r) => setTimeout(r, 50));
    }
    // A round of the pull may need several requests, and each now waits for a window of its own.
    const order = await eventually(() => getOrder(sys, `hepsiburada:${orderNumber}`), { timeoutMs: 80_000 });
    expect(order.lines.map((l) => [l.sku, l.quantity])).toEqual([[sku, 2]]);
    // Nothing could be read before the window reset.
    expect(Date.now() - added).toBeGreaterThanOrEqual(3000);
    const calls = hb().requests.entries.slice(from).filter((r) => r.path.startsWith(`${ordersPath()}?`) && r.path !== probe);
    expect(calls.some((r) => r.status === 429)).toBe(true);
    // A refused request asked again after waiting for the reset, and answered this time. (Not necessarily the last
    // refused one: the window stays at one request per 2.5 s, so a later round's request may be waiting right now.)
    const waitedOut = calls.some((r, i) => r.status === 429 && calls.slice(i + 1).some((later) => later.path === r.path && later.status === 200));
    expect(waitedOut).toBe(true);
  });

  test('the paid-order list speaks HB\'s wire: Turkey-time dates only (ISO matches nothing), limit required and ≤100, offset paging, 401 with an empty body', async () => {
    const { username, password, userAgent } = sys.config.marketplaces.hepsiburada;
    const headers = { authorization: basic(username, password), 'user-agent': userAgent };
    const orderNumber = unique('4417');
    const lines = hb().addOrderLines(
      [1, 2, 3].map((i) => ({ orderNumber, merchantSKU: `SKU-${i}`, quantity: 1, unitPrice: { amount: 10, currency: 'TRY' } })),
      { webhook: false },
    );
    const at = Date.parse(lines[0]!.orderDate);
    const turkey = (ms: number) => new Date(ms + 3 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    const get = async (query: Record<string, string>, h: Record<string, string> = headers) => {
      const res = await fetch(`${sys.marketplaces.hepsiburada!.url}${ordersPath()}?${new URLSearchParams(query).toString()}`, { headers: h });
      const text = await res.text();
      return { status: res.status, text, body: (res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null) as { items: { id: string }[]; totalCount: number; pageCount: number } | null };
    };
    const window = { begindate: turkey(at - 60_000), enddate: turkey(at) };
    const page1 = await get({ ...window, offset: '0', limit: '2' });
    expect(page1.body).toMatchObject({ limit: 2, offset: 0, totalCount: expect.any(Number), pageCount: expect.any(Number) });
    const ours = (items: { id: string }[]) => items.map((l) => l.id).filter((id) => lines.some((l) => l.id === id));
    const all = await get({ ...window, offset: '0', limit: '100' });
    expect(ours(all.body!.items)).toEqual(lines.map((l) => l.id));
    const paged = [...page1.body!.items];
    for (let offset = 2; offset < all.body!.totalCount; offset += 2) paged.push(...(await get({ ...window, offset: String(offset), limit: '2' })).body!.items);
    expect(paged.map((l) => l.id)).toEqual(all.body!.items.map((l) => l.id));

    const iso = await get({ begindate: new Date(at - 60_000).toISOString(), enddate: new Date(at + 60_000).toISOString(), offset: '0', limit: '100' });
    expect(iso).toMatchObject({ status: 200, body: { items: [], totalCount: 0 } });
    expect((await get({ ...window, offset: '0' })).status).toBe(400);
    expect((await get({ ...window, offset: '0', limit: '101' })).status).toBe(400);
    const decorated = await get({ ...window, offset: '0', limit: '10' }, { ...headers, 'user-agent': `${userAgent}/1.0` });
    expect(decorated).toMatchObject({ status: 401, text: '' });

    const detail = await fetch(`${sys.marketplaces.hepsiburada!.url}${ordersPath()}/ordernumber/${orderNumber}`, { headers });
    expect(((await detail.json()) as { items: { id: string }[] }).items.map((l) => l.id)).toEqual(lines.map((l) => l.id));
  });

  test('every pull records its rounds for operators in GET /integrations, Trendyol\'s too; a failed round records its error, the next good one its success', async () => {
    const pulls = async () => {
      const res = await sys.call<{ orderPulls: { channel: string; lastSuccessAt: string | null; watermark: string | null; lastError: { message: string; at: string } | null }[] }>('GET', '/integrations');
      expect(res.status).toBe(200);
      return res.body.orderPulls;
    };
    await eventually(
      async () => {
        const states = await pulls();
        expect(states.map((s) => s.channel)).toEqual(expect.arrayContaining(['hepsiburada', 'trendyol']));
        for (const s of states) expect(s).toMatchObject({ lastSuccessAt: expect.any(String), watermark: expect.any(String) });
      },
      { timeoutMs: 20_000 },
    );
    // The same as a metric a Prometheus scrape reads.
    const metrics = await fetch(`${sys.baseUrl}/metrics`).then((r) => r.text());
    for (const channel of ['hepsiburada', 'trendyol']) {
      const last = new RegExp(`^oms_order_pull_last_success_timestamp_seconds\\{channel="${channel}"\\} (\\S+)$`, 'm').exec(metrics);
      expect(Number(last?.[1])).toBeGreaterThan(Date.now() / 1000 - 120);
    }
    // HB's next answer on the list is a 500 (injected before authentication, like an outage in front of it).
    hb().faults.next(ordersPath(), { status: 500, body: 'upstream unavailable' });
    const failedAt = Date.now();
    const failed = await eventually(
      async () => {
        const s = (await pulls()).find((x) => x.channel === 'hepsiburada');
        expect(s?.lastError?.message).toContain('500 upstream unavailable');
        return s!;
      },
      { timeoutMs: 20_000 },
    );
    expect(Date.parse(failed.lastError!.at)).toBeGreaterThanOrEqual(failedAt - 1000);
    // The activity is retried (5 s backoff) and succeeds: a success newer than the error.
    await eventually(
      async () => {
        const s = (await pulls()).find((x) => x.channel === 'hepsiburada');
        expect(Date.parse(s!.lastSuccessAt!)).toBeGreaterThan(Date.parse(s!.lastError!.at));
      },
      { timeoutMs: 20_000 },
    );
  });
});
