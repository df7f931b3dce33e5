// The activities the order workflow calls, as one interface: `activities/createActivities(deps)`
// implements it, the workflow types its proxies with it, and workflow tests mock it.
// Every side-effecting call carries an idempotency `key` derived from the order id and the step.
import type {
  AllocationRequest,
  AllocationResult,
  Address,
  Carrier,
  Customer,
  IdempotentCall,
  LatePayment,
  OrderInput,
  OrderStatus,
  OrderTotals,
  PaymentStatus,
  OrderView,
  ReservationResult,
  StockLine,
  ValidationResult,
} from './types';
import type { PaymentEvent, WriteBackRequest } from './workflow';

export interface InventoryActivities {
  /** Products exist and are active, prices, customer and address make sense. */
  validateOrder(input: OrderInput): Promise<ValidationResult>;
  /** All lines or none, atomically; repeated calls for the same order return the first outcome. */
  reserveStock(args: { orderId: string; lines: StockLine[] }): Promise<ReservationResult>;
  /** Gives reserved units back to the pool; harmless when nothing (or already) released. */
  releaseStock(args: { orderId: string }): Promise<void>;
  /** Shipping: on-hand and reserved both drop by the order's quantities, once. */
  commitStock(args: { orderId: string }): Promise<void>;
  /**
   * Returned sellable units go back on hand, once per return and SKU: at `location` when given (the unit they
   * shipped from), else where the order's ledger row for the SKU is.
   */
  restockReturn(args: { orderId: string; returnId: string; lines: StockLine[]; location?: string | undefined }): Promise<void>;
}

/** Stock per fulfillment unit and location (orderWorkflowV3). */
export interface FulfillmentInventoryActivities {
  /**
   * Sources the lines from a fresh availability snapshot (domain/sourcing.ts with the configured rules) and
   * reserves the chosen plan atomically: one ledger row per order, unit, SKU and location. When a concurrent
   * reservation makes the plan fail, it sources again from fresh availability, a bounded number of times, before
   * answering with the shortages. Idempotent per (orderId, firstUnit): a repeat returns the first outcome.
   */
  allocateStock(args: AllocationRequest): Promise<AllocationResult>;
  /**
   * Releases a unit's reservation: all of it, or `lines` of it (partial cancel, rejection). Once per `key` and
   * SKU, whatever the retries; releasing more than is reserved releases what is left.
   */
  releaseUnitStock(args: { orderId: string; fulfillment: number; key: string; lines?: StockLine[] | undefined }): Promise<void>;
  /** The unit shipped: on-hand and reserved of its rows both drop, once. */
  commitUnitStock(args: { orderId: string; fulfillment: number }): Promise<void>;
}

export interface ReadModelActivities {
  /** Upserts the order snapshot; an older version never overwrites a newer one. */
  recordOrder(view: OrderView): Promise<void>;
  /**
   * Writes a late payment's settlement onto a closed order's snapshot (timeline, payment status, refunded
   * total, or the attention flag when the settlement failed; a later success for the same payment clears a
   * flag its failure raised). Once per `key`, whatever the retries. Never fails the settlement for want of the
   * order's read-model row: it then logs the settlement and answers `order_missing`.
   */
  recordLatePayment(args: LatePaymentRecord): Promise<LatePaymentWrite>;
}

export interface CallbackActivities {
  /**
   * The payment callbacks that arrived before this order existed (stored unmatched), claimed for it: call it
   * right after acceptance and handle each event as if it had been signalled (the workflow's de-duplication by
   * event id applies). Atomic and idempotent: a repeated or concurrent call returns the same events, oldest first.
   */
  claimEarlyPayments(args: { orderId: string }): Promise<PaymentEvent[]>;
}

/** What recordLatePayment did: wrote it, found it already written, or found no read-model row to write it on. */
export interface LatePaymentWrite {
  outcome: 'recorded' | 'already_recorded' | 'order_missing';
}

export interface LatePaymentRecord {
  orderId: string;
  /** Kept on the order's `latePayments`; its `key` makes the write happen once. */
  payment: LatePayment;
  entries: { type: string; detail: string }[];
  paymentStatus?: PaymentStatus | undefined;
  /** Added to `totals.refunded`. */
  refunded?: string | undefined;
  /** Set when the settlement failed and an operator must finish it. */
  attention?: { step: string; reason: string } | undefined;
}

export interface PaymentActivities {
  /**
   * Captures `amount` of the authorization. `final` (the default) releases the rest; a partial capture
   * (`final: false`, capture per fulfillment unit) leaves it for the next unit.
   */
  capturePayment(args: IdempotentCall & { amount: string; currency: string; final?: boolean | undefined }): Promise<{ captureId: string }>;
  voidPayment(args: IdempotentCall): Promise<void>;
  refundPayment(
    args: IdempotentCall & { amount: string; currency: string; reason: string },
  ): Promise<{ refundId: string }>;
}

export interface InvoiceActivities {
  issueInvoice(
    args: IdempotentCall & { customer: Customer; totals: OrderTotals; lines: { sku: string; quantity: number; unitPrice: string }[] },
  ): Promise<{ invoiceNumber: string; url: string }>;
  /** Cancellation invoice / credit note against an issued invoice (full or for returned lines). */
  issueCreditNote(
    args: IdempotentCall & { invoiceNumber: string; amount: string; currency: string },
  ): Promise<{ creditNoteNumber: string }>;
}

export interface ErpActivities {
  postErpSale(args: IdempotentCall & { totals: OrderTotals }): Promise<{ erpDocumentId: string }>;
  reverseErpSale(args: IdempotentCall & { erpDocumentId?: string | undefined }): Promise<void>;
}

export interface WarehouseActivities {
  createPickingTask(args: IdempotentCall & { lines: StockLine[]; location: string }): Promise<{ taskId: string }>;
  /** Cancels `taskId` only when given (one unit of several), else every open task of the order. */
  cancelPickingTask(args: IdempotentCall & { taskId?: string | undefined; createdWith?: string | undefined }): Promise<void>;
}

export interface CarrierActivities {
  /** Label + tracking number; the cargo key is derived from the order, so a retry never makes two shipments. */
  createShipment(
    args: IdempotentCall & { carrier: Carrier; address: Address; customer: Customer; lines: StockLine[] },
  ): Promise<{ carrier: Carrier; trackingNumber: string; labelRef: string }>;
  /** Cancels `trackingNumber` only when given (one unit of several), else every open shipment of the order. */
  cancelShipment(args: IdempotentCall & { carrier: Carrier; trackingNumber?: string | undefined; createdWith?: string | undefined }): Promise<void>;
  createReturnCode(args: IdempotentCall & { carrier: Carrier; lines: StockLine[] }): Promise<{ returnCode: string }>;
}

export interface NotificationActivities {
  /** Email/SMS to the customer; runs in the background and never blocks the order. */
  notifyCustomer(args: IdempotentCall & { customer: Customer; status: OrderStatus; detail?: string | undefined }): Promise<void>;
  /** Status write-back to the sales channel; `seq` lets the channel drop stale updates. */
  writeBackChannel(
    args: IdempotentCall & { channel: string; externalOrderId: string; status: OrderStatus; seq: number },
  ): Promise<void>;
}

export type OrderActivities = InventoryActivities &
  FulfillmentInventoryActivities &
  ReadModelActivities &
  CallbackActivities &
  PaymentActivities &
  InvoiceActivities &
  ErpActivities &
  WarehouseActivities &
  CarrierActivities &
  NotificationActivities;

/** The stock feed of one channel account (activities/stock-feed.ts), run by workflows/stock-feed.ts. */
export interface StockFeedActivities {
  /** Runs the account's feed for a while (rounds every few hundred ms, heartbeating); returns what it did. */
  runStockFeed(account: string): Promise<{ rounds: number; sent: number; confirmed: number; failed: number }>;
}

/** Carrier tracking sweeps (activities/carrier-tracking.ts), run by workflows/carrier-tracking.ts on a schedule. */
export interface CarrierTrackingActivities {
  /** Queries the carrier's open shipments in pages and hands each changed status to its order. */
  sweepCarrierTracking(args: { carrier: string }): Promise<{ queried: number; changed: number; signalled: number; closed: number }>;
}

/** Marketplace order pulls (activities/channel-pull.ts), run by workflows/channel-pull.ts. */
export interface ChannelPullActivities {
  /** Reads Trendyol's packages modified since `since` (epoch ms; null: its whole window) and places the orders. */
  pullTrendyolPackages(args: { since: number | null }): Promise<{ until: number; created: number; existing: number; ignored: number; invalid: number }>;
}

/** What one pull round did; `until` is the watermark the next round reads from. */
export interface PullRound {
  until: number;
  created: number;
  existing: number;
  ignored: number;
  invalid: number;
}

/** Hepsiburada and n11 order pulls (activities/marketplace-pull.ts), run by workflows/channel-pull.ts. */
export interface MarketplacePullActivities {
  /** Reads Hepsiburada's paid lines "to pack" dated since `since` (less an overlap; null: the first look back). */
  pullHepsiburadaOrders(args: { since: number | null }): Promise<PullRound>;
  /** Reads n11's Created and Picking packages modified since `since` (less an overlap; null: the first look back). */
  pullN11Packages(args: { since: number | null }): Promise<PullRound>;
}

/** What one write-back did at the marketplace: the calls made, in order, and the packages they went to. */
export interface WriteBackOutcome {
  orderId: string;
  /** The order's current packages after it. */
  packages: string[];
  /** e.g. `Picking 3321456789`, `Invoiced 3321456789 EAR…`, `invoice-link 3321456789 already sent`, `not pushed: shipped: Trendyol sets it`. */
  steps: string[];
}

/** The marketplace write-back (activities/channel-writeback.ts), run on the channel's own task queue. */
export interface ChannelWriteBackActivities {
  /**
   * Brings the marketplace's packages of the order up to what the OMS knows (statuses, invoice, canceled lines),
   * each step once: what was pushed per package is stored, so a retry goes on where the last attempt stopped.
   */
  pushChannelStatus(request: WriteBackRequest): Promise<WriteBackOutcome>;
}
