// orderWorkflowV3 on the real time-skipping server: fulfillment units, split shipments, rejection and re-sourcing,
// partial cancel, several returns, money per line scope. Activities are fakes that answer like the simulators and
// the stock ledger would (allocation plans are given per test), so each test controls the outside world.
import type { WorkflowHandle } from '@temporalio/client';
import type { OrderActivities } from '../../contract/activities';
import type { AllocationRequest, AllocationResult, OrderView, StockLine } from '../../contract/types';
import {
  acceptanceUpdate,
  cancelLinesUpdate,
  cancelOrderUpdate,
  carrierEventSignal,
  rejectFulfillmentUpdate,
  requestReturnUpdate,
  warehouseEventSignal,
} from '../../contract/workflow';
import { at, eventId, expectConflict, pay, returnReceived, runOrder } from '../helpers/order-driver';
import { fakeActivities, orderInput, startTimeSkippingEnv, waitForOrder } from '../helpers/workflow-env';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

const V3 = 'orderWorkflowV3';

type Plan = (req: AllocationRequest) => AllocationResult;

/** Fakes with a stock ledger per unit: what allocateStock planned, released, committed; calls with their keys. */
function fakesV3(plans: Plan[], options: Parameters<typeof fakeActivities>[0] = {}) {
  const fake = fakeActivities(options);
  const keyed: string[] = [];
  const ledger = new Map<string, { location: string; reserved: number; committed: number; released: number }>();
  let allocation = 0;
  const a = fake.activities as OrderActivities;
  const record = (name: string, key: string) => {
    fake.calls.push(name);
    keyed.push(`${name} ${key}`);
  };
  const extra: Partial<OrderActivities> = {
    allocateStock: async (req) => {
      const result = plans[Math.min(allocation, plans.length - 1)]!(req);
      allocation += 1;
      record('allocateStock', `${req.firstUnit}${req.exclude?.length ? ` exclude ${req.exclude.join(',')}` : ''}`);
      if (result.ok) {
        for (const u of result.units) {
          for (const l of u.lines) ledger.set(`${u.fulfillment}:${l.sku}`, { location: u.location, reserved: l.quantity, committed: 0, released: 0 });
        }
      }
      return result;
    },
    releaseUnitStock: async ({ fulfillment, key, lines }) => {
      record('releaseUnitStock', `${fulfillment} ${key}`);
      for (const [k, row] of ledger) {
        if (!k.startsWith(`${fulfillment}:`)) continue;
        const sku = k.slice(k.indexOf(':') + 1);
        const q = lines ? (lines.find((l) => l.sku === sku)?.quantity ?? 0) : row.reserved;
        const take = Math.min(q, row.reserved);
        row.reserved -= take;
        row.released += take;
      }
    },
    commitUnitStock: async ({ fulfillment }) => {
      record('commitUnitStock', String(fulfillment));
      for (const [k, row] of ledger) {
        if (!k.startsWith(`${fulfillment}:`)) continue;
        row.committed += row.reserved;
        row.reserved = 0;
      }
    },
    releaseStock: async () => {
      record('releaseStock', 'all');
      for (const row of ledger.values()) {
        row.released += row.reserved;
        row.reserved = 0;
      }
    },
    createPickingTask: async ({ key, location }) => {
      record('createPickingTask', `${key} ${location}`);
      return { taskId: `PT-${key}` };
    },
    cancelPickingTask: async ({ key, taskId }) => {
      record('cancelPickingTask', `${key} ${taskId}`);
    },
    createShipment: async ({ key }) => {
      record('createShipment', key);
      return { carrier: 'yurtici' as const, trackingNumber: `YK-${key}`, labelRef: `LBL-${key}` };
    },
    cancelShipment: async ({ key, trackingNumber }) => {
      record('cancelShipment', `${key} ${trackingNumber}`);
    },
    capturePayment: async ({ key, amount, final }) => {
      record('capturePayment', `${key} ${amount} ${final ? 'final' : 'partial'}`);
      return { captureId: `CAP-${key}` };
    },
    voidPayment: async ({ key }) => {
      record('voidPayment', key);
    },
    refundPayment: async ({ key, amount }) => {
      record('refundPayment', `${key} ${amount}`);
      return { refundId: `RF-${key}` };
    },
    issueCreditNote: async ({ key, amount }) => {
      record('issueCreditNote', `${key} ${amount}`);
      return { creditNoteNumber: `CN-${key}` };
    },
    restockReturn: async ({ returnId, lines, location }) => {
      record('restockReturn', `${returnId} ${lines.map((l) => `${l.sku}x${l.quantity}`).join(',')} @${location ?? '?'}`);
    },
  };
  Object.assign(a, extra);
  return { ...fake, keyed, ledger };
}

const units = (...plan: [string, StockLine[]][]): Plan => (req) => ({
  ok: true,
  units: plan.map(([location, lines], i) => ({ fulfillment: req.firstUnit + i, location, lines })),
  reasons: [plan.length > 1 ? `split: ${plan.map(([l]) => l).join(', ')}` : `${plan[0]![0]} has everything`],
  attempts: 1,
});
const nothing: Plan = (req) => ({
  ok: false,
  shortages: req.lines.map((l) => ({ sku: l.sku, requested: l.quantity, available: 0 })),
  reasons: ['no other location has it'],
  attempts: 1,
});

// SKU-1 x2 at 149.90 and SKU-2 x1 at 10.05: total 309.85.
const SPLIT = units(['store-kadikoy', [{ sku: 'SKU-1', quantity: 2 }]], ['main', [{ sku: 'SKU-2', quantity: 1 }]]);

let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await startTimeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

const run = (fake: ReturnType<typeof fakesV3>, body: (h: WorkflowHandle) => Promise<void>, overrides = {}) =>
  runOrder(env, fake, orderInput(overrides), body, V3);

const accept = async (h: WorkflowHandle) => (await h.executeUpdate(acceptanceUpdate, { args: [{ requestId: 'r' }] })).order;
const packedUnit = (h: WorkflowHandle, fulfillmentId: string) =>
  h.signal(warehouseEventSignal, { eventId: eventId(), type: 'packed', fulfillmentId, at: at() });
const carrierFor = (h: WorkflowHandle, trackingNumber: string, status: 'picked_up' | 'delivered' | 'returned_to_sender') =>
  h.signal(carrierEventSignal, { eventId: eventId(), carrier: 'yurtici', trackingNumber, status, at: at() });
const unitOf = (o: OrderView, n: number) => o.fulfillments!.find((f) => f.number === n)!;

/** Packs a unit and waits for its label; returns its tracking number. */
async function packAndLabel(h: WorkflowHandle, n: number): Promise<string> {
  const id = `${(await h.query('order') as OrderView).id}/${n}`;
  await waitForOrder(h, (o) => ['picking', 'pending'].includes(unitOf(o, n).status));
  await packedUnit(h, id);
  const o = await waitForOrder(h, (x) => unitOf(x, n).status === 'labelled');
  return unitOf(o, n).trackingNumber!;
}

async function shipAndDeliver(h: WorkflowHandle, n: number): Promise<void> {
  const tracking = await packAndLabel(h, n);
  await carrierFor(h, tracking, 'picked_up');
  await waitForOrder(h, (o) => unitOf(o, n).status === 'shipped');
  await carrierFor(h, tracking, 'delivered');
  await waitForOrder(h, (o) => unitOf(o, n).status === 'delivered');
}

describe('orderWorkflowV3: fulfillment units', () => {
  test('a split order ships and delivers in two units, each committing its stock and capturing its share', async () => {
    const fake = fakesV3([SPLIT]);
    await run(fake, async (h) => {
      const accepted = await accept(h);
      expect(accepted.fulfillments!.map((f) => [f.id.split('/')[1], f.location, f.status])).toEqual([
        ['1', 'store-kadikoy', 'pending'],
        ['2', 'main', 'pending'],
      ]);
      expect(accepted.timeline.some((e) => e.type === 'sourcing' && /split/.test(e.detail ?? ''))).toBe(true);
      await pay(h, 'authorized');
      await waitForOrder(h, (o) => o.status === 'picking');

      await shipAndDeliver(h, 1);
      let o = await waitForOrder(h, (x) => x.partially!.delivered);
      expect(o.status).toBe('picking'); // unit 2 has not shipped: the order is not `shipped` yet
      expect(o.partially).toMatchObject({ shipped: true, delivered: true });
      expect(o.lines.map((l) => [l.sku, l.quantities])).toEqual([
        ['SKU-1', { ordered: 2, allocated: 2, shipped: 2, delivered: 2, canceled: 0, returned: 0, refunded: 0 }],
        ['SKU-2', { ordered: 1, allocated: 1, shipped: 0, delivered: 0, canceled: 0, returned: 0, refunded: 0 }],
      ]);

      await shipAndDeliver(h, 2);
      o = await waitForOrder(h, (x) => x.status === 'delivered');
      expect(o.shipments.map((s) => s.shipmentId)).toEqual([`${o.id}/1`, `${o.id}/2`]);
      expect(o.shipment?.shipmentId).toBe(`${o.id}/1`);
      expect(o.paymentStatus).toBe('captured');
      expect(o.totals).toMatchObject({ total: '309.85', canceled: '0.00', outstanding: '0.00' });
      // Unit 1 captures its share (2 x 149.90), the last unit what is left, final.
      expect(fake.keyed.filter((k) => k.startsWith('capturePayment'))).toEqual([
        `capturePayment capture:${o.id}:1 299.80 partial`,
        `capturePayment capture:${o.id}:2 10.05 final`,
      ]);
      expect(o.payments!.filter((p) => p.kind === 'capture').map((p) => [p.amount, p.lines])).toEqual([
        ['299.80', [{ sku: 'SKU-1', quantity: 2 }]],
        ['10.05', [{ sku: 'SKU-2', quantity: 1 }]],
      ]);
      expect(fake.keyed.filter((k) => k.startsWith('commitUnitStock'))).toEqual(['commitUnitStock 1', 'commitUnitStock 2']);
      expect([...fake.ledger.values()].map((r) => [r.location, r.committed, r.reserved])).toEqual([
        ['store-kadikoy', 2, 0],
        ['main', 1, 0],
      ]);
      // The units' picking tasks are created concurrently: in either order.
      expect(fake.keyed.filter((k) => k.startsWith('createPickingTask')).sort()).toEqual([
        `createPickingTask picking:${o.id}:1:1 store-kadikoy`,
        `createPickingTask picking:${o.id}:2:1 main`,
      ]);
    });
  });

  test('a location rejects its unit: the lines are re-sourced elsewhere and shipped from there', async () => {
    const fake = fakesV3([SPLIT, units(['main', [{ sku: 'SKU-1', quantity: 2 }]])]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      await waitForOrder(h, (o) => o.status === 'picking' && unitOf(o, 1).status === 'picking');
      const after = await h.executeUpdate(rejectFulfillmentUpdate, {
        args: [{ eventId: 'wh-rej-1', fulfillmentId: `${o0.id}/1`, reason: 'shelf empty', at: at() }],
      });
      expect(unitOf(after, 1)).toMatchObject({ status: 'rejected', detail: 'shelf empty' });
      expect(unitOf(after, 3)).toMatchObject({ location: 'main', lines: [{ sku: 'SKU-1', quantity: 2 }] });
      expect(fake.keyed).toContain(`releaseUnitStock 1 reject:${o0.id}:wh-rej-1`);
      expect(fake.keyed).toContain('allocateStock 3 exclude store-kadikoy');
      expect(fake.keyed).toContain(`cancelPickingTask picking-cancel:${o0.id}:1:1 PT-picking:${o0.id}:1:1`);
      await shipAndDeliver(h, 2);
      await shipAndDeliver(h, 3);
      const o = await waitForOrder(h, (x) => x.status === 'delivered');
      expect(o.lines.map((l) => l.quantities!.delivered)).toEqual([2, 1]);
      expect(o.totals.outstanding).toBe('0.00');
    });
  });

  test('a rejected line no other location has is canceled alone, and its share of the authorization is not captured', async () => {
    const fake = fakesV3([SPLIT, nothing]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      await waitForOrder(h, (o) => unitOf(o, 2).status === 'picking');
      const after = await h.executeUpdate(rejectFulfillmentUpdate, {
        args: [{ eventId: 'wh-rej-2', fulfillmentId: `${o0.id}/2`, reason: 'damaged on shelf', at: at() }],
      });
      expect(after.lines[1]!.quantities).toMatchObject({ ordered: 1, allocated: 0, canceled: 1 });
      expect(after.partially!.canceled).toBe(true);
      expect(after.totals).toMatchObject({ canceled: '10.05', outstanding: '0.00' });
      expect(after.payments!.filter((p) => p.kind === 'void')).toEqual([
        expect.objectContaining({ amount: '10.05', lines: [{ sku: 'SKU-2', quantity: 1 }] }),
      ]);
      await shipAndDeliver(h, 1);
      const o = await waitForOrder(h, (x) => x.status === 'delivered');
      expect(fake.keyed.filter((k) => k.startsWith('capturePayment'))).toEqual([`capturePayment capture:${o.id}:1 299.80 final`]);
      expect(o.paymentStatus).toBe('captured');
    });
  });

  test('a partial cancel after one unit shipped releases, refunds and credits exactly the canceled lines', async () => {
    const fake = fakesV3([SPLIT]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'captured'); // paid up front: a cancel refunds
      const t1 = await packAndLabel(h, 1);
      await carrierFor(h, t1, 'picked_up');
      await waitForOrder(h, (o) => unitOf(o, 1).status === 'shipped');
      await packAndLabel(h, 2); // labelled, not yet picked up: can still be canceled

      await expectConflict(
        h.executeUpdate(cancelLinesUpdate, { args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'customer_request', actor: 'op' }] }),
        /SKU-1 exceeds the 0 not yet shipped/,
      );
      const after = await h.executeUpdate(cancelLinesUpdate, {
        args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'customer_request', actor: 'op' }],
      });
      expect(unitOf(after, 2).status).toBe('canceled');
      expect(after.status).toBe('shipped'); // every live unit has shipped
      expect(after.totals).toMatchObject({ total: '309.85', canceled: '10.05', refunded: '10.05', outstanding: '0.00' });
      expect(after.lines[1]!.quantities).toMatchObject({ ordered: 1, allocated: 0, shipped: 0, canceled: 1 });
      const id = o0.id;
      expect(fake.keyed).toEqual(
        expect.arrayContaining([
          `cancelShipment shipment-cancel:${id}:2:1 YK-shipment:${id}:2:1`,
          `cancelPickingTask picking-cancel:${id}:2:1 PT-picking:${id}:2:1`,
          `releaseUnitStock 2 cancel:${id}:1`,
          `refundPayment refund:${id}:cancel:1 10.05`,
          `issueCreditNote credit-note:${id}:cancel:1 10.05`,
        ]),
      );
      // The unit's own compensations ran newest first: the label before the picking task.
      const undo = fake.keyed.filter((k) => /^cancel(Shipment|PickingTask)/.test(k));
      expect(undo.map((k) => k.split(' ')[0])).toEqual(['cancelShipment', 'cancelPickingTask']);
      expect([...fake.ledger.values()].map((r) => [r.location, r.committed, r.released, r.reserved])).toEqual([
        ['store-kadikoy', 2, 0, 0],
        ['main', 0, 1, 0],
      ]);
      await carrierFor(h, t1, 'delivered');
      const done = await waitForOrder(h, (o) => o.status === 'delivered');
      expect(done.paymentStatus).toBe('partially_refunded');
    });
  });

  test('two returns of one order, each refunded for its own lines and restocked where it shipped from', async () => {
    const fake = fakesV3([SPLIT]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      await shipAndDeliver(h, 1);
      await shipAndDeliver(h, 2);
      await waitForOrder(h, (o) => o.status === 'delivered');
      const first = await h.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'too small', actor: 'customer' }] });
      expect(first.status).toBe('return_pending');
      await returnReceived(h, [{ sku: 'SKU-1', quantity: 1, condition: 'sellable' }]);
      await waitForOrder(h, (o) => o.status === 'return_completed');
      const second = await h.executeUpdate(requestReturnUpdate, {
        args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }, { sku: 'SKU-2', quantity: 1 }], reason: 'changed mind', actor: 'customer' }],
      });
      expect(second.status).toBe('return_pending');
      await returnReceived(h, [
        { sku: 'SKU-1', quantity: 1, condition: 'sellable' },
        { sku: 'SKU-2', quantity: 1, condition: 'sellable' },
      ]);
      const o = await waitForOrder(h, (x) => x.status === 'return_completed' && x.returns.length === 2);
      expect(o.returns.map((r) => r.refund?.amount)).toEqual(['149.90', '159.95']);
      expect(o.totals).toMatchObject({ refunded: '309.85', outstanding: '0.00' });
      expect(o.paymentStatus).toBe('refunded');
      expect(o.lines.map((l) => l.quantities)).toEqual([
        { ordered: 2, allocated: 2, shipped: 2, delivered: 2, canceled: 0, returned: 2, refunded: 2 },
        { ordered: 1, allocated: 1, shipped: 1, delivered: 1, canceled: 0, returned: 1, refunded: 1 },
      ]);
      expect(fake.keyed.filter((k) => k.startsWith('restockReturn'))).toEqual([
        `restockReturn ${o0.id}/r1 SKU-1x1 @store-kadikoy`,
        `restockReturn ${o0.id}/r2 SKU-1x1 @store-kadikoy`,
        `restockReturn ${o0.id}/r2 SKU-2x1 @main`,
      ]);
      expect(fake.keyed.filter((k) => k.startsWith('issueCreditNote')).map((k) => k.split(' ')[2])).toEqual(['149.90', '159.95']);
      await expectConflict(
        h.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'again', actor: 'customer' }] }),
        /exceeds the 0 delivered and not yet returned/,
      );
    });
  });

  test('a whole cancel before shipping compensates every unit and the order, and gives the authorization back', async () => {
    const fake = fakesV3([SPLIT]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      await packAndLabel(h, 1);
      const canceled = await h.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'op' }] });
      expect(canceled.status).toBe('canceled');
      expect(canceled.fulfillments!.map((f) => f.status)).toEqual(['canceled', 'canceled']);
      expect(canceled.paymentStatus).toBe('voided');
      expect(canceled.lines.map((l) => l.quantities!.canceled)).toEqual([2, 1]);
      const id = o0.id;
      expect(fake.keyed).toEqual(
        expect.arrayContaining([`cancelShipment shipment-cancel:${id}:1:1 YK-shipment:${id}:1:1`, 'releaseStock all', `voidPayment void:${id}`]),
      );
      expect([...fake.ledger.values()].every((r) => r.reserved === 0 && r.committed === 0)).toBe(true);
    });
  });

  test('a whole cancel after one unit shipped cancels only what has not shipped; the shipped unit goes on', async () => {
    const fake = fakesV3([SPLIT]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      const t1 = await packAndLabel(h, 1);
      await carrierFor(h, t1, 'picked_up');
      await waitForOrder(h, (o) => unitOf(o, 1).status === 'shipped');
      const after = await h.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'op' }] });
      expect(after.status).toBe('shipped');
      expect(after.fulfillments!.map((f) => f.status)).toEqual(['shipped', 'canceled']);
      expect(after.partially).toEqual({ shipped: false, delivered: false, canceled: true });
      // Unit 1 captured its share (partial); once nothing is left to ship the rest of the authorization is released.
      expect(fake.keyed).toEqual(expect.arrayContaining([`capturePayment capture:${o0.id}:1 299.80 partial`, `voidPayment void:${o0.id}:rest`]));
      expect(after.totals).toMatchObject({ canceled: '10.05', outstanding: '0.00' });
      await expectConflict(h.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'again', actor: 'op' }] }), /cannot be canceled/);
      await carrierFor(h, t1, 'delivered');
      await waitForOrder(h, (o) => o.status === 'delivered');
    });
  });

  test('a partial cancel of one line of a unit re-issues the unit with the rest (new picking task and keys)', async () => {
    const fake = fakesV3([units(['main', [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }]])]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      await waitForOrder(h, (o) => unitOf(o, 1).status === 'picking');
      const after = await h.executeUpdate(cancelLinesUpdate, {
        args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'customer_request', actor: 'op' }],
      });
      expect(unitOf(after, 1).lines).toEqual([
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-2', quantity: 1 },
      ]);
      const id = o0.id;
      await waitForOrder(h, (o) => unitOf(o, 1).status === 'picking' && o.timeline.some((e) => e.type === 'unit_reissued'));
      expect(fake.keyed.filter((k) => /^(create|cancel)PickingTask/.test(k))).toEqual([
        `createPickingTask picking:${id}:1:1 main`,
        `cancelPickingTask picking-cancel:${id}:1:1 PT-picking:${id}:1:1`,
        `createPickingTask picking:${id}:1:2 main`,
      ]);
      expect(after.payments!.find((p) => p.kind === 'void')).toMatchObject({ amount: '149.90', lines: [{ sku: 'SKU-1', quantity: 1 }] });
      await shipAndDeliver(h, 1);
      const o = await waitForOrder(h, (x) => x.status === 'delivered');
      expect(fake.keyed.filter((k) => k.startsWith('capturePayment'))).toEqual([`capturePayment capture:${id}:1 159.95 final`]);
      expect(o.lines.map((l) => l.quantities)).toEqual([
        { ordered: 2, allocated: 1, shipped: 1, delivered: 1, canceled: 1, returned: 0, refunded: 0 },
        { ordered: 1, allocated: 1, shipped: 1, delivered: 1, canceled: 0, returned: 0, refunded: 0 },
      ]);
    });
  });

  test('a unit whose label keeps failing waits for an operator, named in the reason, while the other unit ships', async () => {
    const fake = fakesV3([SPLIT]);
    let labels = 0;
    const createShipment = fake.activities.createShipment;
    fake.activities.createShipment = async (args) => {
      if (args.key.endsWith(':2:1') && ++labels <= 100) throw new Error('carrier down');
      return createShipment(args);
    };
    await run(
      fake,
      async (h) => {
        const o0 = await accept(h);
        await pay(h, 'authorized');
        await waitForOrder(h, (o) => unitOf(o, 2).status === 'picking');
        await packedUnit(h, `${o0.id}/2`);
        const flagged = await waitForOrder(h, (o) => o.needsAttention, 60_000);
        expect(flagged.attention).toMatchObject({ step: 'create_shipment', reason: `${o0.id}/2: carrier down` });
        await shipAndDeliver(h, 1);
        const o = await waitForOrder(h, (x) => unitOf(x, 1).status === 'delivered');
        expect(o.status).toBe('picking');
        expect(o.needsAttention).toBe(true);
      },
      { timers: { ...orderInput().timers, stepRetry: '1h' } },
    );
  });

  test('cash on delivery in two parcels: each is collected at its door; a return of one is a refund task for finance', async () => {
    const fake = fakesV3([SPLIT]);
    await run(
      fake,
      async (h) => {
        await accept(h);
        await waitForOrder(h, (o) => o.status === 'picking');
        await shipAndDeliver(h, 1);
        let o = await waitForOrder(h, (x) => unitOf(x, 1).status === 'delivered');
        expect(o.totals.outstanding).toBe('10.05'); // the second parcel's cash is still to collect
        await shipAndDeliver(h, 2);
        o = await waitForOrder(h, (x) => x.status === 'delivered');
        expect(o.payments!.filter((p) => p.kind === 'capture').map((p) => [p.amount, p.reference])).toEqual([
          ['299.80', 'cash_on_delivery'],
          ['10.05', 'cash_on_delivery'],
        ]);
        expect(o.totals.outstanding).toBe('0.00');
        await h.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'broken', actor: 'customer' }] });
        await returnReceived(h, [{ sku: 'SKU-2', quantity: 1, condition: 'sellable' }]);
        o = await waitForOrder(h, (x) => x.attention?.step === 'manual_refund');
        expect(o.payments!.find((p) => p.kind === 'refund')).toMatchObject({ amount: '10.05', reference: 'pending' });
        expect(fake.keyed.some((k) => k.startsWith('refundPayment'))).toBe(false);
      },
      { payment: { method: 'cash_on_delivery' } },
    );
  });

  test('capture once: the whole authorization is captured when the first unit ships', async () => {
    const fake = fakesV3([SPLIT]);
    await run(
      fake,
      async (h) => {
        const o0 = await accept(h);
        await pay(h, 'authorized');
        const t1 = await packAndLabel(h, 1);
        await carrierFor(h, t1, 'picked_up');
        await waitForOrder(h, (o) => o.paymentStatus === 'captured');
        expect(fake.keyed.filter((k) => k.startsWith('capturePayment'))).toEqual([`capturePayment capture:${o0.id} 309.85 final`]);
        // A later partial cancel refunds: the money was captured.
        await packAndLabel(h, 2);
        const after = await h.executeUpdate(cancelLinesUpdate, { args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'customer_request', actor: 'op' }] });
        expect(after.totals).toMatchObject({ refunded: '10.05', canceled: '10.05' });
        expect(fake.keyed).toContain(`refundPayment refund:${o0.id}:cancel:1 10.05`);
      },
      { capture: 'once' },
    );
  });

  test('a single-unit order takes packed without a fulfillmentId; a carrier moving a canceled label raises attention', async () => {
    const fake = fakesV3([units(['main', [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }]])]);
    await run(fake, async (h) => {
      const o0 = await accept(h);
      await pay(h, 'authorized');
      await waitForOrder(h, (o) => o.status === 'picking');
      await h.signal(warehouseEventSignal, { eventId: eventId(), type: 'packed', at: at() });
      const labelled = await waitForOrder(h, (o) => o.shipment !== undefined);
      expect(labelled.shipment).toMatchObject({ shipmentId: `${o0.id}/1`, trackingNumber: `YK-shipment:${o0.id}:1:1` });
      const canceled = await h.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'op' }] });
      expect(canceled.status).toBe('canceled');
      expect(canceled.shipment?.trackingNumber).toBe(`YK-shipment:${o0.id}:1:1`); // kept, so the carrier's news still finds the order
      await carrierFor(h, `YK-shipment:${o0.id}:1:1`, 'picked_up');
      const flagged = await waitForOrder(h, (o) => o.attention?.step === 'carrier_after_cancel');
      expect(flagged.attention!.reason).toMatch(/although .*\/1 was canceled/);
    });
  });
});
