// The request a piece of code runs for, kept in AsyncLocalStorage so every log line written while serving it
// (the access log, the error middleware, a route's own lines) carries its requestId and orderId without each
// caller passing them along.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What every log line written for a request carries. */
export interface RequestFields {
  requestId: string;
  orderId?: string | undefined;
}

const storage = new AsyncLocalStorage<RequestFields>();

/** The header a caller (or a proxy in front) sets to tie its logs to ours; echoed on every answer. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Ids from outside are accepted only when short and plain, so a header cannot forge or flood log lines. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is sane, else a fresh UUID. */
export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SANE_REQUEST_ID.test(header) ? header : randomUUID();
}

/** Runs `fn` with `fields` as the current request's. */
export function runWithRequest<T>(fields: RequestFields, fn: () => T): T {
  return storage.run(fields, fn);
}

/** The current request's fields, or undefined outside one. */
export function currentRequest(): RequestFields | undefined {
  return storage.getStore();
}

/** A route that learns its order only from the body (POST /orders, callbacks) names it for the rest of its lines. */
export function noteOrderId(orderId: string): void {
  const request = storage.getStore();
  if (request !== undefined) request.orderId = orderId;
}
