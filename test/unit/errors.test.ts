// errorMiddleware over real HTTP: express's own JSON body parser in front, and routes that throw the errors the
// store, the ORM and the drivers really raise (MikroORM's exception classes wrapping driver errors of pg's shape,
// and a real node:sqlite "database is locked").
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverException, LockWaitTimeoutException, UniqueConstraintViolationException } from '@mikro-orm/core';
import express from 'express';
import { errorMiddleware, type Logger } from '../../api/errors';
import { StoreInputError } from '../../entities/store';

// jest's resolver and sandboxed `process` do not know the node:-only builtin; the real process does.
const { DatabaseSync } = globalThis.process.getBuiltinModule('node:sqlite');

const logged: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
const logger: Logger = {
  error: (message, meta) => logged.push({ level: 'error', message, meta }),
  warn: (message, meta) => logged.push({ level: 'warn', message, meta }),
  info: (message, meta) => logged.push({ level: 'info', message, meta }),
};

let thrown: unknown;
let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.post('/parse', express.json(), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/throw', () => {
    throw thrown;
  });
  app.use(errorMiddleware(logger));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  logged.length = 0;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
async function answerTo(err: unknown): Promise<{ status: number; retryAfter: string | null; body: any }> {
  thrown = err;
  const res = await fetch(`${base}/throw`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

/** An error of the shape pg raises for a server report (DatabaseError: name "error", SQLSTATE, severity). */
function pgError(message: string, code: string, severity: string): Error {
  return Object.assign(new Error(message), { name: 'error', code, severity });
}

/** A Node socket error as pg's connect raises it. */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -111, syscall: 'connect' });
}

/** What node:sqlite really throws when another connection holds the write lock. */
function realSqliteBusyError(): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'oms-busy-'));
  const file = join(dir, 'busy.sqlite');
  const holder = new DatabaseSync(file);
  const other = new DatabaseSync(file, { timeout: 0 });
  try {
    holder.exec('create table t (x integer); begin immediate; insert into t values (1);');
    other.exec('insert into t values (2)');
    throw new Error('expected "database is locked"');
  } catch (err) {
    return err;
  } finally {
    holder.exec('rollback');
    holder.close();
    other.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('errorMiddleware', () => {
  it('answers 415 for a body in an encoding or charset the parser does not support', async () => {
    const encoding = await fetch(`${base}/parse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' },
      body: '{}',
    });
    expect(encoding.status).toBe(415);
    expect(await encoding.json()).toEqual({
      error: { code: 'unsupported_media_type', message: 'Unsupported body encoding or charset' },
    });

    const charset = await fetch(`${base}/parse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=x-klingon' },
      body: '{}',
    });
    expect(charset.status).toBe(415);
    expect(((await charset.json()) as { error: { code: string } }).error.code).toBe('unsupported_media_type');
  });

  it('answers 400 with the store’s message for a StoreInputError', async () => {
    const answer = await answerTo(new StoreInputError('price: must be a decimal string with at most two decimals'));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: 'bad_request', message: 'price: must be a decimal string with at most two decimals' },
    });
  });

  it.each([
    [
      'MikroORM DriverException: database not accepting connections (55000 FATAL)',
      new DriverException(pgError('database "oms" is not currently accepting connections', '55000', 'FATAL')),
    ],
    [
      'pg’s plain error from the query builder (55000 FATAL)',
      pgError('database "oms" is not currently accepting connections', '55000', 'FATAL'),
    ],
    ['DriverException: connect ECONNREFUSED', new DriverException(socketError('ECONNREFUSED'))],
    ['pg’s plain connect ECONNREFUSED', socketError('ECONNREFUSED')],
    [
      'the database system is starting up (57P03)',
      new DriverException(pgError('the database system is starting up', '57P03', 'FATAL')),
    ],
    [
      'backend terminated by an administrator (57P01)',
      pgError('terminating connection due to administrator command', '57P01', 'FATAL'),
    ],
    ['a class-08 connection failure', pgError('connection failure', '08006', 'ERROR')],
    ['pg’s code-less "Connection terminated unexpectedly"', new Error('Connection terminated unexpectedly')],
    ['a lock wait timeout from the ORM', new LockWaitTimeoutException(new Error('database is locked'))],
    ['node:sqlite SQLITE_BUSY "database is locked"', realSqliteBusyError()],
  ])('answers 503 with Retry-After for %s', async (_what, err) => {
    const answer = await answerTo(err);
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({
      error: { code: 'unavailable', message: 'The database is unavailable; try again shortly' },
    });
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
    const warned = logged.find((l) => l.level === 'warn');
    expect(warned?.meta?.cause).toEqual(expect.stringContaining((err as Error).message));
  });

  it('still answers 500 for a genuine bug such as a unique-constraint violation', async () => {
    const answer = await answerTo(
      new UniqueConstraintViolationException(
        pgError('duplicate key value violates unique constraint "stock_pkey"', '23505', 'ERROR'),
      ),
    );
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({ error: { code: 'internal', message: 'Internal server error' } });
    expect(answer.retryAfter).toBeNull();
    expect(logged.some((l) => l.level === 'error' && l.message === 'unhandled error')).toBe(true);
  });

  it('answers 500 for a plain error whose message merely mentions a connection', async () => {
    const answer = await answerTo(new Error('Connection terminated unexpectedly while parsing the carrier file'));
    expect(answer.status).toBe(500);
  });
});
