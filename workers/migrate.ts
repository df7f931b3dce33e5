// `npm run migrate`: the release step. Applies the pending migrations to DATABASE_URL (default: the SQLite file
// `npm start` uses), recording the baseline for a database created before migrations existed, then exits.
import { closeORM, initORM } from '../entities/orm';
import { pendingMigrations } from '../entities/migrate';
import { DEFAULT_DATABASE_URL } from '../workers/config';

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL?.trim() || DEFAULT_DATABASE_URL;
  const orm = await initORM({ databaseUrl, migrate: true });
  try {
    const left = await pendingMigrations(orm);
    if (left.length > 0) throw new Error(`still pending after migrating: ${left.join(', ')}`);
    const latest = (await orm.migrator.getExecuted()).at(-1);
    console.log(
      `Database ${databaseUrl.replace(/\/\/[^@/]*@/, '//***@')} is up to date: ${latest?.name ?? 'no migrations'} ` +
        `(applied ${latest?.executed_at.toISOString() ?? '-'}).`,
    );
  } finally {
    await closeORM(orm);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
