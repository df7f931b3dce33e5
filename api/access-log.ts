// Every request gets an id (the caller's X-Request-Id when sane, else a UUID) echoed in the answer, one access log
// line when it ends and one latency observation labelled with its route pattern.
import type { RequestHandler } from 'express';
import type { Logger } from './errors';
import type { ApiMetrics } from './metrics';
import { REQUEST_ID_HEADER, requestIdFrom, runWithRequest, type RequestFields } from './request-context';
import type { RouteDoc } from './route-table';

export interface RouteMatch {
  /** The declared pattern, `/orders/{id}`, or `unmatched` (so a scan of random paths adds no series). */
  route: string;
  orderId?: string | undefined;
}

/** Matches a method and path against the declared routes (the same declarations that serve them). */
export function routeMatcher(routes: Pick<RouteDoc, 'method' | 'fullPath'>[]): (method: string, path: string) => RouteMatch {
  const compiled = routes.map((r) => {
    const names: string[] = [];
    const source = r.fullPath
      .split(/\{(\w+)\}/)
      .map((part, i) => {
        if (i % 2 === 1) {
          names.push(part);
          return '([^/]+)';
        }
        return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    return { method: r.method.toUpperCase(), route: r.fullPath, names, pattern: new RegExp(`^${source}/?$`) };
  });
  return (method, path) => {
    // HEAD is answered by the GET route.
    const wanted = method === 'HEAD' ? 'GET' : method;
    for (const c of compiled) {
      if (c.method !== wanted) continue;
      const m = c.pattern.exec(path);
      if (!m) continue;
      const id = c.route.startsWith('/orders/') ? m[c.names.indexOf('id') + 1] : undefined;
      return { route: c.route, orderId: id === undefined ? undefined : safeDecode(id) };
    }
    return { route: 'unmatched' };
  };
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** The first middleware: request id, request context for every log line, access log and latency. */
export function accessLog(logger: Logger, metrics: ApiMetrics, match: (method: string, path: string) => RouteMatch): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFrom(req.get(REQUEST_ID_HEADER));
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const path = req.originalUrl.split('?', 1)[0] ?? '/';
    const { route, orderId } = match(req.method, path);
    const fields: RequestFields = orderId === undefined ? { requestId } : { requestId, orderId };
    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // A client that hangs up before the answer is logged as 499, nginx's convention, and not measured as a 200.
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.observeRequest(req.method, route, status, seconds);
      // No query string: list filters may carry e-mail addresses and the like.
      logger.info('request', { ...fields, method: req.method, route, path, status, durationMs: Math.round(seconds * 1000) });
    };
    res.once('finish', done);
    res.once('close', done);
    runWithRequest(fields, next);
  };
}
