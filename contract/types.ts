// Plain-JSON shapes shared by the workflow, the activities and the API. Dates are ISO strings,
// money is a decimal string with at most two decimals (computed in minor units, see domain/money).

export const ORDER_STATUSES = [
  'new',
  'confirmed',
  'picking',
  'shipped',
  'delivered',
  'canceled',
  'return_pending',
  'return_completed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const PAYMENT_STATUSES = [
  'pending',
  'authorized',
  'captured',
  'failed',
  'refunded',
  'partially_refunded',
  'not_required',
  /** Not in the spec's list: an authorization released on cancel, so finance never mistakes it for a refund. */
  'voided',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_METHODS = ['card', 'bank_transfer', 'cash_on_delivery', 'marketplace'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export const CARRIERS = ['yurtici', 'aras', 'mng'] as const;
export type Carrier = (typeof CARRIERS)[number];

export const CANCEL_REASONS = [
  'customer_request',
  'operator_request',
  'channel_request',
  'payment_failed',
  'payment_timeout',
  'out_of_stock',
  'invalid_order',
  'workflow_cancelled',
] as const;

export const PAYMENT_EVENT_TYPES = ['authorized', 'captured', 'failed', 'refunded'] as const;
export type PaymentEventType = (typeof PAYMENT_EVENT_TYPES)[number];

export const CARRIER_EVENT_STATUSES = [
  'picked_up',
  'in_transit',
  /** Since issue 7 (CONNECTORS.md §4.4): on the last leg; moves the order as in_transit does. */
  'out_for_delivery',
  'delivered',
  'delivery_failed',
  'returned_to_sender',
] as const;
export type CarrierEventStatus = (typeof CARRIER_EVENT_STATUSES)[number];

export const WAREHOUSE_EVENT_TYPES = ['packed', 'return_received'] as const;
/** Warehouse callback types the API takes: the events above plus `rejected` (orderWorkflowV3: a location cannot supply). */
export const WAREHOUSE_CALLBACK_TYPES = [...WAREHOUSE_EVENT_TYPES, 'rejected'] as const;
export type WarehouseCallbackType = (typeof WAREHOUSE_CALLBACK_TYPES)[number];
export type WarehouseEventType = (typeof WAREHOUSE_EVENT_TYPES)[number];

export const ITEM_CONDITIONS = ['sellable', 'damaged'] as const;
export type ItemCondition = (typeof ITEM_CONDITIONS)[number];

export interface Customer {
  name: string;
  email?: string | undefined;
  phone?: string | undefined;
}

export interface Address {
  line1: string;
  line2?: string | undefined;
  district?: string | undefined;
  city: string;
  postalCode?: string | undefined;
  country: string;
}

export interface OrderLineInput {
  sku: string;
  quantity: number;
  unitPrice: string;
}

/** Durations as Temporal duration strings ('30m', '48h', '14d') so they are readable in history. */
export interface OrderTimers {
  paymentTimeout: Record<'card' | 'bank_transfer', string>;
  pickSla: string;
  trackingWindow: string;
  returnWindow: string;
  /**
   * First automatic retry of a step that failed after its retries (then doubling, up to hours). Absent in inputs
   * of orders accepted before it existed: 30s.
   */
  stepRetry?: string | undefined;
}

/** The workflow's input: everything needed to run the order, fixed at acceptance. */
export interface OrderInput {
  orderId: string;
  channel: string;
  externalOrderId: string;
  customer: Customer;
  shippingAddress: Address;
  lines: OrderLineInput[];
  currency: string;
  payment: { method: PaymentMethod };
  carrier: Carrier;
  receivedAt: string;
  /** Id of the API request that started the workflow: tells 201 (created) from 200 (existing). */
  requestId: string;
  timers: OrderTimers;
  /** Free-form channel data sent with the order (bounded by the API); the view carries it unchanged. */
  metadata?: OrderMetadata | undefined;
  /**
   * orderWorkflowV3: how a card authorization is captured, per fulfillment unit as it ships (`per_unit`, the
   * default) or all at the first shipping (`once`). Set by the API from OMS_CAPTURE_MODE.
   */
  capture?: 'per_unit' | 'once' | undefined;
}

/** Channel data: flat keys with primitive values, so it stays small and needs no schema of its own. */
export type OrderMetadata = Record<string, string | number | boolean | null>;

export interface OrderLine extends OrderLineInput {
  lineTotal: string;
  returnedQuantity: number;
  refundedQuantity: number;
  /** Per-line quantity buckets (orders since orderWorkflowV3); see domain/fulfillment.ts for their invariants. */
  quantities?: LineQuantities | undefined;
}

/**
 * Where each unit of a line is. `allocated`: in a live fulfillment unit (shipped ones included); `shipped` ⊆
 * allocated; `delivered` ⊆ shipped; `canceled`: will never ship; `returned`: came back (customer return or returned
 * to sender); `refunded`: returned units whose value went back. ordered = allocated + canceled + awaiting sourcing.
 */
export interface LineQuantities {
  ordered: number;
  allocated: number;
  shipped: number;
  delivered: number;
  canceled: number;
  returned: number;
  refunded: number;
}

// ---- locations and fulfillment units (orderWorkflowV3) ----

export const LOCATION_KINDS = ['warehouse', 'store'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

/** A stock location (`PUT /locations/{id}`). A location with stock but no record is an active warehouse, priority 100. */
export interface LocationView {
  id: string;
  name: string;
  kind: LocationKind;
  /** Lower is preferred. */
  priority: number;
  city: string;
  region?: string | undefined;
  active: boolean;
}

export const FULFILLMENT_STATUSES = [
  /** Reserved at its location; the picking task is being created. */
  'pending',
  'picking',
  'packed',
  'labelled',
  'shipped',
  'delivered',
  'returned_to_sender',
  /** Its location could not supply it; its lines went elsewhere or were canceled. */
  'rejected',
  'canceled',
] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** One fulfillment unit: the lines one location ships in one parcel. */
export interface Fulfillment {
  /** `<orderId>/<number>`; the first unit's id is the id `shipment` always had. */
  id: string;
  number: number;
  location: string;
  status: FulfillmentStatus;
  lines: StockLine[];
  pickingTaskId?: string | undefined;
  carrier?: Carrier | undefined;
  trackingNumber?: string | undefined;
  labelRef?: string | undefined;
  events: ShipmentEvent[];
  /** Why the unit exists (the sourcing reason) or ended (rejected, canceled). */
  detail?: string | undefined;
}

/** A money movement as channels and finance see it (`payments` in the view), derived from the ledger. */
export interface PaymentRecord {
  kind: 'authorization' | 'capture' | 'void' | 'refund';
  amount: string;
  currency: string;
  /** The lines the movement is for; absent for the whole order. */
  lines?: StockLine[] | undefined;
  /** Provider, marketplace or finance reference; `pending` for a manual refund not yet paid. */
  reference: string;
  at: string;
}

export interface ShipmentEvent {
  eventId: string;
  status: CarrierEventStatus;
  at: string;
}

/** One fulfillment unit. Today an order has at most one; the list leaves room for split shipments. */
export interface Shipment {
  shipmentId: string;
  carrier: Carrier;
  trackingNumber: string;
  labelRef: string;
  lines: { sku: string; quantity: number }[];
  events: ShipmentEvent[];
}

export interface ReturnLine {
  sku: string;
  quantity: number;
  condition?: ItemCondition | undefined;
}

export interface OrderReturn {
  returnId: string;
  reason: string;
  source: 'customer' | 'returned_to_sender';
  requestedAt: string;
  returnCode?: string | undefined;
  lines: ReturnLine[];
  receivedAt?: string | undefined;
  refund?: { amount: string; refundId?: string | undefined; at: string; declined?: string[] } | undefined;
}

export interface Attention {
  step: string;
  reason: string;
  since: string;
}

export interface LatePayment {
  /** The settlement's idempotency key (workflow id and outcome). */
  key: string;
  eventId: string;
  action: 'voided' | 'refunded' | 'failed';
  amount?: string | undefined;
  refundId?: string | undefined;
  at: string;
}

export const LEDGER_KINDS = ['authorization', 'capture', 'void', 'refund', 'manual_refund', 'marketplace_refund'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** One movement of money on an order. */
export interface LedgerEntry {
  kind: LedgerKind;
  amount: string;
  currency: string;
  /** `done`, or `pending` for a manual refund finance still has to pay out (cash on delivery). */
  state: 'done' | 'pending';
  /** The provider's id (authorization event, capture, refund), when there is one. */
  ref?: string | undefined;
  /** What the entry is for: `cancel`, a return id, `late payment`. */
  reason?: string | undefined;
  /** The lines a refund covers (returns), empty for the whole order. */
  lines?: { sku: string; quantity: number }[] | undefined;
  /** The fulfillment unit a capture is for (orderWorkflowV3, capture per unit). */
  fulfillment?: number | undefined;
  at: string;
}

export interface TimelineEntry {
  at: string;
  type: string;
  status?: OrderStatus | undefined;
  detail?: string | undefined;
  actor?: string | undefined;
}

export interface OrderTotals {
  currency: string;
  subtotal: string;
  total: string;
  refunded: string;
  /** Value of the canceled quantities (orderWorkflowV3). */
  canceled?: string | undefined;
  /** What the customer still owes: total − canceled − what was paid and kept (orderWorkflowV3; never below 0). */
  outstanding?: string | undefined;
}

/** The order as channels and operators see it (`GET /orders/{id}`), and the read model's row. */
export interface OrderView {
  id: string;
  channel: string;
  externalOrderId: string;
  status: OrderStatus;
  paymentStatus: PaymentStatus;
  paymentMethod: PaymentMethod;
  cancelReason?: string | undefined;
  needsAttention: boolean;
  attention?: Attention | undefined;
  lines: OrderLine[];
  totals: OrderTotals;
  customer: Customer;
  shippingAddress: Address;
  shipment?: Shipment | undefined;
  shipments: Shipment[];
  return?: OrderReturn | undefined;
  returns: OrderReturn[];
  invoice?: { invoiceNumber: string; url: string } | undefined;
  timeline: TimelineEntry[];
  /** Payments that arrived after the order was canceled and were voided or refunded (see latePaymentWorkflow). */
  latePayments?: LatePayment[] | undefined;
  /**
   * The money ledger (orders since orderWorkflowV2): every authorization, capture, void and refund, each with its
   * amount in the currency it moved in, and for refunds the lines they cover. paymentStatus and totals.refunded
   * are derived from it.
   */
  ledger?: LedgerEntry[] | undefined;
  /** The channel data of the order's input. */
  metadata?: OrderMetadata | undefined;
  /** Fulfillment units (orderWorkflowV3); `shipment`/`shipments` stay as the units that have a label. */
  fulfillments?: Fulfillment[] | undefined;
  /** The ledger as movements of money with their line scope (orderWorkflowV3). */
  payments?: PaymentRecord[] | undefined;
  /**
   * Partial states beside the summary status (orderWorkflowV3): `shipped` some live units shipped while others have
   * not; `delivered` some delivered; `canceled` some quantities canceled while the order goes on.
   */
  partially?: { shipped: boolean; delivered: boolean; canceled: boolean } | undefined;
  /** Monotonic per order: the read model keeps only the newest snapshot. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

// ---- activity inputs and outputs ----

export interface StockLine {
  sku: string;
  quantity: number;
}

/**
 * `discrepancies`: accepted lines whose price differs from the catalog (a marketplace's own price, a surcharge),
 * for the order's timeline; absent when every line matches.
 */
export type ValidationResult = { ok: true; discrepancies?: string[] } | { ok: false; problems: string[] };

export type ReservationResult =
  | { ok: true }
  | { ok: false; shortages: { sku: string; requested: number; available: number }[] };

/** What allocateStock is asked for: lines to source and reserve (orderWorkflowV3). */
export interface AllocationRequest {
  orderId: string;
  /**
   * The number of the first unit this allocation creates (units are numbered per order from 1). The ledger rows
   * carry it as their allocation, so a retried or repeated call returns the units it made the first time.
   */
  firstUnit: number;
  lines: StockLine[];
  channel: string;
  /** The customer's city (shippingAddress.city) and district/region, for the proximity rule. */
  city?: string | undefined;
  region?: string | undefined;
  /** Locations not to source from (they rejected these lines). */
  exclude?: string[] | undefined;
}

export interface AllocatedUnit {
  fulfillment: number;
  location: string;
  lines: StockLine[];
}

/** `reasons`: why this plan ("SKU-2 not at store-kadikoy, split"), for the timeline; `attempts`: sourcing rounds. */
export type AllocationResult =
  | { ok: true; units: AllocatedUnit[]; reasons: string[]; attempts: number }
  | { ok: false; shortages: { sku: string; requested: number; available: number }[]; reasons: string[]; attempts: number };

export interface IdempotentCall {
  /** Derived from the order id and the step, so activity retries and replays hit the same key. */
  key: string;
  orderId: string;
}
