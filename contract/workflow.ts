// The order workflow's public contract: task queue, ids, handles, search attributes, failure
// types. Imported by the workflow (so: deterministic, no Node built-ins) and by every client.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey } from '@temporalio/common';
import type {
  StockLine,
  CarrierEventStatus,
  ItemCondition,
  OrderView,
  PaymentEventType,
  WarehouseEventType,
  Carrier,
} from './types';

export const TASK_QUEUE = 'oms-orders';
/** The workflow type new orders start (workflows/order/v3/). */
export const ORDER_WORKFLOW_TYPE = 'orderWorkflowV3';
/** Order workflow types of earlier versions: still registered, so orders started on them run to their end. */
export const LEGACY_ORDER_WORKFLOW_TYPES = ['orderWorkflowV2', 'orderWorkflow'] as const;

/** The order id channels see; channel names and external ids are restricted so it is URL-safe. */
export function orderIdFor(channel: string, externalOrderId: string): string {
  return `${channel}:${externalOrderId}`;
}

/** One workflow per order: the id is the order id, so a second start with it is refused by Temporal. */
export function orderWorkflowId(orderId: string): string {
  return `order:${orderId}`;
}

/** Feeds one channel account its available stock (workflows/stock-feed.ts); one workflow per account. */
export const STOCK_FEED_WORKFLOW_TYPE = 'stockFeedWorkflow';

export function stockFeedWorkflowId(account: string): string {
  return `stock-feed:${account}`;
}

/** One sweep of a carrier's open shipments (workflows/carrier-tracking.ts), started by the carrier's schedule. */
export const CARRIER_TRACKING_WORKFLOW_TYPE = 'carrierTrackingWorkflow';
/** The Temporal Schedule that sweeps one carrier's tracking; also the prefix of its runs' workflow ids. */
export function carrierTrackingScheduleId(carrier: string): string {
  return `carrier-tracking:${carrier}`;
}

/** Pulls Trendyol's packages (workflows/channel-pull.ts): one workflow, id `order-pull:trendyol`. */
export const TRENDYOL_PULL_WORKFLOW_TYPE = 'trendyolPullWorkflow';
export const TRENDYOL_PULL_WORKFLOW_ID = 'order-pull:trendyol';
export const HEPSIBURADA_PULL_WORKFLOW_TYPE = 'hepsiburadaPullWorkflow';
export const HEPSIBURADA_PULL_WORKFLOW_ID = 'order-pull:hepsiburada';
export const N11_PULL_WORKFLOW_TYPE = 'n11PullWorkflow';
export const N11_PULL_WORKFLOW_ID = 'order-pull:n11';

/** Settles a payment that arrived after its order was canceled and its workflow had ended. */
export const LATE_PAYMENT_WORKFLOW_TYPE = 'latePaymentWorkflow';

/** One settlement per order and payment event: a repeated callback finds the same workflow. */
export function latePaymentWorkflowId(orderId: string, eventId: string): string {
  return `late-payment:${orderId}:${eventId}`;
}

/** What an order's workflow, and a settlement of its payments, start with: found by channel, external id, NeedsAttention. */
export function orderSearchAttributes(order: { channel: string; externalOrderId: string }) {
  return [
    { key: ChannelAttr, value: order.channel },
    { key: NeedsAttentionAttr, value: false },
    { key: ExternalOrderIdAttr, value: order.externalOrderId },
  ];
}

export interface LatePaymentInput {
  orderId: string;
  /** The provider's `authorized` or `captured` event, as the callback carried it. */
  event: PaymentEvent;
  /** The order's total and currency: what a capture without an amount is taken to be. */
  total: string;
  currency: string;
}

export interface LatePaymentResult {
  action: 'voided' | 'refunded';
  amount?: string | undefined;
  refundId?: string | undefined;
}

// ---- signals: external events, each carrying the sender's event id for de-duplication ----

export interface PaymentEvent {
  eventId: string;
  type: PaymentEventType;
  amount?: string | undefined;
  currency?: string | undefined;
  at: string;
}
export interface CarrierEvent {
  eventId: string;
  carrier: Carrier;
  trackingNumber: string;
  status: CarrierEventStatus;
  at: string;
}
export interface WarehouseEvent {
  eventId: string;
  type: WarehouseEventType;
  /** The fulfillment unit (`<orderId>/<n>`) a packed report is for; an order with one unit may omit it. */
  fulfillmentId?: string | undefined;
  lines?: { sku: string; quantity: number; condition: ItemCondition }[] | undefined;
  at: string;
}

/** A payment provider callback (authorized, captured, failed, refunded). */
export const paymentEventSignal = defineSignal<[PaymentEvent]>('paymentEvent');
/** A carrier tracking callback. */
export const carrierEventSignal = defineSignal<[CarrierEvent]>('carrierEvent');
/** A warehouse callback (packed, return_received). */
export const warehouseEventSignal = defineSignal<[WarehouseEvent]>('warehouseEvent');

// ---- updates: commands that need an answer; validators refuse what the state does not allow ----

export interface AcceptanceResult {
  created: boolean;
  order: OrderView;
}
/** Waits until stock is reserved or refused and returns the order; `created` tells the first request apart. */
export const acceptanceUpdate = defineUpdate<AcceptanceResult, [{ requestId: string }]>('awaitAcceptance');

export interface CancelRequest {
  reason: string;
  actor: string;
}
/** Cancels the order and returns it once every side effect is compensated. */
export const cancelOrderUpdate = defineUpdate<OrderView, [CancelRequest]>('cancelOrder');

export interface ReturnRequest {
  lines: { sku: string; quantity: number }[];
  reason: string;
  actor: string;
}
/** Partial cancel (orderWorkflowV3): cancels these quantities of what has not shipped. */
export interface CancelLinesRequest extends CancelRequest {
  lines: StockLine[];
}
/**
 * Cancels the given quantities only (orderWorkflowV3); returns the order once their stock, units and money are
 * settled. Orders on earlier workflow types have no handler for it (the API answers 409).
 */
export const cancelLinesUpdate = defineUpdate<OrderView, [CancelLinesRequest]>('cancelLines');

/** A location cannot supply its unit, or some of its lines (`POST /callbacks/warehouse` type `rejected`). */
export interface FulfillmentRejection {
  eventId: string;
  /** Optional when the order has a single live unit. */
  fulfillmentId?: string | undefined;
  /** The lines it cannot supply; absent: all of the unit's lines. */
  lines?: StockLine[] | undefined;
  reason: string;
  at: string;
}
/**
 * The location's rejection (orderWorkflowV3): the lines are re-sourced elsewhere or canceled. The update id is the
 * warehouse's event id, so a repeated callback is answered by the first one's outcome.
 */
export const rejectFulfillmentUpdate = defineUpdate<OrderView, [FulfillmentRejection]>('rejectFulfillment');

/** Opens a return within the return window; returns the order in `return_pending`. */
export const requestReturnUpdate = defineUpdate<OrderView, [ReturnRequest]>('requestReturn');

export interface OperatorAction {
  actor: string;
  reason?: string | undefined;
}
/** Operator: run the step the order is stuck on again. */
export const retryStepUpdate = defineUpdate<OrderView, [OperatorAction]>('retryStep');
/** Operator: give up on the stuck step, with a reason, and go on. */
export const skipStepUpdate = defineUpdate<OrderView, [OperatorAction & { reason: string }]>('skipStep');

export interface RefundDecision {
  actor: string;
  refundDamaged: boolean;
  reason: string;
}
/** Operator: decide the refund of returned lines that came back damaged. */
export const refundDecisionUpdate = defineUpdate<OrderView, [RefundDecision]>('decideRefund');

/** The live order, read from the workflow itself. */
export const orderQuery = defineQuery<OrderView>('order');

// ---- search attributes: operators filter orders in the Temporal UI with these ----

export const OrderStatusAttr = defineSearchAttributeKey('OrderStatus', 'KEYWORD');
export const ChannelAttr = defineSearchAttributeKey('Channel', 'KEYWORD');
export const NeedsAttentionAttr = defineSearchAttributeKey('NeedsAttention', 'BOOL');
export const ExternalOrderIdAttr = defineSearchAttributeKey('ExternalOrderId', 'KEYWORD');

/** What the dev server registers at start and the worker checks on an existing cluster. */
export const SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  Channel: 'Keyword',
  NeedsAttention: 'Bool',
  ExternalOrderId: 'Keyword',
} as const;

// ---- failure types: ApplicationFailure.type values that clients and retry policies name ----

export const FailureType = {
  /** An update asked for something the order's state does not allow (the API answers 409). */
  StateConflict: 'StateConflict',
  /** Input the workflow cannot act on; never retried. */
  InvalidInput: 'InvalidInput',
  /** A simulated or real integration refused for good (bad data, not an outage). */
  IntegrationRejected: 'IntegrationRejected',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

// ---- the channel write-back (workflows/channel-writeback.ts): one durable queue per marketplace account ----

/** Pushes order statuses to a marketplace in its own protocol; one workflow per channel account. */
export const CHANNEL_WRITEBACK_WORKFLOW_TYPE = 'channelWriteBackWorkflow';

/** `channel-writeback:trendyol`: every write-back request of the account is signalled (with start) to it. */
export function channelWriteBackWorkflowId(channel: string): string {
  return `channel-writeback:${channel}`;
}

/** The write-back activity's own task queue, polled by a worker rate-limited to the marketplace's allowance. */
export function writeBackTaskQueue(channel: string): string {
  return `oms-writeback-${channel}`;
}

/**
 * One write-back: the order's status change as writeBackChannel got it (`reason` status), or a change of its lines
 * without one (`lines_canceled`: a partial cancel or an unsupplied line, seen by the read model).
 */
export interface WriteBackRequest {
  /** De-duplicates: a request whose key the queue has seen is dropped. */
  key: string;
  orderId: string;
  channel: string;
  externalOrderId: string;
  status: string;
  /** The status change's place among the order's (0 for `lines_canceled`); a seq not newer than the last pushed is dropped. */
  seq: number;
  reason?: 'status' | 'lines_canceled' | undefined;
}

/** What the write-back queue carries through continueAsNew. */
export interface WriteBackQueueState {
  channel: string;
  pending: WriteBackRequest[];
  /** Keys seen, oldest first (bounded). */
  seen: string[];
  /** Per order, the newest status seq pushed. */
  lastSeq: Record<string, number>;
}

/** A write-back request for the account's queue. */
export const writeBackRequestSignal = defineSignal<[WriteBackRequest]>('writeBackRequest');

/** What the queue holds now and what it did last (for operators and tests). */
export interface WriteBackQueueView {
  pending: WriteBackRequest[];
  inFlight: string[];
  /** The last requests finished (bounded), oldest first; `at` (workflow time) on those finished since it was added. */
  done: { key: string; outcome: 'pushed' | 'dropped' | 'failed'; detail: string; at?: string | undefined }[];
}
export const writeBackQueueQuery = defineQuery<WriteBackQueueView>('writeBackQueue');
