// The PostgreSQL pool when its connections die mid-transaction, as a server restart does to every transaction in
// flight: each gives its pool slot back, and the pool goes on answering (entities/pg-pool.ts). Before the guard,
// Kysely never released a client whose rollback failed, so ten such transactions took the whole pool for good.
import { createTestDb, onBaseDatabase, type TestDb } from '../helpers/db';

interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

const within = <T>(ms: number, what: string, work: Promise<T>): Promise<T> =>
  Promise.race([work, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms).unref())]);

describe('PostgreSQL pool after its connections die mid-transaction', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb('postgres');
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  test('ten transactions whose backends are terminated all fail, give their ten slots back, and the pool answers twenty queries after', async () => {
    const orm = db.orm;
    const pids: number[] = [];
    let allIn!: () => void;
    const arrived = new Promise<void>((resolve) => (allIn = resolve));
    let go!: () => void;
    const proceed = new Promise<void>((resolve) => (go = resolve));
    // The pool's ten connections (pg's default), each inside a transaction when its server process goes away.
    const transactions = Array.from({ length: 10 }, () =>
      orm.em.fork().transactional(async (em) => {
        const [row] = await em.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
        pids.push(Number(row!.pid));
        if (pids.length === 10) allIn();
        await proceed;
        await em.execute('select 1');
      }),
    );
    await within(10_000, 'ten transactions open at once', arrived);
    await onBaseDatabase([`select pg_terminate_backend(pid) from pg_stat_activity where pid in (${pids.join(', ')})`]);
    go();
    const outcomes = await within(10_000, 'the transactions failing', Promise.allSettled(transactions));
    expect(outcomes.map((o) => o.status)).toEqual(Array(10).fill('rejected'));
    for (const o of outcomes) {
      expect(String((o as PromiseRejectedResult).reason)).toMatch(/terminat|not queryable|ended/i);
    }

    const pool = (await orm.em.getConnection().getNativeClient()) as PoolCounts;
    expect({ checkedOut: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }).toEqual({ checkedOut: 0, waiting: 0 });
    const answers = await within(
      10_000,
      'twenty queries after the crash',
      Promise.all(Array.from({ length: 20 }, () => orm.em.fork().execute<{ one: number }[]>('select 1 as one'))),
    );
    expect(answers.map((rows) => Number(rows[0]!.one))).toEqual(Array(20).fill(1));
  });
});
