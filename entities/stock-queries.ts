// Stock-row statements shared by the store (operator changes) and the inventory activities
// (reservations). Every counter change is one conditional UPDATE, so the database, not the
// application, decides whether it may happen — whatever process or connection runs it.
import { raw, type SqlEntityManager } from '@mikro-orm/sql';
import type { InventoryView } from '../contract/store';
import { Stock } from './catalog';
import { StockOutbox } from './stock-feed';

/** Creates the (sku, location) row with zero stock if it is missing; never touches an existing one. */
export async function ensureStockRow(em: SqlEntityManager, sku: string, location: string): Promise<void> {
  await em
    .createQueryBuilder(Stock)
    .insert({ sku, location, onHand: 0, reserved: 0, version: 1, updatedAt: new Date() })
    .onConflict(['sku', 'location'])
    .ignore()
    .execute('run');
}

/**
 * Adds `deltas` to the counters of one row, only when `guard` (raw SQL over the row's columns) holds.
 * Returns whether the row changed; `false` means the guard refused (or the row does not exist).
 */
export async function changeStock(
  em: SqlEntityManager,
  where: { sku: string; location: string },
  deltas: { onHand?: number; reserved?: number },
  guard?: { sql: string; params: unknown[] },
): Promise<boolean> {
  const onHand = deltas.onHand ?? 0;
  const reserved = deltas.reserved ?? 0;
  const qb = em
    .createQueryBuilder(Stock)
    .update({
      onHand: raw('on_hand + ?', [onHand]),
      reserved: raw('reserved + ?', [reserved]),
      version: raw('version + 1'),
      updatedAt: new Date(),
    })
    .where({ sku: where.sku, location: where.location });
  if (guard) qb.andWhere(guard.sql, guard.params);
  const res = await qb.execute('run');
  if (res.affectedRows === 0) return false;
  await noteStockChange(em, where.sku);
  return true;
}

/**
 * Marks the SKU's available stock as changed for the channels' stock feed, in the caller's transaction: the change
 * and its note commit together or not at all (the outbox).
 */
export async function noteStockChange(em: SqlEntityManager, sku: string): Promise<void> {
  await em
    .createQueryBuilder(StockOutbox)
    .insert({ sku, version: 1, changedAt: new Date() })
    .onConflict(['sku'])
    .merge({ version: raw('stock_outbox.version + 1'), changedAt: new Date() })
    .execute('run');
}

/** Totals over every location plus the per-location breakdown; null when the SKU has no stock row. */
export async function readInventory(em: SqlEntityManager, sku: string): Promise<InventoryView | null> {
  const rows = await em.find(Stock, { sku }, { orderBy: { location: 'asc' }, disableIdentityMap: true });
  if (rows.length === 0) return null;
  // A row counted below its reservations (possible only in data from before the guard) has nothing available,
  // never a negative amount; the total is what the locations can actually give.
  const locations = rows.map((r) => ({
    location: r.location,
    onHand: r.onHand,
    reserved: r.reserved,
    available: Math.max(0, r.onHand - r.reserved),
  }));
  const onHand = locations.reduce((s, l) => s + l.onHand, 0);
  const reserved = locations.reduce((s, l) => s + l.reserved, 0);
  const available = locations.reduce((s, l) => s + l.available, 0);
  return { sku, onHand, reserved, available, locations };
}

/** Units free to reserve at one location (0 when the row is missing). */
export async function availableAt(em: SqlEntityManager, sku: string, location: string): Promise<number> {
  const row = await em.findOne(Stock, { sku, location }, { disableIdentityMap: true });
  return row ? Math.max(0, row.onHand - row.reserved) : 0;
}

/** Decimal columns come back as '149.90' from PostgreSQL but 149.9 from SQLite: always two decimals out. */
export function formatDecimal(value: string | number): string {
  // PostgreSQL's exact text is kept as it is (no trip through a double); SQLite's number is exact to 2 decimals
  // up to MAX_MONEY (15 significant digits)
  const exact = typeof value === 'string' ? /^(\d+)(?:\.(\d{1,2}))?$/.exec(value) : null;
  if (exact) return `${exact[1]}.${(exact[2] ?? '').padEnd(2, '0')}`;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new RangeError(`not a decimal: ${String(value)}`);
  return n.toFixed(2);
}
