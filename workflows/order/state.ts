// The order's state, explicit: the view channels and operators see, plus what only the workflow needs to know.
// Handlers and steps change it only through these fields and methods, so every piece of the flow reads the same
// facts. Determinism: `now()` is the workflow clock (the sandbox pins Date to the workflow task's time).
import { upsertSearchAttributes } from '@temporalio/workflow';
import type {
  LedgerEntry,
  OrderInput,
  OrderReturn,
  OrderView,
  Shipment,
  StockLine,
  TimelineEntry,
} from '../../contract/types';
import { NeedsAttentionAttr, OrderStatusAttr, type PaymentEvent, type WarehouseEvent } from '../../contract/workflow';
import { paymentStatusOf, refundedInOrderCurrency, type Pricing } from '../../domain/payments';

export class OrderState {
  readonly order: OrderView;

  /** The acceptance update may answer: stock is reserved or refused (or the order ended). */
  accepted = false;
  /** The flow is done; the read-model writer drains and stops. */
  finished = false;
  /** Set when a cancel was accepted: from then on no forward step starts and no status is announced. */
  canceling: { reason: string; actor: string } | undefined;
  compensating = false;

  /** Read-model bookkeeping: the version written, and the version that must be written. */
  persistedVersion = 0;
  publishedVersion = 0;
  /** Counts status changes: the key of each announcement, stable across workflow-task retries (unlike `version`). */
  statusChanges = 0;

  // ---- payment ----
  /** The event the flow takes as the payment (the newest authorized/captured/failed while waiting). */
  paymentEvent: PaymentEvent | undefined;
  /** Event ids of authorizations and captures the flow took (so a second, distinct capture is recognised). */
  readonly takenPayments = new Set<string>();
  /** Payments the order could not take (canceled, failed, already paid): settled when the order ends. */
  readonly unsettledPayments: PaymentEvent[] = [];
  paymentFailed = false;

  // ---- fulfilment and returns ----
  packed = false;
  readonly carrierNews = { pickedUp: false, delivered: false, returnedToSender: false };
  returnWindowOpen = false;
  pendingReturn: { lines: StockLine[]; reason: string; actor: string } | undefined;
  returnReceived: WarehouseEvent['lines'] | undefined;
  refundDecision: { refundDamaged: boolean; actor: string; reason: string } | undefined;

  private readonly seenEvents = new Set<string>();

  constructor(
    readonly input: OrderInput,
    pricing: Pricing,
  ) {
    this.order = {
      id: input.orderId,
      channel: input.channel,
      externalOrderId: input.externalOrderId,
      status: 'new',
      paymentStatus: 'pending',
      paymentMethod: input.payment.method,
      needsAttention: false,
      lines: pricing.lines,
      totals: pricing.totals,
      customer: input.customer,
      shippingAddress: input.shippingAddress,
      shipments: [],
      returns: [],
      ledger: [],
      ...(input.metadata ? { metadata: input.metadata } : {}),
      timeline: [{ at: input.receivedAt, type: 'received', detail: `order received from ${input.channel}` }],
      version: 1,
      createdAt: input.receivedAt,
      updatedAt: input.receivedAt,
    };
  }

  get orderId(): string {
    return this.input.orderId;
  }

  get isPrepaid(): boolean {
    return this.input.payment.method === 'card' || this.input.payment.method === 'bank_transfer';
  }

  now(): string {
    return new Date().toISOString();
  }

  touch(): void {
    this.order.version += 1;
    this.order.updatedAt = this.now();
  }

  /** Marks the current version as one the read model must reach (changes channels and operators look for). */
  publish(): void {
    this.publishedVersion = this.order.version;
  }

  log(entry: Omit<TimelineEntry, 'at'>): void {
    this.order.timeline.push({ at: this.now(), ...entry });
    this.touch();
  }

  /** Records an external event id; true when it was seen before (senders repeat callbacks). */
  duplicate(eventId: string): boolean {
    if (this.seenEvents.has(eventId)) return true;
    this.seenEvents.add(eventId);
    return false;
  }

  get shipment(): Shipment | undefined {
    return this.order.shipments[0];
  }

  get currentReturn(): OrderReturn | undefined {
    return this.order.returns[this.order.returns.length - 1];
  }

  /** The carrier holds (or held) the parcel: no cancel any more, only a return. */
  get parcelMoving(): boolean {
    const news = this.carrierNews;
    return news.pickedUp || news.delivered || news.returnedToSender;
  }

  view(): OrderView {
    return { ...this.order, shipment: this.shipment, return: this.currentReturn };
  }

  searchAttributes(): void {
    upsertSearchAttributes([
      { key: OrderStatusAttr, value: this.order.status },
      { key: NeedsAttentionAttr, value: this.order.needsAttention },
    ]);
  }

  /** Books a movement of money and derives paymentStatus and totals.refunded from the ledger. */
  book(entry: Omit<LedgerEntry, 'at' | 'state'> & { state?: LedgerEntry['state'] }): LedgerEntry {
    const booked: LedgerEntry = { state: 'done', ...entry, at: this.now() };
    const ledger = this.order.ledger!;
    ledger.push(booked);
    this.rederiveMoney();
    return booked;
  }

  /** paymentStatus and totals.refunded follow the ledger; call after an entry changes state. */
  rederiveMoney(): void {
    this.touch(); // a change of money is a change the read model must show
    const ledger = this.order.ledger!;
    this.order.paymentStatus = paymentStatusOf(this.input.payment.method, ledger, this.paymentFailed);
    this.order.totals = { ...this.order.totals, refunded: refundedInOrderCurrency(ledger, this.order.totals.currency) };
    this.publish();
  }
}
