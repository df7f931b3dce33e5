// The late-payment settlement on the real time-skipping test server, activities faked: money that reaches an
// order after it was canceled goes back (void or refund, keyed by order and event) and is written onto the order;
// a settlement the provider refuses flags the order for an operator instead of vanishing.
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  FailureType,
  LATE_PAYMENT_WORKFLOW_TYPE,
  NeedsAttentionAttr,
  latePaymentWorkflowId,
  type LatePaymentInput,
  type LatePaymentResult,
  type PaymentEvent,
} from '../../contract/workflow';
import { fakeActivities, startTimeSkippingEnv, withWorker } from '../helpers/workflow-env';

let env: TestWorkflowEnvironment;
beforeEach(async () => {
  env = await startTimeSkippingEnv();
});
afterEach(async () => {
  await env?.teardown();
});

let seq = 0;
const AT = '2026-11-29T10:00:00.000Z';

async function settle(fake: ReturnType<typeof fakeActivities>, event: Omit<PaymentEvent, 'eventId' | 'at'>) {
  seq += 1;
  const taskQueue = `late-${seq}`;
  const input: LatePaymentInput = {
    orderId: `webstore:LATE-${seq}`,
    event: { eventId: `evt-${seq}`, at: AT, ...event },
    total: '309.85',
    currency: 'TRY',
  };
  const workflowId = latePaymentWorkflowId(input.orderId, input.event.eventId);
  return withWorker(env, fake.activities, taskQueue, async () => {
    const handle = await env.client.workflow.start(LATE_PAYMENT_WORKFLOW_TYPE, {
      taskQueue,
      workflowId,
      args: [input],
      typedSearchAttributes: [{ key: NeedsAttentionAttr, value: false }],
    });
    const outcome = await handle.result().then(
      (result: LatePaymentResult) => ({ result, error: undefined }),
      (error: unknown) => ({ result: undefined, error }),
    );
    const attention = (await handle.describe()).typedSearchAttributes.get(NeedsAttentionAttr);
    return { ...outcome, input, workflowId, attention };
  });
}

test('a late capture is refunded in full, keyed by order and event, and recorded on the order', async () => {
  const fake = fakeActivities();
  const refunds: unknown[] = [];
  const refund = fake.activities.refundPayment;
  fake.activities.refundPayment = async (args) => {
    refunds.push(args);
    return refund(args);
  };
  const { result, error, input, workflowId, attention } = await settle(fake, {
    type: 'captured',
    amount: '250.00',
    currency: 'TRY',
  });
  expect(error).toBeUndefined();
  expect(result).toEqual({ action: 'refunded', amount: '250.00', refundId: 'ref-1' });
  expect(fake.calls).toEqual(['refundPayment', 'recordLatePayment']);
  expect(refunds).toEqual([
    expect.objectContaining({ key: `late-refund:${input.orderId}:${input.event.eventId}`, amount: '250.00', currency: 'TRY' }),
  ]);
  expect(fake.latePayments).toEqual([
    {
      orderId: input.orderId,
      payment: { key: workflowId, eventId: input.event.eventId, action: 'refunded', amount: '250.00', refundId: 'ref-1', at: AT },
      entries: [
        { type: 'late_payment', detail: expect.stringContaining('captured 250.00 TRY after the order was canceled') },
        { type: 'payment_refunded', detail: 'ref-1 250.00 TRY' },
      ],
      paymentStatus: 'refunded',
      refunded: '250.00',
    },
  ]);
  expect(attention).toBe(false);
});

test('a late capture without an amount refunds the order total', async () => {
  const fake = fakeActivities();
  const { result } = await settle(fake, { type: 'captured' });
  expect(result).toMatchObject({ action: 'refunded', amount: '309.85' });
  expect(fake.latePayments[0]).toMatchObject({ refunded: '309.85', paymentStatus: 'refunded' });
});

test('a late authorization is voided, never refunded', async () => {
  const fake = fakeActivities();
  const { result, input } = await settle(fake, { type: 'authorized', amount: '309.85', currency: 'TRY' });
  expect(result).toEqual({ action: 'voided', amount: '309.85' });
  expect(fake.calls).toEqual(['voidPayment', 'recordLatePayment']);
  expect(fake.latePayments).toEqual([
    expect.objectContaining({
      orderId: input.orderId,
      paymentStatus: 'voided',
      payment: expect.objectContaining({ action: 'voided' }),
    }),
  ]);
  expect(fake.latePayments[0]!.refunded).toBeUndefined();
});

test('a refund the provider refuses flags the order and fails the settlement for an operator', async () => {
  const fake = fakeActivities();
  fake.activities.refundPayment = async () => {
    throw ApplicationFailure.create({
      type: FailureType.IntegrationRejected,
      message: 'card account closed',
      nonRetryable: true,
    });
  };
  const { result, error, workflowId, attention } = await settle(fake, { type: 'captured', amount: '10.00' });
  expect(result).toBeUndefined();
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(fake.latePayments).toEqual([
    expect.objectContaining({
      payment: expect.objectContaining({ key: `${workflowId}:failed`, action: 'failed', amount: '10.00' }),
      attention: {
        step: 'late_payment_refund',
        reason: expect.stringContaining('card account closed'),
      },
    }),
  ]);
  expect(fake.latePayments[0]!.paymentStatus).toBeUndefined();
  expect(attention).toBe(true);
});

test('only authorized and captured payments are settled', async () => {
  const fake = fakeActivities();
  const { error } = await settle(fake, { type: 'failed' });
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(fake.calls).toEqual([]);
});
