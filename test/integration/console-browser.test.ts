// The operator console in a real browser (issue 8): Debian's chromium driven by playwright-core, against a whole
// system (real Temporal dev server, SQLite, the worker with its simulators, real HTTP). Faults are injected into the
// simulators the way operator.test.ts does, and every assertion reads what the page shows.
// OMS_CONSOLE_SCREENSHOTS=1 also writes docs/console-queue.png and docs/console-order.png (1280 px wide).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { OrderView } from '../../contract/types';
import { PROJECT_ROOT } from '../helpers/db';
import { authorize, eventually, getOrder, KEYS, orderStuckAtLabel, packed, placeOrder, seedSku, waitForStatus, withSystem, type TestSystem } from '../helpers/system';

const CHROMIUM = '/usr/bin/chromium';
/** The little of the page's DOM a predicate reads (the test program has no DOM types). */
type PageDocument = { querySelector(selector: string): { textContent: string | null } | null };
const UI_URL = 'http://temporal-ui.example:8233';
const SCREENSHOTS = process.env.OMS_CONSOLE_SCREENSHOTS === '1';
/** The queue refreshes every 5 s: anything it has to notice gets a few rounds. */
const QUEUE_WAIT = 30_000;

if (!existsSync(CHROMIUM)) {
  throw new Error(`${CHROMIUM} is missing: run \`npm ci\` as root (scripts/setup-tools.mjs installs it) or apt-get install chromium`);
}

describe('operator console in chromium on sqlite', () => {
  let sys: TestSystem;
  let browser: Browser;
  let page: Page;
  withSystem('sqlite', (started) => (sys = started), { OMS_TEMPORAL_UI_URL: UI_URL });

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'tr-TR', timezoneId: 'Europe/Istanbul' });
  });
  afterEach(async () => {
    sys.simulators.faults.clear();
    await page?.close();
  });

  async function signIn(key: string = KEYS.operator): Promise<void> {
    await page.goto(`${sys.baseUrl}/console/`);
    await page.getByLabel('Operator key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  const queueRow = (id: string) => page.locator(`table.queue tr[data-id="${id}"]`);
  const cell = async (id: string, col: string) => (await queueRow(id).locator(`td[data-col="${col}"]`).textContent())?.trim();

  /** A card order in picking whose cancel is stuck on the payment void: flagged by a failing compensation. */
  async function stuckCompensation(unitPrice = '1234.50'): Promise<OrderView> {
    const sku = await seedSku(sys, 1, undefined, unitPrice);
    const order = await placeOrder(sys, [{ sku, quantity: 1, unitPrice }]);
    await authorize(sys, order);
    await waitForStatus(sys, order.id, 'picking');
    sys.simulators.faults.set('payment.void', 'always', 'permanent');
    const res = await sys.call('POST', `/orders/${order.id}/cancel`, { key: KEYS.webstore, body: { reason: 'customer_request' } });
    expect(res.status).toBe(202);
    return order;
  }

  /** An order stuck on its label: the carrier refuses it for good. */
  const stuckLabel = () => orderStuckAtLabel(sys);

  test('signing in needs an operator key: a channel key is refused with the API message, sign-out forgets the key', async () => {
    await signIn(KEYS.webstore);
    await page.getByText('This action needs an operator key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await page.getByLabel('Operator key').fill(KEYS.operator);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Attention queue' }).waitFor();
    // A reload keeps the session (sessionStorage), and nothing of the key is in localStorage or a cookie.
    await page.reload();
    await page.getByRole('heading', { name: 'Attention queue' }).waitFor();
    // Page-side expressions as strings: the test program has no DOM types.
    expect(await page.evaluate('[localStorage.length, document.cookie]')).toEqual([0, '']);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Operator key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  test('the queue shows an order flagged by a failing compensation: step, reason, since, channel, status, value', async () => {
    const order = await stuckCompensation('1234.50');
    await signIn();
    await queueRow(order.id).waitFor({ timeout: QUEUE_WAIT });
    expect(await cell(order.id, 'step')).toBe('compensate:refund_or_void_payment');
    expect(await cell(order.id, 'reason')).not.toBe('');
    expect(await cell(order.id, 'since')).toMatch(/just now|min ago/);
    expect(await cell(order.id, 'channel')).toBe('webstore');
    expect(await cell(order.id, 'status')).toBe('picking');
    expect(await cell(order.id, 'value')).toBe('1.234,50 TRY');
    const count = page.locator('ul.counts a', { hasText: 'compensate:refund_or_void_payment' });
    expect(await count.locator('.count').textContent()).toBe('1');
    if (SCREENSHOTS) await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'console-queue.png'), fullPage: true });
  });

  test('a refresh keeps the operator in place: the focused row link and the filters survive it', async () => {
    const order = await stuckCompensation();
    await signIn();
    await page.goto(`${sys.baseUrl}/console/#/queue?channel=webstore`);
    const link = queueRow(order.id).getByRole('link', { name: order.id });
    await link.focus({ timeout: QUEUE_WAIT });
    const before = await page.locator('.updated').textContent();
    // A function, not a string: the console's CSP (no unsafe-eval) refuses a string predicate.
    await page.waitForFunction(
      (b) => (globalThis as unknown as { document: PageDocument }).document.querySelector('.updated')?.textContent !== b,
      before,
      { timeout: QUEUE_WAIT },
    );
    expect(await page.evaluate('document.activeElement?.textContent')).toBe(order.id);
    expect(await page.getByLabel('Channel').inputValue()).toBe('webstore');
  });

  test('retry after the fault is cleared: the order leaves the queue', async () => {
    const order = await stuckCompensation();
    await signIn();
    await queueRow(order.id).getByRole('link').click({ timeout: QUEUE_WAIT });
    await page.getByRole('heading', { name: `Order ${order.id}` }).waitFor();
    await page.getByText('Waiting for an operator at compensate:refund_or_void_payment').waitFor();
    const workflow = page.getByRole('link', { name: 'Workflow in the Temporal UI' });
    expect(await workflow.getAttribute('href')).toBe(`${UI_URL}/namespaces/default/workflows/${encodeURIComponent(`order:${order.id}`)}`);
    // Turkish letters as they were sent, money in the Turkish style.
    await page.getByText('Ayşe Yılmaz').first().waitFor();
    if (SCREENSHOTS) await page.screenshot({ path: join(PROJECT_ROOT, 'docs', 'console-order.png'), fullPage: true });

    sys.simulators.faults.clear('payment.void');
    await page.getByRole('button', { name: 'Retry the step' }).click();
    await page.locator('.action-retry .outcome.ok').waitFor({ timeout: 20_000 });
    await page.getByRole('link', { name: 'Attention queue' }).click();
    await page.getByRole('heading', { name: 'Attention queue' }).waitFor();
    await page.locator('.updated:not(:empty)').waitFor();
    await queueRow(order.id).waitFor({ state: 'detached', timeout: QUEUE_WAIT });
  });

  test('skip with a reason: the order page shows it in the timeline with the operator as actor', async () => {
    const order = await stuckLabel();
    await signIn();
    await page.goto(`${sys.baseUrl}/console/#/order/${encodeURIComponent(order.id)}`);
    await page.getByText('Waiting for an operator at create_shipment').waitFor();
    const reason = 'Etiket şubede elle basıldı — İzmir';
    await page.getByLabel('Why skip it (required)').fill(reason);
    await page.getByRole('button', { name: 'Skip the step' }).click();
    await page.locator('.action-skip .outcome.ok').waitFor({ timeout: 20_000 });
    const row = page.locator('table.timeline tr', { hasText: reason });
    await row.waitFor();
    expect(await row.textContent()).toContain('operator:operator');
  });

  test('a refused action shows the API message in place', async () => {
    const order = await stuckLabel();
    await signIn();
    await page.goto(`${sys.baseUrl}/console/#/order/${encodeURIComponent(order.id)}`);
    await page.getByRole('button', { name: 'Retry the step' }).waitFor();
    // Another operator skips the step meanwhile; this page still offers a retry, which the order now refuses.
    expect((await sys.call('POST', `/orders/${order.id}/skip`, { body: { reason: 'done by a colleague' } })).status).toBe(200);
    const api = await sys.call<{ error: { message: string } }>('POST', `/orders/${order.id}/retry`, { body: {} });
    expect(api.status).toBe(409);
    await page.getByRole('button', { name: 'Retry the step' }).click();
    const shown = page.locator('.action-retry .outcome.error');
    await shown.waitFor();
    expect(await shown.textContent()).toBe(api.body.error.message);
  });

  test('the stock page shows a reservation per location, and a set with its reason among the movements', async () => {
    for (const [id, priority] of [['main', 100], ['store-kadikoy', 200]] as const) {
      const res = await sys.call('PUT', `/locations/${id}`, { body: { name: id === 'main' ? 'Merkez depo' : 'Kadıköy mağaza', kind: 'warehouse', priority, city: 'İstanbul', active: true } });
      expect([200, 201]).toContain(res.status);
    }
    const sku = await seedSku(sys, 1);
    expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 1, location: 'store-kadikoy' } })).status).toBe(200);
    // One unit at each location: the second order is sourced where the first left stock.
    const first = await placeOrder(sys, [{ sku, quantity: 1 }]);
    const second = await placeOrder(sys, [{ sku, quantity: 1 }]);
    await signIn();
    await page.goto(`${sys.baseUrl}/console/#/stock/${encodeURIComponent(sku)}`);
    const reservations = page.locator('table.reservations tbody tr');
    await reservations.first().waitFor();
    const rows = await reservations.allTextContents();
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.includes(first.id))).toContain('main');
    expect(rows.find((r) => r.includes(second.id))).toContain('store-kadikoy');
    const perLocation = await page.locator('table.stock-locations tbody tr').allTextContents();
    expect(perLocation).toEqual(['main110', 'store-kadikoy110']);

    const set = page.locator('form.action-set');
    await set.getByLabel('Location').fill('main');
    await set.getByLabel('On hand').fill('4');
    await set.getByLabel('Reason').fill('sayım');
    await set.getByRole('button', { name: 'Set on-hand' }).click();
    await page.locator('.action-set .outcome.ok').waitFor();
    expect(await page.locator('table.stock-locations tbody tr').first().textContent()).toBe('main413');
    await page.locator('table tr', { hasText: 'set: sayım' }).waitFor();
  });

  test('the integrations page shows each marketplace\'s status write-back queue as GET /integrations reports it', async () => {
    const api = await sys.call<{ writeBacks: { channel: string; started: boolean }[] }>('GET', '/integrations');
    expect(api.status).toBe(200);
    expect(api.body.writeBacks.length).toBeGreaterThan(0);
    await signIn();
    await page.goto(`${sys.baseUrl}/console/#/integrations`);
    const queues = page.locator('table', { has: page.locator('caption', { hasText: 'Status write-back' }) }).locator('tbody tr');
    await queues.first().waitFor();
    const rows = await queues.allTextContents();
    expect(rows).toHaveLength(api.body.writeBacks.length);
    for (const w of api.body.writeBacks) {
      const row = rows.find((r) => r.startsWith(w.channel));
      expect(row).toBeDefined();
      if (!w.started) expect(row).toContain('not started');
    }
  });

  test('keyboard only: sign in, reach a queued order by Tab, open it with Enter; a long Turkish name shows whole', async () => {
    const name = 'Şükriye Gülşen Çağlayan-Öztürkoğlu İğdırlıoğulları Üçüncü Kuşak Ailesinin Temsilcisi';
    const sku = await seedSku(sys, 1, undefined, '10.00');
    const placed = await placeOrder(sys, [{ sku, quantity: 1, unitPrice: '10.00' }], {
      customer: { name, email: 'sukriye@example.com', phone: '+905551112233' },
    });
    await authorize(sys, placed);
    await waitForStatus(sys, placed.id, 'picking');
    sys.simulators.faults.set('payment.void', 'always', 'permanent');
    expect((await sys.call('POST', `/orders/${placed.id}/cancel`, { key: KEYS.webstore, body: { reason: 'customer_request' } })).status).toBe(202);

    await page.goto(`${sys.baseUrl}/console/`);
    await page.getByLabel('Operator key').focus();
    await page.keyboard.type(KEYS.operator);
    await page.keyboard.press('Enter');
    await queueRow(placed.id).waitFor({ timeout: QUEUE_WAIT });
    // Tab through the page until the order's link has the focus; nothing but the keyboard moves it.
    let reached = false;
    for (let i = 0; i < 40 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate('document.activeElement?.textContent')) === placed.id;
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.hash.includes(encodeURIComponent(placed.id)) || url.hash.includes(placed.id));
    const customer = page.locator('dd, td, span, p', { hasText: name }).first();
    await customer.waitFor();
    expect(await customer.textContent()).toContain(name);
  });

  test('readable on a phone: nothing wider than the screen but the tables, which scroll in their own box', async () => {
    await stuckCompensation();
    await page.setViewportSize({ width: 390, height: 800 });
    await signIn();
    await page.locator('table.queue tr[data-id]').first().waitFor({ timeout: QUEUE_WAIT });
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
  });
});
