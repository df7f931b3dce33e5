// Which database errors mean "the database cannot serve us right now" (answer 503, the client retries) rather than
// "this request hit a bug" (answer 500). Decided by class, SQLSTATE, errno and SQLite result code wherever the
// driver gives one; only pg's few code-less connection errors are recognised by their fixed wording.
import { ConnectionException, DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';

// Node socket errors: the server is not there or the connection broke.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) outside class 08.
const PG_TRANSIENT_STATES = new Set([
  '57P01', // admin_shutdown: backend terminated (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the database system is starting up / shutting down / not yet accepting connections
  '53300', // too_many_connections
  '40001', // serialization_failure: retrying the same request succeeds
  '40P01', // deadlock_detected: likewise
]);

// SQLite primary result codes (https://www.sqlite.org/rescode.html); extended codes carry them in the low byte.
const SQLITE_TRANSIENT_CODES = new Set([
  5, // SQLITE_BUSY: another connection holds the write lock ("database is locked")
  6, // SQLITE_LOCKED
  10, // SQLITE_IOERR
  14, // SQLITE_CANTOPEN
]);

// pg raises these as plain Errors without a code when a socket dies or the pool cannot connect in time.
const PG_CODELESS_CONNECTION_MESSAGES = [
  /^Connection terminated unexpectedly$/,
  /^Connection terminated due to connection timeout$/,
  /^Connection terminated$/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
];

function isTransient(err: object): boolean {
  if (err instanceof ConnectionException || err instanceof LockWaitTimeoutException || err instanceof DeadlockException)
    return true;
  const { code, errno, errcode, severity } = err as {
    code?: unknown;
    errno?: unknown;
    errcode?: unknown;
    severity?: unknown;
  };
  if (typeof code === 'string') {
    if (SOCKET_CODES.has(code)) return true;
    // Class 08 is "connection exception"; a FATAL/PANIC report means the server ended the session (e.g. 55000
    // "database … is not currently accepting connections", 57P03 "the database system is starting up").
    if (/^08[0-9A-Z]{3}$/.test(code) || PG_TRANSIENT_STATES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && (severity === 'FATAL' || severity === 'PANIC')) return true;
  }
  // node:sqlite reports the result code as `errcode` (its `code` is the generic ERR_SQLITE_ERROR).
  if (typeof errcode === 'number' && SQLITE_TRANSIENT_CODES.has(errcode & 0xff)) return true;
  if (typeof errno === 'string' && SOCKET_CODES.has(errno)) return true;
  const { message } = err as { message?: unknown };
  if (code === undefined && typeof message === 'string') {
    return PG_CODELESS_CONNECTION_MESSAGES.some((pattern) => pattern.test(message));
  }
  return false;
}

/** True when `err` (or an error it wraps) says the database is unreachable, restarting, or busy for a moment. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  // AggregateError (node's dual-stack connect) and `cause` chains wrap the socket error.
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if (isTransient(current)) return true;
    if (current instanceof AggregateError && current.errors.some((e) => isDatabaseUnavailable(e))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
