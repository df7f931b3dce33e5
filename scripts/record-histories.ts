// `npm run record-histories`: runs real orders through the real stack (embedded dev server, worker, API on a
// throw-away SQLite file) along every main path of the spec, and writes each workflow's event history to
// test/histories/. The replay test replays them against the current workflow code, so a change that would
// break orders in flight fails CI. Histories already recorded are never rewritten: each run adds new files after
// the highest number there (the workflow type in each history picks the code that replays it). Names given on the
// command line write only those scenarios' histories (e.g. after a patch, the paths it changes).
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { orderWorkflowId } from '../contract/workflow';
import type { OrderView } from '../contract/types';
import { signCallback } from '../api/signature';
import { loadConfig } from '../workers/config';
import { closeORM, connectTemporal, openDatabase, startApi, startWorker } from '../workers/system';
import { projectRoot } from '../workers/temporal-binaries';

const outDir = join(projectRoot, 'test', 'histories');
const dataDir = mkdtempSync(join(tmpdir(), 'oms-record-'));
const config = loadConfig({
  DATABASE_URL: `sqlite:${join(dataDir, 'oms.sqlite')}`,
  TEMPORAL_UI_PORT: '0',
  OMS_PAYMENT_TIMEOUT_CARD: '3s',
  OMS_RETURN_WINDOW: '4s',
  OMS_STEP_RETRY: '2s',
  OMS_LOG_LEVEL: 'warn',
});
const operator = { authorization: `Bearer ${config.operatorKeys[0]!.key}` };
const webstore = { authorization: `Bearer ${config.apiKeys.webstore}` };
const trendyol = { authorization: `Bearer ${config.apiKeys.trendyol}` };

async function main(): Promise<void> {
  const temporal = await connectTemporal(config, { dataDir: null });
  const orm = await openDatabase(config, { migrate: true });
  const worker = await startWorker(config, temporal, orm);
  const api = await startApi(config, temporal, orm, 0);
  const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as OrderView;
    if (res.status >= 400) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const callback = async (path: string, body: unknown) => {
    const raw = JSON.stringify(body);
    const res = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-oms-signature': signCallback(config.webhookSecret, raw) },
      body: raw,
    });
    if (res.status !== 200) throw new Error(`${path} → ${res.status} ${await res.text()}`);
  };
  const until = async (id: string, headers: Record<string, string>, predicate: (o: OrderView) => boolean) => {
    let order: OrderView | undefined;
    for (let i = 0; i < 200; i++) {
      order = await call('GET', `/orders/${id}`, headers);
      if (predicate(order)) return order;
      await new Promise((r) => setTimeout(r, 100));
    }
    const units = order?.fulfillments?.map((f) => `${f.id} ${f.status} ${f.trackingNumber ?? ''}`).join(', ');
    const recent = order?.timeline.slice(-6).map((t) => `${t.type} ${t.status ?? ''} ${t.detail ?? ''}`).join(' | ');
    throw new Error(`order ${id} never reached the expected state: ${order?.status}, units [${units}], attention ${JSON.stringify(order?.attention)}, last: ${recent}`);
  };
  let seq = 0;
  const event = () => `rec-${Date.now()}-${++seq}`;
  const order = (externalOrderId: string, method: string, headers = webstore, quantity = 1) =>
    call('POST', '/orders', headers, {
      externalOrderId,
      customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com' },
      shippingAddress: { line1: 'Bağdat Cd. 10', district: 'Kadıköy', city: 'İstanbul', postalCode: '34710', country: 'TR' },
      lines: [
        { sku: 'REC-1', quantity, unitPrice: '149.90' },
        { sku: 'REC-2', quantity: 1, unitPrice: '10.05' },
      ],
      currency: 'TRY',
      payment: { method },
    });
  const toLabel = async (id: string, headers: Record<string, string>, pay?: 'authorized' | 'captured') => {
    if (pay) await callback('/callbacks/payments', { eventId: event(), orderId: id, type: pay, amount: '159.95', currency: 'TRY' });
    await until(id, headers, (o) => o.status === 'picking');
    await callback('/callbacks/warehouse', { eventId: event(), orderId: id, type: 'packed' });
    return (await until(id, headers, (o) => Boolean(o.shipment?.trackingNumber))).shipment!;
  };
  const carrier = (carrierName: string, trackingNumber: string, status: string) =>
    callback(`/callbacks/carriers/${carrierName}`, { eventId: event(), trackingNumber, status, at: new Date().toISOString() });

  for (const [sku, price] of [['REC-1', '149.90'], ['REC-2', '10.05']]) {
    await call('PUT', `/products/${sku}`, operator, { name: sku, price, active: true });
    await call('PUT', `/inventory/${sku}`, operator, { onHand: 50, location: 'main' });
  }
  const run = `${Date.now()}`;
  const recorded: string[] = [];

  // 1. card order, full lifecycle and a return of one unit
  const a = await order(`R${run}-return`, 'card');
  let ship = await toLabel(a.id, webstore, 'authorized');
  await carrier(ship.carrier, ship.trackingNumber, 'picked_up');
  await carrier(ship.carrier, ship.trackingNumber, 'delivered');
  await until(a.id, webstore, (o) => o.status === 'delivered');
  await call('POST', `/orders/${a.id}/returns`, webstore, { lines: [{ sku: 'REC-1', quantity: 1 }], reason: 'changed_mind' });
  await callback('/callbacks/warehouse', {
    eventId: event(),
    orderId: a.id,
    type: 'return_received',
    lines: [{ sku: 'REC-1', quantity: 1, condition: 'sellable' }],
  });
  await until(a.id, webstore, (o) => o.status === 'return_completed');
  recorded.push(a.id);

  // 2. marketplace order: delivered, return window closes
  const b = await order(`R${run}-window`, 'marketplace', trendyol);
  ship = await toLabel(b.id, trendyol);
  await carrier(ship.carrier, ship.trackingNumber, 'in_transit');
  await carrier(ship.carrier, ship.trackingNumber, 'delivered');
  await carrier(ship.carrier, ship.trackingNumber, 'in_transit'); // late, ignored
  await until(b.id, trendyol, (o) => o.timeline.some((t) => t.type === 'return_window_closed'));
  recorded.push(b.id);

  // 3. cancel after the label: every compensation
  const c = await order(`R${run}-cancel`, 'card');
  await toLabel(c.id, webstore, 'captured');
  await call('POST', `/orders/${c.id}/cancel`, webstore, { reason: 'customer_request' });
  recorded.push(c.id);

  // 4. out of stock
  const d = await order(`R${run}-oos`, 'card', webstore, 999);
  if (d.status !== 'canceled') throw new Error('expected out_of_stock');
  recorded.push(d.id);

  // 5. payment timeout
  const e = await order(`R${run}-timeout`, 'card');
  await until(e.id, webstore, (o) => o.status === 'canceled');
  recorded.push(e.id);

  // 6. damaged return, operator decides
  const f = await order(`R${run}-damaged`, 'cash_on_delivery');
  ship = await toLabel(f.id, webstore);
  await carrier(ship.carrier, ship.trackingNumber, 'delivered');
  await until(f.id, webstore, (o) => o.status === 'delivered');
  await call('POST', `/orders/${f.id}/returns`, webstore, { lines: [{ sku: 'REC-2', quantity: 1 }], reason: 'broken' });
  await callback('/callbacks/warehouse', {
    eventId: event(),
    orderId: f.id,
    type: 'return_received',
    lines: [{ sku: 'REC-2', quantity: 1, condition: 'damaged' }],
  });
  await until(f.id, webstore, (o) => o.attention?.step === 'refund_decision');
  await call('POST', `/orders/${f.id}/refund-decision`, operator, { refundDamaged: false, reason: 'customer damage' });
  await until(f.id, webstore, (o) => o.status === 'return_completed');
  recorded.push(f.id);

  // 7. a compensation that fails for good, skipped by an operator
  worker.simulators.faults.set('erp.reverseSale', 'always', 'permanent');
  const g = await order(`R${run}-stuck`, 'marketplace', trendyol);
  await until(g.id, trendyol, (o) => o.status === 'picking');
  await call('POST', `/orders/${g.id}/cancel`, trendyol, { reason: 'customer_request' });
  await until(g.id, trendyol, (o) => o.attention?.step === 'compensate:post_erp_sale');
  await call('POST', `/orders/${g.id}/skip`, operator, { reason: 'reversed by hand in the ERP' });
  await until(g.id, trendyol, (o) => o.status === 'canceled');
  worker.simulators.faults.clear();
  recorded.push(g.id);

  // 8. in flight: paid and waiting at the warehouse (a partial history, as a running order has)
  const h = await order(`R${run}-inflight`, 'card');
  await callback('/callbacks/payments', { eventId: event(), orderId: h.id, type: 'authorized', amount: '159.95', currency: 'TRY' });
  await until(h.id, webstore, (o) => o.status === 'picking');
  recorded.push(h.id);

  // 9. a capture arriving after the payment timeout (order 5 has ended): refunded by the late-payment settlement
  const lateEvent = event();
  await callback('/callbacks/payments', { eventId: lateEvent, orderId: e.id, type: 'captured', amount: '159.95', currency: 'TRY' });
  await until(e.id, webstore, (o) => o.paymentStatus === 'refunded');

  // 10. a payment event reaching an order while its cancel waits for an operator: settled once the order ends
  worker.simulators.faults.set('erp.reverseSale', 'always', 'permanent');
  const k = await order(`R${run}-late-open`, 'card');
  await toLabel(k.id, webstore, 'authorized');
  await call('POST', `/orders/${k.id}/cancel`, webstore, { reason: 'customer_request' });
  await until(k.id, webstore, (o) => o.attention?.step === 'compensate:post_erp_sale');
  await callback('/callbacks/payments', { eventId: event(), orderId: k.id, type: 'authorized', amount: '159.95', currency: 'TRY' });
  await call('POST', `/orders/${k.id}/skip`, operator, { reason: 'reversed by hand in the ERP' });
  await until(k.id, webstore, (o) => o.status === 'canceled' && o.timeline.some((t) => t.type === 'late_payment'));
  worker.simulators.faults.clear();

  // 11. a card payment of another amount, held for an operator who accepts it (in flight at the warehouse)
  const m = await order(`R${run}-amount`, 'card');
  await callback('/callbacks/payments', { eventId: event(), orderId: m.id, type: 'authorized', amount: '150.00', currency: 'TRY' });
  await until(m.id, webstore, (o) => o.attention?.step === 'payment_amount');
  await call('POST', `/orders/${m.id}/skip`, operator, { reason: 'price agreed by phone' });
  await until(m.id, webstore, (o) => o.status === 'picking');

  // 12. cash on delivery returned to sender: nothing was collected, nothing refunded
  const n = await order(`R${run}-cod-rts`, 'cash_on_delivery');
  ship = await toLabel(n.id, webstore);
  await carrier(ship.carrier, ship.trackingNumber, 'picked_up');
  await carrier(ship.carrier, ship.trackingNumber, 'returned_to_sender');
  await until(n.id, webstore, (o) => o.status === 'return_pending');
  await callback('/callbacks/warehouse', {
    eventId: event(),
    orderId: n.id,
    type: 'return_received',
    lines: [
      { sku: 'REC-1', quantity: 1, condition: 'sellable' },
      { sku: 'REC-2', quantity: 1, condition: 'sellable' },
    ],
  });
  await until(n.id, webstore, (o) => o.status === 'return_completed');

  // 13. cash on delivery delivered and returned: a manual refund task finance closes
  const p = await order(`R${run}-cod-manual`, 'cash_on_delivery');
  ship = await toLabel(p.id, webstore);
  await carrier(ship.carrier, ship.trackingNumber, 'delivered');
  await until(p.id, webstore, (o) => o.status === 'delivered');
  await call('POST', `/orders/${p.id}/returns`, webstore, { lines: [{ sku: 'REC-2', quantity: 1 }], reason: 'changed_mind' });
  await callback('/callbacks/warehouse', {
    eventId: event(),
    orderId: p.id,
    type: 'return_received',
    lines: [{ sku: 'REC-2', quantity: 1, condition: 'sellable' }],
  });
  await until(p.id, webstore, (o) => o.attention?.step === 'manual_refund');
  await call('POST', `/orders/${p.id}/skip`, operator, { reason: 'EFT 4711' });
  await until(p.id, webstore, (o) => o.status === 'return_completed');

  // 14. a payment callback that beat the order, claimed at acceptance; then a second, distinct capture flagged
  const q = `R${run}-early`;
  await callback('/callbacks/payments', { eventId: event(), orderId: `webstore:${q}`, type: 'authorized', amount: '159.95', currency: 'TRY' });
  await order(q, 'card');
  await until(`webstore:${q}`, webstore, (o) => o.status === 'picking');
  await callback('/callbacks/payments', { eventId: event(), orderId: `webstore:${q}`, type: 'captured', amount: '159.95', currency: 'TRY' });
  await callback('/callbacks/payments', { eventId: event(), orderId: `webstore:${q}`, type: 'captured', amount: '159.95', currency: 'TRY' });
  await until(`webstore:${q}`, webstore, (o) => o.attention?.step === 'second_payment');
  await call('POST', `/orders/webstore:${q}/skip`, operator, { reason: 'provider resent the capture' });
  await until(`webstore:${q}`, webstore, (o) => !o.needsAttention);

  // 15. a step that fails past its retries and recovers on its own (carrier outage), then in flight at pick-up
  worker.simulators.faults.set('carrier.createShipment', 5);
  const r = await order(`R${run}-auto-retry`, 'marketplace', trendyol);
  await until(r.id, trendyol, (o) => o.status === 'picking');
  await callback('/callbacks/warehouse', { eventId: event(), orderId: r.id, type: 'packed' });
  await until(r.id, trendyol, (o) => Boolean(o.shipment?.trackingNumber) && o.timeline.some((t) => t.type === 'auto_retry'));
  worker.simulators.faults.clear();

  // Fulfillment units (orderWorkflowV3): REC-3 only at store-kadikoy, REC-4 only at main (a split);
  // REC-5 at store-moda (preferred) and main (where it goes when store-moda rejects it).
  await call('PUT', '/locations/store-kadikoy', operator, { name: 'Kadıköy', kind: 'store', priority: 10, city: 'İstanbul', active: true });
  await call('PUT', '/locations/store-moda', operator, { name: 'Moda', kind: 'store', priority: 5, city: 'İstanbul', active: true });
  for (const [sku, price, where] of [
    ['REC-3', '149.90', ['store-kadikoy']],
    ['REC-4', '10.05', ['main']],
    ['REC-5', '20.00', ['store-moda', 'main']],
  ] as const) {
    await call('PUT', `/products/${sku}`, operator, { name: sku, price, active: true });
    for (const location of where) await call('PUT', `/inventory/${sku}`, operator, { onHand: 50, location });
  }
  const split = (externalOrderId: string, lines: { sku: string; quantity: number; unitPrice: string }[]) =>
    call('POST', '/orders', webstore, {
      externalOrderId,
      customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com' },
      shippingAddress: { line1: 'Bağdat Cd. 10', district: 'Kadıköy', city: 'İstanbul', postalCode: '34710', country: 'TR' },
      lines,
      currency: 'TRY',
      payment: { method: 'card' },
    });
  const unit = (o: OrderView, n: number) => o.fulfillments?.find((f) => f.number === n);
  const labelUnit = async (id: string, n: number) => {
    await until(id, webstore, (o) => unit(o, n)?.status === 'picking');
    await callback('/callbacks/warehouse', { eventId: event(), orderId: id, type: 'packed', fulfillmentId: `${id}/${n}` });
    return unit(await until(id, webstore, (o) => Boolean(unit(o, n)?.trackingNumber)), n)!;
  };
  const twoLines = [
    { sku: 'REC-3', quantity: 1, unitPrice: '149.90' },
    { sku: 'REC-4', quantity: 1, unitPrice: '10.05' },
  ];

  // 16. a split order: two units shipped and delivered, the return window closes
  const s1 = await split(`R${run}-split`, twoLines);
  await callback('/callbacks/payments', { eventId: event(), orderId: s1.id, type: 'authorized', amount: '159.95', currency: 'TRY' });
  for (const n of [1, 2]) {
    const u = await labelUnit(s1.id, n);
    await carrier(u.carrier!, u.trackingNumber!, 'picked_up');
    await carrier(u.carrier!, u.trackingNumber!, 'delivered');
  }
  await until(s1.id, webstore, (o) => o.timeline.some((t) => t.type === 'return_window_closed'));

  // 17. a partial cancel after one unit shipped: the other unit's line is canceled, refunded and credited
  const s2 = await split(`R${run}-partial`, twoLines);
  await callback('/callbacks/payments', { eventId: event(), orderId: s2.id, type: 'captured', amount: '159.95', currency: 'TRY' });
  const shipped = await labelUnit(s2.id, 1);
  await carrier(shipped.carrier!, shipped.trackingNumber!, 'picked_up');
  await until(s2.id, webstore, (o) => unit(o, 1)?.status === 'shipped');
  await call('POST', `/orders/${s2.id}/cancel`, webstore, { reason: 'customer_request', lines: [{ sku: 'REC-4', quantity: 1 }] });
  await carrier(shipped.carrier!, shipped.trackingNumber!, 'delivered');
  await until(s2.id, webstore, (o) => o.status === 'delivered');

  // 18. two returns of one order, one after the other within the window
  const s3 = await split(`R${run}-two-returns`, twoLines);
  await callback('/callbacks/payments', { eventId: event(), orderId: s3.id, type: 'authorized', amount: '159.95', currency: 'TRY' });
  for (const n of [1, 2]) {
    const u = await labelUnit(s3.id, n);
    await carrier(u.carrier!, u.trackingNumber!, 'delivered');
  }
  await until(s3.id, webstore, (o) => o.status === 'delivered');
  for (const sku of ['REC-3', 'REC-4']) {
    await call('POST', `/orders/${s3.id}/returns`, webstore, { lines: [{ sku, quantity: 1 }], reason: 'changed_mind' });
    await callback('/callbacks/warehouse', { eventId: event(), orderId: s3.id, type: 'return_received', lines: [{ sku, quantity: 1, condition: 'sellable' }] });
    await until(s3.id, webstore, (o) => o.status === 'return_completed' && o.returns.some((r) => r.lines.some((l) => l.sku === sku)));
  }

  // 19. a store rejects its unit: the line is sourced again from the warehouse (in flight there)
  const s4 = await split(`R${run}-rejected`, [{ sku: 'REC-5', quantity: 1, unitPrice: '20.00' }]);
  await callback('/callbacks/payments', { eventId: event(), orderId: s4.id, type: 'authorized', amount: '20.00', currency: 'TRY' });
  await until(s4.id, webstore, (o) => unit(o, 1)?.status === 'picking');
  await callback('/callbacks/warehouse', { eventId: event(), orderId: s4.id, type: 'rejected', fulfillmentId: `${s4.id}/1`, reason: 'shelf empty' });
  await until(s4.id, webstore, (o) => unit(o, 2)?.status === 'picking');

  await new Promise((r) => setTimeout(r, 500));
  const v2 = [
    ...recorded.map((id, i) => [orderWorkflowId(id), `${['card-return', 'marketplace-window-closed', 'cancel-after-label', 'out-of-stock', 'payment-timeout', 'damaged-return-operator', 'compensation-skipped', 'in-flight-picking'][i]}`] as const),
    [orderWorkflowId(k.id), 'payment-while-canceling'] as const,
    [orderWorkflowId(m.id), 'payment-amount-accepted'] as const,
    [orderWorkflowId(n.id), 'cod-returned-to-sender'] as const,
    [orderWorkflowId(p.id), 'cod-manual-refund'] as const,
    [orderWorkflowId(`webstore:${q}`), 'early-and-second-payment'] as const,
    [orderWorkflowId(r.id), 'step-auto-retry'] as const,
    [orderWorkflowId(s1.id), 'split-delivered'] as const,
    [orderWorkflowId(s2.id), 'partial-cancel-after-shipment'] as const,
    [orderWorkflowId(s3.id), 'two-returns'] as const,
    [orderWorkflowId(s4.id), 'rejected-resourced'] as const,
  ];
  // `npm run record-histories -- card-return split-delivered`: every scenario runs, only the named ones are written.
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !v2.some(([, n]) => n === name));
  if (unknown.length > 0) throw new Error(`no scenario named ${unknown.join(', ')} (${v2.map(([, n]) => n).join(', ')})`);
  const chosen = only.length === 0 ? v2 : v2.filter(([, name]) => only.includes(name));
  let next = Math.max(0, ...readdirSync(outDir).map((f) => Number(f.slice(0, 2))).filter(Number.isFinite)) + 1;
  for (const [workflowId, name] of chosen) {
    const history = await temporal.client.workflow.getHandle(workflowId).fetchHistory();
    const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';
    const file = join(outDir, `${String(next).padStart(2, '0')}-${type}-${name}.json`);
    if (existsSync(file)) throw new Error(`${file} exists: recorded histories are never rewritten`);
    writeFileSync(file, historyToJSON(history));
    next += 1;
    console.log(`recorded ${file} (${history.events?.length ?? 0} events)`);
  }

  await api.close();
  await worker.stop();
  await closeORM(orm);
  await temporal.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
