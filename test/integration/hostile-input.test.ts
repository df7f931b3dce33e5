// Hostile input against the whole system (security review D1, D2, D4, D6, D7, D8): real HTTP on the real API, the
// real worker on an embedded Temporal dev server, a real SQLite file and a real PostgreSQL database. Each answer is
// a 400 naming the field, it comes quickly and small, and nothing starts, is stored or is reserved because of it.
import { WorkflowNotFoundError } from '@temporalio/client';
import { SIGNATURE_HEADER, signCallback } from '../../api/signature';
import type { OrderView } from '../../contract/types';
import { orderWorkflowId } from '../../contract/workflow';
import { CallbackLog } from '../../entities/read-model';
import { MAX_MONEY } from '../../domain/money';
import { DB_KINDS } from '../helpers/db';
import { KEYS, eventually, inventory, orderBody, seedSku, unique, withSystem, type TestSystem } from '../helpers/system';

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

const paths = (body: ErrorBody) => (body.error.details ?? []).map((d) => d.path);

/** Milliseconds `run` takes; only for generous sanity bounds on answers that took seconds before. */
async function timed<T>(run: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const start = performance.now();
  const result = await run();
  return { result, ms: performance.now() - start };
}

describe.each(DB_KINDS)('hostile input over HTTP on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started));

  /** Asserts that no workflow was ever started for the order. */
  async function noWorkflow(orderId: string): Promise<void> {
    const described = sys.temporal.client.workflow.getHandle(orderWorkflowId(orderId)).describe();
    await expect(described).rejects.toBeInstanceOf(WorkflowNotFoundError);
  }

  test('a 120 KB pathological e-mail answers 400 at once, and the process keeps answering meanwhile (D1)', async () => {
    const body = orderBody(unique('REDOS'), [{ sku: 'ANY', quantity: 1 }]);
    (body.customer as Record<string, unknown>).email = `a@${'.'.repeat(120_000)}@`;
    const post = timed(() => sys.call<ErrorBody>('POST', '/orders', { key: KEYS.webstore, body }));
    const health = timed(() => sys.call('GET', '/health', { key: null }));
    const [order, probe] = await Promise.all([post, health]);
    expect(order.result.status).toBe(400);
    expect(order.result.body.error.details).toEqual([{ path: 'customer.email', message: 'must be at most 254 characters' }]);
    // It took 8-24 s before, and /health waited for it; a second is generous.
    expect(order.ms).toBeLessThan(1000);
    expect(probe.ms).toBeLessThan(1000);
  });

  test('an order whose total cannot be represented is refused by field before any workflow starts (D2)', async () => {
    // 100 × 999999999999.99 is past 2^53 minor units: the workflow threw on every task before.
    const poisoned = orderBody(unique('OVF'), [{ sku: 'ANY', quantity: 100, unitPrice: MAX_MONEY }]);
    const refused = await sys.call<ErrorBody>('POST', '/orders', { key: KEYS.webstore, body: poisoned });
    expect(refused.status).toBe(400);
    expect(paths(refused.body)).toEqual(['lines.0', 'lines']);
    const id = `webstore:${String(poisoned.externalOrderId)}`;
    await noWorkflow(id);
    expect((await sys.call('GET', `/orders/${id}`, { key: KEYS.webstore })).status).toBe(404);

    // 2 × the maximum (13 digits) made a ghost order holding stock that nobody could cancel.
    const sku = await seedSku(sys, 5);
    expect((await sys.call('PUT', `/products/${sku}`, { body: { name: 'big', price: MAX_MONEY } })).status).toBe(200);
    const ghost = orderBody(unique('GT'), [{ sku, quantity: 2, unitPrice: MAX_MONEY }]);
    const answer = await sys.call<ErrorBody>('POST', '/orders', { key: KEYS.webstore, body: ghost });
    expect(answer.status).toBe(400);
    expect(paths(answer.body)).toEqual(['lines.0', 'lines']);
    await noWorkflow(`webstore:${String(ghost.externalOrderId)}`);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
  });

  test('the largest amount the API accepts is stored whole: a product price and an order line of MAX_MONEY', async () => {
    const sku = await seedSku(sys, 1);
    const product = await sys.call('PUT', `/products/${sku}`, { body: { name: 'big', price: MAX_MONEY } });
    expect(product).toMatchObject({ status: 200, body: { price: MAX_MONEY } });
    const created = await sys.call<OrderView>('POST', '/orders', {
      key: KEYS.webstore,
      body: orderBody(unique('MAX'), [{ sku, quantity: 1, unitPrice: MAX_MONEY }]),
    });
    expect(created.status).toBe(201);
    expect(created.body.totals.total).toBe(MAX_MONEY);
    // Through the read model, not only the workflow's own answer: its columns hold the amount.
    const stored = await eventually(async () => {
      const found = await sys.store.getOrder(created.body.id);
      expect(found).not.toBeNull();
      return found!;
    });
    expect(stored.lines[0]).toMatchObject({ unitPrice: MAX_MONEY, lineTotal: MAX_MONEY });
    expect((await sys.call<OrderView>('GET', `/orders/${created.body.id}`)).body.totals.total).toBe(MAX_MONEY);
  });

  test('100 000 lines answer 400 quickly with a small body on orders, returns and warehouse callbacks (D4)', async () => {
    const lines = Array.from({ length: 100_000 }, () => ({}));
    const attempts = [
      () => sys.call<ErrorBody>('POST', '/orders', { key: KEYS.webstore, body: { ...orderBody(unique('BIG'), []), lines } }),
      () =>
        sys.call<ErrorBody>('POST', '/orders/webstore:ANY-1/returns', {
          key: KEYS.webstore,
          body: { lines, reason: 'changed_mind' },
        }),
      () =>
        sys.signed<ErrorBody>('/callbacks/warehouse', {
          eventId: unique('wh'),
          orderId: 'webstore:ANY-1',
          type: 'return_received',
          lines,
        }),
    ];
    for (const attempt of attempts) {
      const { result, ms } = await timed(attempt);
      expect(result.status).toBe(400);
      expect(paths(result.body)).toEqual(['lines']);
      expect(JSON.stringify(result.body).length).toBeLessThan(1000);
      expect(ms).toBeLessThan(2000); // 3.5 s and a 500 before
    }
  });

  test('a hundred bad lines list the first 20 problems and count the rest (D4)', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => ({ sku: `bad sku ${i}`, quantity: 0, unitPrice: '1.001' }));
    const answer = await sys.call<ErrorBody>('POST', '/orders', {
      key: KEYS.webstore,
      body: { ...orderBody(unique('MANY'), []), lines },
    });
    expect(answer.status).toBe(400);
    const details = answer.body.error.details ?? [];
    expect(details).toHaveLength(21);
    expect(details.slice(0, 3).map((d) => d.path)).toEqual(['lines.0.sku', 'lines.0.quantity', 'lines.0.unitPrice']);
    expect(details[20]).toEqual({ path: 'request', message: '280 more problems not listed' });
    expect(JSON.stringify(answer.body).length).toBeLessThan(5000);
  });

  test('a NUL or other control character in a text field answers 400 naming it, on every kind of route (D6)', async () => {
    const sku = await seedSku(sys, 3);
    const cases: [string, () => Promise<{ status: number; body: ErrorBody }>][] = [
      ['name', () => sys.call<ErrorBody>('PUT', `/products/${sku}`, { body: { name: 'Ali\u0000Veli', price: '1.00' } })],
      [
        'reason',
        () => sys.call<ErrorBody>('POST', `/inventory/${sku}/adjustments`, { body: { delta: 1, reason: 'x\u0000' } }),
      ],
      [
        'customer.name',
        () =>
          sys.call<ErrorBody>('POST', '/orders', {
            key: KEYS.webstore,
            body: orderBody(unique('NUL'), [{ sku, quantity: 1 }], { customer: { name: 'Ayşe\u0000' } }),
          }),
      ],
      [
        'shippingAddress.line1',
        () =>
          sys.call<ErrorBody>('POST', '/orders', {
            key: KEYS.webstore,
            body: orderBody(unique('ESC'), [{ sku, quantity: 1 }], {
              shippingAddress: { line1: 'a\u001b[2J', city: 'b', country: 'TR' },
            }),
          }),
      ],
      [
        'eventId',
        () => sys.signed<ErrorBody>('/callbacks/payments', { eventId: 'nul\u0000x', orderId: 'webstore:nope', type: 'captured' }),
      ],
      [
        'trackingNumber',
        () =>
          sys.signed<ErrorBody>('/callbacks/carriers/mng', {
            eventId: unique('n2'),
            trackingNumber: 'MN\u00001',
            status: 'delivered',
            at: '2026-01-01T00:00:00Z',
          }),
      ],
    ];
    for (const [field, send] of cases) {
      const answer = await send();
      expect({ field, status: answer.status, paths: paths(answer.body) }).toEqual({ field, status: 400, paths: [field] });
    }
    expect((await sys.call<{ name: string }>('GET', `/products/${sku}`)).body.name).toBe(`Product ${sku}`);
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 3, reserved: 0 });
  });

  test('a signed callback with a deeply nested unknown field answers 400 naming it and stores nothing (D7)', async () => {
    const eventId = unique('deep');
    // 10^4 levels: JSON.parse takes it, JSON.stringify of the stored payload overflowed the stack (a 500) before.
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const raw = `{"eventId":"${eventId}","orderId":"webstore:nope","type":"authorized","deep":${deep}}`;
    const res = await fetch(`${sys.baseUrl}/callbacks/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signCallback(sys.config.webhookSecret, raw) },
      body: raw,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error.details).toEqual([{ path: 'deep', message: 'is not a known field' }]);
    expect(await sys.db.orm.em.fork().findOne(CallbackLog, { source: 'payment', eventId })).toBeNull();
  });

  test('stock counts past 10^9 answer 400 by field, so the integer columns never overflow (D8)', async () => {
    const sku = unique('MAX');
    const set = await sys.call<ErrorBody>('PUT', `/inventory/${sku}`, { body: { onHand: 2 ** 31 } });
    expect({ status: set.status, paths: paths(set.body) }).toEqual({ status: 400, paths: ['onHand'] });
    expect((await sys.call('PUT', `/inventory/${sku}`, { body: { onHand: 1_000_000_000 } })).status).toBe(200);
    const adjusted = await sys.call<ErrorBody>('POST', `/inventory/${sku}/adjustments`, {
      body: { delta: 2 ** 31, reason: 'recount' },
    });
    expect({ status: adjusted.status, paths: paths(adjusted.body) }).toEqual({ status: 400, paths: ['delta'] });
    expect(await inventory(sys, sku)).toMatchObject({ onHand: 1_000_000_000 });
  });
});
