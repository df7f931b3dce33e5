// Inventory activities: validation against the catalog and the stock ledger. Each one is a single
// database transaction whose effect is keyed by the order (ledger row per order and SKU, movement
// key per return and SKU), so Temporal retries, replays and duplicate calls never double a unit.
import { ApplicationFailure } from '@temporalio/common';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { InventoryActivities } from '../contract/activities';
import type { OrderInput, ReservationResult, StockLine, ValidationResult } from '../contract/types';
import { FailureType } from '../contract/workflow';
import { isMoney, toMinor } from '../domain/money';
import { DEFAULT_LOCATION, Product, Reservation, StockMovement, type ReservationState } from '../entities/catalog';
import type { OmsORM } from '../entities/orm';
import { availableAt, changeStock, ensureStockRow, formatDecimal } from '../entities/stock-queries';

/** Who restocks returned units, as recorded on the stock movement. */
const RESTOCK_ACTOR = 'system:returns';

type Shortages = Extract<ReservationResult, { ok: false }>['shortages'];

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
 * Moves every `reserved` ledger row of the order to `to`, one conditional UPDATE per row, and applies
 * the counter change only for rows this call flipped — a repeat (or a racing twin) flips nothing.
 */
async function settleReservations(
  em: SqlEntityManager,
  orderId: string,
  to: Exclude<ReservationState, 'reserved'>,
): Promise<void> {
  const rows = await em.find(
    Reservation,
    { orderId, state: 'reserved' },
    { orderBy: { sku: 'asc' }, disableIdentityMap: true },
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

export interface InventoryOptions {
  /** Channels that set their own prices: a line below the catalog price is reported, not refused. */
  ownPriceChannels?: readonly string[] | undefined;
}

/** Builds the inventory activities; `orm` is the worker's shared ORM, forked per call. */
export function createInventoryActivities(orm: OmsORM, options: InventoryOptions = {}): InventoryActivities {
  const ownPriceChannels = new Set(options.ownPriceChannels ?? []);
  const fork = (): SqlEntityManager => orm.em.fork();

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
     * All lines or none, in one transaction: the ledger rows go in first (so a second call for the same
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
                sku,
                location,
                quantity,
                state: 'reserved' as const,
                createdAt: now,
                updatedAt: now,
              })),
            )
            .onConflict(['orderId', 'sku'])
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

    /** One movement per (order, return, SKU) key; on-hand rises only when this call inserted it. */
    async restockReturn({ orderId, returnId, lines }): Promise<void> {
      if (!isNonEmpty(orderId)) throw invalidInput('orderId: required');
      if (!isNonEmpty(returnId)) throw invalidInput('returnId: required');
      const returned = quantitiesBySku(lines, 'lines');
      await fork().transactional(async (em) => {
        for (const [sku, quantity] of returned) {
          // back to where it was reserved from
          const ledger = await em.findOne(Reservation, { orderId, sku }, { disableIdentityMap: true });
          const location = ledger?.location ?? DEFAULT_LOCATION;
          const movement = await em
            .createQueryBuilder(StockMovement)
            .insert({
              key: `restock:${orderId}:${returnId}:${sku}`,
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
  };
}
