// What the OMS needs of a cargo company's own protocol (CONNECTORS.md §4), one shape for Yurtiçi, Aras and MNG:
// create a shipment under a key the OMS chooses (so a retried create finds its first attempt), query shipments in
// pages by that key, cancel. Business errors, whichever way the carrier spells them (inside a 200, a Fault, an
// error body), arrive as CarrierError. Tracking is normalized onto §4.4's vocabulary with the raw codes kept.
import type { Carrier } from '../contract/types';

/** §4.4's normalized tracking vocabulary. */
export const TRACKING_STATUSES = [
  'label_created',
  'picked_up',
  'in_transit',
  'out_for_delivery',
  'delivered',
  'delivery_failed',
  'returned_to_sender',
] as const;
export type TrackingStatus = (typeof TRACKING_STATUSES)[number];

/**
 * What a query can say of one shipment: the vocabulary, `canceled` (outside the set per §4.4), `not_found`, or
 * `unknown` (a code the connector does not know: the poller keeps the last state and flags it).
 */
export type ShipmentTrackingStatus = TrackingStatus | 'canceled' | 'not_found' | 'unknown';

/** Why a carrier call failed; only `unavailable` is worth retrying as is. */
export type CarrierErrorKind =
  /** Unknown credentials, an expired token that could not be renewed, an HTTP 401/403 in front of the service. */
  | 'auth'
  /** The carrier refused this request (a business error code, a Client fault, a 4xx): retrying the same will not help. */
  | 'rejected'
  /** Network failure, 5xx/Server fault, an "unexpected" code, a transient code, an answer that cannot be read. */
  | 'unavailable';

export class CarrierError extends Error {
  override name = 'CarrierError';
  constructor(
    readonly carrier: string,
    readonly kind: CarrierErrorKind,
    message: string,
    /** The carrier's own error code (Yurtiçi `errCode`, Aras `ResultCode`, MNG `error.Code`), when it gave one. */
    readonly errCode?: string,
    readonly status?: number,
  ) {
    super(`${carrier}: ${message}`);
  }

  get retryable(): boolean {
    return this.kind === 'unavailable';
  }
}

/** A stable id for one tracking event, so a poll and a callback of the same event deduplicate. */
export function trackingEventId(carrier: string, trackingNumber: string, status: string, at: string): string {
  const ms = Date.parse(at);
  // The instant, not its spelling: `…+03:00` and its UTC form are the same event.
  return `${carrier}:${trackingNumber}:${status}:${Number.isNaN(ms) ? at : new Date(ms).toISOString()}`;
}

export interface ShipmentReceiver {
  name: string;
  address: string;
  phone?: string | undefined;
  email?: string | undefined;
  city: string;
  /** District (ilçe). */
  town: string;
}

export interface CreateShipmentArgs {
  /** The OMS's key for this shipment (Yurtiçi cargoKey, Aras IntegrationCode, MNG referenceId); ≤ the carrier's length. */
  reference: string;
  /** The order's reference at the carrier (Yurtiçi invoiceKey, Aras InvoiceNumber, MNG billOfLandingId). */
  orderReference: string;
  receiver: ShipmentReceiver;
  /** Parcels (Aras PieceDetail, MNG orderPieceList); 1 when omitted. */
  pieces?: number | undefined;
  /** Cash on delivery amount (decimal string), when the carrier collects. */
  codAmount?: string | undefined;
}

export interface CreatedShipment {
  reference: string;
  /** What the customer tracks with and the poller queries by (Yurtiçi: the cargoKey; Aras: the IntegrationCode; MNG: the referenceId). */
  trackingNumber: string;
  /** The label: a barcode value, a ZPL reference, the carrier's document id. */
  labelRef: string;
  /** True when the carrier said this reference already existed (a retried create whose first attempt landed). */
  alreadyCreated: boolean;
}

export interface ShipmentTrackingEvent {
  /** The carrier's code and text for the event, raw. */
  code: string;
  name: string;
  /** The carrier's time of the event (ISO, UTC). */
  at: string;
}

export interface ShipmentTracking {
  reference: string;
  status: ShipmentTrackingStatus;
  /** The carrier's time of the latest status (ISO, UTC), when it gave one; the event id is derived from it. */
  at?: string | undefined;
  /** The carrier's own code and text for the status, stored next to the normalized value (§4.4). */
  raw: { code?: string | undefined; text?: string | undefined; [field: string]: string | undefined };
  events: ShipmentTrackingEvent[];
  trackingUrl?: string | undefined;
}

/** One carrier's protocol, as its connector speaks it. */
export interface CarrierProtocol {
  readonly carrier: Carrier;
  /** How many references one query may carry (the poller pages by it). */
  readonly queryPageSize: number;
  /** Idempotent by `reference`: a second create of the same reference answers `alreadyCreated`, never a second shipment. */
  createShipment(args: CreateShipmentArgs): Promise<CreatedShipment>;
  /** One result per reference, in the order asked (at most queryPageSize). */
  queryShipments(references: string[]): Promise<ShipmentTracking[]>;
  /** `not_found`: the carrier never had it (a create that did not land); `too_late`: the parcel is on its way. */
  cancelShipment(reference: string): Promise<'canceled' | 'already_canceled' | 'too_late' | 'not_found'>;
}
