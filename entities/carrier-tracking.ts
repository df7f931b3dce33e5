// The carriers' side of the shipments the OMS created through a carrier's own protocol (integrations/carrier-protocol.ts):
// which order and key each reference belongs to, what the carrier last said of it (normalized, with its raw code and
// text), and per carrier how the tracking sweep is doing. The sweep (activities/carrier-tracking.ts) queries the
// open references in pages and signals an order only when its shipment's normalized status changed.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const CARRIER_SHIPMENT_STATES = ['open', 'closed', 'canceled'] as const;
export type CarrierShipmentState = (typeof CARRIER_SHIPMENT_STATES)[number];

export const CarrierShipment = defineEntity({
  name: 'CarrierShipment',
  tableName: 'carrier_shipment',
  properties: {
    carrier: p.string().length(20).primary(),
    /** The OMS's key at the carrier (Yurtiçi cargoKey, Aras IntegrationCode, MNG referenceId). */
    reference: p.string().length(64).primary(),
    trackingNumber: p.string().length(100),
    orderId: p.string().length(100),
    /** The idempotency key of the createShipment call that made it (a compensation cancels by it). */
    createdWith: p.string().length(300),
    labelRef: p.string().length(300).nullable(),
    /** `open` while the sweep follows it; `closed` once delivered or back at the sender; `canceled`. */
    state: p.enum(CARRIER_SHIPMENT_STATES).default('open'),
    /** The last normalized status (§4.4 vocabulary, or canceled/not_found/unknown). */
    status: p.string().length(30).default('label_created'),
    rawCode: p.string().length(100).nullable(),
    rawText: p.text().nullable(),
    /** The carrier's time of the last status. */
    statusAt: p.datetime().nullable(),
    /** The event id last handed to the order (carrier + tracking number + status + carrier time). */
    lastEventId: p.string().length(300).nullable(),
    /** A code the connector does not know: the last known status stays, a person should look. */
    needsReview: p.boolean().default(false),
    lastPolledAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
  indexes: [
    { properties: ['carrier', 'state', 'lastPolledAt'] },
    { properties: ['orderId'] },
  ],
  uniques: [{ properties: ['carrier', 'trackingNumber'] }],
});
export type ICarrierShipment = InferEntity<typeof CarrierShipment>;

/** One carrier's tracking sweep: when it last ran and succeeded, how many shipments are open, the last error. */
export const CarrierTrackingState = defineEntity({
  name: 'CarrierTrackingState',
  tableName: 'carrier_tracking_state',
  properties: {
    carrier: p.string().length(20).primary(),
    lastRunAt: p.datetime().nullable(),
    lastSuccessAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
    lastErrorAt: p.datetime().nullable(),
    /** Shipments queried and events handed to orders by the last successful sweep. */
    lastQueried: p.integer().default(0),
    lastSignalled: p.integer().default(0),
  },
});
export type ICarrierTrackingState = InferEntity<typeof CarrierTrackingState>;
