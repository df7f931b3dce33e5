// Hepsiburada's listing API (listing-external) as far as the stock feed uses it: stock uploads, which are
// asynchronous. A POST of a JSON array answers `{ id }` at once; the rows are applied only when the upload is
// processed (`processDelayMs` later on the simulator's clock), and the result lists the rejected rows inside a 200.
// CONNECTORS.md §2.1, §2.4, §2.7, §5. Where the document is uncertain the choice is marked [choice] below.
import {
  deterministicGuid,
  FixedWindowLimiter,
  HttpFaults,
  injected,
  parseJson,
  type RateLimit,
  RequestLog,
  type RunningSimulator,
  serve,
  sharedAdmin,
  type SimClock,
  type SimRequest,
  type SimResponse,
  systemClock,
} from './http-kit';

export interface HepsiburadaSimulatorOptions {
  port?: number;
  merchantId: string;
  username: string;
  password: string;
  /** The integrator name registered in the merchant panel; anything else (decorated too) is a 401 (§2.1 [M]). */
  userAgent: string;
  processDelayMs?: number;
  /** §2.7: 1000 req/s on the integration hosts; set it low to test backoff. */
  rateLimit?: RateLimit;
  /** When given, only these merchantSkus are listings; any other row is rejected (real HB knows its listings). */
  listings?: string[];
  clock?: SimClock;
}

export interface StockUploadRow {
  hepsiburadaSku?: string;
  merchantSku: string;
  availableStock: number;
  maximumPurchasableQuantity?: number;
}

export interface StockUploadRowError {
  elementNo: number;
  hepsiburadaSku?: string;
  merchantSku: string;
  errors: string[];
}

export interface StockUpload {
  id: string;
  status: 'Processing' | 'Done';
  createdAt: string;
  total: number;
  errors: StockUploadRowError[];
  /** Internal: what was sent, and when it is processed. */
  rows: unknown[];
  dueAt: number;
}

export interface HepsiburadaListingStock {
  merchantSku: string;
  hepsiburadaSku?: string;
  availableStock: number;
  maximumPurchasableQuantity?: number;
  /** The upload that set it. */
  uploadId: string;
}

export interface HepsiburadaSimState {
  clock: SimClock;
  /** What the marketplace shows now, by merchantSku (only rows of processed uploads). */
  stock: Map<string, HepsiburadaListingStock>;
  uploads: Map<string, StockUpload>;
  requests: RequestLog;
  faults: HttpFaults;
  /** Processes every upload whose time has come; requests do it too, so tests rarely need it. */
  settle(): void;
}

export const HEPSIBURADA_MAX_UPLOAD_ROWS = 4000;
export const HEPSIBURADA_MAX_PROCESSING_UPLOADS = 5;

/** §2.7: the listing host answers a 401 with this text/plain body, whatever was wrong (missing, wrong, User-Agent). */
export const HEPSIBURADA_MISSING_CREDENTIALS = 'Missing Credentials!';

/**
 * [choice] §2.4 says only "a 6th upload is refused with a message inside a 2xx" [L]; the real wording and shape
 * are unknown, so the simulator answers 200 with no `id` and this message, and connectors must treat a 2xx
 * without an id as a refusal.
 */
export const HEPSIBURADA_TOO_MANY_UPLOADS =
  'Too many concurrent uploads: at most 5 stock uploads may be processing; retry after one of them is done';

function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

function rowErrors(row: unknown, listings: Set<string> | undefined): { errors: string[]; sku: string; hbSku?: string } {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return { errors: ['row must be an object'], sku: '' };
  const r = row as Record<string, unknown>;
  const sku = typeof r.merchantSku === 'string' ? r.merchantSku : '';
  const hbSku = typeof r.hepsiburadaSku === 'string' ? r.hepsiburadaSku : undefined;
  const errors: string[] = [];
  if (!sku) errors.push('merchantSku is required');
  else if (listings && !listings.has(sku)) errors.push(`Listing not found for merchantSku ${sku}`);
  if (!Number.isInteger(r.availableStock) || (r.availableStock as number) < 0) {
    errors.push('availableStock must be a non-negative integer');
  }
  if (
    r.maximumPurchasableQuantity !== undefined &&
    (!Number.isInteger(r.maximumPurchasableQuantity) || (r.maximumPurchasableQuantity as number) < 1)
  ) {
    errors.push('maximumPurchasableQuantity must be a positive integer');
  }
  return { errors, sku, ...(hbSku !== undefined ? { hbSku } : {}) };
}

/** Starts the listing simulator on loopback; `state` is the in-process view of what the marketplace holds. */
export async function startHepsiburadaSimulator(
  options: HepsiburadaSimulatorOptions,
): Promise<RunningSimulator & { state: HepsiburadaSimState }> {
  const clock = options.clock ?? systemClock();
  const processDelayMs = options.processDelayMs ?? 300;
  const limiter = new FixedWindowLimiter(options.rateLimit ?? { requests: 1000, perMs: 1000 }, clock);
  const listings = options.listings ? new Set(options.listings) : undefined;
  const expectedAuth = basicAuth(options.username, options.password);
  const base = `/listings/merchantid/${options.merchantId}/stock-uploads`;
  const faults = new HttpFaults();
  const state: HepsiburadaSimState = {
    clock,
    stock: new Map(),
    uploads: new Map(),
    requests: new RequestLog(),
    faults,
    settle,
  };
  let uploadSeq = 0;

  function settle(): void {
    const now = clock.now();
    // In creation order, so a later upload of the same SKU wins, as it would at the marketplace.
    for (const upload of state.uploads.values()) {
      if (upload.status !== 'Processing' || upload.dueAt > now) continue;
      upload.rows.forEach((row, elementNo) => {
        const checked = rowErrors(row, listings);
        const injectedReason = checked.sku ? faults.takeSku(checked.sku) : undefined;
        const errors = injectedReason ? [...checked.errors, injectedReason] : checked.errors;
        if (errors.length > 0) {
          // [choice] elementNo is the row's 0-based index in the uploaded array; §2.4 names the field only.
          upload.errors.push({
            elementNo,
            ...(checked.hbSku !== undefined ? { hepsiburadaSku: checked.hbSku } : {}),
            merchantSku: checked.sku,
            errors,
          });
          return;
        }
        const r = row as StockUploadRow;
        state.stock.set(r.merchantSku, {
          merchantSku: r.merchantSku,
          ...(r.hepsiburadaSku !== undefined ? { hepsiburadaSku: r.hepsiburadaSku } : {}),
          availableStock: r.availableStock,
          ...(r.maximumPurchasableQuantity !== undefined
            ? { maximumPurchasableQuantity: r.maximumPurchasableQuantity }
            : {}),
          uploadId: upload.id,
        });
      });
      // [choice] §2.4 observed Processing → Done/Failed/Completed [L]; the simulator always ends in Done and
      // reports rejected rows in `errors`, even when every row was rejected.
      upload.status = 'Done';
    }
  }

  function view(upload: StockUpload): Record<string, unknown> {
    return { id: upload.id, status: upload.status, createdAt: upload.createdAt, total: upload.total, errors: upload.errors };
  }

  function admin(req: SimRequest): SimResponse {
    const stock = { settle, get: (sku: string) => state.stock.get(sku), missing: 'no stock uploaded for this SKU' };
    return sharedAdmin(req, { clock, log: state.requests, faults, stock }) ?? { status: 404, body: { message: 'unknown admin route' } };
  }

  function handle(req: SimRequest): SimResponse {
    if (req.path.startsWith('/__admin/')) return admin(req);
    const fault = faults.take(req.path);
    if (fault) return injected(fault);

    if (req.headers.authorization !== expectedAuth || req.headers['user-agent'] !== options.userAgent) {
      return { status: 401, body: HEPSIBURADA_MISSING_CREDENTIALS };
    }
    // [choice] Counted after authentication: §2.7 states the limit per merchant, and only an authenticated
    // request names one. The headers go on every answer so a client can pace itself before the 429.
    const quota = limiter.take();
    const rateHeaders = {
      'x-ratelimit-limit': String(limiter.limit.requests),
      'x-ratelimit-remaining': String(Math.max(0, quota.remaining)),
      // §2.7: X-RateLimit-Reset in seconds; [choice] as seconds until the window resets, rounded up.
      'x-ratelimit-reset': String(Math.ceil(quota.resetMs / 1000)),
    };
    if (!quota.allowed) return { status: 429, body: 'TooManyRequest', headers: rateHeaders };
    settle();
    const answer = route(req);
    return { ...answer, headers: { ...rateHeaders, ...answer.headers } };
  }

  function route(req: SimRequest): SimResponse {
    const merchant = /^\/listings\/merchantid\/([^/]+)\//.exec(req.path)?.[1];
    if (merchant !== undefined && decodeURIComponent(merchant) !== options.merchantId) {
      // [choice] Another merchant's path with this merchant's credentials; §2 does not say, a 403 is the guess.
      return { status: 403, body: 'Forbidden' };
    }
    if (req.method === 'POST' && req.path === base) return createUpload(req);
    const id = req.path.startsWith(`${base}/id/`) ? req.path.slice(`${base}/id/`.length) : '';
    if (req.method === 'GET' && id && !id.includes('/')) {
      const upload = state.uploads.get(decodeURIComponent(id));
      // [choice] The real body for an unknown id is not documented; a bare string, as HB's Go services answer.
      return upload ? { status: 200, body: view(upload) } : { status: 404, body: 'Upload not found' };
    }
    return { status: 404, body: 'Not Found' };
  }

  function createUpload(req: SimRequest): SimResponse {
    const parsed = parseJson(req.body);
    // [choice] Structural problems are 400 with a bare string (§2.7: Go services return bare strings); the
    // rows themselves are judged only when the upload is processed, and their errors come back inside a 200.
    if (!parsed.ok || !Array.isArray(parsed.value)) return { status: 400, body: 'Request body must be a JSON array' };
    const rows = parsed.value as unknown[];
    if (rows.length === 0) return { status: 400, body: 'Request body must contain at least one item' };
    if (rows.length > HEPSIBURADA_MAX_UPLOAD_ROWS) {
      // [choice] §2.4 gives the limit (4000 [M]) but not the answer; a 400, since nothing of it was queued.
      return { status: 400, body: `At most ${HEPSIBURADA_MAX_UPLOAD_ROWS} items can be sent in one request` };
    }
    const processing = [...state.uploads.values()].filter((u) => u.status === 'Processing').length;
    if (processing >= HEPSIBURADA_MAX_PROCESSING_UPLOADS) {
      return { status: 200, body: { success: false, message: HEPSIBURADA_TOO_MANY_UPLOADS } };
    }
    const id = deterministicGuid(options.merchantId, 'stock-upload', String(++uploadSeq));
    const now = clock.now();
    const upload: StockUpload = {
      id,
      status: 'Processing',
      createdAt: new Date(now).toISOString(),
      total: rows.length,
      errors: [],
      rows,
      dueAt: now + processDelayMs,
    };
    state.uploads.set(id, upload);
    return { status: 200, body: { id } };
  }

  const server = await serve(options.port ?? 0, state.requests, clock, handle);
  return { ...server, state };
}
