// The entities as version 1 defined them (commit b5bcba4, entities/catalog.ts and entities/read-model.ts, with
// the JSON columns' types loosened and the doc comments dropped), frozen here so a test can make a database the
// way version 1 did at every start — `schema.update({ safe: true })`, no migrations — and check that migrating
// it baselines and upgrades it. Never edit this file to follow the current entities.
import { defineEntity, p } from '@mikro-orm/core';

const DEFAULT_LOCATION = 'main';
const RESERVATION_STATES = ['reserved', 'released', 'committed'] as const;
const V1Product = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    sku: p.string().length(100).primary(),
    name: p.string().length(300),
    // numeric(12,2) on PostgreSQL; SQLite returns it as a number, so the store re-formats it to two decimals.
    price: p.decimal('string').precision(12).scale(2),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

const V1Stock = defineEntity({
  name: 'Stock',
  tableName: 'stock',
  properties: {
    sku: p.string().length(100).primary(),
    location: p.string().length(100).primary().default(DEFAULT_LOCATION),
    onHand: p.integer().default(0),
    reserved: p.integer().default(0),
    // Bumped by every counter change (all of them are conditional UPDATEs), so readers can tell rows moved.
    version: p.integer().default(1),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});


const V1Reservation = defineEntity({
  name: 'Reservation',
  tableName: 'reservation',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    sku: p.string().length(100),
    location: p.string().length(100).default(DEFAULT_LOCATION),
    quantity: p.integer(),
    state: p.enum(RESERVATION_STATES).default('reserved'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['orderId', 'sku'] }],
  indexes: [{ properties: ['sku', 'state'] }],
});

const V1StockMovement = defineEntity({
  name: 'StockMovement',
  tableName: 'stock_movement',
  properties: {
    id: p.integer().primary().autoincrement(),
    key: p.string().length(400).unique(),
    sku: p.string().length(100),
    location: p.string().length(100).default(DEFAULT_LOCATION),
    delta: p.integer(),
    reason: p.string().length(200),
    actor: p.string().length(200),
    orderId: p.string().length(200).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['sku', 'createdAt'] }],
});
const V1OrderRecord = defineEntity({
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
    view: p.json<unknown>(),
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

const V1OrderLineRecord = defineEntity({
  name: 'OrderLineRecord',
  tableName: 'order_line',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    lineNo: p.integer(),
    sku: p.string().length(100),
    quantity: p.integer(),
    unitPrice: p.decimal('string').precision(12).scale(2),
    lineTotal: p.decimal('string').precision(14).scale(2),
    returnedQuantity: p.integer().default(0),
    refundedQuantity: p.integer().default(0),
  },
  uniques: [{ properties: ['orderId', 'lineNo'] }],
  indexes: [{ properties: ['sku'] }],
});

const V1ShipmentRecord = defineEntity({
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

const V1ReturnRecord = defineEntity({
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
    lines: p.json<unknown>(),
    refund: p.json<unknown>().nullable(),
  },
  uniques: [{ properties: ['orderId', 'returnId'] }],
});

const V1TimelineRecord = defineEntity({
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

const V1CallbackLog = defineEntity({
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

/** Every version-1 entity, for an ORM that makes the version-1 schema. */
export const V1_ENTITIES = [
  V1Product,
  V1Stock,
  V1Reservation,
  V1StockMovement,
  V1OrderRecord,
  V1OrderLineRecord,
  V1ShipmentRecord,
  V1ReturnRecord,
  V1TimelineRecord,
  V1CallbackLog,
];
