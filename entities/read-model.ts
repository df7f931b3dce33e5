// The order read model the API lists from. The workflow owns the order; these rows are a projection
// written by the recordOrder activity, newest version only. `view` keeps the whole OrderView for
// GET /orders/{id}; the other columns exist to filter, sort and join on.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { OrderReturn, OrderView, ReturnLine } from '../contract/types';

/** One row per order: the list filters' columns plus the full snapshot as JSON. */
export const OrderRecord = defineEntity({
  name: 'OrderRecord',
  tableName: 'orders',
  properties: {
    id: p.string().length(200).primary(),
    channel: p.string().length(100),
    externalOrderId: p.string().length(200),
    status: p.string().length(40),
    paymentStatus: p.string().length(40),
    paymentMethod: p.string().length(40),
    needsAttention: p.boolean().default(false),
    cancelReason: p.string().length(200).nullable(),
    currency: p.string().length(3),
    subtotal: p.decimal('string').precision(14).scale(2),
    total: p.decimal('string').precision(14).scale(2),
    refunded: p.decimal('string').precision(14).scale(2),
    version: p.integer(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    /** The step the order waits for an operator at (`attention.step`), for the console's queue; null otherwise. */
    attentionStep: p.string().length(100).nullable(),
    /** Since when it waits (`attention.since`): the queue's oldest-first order. */
    attentionSince: p.datetime().nullable(),
    /** The customer's e-mail lower-cased, for search; null without one. */
    customerEmail: p.string().length(320).nullable(),
    /**
     * A digest per child table (lines, locations, shipments, returns) of the rows last written with this row: a write
     * rewrites only the tables whose rows changed. Null (rows from before it): every table is rewritten once.
     */
    childrenDigest: p.json<Record<'lines' | 'locations' | 'shipments' | 'returns', string>>().nullable(),
    view: p.json<OrderView>(),
  },
  uniques: [{ properties: ['channel', 'externalOrderId'] }],
  // Each list filter is an equality on one column followed by the (createdAt, id) sort/cursor; the attention
  // queue sorts by (attentionSince, id) instead.
  indexes: [
    { properties: ['createdAt', 'id'] },
    { properties: ['status', 'createdAt', 'id'] },
    { properties: ['channel', 'createdAt', 'id'] },
    { properties: ['needsAttention', 'createdAt', 'id'] },
    { properties: ['attentionSince', 'id'] },
    { properties: ['customerEmail'] },
    { properties: ['externalOrderId'] },
  ],
});
export type IOrderRecord = InferEntity<typeof OrderRecord>;

/**
 * The locations an order's fulfillment units ship from (orderWorkflowV3), one row each, so the list can filter by
 * location without parsing the JSON.
 */
export const OrderLocationRecord = defineEntity({
  name: 'OrderLocationRecord',
  tableName: 'order_location',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    location: p.string().length(100),
  },
  uniques: [{ properties: ['orderId', 'location'] }],
  indexes: [{ properties: ['location'] }],
});
export type IOrderLocationRecord = InferEntity<typeof OrderLocationRecord>;

/** The order's lines, for queries by SKU (sales, returns) without parsing the JSON. */
export const OrderLineRecord = defineEntity({
  name: 'OrderLineRecord',
  tableName: 'order_line',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    lineNo: p.integer(),
    sku: p.string().length(100),
    quantity: p.integer(),
    unitPrice: p.decimal('string').precision(14).scale(2),
    lineTotal: p.decimal('string').precision(14).scale(2),
    returnedQuantity: p.integer().default(0),
    refundedQuantity: p.integer().default(0),
  },
  uniques: [{ properties: ['orderId', 'lineNo'] }],
  indexes: [{ properties: ['sku'] }],
});
export type IOrderLineRecord = InferEntity<typeof OrderLineRecord>;

/**
 * Shipments: carrier callbacks carry only a tracking number, so this is how they find their order. Each carrier
 * numbers its own parcels, so a number is unique per carrier only.
 */
export const ShipmentRecord = defineEntity({
  name: 'ShipmentRecord',
  tableName: 'shipment',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    shipmentId: p.string().length(200),
    carrier: p.string().length(40),
    trackingNumber: p.string().length(200),
    labelRef: p.string().length(400),
    lastStatus: p.string().length(40).nullable(),
  },
  uniques: [{ properties: ['orderId', 'shipmentId'] }, { properties: ['carrier', 'trackingNumber'] }],
});
export type IShipmentRecord = InferEntity<typeof ShipmentRecord>;

/** Returns of an order. */
export const ReturnRecord = defineEntity({
  name: 'ReturnRecord',
  tableName: 'order_return',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    returnId: p.string().length(200),
    reason: p.string().length(400),
    source: p.string().length(40),
    returnCode: p.string().length(200).nullable(),
    requestedAt: p.datetime(),
    receivedAt: p.datetime().nullable(),
    refundAmount: p.decimal('string').precision(14).scale(2).nullable(),
    lines: p.json<ReturnLine[]>(),
    refund: p.json<NonNullable<OrderReturn['refund']>>().nullable(),
  },
  uniques: [{ properties: ['orderId', 'returnId'] }],
});
export type IReturnRecord = InferEntity<typeof ReturnRecord>;

/** The order's timeline; `seq` is the entry's position, unique per order. */
export const TimelineRecord = defineEntity({
  name: 'TimelineRecord',
  tableName: 'order_timeline',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    seq: p.integer(),
    at: p.datetime(),
    type: p.string().length(100),
    status: p.string().length(40).nullable(),
    detail: p.text().nullable(),
    actor: p.string().length(200).nullable(),
  },
  uniques: [{ properties: ['orderId', 'seq'] }],
});
export type ITimelineRecord = InferEntity<typeof TimelineRecord>;

/**
 * Every payment, carrier and warehouse callback, matched or not. `source` is the sender (`payments`,
 * `warehouse`, `carrier:<name>`): event ids are unique per sender only. (source, event_id) is unique: that
 * constraint is the duplicate detector, so two API processes cannot both accept one event. `matched` is null
 * while the event is being delivered (the row is written first), then whether it reached its order.
 * `claimedAt` is set when an order accepted after the event claimed it (an early payment).
 */
export const CallbackLog = defineEntity({
  name: 'CallbackLog',
  tableName: 'callback_log',
  properties: {
    id: p.integer().primary().autoincrement(),
    source: p.string().length(40),
    eventId: p.string().length(200),
    orderId: p.string().length(200).nullable(),
    matched: p.boolean().nullable(),
    payload: p.json<unknown>(),
    receivedAt: p.datetime().onCreate(() => new Date()),
    claimedAt: p.datetime().nullable(),
  },
  uniques: [{ properties: ['source', 'eventId'] }],
  indexes: [{ properties: ['orderId'] }],
});
export type ICallbackLog = InferEntity<typeof CallbackLog>;
