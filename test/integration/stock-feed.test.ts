// The stock feed end to end: real HTTP on the real API, the real worker on an embedded Temporal dev server, a real
// SQLite file and a real PostgreSQL database, and the marketplaces as their HTTP simulators (Trendyol's
// price-and-inventory batches, Hepsiburada's stock uploads, n11's price-stock tasks). What is asserted is what each
// marketplace shows, as its simulator reports it, and what GET /integrations tells an operator.
import { ChannelStock, StockFeedAccount, StockOutbox } from '../../entities/stock-feed';
import type { StockFeedView } from '../../contract/store';
import type { OrderView } from '../../contract/types';
import { DB_KINDS } from '../helpers/db';
import { eventually, KEYS, orderBody, unique, withSystem, type TestSystem } from '../helpers/system';

describe.each(DB_KINDS)('stock feed to the marketplaces on %s', (kind) => {
  let sys: TestSystem;

  // Trendyol holds back 2 units and sells only from main; the others sell everything, from everywhere.
  withSystem(kind, (started) => (sys = started), { OMS_STOCK_BUFFER: 'trendyol=2', OMS_CHANNEL_LOCATIONS: 'trendyol=main', OMS_STOCK_LATE_SWEEP: '1s' });

  /** What each marketplace shows for the SKU now (undefined: never told). */
  function shown(sku: string) {
    const m = sys.marketplaces;
    return {
      trendyol: m.trendyol!.state.stock(sku)?.quantity ?? undefined,
      hepsiburada: m.hepsiburada!.state.stock.get(sku)?.availableStock,
      n11: m.n11!.state.stock.get(sku)?.quantity,
    };
  }

  async function stocked(at: Record<string, number>): Promise<string> {
    const sku = unique('FEED');
    expect((await sys.call('PUT', `/products/${sku}`, { body: { name: sku, price: '99.90' } })).status).toBe(200);
    for (const [location, onHand] of Object.entries(at)) {
      expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand, location } })).status).toBe(200);
    }
    return sku;
  }

  const outboxVersion = async (sku: string) =>
    (await sys.db.orm.em.fork().findOne(StockOutbox, { sku }, { disableIdentityMap: true }))?.version ?? 0;

  test('every stock change notes its SKU in the outbox in the same transaction; a refused change notes nothing', async () => {
    const sku = await stocked({ main: 3 });
    const before = await outboxVersion(sku);
    expect(before).toBeGreaterThan(0);
    const order = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body: orderBody(unique('WS'), [{ sku, quantity: 2, unitPrice: '99.90' }]) });
    expect(order.status).toBe(201);
    const reserved = await outboxVersion(sku);
    expect(reserved).toBe(before + 1);
    // On hand below what is reserved is refused (409): no stock change, so no note either.
    const refused = await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 1, location: 'main' } });
    expect(refused.status).toBe(409);
    expect(await outboxVersion(sku)).toBe(reserved);
  });

  test('each marketplace is told what it may sell: Trendyol from main less its buffer, the others everything', async () => {
    const sku = await stocked({ main: 10, 'store-feed': 5 });
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 8, hepsiburada: 15, n11: 15 }), { timeoutMs: 10_000 });
  });

  test('the order that takes the last unit drives every marketplace to 0 within 2 s', async () => {
    const sku = await stocked({ main: 3 });
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 1, hepsiburada: 3, n11: 3 }), { timeoutMs: 10_000 });
    // Two units go first; then the last one, timed from the order's answer to the last marketplace showing 0.
    const first = await sys.call('POST', '/orders', { key: KEYS.webstore, body: orderBody(unique('WS'), [{ sku, quantity: 2, unitPrice: '99.90' }]) });
    expect(first.status).toBe(201);
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 0, hepsiburada: 1, n11: 1 }), { timeoutMs: 10_000 });
    const last = await sys.call<OrderView>('POST', '/orders', { key: KEYS.webstore, body: orderBody(unique('WS'), [{ sku, quantity: 1, unitPrice: '99.90' }]) });
    expect(last.status).toBe(201);
    expect(last.body.status).toBe('new');
    const accepted = performance.now();
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 0, hepsiburada: 0, n11: 0 }), { timeoutMs: 10_000, intervalMs: 20 });
    const ms = Math.round(performance.now() - accepted);
    process.stdout.write(`[stock feed] last unit sold → every marketplace at 0 in ${ms} ms (${kind})\n`);
    expect(ms).toBeLessThan(2000);
  });

  test('a 429 from Trendyol is waited out and retried: the quantity arrives, and the account showed the error meanwhile', async () => {
    const sku = await stocked({ main: 6 });
    await eventually(() => expect(shown(sku).trendyol).toBe(4), { timeoutMs: 10_000 });
    const path = `/integration/inventory/sellers/${sys.config.marketplaces.trendyol.sellerId}/products/price-and-inventory`;
    sys.marketplaces.trendyol!.state.faults.next(path, { status: 429, body: 'too.many.requests' });
    sys.marketplaces.trendyol!.state.faults.next(path, { status: 429, body: 'too.many.requests' });
    expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 9, location: 'main' } })).status).toBe(200);
    await eventually(() => expect(shown(sku).trendyol).toBe(7), { timeoutMs: 15_000 });
    const feeds = await sys.call<{ stockFeeds: StockFeedView[] }>('GET', '/integrations');
    expect(feeds.status).toBe(200);
    const trendyol = feeds.body.stockFeeds.find((f) => f.account === 'trendyol')!;
    expect(trendyol.lastError?.message).toMatch(/429|too many requests|rate/i);
    expect(trendyol.lastSuccessAt).not.toBeNull();
  });

  test('a quantity back to one Trendyol was sent minutes ago still arrives: the repeated body is sent in another shape', async () => {
    const sku = await stocked({ main: 7 });
    await eventually(() => expect(shown(sku).trendyol).toBe(5), { timeoutMs: 10_000 });
    expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 6, location: 'main' } })).status).toBe(200);
    await eventually(() => expect(shown(sku).trendyol).toBe(4), { timeoutMs: 10_000 });
    expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 7, location: 'main' } })).status).toBe(200);
    await eventually(() => expect(shown(sku).trendyol).toBe(5), { timeoutMs: 10_000 });
    // Trendyol refused the identical body once (the 15-minute rule), then took it with a companion SKU beside it.
    const bodies = sys.marketplaces.trendyol!.state.requests().filter((r) => r.method === 'POST' && JSON.stringify(r.body).includes(sku));
    expect(bodies.some((r) => r.status !== 200)).toBe(true);
    expect(bodies.at(-1)!.status).toBe(200);
  });

  test('a change whose transaction committed long after it stamped the outbox (past the 5 s margin) is still sent, by the late sweep', async () => {
    const sku = await stocked({ main: 4 });
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 2, hepsiburada: 4, n11: 4 }), { timeoutMs: 10_000 });
    // What such a commit leaves: the stock changed and the outbox version up, stamped ten minutes ago.
    const em = sys.db.orm.em.fork();
    const before = await outboxVersion(sku);
    await em.execute('update stock set on_hand = 9 where sku = ? and location = ?', [sku, 'main']);
    await em.nativeUpdate(StockOutbox, { sku }, { version: before + 1, changedAt: new Date(Date.now() - 10 * 60_000) });
    expect(await outboxVersion(sku)).toBe(before + 1);
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 7, hepsiburada: 9, n11: 9 }), { timeoutMs: 15_000 });
  });

  test('an idle feed writes its account row every 2 s or so, not at each 200 ms round', async () => {
    const sku = await stocked({ main: 2 });
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 0, hepsiburada: 2, n11: 2 }), { timeoutMs: 10_000 });
    await eventually(
      async () => {
        const listed = await sys.call<{ stockFeeds: StockFeedView[] }>('GET', '/integrations');
        for (const feed of listed.body.stockFeeds) expect(feed.backlog).toEqual({ unsent: 0, pending: 0, failed: 0 });
      },
      { timeoutMs: 15_000 },
    );
    const lastRun = async () =>
      (await sys.db.orm.em.fork().findOne(StockFeedAccount, { account: 'n11' }, { disableIdentityMap: true }))?.lastRunAt?.getTime();
    const seen = new Set<number | undefined>();
    for (const until = Date.now() + 5000; Date.now() < until; ) {
      seen.add(await lastRun());
      await new Promise((r) => setTimeout(r, 50));
    }
    // 25 rounds ran in those 5 s; the row moved with a few of them, and it did move: the feed is alive.
    expect(seen.size).toBeGreaterThanOrEqual(2);
    expect(seen.size).toBeLessThanOrEqual(5);
  });

  test('GET /integrations shows every feed; a resync on demand resends every SKU; an unknown account is 404', async () => {
    const sku = await stocked({ main: 4 });
    await eventually(() => expect(shown(sku)).toEqual({ trendyol: 2, hepsiburada: 4, n11: 4 }), { timeoutMs: 10_000 });
    const listed = await sys.call<{ stockFeeds: StockFeedView[] }>('GET', '/integrations');
    expect(listed.body.stockFeeds.map((f) => f.account)).toEqual(['hepsiburada', 'n11', 'trendyol']);
    for (const feed of listed.body.stockFeeds) {
      expect(feed.lastRunAt).not.toBeNull();
      expect(feed.lastResyncAt).not.toBeNull();
    }
    expect((await sys.call('GET', '/integrations', { key: KEYS.webstore })).status).toBe(403);

    const n11Sends = () => sys.marketplaces.n11!.state.requests.entries.filter((r) => r.path.endsWith('/price-stock-update') && r.body.includes(sku)).length;
    const sentBefore = n11Sends();
    const resync = await sys.call('POST', '/integrations/stock-feeds/n11/resync');
    expect(resync).toMatchObject({ status: 202, body: { accepted: true } });
    await eventually(() => expect(n11Sends()).toBeGreaterThan(sentBefore), { timeoutMs: 10_000 });
    expect(shown(sku).n11).toBe(4);

    // The same, as metrics a Prometheus scrape reads.
    const metrics = await fetch(`${sys.baseUrl}/metrics`).then((r) => r.text());
    for (const account of ['trendyol', 'hepsiburada', 'n11']) {
      for (const state of ['unsent', 'pending', 'failed']) {
        expect(metrics).toMatch(new RegExp(`^oms_stock_feed_backlog\\{account="${account}",state="${state}"\\} \\d+$`, 'm'));
      }
      const last = new RegExp(`^oms_stock_feed_last_success_timestamp_seconds\\{account="${account}"\\} (\\S+)$`, 'm').exec(metrics);
      expect(Number(last?.[1])).toBeGreaterThan(Date.now() / 1000 - 60);
    }

    const unknown = await sys.call<{ error: { code: string; message: string } }>('POST', '/integrations/stock-feeds/ebay/resync');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toBe('No stock feed has run for channel account ebay');
  });
});

describe.each(DB_KINDS)('stock feed with one SKU to vary nothing with, on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), { OMS_STOCK_FEED_CHANNELS: 'trendyol' });

  test("a quantity back down to one sent minutes ago, with no other SKU to pair it with, is sent one lower (never more than there is) and the exact one is due after Trendyol's window", async () => {
    const sku = unique('ONLY');
    expect((await sys.call('PUT', `/products/${sku}`, { body: { name: sku, price: '10.00' } })).status).toBe(200);
    const set = async (onHand: number) => expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand, location: 'main' } })).status).toBe(200);
    const shown = () => sys.marketplaces.trendyol!.state.stock(sku)?.quantity;
    await set(4);
    await eventually(() => expect(shown()).toBe(4), { timeoutMs: 10_000 });
    await set(5);
    await eventually(() => expect(shown()).toBe(5), { timeoutMs: 10_000 });
    await set(4);
    // `4` again within 15 minutes is refused; leaving the channel at 5 would sell a unit that is not there, so it is
    // told 3 now and 4 once the window has passed.
    await eventually(() => expect(shown()).toBe(3), { timeoutMs: 10_000 });
    const row = (await sys.db.orm.em.fork().findOne(ChannelStock, { account: 'trendyol', sku }, { disableIdentityMap: true }))!;
    expect(row.sentQuantity).toBe(3);
    expect(row.retryAt!.getTime() - Date.now()).toBeGreaterThan(14 * 60_000);
  });
});
