// A Trendyol Partner API stand-in that runs as a real HTTP server on loopback, so a connector is tested over the
// wire exactly as it talks to https://apigw.trendyol.com/integration. It serves stock & price (CONNECTORS.md §1.6:
// the price-and-inventory submit and the batch result poll, with the refusals the real service makes: auth,
// User-Agent, ≤1000 items, the 15-minute duplicate rule, 50 requests / 10 s per endpoint, results kept 4 hours),
// the package stream and paged list (§1.3), and the seller's package writes (§1.5): updatePackage (Picking →
// Invoiced, forward only), unsupplied (the package destroyed, what is left re-id'd), split-packages (children
// appear after a delay, the parent UnPacked), tracking-details and sendInvoiceLink (201, 409 on a repeat). Where CONNECTORS.md leaves a behaviour open, the choice is marked "Choice:" below and can be
// changed through the options. Everything is deterministic: batch ids come from a seed and a counter, and every
// time rule (batch delay, 15 minutes, 4 hours, the rate window) reads the injectable clock `now`.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http-kit';

/** The exact refusal text of an identical price-and-inventory body resent within 15 minutes (CONNECTORS §1.6). */
export const TRENDYOL_DUPLICATE_MESSAGE = '15 dakika boyunca aynı isteği tekrarlı olarak atamazsınız!';
export const TRENDYOL_DUPLICATE_WINDOW_MS = 15 * 60_000;
/** Batch results are viewable for 4 hours, then 404. */
export const TRENDYOL_RESULT_TTL_MS = 4 * 60 * 60_000;
export const TRENDYOL_MAX_BATCH_ITEMS = 1000;
export const TRENDYOL_MAX_STOCK = 20_000;

export interface TrendyolSimulatorOptions {
  /** 0 (the default) takes a free port. */
  port?: number | undefined;
  sellerId: string;
  apiKey: string;
  apiSecret: string;
  /** How long after the submit a batch's items get their status (and the stock changes). Default 300 ms. */
  batchDelayMs?: number | undefined;
  /** The clock of every time rule; tests inject one to cross 15 minutes or 4 hours without waiting. */
  now?: (() => number) | undefined;
  /** Per endpoint (method + path template); default 50 requests per 10 s (CONNECTORS §1.8). */
  rateLimit?: { requests: number; perMs: number } | undefined;
  /**
   * Choice: CONNECTORS.md gives the duplicate refusal's message but not its status code; 400 is the guess (it is a
   * validation-style refusal from the product service). Configurable so a connector can be proved not to depend on it.
   */
  duplicateStatus?: number | undefined;
  /**
   * Choice: by default every barcode counts as one of the seller's listed products (an open catalog), so a test need
   * not list what it sends. Given a list here (or after `state.list(...)`), the catalog is closed: any other barcode
   * resolves FAILED, as an unknown barcode does on Trendyol.
   */
  listedBarcodes?: string[] | undefined;
  /** Seeds the batch ids, so two simulators with the same seed hand out the same ids in the same order. */
  seed?: string | undefined;
  /** How long after a split call its child packages appear (the parent turns UnPacked then). Default 300 ms. */
  splitDelayMs?: number | undefined;
}

/** What the marketplace shows for one barcode: only what SUCCESS batch items applied. */
export interface TrendyolListing {
  barcode: string;
  quantity: number | null;
  salePrice: number | null;
  listPrice: number | null;
}

export interface TrendyolRequestLogEntry {
  seq: number;
  at: number;
  method: string;
  path: string;
  userAgent: string | null;
  /** The Basic auth user (the API key); the secret is never logged, since the log is served over HTTP. */
  apiKey: string | null;
  body: unknown;
  status: number;
  response: unknown;
  injected?: true;
}

export interface InjectedResponse {
  status: number;
  /** A string is sent as text/plain, anything else as JSON; omitted → an empty body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface TrendyolFaults {
  /**
   * The next request to `path` gets this answer instead of being served (queued, each used once). `path` is the
   * request path with or without the `/integration` prefix, e.g. `/inventory/sellers/1/products/price-and-inventory`.
   */
  next(path: string, response: InjectedResponse): void;
  /** The next batch item for this barcode resolves FAILED with this reason (whatever it carried). */
  failItem(barcode: string, reason?: string): void;
  clear(): void;
}

export interface TrendyolSimulatorState {
  /** Puts a shipment package in the seller's package stream (a new order, or a package's new state). */
  addPackage(pkg: Record<string, unknown> & { shipmentPackageId: string | number; lastModifiedDate?: number }): void;
  readonly sellerId: string;
  /** Adds barcodes to the seller's listed products and closes the catalog to them (see `listedBarcodes`). */
  list(barcodes: string[]): void;
  /** What the marketplace shows for a barcode; undefined when it is not a listed product. */
  stock(barcode: string): TrendyolListing | undefined;
  /** A shipment package as the marketplace holds it now (a copy); undefined when unknown. */
  package(packageId: string | number): Record<string, unknown> | undefined;
  /** Every package of an order, oldest first (copies), dead ones included. */
  packagesOf(orderNumber: string): Record<string, unknown>[];
  /** Every request so far, oldest first (copies). */
  requests(): TrendyolRequestLogEntry[];
  faults: TrendyolFaults;
}

export interface TrendyolSimulator {
  /** `http://127.0.0.1:<port>`; the connector's base URL is `${url}/integration`. */
  url: string;
  close(): Promise<void>;
  state: TrendyolSimulatorState;
}

interface RequestItem {
  barcode: string;
  quantity?: number;
  salePrice?: number;
  listPrice?: number;
}

interface Batch {
  id: string;
  createdAt: number;
  resolvesAt: number;
  items: { requestItem: RequestItem; status: 'SUCCESS' | 'FAILED'; failureReasons: string[] }[];
  applied: boolean;
}

/** A handler's answer with a status other than 200 (sendInvoiceLink's 201). */
class Answered {
  readonly status: number;
  readonly body: unknown;
  constructor(answer: { status: number; body: unknown }) {
    this.status = answer.status;
    this.body = answer.body;
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

/** The product services' error envelope (CONNECTORS §1.8), used by both stock & price endpoints. */
function productError(status: number, key: string, message: string): HttpError {
  return new HttpError(status, { errors: [{ key, message, errorCode: String(status) }] });
}

/** `requestItem.barcode` comes back normalized: inner spaces removed (§1.6); surrounding ones too. */
export function normalizeTrendyolBarcode(barcode: string): string {
  return barcode.replace(/\s+/g, '');
}

/** JSON with sorted keys, so the duplicate rule does not hinge on key order or whitespace. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Starts the simulator on 127.0.0.1; resolves once it listens. */
export async function startTrendyolSimulator(options: TrendyolSimulatorOptions): Promise<TrendyolSimulator> {
  const now = options.now ?? Date.now;
  const batchDelayMs = options.batchDelayMs ?? 300;
  const rateLimit = options.rateLimit ?? { requests: 50, perMs: 10_000 };
  const duplicateStatus = options.duplicateStatus ?? 400;
  const seed = options.seed ?? 'trendyol-sim';
  const { sellerId } = options;
  const expectedAuth = `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`;

  let listed: Set<string> | undefined = options.listedBarcodes
    ? new Set(options.listedBarcodes.map(normalizeTrendyolBarcode))
    : undefined;
  const listings = new Map<string, TrendyolListing>();
  const batches = new Map<string, Batch>();
  const batchOrder: Batch[] = [];
  /** canonical body → when it was last accepted. */
  const recentBodies = new Map<string, number>();
  /** endpoint → times of the requests inside the window. */
  const hits = new Map<string, number[]>();
  const log: TrendyolRequestLogEntry[] = [];
  const injected = new Map<string, InjectedResponse[]>();
  const failItems = new Map<string, string[]>();
  let batchCounter = 0;
  let seq = 0;
  /** Shipment packages the stream serves (state.addPackage), by id; lastModifiedDate set when absent. */
  const packages = new Map<string, Record<string, unknown>>();
  const splitDelayMs = options.splitDelayMs ?? 300;
  /** Splits accepted but not yet visible: the children appear (and the parent turns UnPacked) at `at`. */
  const pendingSplits: { at: number; parentId: string; groups: { lineId: string; quantity: number }[][] }[] = [];
  let packageCounter = 0;
  /** Invoice link → the package it was sent for (a link may serve one package only). */
  const invoiceLinks = new Map<string, string>();

  const isListed = (barcode: string): boolean => listed === undefined || listed.has(barcode);

  /** Applies every batch whose delay has passed, oldest first; called before anything reads stock or results. */
  function settle(): void {
    const t = now();
    for (const batch of batchOrder) {
      if (batch.applied || t < batch.resolvesAt) continue;
      batch.applied = true;
      for (const item of batch.items) {
        if (item.status !== 'SUCCESS') continue;
        const { barcode, quantity, salePrice, listPrice } = item.requestItem;
        const listing = listings.get(barcode) ?? { barcode, quantity: null, salePrice: null, listPrice: null };
        if (quantity !== undefined) listing.quantity = quantity;
        if (salePrice !== undefined) listing.salePrice = salePrice;
        if (listPrice !== undefined) listing.listPrice = listPrice;
        listings.set(barcode, listing);
      }
    }
  }

  function stock(barcode: string): TrendyolListing | undefined {
    settle();
    const normalized = normalizeTrendyolBarcode(barcode);
    if (!isListed(normalized)) return undefined;
    const empty = { barcode: normalized, quantity: null, salePrice: null, listPrice: null };
    return { ...(listings.get(normalized) ?? empty) };
  }

  /**
   * Choice: the window slides (the last `perMs` before each request), and refused requests (429, injected faults)
   * do not use it up — CONNECTORS says only "the 51st in 10 s gets 429". Counted per endpoint for the one seller this
   * simulator serves, before auth, as an API gateway would.
   */
  function rateLimited(endpoint: string): boolean {
    const t = now();
    const recent = (hits.get(endpoint) ?? []).filter((at) => at > t - rateLimit.perMs);
    if (recent.length >= rateLimit.requests) {
      hits.set(endpoint, recent);
      return true;
    }
    recent.push(t);
    hits.set(endpoint, recent);
    return false;
  }

  /**
   * Choice: auth is checked before the User-Agent (CONNECTORS gives no order; a request missing both gets 401), and
   * a path sellerId other than the key pair's is a 401 with the same body, since a key pair belongs to one seller.
   */
  function authenticate(req: IncomingMessage, pathSellerId: string): void {
    if (req.headers.authorization !== expectedAuth || pathSellerId !== sellerId) {
      throw new HttpError(401, { exception: 'ClientApiAuthenticationException' });
    }
    const userAgent = req.headers['user-agent'];
    if (!userAgent || !userAgent.startsWith(`${sellerId} - `) || userAgent.length === `${sellerId} - `.length) {
      throw new HttpError(403, {
        error: 'Forbidden',
        message: `User-Agent must be "${sellerId} - {IntegratorName}" or "${sellerId} - SelfIntegration"`,
      });
    }
  }

  function parseItems(raw: string): { body: unknown; items: RequestItem[] } {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw productError(400, 'invalid.request.body', 'request body is not valid JSON');
    }
    const items = (body as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.length === 0) {
      throw productError(400, 'invalid.items', 'items must be a non-empty array');
    }
    if (items.length > TRENDYOL_MAX_BATCH_ITEMS) {
      throw productError(
        400,
        'items.size.exceeded',
        `items may hold at most ${TRENDYOL_MAX_BATCH_ITEMS} entries, got ${items.length}`,
      );
    }
    // Choice: a malformed item (no barcode, a field that is not a number) refuses the whole body with 400, as a
    // request that cannot be deserialized would; a well-formed item that breaks a business rule (quantity range,
    // listPrice < salePrice, an unknown barcode) is accepted into the batch and resolves FAILED on its own.
    const parsed = items.map((item: unknown, i) => {
      const { barcode, quantity, salePrice, listPrice } = (item ?? {}) as Record<string, unknown>;
      if (typeof barcode !== 'string' || normalizeTrendyolBarcode(barcode) === '') {
        throw productError(400, 'invalid.barcode', `items[${i}].barcode must be a non-empty string`);
      }
      const out: RequestItem = { barcode: normalizeTrendyolBarcode(barcode) };
      for (const [field, value] of [
        ['quantity', quantity],
        ['salePrice', salePrice],
        ['listPrice', listPrice],
      ] as const) {
        if (value === undefined) continue;
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw productError(400, `invalid.${field}`, `items[${i}].${field} must be a number`);
        }
        out[field] = value;
      }
      return out;
    });
    return { body, items: parsed };
  }

  /** Business rules per item. Choice: the failure texts are the simulator's own; Trendyol's wording is not known. */
  function failureReasons(item: RequestItem): string[] {
    const reasons: string[] = [];
    if (!isListed(item.barcode)) reasons.push(`Barcode ${item.barcode} is not a listed product of seller ${sellerId}`);
    const { quantity, salePrice, listPrice } = item;
    if (quantity !== undefined && (!Number.isInteger(quantity) || quantity < 0 || quantity > TRENDYOL_MAX_STOCK)) {
      reasons.push(`quantity must be an integer from 0 to ${TRENDYOL_MAX_STOCK}, got ${quantity}`);
    }
    for (const [field, price] of [
      ['salePrice', salePrice],
      ['listPrice', listPrice],
    ] as const) {
      if (price !== undefined && price <= 0) reasons.push(`${field} must be greater than 0, got ${price}`);
    }
    if (salePrice !== undefined && listPrice !== undefined && listPrice < salePrice) {
      reasons.push(`listPrice (${listPrice}) must not be lower than salePrice (${salePrice})`);
    }
    const injectedReason = failItems.get(item.barcode)?.shift();
    if (injectedReason !== undefined) reasons.push(injectedReason);
    return reasons;
  }

  /** Opaque like Trendyol's ("8d30c8d3-…-1658317798"): UUID-shaped from the seed and a counter, no clock in it. */
  function nextBatchId(): string {
    batchCounter += 1;
    const h = createHash('sha256').update(`${seed}\u0000${sellerId}\u0000${batchCounter}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }

  function submit(raw: string): unknown {
    const { body, items } = parseItems(raw);
    const t = now();
    // Choice: "identical" is the same JSON value (key order and whitespace do not matter; a barcode spelled with
    // spaces is a different body even though it normalizes to the same one).
    const key = canonical(body);
    // Choice: the 15 minutes run from the last *accepted* identical body; a refused repeat does not extend them, and a
    // body refused for another reason is not remembered.
    const last = recentBodies.get(key);
    if (last !== undefined && t - last < TRENDYOL_DUPLICATE_WINDOW_MS) {
      throw productError(duplicateStatus, 'duplicate.request', TRENDYOL_DUPLICATE_MESSAGE);
    }
    recentBodies.set(key, t);
    for (const [body, at] of recentBodies) if (t - at >= TRENDYOL_DUPLICATE_WINDOW_MS) recentBodies.delete(body);

    const batch: Batch = {
      id: nextBatchId(),
      createdAt: t,
      resolvesAt: t + batchDelayMs,
      items: items.map((requestItem) => {
        const reasons = failureReasons(requestItem);
        return { requestItem, status: reasons.length ? 'FAILED' : 'SUCCESS', failureReasons: reasons };
      }),
      applied: false,
    };
    batches.set(batch.id, batch);
    batchOrder.push(batch);
    return { batchRequestId: batch.id };
  }

  function result(batchId: string): unknown {
    settle();
    const batch = batches.get(batchId);
    if (!batch || now() - batch.createdAt >= TRENDYOL_RESULT_TTL_MS) {
      throw productError(404, 'batch.request.not.found', `batch request ${batchId} not found`);
    }
    const resolved = batch.applied;
    // Stock/price batches carry no top-level `status` (§1.6). Choice: before the delay the items are listed with
    // their requestItem but no `status` (and failedItemCount 0), which is what "finish when every item has a status"
    // implies; lastModification moves to the resolution time once they have one.
    return {
      batchRequestId: batch.id,
      batchRequestType: 'ProductInventoryUpdate',
      creationDate: batch.createdAt,
      lastModification: resolved ? batch.resolvesAt : batch.createdAt,
      sourceType: 'API',
      itemCount: batch.items.length,
      failedItemCount: resolved ? batch.items.filter((i) => i.status === 'FAILED').length : 0,
      items: batch.items.map((item) =>
        resolved
          ? { requestItem: { ...item.requestItem }, status: item.status, failureReasons: [...item.failureReasons] }
          : { requestItem: { ...item.requestItem }, failureReasons: [] },
      ),
    };
  }

  /**
   * getShipmentPackagesStream (§1.3): lastModifiedDate DESC, `size` ≤ 200 (default 50), a window of at most 14 days
   * (omitted: the last 14 days), an opaque `nextCursor` bound to the filter it was issued for (400 when reused with
   * another). Choice: the cursor is the offset into the filtered list and a hash of the filter as sent, so a client
   * that repeats its filter verbatim can page on.
   */
  function stream(query: URLSearchParams): unknown {
    settlePackages();
    const size = Number(query.get('size') ?? 50);
    if (!Number.isInteger(size) || size < 1 || size > 200) throw new HttpError(400, { error: 'BadRequest', message: 'size must be 1-200' });
    const DAY = 24 * 3600_000;
    const rawStart = query.get('lastModifiedStartDate');
    const rawEnd = query.get('lastModifiedEndDate');
    const end = rawEnd !== null ? Number(rawEnd) : now();
    const start = rawStart !== null ? Number(rawStart) : end - 14 * DAY;
    if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) {
      throw new HttpError(400, { error: 'BadRequest', message: 'lastModifiedStartDate/lastModifiedEndDate must be epoch ms, start before end' });
    }
    if (end - start > 14 * DAY) throw new HttpError(400, { error: 'BadRequest', message: 'date range must be at most 14 days' });
    const filter = createHash('sha256').update(`${rawStart}|${rawEnd}|${query.get('packageItemStatuses')}`).digest('hex').slice(0, 16);
    let offset = 0;
    const cursor = query.get('nextCursor');
    if (cursor) {
      let decoded: { o?: unknown; f?: unknown } | undefined;
      try {
        decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; f?: unknown };
      } catch {
        decoded = undefined;
      }
      if (!decoded || decoded.f !== filter || typeof decoded.o !== 'number') {
        throw new HttpError(400, { error: 'BadRequest', message: 'nextCursor does not match the request filter' });
      }
      offset = decoded.o;
    }
    const statuses = query.get('packageItemStatuses')?.split(',').filter(Boolean);
    const matching = [...packages.values()]
      .filter((p) => {
        const at = Number(p.lastModifiedDate);
        return at >= start && at <= end && (!statuses || statuses.includes(String(p.status)));
      })
      .sort((a, b) => Number(b.lastModifiedDate) - Number(a.lastModifiedDate));
    const content = matching.slice(offset, offset + size);
    const hasMore = offset + size < matching.length;
    const next = hasMore ? Buffer.from(JSON.stringify({ o: offset + size, f: filter })).toString('base64url') : '';
    return { content: structuredClone(content), size, hasMore, nextCursor: next };
  }


  /** The order services' error envelope (§1.8). */
  function orderError(status: number, message: string): HttpError {
    return new HttpError(status, { error: status === 409 ? 'Conflict' : 'BadRequest', message });
  }

  const DEAD = ['UnPacked', 'Cancelled', 'UnSupplied'];

  /** New ids are deterministic: a counter from the seed's own range, past 2^32 like Trendyol's. */
  function nextPackageId(): string {
    packageCounter += 1;
    const base = Number.parseInt(createHash('sha256').update(`${seed}\u0000packages`).digest('hex').slice(0, 6), 16) % 900;
    return String((5_000 + base) * 1_000_000 + packageCounter);
  }

  /** A new cargo code for a re-id'd package: past 2^53, as Trendyol's are (kept as a string). */
  function nextCargoCode(): string {
    return `72600${String(packageCounter).padStart(14, '0')}`;
  }

  function setStatus(pkg: Record<string, unknown>, status: string): void {
    const t = now();
    pkg.status = status;
    pkg.shipmentPackageStatus = status;
    pkg.lastModifiedDate = t;
    const history = Array.isArray(pkg.packageHistories) ? (pkg.packageHistories as unknown[]) : [];
    pkg.packageHistories = [...history, { createdDate: t, status }];
    for (const line of linesOf(pkg)) line.orderLineItemStatusName = status;
  }

  function linesOf(pkg: Record<string, unknown>): Record<string, unknown>[] {
    return Array.isArray(pkg.lines) ? (pkg.lines as Record<string, unknown>[]) : [];
  }

  /** A package the seller may still write to; a dead or unknown id is a 400, as on Trendyol (§5 "id churn"). */
  function livePackage(packageId: string): Record<string, unknown> {
    settlePackages();
    const pkg = packages.get(packageId);
    if (!pkg) throw orderError(400, `shipment package ${packageId} not found`);
    if (DEAD.includes(String(pkg.status))) {
      throw orderError(400, `shipment package ${packageId} is ${String(pkg.status)} and can no longer be updated`);
    }
    return pkg;
  }

  function parseJson(raw: string): Record<string, unknown> {
    try {
      const body = JSON.parse(raw) as unknown;
      if (body !== null && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw orderError(400, 'request body must be a JSON object');
  }

  /** `lines: [{ lineId, quantity }]` naming lines of the package, each quantity 1..the line's. */
  function parseLines(pkg: Record<string, unknown>, value: unknown, field = 'lines'): { lineId: string; quantity: number }[] {
    if (!Array.isArray(value) || value.length === 0) throw orderError(400, `${field} must be a non-empty list`);
    const have = new Map(linesOf(pkg).map((l) => [String(l.lineId), Number(l.quantity)]));
    return value.map((item: unknown, i) => {
      const { lineId, quantity } = (item ?? {}) as Record<string, unknown>;
      const id = String(lineId);
      if (!have.has(id)) throw orderError(400, `${field}[${i}].lineId ${id} is not a line of package ${String(pkg.shipmentPackageId)}`);
      if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > (have.get(id) ?? 0)) {
        throw orderError(400, `${field}[${i}].quantity must be 1-${have.get(id)}, got ${String(quantity)}`);
      }
      return { lineId: id, quantity };
    });
  }

  /** updatePackage (§1.5.1): Picking from Created, Invoiced (with params.invoiceNumber) from Picking; nothing else. */
  function updatePackage(packageId: string, raw: string): unknown {
    const pkg = livePackage(packageId);
    const body = parseJson(raw);
    parseLines(pkg, body.lines);
    const from = String(pkg.status);
    const to = body.status;
    // Choice: the same status again is refused like any other out-of-order move (§1.9 [L]).
    if (to === 'Picking' && from === 'Created') {
      setStatus(pkg, 'Picking');
    } else if (to === 'Invoiced' && from === 'Picking') {
      const invoiceNumber = (body.params as Record<string, unknown> | undefined)?.invoiceNumber;
      if (typeof invoiceNumber !== 'string' || invoiceNumber.trim() === '') throw orderError(400, 'params.invoiceNumber is required for Invoiced');
      setStatus(pkg, 'Invoiced');
      pkg.invoiceNumber = invoiceNumber;
    } else if (to === 'Picking' || to === 'Invoiced') {
      throw orderError(400, `shipment package ${packageId} cannot go from ${from} to ${String(to)}`);
    } else {
      throw orderError(400, `status must be Picking or Invoiced, got ${JSON.stringify(to)}`);
    }
    return undefined;
  }

  const REASON_IDS = [500, 501, 502, 504, 505, 506];

  /**
   * unsupplied (§1.5.2): the package is destroyed; the lines left reappear under the same orderNumber with a new
   * shipmentPackageId and cargo code (createdBy "cancel", originPackageIds [old]); everything unsupplied → Cancelled.
   * Choice: the new package starts `Created` (the seller pushes Picking again) and keeps the lines' lineIds.
   */
  function unsupplied(packageId: string, raw: string): unknown {
    const pkg = livePackage(packageId);
    if (!['Created', 'Picking', 'Invoiced', 'Awaiting'].includes(String(pkg.status))) {
      throw orderError(400, `shipment package ${packageId} is ${String(pkg.status)}: its lines can no longer be unsupplied`);
    }
    const body = parseJson(raw);
    if (typeof body.reasonId !== 'number' || !REASON_IDS.includes(body.reasonId)) {
      throw orderError(400, `reasonId must be one of ${REASON_IDS.join(', ')}, got ${JSON.stringify(body.reasonId)}`);
    }
    const lines = parseLines(pkg, body.lines);
    const cut = new Map<string, number>();
    for (const l of lines) cut.set(l.lineId, (cut.get(l.lineId) ?? 0) + l.quantity);
    const left = linesOf(pkg)
      .map((l) => ({ ...l, quantity: Number(l.quantity) - (cut.get(String(l.lineId)) ?? 0) }))
      .filter((l) => l.quantity > 0);
    if (left.some((l) => l.quantity < 0) || [...cut].some(([id, n]) => n > Number(linesOf(pkg).find((l) => String(l.lineId) === id)?.quantity))) {
      throw orderError(400, 'lines: more units than the package holds');
    }
    if (left.length === 0) {
      setStatus(pkg, 'Cancelled');
      return undefined;
    }
    setStatus(pkg, 'UnSupplied');
    spawn(pkg, left, 'cancel', 'Created');
    return undefined;
  }

  function spawn(parent: Record<string, unknown>, lines: Record<string, unknown>[], createdBy: string, status: string): string {
    const id = nextPackageId();
    const child: Record<string, unknown> = {
      ...structuredClone(parent),
      shipmentPackageId: Number(id),
      createdBy,
      originPackageIds: [Number(parent.shipmentPackageId)],
      cargoTrackingNumber: nextCargoCode(),
      invoiceLink: null,
      invoiceNumber: null,
      packageHistories: [],
      lines: lines.map((l) => ({ ...l })),
    };
    child.packageTotalPrice = lines.reduce((sum, l) => sum + Number(l.lineUnitPrice ?? 0) * Number(l.quantity), 0);
    setStatus(child, status);
    packages.set(id, child);
    return id;
  }

  /**
   * split-packages (§1.5.3): `{ splitPackages: [{ packageDetails: [{ orderLineId, quantities }] }] }`; lines (or
   * units) left out make one more package. Asynchronous: 200 at once, the children appear `splitDelayMs` later.
   */
  function splitPackages(packageId: string, raw: string): unknown {
    const pkg = livePackage(packageId);
    if (!['Created', 'Picking'].includes(String(pkg.status))) {
      throw orderError(400, `shipment package ${packageId} is ${String(pkg.status)}: only Created or Picking packages can be split`);
    }
    const body = parseJson(raw);
    if (!Array.isArray(body.splitPackages) || body.splitPackages.length === 0) throw orderError(400, 'splitPackages must be a non-empty list');
    const remaining = new Map(linesOf(pkg).map((l) => [String(l.lineId), Number(l.quantity)]));
    const groups = body.splitPackages.map((group: unknown, g) => {
      const details = (group as Record<string, unknown> | null)?.packageDetails;
      if (!Array.isArray(details) || details.length === 0) throw orderError(400, `splitPackages[${g}].packageDetails must be a non-empty list`);
      return details.map((d: unknown, i) => {
        const { orderLineId, quantities } = (d ?? {}) as Record<string, unknown>;
        const id = String(orderLineId);
        const left = remaining.get(id);
        if (left === undefined) throw orderError(400, `splitPackages[${g}].packageDetails[${i}].orderLineId ${id} is not a line of the package`);
        if (typeof quantities !== 'number' || !Number.isInteger(quantities) || quantities < 1 || quantities > left) {
          throw orderError(400, `splitPackages[${g}].packageDetails[${i}].quantities must be 1-${left}, got ${String(quantities)}`);
        }
        remaining.set(id, left - quantities);
        return { lineId: id, quantity: quantities };
      });
    });
    const rest = [...remaining].filter(([, n]) => n > 0).map(([lineId, quantity]) => ({ lineId, quantity }));
    if (rest.length > 0) groups.push(rest);
    if (groups.length < 2) throw orderError(400, 'a split must make at least two packages');
    pendingSplits.push({ at: now() + splitDelayMs, parentId: packageId, groups });
    return undefined;
  }

  /** Applies the splits whose delay has passed: children Created (createdBy "split"), the parent UnPacked. */
  function settlePackages(): void {
    const t = now();
    for (let i = 0; i < pendingSplits.length; ) {
      const split = pendingSplits[i]!;
      if (split.at > t) {
        i++;
        continue;
      }
      pendingSplits.splice(i, 1);
      const parent = packages.get(split.parentId);
      if (!parent || DEAD.includes(String(parent.status))) continue;
      const byId = new Map(linesOf(parent).map((l) => [String(l.lineId), l]));
      for (const group of split.groups) {
        spawn(parent, group.map((g) => ({ ...byId.get(g.lineId), quantity: g.quantity })), 'split', 'Created');
      }
      setStatus(parent, 'UnPacked');
    }
  }

  /** updateTrackingNumber (§1.5.4, seller-contracted cargo): only in Picking, Invoiced or Shipped. */
  function trackingDetails(packageId: string, raw: string): unknown {
    const pkg = livePackage(packageId);
    const body = parseJson(raw);
    const number = body.trackingNumber ?? body.cargoSenderNumber;
    if (typeof number !== 'string' || number.trim() === '') throw orderError(400, 'trackingNumber (or cargoSenderNumber) is required');
    if (typeof body.providerCode !== 'string' || body.providerCode === '') throw orderError(400, 'providerCode is required');
    if (!['Picking', 'Invoiced', 'Shipped'].includes(String(pkg.status))) {
      throw orderError(400, 'Shipment Update Edilebilir Bir Durumda Değil.');
    }
    pkg.cargoTrackingNumber = number;
    pkg.cargoProviderCode = body.providerCode;
    pkg.lastModifiedDate = now();
    return undefined;
  }

  /** sendInvoiceLink (§1.5.5): 201; 409 when the package has an invoice or the link serves another package. */
  function sendInvoiceLink(raw: string): { status: number; body: unknown } {
    const body = parseJson(raw);
    const link = body.invoiceLink;
    if (typeof link !== 'string' || !/^https?:\/\//.test(link)) throw orderError(400, 'invoiceLink must be an http(s) URL');
    const packageId = String(body.shipmentPackageId);
    settlePackages();
    const pkg = packages.get(packageId);
    if (!pkg) throw orderError(400, `shipmentPackageId ${packageId} not found`);
    if (body.invoiceNumber !== undefined && (typeof body.invoiceNumber !== 'string' || !/^[A-Za-z0-9]{3}\d{13}$/.test(body.invoiceNumber))) {
      throw orderError(400, `invoiceNumber must match ^[A-Za-z0-9]{3}\\d{13}$, got ${JSON.stringify(body.invoiceNumber)}`);
    }
    if (body.invoiceDateTime !== undefined) {
      const t = body.invoiceDateTime;
      if (typeof t !== 'number' || t <= 0 || !/^(\d{10}|\d{13})$/.test(String(t))) throw orderError(400, 'invoiceDateTime must be epoch seconds or ms (10 or 13 digits)');
    }
    if (pkg.invoiceLink) throw orderError(409, `shipment package ${packageId} already has an invoice`);
    const owner = invoiceLinks.get(link);
    if (owner !== undefined && owner !== packageId) throw orderError(409, `invoice link already used for shipment package ${owner}`);
    invoiceLinks.set(link, packageId);
    pkg.invoiceLink = link;
    if (typeof body.invoiceNumber === 'string') pkg.invoiceNumber = body.invoiceNumber;
    pkg.lastModifiedDate = now();
    return { status: 201, body: undefined };
  }

  /** getShipmentPackages (§1.3), paged. Choice: with `orderNumber` no date window applies (one order's packages). */
  function list(query: URLSearchParams): unknown {
    settlePackages();
    const size = Number(query.get('size') ?? 200);
    const page = Number(query.get('page') ?? 0);
    if (!Number.isInteger(size) || size < 1 || size > 200) throw orderError(400, 'size must be 1-200');
    if (!Number.isInteger(page) || page < 0) throw orderError(400, 'page must be 0 or more');
    const orderNumber = query.get('orderNumber');
    const status = query.get('status');
    const ids = query.get('shipmentPackageIds')?.split(',').filter(Boolean);
    const matching = [...packages.values()]
      .filter((p) => (orderNumber === null || String(p.orderNumber) === orderNumber) && (status === null || p.status === status))
      .filter((p) => !ids || ids.includes(String(p.shipmentPackageId)))
      .sort((a, b) => Number(a.lastModifiedDate) - Number(b.lastModifiedDate));
    const reachable = page * size < 10_000 ? matching.slice(page * size, page * size + size) : [];
    return { page, size, totalPages: Math.ceil(matching.length / size), totalElements: matching.length, content: structuredClone(reachable) };
  }

  type Route = { endpoint: string; handle: (raw: string) => unknown; sellerId: string };

  function route(method: string, path: string, query: URLSearchParams): Route | undefined {
    const streamPath = /^\/integration\/order\/sellers\/([^/]+)\/orders\/stream$/.exec(path);
    if (method === 'GET' && streamPath) {
      return { endpoint: 'GET orders/stream', sellerId: decodeURIComponent(streamPath[1] ?? ''), handle: () => stream(query) };
    }
    const listPath = /^\/integration\/order\/sellers\/([^/]+)\/orders$/.exec(path);
    if (method === 'GET' && listPath) {
      return { endpoint: 'GET orders', sellerId: decodeURIComponent(listPath[1] ?? ''), handle: () => list(query) };
    }
    const pkgPath = /^\/integration\/order\/sellers\/([^/]+)\/shipment-packages\/([^/]+)(\/items\/unsupplied|\/split-packages|\/tracking-details)?$/.exec(path);
    if (pkgPath) {
      const pathSeller = decodeURIComponent(pkgPath[1] ?? '');
      const packageId = decodeURIComponent(pkgPath[2] ?? '');
      const tail = pkgPath[3];
      if (method === 'PUT' && tail === undefined) return { endpoint: 'PUT shipment-packages', sellerId: pathSeller, handle: (raw) => updatePackage(packageId, raw) };
      if (method === 'PUT' && tail === '/items/unsupplied') return { endpoint: 'PUT unsupplied', sellerId: pathSeller, handle: (raw) => unsupplied(packageId, raw) };
      if (method === 'POST' && tail === '/split-packages') return { endpoint: 'POST split-packages', sellerId: pathSeller, handle: (raw) => splitPackages(packageId, raw) };
      if (method === 'PUT' && tail === '/tracking-details') return { endpoint: 'PUT tracking-details', sellerId: pathSeller, handle: (raw) => trackingDetails(packageId, raw) };
    }
    const invoicePath = /^\/integration\/sellers\/([^/]+)\/seller-invoice-links$/.exec(path);
    if (method === 'POST' && invoicePath) {
      return { endpoint: 'POST seller-invoice-links', sellerId: decodeURIComponent(invoicePath[1] ?? ''), handle: (raw) => new Answered(sendInvoiceLink(raw)) };
    }
    const submitPath = /^\/integration\/inventory\/sellers\/([^/]+)\/products\/price-and-inventory$/.exec(path);
    if (method === 'POST' && submitPath) {
      const pathSellerId = decodeURIComponent(submitPath[1] ?? '');
      return { endpoint: 'POST price-and-inventory', sellerId: pathSellerId, handle: submit };
    }
    const resultPath = /^\/integration\/product\/sellers\/([^/]+)\/products\/batch-requests\/([^/]+)$/.exec(path);
    if (method === 'GET' && resultPath) {
      const batchId = decodeURIComponent(resultPath[2] ?? '');
      return {
        endpoint: 'GET batch-requests',
        sellerId: decodeURIComponent(resultPath[1] ?? ''),
        handle: () => result(batchId),
      };
    }
    return undefined;
  }

  function takeInjected(path: string): InjectedResponse | undefined {
    const key = faultKey(path);
    const queue = injected.get(key);
    const next = queue?.shift();
    if (queue && queue.length === 0) injected.delete(key);
    return next;
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (body === undefined) {
      res.writeHead(status, headers).end();
    } else if (typeof body === 'string') {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers }).end(body);
    } else {
      const json = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(json);
    }
  }

  function admin(method: string, path: string): { status: number; body: unknown } {
    const stockPath = /^\/__admin\/stock\/([^/]+)$/.exec(path);
    if (method === 'GET' && stockPath) {
      const listing = stock(decodeURIComponent(stockPath[1] ?? ''));
      return listing ? { status: 200, body: listing } : { status: 404, body: { error: 'not a listed barcode' } };
    }
    if (method === 'GET' && path === '/__admin/requests') return { status: 200, body: structuredClone(log) };
    return { status: 404, body: { error: 'Not Found', message: `${method} ${path}` } };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    // The admin side is not the marketplace: no auth, no rate limit, and not in the request log.
    if (method === 'POST' && path === '/__admin/packages') {
      // A buyer ordered on Trendyol: the package appears in the seller's stream (and in the package list).
      let pkg: unknown;
      try {
        pkg = JSON.parse(await readBody(req, MAX_BODY_BYTES));
      } catch {
        pkg = null;
      }
      const id = (pkg as { shipmentPackageId?: unknown } | null)?.shipmentPackageId;
      if (typeof pkg !== 'object' || pkg === null || (typeof id !== 'string' && typeof id !== 'number')) {
        send(res, 400, { error: 'body must be a ShipmentPackage with a shipmentPackageId' });
        return;
      }
      state.addPackage(pkg as Parameters<TrendyolSimulatorState['addPackage']>[0]);
      send(res, 201, { shipmentPackageId: String(id) });
      return;
    }
    if (path.startsWith('/__admin/')) {
      const { status, body } = admin(method, path);
      send(res, status, body);
      return;
    }

    let raw = '';
    const entry: TrendyolRequestLogEntry = {
      seq: ++seq,
      at: now(),
      method,
      path,
      userAgent: req.headers['user-agent'] ?? null,
      apiKey: basicUser(req.headers.authorization),
      body: null,
      status: 0,
      response: null,
    };
    const answer = (status: number, body: unknown, headers?: Record<string, string>): void => {
      entry.status = status;
      entry.response = body ?? null;
      log.push(entry);
      send(res, status, body, headers);
    };
    try {
      raw = await readBody(req, MAX_BODY_BYTES, () => productError(413, 'request.too.large', 'request body too large'));
      entry.body = parseLogged(raw);
      const fault = takeInjected(path);
      if (fault) {
        entry.injected = true;
        answer(fault.status, fault.body, fault.headers);
        return;
      }
      const found = route(method, path, url.searchParams);
      if (!found) throw new HttpError(404, { error: 'Not Found', message: `no route for ${method} ${path}` });
      // Choice: the 429 body is the bare text `too.many.requests` with no rate headers (§1.8 names only the text).
      if (rateLimited(found.endpoint)) throw new HttpError(429, 'too.many.requests');
      authenticate(req, found.sellerId);
      const result = found.handle(raw);
      if (result instanceof Answered) answer(result.status, result.body);
      else answer(200, result);
    } catch (err) {
      if (err instanceof HttpError) answer(err.status, err.body);
      else answer(500, { error: 'Internal Server Error', message: 'simulator failure' });
    }
  }

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const state: TrendyolSimulatorState = {
    sellerId,
    addPackage(pkg) {
      const stored = { ...pkg, lastModifiedDate: pkg.lastModifiedDate ?? now() };
      packages.set(String(stored.shipmentPackageId), stored);
    },
    list(barcodes) {
      listed ??= new Set();
      for (const barcode of barcodes) listed.add(normalizeTrendyolBarcode(barcode));
    },
    stock,
    package(packageId) {
      settlePackages();
      const pkg = packages.get(String(packageId));
      return pkg ? structuredClone(pkg) : undefined;
    },
    packagesOf(orderNumber) {
      settlePackages();
      return structuredClone([...packages.values()].filter((p) => String(p.orderNumber) === orderNumber));
    },
    requests: () => structuredClone(log),
    faults: {
      next(path, response) {
        // One queue per path however it is spelled, so faults queued both ways still come out in order.
        const key = faultKey(path);
        injected.set(key, [...(injected.get(key) ?? []), response]);
      },
      failItem(barcode, reason = 'Simulated failure (injected)') {
        const normalized = normalizeTrendyolBarcode(barcode);
        failItems.set(normalized, [...(failItems.get(normalized) ?? []), reason]);
      },
      clear() {
        injected.clear();
        failItems.clear();
      },
    },
  };

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive connections (fetch keeps them) would hold close() open.
        server.closeAllConnections();
      }),
  };
}

/** A path relative to the base (`/integration` dropped), the key of the injected-fault queues. */
function faultKey(path: string): string {
  return path.startsWith('/integration/') ? path.slice('/integration'.length) : path;
}

function basicUser(header: string | undefined): string | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? null : decoded.slice(0, colon);
}

function parseLogged(raw: string): unknown {
  if (raw === '') return null;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
