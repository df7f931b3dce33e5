// A carrier's own protocol (carrier-protocol.ts) behind the OMS's CarrierGateway (contracts.ts). The key of each
// createShipment call becomes the reference the carrier knows the shipment by, derived, not drawn: a retried call
// (a lost answer, a worker killed mid-call) sends the same reference and the carrier answers "already created"
// instead of making a second shipment. Every shipment made is booked (entities/carrier-tracking.ts), so the tracking
// sweep can follow it and a compensation can cancel it by the key it was created with.
import { createHash } from 'node:crypto';
import type { Carrier, OrderView, StockLine } from '../contract/types';
import { valueOfLines } from '../domain/fulfillment';
import { CarrierError, type CarrierProtocol, type ShipmentReceiver } from './carrier-protocol';
import type { CarrierGateway } from './contracts';
import { IntegrationUnavailableError, integrationRejected } from './faults';

export interface BookedShipment {
  carrier: Carrier;
  reference: string;
  trackingNumber: string;
  orderId: string;
  createdWith: string;
  state: 'open' | 'closed' | 'canceled';
}

/** Where the shipments made through a protocol are kept (the database, in the worker). */
export interface CarrierShipmentBook {
  /** Records a shipment; recording the same carrier + reference again changes nothing. */
  record(shipment: Omit<BookedShipment, 'state'> & { labelRef: string }): Promise<void>;
  find(carrier: Carrier, reference: string): Promise<BookedShipment | null>;
  findByTracking(carrier: Carrier, trackingNumber: string): Promise<BookedShipment | null>;
  openForOrder(carrier: Carrier, orderId: string): Promise<BookedShipment[]>;
  markCanceled(carrier: Carrier, reference: string): Promise<void>;
}

/**
 * `length` characters of [0-9A-Z] (20: inside Yurtiçi's cargoKey limit, ≤20; 16: Aras's TradingWaybillNumber, ≤16),
 * the same for the same key.
 */
export function carrierReference(prefix: string, key: string, length = 20): string {
  const digest = createHash('sha256').update(key).digest();
  let n = BigInt(`0x${digest.subarray(0, 16).toString('hex')}`);
  let out = '';
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
  while (out.length < length - prefix.length) {
    out += alphabet[Number(n % 36n)];
    n /= 36n;
  }
  return `${prefix}${out}`;
}

/** A carrier error as the activity must throw it: an outage is retried, a refusal ends the step (needsAttention). */
function asActivityError(err: unknown, operation: string): unknown {
  if (!(err instanceof CarrierError)) return err;
  if (err.retryable) return new IntegrationUnavailableError(`${operation}: ${err.message}`);
  return integrationRejected(`${operation}: ${err.message}`, { carrier: err.carrier, kind: err.kind, errCode: err.errCode ?? null });
}

/**
 * What the courier collects at the door for a shipment of `lines` of the order: the lines' value for a
 * cash-on-delivery order (what the order books as collected when the unit is delivered), undefined otherwise.
 */
export type CashOnDeliveryAmount = (orderId: string, lines: readonly StockLine[]) => Promise<string | undefined>;

/** The amount from the read model: the order's payment method and prices, as the order was accepted. */
export function cashOnDeliveryFromReadModel(getOrder: (orderId: string) => Promise<OrderView | null>): CashOnDeliveryAmount {
  return async (orderId, lines) => {
    const order = await getOrder(orderId);
    // The order is in the read model long before a unit ships; if it is not, a retry finds it (never ship a COD
    // parcel without its amount).
    if (!order) throw new IntegrationUnavailableError(`order ${orderId} is not in the read model: cannot tell what to collect`);
    return order.paymentMethod === 'cash_on_delivery' ? valueOfLines(order.lines, lines) : undefined;
  };
}

export function createProtocolCarrierGateway(
  protocol: CarrierProtocol,
  book: CarrierShipmentBook,
  cashOnDelivery: CashOnDeliveryAmount = async () => undefined,
): CarrierGateway {
  const carrier = protocol.carrier;

  async function cancel(reference: string): Promise<void> {
    let outcome;
    try {
      outcome = await protocol.cancelShipment(reference);
    } catch (err) {
      throw asActivityError(err, `cancel ${reference} at ${carrier}`);
    }
    if (outcome === 'too_late') {
      throw integrationRejected(`${carrier} cannot cancel ${reference}: the carrier already has the parcel; get it back from the branch`);
    }
    await book.markCanceled(carrier, reference);
  }

  return {
    carrier,

    async createShipment({ key, orderId, address, customer, lines }) {
      const reference = carrierReference('OMS', key);
      const receiver: ShipmentReceiver = {
        name: customer.name,
        address: [address.line1, address.line2].filter(Boolean).join(' '),
        phone: customer.phone,
        email: customer.email,
        city: address.city,
        // [choice] Turkish carriers require a district; an address without one sends the city (the central district),
        // which the carrier may refuse: the refusal reaches the operator by its own message.
        town: address.district ?? address.city,
      };
      const codAmount = await cashOnDelivery(orderId, lines);
      let created;
      try {
        created = await protocol.createShipment({
          reference,
          orderReference: carrierReference('ORD', orderId, 16),
          receiver,
          pieces: 1,
          ...(codAmount !== undefined ? { codAmount } : {}),
        });
      } catch (err) {
        throw asActivityError(err, `create shipment at ${carrier}`);
      }
      await book.record({ carrier, reference, trackingNumber: created.trackingNumber, orderId, createdWith: key, labelRef: created.labelRef });
      return { trackingNumber: created.trackingNumber, labelRef: created.labelRef };
    },

    async cancelShipment({ orderId, trackingNumber, createdWith }) {
      if (trackingNumber) {
        const booked = await book.findByTracking(carrier, trackingNumber);
        if (booked?.state === 'canceled') return;
        return cancel(booked?.reference ?? trackingNumber);
      }
      if (createdWith) {
        // The answer of that create may never have arrived: the reference is derived from its key, so it is known.
        const reference = carrierReference('OMS', createdWith);
        const booked = await book.find(carrier, reference);
        if (booked?.state === 'canceled') return;
        return cancel(reference);
      }
      for (const open of await book.openForOrder(carrier, orderId)) await cancel(open.reference);
    },

    // [choice] A return code is what the customer gives at any branch for a free return. Yurtiçi registers codes in
    // bulk (saveReturnShipmentCode), Aras and MNG by contract; until that is wired the code is derived from the key
    // (the same on every retry), prefixed by the carrier, and the warehouse's return_received closes the loop.
    async createReturnCode({ key }) {
      return { returnCode: carrierReference(`${carrier.slice(0, 2).toUpperCase()}R`, key) };
    },
  };
}
