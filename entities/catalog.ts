// Catalog and stock pool: what validateOrder checks against and what reservations draw from.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { LOCATION_KINDS } from '../contract/types';

/** The location used when a caller names none; the stock table is keyed by (sku, location) for more later. */
export const DEFAULT_LOCATION = 'main';

/** A sellable SKU; validateOrder refuses lines whose product is missing or inactive. */
export const Product = defineEntity({
  name: 'Product',
  tableName: 'product',
  properties: {
    sku: p.string().length(100).primary(),
    name: p.string().length(300),
    // numeric(14,2) holds MAX_MONEY (domain/money.ts) on PostgreSQL; SQLite returns it as a number, so the
    // store re-formats it to two decimals.
    price: p.decimal('string').precision(14).scale(2),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type IProduct = InferEntity<typeof Product>;

/**
 * A stock location (`PUT /locations/{id}`): what sourcing ranks. Stock may sit at a location without a record (every
 * row put at `main` before locations existed): sourcing and `GET /locations` treat it as an active warehouse.
 */
export const Location = defineEntity({
  name: 'Location',
  tableName: 'location',
  properties: {
    id: p.string().length(100).primary(),
    name: p.string().length(300),
    kind: p.enum(LOCATION_KINDS),
    /** Lower is preferred. */
    priority: p.integer(),
    city: p.string().length(200),
    region: p.string().length(200).nullable(),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type ILocation = InferEntity<typeof Location>;

/** On-hand and reserved units of one SKU at one location; `available = on_hand - reserved`. */
export const Stock = defineEntity({
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
export type IStock = InferEntity<typeof Stock>;

export const RESERVATION_STATES = ['reserved', 'released', 'committed'] as const;
export type ReservationState = (typeof RESERVATION_STATES)[number];

/**
 * The reservation ledger: one row per order, fulfillment unit, SKU and location. Release and commit flip `state`
 * with a conditional UPDATE before touching the counters, which is what makes their retries harmless.
 * `fulfillment` is the unit's number within the order, `allocation` the first unit of the allocateStock call that
 * made the row (its idempotency key); orders of the single-unit workflows hold unit 1 of allocation 1 at `main`.
 */
export const Reservation = defineEntity({
  name: 'Reservation',
  tableName: 'reservation',
  properties: {
    id: p.integer().primary().autoincrement(),
    orderId: p.string().length(200),
    fulfillment: p.integer().default(1),
    allocation: p.integer().default(1),
    sku: p.string().length(100),
    location: p.string().length(100).default(DEFAULT_LOCATION),
    /** Units held; a partial release lowers it (a row released down to 0 is `released`). */
    quantity: p.integer(),
    state: p.enum(RESERVATION_STATES).default('reserved'),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ properties: ['orderId', 'fulfillment', 'sku', 'location'] }],
  indexes: [{ properties: ['sku', 'state'] }],
});
export type IReservation = InferEntity<typeof Reservation>;

/**
 * Every restock and operator change of on-hand. The unique `key` is the idempotency key
 * (`restock:<orderId>:<returnId>:<sku>`), so a retried restock cannot add the units twice.
 */
export const StockMovement = defineEntity({
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
    /** What a change other than on-hand did, as JSON (a ledger repair's reserved before and after). */
    detail: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ properties: ['sku', 'createdAt'] }],
});
export type IStockMovement = InferEntity<typeof StockMovement>;
