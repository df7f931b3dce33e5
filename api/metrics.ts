// What the API counts for Prometheus: request latency by route pattern and status, and callbacks by sender and
// outcome. Labels are route patterns and closed sets, never raw paths or ids, so series stay few and carry no PII.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { ApiError } from './errors';

/**
 * How a signed callback ended: handed to its order, a repeat of one already logged, stored unmatched, or refused by
 * its order (a warehouse `rejected` the order's state does not allow: 409).
 */
export type CallbackOutcome = 'delivered' | 'duplicate' | 'unmatched' | 'refused';

/** The API's metrics; the process registry it writes to is what GET /metrics serves. */
export interface ApiMetrics {
  readonly registry: Registry;
  /** One answered request; `route` is the declared pattern (`/orders/{id}`) or `unmatched`. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One handled callback (the callbacks route calls this once per event it logged). */
  callbackHandled(sender: string, outcome: CallbackOutcome): void;
}

/** Seconds; from a cached read (ms) to an update waiting on a workflow task under load (s). */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The API's metrics on `registry` (a process shares one registry between the API and the worker). */
export function createApiMetrics(registry: Registry = new Registry()): ApiMetrics {
  const latency = new Histogram({
    name: 'oms_http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const callbacks = new Counter({
    name: 'oms_callbacks_total',
    help: 'Signed callbacks by sender (payment, carrier, warehouse) and outcome (delivered, duplicate, unmatched, refused)',
    labelNames: ['sender', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeRequest: (method, route, status, seconds) =>
      latency.observe({ method, route, status: String(status) }, seconds),
    callbackHandled: (sender, outcome) => callbacks.inc({ sender, outcome }),
  };
}

/**
 * GET /metrics in Prometheus text format. Open unless a token is configured: scrapes usually come from inside the
 * network, and nothing in the output is personal or secret (labels are route patterns, statuses, channels,
 * steps), but a deployment that exposes the port can ask for `Authorization: Bearer <OMS_METRICS_TOKEN>`.
 */
export function metricsHandler(registry: Registry, token: string | null): RequestHandler {
  return async (req, res) => {
    if (token !== null && !bearerMatches(req.get('authorization'), token)) {
      throw new ApiError('unauthorized', 'GET /metrics needs "Authorization: Bearer <metrics token>"');
    }
    const body = await registry.metrics();
    res.set('Content-Type', registry.contentType).send(body);
  };
}

/** Constant-time comparison, so the token cannot be guessed a byte at a time from response times. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
