// The PostgreSQL pool under MikroORM 7.2.1 (pg-pool through Kysely 0.29), made to survive its server restarting.
//
// Kysely's controlled transactions (what MikroORM's em.transactional runs on) give their connection back only
// after a begin, commit or rollback that succeeded: ControlledTransaction.rollback() runs `rollback`, then
// `connection.release()`, with no try/finally. When PostgreSQL goes away mid-transaction (stopped in immediate mode,
// a failover, a killed backend) the transaction's query fails, its rollback fails on the dead connection, and the
// client is never released: pg-pool counts it as checked out for the life of the process. Every transaction in
// flight at the crash held one of the pool's 10 slots for good; with all 10 gone every later query waited for a slot
// that never came (chaos postgres-restart, 2026-12-04: after the restart 0 of 20 orders went on for 10 minutes, and
// closing the pool hung on the leaked clients).
//
// The guard hands a checked-out client back to the pool, as broken (so the pool destroys it and opens a fresh one
// when asked), as soon as its connection ends or fails; its holder's own release later is then a no-op. And nobody
// waits for a slot forever: past PG_CONNECT_TIMEOUT_MS the wait fails like any other database error (the API
// answers 503, an activity retries).

/** How long a query may wait for a pool connection (pg's connectionTimeoutMillis; pg's default is forever). */
export const PG_CONNECT_TIMEOUT_MS = 30_000;

type Release = (err?: Error | boolean) => void;

/** The part of pg's PoolClient the guard uses. */
interface GuardedClient {
  release: Release;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'end' | 'error', listener: (...args: never[]) => void): unknown;
}

type ConnectCallback = (err: Error | undefined, client: GuardedClient | undefined, done: Release) => void;

/** The part of pg's Pool the guard uses: connect() with a callback, or returning a promise (as Kysely calls it). */
export interface GuardablePool {
  connect(callback: ConnectCallback): void;
}

function guard(client: GuardedClient): void {
  const release = client.release;
  let checkedOut = true;
  const onEnd = () => giveBack(new Error('the PostgreSQL connection ended while checked out'));
  const onError = (err: Error) => giveBack(err);
  function giveBack(err?: Error | boolean): void {
    if (!checkedOut) return;
    checkedOut = false;
    client.removeListener('end', onEnd);
    client.removeListener('error', onError);
    release(err);
  }
  client.on('end', onEnd);
  client.on('error', onError);
  client.release = giveBack;
}

/** Wraps `pool.connect` so that every client it hands out is guarded (see above). */
export function guardCheckedOutClients(pool: GuardablePool): void {
  const connect = pool.connect.bind(pool);
  const guarded = (callback?: ConnectCallback): void | Promise<GuardedClient> => {
    if (callback) {
      connect((err, client, done) => {
        if (!client) return callback(err, client, done);
        guard(client);
        callback(err, client, client.release);
      });
      return;
    }
    return new Promise<GuardedClient>((resolve, reject) =>
      connect((err, client) => {
        if (err || !client) return reject(err ?? new Error('pg-pool handed out no client'));
        guard(client);
        resolve(client);
      }),
    );
  };
  (pool as { connect: unknown }).connect = guarded;
}

/** MikroORM's driverOptions for PostgreSQL: the pool's wait bounded, and its clients guarded once it exists. */
export function pgDriverOptions(): { connectionTimeoutMillis: number; onPoolCreated: (pool: GuardablePool) => void } {
  return { connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS, onPoolCreated: guardCheckedOutClients };
}
