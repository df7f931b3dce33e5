// The API's view of the database (contract/store.ts) on MikroORM. Every call forks its own
// EntityManager: the global one is never used, so concurrent requests never share an identity map.
import { randomUUID } from 'node:crypto';
import { LockMode, raw, type FilterQuery, type SqlEntityManager } from '@mikro-orm/sql';
import {
  MAX_STOCK_UNITS,
  StoreConflictError,
  type CallbackRecord,
  type ReservedRepair,
  type InventoryView,
  type OrderListFilter,
  type OrderPage,
  type OrderStore,
  type ProductView,
  type StockFeedView,
} from '../contract/store';
import { LOCATION_KINDS, type LocationKind, type LocationView, type OrderView } from '../contract/types';
import { LOCATION_PATTERN } from '../contract/schemas';
import { isMoney } from '../domain/money';
import { UNRECORDED_PRIORITY } from '../domain/sourcing';
import { DEFAULT_LOCATION, Location, Product, Reservation, Stock, StockMovement, type ILocation } from './catalog';
import type { OmsORM } from './orm';
import { forgetCallback, logCallback, markCallback } from './callback-log';
import { OrderLocationRecord, OrderRecord, ShipmentRecord, type IOrderRecord } from './read-model';
import { changeStock, ensureStockRow, formatDecimal, readInventory } from './stock-queries';
import { ChannelStock, StockFeedAccount } from './stock-feed';
import { listCarrierTracking } from './carrier-queries';
import { listChannelPullStates } from './channel-pull-state';

/** A `cursor` that no page of this API handed out (the API answers 400). */
export class InvalidCursorError extends Error {
  override name = 'InvalidCursorError';
}

/** Bad arguments to a store call (the API validates first, so reaching this is a bug; it answers 400). */
export class StoreInputError extends Error {
  override name = 'StoreInputError';
}

/** Largest page the store returns, whatever `limit` asks for. */
export const MAX_PAGE_SIZE = 200;

interface CursorPosition {
  /** The sort key of the last item: createdAt, or attentionSince for `waiting_longest`. */
  createdAt: Date;
  id: string;
}

type OrderSort = NonNullable<OrderListFilter['sort']>;

/**
 * Opaque to clients: base64url of the last item's two sort keys, and the sort when it is not the default (so a
 * cursor of one sort is refused by another rather than silently skipping orders).
 */
export function encodeCursor(position: CursorPosition, sort: OrderSort = 'newest'): string {
  const keys: string[] = [position.createdAt.toISOString(), position.id];
  if (sort !== 'newest') keys.push(sort);
  return Buffer.from(JSON.stringify(keys), 'utf8').toString('base64url');
}

/** Reverses encodeCursor for `sort`; anything else is an InvalidCursorError. */
export function decodeCursor(cursor: string, sort: OrderSort = 'newest'): CursorPosition {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(parsed) &&
      parsed.length === (sort === 'newest' ? 2 : 3) &&
      parsed.every((k) => typeof k === 'string') &&
      (sort === 'newest' || parsed[2] === sort)
    ) {
      const createdAt = new Date(parsed[0] as string);
      if (!Number.isNaN(createdAt.getTime())) return { createdAt, id: parsed[1] as string };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError('cursor: not a cursor returned by this API for this sort');
}

/** The filters every order query shares (list and attention summary), as conditions on the orders table. */
function orderFilters(em: SqlEntityManager, filter: Omit<OrderListFilter, 'limit'>): FilterQuery<IOrderRecord>[] {
  const where: FilterQuery<IOrderRecord>[] = [];
  if (filter.status !== undefined) where.push({ status: filter.status });
  if (filter.channel !== undefined) where.push({ channel: filter.channel });
  if (filter.needsAttention !== undefined) where.push({ needsAttention: filter.needsAttention });
  if (filter.step !== undefined) where.push({ attentionStep: filter.step });
  if (filter.externalOrderId !== undefined) where.push({ externalOrderId: filter.externalOrderId });
  if (filter.email !== undefined) where.push({ customerEmail: filter.email.toLowerCase() });
  // Sub-selects, so a location with thousands of orders is still one indexed query, never a list of ids.
  if (filter.location !== undefined) {
    const at = em.createQueryBuilder(OrderLocationRecord).select('orderId').where({ location: filter.location });
    where.push({ id: { $in: at } } as FilterQuery<IOrderRecord>);
  }
  if (filter.trackingNumber !== undefined) {
    const parcel = em.createQueryBuilder(ShipmentRecord).select('orderId').where({ trackingNumber: filter.trackingNumber });
    where.push({ id: { $in: parcel } } as FilterQuery<IOrderRecord>);
  }
  return where;
}

/** A raw aggregate of a datetime column: a Date (PostgreSQL), epoch milliseconds (SQLite) or an ISO string. */
function asDate(value: Date | number | string): Date {
  return value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);
}

function requireNonEmpty(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new StoreInputError(`${field}: must be a non-empty string`);
  return value;
}

function requireInt(field: string, value: unknown, min?: number, max?: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value))
    throw new StoreInputError(`${field}: must be an integer`);
  if (min !== undefined && value < min) throw new StoreInputError(`${field}: must be at least ${min}`);
  if (max !== undefined && value > max) throw new StoreInputError(`${field}: must be at most ${max}`);
  return value;
}

function requireText(field: string, value: unknown, maxLength: number, options: { empty?: boolean } = {}): string {
  if (typeof value !== 'string') throw new StoreInputError(`${field}: must be a string`);
  if (!options.empty && value.trim() === '') throw new StoreInputError(`${field}: must be a non-empty string`);
  if (value.length > maxLength) throw new StoreInputError(`${field}: must be at most ${maxLength} characters`);
  return value;
}

/** A location as given to PUT /locations/{id}, checked field by field (the column lengths of entities/catalog.ts). */
function validLocation(location: LocationView): Omit<ILocation, 'createdAt' | 'updatedAt'> {
  if (typeof location !== 'object' || location === null) throw new StoreInputError('location: must be an object');
  const id = requireNonEmpty('id', location.id);
  if (!LOCATION_PATTERN.test(id)) throw new StoreInputError('id: must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -');
  const kind = location.kind as unknown;
  if (!LOCATION_KINDS.includes(kind as LocationKind)) {
    throw new StoreInputError(`kind: must be one of ${LOCATION_KINDS.join(', ')}`);
  }
  if (typeof location.active !== 'boolean') throw new StoreInputError('active: must be a boolean');
  // an empty region is no region, as an absent one
  const region = location.region === undefined ? null : requireText('region', location.region, 200, { empty: true }) || null;
  return {
    id,
    name: requireText('name', location.name, 300),
    kind: kind as LocationKind,
    // stored as a 32-bit integer on both databases
    priority: requireInt('priority', location.priority, 0, 2_147_483_647),
    city: requireText('city', location.city, 200, { empty: true }),
    region,
    active: location.active,
  };
}

function locationView(row: Omit<ILocation, 'createdAt' | 'updatedAt'>): LocationView {
  const view: LocationView = { id: row.id, name: row.name, kind: row.kind, priority: row.priority, city: row.city, active: row.active };
  if (row.region !== null && row.region !== undefined) view.region = row.region;
  return view;
}

async function recordMovement(
  em: SqlEntityManager,
  m: {
    key: string;
    sku: string;
    location: string;
    delta: number;
    reason: string;
    actor: string;
    orderId?: string;
    detail?: unknown;
  },
): Promise<void> {
  await em.insert(StockMovement, {
    key: m.key,
    sku: m.sku,
    location: m.location,
    delta: m.delta,
    reason: m.reason,
    actor: m.actor,
    orderId: m.orderId ?? null,
    detail: m.detail === undefined ? null : JSON.stringify(m.detail),
    createdAt: new Date(),
  });
}

/** Sum of the live (state `reserved`) ledger rows of a SKU, per location. */
async function ledgerReserved(em: SqlEntityManager, sku: string): Promise<Map<string, number>> {
  const rows = await em.find(Reservation, { sku, state: 'reserved' }, { fields: ['location', 'quantity'], disableIdentityMap: true });
  const sums = new Map<string, number>();
  for (const r of rows) sums.set(r.location, (sums.get(r.location) ?? 0) + r.quantity);
  return sums;
}

async function inventoryOrThrow(em: SqlEntityManager, sku: string): Promise<InventoryView> {
  const view = await readInventory(em, sku);
  if (!view) throw new Error(`stock row for ${sku} vanished inside its own transaction`);
  return view;
}

/** Builds the OrderStore the API uses; `orm` comes from initORM and is shared by all calls. */
export function createStore(orm: OmsORM): OrderStore {
  const fork = (): SqlEntityManager => orm.em.fork();

  return {
    async getOrder(orderId) {
      const row = await fork().findOne(OrderRecord, { id: orderId }, { fields: ['view'] });
      return row ? (row.view as OrderView) : null;
    },

    async listOrders(filter: OrderListFilter): Promise<OrderPage> {
      const limit = Math.min(Math.max(1, Math.trunc(filter.limit) || 1), MAX_PAGE_SIZE);
      const sort = filter.sort ?? 'newest';
      const em = fork();
      const where = orderFilters(em, filter);
      // The attention queue sorts by when the order was flagged; the other sorts by when it was created.
      const key = sort === 'waiting_longest' ? 'attentionSince' : 'createdAt';
      const dir = sort === 'newest' ? 'desc' : 'asc';
      if (sort === 'waiting_longest') where.push({ needsAttention: true, attentionSince: { $ne: null } });
      if (filter.cursor !== undefined) {
        const after = decodeCursor(filter.cursor, sort);
        const beyond = dir === 'desc' ? '$lt' : '$gt';
        // strictly after the cursor in (key, id) order
        where.push({
          $or: [{ [key]: { [beyond]: after.createdAt } }, { [key]: after.createdAt, id: { [beyond]: after.id } }],
        } as FilterQuery<IOrderRecord>);
      }
      const rows = await em.find(OrderRecord, where.length > 0 ? { $and: where } : {}, {
        orderBy: [{ [key]: dir }, { id: dir }],
        limit: limit + 1,
        fields: ['id', 'createdAt', 'attentionSince', 'view'],
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const lastKey = last === undefined ? undefined : sort === 'waiting_longest' ? last.attentionSince : last.createdAt;
      return {
        items: page.map((r) => r.view as OrderView),
        nextCursor: rows.length > limit && last && lastKey ? encodeCursor({ createdAt: lastKey, id: last.id }, sort) : null,
      };
    },

    async attentionSummary(filter) {
      const em = fork();
      const where = orderFilters(em, { ...filter, needsAttention: true });
      const rows = (await em
        .createQueryBuilder(OrderRecord)
        .select(['attentionStep', raw('count(*) as n'), raw('min(attention_since) as oldest')])
        .where({ $and: [...where, { attentionStep: { $ne: null } }] } as never)
        .groupBy('attentionStep')
        .execute('all', false)) as { attention_step: string; n: number | string; oldest: Date | number | string }[];
      const steps = rows
        .map((r) => ({ step: r.attention_step, count: Number(r.n), oldestSince: asDate(r.oldest).toISOString() }))
        .sort((a, b) => b.count - a.count || a.step.localeCompare(b.step));
      return { total: steps.reduce((sum, s) => sum + s.count, 0), steps };
    },

    async findOrderIdByTracking(trackingNumber, carrier) {
      const where = carrier === undefined ? { trackingNumber } : { trackingNumber, carrier };
      const row = await fork().findOne(ShipmentRecord, where, { fields: ['orderId'] });
      return row?.orderId ?? null;
    },

    async getInventory(sku) {
      return readInventory(fork(), sku);
    },

    async listStockMovements({ sku, limit }) {
      const rows = await fork().find(StockMovement, { sku }, {
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        limit: Math.min(Math.max(1, Math.trunc(limit) || 1), MAX_PAGE_SIZE),
        disableIdentityMap: true,
      });
      return rows.map((m) => ({
        at: m.createdAt.toISOString(),
        location: m.location,
        delta: m.delta,
        reason: m.reason,
        actor: m.actor,
        orderId: m.orderId ?? null,
      }));
    },

    async listOpenReservations(sku) {
      const rows = await fork().find(Reservation, { sku, state: 'reserved' }, {
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        limit: MAX_PAGE_SIZE,
        disableIdentityMap: true,
      });
      return rows.map((r) => ({
        orderId: r.orderId,
        fulfillment: r.fulfillment,
        location: r.location,
        quantity: r.quantity,
        since: r.createdAt.toISOString(),
      }));
    },

    async setOnHand(args) {
      const sku = requireNonEmpty('sku', args.sku);
      const location = args.location?.trim() ? args.location : DEFAULT_LOCATION;
      const onHand = requireInt('onHand', args.onHand, 0);
      const actor = requireNonEmpty('actor', args.actor);
      return fork().transactional(async (em) => {
        await ensureStockRow(em, sku, location);
        // lock the row (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises) so the recorded delta is exact
        const row = await em.findOne(
          Stock,
          { sku, location },
          { lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
        );
        const before = row?.onHand ?? 0;
        const reserved = row?.reserved ?? 0;
        if (onHand > MAX_STOCK_UNITS) {
          throw new StoreConflictError(`onHand: ${onHand} is more than the most a location may hold (${MAX_STOCK_UNITS})`);
        }
        if (onHand < reserved) {
          throw new StoreConflictError(
            `onHand: ${onHand} is less than the ${reserved} units of ${sku} reserved at ${location} for open orders; ` +
              'cancel orders first, or repair the ledger if the reservations are wrong',
          );
        }
        await changeStock(em, { sku, location }, { onHand: onHand - before });
        await recordMovement(em, {
          key: `set:${randomUUID()}`,
          sku,
          location,
          delta: onHand - before,
          // `set` alone, or with the operator's why: either way a set is told apart from an adjustment
          reason: args.reason?.trim() ? `set: ${args.reason.trim()}`.slice(0, 200) : 'set',
          actor,
        });
        return inventoryOrThrow(em, sku);
      });
    },

    async adjustOnHand(args) {
      const sku = requireNonEmpty('sku', args.sku);
      const location = args.location?.trim() ? args.location : DEFAULT_LOCATION;
      const delta = requireInt('delta', args.delta);
      const reason = requireNonEmpty('reason', args.reason);
      const actor = requireNonEmpty('actor', args.actor);
      return fork().transactional(async (em) => {
        if (delta >= 0) await ensureStockRow(em, sku, location);
        // |delta| past the maximum cannot land in [reserved, MAX]; refused before it reaches a 32-bit column
        const applied =
          Math.abs(delta) <= MAX_STOCK_UNITS &&
          (await changeStock(
            em,
            { sku, location },
            { onHand: delta },
            { sql: 'on_hand + ? >= reserved and on_hand + ? <= ?', params: [delta, delta, MAX_STOCK_UNITS] },
          ));
        if (!applied) {
          const current = await em.findOne(Stock, { sku, location }, { disableIdentityMap: true });
          const onHand = current?.onHand ?? 0;
          const reserved = current?.reserved ?? 0;
          const where = `on-hand of ${sku} at ${location}`;
          throw new StoreConflictError(
            onHand + delta > MAX_STOCK_UNITS
              ? `delta: ${delta} would take ${where} past the most a location may hold (${MAX_STOCK_UNITS}; on hand: ${onHand})`
              : onHand + delta < 0
                ? `delta: ${delta} would take ${where} below zero (on hand: ${onHand})`
                : `delta: ${delta} would take ${where} below what is reserved (on hand: ${onHand}, reserved: ${reserved})`,
          );
        }
        await recordMovement(em, { key: `adjust:${randomUUID()}`, sku, location, delta, reason, actor });
        return inventoryOrThrow(em, sku);
      });
    },

    async repairReserved(args) {
      const sku = requireNonEmpty('sku', args.sku);
      const actor = requireNonEmpty('actor', args.actor);
      return fork().transactional(async (em) => {
        // Locking the stock rows first orders this after any reservation, release or commit holding them, and
        // makes those wait for it: the ledger sum read next is then the one the counters must match.
        const rows = await em.find(
          Stock,
          { sku },
          { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { location: 'asc' }, disableIdentityMap: true },
        );
        if (rows.length === 0) return null;
        const live = await ledgerReserved(em, sku);
        const changed: ReservedRepair[] = [];
        for (const row of rows) {
          const after = live.get(row.location) ?? 0;
          if (row.reserved === after) continue;
          await changeStock(em, { sku, location: row.location }, { reserved: after - row.reserved });
          const repair = { location: row.location, reservedBefore: row.reserved, reservedAfter: after };
          await recordMovement(em, {
            key: `repair:${randomUUID()}`,
            sku,
            location: row.location,
            delta: 0,
            reason: 'ledger_repair',
            actor,
            detail: repair,
          });
          changed.push(repair);
        }
        const message =
          changed.length === 0
            ? `nothing to repair: reserved matches the live reservations of ${sku} at every location`
            : `reserved recomputed from the live reservations at ${changed.map((c) => `${c.location} (${c.reservedBefore} → ${c.reservedAfter})`).join(', ')}`;
        return { sku, changed, message, inventory: await inventoryOrThrow(em, sku) };
      });
    },

    /**
     * Insert, or replace every field when the id is known: one transaction, so of two PUTs racing to create a
     * location one answers created and the other replaced.
     */
    async putLocation(args) {
      const location = validLocation(args?.location);
      requireNonEmpty('actor', args.actor);
      return fork().transactional(async (em) => {
        const now = new Date();
        const inserted = await em
          .createQueryBuilder(Location)
          .insert({ ...location, createdAt: now, updatedAt: now })
          .onConflict('id')
          .ignore()
          .execute('run');
        const created = inserted.affectedRows > 0;
        if (!created) {
          const { id, ...fields } = location;
          await em.createQueryBuilder(Location).update({ ...fields, updatedAt: now }).where({ id }).execute('run');
        }
        const saved = await em.findOneOrFail(Location, { id: location.id }, { disableIdentityMap: true });
        return { location: locationView(saved), created };
      });
    },

    async listStockFeeds() {
      const em = fork();
      const accounts = await em.find(StockFeedAccount, {}, { orderBy: { account: 'asc' }, disableIdentityMap: true });
      const views: StockFeedView[] = [];
      for (const a of accounts) {
        const counts = await em
          .createQueryBuilder(ChannelStock)
          .select(['state', raw('count(*) as n')])
          .where({ account: a.account })
          .groupBy('state')
          .execute<{ state: string; n: number | string }[]>('all');
        const count = (state: string) => Number(counts.find((c) => c.state === state)?.n ?? 0);
        // Outbox rows this account has not dealt with: new SKUs, or a higher version than it saw.
        const [unsentRow] = await em.execute<{ n: number | string }[]>(
          'select count(*) as n from stock_outbox o left join channel_stock c on c.sku = o.sku and c.account = ? ' +
            'where c.sku is null or c.seen_version < o.version',
          [a.account],
        );
        const unsent = Number(unsentRow?.n ?? 0);
        views.push({
          account: a.account,
          channel: a.channel,
          lastRunAt: a.lastRunAt?.toISOString() ?? null,
          lastSuccessAt: a.lastSuccessAt?.toISOString() ?? null,
          lastResyncAt: a.lastResyncAt?.toISOString() ?? null,
          resyncRequestedAt: a.resyncRequestedAt?.toISOString() ?? null,
          lastError: a.lastError && a.lastErrorAt ? { message: a.lastError, at: a.lastErrorAt.toISOString() } : null,
          backlog: { unsent, pending: count('pending'), failed: count('failed') },
        });
      }
      return views;
    },

    listCarrierTracking: () => listCarrierTracking(orm),
    listChannelPulls: () => listChannelPullStates(orm),

    async requestStockResync({ account }) {
      const res = await fork()
        .createQueryBuilder(StockFeedAccount)
        .update({ resyncRequestedAt: new Date() })
        .where({ account })
        .execute('run');
      return res.affectedRows > 0;
    },

    async listLocations() {
      const em = fork();
      const recorded = await em.find(Location, {}, { disableIdentityMap: true });
      const known = new Set(recorded.map((r) => r.id));
      const stocked = await em
        .createQueryBuilder(Stock)
        .select('location', true)
        .execute<{ location: string }[]>('all');
      const views = recorded.map(locationView);
      for (const { location } of stocked) {
        if (known.has(location)) continue;
        known.add(location);
        // what sourcing assumes of a location it has no record of (domain/sourcing.ts)
        views.push({ id: location, name: location, kind: 'warehouse', priority: UNRECORDED_PRIORITY, city: '', active: true });
      }
      return views.sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    async upsertProduct(product: ProductView): Promise<ProductView> {
      const sku = requireNonEmpty('sku', product.sku);
      const name = requireNonEmpty('name', product.name);
      if (typeof product.price !== 'string' || !isMoney(product.price)) {
        throw new StoreInputError('price: must be a decimal string with at most two decimals');
      }
      if (typeof product.active !== 'boolean') throw new StoreInputError('active: must be a boolean');
      const now = new Date();
      const em = fork();
      await em
        .createQueryBuilder(Product)
        .insert({ sku, name, price: product.price, active: product.active, createdAt: now, updatedAt: now })
        .onConflict('sku')
        .merge(['name', 'price', 'active', 'updatedAt'])
        .execute('run');
      const saved = await em.findOneOrFail(Product, { sku }, { disableIdentityMap: true });
      return { sku: saved.sku, name: saved.name, price: formatDecimal(saved.price), active: saved.active };
    },

    async getProduct(sku) {
      const row = await fork().findOne(Product, { sku });
      return row ? { sku: row.sku, name: row.name, price: formatDecimal(row.price), active: row.active } : null;
    },

    async logCallback(callback: CallbackRecord) {
      return logCallback(fork(), { ...callback, eventId: requireNonEmpty('eventId', callback.eventId) });
    },

    async markCallback(callback) {
      await markCallback(fork(), { ...callback, eventId: requireNonEmpty('eventId', callback.eventId) });
    },

    async forgetCallback(callback) {
      await forgetCallback(fork(), callback);
    },

    async ping() {
      await fork().execute('select 1');
    },
  };
}
