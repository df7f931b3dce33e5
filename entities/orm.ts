// ORM start-up for the API and the worker. One URL picks the database: postgres(ql):// → PostgreSQL,
// anything else → a SQLite file (node:sqlite).
//
// The schema comes from committed migrations (entities/migrate.ts): `initORM({ migrate: true })` applies the
// pending ones (`npm run migrate`, `npm start`, the tests' databases); without it the process refuses to start
// while any is pending, so an API or worker never runs against a schema older than its code, and no process
// diffs the schema at start-up.
import { mkdirSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MikroORM } from '@mikro-orm/core';
import { SqliteDriver, type AbstractSqlDriver, type SqlEntityManager, MikroORM as SqlMikroORM } from '@mikro-orm/sql';
import { MikroORM as PgMikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Location, Product, Reservation, Stock, StockMovement } from './catalog';
import { CarrierShipment, CarrierTrackingState } from './carrier-tracking';
import { ChannelStock, StockFeedAccount, StockOutbox } from './stock-feed';
import { ChannelPullState } from './channel-pull-state';
import { ChannelPackage } from './channel-package';
import { CallbackLog, OrderLineRecord, OrderLocationRecord, OrderRecord, ReturnRecord, ShipmentRecord, TimelineRecord } from './read-model';
import { SchemaVersionError, migrate, migrationConfig, pendingMigrations } from './migrate';
import { OmsSqliteDialect } from './sqlite-dialect';
import { pgDriverOptions } from './pg-pool';
import { StoreInputError } from './store';

/** Every entity in one list, so the ORM and the schema generator never miss a table. */
export const ALL_ENTITIES = [
  Product,
  Location,
  Stock,
  Reservation,
  StockMovement,
  OrderRecord,
  OrderLineRecord,
  OrderLocationRecord,
  ShipmentRecord,
  ReturnRecord,
  TimelineRecord,
  CallbackLog,
  StockOutbox,
  ChannelStock,
  StockFeedAccount,
  CarrierShipment,
  CarrierTrackingState,
  ChannelPullState,
  ChannelPackage,
];

/** The ORM as the rest of the code sees it: SQL driver, SQL entity manager (query builder, execute). */
export type OmsORM = MikroORM<AbstractSqlDriver, SqlEntityManager>;

export interface InitOrmOptions {
  /** `postgresql://…` / `postgres://…`, a SQLite path, `sqlite:<path>` or `:memory:`; default `.data/oms.sqlite`. */
  databaseUrl?: string | undefined;
  debug?: boolean | undefined;
  /** Apply pending migrations (release step, `npm start`, tests); otherwise refuse to start while any is pending. */
  migrate?: boolean | undefined;
  /** SQLite only: `full` (default) or `normal` (see OmsSqliteOptions.synchronous). */
  sqliteSynchronous?: 'full' | 'normal' | undefined;
}

/** The project root (this file lives in `<root>/entities/`), for the default database file. */
const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SQLITE_PATH = resolve(PROJECT_ROOT, '.data', 'oms.sqlite');

/** How long a SQLite connection waits for the other process's write lock. */
const SQLITE_BUSY_TIMEOUT_MS = 15_000;

type Target = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** Parses DATABASE_URL-style input into a database kind and its address. */
export function parseDatabaseUrl(databaseUrl: string | undefined): Target {
  const url = databaseUrl?.trim();
  if (!url) return { kind: 'sqlite', path: DEFAULT_SQLITE_PATH };
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  let path = url;
  if (/^sqlite:/i.test(path)) {
    path = path.slice('sqlite:'.length);
    // sqlite:///abs/path and sqlite://rel/path → the path after the slashes
    if (path.startsWith('//')) path = path.slice(2);
  }
  if (path === '') throw new Error(`DATABASE_URL '${url}' names no SQLite file`);
  if (path === ':memory:') return { kind: 'sqlite', path };
  return { kind: 'sqlite', path: isAbsolute(path) ? path : resolve(process.cwd(), path) };
}

/**
 * SQLite files already open in this process. node:sqlite waits for a busy lock synchronously, so two
 * connections of one process to one file would block each other's thread: the process shares one ORM
 * per file instead (reference-counted by closeORM). PostgreSQL gets a new pool per call.
 */
const openSqliteFiles = new Map<string, { orm: Promise<OmsORM>; resolved?: OmsORM; refs: number }>();

/**
 * Connects and applies (`migrate: true`) or checks the migrations; call it once per process and share the result
 * (fork the EntityManager per unit of work). A second call for an already open SQLite file returns the same ORM.
 */
export async function initORM(options: InitOrmOptions = {}): Promise<OmsORM> {
  const target = parseDatabaseUrl(options.databaseUrl);
  if (target.kind === 'postgres' || target.path === ':memory:') return openORM(target, options);
  let open = openSqliteFiles.get(target.path);
  // closed behind our back with orm.close() instead of closeORM: start afresh
  if (open?.resolved && !(await open.resolved.isConnected())) {
    openSqliteFiles.delete(target.path);
    open = undefined;
  }
  if (open) {
    open.refs += 1;
    return open.orm;
  }
  const entry: { orm: Promise<OmsORM>; resolved?: OmsORM; refs: number } = { orm: openORM(target, options), refs: 1 };
  openSqliteFiles.set(target.path, entry);
  try {
    entry.resolved = await entry.orm;
    return entry.resolved;
  } catch (err) {
    openSqliteFiles.delete(target.path);
    throw err;
  }
}

/** True for a string (or a list holding one) with a NUL: neither database can take it (see refuseNul). */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  return Array.isArray(value) && value.some(holdsNul);
}

/**
 * D6: MikroORM 7.2.1 inlines every value into the SQL text on every driver (AbstractSqlConnection.execute sends
 * `CompiledQuery.raw(platform.formatQuery(sql, params))` and binds nothing; no option changes that, see
 * mikro-orm/mikro-orm#8001). Its escaping is sound, but a NUL cuts the text: node:sqlite's prepare() stops at it
 * (a syntax error), pg's protocol refuses it ("invalid message format"). Bound instead, it would fare no better:
 * PostgreSQL text cannot hold a NUL, and node:sqlite stores it but reads the text back cut at it. So a value
 * holding one is refused before any SQL is sent, with an error the API answers as 400 naming the problem.
 * (Values given as JSON are escaped by JSON.stringify and never reach the text raw.)
 */
function refuseNul(sql: string, params: readonly unknown[]): string {
  if (params.some(holdsNul)) {
    throw new StoreInputError('a text value contains a NUL character (U+0000), which the database cannot store');
  }
  return sql;
}

async function openORM(target: Target, options: InitOrmOptions): Promise<OmsORM> {
  const common = {
    entities: ALL_ENTITIES,
    debug: options.debug ?? false,
    allowGlobalContext: false,
    onQuery: refuseNul,
  };
  let orm: OmsORM;
  if (target.kind === 'postgres') {
    orm = (await PgMikroORM.init({
      ...common,
      ...migrationConfig('postgresql'),
      driver: PostgreSqlDriver,
      clientUrl: target.url,
      // A server restart must not leak the pool's connections (see pg-pool.ts).
      driverOptions: pgDriverOptions(),
    })) as unknown as OmsORM;
  } else {
    if (target.path !== ':memory:') mkdirSync(dirname(target.path), { recursive: true });
    orm = (await SqlMikroORM.init({
      ...common,
      ...migrationConfig('sqlite'),
      driver: SqliteDriver,
      dbName: target.path,
      driverOptions: new OmsSqliteDialect(target.path, { busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS, synchronous: options.sqliteSynchronous }),
    })) as unknown as OmsORM;
  }
  try {
    if (options.migrate) {
      await migrate(orm);
    } else {
      const pending = await pendingMigrations(orm);
      if (pending.length > 0) {
        throw new SchemaVersionError(
          `the database schema is behind this code (pending migrations: ${pending.join(', ')}); run \`npm run migrate\``,
        );
      }
    }
  } catch (err) {
    await orm.close(true);
    throw err;
  }
  return orm;
}

/** Closes the pool / SQLite handle (a shared SQLite ORM once its last user closes); the process cannot exit while it is open. */
export async function closeORM(orm: MikroORM): Promise<void> {
  for (const [path, entry] of openSqliteFiles) {
    if (entry.resolved !== orm) continue;
    entry.refs -= 1;
    if (entry.refs > 0) return;
    openSqliteFiles.delete(path);
    break;
  }
  await orm.close(true);
}
