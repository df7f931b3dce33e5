// A payment that arrives after its order was canceled and the order's workflow had ended (typically the
// provider's capture landing after the payment timeout): the money is given back, voided when it was only
// authorized, refunded when it was captured, and the settlement is written onto the order so finance sees it.
// One run per order and payment event (workflow id `late-payment:<order>:<event>`), so a repeated callback
// never settles twice; the provider calls carry idempotency keys derived from the same pair.
// Determinism: this file imports only @temporalio/workflow and the shared contract.
import {
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { LatePaymentRecord, OrderActivities } from '../contract/activities';
import type { LatePayment } from '../contract/types';
import {
  FailureType,
  NeedsAttentionAttr,
  type LatePaymentInput,
  type LatePaymentResult,
} from '../contract/workflow';

/** Money owed back to a customer: retried longer than an order step before an operator is asked. */
const PROVIDER: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    maximumAttempts: 12,
    nonRetryableErrorTypes: [FailureType.IntegrationRejected],
  },
};

const provider = proxyActivities<OrderActivities>(PROVIDER);
const db = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', nonRetryableErrorTypes: [FailureType.InvalidInput] },
});

export async function latePaymentWorkflow(input: LatePaymentInput): Promise<LatePaymentResult> {
  const { orderId, event } = input;
  if (event.type !== 'authorized' && event.type !== 'captured') {
    throw ApplicationFailure.create({
      type: FailureType.InvalidInput,
      message: `event.type: only authorized or captured payments are settled, got ${event.type}`,
      nonRetryable: true,
    });
  }
  const key = workflowInfo().workflowId;
  const amount = event.amount ?? input.total;
  const currency = event.currency ?? input.currency;
  const seen = `${event.type} ${amount} ${currency} after the order was canceled (event ${event.eventId})`;
  const record = (payment: Omit<LatePayment, 'eventId' | 'at'>, rest: Omit<LatePaymentRecord, 'orderId' | 'payment'>) =>
    db.recordLatePayment({ orderId, payment: { ...payment, eventId: event.eventId, at: event.at }, ...rest });

  let result: LatePaymentResult;
  try {
    if (event.type === 'captured') {
      const refund = await provider.refundPayment({
        key: `late-refund:${orderId}:${event.eventId}`,
        orderId,
        amount,
        currency,
        reason: 'payment arrived after the order was canceled',
      });
      result = { action: 'refunded', amount, refundId: refund.refundId };
    } else {
      await provider.voidPayment({ key: `late-void:${orderId}:${event.eventId}`, orderId });
      result = { action: 'voided', amount };
    }
  } catch (err) {
    const step = event.type === 'captured' ? 'late_payment_refund' : 'late_payment_void';
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    upsertSearchAttributes([{ key: NeedsAttentionAttr, value: true }]);
    await record(
      { key: `${key}:failed`, action: 'failed', amount },
      {
        entries: [
          { type: 'late_payment', detail: seen },
          { type: 'needs_attention', detail: `${step}: ${reason}` },
        ],
        attention: { step, reason: `${seen}: ${reason}; settle it at the provider` },
      },
    );
    throw err;
  }

  await record(
    { key, action: result.action, amount, refundId: result.refundId },
    result.action === 'refunded'
      ? {
          entries: [
            { type: 'late_payment', detail: seen },
            { type: 'payment_refunded', detail: `${result.refundId ?? ''} ${amount} ${currency}`.trim() },
          ],
          paymentStatus: 'refunded',
          refunded: amount,
        }
      : {
          entries: [
            { type: 'late_payment', detail: seen },
            { type: 'payment_voided', detail: `authorization of ${amount} ${currency} released` },
          ],
          paymentStatus: 'voided',
        },
  );
  return result;
}
