// The order workflow v2 against the defects the 2026-12-02 review found in v1 (R1–R18, D4 of the fault run), and
// the spec paths it listed as untested. Each test runs the real workflow on the time-skipping test server.
import {
  acceptanceUpdate,
  cancelOrderUpdate,
  latePaymentWorkflowId,
  paymentEventSignal,
  refundDecisionUpdate,
  requestReturnUpdate,
  retryStepUpdate,
  skipStepUpdate,
  FailureType,
} from '../../contract/workflow';
import { DEFAULT_TIMERS } from '../../contract/config';
import type { OrderInput, OrderView } from '../../contract/types';
import { fakeActivities, orderInput, waitForOrder } from '../helpers/workflow-env';
import {
  accept,
  at,
  carrier,
  deliver,
  eventId,
  expectConflict,
  operator,
  packAndLabel,
  pay,
  returnReceived,
  cancelWhileClockRuns,
  timeSkippingSuite,
} from '../helpers/order-driver';

// orderWorkflowV2's own tests: it still runs every order accepted before v3 became the default.
const suite = timeSkippingSuite('orderWorkflowV2');
const { run } = suite;

/** Orders whose failed steps do not retry on their own within a test (an operator decides). */
const noAutoRetry = (overrides: Partial<OrderInput> = {}) => orderInput({ timers: { ...DEFAULT_TIMERS, stepRetry: '30d' }, ...overrides });

/** Records the arguments of one fake activity. */
function recordArgs<K extends keyof ReturnType<typeof fakeActivities>['activities']>(fake: ReturnType<typeof fakeActivities>, name: K) {
  const seen: Record<string, unknown>[] = [];
  const original = fake.activities[name] as (args: unknown) => Promise<unknown>;
  (fake.activities as unknown as Record<string, unknown>)[name] = async (args: Record<string, unknown>) => {
    seen.push(args);
    return original(args);
  };
  return seen;
}

const settled = async (promise: Promise<unknown>) =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

describe('money around a cancel', () => {
  test('R1: a capture reaching the order while its payment-timeout cancel compensates is refunded by a settlement', async () => {
    // The release fails past its retries, so the cancel waits for an operator: the capture lands in that window.
    const fake = fakeActivities({ failing: { releaseStock: 8 } });
    const input = noAutoRetry();
    const capture = { eventId: eventId(), type: 'captured' as const, amount: '309.85', currency: 'TRY', at: at() };
    await run(fake, input, async (handle) => {
      await accept(handle);
      await suite.env().sleep('31m');
      for (let i = 0; i < 40 && !(await waitForOrder(handle, () => true)).needsAttention; i++) await suite.env().sleep('10s');
      const stuck = await waitForOrder(handle, (o) => o.attention?.step === 'compensate:release_stock');
      expect(stuck.status).toBe('new');
      await handle.signal(paymentEventSignal, capture);
      await handle.executeUpdate(retryStepUpdate, { args: [operator] });
      const final = await waitForOrder(handle, (o) => o.status === 'canceled' && o.timeline.some((t) => t.type === 'late_payment'));
      expect(final.cancelReason).toBe('payment_timeout');
      const settlement = suite.env().client.workflow.getHandle(latePaymentWorkflowId(input.orderId, capture.eventId));
      expect(await settlement.result()).toMatchObject({ action: 'refunded', amount: '309.85' });
    });
    expect(fake.calls.filter((c) => c === 'refundPayment')).toHaveLength(1);
  });

  test('R1: a payment that beat the order (stored unmatched by the API) is claimed at acceptance and taken', async () => {
    const early = { eventId: 'early-1', type: 'authorized' as const, amount: '309.85', currency: 'TRY', at: at() };
    const fake = fakeActivities({ earlyPayments: [early] });
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      const order = await waitForOrder(handle, (o) => o.status === 'picking');
      expect(order.paymentStatus).toBe('authorized');
      expect(order.ledger).toEqual([expect.objectContaining({ kind: 'authorization', amount: '309.85', ref: 'early-1' })]);
    });
  });

  test('R8: a payment accepted in another currency is refunded in that currency, and booked', async () => {
    const fake = fakeActivities();
    const refunds = recordArgs(fake, 'refundPayment');
    await run(fake, noAutoRetry(), async (handle) => {
      await accept(handle);
      await pay(handle, 'captured', '10.00', 'EUR');
      await waitForOrder(handle, (o) => o.attention?.step === 'payment_amount');
      await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'EUR agreed' }] });
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      await carrier(handle, 'delivered');
      await waitForOrder(handle, (o) => o.status === 'delivered');
      // one of the two SKU-1 units: 149.90 of 309.85, the same share of the 10.00 EUR paid
      await handle.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'changed_mind', actor: 'c' }] });
      await returnReceived(handle, [{ sku: 'SKU-1', quantity: 1, condition: 'sellable' }]);
      const done = await waitForOrder(handle, (o) => o.status === 'return_completed');
      expect(done.paymentStatus).toBe('partially_refunded');
      expect(done.ledger).toContainEqual(expect.objectContaining({ kind: 'refund', amount: '4.83', currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 1 }] }));
    });
    expect(refunds).toEqual([expect.objectContaining({ amount: '4.83', currency: 'EUR' })]);
  });

  test('R8: a cancel gives back a payment accepted in another currency in that currency', async () => {
    const fake = fakeActivities();
    const refunds = recordArgs(fake, 'refundPayment');
    await run(fake, noAutoRetry(), async (handle) => {
      await accept(handle);
      await pay(handle, 'captured', '10.00', 'EUR');
      await waitForOrder(handle, (o) => o.attention?.step === 'payment_amount');
      const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'c' }] });
      expect(order).toMatchObject({ status: 'canceled', paymentStatus: 'refunded' });
      expect(order.ledger).toContainEqual(expect.objectContaining({ kind: 'refund', amount: '10.00', currency: 'EUR', reason: 'cancel' }));
    });
    expect(refunds).toEqual([expect.objectContaining({ amount: '10.00', currency: 'EUR' })]);
  });

  test('R2: a delivered cash-on-delivery return is paid back by hand: a refund task an operator closes, never the card provider', async () => {
    const fake = fakeActivities();
    await run(fake, noAutoRetry({ payment: { method: 'cash_on_delivery' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      await carrier(handle, 'delivered');
      await waitForOrder(handle, (o) => o.status === 'delivered');
      await handle.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'changed_mind', actor: 'c' }] });
      await returnReceived(handle, [{ sku: 'SKU-2', quantity: 1, condition: 'sellable' }]);
      const task = await waitForOrder(handle, (o) => o.attention?.step === 'manual_refund');
      expect(task.attention?.reason).toContain('pay 10.05 TRY back');
      expect(task.ledger).toContainEqual(expect.objectContaining({ kind: 'manual_refund', amount: '10.05', state: 'pending' }));
      await expectConflict(handle.executeUpdate(retryStepUpdate, { args: [operator] }), /paid out by finance/);
      await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'EFT 2026-12-02 #4711' }] });
      const done = await waitForOrder(handle, (o) => o.status === 'return_completed');
      expect(done.ledger).toContainEqual(expect.objectContaining({ kind: 'manual_refund', state: 'done', ref: 'EFT 2026-12-02 #4711' }));
      expect(done).toMatchObject({ paymentStatus: 'partially_refunded', totals: expect.objectContaining({ refunded: '10.05' }) });
    });
    expect(fake.calls).not.toContain('refundPayment');
  });

  test('R7: of two refund decisions sent at once, one is applied and the other refused with 409', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await deliver(handle);
      await handle.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'broken', actor: 'c' }] });
      await returnReceived(handle, [{ sku: 'SKU-2', quantity: 1, condition: 'damaged' }]);
      await waitForOrder(handle, (o) => o.attention?.step === 'refund_decision');
      const decide = (refundDamaged: boolean) =>
        settled(handle.executeUpdate(refundDecisionUpdate, { args: [{ actor: 'op', refundDamaged, reason: `decision ${refundDamaged}` }] }));
      const results = await Promise.all([decide(true), decide(false)]);
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      const refused = results.find((r) => !r.ok)!;
      expect((refused as { error: { cause?: { type?: string } } }).error.cause?.type).toBe(FailureType.StateConflict);
      const done = await waitForOrder(handle, (o) => o.status === 'return_completed');
      expect(done.timeline.filter((t) => t.type === 'refund_decision')).toHaveLength(1);
    });
  });
});

describe('cancels take effect at once', () => {
  test('R3: a cancel accepted while the invoice is being issued starts nothing more and announces no later status', async () => {
    const fake = fakeActivities({ slow: { issueInvoice: 1500 } });
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      await pay(handle, 'authorized');
      await waitForOrder(handle, (o) => o.status === 'confirmed');
      const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] });
      expect(order.status).toBe('canceled');
      expect(order.timeline.map((t) => t.status).filter(Boolean)).toEqual(['new', 'confirmed', 'canceled']);
    });
    expect(fake.notifications).not.toContain('notify:picking');
    expect(fake.notifications).not.toContain('channel:picking');
    // the three calls in flight finish; then every undo, newest first; nothing forward after the cancel
    expect(fake.calls.slice(2, 5).sort()).toEqual(['createPickingTask', 'issueInvoice', 'postErpSale']);
    expect(fake.calls.slice(5)).toEqual(['cancelPickingTask', 'reverseErpSale', 'issueCreditNote', 'voidPayment', 'releaseStock']);
  });

  test('R4: carrier movement while a cancel compensates raises attention; the order ends once it is handled', async () => {
    const fake = fakeActivities({ failing: { cancelShipment: 'always' } });
    await run(fake, noAutoRetry({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      const canceling = await cancelWhileClockRuns(suite.env(), handle, 'customer_request');
      expect(canceling.attention?.step).toBe('compensate:create_shipment');
      await carrier(handle, 'picked_up');
      const flagged = await waitForOrder(handle, (o) => o.timeline.some((t) => t.type === 'attention_raised' && /carrier_after_cancel/.test(t.detail ?? '')));
      expect(flagged.needsAttention).toBe(true);
      // the stuck compensation is the operator's target first, then the alert
      await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'label voided by phone' }] });
      const alert = await waitForOrder(handle, (o) => o.status === 'canceled' && o.attention?.step === 'carrier_after_cancel');
      expect(alert.needsAttention).toBe(true);
      await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'parcel recalled' }] });
      const final = (await handle.result()) as OrderView;
      expect(final).toMatchObject({ status: 'canceled', needsAttention: false });
    });
  });

  test('R4: carrier movement after the order was canceled raises attention; without it the order ends after the tracking window', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      const canceled = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'c' }] });
      expect(canceled).toMatchObject({ status: 'canceled', needsAttention: false });
      await carrier(handle, 'picked_up'); // the carrier took the parcel although its label was canceled
      const flagged = await waitForOrder(handle, (o) => o.attention?.step === 'carrier_after_cancel');
      expect(flagged.status).toBe('canceled');
      await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'parcel recalled from the hub' }] });
      const final = (await handle.result()) as OrderView;
      expect(final).toMatchObject({ status: 'canceled', needsAttention: false });
    });
    const quiet = fakeActivities();
    await run(quiet, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'c' }] });
      const final = (await handle.result()) as OrderView; // the result call lets the clock run past the window
      expect(final).toMatchObject({ status: 'canceled', needsAttention: false });
    });
  });

  test('R4: once the carrier reports the parcel moving, a cancel is refused', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'in_transit');
      await expectConflict(
        handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'c' }] }),
        /carrier already has the parcel|shipped cannot be canceled/,
      );
    });
    expect(fake.calls).not.toContain('cancelShipment');
  });
});

describe('operator waits and stock', () => {
  test('R13/R18: reserve_stock cannot be skipped; acceptance answers only once stock is reserved', async () => {
    const fake = fakeActivities({ failing: { reserveStock: 8 } }); // one round of local-activity attempts
    await run(fake, noAutoRetry(), async (handle) => {
      const acceptance = settled(handle.executeUpdate(acceptanceUpdate, { args: [{ requestId: 'r' }] }));
      let answered = false;
      void acceptance.then(() => (answered = true));
      for (let i = 0; i < 40 && !(await waitForOrder(handle, () => true)).needsAttention; i++) await suite.env().sleep('10s');
      const stuck = await waitForOrder(handle, (o) => o.attention?.step === 'reserve_stock');
      expect(stuck.status).toBe('new');
      expect(answered).toBe(false);
      await expectConflict(handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'go on' }] }), /reserve_stock cannot be skipped/);
      await handle.executeUpdate(retryStepUpdate, { args: [operator] });
      const result = await acceptance;
      expect(result.ok && (result.value as { order: OrderView }).order).toMatchObject({ status: 'new', needsAttention: false });
    });
  });

  test('R18: an acceptance stuck on a failing step can be canceled', async () => {
    const fake = fakeActivities({ failing: { validateOrder: 'always' } });
    await run(fake, noAutoRetry(), async (handle) => {
      for (let i = 0; i < 40 && !(await waitForOrder(handle, () => true)).needsAttention; i++) await suite.env().sleep('10s');
      await waitForOrder(handle, (o) => o.attention?.step === 'validate');
      const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'operator_request', actor: 'op' }] });
      expect(order).toMatchObject({ status: 'canceled', needsAttention: false });
    });
    expect(fake.calls).not.toContain('reserveStock');
  });

  test('D5: a database step that fails past its retries retries on its own, backing off, and goes on without an operator', async () => {
    const fake = fakeActivities({ failing: { commitStock: 8 } });
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      for (let i = 0; i < 40 && !(await waitForOrder(handle, () => true)).needsAttention; i++) await suite.env().sleep('5s');
      expect((await waitForOrder(handle, (o) => o.needsAttention)).attention?.step).toBe('commit_stock');
      await expectConflict(handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'x' }] }), /commit_stock cannot be skipped/);
      await suite.env().sleep('1m');
      const recovered = await waitForOrder(handle, (o) => !o.needsAttention);
      expect(recovered.timeline).toContainEqual(expect.objectContaining({ type: 'auto_retry', detail: 'commit_stock after 30 s' }));
      expect(recovered.timeline.some((t) => t.type === 'operator_retry')).toBe(false);
    });
    expect(fake.calls.filter((c) => c === 'commitStock')).toHaveLength(1);
  });

  test('T5: a compensation that keeps failing is run again by an operator retry, which finishes the unwind', async () => {
    const fake = fakeActivities({ failing: { reverseErpSale: 5 } }); // one round of the integration retries
    await run(fake, noAutoRetry({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await waitForOrder(handle, (o) => o.status === 'picking');
      const stuck = await cancelWhileClockRuns(suite.env(), handle, 'operator_request');
      expect(stuck.attention?.step).toBe('compensate:post_erp_sale');
      expect(fake.calls).not.toContain('reverseErpSale');
      await handle.executeUpdate(retryStepUpdate, { args: [operator] });
      const order = await waitForOrder(handle, (o) => o.status === 'canceled');
      expect(order.timeline).toContainEqual(expect.objectContaining({ type: 'operator_retry', detail: 'compensate:post_erp_sale', actor: operator.actor }));
      expect(order.timeline).toContainEqual(expect.objectContaining({ type: 'compensated', detail: 'post_erp_sale' }));
      expect(order.timeline.some((t) => t.type === 'compensation_skipped')).toBe(false);
    });
    expect(fake.calls.filter((c) => c === 'reverseErpSale')).toHaveLength(1);
  });

  test('R11: undo calls carry their own idempotency keys, not the forward call\'s', async () => {
    const fake = fakeActivities();
    const pickingCancels = recordArgs(fake, 'cancelPickingTask');
    const shipmentCancels = recordArgs(fake, 'cancelShipment');
    const input = orderInput({ payment: { method: 'marketplace' } });
    await run(fake, input, async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'c' }] });
    });
    expect(pickingCancels).toEqual([expect.objectContaining({ key: `picking-cancel:${input.orderId}` })]);
    expect(shipmentCancels).toEqual([expect.objectContaining({ key: `shipment-cancel:${input.orderId}:1` })]);
  });
});

describe('failures are visible', () => {
  test('R5/T16: a read-model write that keeps failing raises needsAttention with its cause, and clears once written', async () => {
    const fake = fakeActivities({ failing: { recordOrder: 24 } }); // three rounds of eight attempts
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      let flagged: OrderView | undefined;
      for (let i = 0; i < 60 && !flagged; i++) {
        await suite.env().sleep('20s');
        const live = await waitForOrder(handle, () => true);
        if (live.attention?.step === 'read_model') flagged = live;
      }
      expect(flagged?.attention?.reason).toMatch(/cannot be written to the read model: recordOrder failed/);
      await suite.env().sleep('5m');
      const written = await waitForOrder(handle, (o) => o.status === 'picking' && !o.needsAttention);
      expect(written.timeline).toContainEqual(expect.objectContaining({ type: 'attention_cleared', detail: 'read_model: written again' }));
    });
    expect(fake.snapshots.length).toBeGreaterThan(0);
    expect(fake.snapshots.at(-1)?.needsAttention).toBe(false);
  });

  test('T10: a failing channel write-back is retried on its own and, when it never succeeds, recorded without blocking the order', async () => {
    const flaky = fakeActivities({ failing: { writeBackChannel: 2 } });
    await run(flaky, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await suite.env().sleep('1m');
      await waitForOrder(handle, (o) => o.status === 'picking');
    });
    expect(flaky.notifications).toContain('channel:new'); // the third attempt went through

    const broken = fakeActivities({ failing: { writeBackChannel: 'always' } });
    await run(broken, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await waitForOrder(handle, (o) => o.status === 'picking');
      await suite.env().sleep('3h');
      const order = await waitForOrder(handle, (o) => o.timeline.some((t) => t.type === 'background_failed'));
      expect(order.timeline).toContainEqual(
        expect.objectContaining({ type: 'background_failed', detail: expect.stringMatching(/^channel_write_back: writeBackChannel failed/) }),
      );
      expect(order.status).toBe('picking');
    });
    expect(broken.notifications.filter((n) => n.startsWith('channel:'))).toEqual([]);
  });

  test('D4: a status is announced under a key of its own place among status changes, the same on every attempt', async () => {
    const fake = fakeActivities();
    const notified = recordArgs(fake, 'notifyCustomer');
    const input = orderInput({ payment: { method: 'marketplace' } });
    await run(fake, input, async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      await waitForOrder(handle, (o) => o.status === 'shipped');
    });
    expect(notified.map((n) => n.key)).toEqual(
      ['new', 'confirmed', 'picking', 'shipped'].map((status, i) => `notify:${input.orderId}:${status}:${i + 1}`),
    );
  });

  test('R6: an order whose total cannot be represented is canceled as invalid at once, with its handlers answering', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ lines: [{ sku: 'BIG', quantity: 100_000, unitPrice: '999999999999.99' }] }), async (handle) => {
      const order = await accept(handle);
      expect(order).toMatchObject({ status: 'canceled', cancelReason: 'invalid_order' });
      expect(order.timeline.at(-1)?.detail).toMatch(/totals more than 999999999999.99/);
    });
    expect(fake.calls).toEqual([]);
  });
});

describe('spec paths', () => {
  test('a provider\'s refunded event confirms a refund the OMS asked for: recorded, nothing else changes', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      await pay(handle, 'captured');
      await waitForOrder(handle, (o) => o.status === 'picking');
      await pay(handle, 'refunded');
      const order = await waitForOrder(handle, (o) => o.timeline.some((t) => t.type === 'payment_event' && /^refunded/.test(t.detail ?? '')));
      expect(order).toMatchObject({ status: 'picking', paymentStatus: 'captured', needsAttention: false });
    });
    expect(fake.calls).not.toContain('refundPayment');
  });

  test('a return not received within the tracking window raises needsAttention; its arrival clears it', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await deliver(handle);
      await handle.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-2', quantity: 1 }], reason: 'changed_mind', actor: 'c' }] });
      await suite.env().sleep('7d');
      const stuck = await waitForOrder(handle, (o) => o.needsAttention);
      expect(stuck.attention).toMatchObject({ step: 'await_return', reason: 'return not received within 7d' });
      await returnReceived(handle, [{ sku: 'SKU-2', quantity: 1, condition: 'sellable' }]);
      const done = await waitForOrder(handle, (o) => o.status === 'return_completed');
      expect(done.needsAttention).toBe(false);
    });
  });

  test('delivery_failed is recorded on the shipment and changes nothing; a later delivery completes', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      await waitForOrder(handle, (o) => o.status === 'shipped');
      await carrier(handle, 'delivery_failed');
      const failed = await waitForOrder(handle, (o) => o.shipment?.events.some((e) => e.status === 'delivery_failed') ?? false);
      expect(failed.status).toBe('shipped');
      expect(failed.timeline).toContainEqual(expect.objectContaining({ type: 'carrier_event', detail: 'yurtici YK123 delivery_failed' }));
      await carrier(handle, 'delivered');
      await waitForOrder(handle, (o) => o.status === 'delivered');
    });
  });

  test('no pick-up within the tracking window raises needsAttention; the pick-up clears it', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await suite.env().sleep('7d');
      const stuck = await waitForOrder(handle, (o) => o.needsAttention);
      expect(stuck.attention).toMatchObject({ step: 'await_pickup', reason: 'no carrier pick-up within 7d' });
      await carrier(handle, 'picked_up');
      const shipped = await waitForOrder(handle, (o) => o.status === 'shipped');
      expect(shipped.needsAttention).toBe(false);
    });
  });
});
