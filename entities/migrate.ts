// Schema changes are committed migrations (entities/migrations/<database>/), applied by `npm run migrate` (the
// release step) and by `npm start`; the API and worker processes only check that none is pending. SQLite and
// PostgreSQL have a folder each because their DDL differs; both are listed here in order, not discovered from
// the file system, so the same list works under tsx, jest and a compiled build.
//
// Databases created before migrations existed (by `schema.update({ safe: true })` at every start) hold the
// baseline's tables and no migration record: migrate() records the baseline as applied instead of running it,
// then applies the later ones.
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { OmsORM } from './orm';
import { Migration20261202000000Baseline as PgBaseline } from './migrations/postgresql/Migration20261202000000_baseline';
import { Migration20261202000000Baseline as SqliteBaseline } from './migrations/sqlite/Migration20261202000000_baseline';
import { Migration20261202010000V1Hardening as PgV1Hardening } from './migrations/postgresql/Migration20261202010000_v1_hardening';
import { Migration20261202010000V1Hardening as SqliteV1Hardening } from './migrations/sqlite/Migration20261202010000_v1_hardening';
import { Migration20261202020000FulfillmentUnits as PgFulfillmentUnits } from './migrations/postgresql/Migration20261202020000_fulfillment_units';
import { Migration20261202020000FulfillmentUnits as SqliteFulfillmentUnits } from './migrations/sqlite/Migration20261202020000_fulfillment_units';
import { Migration20261202030000StockFeed as PgStockFeed } from './migrations/postgresql/Migration20261202030000_stock_feed';
import { Migration20261202030000StockFeed as SqliteStockFeed } from './migrations/sqlite/Migration20261202030000_stock_feed';
import { Migration20261202040000CarrierTracking as PgCarrierTracking } from './migrations/postgresql/Migration20261202040000_carrier_tracking';
import { Migration20261202040000CarrierTracking as SqliteCarrierTracking } from './migrations/sqlite/Migration20261202040000_carrier_tracking';
import { Migration20261202050000ChannelPullState as PgChannelPullState } from './migrations/postgresql/Migration20261202050000_channel_pull_state';
import { Migration20261202050000ChannelPullState as SqliteChannelPullState } from './migrations/sqlite/Migration20261202050000_channel_pull_state';
import { Migration20261202060000ChannelPackage as PgChannelPackage } from './migrations/postgresql/Migration20261202060000_channel_package';
import { Migration20261202060000ChannelPackage as SqliteChannelPackage } from './migrations/sqlite/Migration20261202060000_channel_package';
import { Migration20261203000000ConsoleSearch as PgConsoleSearch } from './migrations/postgresql/Migration20261203000000_console_search';
import { Migration20261203000000ConsoleSearch as SqliteConsoleSearch } from './migrations/sqlite/Migration20261203000000_console_search';
import { Migration20261203010000ChildrenDigest as PgChildrenDigest } from './migrations/postgresql/Migration20261203010000_children_digest';
import { Migration20261203010000ChildrenDigest as SqliteChildrenDigest } from './migrations/sqlite/Migration20261203010000_children_digest';

type MigrationClass = new (...args: ConstructorParameters<typeof Migration>) => Migration;

/** Every migration of each database, oldest first; a new one is appended to both lists. */
export const MIGRATIONS: Record<'sqlite' | 'postgresql', { name: string; class: MigrationClass }[]> = {
  sqlite: [
    { name: 'Migration20261202000000_baseline', class: SqliteBaseline },
    { name: 'Migration20261202010000_v1_hardening', class: SqliteV1Hardening },
    { name: 'Migration20261202020000_fulfillment_units', class: SqliteFulfillmentUnits },
    { name: 'Migration20261202030000_stock_feed', class: SqliteStockFeed },
    { name: 'Migration20261202040000_carrier_tracking', class: SqliteCarrierTracking },
    { name: 'Migration20261202050000_channel_pull_state', class: SqliteChannelPullState },
    { name: 'Migration20261202060000_channel_package', class: SqliteChannelPackage },
    { name: 'Migration20261203000000_console_search', class: SqliteConsoleSearch },
    { name: 'Migration20261203010000_children_digest', class: SqliteChildrenDigest },
  ],
  postgresql: [
    { name: 'Migration20261202000000_baseline', class: PgBaseline },
    { name: 'Migration20261202010000_v1_hardening', class: PgV1Hardening },
    { name: 'Migration20261202020000_fulfillment_units', class: PgFulfillmentUnits },
    { name: 'Migration20261202030000_stock_feed', class: PgStockFeed },
    { name: 'Migration20261202040000_carrier_tracking', class: PgCarrierTracking },
    { name: 'Migration20261202050000_channel_pull_state', class: PgChannelPullState },
    { name: 'Migration20261202060000_channel_package', class: PgChannelPackage },
    { name: 'Migration20261203000000_console_search', class: PgConsoleSearch },
    { name: 'Migration20261203010000_children_digest', class: PgChildrenDigest },
  ],
};

/** The first migration: the version-1 schema that safe-update databases already hold. */
export const BASELINE_MIGRATION = 'Migration20261202000000_baseline';
/** The tables of the version-1 schema; a database holding all of them (and no migration record) is baselined. */
const BASELINE_TABLES = [
  'product',
  'stock',
  'reservation',
  'stock_movement',
  'orders',
  'order_line',
  'shipment',
  'order_return',
  'order_timeline',
  'callback_log',
];
/** Any fixed number: the PostgreSQL advisory lock that serialises migration runs across processes. */
const MIGRATION_LOCK_KEY = 7_261_001;

/** The ORM config's `migrations` and `extensions` for a database kind. */
export function migrationConfig(kind: 'sqlite' | 'postgresql') {
  return {
    extensions: [Migrator],
    migrations: {
      migrationsList: MIGRATIONS[kind],
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
}

/** Thrown when the database's schema is not what this code needs (pending migrations, a half-made schema). */
export class SchemaVersionError extends Error {
  override name = 'SchemaVersionError';
}

function kindOf(orm: OmsORM): 'sqlite' | 'postgresql' {
  return orm.em.getDriver() instanceof PostgreSqlDriver ? 'postgresql' : 'sqlite';
}

/**
 * A migrator with its migrations table created if needed (two processes racing to create it: the loser retries
 * and finds it). A new one per call: it caches what it found, and the database may have changed since.
 */
async function initMigrator(orm: OmsORM): Promise<Migrator> {
  const migrator = new Migrator(orm.em);
  for (let attempt = 1; ; attempt++) {
    try {
      await migrator.getExecuted();
      return migrator;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

/**
 * Applies every pending migration, all in one transaction that holds the database's write lock (an advisory
 * lock on PostgreSQL, BEGIN IMMEDIATE on SQLite), so processes starting together apply each migration once.
 * Returns the names of the migrations it applied (the baseline included when it only recorded it).
 */
export async function migrate(orm: OmsORM): Promise<string[]> {
  const migrator = await initMigrator(orm);
  const kind = kindOf(orm);
  // taken after the initialisation, which may replace it
  const storage = migrator.getStorage();
  const helper = orm.em.getPlatform().getSchemaHelper();
  return orm.em.fork().transactional(async (tx) => {
    if (kind === 'postgresql') await tx.execute(`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const ctx = tx.getTransactionContext();
    const applied: string[] = [];
    storage.setMasterMigration(ctx);
    try {
      if ((await storage.executed()).length === 0) {
        const present: string[] = [];
        for (const table of BASELINE_TABLES) {
          if (await helper!.tableExists(tx.getConnection(), table, undefined, ctx)) present.push(table);
        }
        if (present.length === BASELINE_TABLES.length) {
          await storage.logMigration({ name: BASELINE_MIGRATION });
          applied.push(BASELINE_MIGRATION);
        } else if (present.length > 0) {
          throw new SchemaVersionError(
            `the database holds some of the version-1 tables (${present.join(', ')}) but not all and no migration ` +
              'record: it was not made by this application, or its creation was cut short; fix it by hand',
          );
        }
      }
    } finally {
      storage.unsetMasterMigration();
    }
    const ran = await migrator.up({ transaction: ctx });
    return [...applied, ...ran.map((m) => m.name)];
  });
}

/** Names of the migrations not yet applied (a database from before migrations counts as missing them all). */
export async function pendingMigrations(orm: OmsORM): Promise<string[]> {
  const helper = orm.em.getPlatform().getSchemaHelper();
  // a check must not write: without the migrations table, every migration is pending
  if (!(await helper!.tableExists(orm.em.getConnection(), 'mikro_orm_migrations', undefined))) {
    return MIGRATIONS[kindOf(orm)].map((m) => m.name);
  }
  return (await new Migrator(orm.em).getPending()).map((m) => m.name);
}
