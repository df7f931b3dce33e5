// What the marketplace simulators that run as separate HTTP servers share (Hepsiburada listing, n11 product tasks):
// a clock tests can move, a fixed-window rate limiter, a raw request log, injected responses by path, and the
// plumbing of node:http. Each simulator keeps its own protocol (paths, bodies, error shapes) in its own file.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The simulator's notion of now: batches resolve once it passes their due time, so tests move it instead of sleeping. */
export interface SimClock {
  now(): number;
  advance(ms: number): void;
}

/** Wall time plus whatever was advanced: the default, so a dev run resolves batches by itself. */
export function systemClock(): SimClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** A clock that stands still until advanced: tests get the same timestamps and windows every run. */
export function manualClock(startMs = Date.parse('2026-12-01T09:00:00.000Z')): SimClock {
  let now = startMs;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}

/** A GUID-shaped id derived from the parts, so the same run of calls gets the same ids every time. */
export function deterministicGuid(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface RateLimit {
  requests: number;
  perMs: number;
}

/** Fixed window from the first request of each window: simple, and the reset the headers report is exact. */
export class FixedWindowLimiter {
  private windowStart = Number.NEGATIVE_INFINITY;
  private used = 0;

  constructor(
    readonly limit: RateLimit,
    private readonly clock: SimClock,
  ) {
    if (!Number.isInteger(limit.requests) || limit.requests < 1 || !(limit.perMs > 0)) {
      throw new Error(`rateLimit must be { requests >= 1, perMs > 0 }, got ${JSON.stringify(limit)}`);
    }
  }

  /** Counts one request; `allowed` false once the window's budget is spent. */
  take(): { allowed: boolean; remaining: number; resetMs: number } {
    const now = this.clock.now();
    if (now >= this.windowStart + this.limit.perMs) {
      this.windowStart = now;
      this.used = 0;
    }
    const allowed = this.used < this.limit.requests;
    if (allowed) this.used += 1;
    return {
      allowed,
      remaining: this.limit.requests - this.used,
      resetMs: this.windowStart + this.limit.perMs - now,
    };
  }
}

/** One canned answer: a string body goes out as text/plain, anything else as JSON. */
export interface InjectedResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * Armed faults: responses by path (the next `times` requests to that exact path get them instead of the real
 * handling, before authentication, like an outage in front of the service) and per-SKU failures (the next
 * `times` batches that carry the SKU reject its row with the given reason).
 */
export class HttpFaults {
  private readonly byPath = new Map<string, { response: InjectedResponse; times: number }[]>();
  private readonly bySku = new Map<string, { reason: string; times: number }>();

  next(path: string, response: InjectedResponse, times = 1): this {
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    const queue = this.byPath.get(path) ?? [];
    queue.push({ response, times });
    this.byPath.set(path, queue);
    return this;
  }

  skuError(sku: string, reason: string, times = 1): this {
    if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
    this.bySku.set(sku, { reason, times });
    return this;
  }

  /** Consumes one armed response for `path`, if any. */
  take(path: string): InjectedResponse | undefined {
    const queue = this.byPath.get(path);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.times -= 1;
    if (head.times === 0) queue.shift();
    if (queue.length === 0) this.byPath.delete(path);
    return head.response;
  }

  /** Consumes one armed failure of `sku`, if any, returning its reason. */
  takeSku(sku: string): string | undefined {
    const fault = this.bySku.get(sku);
    if (!fault) return undefined;
    fault.times -= 1;
    if (fault.times === 0) this.bySku.delete(sku);
    return fault.reason;
  }

  clear(): void {
    this.byPath.clear();
    this.bySku.clear();
  }
}

/** What the simulator was sent, as sent (secrets masked), and what it answered. */
export interface LoggedRequest {
  seq: number;
  at: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

const MASKED_HEADERS = new Set(['authorization', 'appsecret']);

export class RequestLog {
  readonly entries: LoggedRequest[] = [];
  private seq = 0;

  constructor(private readonly maxEntries = 5_000) {}

  record(req: IncomingMessage, body: string, status: number, at: number): void {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[name] = MASKED_HEADERS.has(name) ? '***' : Array.isArray(value) ? value.join(', ') : value;
    }
    this.entries.push({
      seq: ++this.seq,
      at: new Date(at).toISOString(),
      method: req.method ?? '',
      path: req.url ?? '',
      headers,
      body,
      status,
    });
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
  }
}

/** The answer a handler builds; `send` writes it. */
export interface SimResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function send(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload = '';
  if (typeof response.body === 'string') {
    payload = response.body;
    headers['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The request body as text, refused past `maxBytes` with the error `tooLarge` makes (the service's own refusal). */
export async function readBody(
  req: IncomingMessage,
  maxBytes = MAX_BODY_BYTES,
  tooLarge: () => Error = () => new Error('request body too large'),
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The body parsed as JSON, or `invalid` (the caller decides how its service refuses that). */
export function parseJson(body: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch {
    return { ok: false };
  }
}

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface RunningSimulator {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `handle` on loopback. Requests under `/__admin/` are the simulator's own controls and stay out of the
 * request log; every other request is logged with the status it got.
 */
export async function serve(
  port: number,
  log: RequestLog,
  clock: SimClock,
  handle: (req: SimRequest) => SimResponse,
): Promise<RunningSimulator> {
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const url = new URL(req.url ?? '/', 'http://sim.local');
        let response: SimResponse;
        try {
          response = handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        } catch (err) {
          response = { status: 500, body: `simulator error: ${err instanceof Error ? err.message : String(err)}` };
        }
        if (!url.pathname.startsWith('/__admin/')) log.record(req, body, response.status, clock.now());
        send(res, response);
      },
      (err: unknown) => send(res, { status: 413, body: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** The admin routes both simulators share; `undefined` when the path is not one of them. */
export function sharedAdmin(
  req: SimRequest,
  ctx: { clock: SimClock; log: RequestLog; faults: HttpFaults; stock?: { settle(): void; get(sku: string): unknown; missing: string } },
): SimResponse | undefined {
  if (req.method === 'GET' && req.path === '/__admin/requests') return { status: 200, body: ctx.log.entries };
  // GET /__admin/stock/{sku}: what the marketplace shows for the SKU now (after settling what is due).
  const stockMatch = /^\/__admin\/stock\/(.+)$/.exec(req.path);
  if (ctx.stock && req.method === 'GET' && stockMatch?.[1]) {
    ctx.stock.settle();
    const shown = ctx.stock.get(decodeURIComponent(stockMatch[1]));
    return shown !== undefined ? { status: 200, body: shown } : { status: 404, body: { message: ctx.stock.missing } };
  }
  if (req.method === 'POST' && req.path === '/__admin/advance') {
    const parsed = parseJson(req.body);
    const ms = parsed.ok ? (parsed.value as { ms?: unknown } | null)?.ms : undefined;
    if (typeof ms !== 'number' || !(ms >= 0)) return { status: 400, body: { message: 'body must be { "ms": >= 0 }' } };
    ctx.clock.advance(ms);
    return { status: 200, body: { now: new Date(ctx.clock.now()).toISOString() } };
  }
  if (req.method === 'POST' && req.path === '/__admin/faults') {
    const parsed = parseJson(req.body);
    const fault = parsed.ok ? (parsed.value as { path?: unknown; status?: unknown; body?: unknown; times?: unknown }) : undefined;
    if (!fault || typeof fault.path !== 'string' || typeof fault.status !== 'number') {
      return { status: 400, body: { message: 'body must be { "path", "status", "body"?, "times"? }' } };
    }
    ctx.faults.next(fault.path, { status: fault.status, body: fault.body }, typeof fault.times === 'number' ? fault.times : 1);
    return { status: 204 };
  }
  return undefined;
}

/** An injected response as the handler's answer. */
export function injected(response: InjectedResponse): SimResponse {
  return { status: response.status, body: response.body, ...(response.headers ? { headers: response.headers } : {}) };
}

/**
 * The carrier simulators' per-shipment admin routes: `GET /__admin/<collection>/{key}` (the record and what a query
 * shows now), `POST …/{key}/fail-delivery` and `POST …/{key}/return` (409 when the parcel is past that).
 */
export function shipmentAdmin<T extends object>(
  req: SimRequest,
  options: {
    collection: string;
    /** How the key is named in a 404 (`cargoKey`, `IntegrationCode`, `referenceId`). */
    keyName: string;
    noun: string;
    find(key: string): T | undefined;
    view(record: T): unknown;
    failDelivery(key: string): void;
    returnToSender(key: string): void;
  },
): SimResponse | undefined {
  const m = new RegExp(`^/__admin/${options.collection}/([^/]+)(?:/(fail-delivery|return))?$`).exec(req.path);
  const key = m?.[1] ? decodeURIComponent(m[1]) : undefined;
  if (key === undefined) return undefined;
  const record = options.find(key);
  if (!record) return { status: 404, body: { message: `no ${options.noun} with ${options.keyName} ${key}` } };
  if (req.method === 'GET' && !m?.[2]) return { status: 200, body: { ...record, view: options.view(record) } };
  if (req.method === 'POST' && m?.[2]) {
    try {
      if (m[2] === 'fail-delivery') options.failDelivery(key);
      else options.returnToSender(key);
    } catch (err) {
      return { status: 409, body: { message: err instanceof Error ? err.message : String(err) } };
    }
    return { status: 204 };
  }
  return undefined;
}
