// Inventory activities: validation against the catalog and the stock ledger. Each one is a single
// database transaction whose effect is keyed by the order (ledger row per order, unit, SKU and location, movement
// key per return and SKU or per release and SKU), so Temporal retries, replays and duplicate calls never double a unit.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { LockMode, type SqlEntityManager } from '@mikro-orm/sql';
import type { FulfillmentInventoryActivities, InventoryActivities } from '../contract/activities';
import type {
  AllocatedUnit,
  AllocationRequest,
  AllocationResult,
  OrderInput,
  ReservationResult,
  StockLine,
  ValidationResult,
} from '../contract/types';
import { FailureType } from '../contract/workflow';
import { isMoney, toMinor } from '../domain/money';
import {
  DEFAULT_MAX_UNITS,
  planSourcing,
  sourcingCandidates,
  type Availability,
  type SourcingLocation,
  type SourcingPlan,
  type SourcingRequest,
  type SourcingRules,
} from '../domain/sourcing';
import {
  DEFAULT_LOCATION,
  Location,
  Product,
  Reservation,
  Stock,
  StockMovement,
  type ReservationState,
} from '../entities/catalog';
import type { OmsORM } from '../entities/orm';
import { availableAt, changeStock, ensureStockRow, formatDecimal } from '../entities/stock-queries';

/** Who restocks returned units, as recorded on the stock movement. */
const RESTOCK_ACTOR = 'system:returns';
/** Who releases part of a unit (partial cancel, a location's rejection), as recorded on the stock movement. */
const RELEASE_ACTOR = 'system:orders';
/** Sourcing rounds allocateStock makes before it answers with the shortages (each lost to a concurrent reservation). */
export const MAX_SOURCING_ROUNDS = 3;
/** Class key of the PostgreSQL advisory locks that serialise allocations of one order (any fixed number). */
const ALLOCATION_LOCK_CLASS = 7_261_002;
/** stock_movement.key's column length. */
const MOVEMENT_KEY_LENGTH = 400;

type Shortages = Extract<ReservationResult, { ok: false }>['shortages'];

/** Thrown inside allocateStock's transaction when a planned take found too little: roll back and source again. */
class SourcingRace extends Error {
  constructor(readonly skus: string[]) {
    super('sourcing race');
  }
}

/** Thrown inside a transaction to roll it back while carrying the answer out. */
class RollbackWith<T> extends Error {
  constructor(readonly result: T) {
    super('rollback');
  }
}

function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: FailureType.InvalidInput, nonRetryable: true });
}

function isNonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isPositiveInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Sums quantities per SKU (two lines may name one SKU) and sorts by SKU, so every transaction locks rows in one order. */
function quantitiesBySku(lines: StockLine[], field: string): [string, number][] {
  if (!Array.isArray(lines) || lines.length === 0) throw invalidInput(`${field}: at least one line is required`);
  const totals = new Map<string, number>();
  lines.forEach((line, i) => {
    if (!isNonEmpty(line?.sku)) throw invalidInput(`${field}[${i}].sku: required`);
    if (!isPositiveInt(line.quantity)) throw invalidInput(`${field}[${i}].quantity: must be a positive integer`);
    totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  });
  return [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Moves every `reserved` ledger row of the order (of one unit, when `fulfillment` is given) to `to`, one conditional
 * UPDATE per row, and applies the counter change only for rows this call flipped — a repeat (or a racing twin) flips
 * nothing.
 */
async function settleReservations(
  em: SqlEntityManager,
  orderId: string,
  to: Exclude<ReservationState, 'reserved'>,
  fulfillment?: number,
): Promise<void> {
  const rows = await em.find(
    Reservation,
    fulfillment === undefined ? { orderId, state: 'reserved' } : { orderId, fulfillment, state: 'reserved' },
    { orderBy: { sku: 'asc', location: 'asc' }, disableIdentityMap: true },
  );
  for (const row of rows) {
    const flipped = await em
      .createQueryBuilder(Reservation)
      .update({ state: to, updatedAt: new Date() })
      .where({ id: row.id, state: 'reserved' })
      .execute('run');
    if (flipped.affectedRows === 0) continue;
    const where = { sku: row.sku, location: row.location };
    if (to === 'released') await changeStock(em, where, { reserved: -row.quantity });
    else await changeStock(em, where, { onHand: -row.quantity, reserved: -row.quantity });
  }
}

/** The units an allocation made, read back from its ledger rows (row ids keep the plan's order of lines). */
async function unitsOfAllocation(em: SqlEntityManager, orderId: string, allocation: number): Promise<AllocatedUnit[]> {
  const rows = await em.find(
    Reservation,
    { orderId, allocation },
    { orderBy: { fulfillment: 'asc', id: 'asc' }, disableIdentityMap: true },
  );
  const units: AllocatedUnit[] = [];
  for (const row of rows) {
    let unit = units.at(-1);
    if (unit?.fulfillment !== row.fulfillment) {
      unit = { fulfillment: row.fulfillment, location: row.location, lines: [] };
      units.push(unit);
    }
    unit.lines.push({ sku: row.sku, quantity: row.quantity });
  }
  return units;
}

/** What sourcing decides from: free units of the SKUs at every location, and every location record. */
async function sourcingSnapshot(
  em: SqlEntityManager,
  skus: string[],
): Promise<{ availability: Availability; locations: SourcingLocation[] }> {
  const stock = await em.find(Stock, { sku: { $in: skus } }, { disableIdentityMap: true });
  const availability: Availability = {};
  for (const row of stock) (availability[row.sku] ??= {})[row.location] = Math.max(0, row.onHand - row.reserved);
  const records = await em.find(Location, {}, { orderBy: { id: 'asc' }, disableIdentityMap: true });
  const locations = records.map((r) => ({
    id: r.id,
    kind: r.kind,
    priority: r.priority,
    city: r.city === '' ? undefined : r.city,
    region: r.region ?? undefined,
    active: r.active,
  }));
  return { availability, locations };
}

function describeUnits(units: AllocatedUnit[]): string {
  return units.map((u) => `${u.location} (${u.lines.map((l) => `${l.sku} x${l.quantity}`).join(', ')})`).join(', ');
}

/** A stock-movement key within the column's length: long order ids and keys are hashed, still unique. */
function movementKey(parts: string[]): string {
  const raw = parts.join(':');
  if (raw.length <= MOVEMENT_KEY_LENGTH) return raw;
  return `${parts[0]}:sha256:${createHash('sha256').update(raw).digest('hex')}`;
}

export interface InventoryOptions {
  /** Channels that set their own prices: a line below the catalog price is reported, not refused. */
  ownPriceChannels?: readonly string[] | undefined;
  /** allocateStock's rules (OMS_MAX_FULFILLMENTS, OMS_CHANNEL_LOCATIONS); 3 units, every channel anywhere when omitted. */
  sourcing?: Partial<SourcingRules> | undefined;
  /**
   * Called inside allocateStock's transaction after each sourcing round's snapshot and plan, before the units are
   * taken: lets a test take the stock concurrently (on PostgreSQL) and watch the allocation source again.
   */
  afterSnapshot?: ((round: { orderId: string; attempt: number; plan: SourcingPlan }) => Promise<void>) | undefined;
}

/** Builds the inventory activities; `orm` is the worker's shared ORM, forked per call. */
export function createInventoryActivities(
  orm: OmsORM,
  options: InventoryOptions = {},
): InventoryActivities & FulfillmentInventoryActivities {
  const ownPriceChannels = new Set(options.ownPriceChannels ?? []);
  const rules: SourcingRules = {
    maxUnits: options.sourcing?.maxUnits ?? DEFAULT_MAX_UNITS,
    channels: options.sourcing?.channels ?? {},
  };
  const fork = (): SqlEntityManager => orm.em.fork();
  const isPostgres = orm.em.getDriver() instanceof PostgreSqlDriver;

  return {
    /**
     * Products exist and are active, prices, customer and address make sense; problems name the field. A unit
     * price below the catalog's is refused (a tampered or stale checkout must not sell at 0.01) unless the channel
     * sets its own prices; a price above the catalog's is accepted (surcharges, a price lowered after checkout:
     * the customer agreed to pay it, and refusing would cancel a paid order). Both are reported as discrepancies.
     */
    async validateOrder(input: OrderInput): Promise<ValidationResult> {
      const problems: string[] = [];
      const discrepancies: string[] = [];
      const ownPrices = ownPriceChannels.has(input?.channel);
      if (!isNonEmpty(input?.customer?.name)) problems.push('customer.name: required');
      for (const field of ['line1', 'city', 'country'] as const) {
        if (!isNonEmpty(input?.shippingAddress?.[field])) problems.push(`shippingAddress.${field}: required`);
      }
      if (!isNonEmpty(input?.currency)) problems.push('currency: required');
      const lines = Array.isArray(input?.lines) ? input.lines : [];
      if (lines.length === 0) problems.push('lines: at least one line is required');

      const skus = lines.map((l) => l?.sku).filter(isNonEmpty);
      const products = skus.length > 0 ? await fork().find(Product, { sku: { $in: [...new Set(skus)] } }) : [];
      const bySku = new Map(products.map((p) => [p.sku, p]));

      lines.forEach((line, i) => {
        if (!isNonEmpty(line?.sku)) {
          problems.push(`lines[${i}].sku: required`);
        } else {
          const product = bySku.get(line.sku);
          if (!product) problems.push(`lines[${i}].sku ${line.sku}: unknown product`);
          else if (!product.active) problems.push(`lines[${i}].sku ${line.sku}: product is not active`);
        }
        if (!isPositiveInt(line?.quantity)) {
          problems.push(`lines[${i}].quantity ${String(line?.quantity)}: must be a positive integer`);
        }
        const price: unknown = line?.unitPrice;
        if (typeof price !== 'string' || !isMoney(price) || toMinor(price) <= 0) {
          problems.push(`lines[${i}].unitPrice ${String(price)}: must be a positive decimal with at most two decimals`);
          return;
        }
        const product = isNonEmpty(line?.sku) ? bySku.get(line.sku) : undefined;
        if (!product) return;
        const listed = formatDecimal(product.price);
        const difference = toMinor(price) - toMinor(listed);
        if (difference < 0 && !ownPrices) {
          problems.push(`lines[${i}].unitPrice ${price} for ${line.sku} is below the catalog price ${listed}`);
        } else if (difference !== 0) {
          discrepancies.push(
            `lines[${i}].unitPrice ${price} for ${line.sku} is ${difference < 0 ? 'below' : 'above'} the catalog price ${listed}`,
          );
        }
      });
      if (problems.length > 0) return { ok: false, problems };
      return discrepancies.length > 0 ? { ok: true, discrepancies } : { ok: true };
    },

    /**
     * All lines or none, at `main` as unit 1 of allocation 1 (the single-unit workflows), in one transaction: the
     * ledger rows go in first (so a second call for the same
     * order waits on, then sees, the first one's rows and answers ok), then one conditional UPDATE per
     * SKU takes the units only if they are free. Any shortage rolls the whole transaction back.
     */
    async reserveStock({ orderId, lines }): Promise<ReservationResult> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      const wanted = quantitiesBySku(lines, 'lines');
      const location = DEFAULT_LOCATION;
      try {
        return await fork().transactional(async (em): Promise<ReservationResult> => {
          const now = new Date();
          const inserted = await em
            .createQueryBuilder(Reservation)
            .insert(
              wanted.map(([sku, quantity]) => ({
                orderId,
                fulfillment: 1,
                allocation: 1,
                sku,
                location,
                quantity,
                state: 'reserved' as const,
                createdAt: now,
                updatedAt: now,
              })),
            )
            .onConflict(['orderId', 'fulfillment', 'sku', 'location'])
            .ignore()
            .execute('run');
          // The order already holds (or held) its reservation: the first outcome stands.
          if (inserted.affectedRows < wanted.length) throw new RollbackWith<ReservationResult>({ ok: true });

          const short: [string, number][] = [];
          for (const [sku, quantity] of wanted) {
            const taken = await changeStock(
              em,
              { sku, location },
              { reserved: quantity },
              { sql: 'on_hand - reserved >= ?', params: [quantity] },
            );
            if (!taken) short.push([sku, quantity]);
          }
          if (short.length > 0) {
            const shortages: Shortages = [];
            for (const [sku, requested] of short) {
              shortages.push({ sku, requested, available: await availableAt(em, sku, location) });
            }
            throw new RollbackWith<ReservationResult>({ ok: false, shortages });
          }
          return { ok: true };
        });
      } catch (err) {
        if (err instanceof RollbackWith) return err.result as ReservationResult;
        throw err;
      }
    },

    /** reserved → released, then the units go back to the pool; after a commit there is nothing left to release. */
    async releaseStock({ orderId }): Promise<void> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      await fork().transactional((em) => settleReservations(em, orderId, 'released'));
    },

    /** reserved → committed, then on-hand and reserved both drop: the parcel has left the building. */
    async commitStock({ orderId }): Promise<void> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      await fork().transactional((em) => settleReservations(em, orderId, 'committed'));
    },

    /**
     * One movement per (order, return, SKU) key, and location when one is named (a return may hold one SKU shipped
     * from two locations: one call each); on-hand rises only when this call inserted it.
     */
    async restockReturn({ orderId, returnId, lines, location: named }): Promise<void> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      if (!isNonEmpty(returnId)) throw invalidInput('returnId: required');
      if (named !== undefined && !isNonEmpty(named)) throw invalidInput('location: must be a non-empty string when given');
      const returned = quantitiesBySku(lines, 'lines');
      await fork().transactional(async (em) => {
        for (const [sku, quantity] of returned) {
          // back to the unit it shipped from, else to where the order's (first) ledger row for the SKU was reserved
          const ledger =
            named === undefined
              ? await em.findOne(Reservation, { orderId, sku }, { orderBy: { id: 'asc' }, disableIdentityMap: true })
              : null;
          const location = named ?? ledger?.location ?? DEFAULT_LOCATION;
          const movement = await em
            .createQueryBuilder(StockMovement)
            .insert({
              // the single-unit workflows' key (no location) is kept, so their retries stay once
              key: movementKey(
                named === undefined ? ['restock', orderId, returnId, sku] : ['restock', orderId, returnId, `${sku}@${named}`],
              ),
              sku,
              location,
              delta: quantity,
              reason: 'return_restock',
              actor: RESTOCK_ACTOR,
              orderId,
              createdAt: new Date(),
            })
            .onConflict('key')
            .ignore()
            .execute('run');
          if (movement.affectedRows === 0) continue;
          await ensureStockRow(em, sku, location);
          await changeStock(em, { sku, location }, { onHand: quantity });
        }
      });
    },

    /**
     * One transaction per sourcing round: snapshot (free units of the SKUs everywhere, the location records), plan
     * (domain/sourcing.ts), ledger rows, then one conditional UPDATE per (SKU, location) that takes the units only if
     * they are still free. On SQLite the transaction holds the write lock from its start, so the snapshot cannot go
     * stale; on PostgreSQL a concurrent reservation can take the units between the snapshot and the UPDATE, which
     * then finds too little: the round rolls back and the next one sources from fresh availability.
     *
     * Idempotent per (orderId, firstUnit): a repeat finds the allocation's ledger rows and answers with those units
     * (as the rows now hold them; `attempts: 0`, since it sourced nothing). A refused allocation writes nothing, so a
     * repeat of it sources again from the availability of its own time: the workflow records one answer per
     * activity, and a retry that finds stock is as right as the refusal was when it was made.
     */
    async allocateStock(args: AllocationRequest): Promise<AllocationResult> {
      const { orderId, firstUnit } = args ?? {};
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      if (!isPositiveInt(firstUnit)) throw invalidInput('firstUnit: must be a positive integer');
      if (!isNonEmpty(args.channel)) throw invalidInput('channel: required');
      if (args.exclude !== undefined && !(Array.isArray(args.exclude) && args.exclude.every(isNonEmpty))) {
        throw invalidInput('exclude: must be a list of location ids');
      }
      for (const field of ['city', 'region'] as const) {
        if (args[field] !== undefined && typeof args[field] !== 'string') throw invalidInput(`${field}: must be a string`);
      }
      const wanted = quantitiesBySku(args.lines, 'lines');
      const skus = wanted.map(([sku]) => sku);
      const request: SourcingRequest = {
        lines: args.lines,
        channel: args.channel,
        city: args.city,
        region: args.region,
        exclude: args.exclude,
      };

      for (let attempt = 1; ; attempt++) {
        try {
          return await fork().transactional(async (em): Promise<AllocationResult> => {
            // A twin call for the same order (an activity retry racing its first attempt) waits here until the first
            // commits, then finds its rows; without the lock both could plan different locations and both insert.
            // SQLite's BEGIN IMMEDIATE already serialises every writer.
            if (isPostgres) {
              await em.execute('select pg_advisory_xact_lock(?, hashtext(?))', [ALLOCATION_LOCK_CLASS, orderId]);
            }
            const made = await unitsOfAllocation(em, orderId, firstUnit);
            if (made.length > 0) return { ok: true, units: made, reasons: [`allocated before: ${describeUnits(made)}`], attempts: 0 };
            const clash = await em.findOne(
              Reservation,
              { orderId, fulfillment: { $gte: firstUnit } },
              { orderBy: { fulfillment: 'asc' }, disableIdentityMap: true },
            );
            if (clash) {
              throw invalidInput(
                `firstUnit: ${firstUnit} is not past the order's units (unit ${clash.fulfillment} exists, from the allocation at unit ${clash.allocation})`,
              );
            }

            const snapshot = await sourcingSnapshot(em, skus);
            const plan = planSourcing(request, snapshot.locations, snapshot.availability, rules);
            await options.afterSnapshot?.({ orderId, attempt, plan });
            if (!plan.ok) return { ok: false, shortages: plan.shortages, reasons: plan.reasons, attempts: attempt };

            const units: AllocatedUnit[] = plan.units.map((u, i) => ({
              fulfillment: firstUnit + i,
              location: u.location,
              lines: u.lines,
            }));
            const now = new Date();
            await em
              .createQueryBuilder(Reservation)
              .insert(
                units.flatMap((u) =>
                  u.lines.map((line) => ({
                    orderId,
                    fulfillment: u.fulfillment,
                    allocation: firstUnit,
                    sku: line.sku,
                    location: u.location,
                    quantity: line.quantity,
                    state: 'reserved' as const,
                    createdAt: now,
                    updatedAt: now,
                  })),
                ),
              )
              .execute('run');
            // (SKU, location) order in every transaction that takes stock, so two allocations never deadlock
            const takes = units
              .flatMap((u) => u.lines.map((line) => ({ sku: line.sku, location: u.location, quantity: line.quantity })))
              .sort((a, b) => compareText(a.sku, b.sku) || compareText(a.location, b.location));
            const short = new Set<string>();
            for (const take of takes) {
              const taken = await changeStock(
                em,
                { sku: take.sku, location: take.location },
                { reserved: take.quantity },
                { sql: 'on_hand - reserved >= ?', params: [take.quantity] },
              );
              if (!taken) short.add(take.sku);
            }
            if (short.size > 0) throw new SourcingRace([...short]);
            return { ok: true, units, reasons: plan.reasons, attempts: attempt };
          });
        } catch (err) {
          if (!(err instanceof SourcingRace)) throw err;
          if (attempt < MAX_SOURCING_ROUNDS) continue;
          // every round lost to concurrent orders: answer with what the allowed locations hold now
          const fresh = await sourcingSnapshot(fork(), skus);
          const candidates = sourcingCandidates(request, fresh.locations, fresh.availability, rules);
          const requested = new Map(wanted);
          return {
            ok: false,
            shortages: err.skus.map((sku) => ({
              sku,
              requested: requested.get(sku) ?? 0,
              available: candidates.reduce((n, loc) => n + (fresh.availability[sku]?.[loc.id] ?? 0), 0),
            })),
            reasons: [
              `${err.skus.join(', ')} taken by concurrent orders in each of ${MAX_SOURCING_ROUNDS} sourcing rounds`,
            ],
            attempts: attempt,
          };
        }
      }
    },

    /**
     * Without `lines`: reserved → released for every row of the unit, as releaseStock does for an order. With
     * `lines`: per SKU, the unit's rows lose that many units (a row down to 0 is released) and the stock counter
     * follows, once per (key, SKU): a stock movement keyed by them (delta 0, reason `release`, what it released as
     * detail) is written in the same transaction, and a call that finds it already there changes nothing.
     */
    async releaseUnitStock({ orderId, fulfillment, key, lines }): Promise<void> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      if (!isPositiveInt(fulfillment)) throw invalidInput('fulfillment: must be a positive integer');
      if (!isNonEmpty(key)) throw invalidInput('key: required');
      if (lines === undefined) {
        await fork().transactional((em) => settleReservations(em, orderId, 'released', fulfillment));
        return;
      }
      const wanted = quantitiesBySku(lines, 'lines');
      await fork().transactional(async (em) => {
        for (const [sku, quantity] of wanted) {
          // Locked first (PostgreSQL): a twin call waits here, then finds the movement below and changes nothing.
          const rows = await em.find(
            Reservation,
            { orderId, fulfillment, sku, state: 'reserved' },
            { orderBy: { location: 'asc', id: 'asc' }, lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
          );
          let left = quantity;
          const releases: { id: number; location: string; before: number; quantity: number }[] = [];
          for (const row of rows) {
            const take = Math.min(left, row.quantity);
            if (take <= 0) break;
            releases.push({ id: row.id, location: row.location, before: row.quantity, quantity: take });
            left -= take;
          }
          const movement = await em
            .createQueryBuilder(StockMovement)
            .insert({
              key: movementKey(['release', orderId, String(fulfillment), key, sku]),
              sku,
              location: rows[0]?.location ?? DEFAULT_LOCATION,
              delta: 0,
              reason: 'release',
              actor: RELEASE_ACTOR,
              orderId,
              detail: JSON.stringify({
                fulfillment,
                requested: quantity,
                released: releases.map((r) => ({ location: r.location, quantity: r.quantity })),
              }),
              createdAt: new Date(),
            })
            .onConflict('key')
            .ignore()
            .execute('run');
          if (movement.affectedRows === 0) continue;
          for (const release of releases) {
            const after = release.before - release.quantity;
            const changed = await em
              .createQueryBuilder(Reservation)
              .update({ quantity: after, state: after === 0 ? 'released' : 'reserved', updatedAt: new Date() })
              .where({ id: release.id, state: 'reserved', quantity: release.before })
              .execute('run');
            // the row is locked (or, on SQLite, the database is): nobody can have changed it since it was read
            if (changed.affectedRows === 0) throw new Error(`ledger row ${release.id} changed under its lock`);
            await changeStock(em, { sku, location: release.location }, { reserved: -release.quantity });
          }
        }
      });
    },

    /** reserved → committed for the unit's rows, then on-hand and reserved both drop: the unit has shipped. */
    async commitUnitStock({ orderId, fulfillment }): Promise<void> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      if (!isPositiveInt(fulfillment)) throw invalidInput('fulfillment: must be a positive integer');
      await fork().transactional((em) => settleReservations(em, orderId, 'committed', fulfillment));
    },
  };
}
