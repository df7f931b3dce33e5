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
    view: p.json<OrderView>(),
  },
  uniques: [{ properties: ['channel', 'externalOrderId'] }],
  // Each list filter is an equality on one column followed by the (createdAt, id) sort/cursor.
  indexes: [
    { properties: ['createdAt', 'id'] },
    { properties: ['status', 'createdAt', 'id'] },
    { properties: ['channel', 'createdAt', 'id'] },
    { properties: ['needsAttention', 'createdAt', 'id'] },
  ],
});
export type IOrderRecord = InferEntity<typeof OrderRecord>;

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
    unitPrice: p.decimal('string').precision(14).scale(2), // MAX_MONEY, like the API accepts
    lineTotal: p.decimal('string').precision(14).scale(2),
    returnedQuantity: p.integer().default(0),
    refundedQuantity: p.integer().default(0),
  },
  uniques: [{ properties: ['orderId', 'lineNo'] }],
  indexes: [{ properties: ['sku'] }],
});
export type IOrderLineRecord = InferEntity<typeof OrderLineRecord>;

/** Shipments: carrier callbacks carry only a tracking number, so this is how they find their order. */
export const ShipmentRecord = defineEntity({
  name: 'ShipmentRecord',
  tableName: 'shipment',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    shipmentId: p.string().length(200),
    carrier: p.string().length(40),
    trackingNumber: p.string().length(200).unique(),
    labelRef: p.string().length(400),
    lastStatus: p.string().length(40).nullable(),
  },
  uniques: [{ properties: ['orderId', 'shipmentId'] }],
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
 * Every payment, carrier and warehouse callback, matched or not. (source, event_id) is unique:
 * that constraint is the duplicate detector, so two API processes cannot both accept one event.
 */
export const CallbackLog = defineEntity({
  name: 'CallbackLog',
  tableName: 'callback_log',
  properties: {
    id: p.integer().primary().autoincrement(),
    source: p.string().length(40),
    eventId: p.string().length(200),
    orderId: p.string().length(200).nullable(),
    matched: p.boolean(),
    payload: p.json<unknown>(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['source', 'eventId'] }],
  indexes: [{ properties: ['orderId'] }],
});
export type ICallbackLog = InferEntity<typeof CallbackLog>;
