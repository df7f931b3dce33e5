// The order workflow on the real time-skipping test server, every path of the spec, activities faked.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import {
  acceptanceUpdate,
  cancelOrderUpdate,
  paymentEventSignal,
  refundDecisionUpdate,
  requestReturnUpdate,
  retryStepUpdate,
  skipStepUpdate,
  latePaymentWorkflowId,
} from '../../contract/workflow';
import type { OrderView } from '../../contract/types';
import { fakeActivities, orderInput, waitForOrder } from '../helpers/workflow-env';
import {
  accept,
  at,
  carrier,
  deliver,
  eventId,
  expectConflict,
  expectSideEffects,
  operator,
  packAndLabel,
  packed,
  pay,
  returnReceived,
  cancelWhileClockRuns,
  timeSkippingSuite,
} from '../helpers/order-driver';

// orderWorkflowV2's own tests: it still runs every order accepted before v3 became the default.
const suite = timeSkippingSuite('orderWorkflowV2');
const { run } = suite;

describe('order workflow (orderWorkflowV2)', () => {
  test('card order: full lifecycle to the end of the return window, every step once and in order', async () => {
    const fake = fakeActivities();
    const input = orderInput();
    await run(fake, input, async (handle) => {
      const accepted = await handle.executeUpdate(acceptanceUpdate, { args: [{ requestId: input.requestId }] });
      expect(accepted.created).toBe(true);
      expect(accepted.order.status).toBe('new');
      expect(accepted.order.totals.total).toBe('309.85');
      // a second request for the same order is told it is not the creator
      expect((await handle.executeUpdate(acceptanceUpdate, { args: [{ requestId: 'other' }] })).created).toBe(false);

      const delivered = await deliver(handle);
      expect(delivered.shipment?.trackingNumber).toBe('YK123');
      expect(delivered.timeline.map((t) => t.status).filter(Boolean)).toEqual([
        'new',
        'confirmed',
        'picking',
        'shipped',
        'delivered',
      ]);
      await suite.env().sleep('15d');
      const final = (await handle.result()) as OrderView;
      expect(final.status).toBe('delivered');
      expect(final.timeline.some((t) => t.type === 'return_window_closed')).toBe(true);
    });
    expectSideEffects(fake.calls, ['createShipment', 'commitStock', 'capturePayment']);
    // every status reached the customer and the channel, and the read model ended on the final version
    for (const status of ['new', 'confirmed', 'picking', 'shipped', 'delivered']) {
      expect(fake.notifications).toContain(`notify:${status}`);
      expect(fake.notifications).toContain(`channel:${status}`);
    }
    const last = fake.snapshots.at(-1)!;
    expect(last.version).toBe(Math.max(...fake.snapshots.map((s) => s.version)));
    expect(last.status).toBe('delivered');
  });

  test('marketplace and cash-on-delivery orders are confirmed without waiting for payment', async () => {
    for (const method of ['marketplace', 'cash_on_delivery'] as const) {
      const fake = fakeActivities();
      await run(fake, orderInput({ payment: { method } }), async (handle) => {
        const order = await accept(handle);
        expect(order.status).toBe('confirmed');
        expect(order.paymentStatus).toBe(method === 'marketplace' ? 'captured' : 'not_required');
        await waitForOrder(handle, (o) => o.status === 'picking');
      });
    }
  });

  test('no payment within the card timeout cancels the order and releases the stock', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      await suite.env().sleep('29m');
      expect((await waitForOrder(handle, () => true)).status).toBe('new');
      await suite.env().sleep('2m');
      const order = await waitForOrder(handle, (o) => o.status === 'canceled');
      expect(order.cancelReason).toBe('payment_timeout');
    });
    expect(fake.calls).toEqual(['validateOrder', 'reserveStock', 'releaseStock']);
  });

  test('bank transfers get their own, longer payment timeout', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'bank_transfer' } }), async (handle) => {
      await accept(handle);
      await suite.env().sleep('47h');
      await pay(handle, 'captured');
      const order = await waitForOrder(handle, (o) => o.status === 'picking');
      expect(order.paymentStatus).toBe('captured');
    });
  });

  test('a failed payment cancels the order and releases the stock', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      await pay(handle, 'failed');
      const order = await waitForOrder(handle, (o) => o.status === 'canceled');
      expect(order.cancelReason).toBe('payment_failed');
      expect(order.paymentStatus).toBe('failed');
    });
    expect(fake.calls).toEqual(['validateOrder', 'reserveStock', 'releaseStock']);
  });

  test('a capture that arrives after the payment failed is refunded by a late-payment settlement', async () => {
    // The release is slow, so the capture reaches the order while it is still canceling.
    const fake = fakeActivities({ slow: { releaseStock: 500 } });
    const input = orderInput();
    const capture = { eventId: eventId(), type: 'captured' as const, amount: '200.00', currency: 'TRY', at: at() };
    await run(fake, input, async (handle) => {
      await accept(handle);
      await pay(handle, 'failed');
      await handle.signal(paymentEventSignal, capture);
      // Poll before awaiting the result: a result call lets the test server skip time while the release still runs.
      await waitForOrder(handle, (o) => o.status === 'canceled');
      const final: OrderView = await handle.result();
      expect(final).toMatchObject({ status: 'canceled', cancelReason: 'payment_failed', paymentStatus: 'failed' });
      expect(final.timeline.filter((t) => t.type === 'late_payment')).toHaveLength(1);
      const settlement = suite.env().client.workflow.getHandle(latePaymentWorkflowId(input.orderId, capture.eventId));
      expect(await settlement.result()).toMatchObject({ action: 'refunded', amount: '200.00' });
    });
    // The capture lands while the task running the release is open, so Temporal runs that task (and the
    // idempotent release, a local activity) again: at least once, as every step.
    expect([...new Set(fake.calls)]).toEqual(['validateOrder', 'reserveStock', 'releaseStock', 'refundPayment', 'recordLatePayment']);
    expect(fake.calls.filter((c) => c === 'refundPayment')).toHaveLength(1);
    expect(fake.latePayments).toEqual([
      expect.objectContaining({ orderId: input.orderId, refunded: '200.00', paymentStatus: 'refunded' }),
    ]);
  });

  test('a capture while the order waits for its payment is taken; a second, distinct capture raises attention', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      await pay(handle, 'captured');
      await pay(handle, 'captured'); // another event id: possibly a double charge, a person checks with the provider
      const flagged = await waitForOrder(handle, (o) => o.status === 'picking' && o.needsAttention);
      expect(flagged.paymentStatus).toBe('captured');
      expect(flagged.attention?.step).toBe('second_payment');
      await expectConflict(handle.executeUpdate(retryStepUpdate, { args: [operator] }), /nothing to retry/);
      const handled = await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'same charge, provider resent it' }] });
      expect(handled.needsAttention).toBe(false);
      expect(handled.ledger?.filter((e) => e.kind === 'capture')).toHaveLength(1);
    });
    expect(fake.calls).not.toContain('refundPayment');
    expect(fake.latePayments).toEqual([]);
  });

  describe('a payment that differs from the order total', () => {
    const payAmount = (handle: WorkflowHandle, type: 'authorized' | 'captured', amount: string, currency = 'TRY') =>
      handle.signal(paymentEventSignal, { eventId: eventId(), type, amount, currency, at: at() });
    const recording = <K extends 'capturePayment' | 'refundPayment'>(fake: ReturnType<typeof fakeActivities>, name: K) => {
      const seen: Parameters<ReturnType<typeof fakeActivities>['activities'][K]>[0][] = [];
      const original = fake.activities[name] as (args: unknown) => Promise<unknown>;
      (fake.activities as unknown as Record<string, unknown>)[name] = async (args: never) => {
        seen.push(args);
        return original(args);
      };
      return seen;
    };

    test('waits in new for an operator; a skip accepts it and what was paid is what gets captured', async () => {
      const fake = fakeActivities();
      const captures = recording(fake, 'capturePayment');
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await payAmount(handle, 'authorized', '300.00');
        const held = await waitForOrder(handle, (o) => o.needsAttention);
        expect(held).toMatchObject({ status: 'new', paymentStatus: 'authorized' });
        expect(held.attention).toMatchObject({ step: 'payment_amount' });
        expect(held.attention?.reason).toContain('paid 300.00 TRY, the order total is 309.85 TRY');
        expect(fake.calls).toEqual(['validateOrder', 'reserveStock']); // nothing issued for an unsettled payment
        await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'customer agreed the discount' }] });
        await packAndLabel(handle);
        await carrier(handle, 'picked_up');
        await waitForOrder(handle, (o) => o.status === 'shipped' && o.paymentStatus === 'captured');
      });
      expect(captures).toEqual([expect.objectContaining({ amount: '300.00', currency: 'TRY' })]);
    });

    test('a return refunds at most what is left of a payment accepted below the total', async () => {
      const fake = fakeActivities();
      const refunds = recording(fake, 'refundPayment');
      const notes: unknown[] = [];
      const creditNote = fake.activities.issueCreditNote;
      fake.activities.issueCreditNote = async (args) => {
        notes.push(args);
        return creditNote(args);
      };
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await payAmount(handle, 'captured', '300.00');
        await waitForOrder(handle, (o) => o.attention?.step === 'payment_amount');
        await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'discount agreed' }] });
        await packAndLabel(handle);
        await carrier(handle, 'picked_up');
        await carrier(handle, 'delivered');
        await waitForOrder(handle, (o) => o.status === 'delivered');
        await handle.executeUpdate(requestReturnUpdate, {
          args: [{ lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }], reason: 'changed_mind', actor: 'webstore' }],
        });
        await returnReceived(handle, [
          { sku: 'SKU-1', quantity: 2, condition: 'sellable' },
          { sku: 'SKU-2', quantity: 1, condition: 'sellable' },
        ]);
        const done = await waitForOrder(handle, (o) => o.status === 'return_completed');
        expect(done.totals.refunded).toBe('300.00');
        expect(done.paymentStatus).toBe('refunded'); // all that was paid
        expect(done.return?.refund?.amount).toBe('300.00');
        expect(done.timeline).toContainEqual(
          expect.objectContaining({ type: 'refund_capped', detail: '309.85 TRY due, 300.00 left of the 300.00 paid' }),
        );
      });
      expect(refunds).toEqual([expect.objectContaining({ amount: '300.00' })]);
      expect(notes).toEqual([expect.objectContaining({ amount: '309.85' })]); // the invoice's value, in full
    });

    test('a cancel while it waits gives back exactly what was paid', async () => {
      const fake = fakeActivities();
      const refunds = recording(fake, 'refundPayment');
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await payAmount(handle, 'captured', '100.00');
        await waitForOrder(handle, (o) => o.attention?.step === 'payment_amount');
        const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'operator_request', actor: 'op' }] });
        expect(order).toMatchObject({ status: 'canceled', paymentStatus: 'refunded', needsAttention: false });
        expect(order.totals.refunded).toBe('100.00');
      });
      expect(refunds).toEqual([expect.objectContaining({ amount: '100.00', currency: 'TRY' })]);
      expect(fake.calls).toEqual(['validateOrder', 'reserveStock', 'refundPayment', 'releaseStock']);
    });

    test('another currency is held too; a retry after the right capture arrived goes on', async () => {
      const fake = fakeActivities();
      const captures = recording(fake, 'capturePayment');
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await payAmount(handle, 'authorized', '309.85', 'EUR');
        const held = await waitForOrder(handle, (o) => o.needsAttention);
        expect(held.attention?.reason).toContain('paid in EUR, the order is in TRY');
        await payAmount(handle, 'captured', '309.85');
        await handle.executeUpdate(retryStepUpdate, { args: [operator] });
        const order = await waitForOrder(handle, (o) => o.status === 'picking');
        expect(order).toMatchObject({ paymentStatus: 'captured', needsAttention: false });
      });
      expect(captures).toEqual([]); // captured by the provider already: nothing to capture at shipping
    });
  });

  test('out of stock: canceled at acceptance, nothing to release', async () => {
    const fake = fakeActivities({ outOfStock: true });
    await run(fake, orderInput(), async (handle) => {
      const order = await accept(handle);
      expect(order.status).toBe('canceled');
      expect(order.cancelReason).toBe('out_of_stock');
      expect(order.timeline.find((t) => t.status === 'canceled')?.detail).toMatch(/SKU-1: 2 requested, 0 available/);
      await handle.result();
    });
    // Local activities may run again when the workflow task that would complete the order is retried (they are
    // idempotent); what matters is that nothing else happened.
    expect([...new Set(fake.calls)]).toEqual(['validateOrder', 'reserveStock']);
  });

  test('an invalid order is canceled with invalid_order and reserves nothing', async () => {
    const fake = fakeActivities({ invalid: true });
    await run(fake, orderInput(), async (handle) => {
      const order = await accept(handle);
      expect(order.status).toBe('canceled');
      expect(order.cancelReason).toBe('invalid_order');
    });
    expect([...new Set(fake.calls)]).toEqual(['validateOrder']);
  });

  test('duplicate and out-of-order callbacks have no second effect', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      const paid = eventId();
      for (let i = 0; i < 3; i++) {
        await handle.signal(paymentEventSignal, { eventId: paid, type: 'authorized', at: at() });
      }
      await waitForOrder(handle, (o) => o.status === 'picking');
      await packed(handle);
      await packed(handle);
      await waitForOrder(handle, (o) => o.shipments.length === 1);
      await carrier(handle, 'delivered'); // delivered before any pick-up news: still moves forward, via shipped
      const delivered = await waitForOrder(handle, (o) => o.status === 'delivered');
      await carrier(handle, 'in_transit'); // late, would go backwards
      const after = await waitForOrder(handle, (o) => o.timeline.some((t) => t.detail === 'carrier in_transit while delivered'));
      expect(after.status).toBe('delivered');
      expect(delivered.timeline.filter((t) => t.type === 'payment_event')).toHaveLength(1);
    });
    expect(fake.calls.filter((c) => c === 'createShipment')).toHaveLength(1);
    expect(fake.calls.filter((c) => c === 'commitStock')).toHaveLength(1);
  });

  test('a packed report that arrives before the picking task is confirmed still counts', async () => {
    // The first attempt to create the task fails, so `packed` lands while the order is still `confirmed`.
    const fake = fakeActivities({ failing: { createPickingTask: 1 } });
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packed(handle);
      expect((await waitForOrder(handle, () => true)).status).toBe('confirmed');
      const labeled = await waitForOrder(handle, (o) => o.shipments.length === 1);
      expect(labeled.status).toBe('picking');
      expect(labeled.timeline.some((t) => t.type === 'ignored_event')).toBe(false);
    });
  });

  test('a packed report that overtakes the payment callback is kept for picking', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await accept(handle);
      await packed(handle);
      await pay(handle, 'captured');
      const labeled = await waitForOrder(handle, (o) => o.shipments.length === 1);
      expect(labeled.needsAttention).toBe(false);
    });
  });

  test('pick-and-pack SLA: the order is flagged and keeps waiting; packing clears the flag', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await waitForOrder(handle, (o) => o.status === 'picking');
      await suite.env().sleep('25h');
      const flagged = await waitForOrder(handle, (o) => o.needsAttention);
      expect(flagged.attention).toMatchObject({ step: 'pick_and_pack', reason: 'not packed within 24h' });
      expect(flagged.status).toBe('picking');
      await packed(handle);
      const cleared = await waitForOrder(handle, (o) => o.shipments.length === 1);
      expect(cleared.needsAttention).toBe(false);
    });
  });

  test('tracking window: no delivery news raises needsAttention; an operator skip confirms delivery', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'cash_on_delivery' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'in_transit');
      await waitForOrder(handle, (o) => o.status === 'shipped');
      await suite.env().sleep('8d');
      const flagged = await waitForOrder(handle, (o) => o.needsAttention);
      expect(flagged.attention?.step).toBe('await_delivery');
      const skipped = await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'customer confirmed by phone' }] });
      expect(skipped.needsAttention).toBe(false);
      const order = await waitForOrder(handle, (o) => o.status === 'delivered');
      expect(order.timeline.some((t) => t.actor === operator.actor && /skipped/.test(t.detail ?? ''))).toBe(true);
    });
  });

  test('a return within the window: return code, refund of sellable lines, restock, return_completed', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput(), async (handle) => {
      await deliver(handle);
      await suite.env().sleep('13d');
      await expectConflict(
        handle.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-1', quantity: 3 }], reason: 'x', actor: 'c' }] }),
        /exceeds the 2 delivered/,
      );
      const pending = await handle.executeUpdate(requestReturnUpdate, {
        args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'changed_mind', actor: 'webstore' }],
      });
      expect(pending.status).toBe('return_pending');
      expect(pending.return?.returnCode).toBe('RET-1');
      await returnReceived(handle, [{ sku: 'SKU-1', quantity: 1, condition: 'sellable' }]);
      const done = (await handle.result()) as OrderView;
      expect(done.status).toBe('return_completed');
      expect(done.paymentStatus).toBe('partially_refunded');
      expect(done.totals.refunded).toBe('149.90');
      expect(done.lines[0]).toMatchObject({ returnedQuantity: 1, refundedQuantity: 1 });
    });
    expect(fake.calls.slice(-4)).toEqual(['createReturnCode', 'refundPayment', 'issueCreditNote', 'restockReturn']);
  });

  test('damaged returned items wait for an operator decision before the refund', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'delivered');
      await waitForOrder(handle, (o) => o.status === 'delivered');
      await handle.executeUpdate(requestReturnUpdate, {
        args: [{ lines: [{ sku: 'SKU-1', quantity: 2 }], reason: 'broken', actor: 'trendyol' }],
      });
      await returnReceived(handle, [
        { sku: 'SKU-1', quantity: 1, condition: 'sellable' },
        { sku: 'SKU-1', quantity: 1, condition: 'damaged' },
      ]);
      const waiting = await waitForOrder(handle, (o) => o.needsAttention);
      expect(waiting.attention?.step).toBe('refund_decision');
      await expectConflict(handle.executeUpdate(retryStepUpdate, { args: [operator] }), /refund decision/);
      await handle.executeUpdate(refundDecisionUpdate, { args: [{ ...operator, refundDamaged: true, reason: 'courier damage' }] });
      const done = (await handle.result()) as OrderView;
      expect(done.status).toBe('return_completed');
      expect(done.totals.refunded).toBe('299.80'); // both units; the marketplace refunds, the OMS records it
      expect(done.paymentStatus).toBe('partially_refunded');
    });
    // only the sellable unit goes back to stock, and no provider refund for a marketplace order
    expect(fake.calls).not.toContain('refundPayment');
    expect(fake.calls.filter((c) => c === 'restockReturn')).toHaveLength(1);
  });

  test('returned to sender is handled like a return of every line; cash on delivery that was never collected refunds nothing', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'cash_on_delivery' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      await carrier(handle, 'returned_to_sender');
      const pending = await waitForOrder(handle, (o) => o.status === 'return_pending');
      expect(pending.return?.source).toBe('returned_to_sender');
      await returnReceived(handle, [
        { sku: 'SKU-1', quantity: 2, condition: 'sellable' },
        { sku: 'SKU-2', quantity: 1, condition: 'sellable' },
      ]);
      const done = (await handle.result()) as OrderView;
      expect(done.status).toBe('return_completed');
      expect(done).toMatchObject({ paymentStatus: 'not_required', totals: expect.objectContaining({ refunded: '0.00' }) });
      expect(done.ledger?.some((e) => e.kind.includes('refund'))).toBe(false);
      expect(done.timeline).toContainEqual(expect.objectContaining({ type: 'no_refund' }));
    });
    expect(fake.calls).toContain('restockReturn');
    expect(fake.calls).toContain('issueCreditNote'); // the invoiced sale did not happen
    expect(fake.calls).not.toContain('refundPayment');
  });

  test('the return window closes after 14 days; a return asked for after it is refused by the validator', async () => {
    const fake = fakeActivities();
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      await packAndLabel(handle);
      await carrier(handle, 'picked_up');
      await carrier(handle, 'delivered');
      await waitForOrder(handle, (o) => o.status === 'delivered');
      // A second capture leaves an alert open, so the order stays open after its window for the operator.
      await pay(handle, 'captured');
      await waitForOrder(handle, (o) => o.attention?.step === 'second_payment');
      await suite.env().sleep('14d');
      await waitForOrder(handle, (o) => o.timeline.some((t) => t.type === 'return_window_closed'));
      await expectConflict(
        handle.executeUpdate(requestReturnUpdate, { args: [{ lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'late', actor: 'c' }] }),
        /the return window has closed/,
      );
      await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'checked' }] });
      const final = (await handle.result()) as OrderView;
      expect(final.status).toBe('delivered');
    });
  });

  describe('cancel', () => {
    test('in new: releases the stock', async () => {
      const fake = fakeActivities();
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] });
        expect(order.status).toBe('canceled');
        expect(order.cancelReason).toBe('customer_request');
      });
      expect(fake.calls).toEqual(['validateOrder', 'reserveStock', 'releaseStock']);
    });

    test('in picking: compensations newest first, through the void of the authorization', async () => {
      const fake = fakeActivities();
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await pay(handle, 'authorized');
        await waitForOrder(handle, (o) => o.status === 'picking');
        const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] });
        expect(order.status).toBe('canceled');
        expect(order.paymentStatus).toBe('voided');
      });
      expectSideEffects(fake.calls, [
        'cancelPickingTask',
        'reverseErpSale',
        'issueCreditNote',
        'voidPayment',
        'releaseStock',
      ]);
    });

    test('in picking after the label: the shipment is canceled at the carrier and a captured payment refunded', async () => {
      const fake = fakeActivities();
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await pay(handle, 'captured');
        await packAndLabel(handle);
        const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] });
        expect(order.paymentStatus).toBe('refunded');
        expect(order.totals.refunded).toBe(order.totals.total);
      });
      expectSideEffects(fake.calls, [
        'createShipment',
        'cancelShipment',
        'cancelPickingTask',
        'reverseErpSale',
        'issueCreditNote',
        'refundPayment',
        'releaseStock',
      ]);
    });

    test('a cancel that lands while the label is being created waits for it, then cancels the shipment', async () => {
      const fake = fakeActivities({ slow: { createShipment: 1500 } });
      await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
        await accept(handle);
        await packed(handle);
        await waitForOrder(handle, (o) => o.timeline.some((t) => t.type === 'picking_task_created'));
        const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] });
        expect(order.status).toBe('canceled');
        expect(order.shipment?.trackingNumber).toBe('YK123');
      });
      expectSideEffects(fake.calls, [
        'createShipment',
        'cancelShipment',
        'cancelPickingTask',
        'reverseErpSale',
        'issueCreditNote',
        'releaseStock',
      ]);
    });

    test('canceling while the invoice step is stuck also undoes the ERP sale and picking task started beside it', async () => {
      const fake = fakeActivities({ failing: { issueInvoice: 'always' } });
      await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
        await accept(handle);
        for (let i = 0; i < 60 && !(await waitForOrder(handle, () => true)).needsAttention; i++) await suite.env().sleep('30s');
        expect((await waitForOrder(handle, (o) => o.needsAttention)).attention?.step).toBe('issue_invoice');
        const order = await handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] });
        expect(order.status).toBe('canceled');
        expect(order.needsAttention).toBe(false);
      });
      expect(fake.calls.slice(0, 2)).toEqual(['validateOrder', 'reserveStock']);
      expect(fake.calls.slice(2, 4).sort()).toEqual(['createPickingTask', 'postErpSale']);
      expect(fake.calls.slice(4)).toEqual(['cancelPickingTask', 'reverseErpSale', 'releaseStock']);
    });

    test('refused once shipped, and when already canceled', async () => {
      const fake = fakeActivities();
      await run(fake, orderInput({ payment: { method: 'cash_on_delivery' } }), async (handle) => {
        await accept(handle);
        await packAndLabel(handle);
        await carrier(handle, 'picked_up');
        await waitForOrder(handle, (o) => o.status === 'shipped');
        await expectConflict(
          handle.executeUpdate(cancelOrderUpdate, { args: [{ reason: 'customer_request', actor: 'webstore' }] }),
          /shipped cannot be canceled/,
        );
      });
      expect(fake.calls).not.toContain('releaseStock');
    });

    test('a compensation that keeps failing flags the order naming it; an operator skip goes on with the unwind', async () => {
      const fake = fakeActivities({ failing: { reverseErpSale: 'always' } });
      await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
        await accept(handle);
        await waitForOrder(handle, (o) => o.status === 'picking');
        // The cancel answers as soon as a compensation is stuck; meanwhile the clock moves past the retry backoff.
        const answered = await cancelWhileClockRuns(suite.env(), handle, 'operator_request');
        expect(answered.needsAttention).toBe(true);
        expect(answered.attention?.step).toBe('compensate:post_erp_sale');
        expect(answered.status).toBe('picking');
        // nothing already compensated is undone, and nothing older ran yet
        expectSideEffects(fake.calls, ['cancelPickingTask']);
        await handle.executeUpdate(skipStepUpdate, { args: [{ ...operator, reason: 'reversed by hand in the ERP' }] });
        const order = await waitForOrder(handle, (o) => o.status === 'canceled');
        expect(order.timeline.some((t) => t.type === 'compensation_skipped' && t.detail === 'post_erp_sale')).toBe(true);
      });
      expectSideEffects(fake.calls, ['cancelPickingTask', 'issueCreditNote', 'releaseStock']);
    });

    test('cancelling the workflow itself (Temporal UI/CLI) still compensates', async () => {
      const fake = fakeActivities();
      await run(fake, orderInput(), async (handle) => {
        await accept(handle);
        await pay(handle, 'authorized');
        await waitForOrder(handle, (o) => o.status === 'picking');
        await handle.cancel();
        const err = await handle.result().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(WorkflowFailedError);
        expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      });
      expect(fake.calls.slice(-5)).toEqual([
        'cancelPickingTask',
        'reverseErpSale',
        'issueCreditNote',
        'voidPayment',
        'releaseStock',
      ]);
      expect(fake.snapshots.at(-1)?.status).toBe('canceled');
      expect(fake.snapshots.at(-1)?.cancelReason).toBe('workflow_cancelled');
    });
  });

  test('a forward step that keeps failing waits for an operator; retry runs it again', async () => {
    const fake = fakeActivities({ failing: { createPickingTask: 5 } });
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      await accept(handle);
      for (let i = 0; i < 60; i++) {
        await suite.env().sleep('30s');
        if ((await waitForOrder(handle, () => true)).needsAttention) break;
      }
      const stuck = await waitForOrder(handle, (o) => o.needsAttention);
      expect(stuck.attention?.step).toBe('create_picking_task');
      const retried = await handle.executeUpdate(retryStepUpdate, { args: [operator] });
      expect(retried.timeline.some((t) => t.type === 'operator_retry' && t.actor === operator.actor)).toBe(true);
      await waitForOrder(handle, (o) => o.status === 'picking' && !o.needsAttention);
    });
  });

  test('a failing notification never blocks the order', async () => {
    const fake = fakeActivities({ failing: { notifyCustomer: 'always' } });
    await run(fake, orderInput({ payment: { method: 'marketplace' } }), async (handle) => {
      const order = await accept(handle);
      expect(order.status).toBe('confirmed');
      await waitForOrder(handle, (o) => o.status === 'picking');
    });
  });
});
