// n11's order intake over real HTTP: n11 has no webhooks, so the pull of its shipment-package list (one status per
// call, 15-day windows, pages of ≤100) is the whole intake, into the real API and worker on the embedded dev server,
// SQLite and PostgreSQL.
import { listChannelPullStates } from '../../activities/pull-state';
import { N11_PULL_WORKFLOW_ID, N11_PULL_WORKFLOW_TYPE, TASK_QUEUE } from '../../contract/workflow';
import type { OrderView } from '../../contract/types';
import type { N11SimState } from '../../integrations/sim/n11';
import { DB_KINDS } from '../helpers/db';
import { eventually, getOrder, inventory, seedSku, unique, withSystem, type TestSystem } from '../helpers/system';

const DAY = 24 * 3600_000;
const PACKAGES = '/rest/delivery/v1/shipmentPackages';

describe.each(DB_KINDS)('n11 order intake on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), {
    OMS_N11_PULL_INTERVAL: '300ms',
    OMS_HEPSIBURADA_PULL_INTERVAL: 'off',
    OMS_TRENDYOL_PULL_INTERVAL: 'off',
    OMS_STOCK_FEED_CHANNELS: 'none',
  });

  const n11 = (): N11SimState => sys.marketplaces.n11!.state;

  afterEach(() => n11().setRateLimit({ requests: 1000, perMs: 60_000 }));

  /** Resolves once a pull round that started after now has ended (its watermark is past now). */
  async function aPullAfterNow(): Promise<void> {
    const now = Date.now();
    await eventually(
      async () => {
        const state = (await listChannelPullStates(sys.db.orm)).find((s) => s.channel === 'n11');
        expect(Date.parse(state?.watermark ?? '')).toBeGreaterThan(now);
      },
      { timeoutMs: 20_000 },
    );
  }

  const ordersOf = async (orderNumber: string) =>
    (await sys.call<{ items: OrderView[] }>('GET', '/orders?channel=n11&limit=100')).body.items.filter((o) => o.externalOrderId === orderNumber);

  test('a Created package is pulled into one n11 order; pulled again it stays one order, its stock reserved once', async () => {
    const sku = await seedSku(sys, 5, unique('N11'), '100.00');
    const [pkg] = n11().addPackages([{ lines: [{ stockCode: sku, quantity: 2, price: 100, totalSellerDiscountPrice: 10 }] }]);
    const order = await eventually(
      async () => {
        const placed = await getOrder(sys, `n11:${pkg!.orderNumber}`);
        expect(placed).toMatchObject({ channel: 'n11', externalOrderId: pkg!.orderNumber, status: expect.stringMatching(/^(confirmed|picking)$/), paymentStatus: 'captured' });
        return placed;
      },
      { timeoutMs: 20_000 },
    );
    // What the seller invoices per unit: (2 × 100 − 10) / 2.
    expect(order.lines.map((l) => [l.sku, l.quantity, l.unitPrice])).toEqual([[sku, 2, '95.00']]);
    expect(order.metadata).toMatchObject({ n11PackageId: String(pkg!.id), n11OrderLineIds: String(pkg!.lines[0]!.orderLineId) });
    expect(order.customer.name).toBe('Ayşe Yılmaz');

    // Accepted in n11's panel meanwhile: the package turns up again, under Picking, in later rounds.
    n11().setPackageStatus(pkg!.id!, 'Picking');
    await aPullAfterNow();
    await aPullAfterNow();
    expect(await ordersOf(pkg!.orderNumber)).toHaveLength(1);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 2 });
    const state = (await listChannelPullStates(sys.db.orm)).find((s) => s.channel === 'n11');
    expect(state).toMatchObject({ lastSuccessAt: expect.any(String), watermark: expect.any(String) });
  });

  test('a package already Shipped, or Cancelled, makes no order', async () => {
    const sku = await seedSku(sys, 5, unique('N11'), '10.00');
    const [shipped, cancelled] = n11().addPackages([
      { shipmentPackageStatus: 'Shipped', lines: [{ stockCode: sku, quantity: 1, price: 10 }] },
      { shipmentPackageStatus: 'Cancelled', lines: [{ stockCode: sku, quantity: 1, price: 10 }] },
    ]);
    await aPullAfterNow();
    expect((await sys.call('GET', `/orders/n11:${shipped!.orderNumber}`)).status).toBe(404);
    expect((await sys.call('GET', `/orders/n11:${cancelled!.orderNumber}`)).status).toBe(404);
  });

  test('a first pull reads 30 days of history in slices n11 does not clip: a package modified 20 days ago is found', async () => {
    const sku = await seedSku(sys, 5, unique('N11'), '40.00');
    const now = Date.now();
    const [old, recent] = n11().addPackages([
      { lastModifiedDate: now - 20 * DAY, lines: [{ stockCode: sku, quantity: 1, price: 40 }] },
      { lastModifiedDate: now - 2 * DAY, lines: [{ stockCode: sku, quantity: 1, price: 40 }] },
    ]);
    // One request over the whole 30 days is clipped by n11 to its last 15: the old package is not in it.
    const wide = await fetch(`${sys.marketplaces.n11!.url}${PACKAGES}?${new URLSearchParams({ startDate: String(now - 30 * DAY), endDate: String(now), status: 'Created', orderByField: 'true', size: '100' }).toString()}`, {
      headers: { appkey: sys.config.marketplaces.n11.appKey, appsecret: sys.config.marketplaces.n11.appSecret },
    });
    const numbers = ((await wide.json()) as { content: { orderNumber: string }[] }).content.map((p) => p.orderNumber);
    expect(numbers).toContain(recent!.orderNumber);
    expect(numbers).not.toContain(old!.orderNumber);

    // The pull starts afresh (as on a new installation: no watermark), and reads the whole look-back.
    const from = n11().requests.entries.length;
    await sys.temporal.client.workflow.start(N11_PULL_WORKFLOW_TYPE, {
      workflowId: N11_PULL_WORKFLOW_ID,
      taskQueue: TASK_QUEUE,
      args: [{ watermark: null, intervalMs: 300 }],
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
    await eventually(() => getOrder(sys, `n11:${old!.orderNumber}`), { timeoutMs: 20_000 });
    await eventually(() => getOrder(sys, `n11:${recent!.orderNumber}`), { timeoutMs: 20_000 });
    const windows = n11()
      .requests.entries.slice(from)
      .filter((r) => r.path.startsWith(`${PACKAGES}?`))
      .map((r) => new URLSearchParams(r.path.slice(r.path.indexOf('?') + 1)))
      .map((q) => Number(q.get('endDate')) - Number(q.get('startDate')));
    expect(windows.length).toBeGreaterThanOrEqual(3);
    for (const span of windows) expect(span).toBeLessThanOrEqual(15 * DAY);
  });

  test("n11's 429 is waited out and the pull goes on to place the order", async () => {
    const sku = await seedSku(sys, 2, unique('N11'), '30.00');
    // One request per 2.5 s, and this window's one used up here: the pull's next requests are refused.
    n11().setRateLimit({ requests: 1, perMs: 2500 });
    const { appKey, appSecret } = sys.config.marketplaces.n11;
    await fetch(`${sys.marketplaces.n11!.url}${PACKAGES}?status=Created`, { headers: { appkey: appKey, appsecret: appSecret } });
    const from = n11().requests.entries.length;
    const added = Date.now();
    const [pkg] = n11().addPackages([{ lines: [{ stockCode: sku, quantity: 1, price: 30 }] }]);
    await eventually(() => getOrder(sys, `n11:${pkg!.orderNumber}`), { timeoutMs: 25_000 });
    // Nothing could be read before the window reset.
    expect(Date.now() - added).toBeGreaterThanOrEqual(2000);
    const calls = n11().requests.entries.slice(from).filter((r) => r.path.startsWith(`${PACKAGES}?`));
    const refused = calls.findIndex((r) => r.status === 429);
    expect(refused).toBeGreaterThanOrEqual(0);
    expect(calls.slice(refused + 1).some((r) => r.path === calls[refused]!.path && r.status === 200)).toBe(true);
  });

  test("the package list speaks n11's wire: appkey/appsecret, one status per call, size ≤100, 0-based pages, no history before Nov 2024", async () => {
    const { appKey, appSecret } = sys.config.marketplaces.n11;
    const get = async (query: Record<string, string>, headers: Record<string, string> = { appkey: appKey, appsecret: appSecret }) => {
      const res = await fetch(`${sys.marketplaces.n11!.url}${PACKAGES}?${new URLSearchParams(query).toString()}`, { headers });
      return { status: res.status, body: (await res.json()) as { content: { orderNumber: string }[]; totalPages: number; page: number; size: number } };
    };
    const now = Date.now();
    const added = n11().addPackages([1, 2, 3].map(() => ({ shipmentPackageStatus: 'Delivered', lines: [{ stockCode: 'X', quantity: 1, price: 1 }] })));
    const window = { startDate: String(now - DAY), endDate: String(now + DAY), status: 'Delivered', orderByField: 'true' };
    const first = await get({ ...window, page: '0', size: '2' });
    expect(first.body).toMatchObject({ page: 0, size: 2, totalPages: expect.any(Number) });
    const pages = [first.body.content];
    for (let page = 1; page < first.body.totalPages; page++) pages.push((await get({ ...window, page: String(page), size: '2' })).body.content);
    const numbers = pages.flat().map((p) => p.orderNumber);
    expect(numbers).toEqual(expect.arrayContaining(added.map((p) => p.orderNumber)));
    expect(new Set(numbers).size).toBe(numbers.length);

    expect((await get({ ...window, size: '101' })).status).toBe(400);
    expect((await get({ ...window, status: 'Created,Picking' })).status).toBe(400);
    expect((await get(window, { appkey: appKey, appsecret: 'wrong' })).status).toBe(401);
    // A package dated January 2024 (before n11's REST history begins) is never listed.
    n11().addPackages([{ lastModifiedDate: Date.UTC(2024, 0, 5), shipmentPackageStatus: 'Delivered', lines: [{ stockCode: 'X', quantity: 1, price: 1 }] }]);
    const old = await get({ startDate: String(Date.UTC(2024, 0, 1)), endDate: String(Date.UTC(2024, 0, 10)), status: 'Delivered', orderByField: 'true' });
    expect(old.body.content).toEqual([]);
  });
});
