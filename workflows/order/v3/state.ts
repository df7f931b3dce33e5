// The state of a v3 order: the v2 order state (view, flags, ledger) plus its fulfillment units and the quantities
// kept per line. The view's units, shipments, line buckets, payments and money totals are derived from these facts
// every time the view is built, so they can never disagree with each other.
import { CancellationScope } from '@temporalio/workflow';
import type {
  Carrier,
  Fulfillment,
  FulfillmentStatus,
  OrderInput,
  OrderView,
  PaymentRecord,
  Shipment,
  ShipmentEvent,
  StockLine,
} from '../../../contract/types';
import {
  isLive,
  isMoving,
  lineQuantities,
  moneyFacts,
  outstandingMinor,
  paymentStatusV3,
  unitsSummary,
  valueOfLinesMinor,
} from '../../../domain/fulfillment';
import { fromMinor, toMinor } from '../../../domain/money';
import { refundedInOrderCurrency, type Pricing } from '../../../domain/payments';
import type { Compensation } from '../saga';
import { OrderState } from '../state';

/** One fulfillment unit: the lines one location ships in one parcel, with what the outside told about it. */
export class Unit {
  status: FulfillmentStatus = 'pending';
  /** Re-issues of the unit (its lines changed by a partial cancel or rejection): part of its idempotency keys. */
  revision = 1;
  pickingTaskId: string | undefined;
  label: { carrier: Carrier; trackingNumber: string; labelRef: string } | undefined;
  /** Labels of earlier revisions, canceled: a carrier that moves such a parcel anyway must still find the unit. */
  readonly pastLabels: { carrier: Carrier; trackingNumber: string; labelRef: string }[] = [];
  /** Carrier events of all the unit's labels (each with the tracking number it was about). */
  readonly events: (ShipmentEvent & { trackingNumber?: string | undefined })[] = [];
  packed = false;
  readonly news = { pickedUp: false, delivered: false, returnedToSender: false };
  /** Undo of what this revision did at the warehouse and carrier, newest last. */
  readonly compensations: Compensation[] = [];
  /** The unit's run; cancelled to re-issue the unit or to cancel it. */
  scope: CancellationScope | undefined;
  /** Set while the unit is being changed (partial cancel, rejection): its run stops and compensates. */
  stopping = false;
  /** The current run (a re-issued unit has a new one). */
  running: Promise<void> | undefined;
  detail: string | undefined;

  constructor(
    readonly number: number,
    readonly id: string,
    readonly location: string,
    public lines: StockLine[],
  ) {}

  get moving(): boolean {
    return isMoving(this.status) || this.news.pickedUp || this.news.delivered || this.news.returnedToSender;
  }

  get live(): boolean {
    return isLive(this.status);
  }

  /** The unit's journey ended: delivered, back at the sender, or its lines all canceled or rejected. */
  get settled(): boolean {
    return this.status === 'delivered' || this.status === 'returned_to_sender' || !this.live;
  }

  view(): Fulfillment {
    return {
      id: this.id,
      number: this.number,
      location: this.location,
      status: this.status,
      lines: this.lines.map((l) => ({ ...l })),
      ...(this.pickingTaskId ? { pickingTaskId: this.pickingTaskId } : {}),
      ...(this.label ?? {}),
      events: this.events.map(({ trackingNumber: _t, ...e }) => e),
      ...(this.detail ? { detail: this.detail } : {}),
    };
  }
}

export class OrderStateV3 extends OrderState {
  readonly units: Unit[] = [];
  /** Quantities that will never ship (partial cancels, unsupplied lines), by SKU. */
  readonly canceledLines: StockLine[] = [];
  /** Lines rejected by a location and not yet re-sourced or canceled. */
  readonly unsourced: StockLine[] = [];
  readonly returnedLines: StockLine[] = [];
  readonly refundedLines: StockLine[] = [];
  /** Value refunded for returned lines (order currency, minor units): it lowers what is owed. */
  returnedRefundMinor = 0;
  /** Locations that rejected a SKU: never sourced from again for it. */
  readonly rejectedAt = new Map<string, Set<string>>();
  /** How many partial cancels and re-sourcings ran: part of their idempotency keys. */
  cancelCount = 0;
  /** The authorization was closed at the provider (a final capture, or the rest released): nothing more to capture. */
  authorizationClosed = false;
  /** Credit notes issued so far (minor units): a later one never goes past what is left of the invoice. */
  creditedMinor = 0;
  /** Units were started (the order was confirmed and invoiced): partial cancels and rejections may apply. */
  unitsStarted = false;

  constructor(input: OrderInput, pricing: Pricing) {
    super(input, pricing);
  }

  unitById(id: string | undefined): Unit | undefined {
    if (id === undefined) {
      const live = this.units.filter((u) => u.live);
      return live.length === 1 ? live[0] : undefined;
    }
    return this.units.find((u) => u.id === id);
  }

  unitByTracking(carrier: Carrier, trackingNumber: string): Unit | undefined {
    const is = (l: { carrier: Carrier; trackingNumber: string } | undefined) =>
      l?.carrier === carrier && l.trackingNumber === trackingNumber;
    return this.units.find((u) => is(u.label) || u.pastLabels.some(is));
  }

  nextUnitNumber(): number {
    return this.units.length + 1;
  }

  get summary() {
    return unitsSummary(this.units);
  }

  /** Per SKU: what may still be canceled (in a unit the carrier does not have, or waiting for sourcing). */
  cancelable(): Map<string, number> {
    const out = new Map<string, number>();
    const add = (lines: StockLine[]) => {
      for (const l of lines) out.set(l.sku, (out.get(l.sku) ?? 0) + l.quantity);
    };
    for (const unit of this.units) if (unit.live && !unit.moving) add(unit.lines);
    add(this.unsourced);
    return out;
  }

  /** The value of what was canceled, in minor units of the order's currency. */
  get canceledMinor(): number {
    return valueOfLinesMinor(this.order.lines, this.canceledLines);
  }

  /** `quietly`: derive without asking the read model to follow (the order's start, before anything is accepted). */
  override rederiveMoney(quietly = false): void {
    this.touch();
    const ledger = this.order.ledger!;
    const currency = this.order.totals.currency;
    this.order.paymentStatus = paymentStatusV3(this.input.payment.method, ledger, this.paymentFailed, currency);
    const money = moneyFacts(ledger, currency);
    const canceled = this.canceledMinor;
    this.order.totals = {
      ...this.order.totals,
      refunded: refundedInOrderCurrency(ledger, currency),
      canceled: fromMinor(canceled),
      outstanding: fromMinor(
        outstandingMinor(toMinor(this.order.totals.total), canceled, this.returnedRefundMinor, money, currency),
      ),
    };
    if (!quietly) this.publish();
  }

  /**
   * Every label, as the v2 `shipments`: the units' current labels first (so `shipment` is the first unit's), then
   * canceled ones (kept so that the read model still routes a carrier's news about such a parcel to the order).
   */
  private shipments(): Shipment[] {
    const shipment = (u: Unit, shipmentId: string, label: { carrier: Carrier; trackingNumber: string; labelRef: string }): Shipment => ({
      shipmentId,
      carrier: label.carrier,
      trackingNumber: label.trackingNumber,
      labelRef: label.labelRef,
      lines: u.lines.map((l) => ({ ...l })),
      events: u.events.filter((e) => e.trackingNumber === undefined || e.trackingNumber === label.trackingNumber).map(({ trackingNumber: _t, ...e }) => e),
    });
    const current = this.units.filter((u) => u.label !== undefined).map((u) => shipment(u, u.id, u.label!));
    const past = this.units.flatMap((u) => u.pastLabels.map((label, i) => shipment(u, `${u.id}~${i + 1}`, label)));
    return [...current, ...past];
  }

  private payments(): PaymentRecord[] {
    return (this.order.ledger ?? []).map((e) => ({
      kind: e.kind === 'manual_refund' || e.kind === 'marketplace_refund' ? 'refund' : e.kind,
      amount: e.amount,
      currency: e.currency,
      ...(e.lines && e.lines.length > 0 ? { lines: e.lines } : {}),
      reference: e.state === 'pending' ? 'pending' : (e.ref ?? e.kind),
      at: e.at,
    }));
  }

  override view(): OrderView {
    const summary = this.summary;
    const kept = { canceled: this.canceledLines, returned: this.returnedLines, refunded: this.refundedLines };
    const shipments = this.shipments();
    return {
      ...this.order,
      lines: this.order.lines.map((line) => ({ ...line, quantities: lineQuantities(line, this.units, kept) })),
      shipments,
      shipment: shipments[0],
      return: this.currentReturn,
      fulfillments: this.units.map((u) => u.view()),
      payments: this.payments(),
      partially: {
        shipped: summary.shipped > 0 && summary.shipped < summary.live,
        delivered: summary.delivered > 0 && summary.delivered < summary.live,
        canceled: this.canceledLines.length > 0 && this.order.status !== 'canceled',
      },
    };
  }
}
