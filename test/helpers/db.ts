// A fresh, throw-away database per test file, of either kind the OMS runs on. PostgreSQL databases
// are created next to TEST_PG_URL's and dropped (with force) at cleanup; SQLite ones are temp files.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MikroORM as PgMikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { ALL_ENTITIES, closeORM, initORM, type OmsORM } from '../../entities/orm';

export const DB_KINDS = ['sqlite', 'postgres'] as const;
export type DbKind = (typeof DB_KINDS)[number];

export interface TestDb {
  kind: DbKind;
  /** What DATABASE_URL would be for an API or worker process pointed at this database. */
  url: string;
  /** An ORM already initialised on it, its schema made by running the migrations. */
  orm: OmsORM;
  /** Closes the ORM and removes the database; safe to call twice. */
  cleanup(): Promise<void>;
}

/** The server (and a database on it to connect to) that test databases are created on. */
export const TEST_PG_URL = process.env.TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** Runs administrative SQL (create/drop database) on the base PostgreSQL database. */
export async function onBaseDatabase(statements: string[]): Promise<void> {
  const admin = await PgMikroORM.init({ entities: ALL_ENTITIES, driver: PostgreSqlDriver, clientUrl: TEST_PG_URL });
  try {
    for (const sql of statements) await admin.em.fork().execute(sql);
  } finally {
    await admin.close(true);
  }
}

/** URL of another database on the TEST_PG_URL server. */
export function pgUrlFor(dbName: string): string {
  const url = new URL(TEST_PG_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

export interface EmptyTestDb {
  kind: DbKind;
  /** What DATABASE_URL would be for an API or worker process pointed at this database. */
  url: string;
  /** Removes the database; close every ORM on it first. Safe to call twice. */
  cleanup(): Promise<void>;
}

/** A brand-new database of `kind` with nothing in it, not even the migrations table. */
export async function createEmptyDatabase(kind: DbKind): Promise<EmptyTestDb> {
  const suffix = randomBytes(6).toString('hex');
  let removed = false;
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `oms-test-${suffix}-`));
    return {
      kind,
      url: join(dir, 'oms.sqlite'),
      async cleanup() {
        removed = true;
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const dbName = `oms_test_${suffix}`;
  await onBaseDatabase([`create database "${dbName}"`]);
  return {
    kind,
    url: pgUrlFor(dbName),
    async cleanup() {
      if (removed) return;
      removed = true;
      await onBaseDatabase([`drop database if exists "${dbName}" with (force)`]);
    },
  };
}

/** Gives a test its own database of `kind`, its schema made by running the migrations. */
export async function createTestDb(kind: DbKind, options: { debug?: boolean } = {}): Promise<TestDb> {
  const empty = await createEmptyDatabase(kind);
  let orm: OmsORM;
  try {
    orm = await initORM({ databaseUrl: empty.url, debug: options.debug, migrate: true });
  } catch (err) {
    await empty.cleanup();
    throw err;
  }
  let closed = false;
  return {
    kind,
    url: empty.url,
    orm,
    async cleanup() {
      if (!closed) await closeORM(orm);
      closed = true;
      await empty.cleanup();
    },
  };
}

/** The project root, for scripts run in child processes. */
export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Runs an ES-module script (top-level await allowed; import project files by absolute path, e.g.
 * `await import(PROJECT_ROOT + 'entities/orm.ts')`) in a separate Node process through tsx, for
 * tests that need a second process on the same database. Resolves with its stdout.
 */
export function runScriptInChildProcess(
  script: string,
  env: Record<string, string> = {},
  timeoutMs = 90_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--no-warnings', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`child process failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
