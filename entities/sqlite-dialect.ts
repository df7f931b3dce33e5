// Kysely dialect for node:sqlite, as MikroORM's NodeSqliteDialect, plus what two processes sharing one
// SQLite file need: a busy timeout (wait for the other writer instead of failing with SQLITE_BUSY), WAL
// (readers never block the writer) and `BEGIN IMMEDIATE` (a transaction takes the write lock up front, so
// a read-then-write transaction can never hit SQLITE_BUSY_SNAPSHOT half way, which the busy timeout
// cannot retry). Within one process Kysely already serialises everything on the single connection.
import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
} from 'kysely';

export interface OmsSqliteOptions {
  /** Milliseconds to wait for another process's write lock before giving up. */
  busyTimeoutMs: number;
  /**
   * `full` (SQLite's default): every commit is flushed to disk before it returns, so it survives a power loss. `normal`
   * (WAL only): flushed at checkpoints; a commit survives any crash of the process but may roll back after an OS crash
   * or a power loss, while Temporal may remember the step that wrote it. node:sqlite runs on the event loop's thread,
   * so each flush (about 0.7 ms here) holds up everything else the process does.
   */
  synchronous?: 'full' | 'normal' | undefined;
}

function openDatabase(path: string, options: OmsSqliteOptions): SqliteDatabase {
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
  const db = new DatabaseSync(path, { timeout: options.busyTimeoutMs });
  if (path !== ':memory:') {
    db.exec('pragma journal_mode = wal');
    db.exec(`pragma synchronous = ${options.synchronous === 'normal' ? 'normal' : 'full'}`);
  }
  return {
    prepare(sql: string) {
      const stmt = db.prepare(sql);
      return {
        reader: /^\s*(select|pragma|explain|with)/i.test(sql) || /\breturning\b/i.test(sql),
        all: (params: ReadonlyArray<unknown>) => stmt.all(...(params as never[])),
        run: (params: ReadonlyArray<unknown>) => {
          const { changes, lastInsertRowid } = stmt.run(...(params as never[]));
          return { changes, lastInsertRowid };
        },
        iterate: (params: ReadonlyArray<unknown>) => stmt.iterate(...(params as never[])) as IterableIterator<unknown>,
      };
    },
    close() {
      db.close();
    },
  };
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** node:sqlite dialect with busy timeout, WAL and BEGIN IMMEDIATE, for SQLite files shared by API and worker. */
export class OmsSqliteDialect extends SqliteDialect {
  readonly #path: string;
  readonly #options: OmsSqliteOptions;

  constructor(path: string, options: OmsSqliteOptions) {
    super({ database: async () => openDatabase(path, options) });
    this.#path = path;
    this.#options = options;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: async () => openDatabase(this.#path, this.#options) });
  }
}
