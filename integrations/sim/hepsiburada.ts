// Hepsiburada's listing API (listing-external) as far as the stock feed uses it: stock uploads, which are
// asynchronous. A POST of a JSON array answers `{ id }` at once; the rows are applied only when the upload is
// processed (`processDelayMs` later on the simulator's clock), and the result lists the rejected rows inside a 200.
// And the order side of oms-external as far as the order intake uses it: the paid lines "to pack" (§2.2), the order
// detail, and HB's own calls to the merchant's webhook BaseURL (§2.6), queued and re-sent after a failure. And
// merchant cargo as the write-back uses it (§2.2, §2.3): packages, unpack (the packageNumber retired, its lines
// packable again), split (the packageNumber retired, new packages minted, units cancelled in the same call),
// cancelbymerchant, the invoice link, intransit → deliver | undeliver.
// [choice] One server answers for both hosts (listing-external, oms-external): the paths do not overlap.
// CONNECTORS.md §2.1, §2.2, §2.4, §2.6, §2.7, §5. Where the document is uncertain the choice is marked [choice] below.
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
  /** How often undelivered webhook calls are tried again (wall time); default 1 s. */
  webhookRetryMs?: number;
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

/** A paid order line as `/orders/merchantid/{m}` lists it (§2.2, abridged); more fields pass through as given. */
export interface HepsiburadaOrderLine {
  id: string;
  orderId: string;
  orderNumber: string;
  orderDate: string;
  dueDate: string;
  lastStatusUpdateDate: string;
  status: string;
  sku: string;
  merchantSKU: string;
  quantity: number;
  unitPrice: { amount: number; currency: string };
  totalPrice: { amount: number; currency: string };
  vatRate: number;
  canCreatePackage: boolean;
  isCancellable: boolean;
  cargoCompany: string;
  shippingAddress: { name: string; address: string; town: string; district: string; city: string; phoneNumber: string; email: string };
  customerId: string;
  customerName: string;
  packageNumber?: string;
  [field: string]: unknown;
}

/** What a test gives to add a line: the order number, the SKU and what the line costs; the rest has defaults. */
export type HepsiburadaLineInput = Partial<HepsiburadaOrderLine> & { orderNumber: string; merchantSKU: string };

/** Where HB calls the merchant (§2.6): its BaseURL and the Basic credentials given by support ticket. */
export interface HepsiburadaWebhookTarget {
  baseUrl: string;
  username: string;
  password: string;
}

/** One call HB made (or tried) to the merchant's BaseURL. */
export interface HepsiburadaWebhookAttempt {
  seq: number;
  method: string;
  route: string;
  at: string;
  /** The answer's status; null when the merchant could not be reached. */
  status: number | null;
  error?: string;
}

export interface HepsiburadaWebhooks {
  /** Sets (or, with null, removes) the merchant's BaseURL; calls queued meanwhile go there on the next try. */
  configure(target: HepsiburadaWebhookTarget | null): void;
  /** Calls not yet answered 200/201/204. */
  pending(): number;
  /** Every call tried, in order. */
  attempts: HepsiburadaWebhookAttempt[];
  /** Tries the queued calls now, oldest first, stopping at the first failure (HB keeps their order). */
  flush(): Promise<void>;
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
  /** The paid lines waiting to be packed, by lineItemId, in the order they were added. */
  orderLines: Map<string, HepsiburadaOrderLine>;
  /** Adds paid lines "to pack" and, when a webhook target is configured, queues `POST <base>/orders { items }`. */
  addOrderLines(lines: HepsiburadaLineInput[], options?: { webhook?: boolean }): HepsiburadaOrderLine[];
  webhooks: HepsiburadaWebhooks;
  /** Replaces the rate limit (§2.7: configurable down to test backoff); the window starts afresh. */
  setRateLimit(limit: RateLimit): void;
  /** The packages made through the API (merchant cargo, §2.3), by packageNumber, in the order they were made. */
  packages: Map<string, HepsiburadaPackage>;
  /**
   * The next `times` requests to `path` are carried out but their answer is lost (502): what a client sees when the
   * connection drops after HB acted, to prove a retry does not act twice.
   */
  loseAnswer(path: string, times?: number): void;
}

/** A package made via `POST /packages/merchantid/{m}` and what the merchant-cargo calls did to it (§2.3). */
export interface HepsiburadaPackage {
  packageNumber: string;
  barcode: string;
  /**
   * [choice] Free text on the wire (§2.2 [M]): Packed → InTransit → Delivered | Undelivered, or Packed → UnPacked
   * (unpack: the packageNumber is retired, its lines are packable again; §5), or Packed → UnPacked by a split (the
   * packageNumber retired, its units in new packages or cancelled).
   */
  status: 'Packed' | 'InTransit' | 'Delivered' | 'Undelivered' | 'UnPacked';
  orderNumber: string;
  items: { lineItemId: string; merchantSku: string; orderNumber: string; quantity: number }[];
  packedAt: string;
  invoice?: { invoiceLink: string; serialNumber?: string | undefined } | undefined;
  shippedDate?: string | undefined;
  trackingNumber?: string | undefined;
  trackingUrl?: string | undefined;
  receivedDate?: string | undefined;
  receivedBy?: string | undefined;
  undeliveredDate?: string | undefined;
  undeliveredReason?: string | undefined;
  /** When it was unpacked (§2.2's package field `unpackedDate`), or split. */
  unpackedDate?: string | undefined;
  /** The packages a split of this one made; the package a split child came from. */
  splitInto?: string[] | undefined;
  splitFrom?: string | undefined;
}

/** §2.3: merchant-cargo dates may not be older than this. */
export const HEPSIBURADA_MAX_DATE_AGE_MS = 7 * 24 * 3600_000;

/** `/orders` pages hold at most this many lines (§2.2). */
export const HEPSIBURADA_MAX_ORDER_PAGE = 100;

/** The package feeds (`/status/unpacked`, …) hold at most this many packages a page (§2.2). */
export const HEPSIBURADA_MAX_FEED_PAGE = 50;

/** Turkey has kept UTC+3 all year since 2016. */
const TURKEY_OFFSET_MS = 3 * 3600_000;

/** `yyyy-MM-dd HH:mm` read as Turkey time (§2.1 [M]); null for anything else, an ISO string included. */
export function parseHepsiburadaDate(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi) - TURKEY_OFFSET_MS;
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
  let limiter = new FixedWindowLimiter(options.rateLimit ?? { requests: 1000, perMs: 1000 }, clock);
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
    orderLines: new Map(),
    addOrderLines,
    webhooks: {
      configure: (target) => {
        webhookTarget = target;
      },
      pending: () => webhookQueue.length,
      attempts: [],
      flush,
    },
    setRateLimit: (limit) => {
      limiter = new FixedWindowLimiter(limit, clock);
    },
    packages: new Map(),
    loseAnswer: (path, times = 1) => {
      lostAnswers.set(path, (lostAnswers.get(path) ?? 0) + times);
    },
  };
  const lostAnswers = new Map<string, number>();
  let packageSeq = 0;
  let uploadSeq = 0;
  let lineSeq = 0;
  let webhookTarget: HepsiburadaWebhookTarget | null = null;
  const webhookQueue: { method: string; route: string; body: unknown }[] = [];
  let flushing: Promise<void> = Promise.resolve();

  function addOrderLines(inputs: HepsiburadaLineInput[], addOptions: { webhook?: boolean } = {}): HepsiburadaOrderLine[] {
    const now = new Date(clock.now()).toISOString();
    const added = inputs.map((input): HepsiburadaOrderLine => {
      const seq = ++lineSeq;
      const quantity = input.quantity ?? 1;
      const unitPrice = input.unitPrice ?? { amount: 100, currency: 'TRY' };
      const line: HepsiburadaOrderLine = {
        id: deterministicGuid(options.merchantId, 'line', String(seq)),
        orderId: deterministicGuid(options.merchantId, 'order', input.orderNumber),
        orderDate: now,
        dueDate: now,
        lastStatusUpdateDate: now,
        // [choice] Status strings are free text (§2.2 [M]); a line to pack reads "Open".
        status: 'Open',
        sku: `HBV${String(seq).padStart(11, '0')}`,
        quantity,
        unitPrice,
        totalPrice: { amount: Math.round(unitPrice.amount * quantity * 100) / 100, currency: unitPrice.currency },
        vatRate: 20,
        canCreatePackage: true,
        isCancellable: true,
        cargoCompany: 'HepsiJET',
        shippingAddress: {
          name: 'Ayşe Yılmaz',
          address: 'Bağdat Cd. 10',
          town: 'Kadıköy',
          district: 'Caddebostan',
          city: 'İstanbul',
          phoneNumber: '5551112233',
          email: 'ayse@example.com',
        },
        customerId: deterministicGuid(options.merchantId, 'customer', input.orderNumber),
        customerName: 'Ayşe Yılmaz',
        ...input,
      };
      state.orderLines.set(line.id, line);
      return line;
    });
    if (addOptions.webhook !== false && webhookTarget && added.length > 0) {
      webhookQueue.push({ method: 'POST', route: '/orders', body: { items: added } });
      void flush();
    }
    return added;
  }

  /** One call to the merchant's BaseURL; true when it answered 200, 201 or 204 (§2.6: nothing else counts). */
  async function deliver(call: { method: string; route: string; body: unknown }): Promise<boolean> {
    const target = webhookTarget;
    const attempt: HepsiburadaWebhookAttempt = {
      seq: state.webhooks.attempts.length + 1,
      method: call.method,
      route: call.route,
      at: new Date(clock.now()).toISOString(),
      status: null,
    };
    state.webhooks.attempts.push(attempt);
    if (!target) {
      attempt.error = 'no webhook BaseURL configured';
      return false;
    }
    try {
      const res = await fetch(`${target.baseUrl.replace(/\/+$/, '')}${call.route}`, {
        method: call.method,
        headers: { authorization: basicAuth(target.username, target.password), 'content-type': 'application/json' },
        body: JSON.stringify(call.body),
        signal: AbortSignal.timeout(10_000),
      });
      await res.arrayBuffer();
      attempt.status = res.status;
      return res.status === 200 || res.status === 201 || res.status === 204;
    } catch (err) {
      attempt.error = err instanceof Error ? err.message : String(err);
      return false;
    }
  }

  function flush(): Promise<void> {
    // One flush at a time, so the calls keep their order.
    flushing = flushing.then(async () => {
      while (webhookQueue.length > 0) {
        const head = webhookQueue[0]!;
        if (!(await deliver(head))) return;
        webhookQueue.shift();
      }
    });
    return flushing;
  }

  // HB records why a call failed and re-sends after the merchant recovers (§2.6): a retry loop on wall time.
  const retryTimer = setInterval(() => {
    if (webhookQueue.length > 0) void flush();
  }, options.webhookRetryMs ?? 1000);
  retryTimer.unref();

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
    // POST /__admin/orders { items: [line input] }: paid lines to pack (and the webhook call, when configured).
    if (req.method === 'POST' && req.path === '/__admin/orders') {
      const parsed = parseJson(req.body);
      const items = parsed.ok ? (parsed.value as { items?: unknown } | null)?.items : undefined;
      const valid = (x: unknown) => typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>).orderNumber === 'string' && typeof (x as Record<string, unknown>).merchantSKU === 'string';
      if (!Array.isArray(items) || !items.every(valid)) {
        return { status: 400, body: { message: 'body must be { "items": [{ "orderNumber", "merchantSKU", ... }] }' } };
      }
      return { status: 200, body: { items: addOrderLines(items as HepsiburadaLineInput[]) } };
    }
    // PUT /__admin/webhook { baseUrl, username, password } (or {} to remove): the merchant's BaseURL.
    if (req.method === 'PUT' && req.path === '/__admin/webhook') {
      const parsed = parseJson(req.body);
      const t = parsed.ok ? (parsed.value as Partial<HepsiburadaWebhookTarget> | null) : null;
      if (t && typeof t.baseUrl === 'string' && typeof t.username === 'string' && typeof t.password === 'string') {
        webhookTarget = { baseUrl: t.baseUrl, username: t.username, password: t.password };
      } else if (t && Object.keys(t).length === 0) webhookTarget = null;
      else return { status: 400, body: { message: 'body must be { "baseUrl", "username", "password" } or {}' } };
      return { status: 204 };
    }
    if (req.method === 'GET' && req.path === '/__admin/webhook') {
      return { status: 200, body: { pending: webhookQueue.length, attempts: state.webhooks.attempts } };
    }
    const stock = { settle, get: (sku: string) => state.stock.get(sku), missing: 'no stock uploaded for this SKU' };
    return sharedAdmin(req, { clock, log: state.requests, faults, stock }) ?? { status: 404, body: { message: 'unknown admin route' } };
  }

  /** Paths of oms-external (orders, packages, line items): its 401 has an empty body (§2.7). */
  const isOmsPath = (path: string) => /^\/(orders|packages|lineitems)\//.test(path);

  function handle(req: SimRequest): SimResponse {
    if (req.path.startsWith('/__admin/')) return admin(req);
    const fault = faults.take(req.path);
    if (fault) return injected(fault);

    if (req.headers.authorization !== expectedAuth || req.headers['user-agent'] !== options.userAgent) {
      return isOmsPath(req.path) ? { status: 401 } : { status: 401, body: HEPSIBURADA_MISSING_CREDENTIALS };
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
    const lost = lostAnswers.get(req.path) ?? 0;
    if (lost > 0) {
      if (lost === 1) lostAnswers.delete(req.path);
      else lostAnswers.set(req.path, lost - 1);
      return { status: 502, body: 'Bad Gateway' };
    }
    return { ...answer, headers: { ...rateHeaders, ...answer.headers } };
  }

  function route(req: SimRequest): SimResponse {
    const orders = /^\/orders\/merchantid\/([^/]+)(\/ordernumber\/([^/]+))?$/.exec(req.path);
    if (orders && req.method === 'GET') {
      if (decodeURIComponent(orders[1]!) !== options.merchantId) return { status: 403, body: 'Forbidden' };
      return orders[3] !== undefined ? orderDetail(decodeURIComponent(orders[3])) : listOrderLines(req.query);
    }
    const packageRoute = /^\/(packages|lineitems)\/merchantid\/([^/]+)(\/.*)?$/.exec(req.path);
    if (packageRoute) {
      if (decodeURIComponent(packageRoute[2]!) !== options.merchantId) return { status: 403, body: 'Forbidden' };
      return packageCall(req, packageRoute[1]!, packageRoute[3] ?? '');
    }
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

  /** The package and line-item calls of merchant cargo (§2.2, §2.3); business refusals are 400 with a bare string. */
  function packageCall(req: SimRequest, kind: string, rest: string): SimResponse {
    const parsed = req.body ? parseJson(req.body) : { ok: true as const, value: {} };
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return { status: 400, body: 'Request body must be a JSON object' };
    const body = parsed.value as Record<string, unknown>;
    if (kind === 'lineitems') {
      const cancel = /^\/id\/([^/]+)\/cancelbymerchant$/.exec(rest);
      if (!cancel || req.method !== 'POST') return { status: 404, body: 'Not Found' };
      const line = state.orderLines.get(decodeURIComponent(cancel[1]!));
      if (!line) return { status: 404, body: 'Line item not found' };
      if (!Number.isInteger(body.reasonId)) return { status: 400, body: 'reasonId is required' };
      // §5: cancelbymerchant only for lines not packed yet.
      if (line.packageNumber) return { status: 400, body: `Line item ${line.id} is packed (${line.packageNumber}) and cannot be cancelled` };
      if (line.status === 'CancelledByMerchant') return { status: 400, body: `Line item ${line.id} is already cancelled` };
      line.status = 'CancelledByMerchant';
      line.canCreatePackage = false;
      line.isCancellable = false;
      line.cancelReasonId = body.reasonId;
      line.lastStatusUpdateDate = new Date(clock.now()).toISOString();
      return { status: 200, body: { id: line.id, status: line.status } };
    }
    if (rest === '' && req.method === 'POST') return createPackage(body);
    if (rest === '/status/unpacked' && req.method === 'GET') return unpackedFeed(req.query);
    const m = /^\/packagenumber\/([^/]+)(\/(invoice|intransit|deliver|undeliver|unpack|split))?$/.exec(rest);
    const pkg = m ? state.packages.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m) return { status: 404, body: 'Not Found' };
    if (!pkg) return { status: 404, body: 'Package not found' };
    const action = m[3];
    if (action === undefined && req.method === 'GET') {
      return {
        status: 200,
        body: {
          packageNumber: pkg.packageNumber,
          barcode: pkg.barcode,
          status: pkg.status,
          cargoCompany: 'Mağaza Hesabı',
          trackingInfoCode: pkg.trackingNumber ?? null,
          trackingInfoUrl: pkg.trackingUrl ?? null,
          deci: 1,
          estimatedArrivalDate: null,
          items: pkg.items,
          ...(pkg.unpackedDate ? { unpackedDate: pkg.unpackedDate } : {}),
        },
      };
    }
    const isWrite = action === 'invoice' ? req.method === 'PUT' : action !== undefined && req.method === 'POST';
    if (!isWrite) return { status: 404, body: 'Not Found' };
    // §5: unpack retires the packageNumber; nothing more is done to it.
    if (pkg.status === 'UnPacked') return { status: 400, body: `Package ${pkg.packageNumber} is UnPacked: its packageNumber is retired` };
    if (action === 'unpack') return unpack(pkg);
    if (action === 'split') return split(pkg, body);
    if (action === 'invoice') {
      if (typeof body.invoiceLink !== 'string' || !/^https?:\/\//.test(body.invoiceLink)) return { status: 400, body: 'invoiceLink must be a URL' };
      // [choice] §2.3 gives 204 and no rule for a repeat: a later link replaces the earlier one.
      pkg.invoice = { invoiceLink: body.invoiceLink, ...(typeof body.serialNumber === 'string' ? { serialNumber: body.serialNumber } : {}) };
      return { status: 204 };
    }
    const field = action === 'intransit' ? 'shippedDate' : action === 'deliver' ? 'receivedDate' : 'undeliveredDate';
    const at = typeof body[field] === 'string' ? Date.parse(body[field]) : NaN;
    if (Number.isNaN(at)) return { status: 400, body: `${field} is required` };
    const now = clock.now();
    // §2.3: dates may not be older than 7 days. [choice] Nor more than a minute in the future.
    if (at < now - HEPSIBURADA_MAX_DATE_AGE_MS) return { status: 400, body: `${field} may not be older than 7 days` };
    if (at > now + 60_000) return { status: 400, body: `${field} may not be in the future` };
    if (action === 'intransit') {
      if (pkg.status !== 'Packed') return { status: 400, body: `Package ${pkg.packageNumber} is ${pkg.status}, not Packed` };
      if (typeof body.trackingNumber !== 'string' || !body.trackingNumber.trim()) return { status: 400, body: 'trackingNumber is required' };
      if (at < Date.parse(pkg.packedAt)) return { status: 400, body: 'shippedDate may not be before the package was packed' };
      pkg.status = 'InTransit';
      pkg.shippedDate = new Date(at).toISOString();
      pkg.trackingNumber = body.trackingNumber;
      if (typeof body.trackingUrl === 'string') pkg.trackingUrl = body.trackingUrl;
      return { status: 200, body: { packageNumber: pkg.packageNumber, status: pkg.status } };
    }
    // §2.3: intransit first, then deliver or undeliver.
    if (pkg.status !== 'InTransit') return { status: 400, body: `Package ${pkg.packageNumber} is ${pkg.status}, not InTransit` };
    if (at < Date.parse(pkg.shippedDate!)) return { status: 400, body: `${field} may not be before shippedDate` };
    if (action === 'deliver') {
      pkg.status = 'Delivered';
      pkg.receivedDate = new Date(at).toISOString();
      if (typeof body.receivedBy === 'string') pkg.receivedBy = body.receivedBy;
    } else {
      pkg.status = 'Undelivered';
      pkg.undeliveredDate = new Date(at).toISOString();
      if (typeof body.undeliveredReason === 'string') pkg.undeliveredReason = body.undeliveredReason;
    }
    return { status: 200, body: { packageNumber: pkg.packageNumber, status: pkg.status } };
  }

  /**
   * POST …/packagenumber/{p}/unpack: the package the merchant still holds is undone; its packageNumber is retired
   * (UnPacked, listed in `/status/unpacked`) and its lines are packable again (back in `/orders`, no packageNumber in
   * the order detail), to be packed anew under a new number (§2.2, §5). Once the carrier has the parcel (intransit
   * and after) it cannot be unpacked. [choice] §2.2 gives no body either way: none is needed, and the answer is 200
   * `{ packageNumber, status }` as for the other merchant-cargo calls.
   */
  function unpack(pkg: HepsiburadaPackage): SimResponse {
    if (pkg.status !== 'Packed') return { status: 400, body: `Package ${pkg.packageNumber} is ${pkg.status} and cannot be unpacked` };
    const now = new Date(clock.now()).toISOString();
    pkg.status = 'UnPacked';
    pkg.unpackedDate = now;
    for (const item of pkg.items) {
      const line = state.orderLines.get(item.lineItemId);
      if (!line || line.packageNumber !== pkg.packageNumber) continue;
      delete line.packageNumber;
      line.status = 'Open';
      line.canCreatePackage = true;
      line.lastStatusUpdateDate = now;
    }
    return { status: 200, body: { packageNumber: pkg.packageNumber, status: pkg.status } };
  }

  /**
   * POST …/packagenumber/{p}/split { packageDetails: [{ lines: [{ orderLineId, quantity }], … }], cancelledItems:
   * [{ orderLineId, quantity, cancelReasonId }] } (§2.2, §2.3): a package the merchant still holds (Packed) is
   * retired (UnPacked, listed in `/status/unpacked`) and each entry of `packageDetails` becomes a new package under a
   * new packageNumber; the units of `cancelledItems` are cancelled. What the package held must be accounted for
   * exactly, per line: packageDetails + cancelledItems = the line's quantity in the package.
   * [choice] A line is one record with one packageNumber, as the order detail shows it, so a line whose units end up
   * in more than one place is divided: the line's own id keeps the units of the first package that names it (or, when
   * no package keeps any, its cancelled units: the whole line cancelled, as cancelbymerchant does); every other share
   * (units in a further package, or the cancelled units of a line that keeps some) is a new line record, with a new
   * id, `splitFromLineItemId` naming the line, the same merchantSKU, and for cancelled units the status
   * CancelledByMerchant with their cancelReasonId. The line's own quantity (and totalPrice) shrink to what it keeps.
   * [choice] At least one package entry is required (a split makes a package; to cancel every unit, unpack and
   * cancel by merchant), and a split that changes nothing (one entry with every unit, nothing cancelled) is refused.
   * [choice] §2.3 gives no answer: 200 `{ packageNumber, status, packages: [{ packageNumber, barcode }] }`, the new
   * packages in the order of `packageDetails`, as the create-package call answers its packageNumber and barcode.
   */
  function split(pkg: HepsiburadaPackage, body: Record<string, unknown>): SimResponse {
    if (pkg.status !== 'Packed') return { status: 400, body: `Package ${pkg.packageNumber} is ${pkg.status} and cannot be split` };
    const details = body.packageDetails;
    const cancelled = body.cancelledItems ?? [];
    if (!Array.isArray(details) || details.length === 0) return { status: 400, body: 'packageDetails must be a non-empty list' };
    if (!Array.isArray(cancelled)) return { status: 400, body: 'cancelledItems must be a list' };
    const held = new Map(pkg.items.map((i) => [i.lineItemId, i.quantity]));
    const given = new Map<string, number>();
    const readLine = (raw: unknown, where: string): { id: string; quantity: number } | string => {
      const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
      if (typeof r.orderLineId !== 'string' || !held.has(r.orderLineId)) return `${where}.orderLineId: line item not found in package ${pkg.packageNumber}`;
      if (!Number.isInteger(r.quantity) || (r.quantity as number) <= 0) return `${where}.quantity must be a positive integer`;
      given.set(r.orderLineId, (given.get(r.orderLineId) ?? 0) + (r.quantity as number));
      return { id: r.orderLineId, quantity: r.quantity as number };
    };
    const packs: { id: string; quantity: number }[][] = [];
    for (const [i, d] of (details as unknown[]).entries()) {
      const ls = (typeof d === 'object' && d !== null ? (d as Record<string, unknown>).lines : undefined) as unknown;
      if (!Array.isArray(ls) || ls.length === 0) return { status: 400, body: `packageDetails[${i}].lines must be a non-empty list` };
      const pack: { id: string; quantity: number }[] = [];
      for (const [j, raw] of ls.entries()) {
        const read = readLine(raw, `packageDetails[${i}].lines[${j}]`);
        if (typeof read === 'string') return { status: 400, body: read };
        pack.push(read);
      }
      packs.push(pack);
    }
    const cancels: { id: string; quantity: number; reasonId: number }[] = [];
    for (const [i, raw] of (cancelled as unknown[]).entries()) {
      const read = readLine(raw, `cancelledItems[${i}]`);
      if (typeof read === 'string') return { status: 400, body: read };
      const reasonId = (raw as Record<string, unknown>).cancelReasonId;
      if (!Number.isInteger(reasonId)) return { status: 400, body: `cancelledItems[${i}].cancelReasonId is required` };
      cancels.push({ ...read, reasonId: reasonId as number });
    }
    for (const [id, quantity] of held) {
      const n = given.get(id) ?? 0;
      if (n !== quantity) return { status: 400, body: `Line item ${id}: packageDetails and cancelledItems hold ${n} units, the package holds ${quantity}` };
    }
    if (packs.length === 1 && cancels.length === 0) return { status: 400, body: `Package ${pkg.packageNumber}: the split changes nothing` };

    const now = new Date(clock.now()).toISOString();
    const kept = new Set<string>();
    let shareSeq = 0;
    /** The line record that takes `quantity` units of line `id`: the line itself the first time, a new share after. */
    const share = (id: string, quantity: number): HepsiburadaOrderLine => {
      const line = state.orderLines.get(id)!;
      if (!kept.has(id)) {
        kept.add(id);
        return line;
      }
      const copy: HepsiburadaOrderLine = {
        ...line,
        id: deterministicGuid(options.merchantId, 'line', `${id}/${pkg.packageNumber}/${++shareSeq}`),
        quantity,
        splitFromLineItemId: id,
      };
      state.orderLines.set(copy.id, copy);
      return copy;
    };
    const setQuantity = (line: HepsiburadaOrderLine, quantity: number) => {
      line.quantity = quantity;
      line.totalPrice = { amount: Math.round(line.unitPrice.amount * quantity * 100) / 100, currency: line.unitPrice.currency };
      line.lastStatusUpdateDate = now;
    };
    const made: HepsiburadaPackage[] = [];
    for (const pack of packs) {
      const seq = ++packageSeq;
      const child: HepsiburadaPackage = {
        packageNumber: `HBP${String(seq).padStart(10, '0')}`,
        barcode: `HBB${String(seq).padStart(10, '0')}`,
        status: 'Packed',
        orderNumber: pkg.orderNumber,
        items: [],
        packedAt: now,
        splitFrom: pkg.packageNumber,
      };
      for (const { id, quantity } of pack) {
        const line = share(id, quantity);
        setQuantity(line, quantity);
        line.packageNumber = child.packageNumber;
        line.status = 'Packed';
        line.canCreatePackage = false;
        child.items.push({ lineItemId: line.id, merchantSku: line.merchantSKU, orderNumber: line.orderNumber, quantity });
      }
      state.packages.set(child.packageNumber, child);
      made.push(child);
    }
    // Cancelled units: after the packages, so a line that keeps units keeps its own id.
    for (const { id, quantity, reasonId } of cancels) {
      const line = share(id, quantity);
      setQuantity(line, quantity);
      delete line.packageNumber;
      line.status = 'CancelledByMerchant';
      line.canCreatePackage = false;
      line.isCancellable = false;
      line.cancelReasonId = reasonId;
    }
    pkg.status = 'UnPacked';
    pkg.unpackedDate = now;
    pkg.splitInto = made.map((p) => p.packageNumber);
    return {
      status: 200,
      body: { packageNumber: pkg.packageNumber, status: pkg.status, packages: made.map((p) => ({ packageNumber: p.packageNumber, barcode: p.barcode })) },
    };
  }

  /**
   * GET /packages/merchantid/{m}/status/unpacked: the retired packages, in the order they were unpacked (§2.2 feeds,
   * limit ≤50). [choice] The document gives neither the envelope nor a default: the paged envelope of `/orders`,
   * `limit` 50 when absent, lower-case `offset`; a limit past 50 is a 400 with a bare string.
   */
  function unpackedFeed(query: URLSearchParams): SimResponse {
    const limitText = query.get('limit') ?? String(HEPSIBURADA_MAX_FEED_PAGE);
    const offsetText = query.get('offset') ?? '0';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > HEPSIBURADA_MAX_FEED_PAGE) {
      return { status: 400, body: `limit must be between 1 and ${HEPSIBURADA_MAX_FEED_PAGE}` };
    }
    if (!/^\d+$/.test(offsetText)) return { status: 400, body: 'offset must be a non-negative integer' };
    const limit = Number(limitText);
    const offset = Number(offsetText);
    const unpacked = [...state.packages.values()]
      .filter((pkg) => pkg.status === 'UnPacked')
      .sort((a, b) => Date.parse(a.unpackedDate!) - Date.parse(b.unpackedDate!));
    const items = unpacked.slice(offset, offset + limit).map((pkg) => ({
      packageNumber: pkg.packageNumber,
      barcode: pkg.barcode,
      status: pkg.status,
      items: pkg.items,
      unpackedDate: pkg.unpackedDate,
    }));
    return { status: 200, body: { items, limit, offset, pageCount: Math.ceil(unpacked.length / limit), totalCount: unpacked.length } };
  }

  /** POST /packages/merchantid/{m} { lineItemRequests }: packs lines of one order; 201 { packageNumber, barcode }. */
  function createPackage(body: Record<string, unknown>): SimResponse {
    const requests = body.lineItemRequests;
    if (!Array.isArray(requests) || requests.length === 0) return { status: 400, body: 'lineItemRequests must be a non-empty list' };
    const lines: HepsiburadaOrderLine[] = [];
    for (const [i, r] of (requests as { id?: unknown; quantity?: unknown }[]).entries()) {
      const line = typeof r?.id === 'string' ? state.orderLines.get(r.id) : undefined;
      if (!line) return { status: 400, body: `lineItemRequests[${i}].id: line item not found` };
      if (line.packageNumber) return { status: 400, body: `Line item ${line.id} is already packed (${line.packageNumber})` };
      if (line.status === 'CancelledByMerchant') return { status: 400, body: `Line item ${line.id} is cancelled` };
      // [choice] §2.3 allows a quantity per line (a partial pack); the simulator packs whole lines only.
      if (r.quantity !== line.quantity) return { status: 400, body: `lineItemRequests[${i}].quantity must be ${line.quantity}` };
      if (lines[0] && lines[0].orderNumber !== line.orderNumber) return { status: 400, body: 'Lines of different orders cannot be packed together' };
      lines.push(line);
    }
    const seq = ++packageSeq;
    const packageNumber = `HBP${String(seq).padStart(10, '0')}`;
    const now = new Date(clock.now()).toISOString();
    const pkg: HepsiburadaPackage = {
      packageNumber,
      barcode: `HBB${String(seq).padStart(10, '0')}`,
      status: 'Packed',
      orderNumber: lines[0]!.orderNumber,
      items: lines.map((l) => ({ lineItemId: l.id, merchantSku: l.merchantSKU, orderNumber: l.orderNumber, quantity: l.quantity })),
      packedAt: now,
    };
    state.packages.set(packageNumber, pkg);
    for (const line of lines) {
      line.packageNumber = packageNumber;
      line.status = 'Packed';
      line.canCreatePackage = false;
      line.lastStatusUpdateDate = now;
    }
    return { status: 201, body: { packageNumber, barcode: pkg.barcode } };
  }

  /** GET /orders/merchantid/{m}: the paid lines to pack, oldest first, `offset`/`limit` over lines (§2.2). */
  function listOrderLines(query: URLSearchParams): SimResponse {
    const limitText = query.get('limit');
    const offsetText = query.get('offset') ?? '0';
    // [choice] §2.2 says "limit (required, ≤100, default 100)"; the simulator takes the strict reading: a request
    // without a limit, or past 100, is a 400 with a bare string (§2.7: Go services answer bare strings).
    if (limitText === null || !/^\d+$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > HEPSIBURADA_MAX_ORDER_PAGE) {
      return { status: 400, body: `limit is required and must be between 1 and ${HEPSIBURADA_MAX_ORDER_PAGE}` };
    }
    if (!/^\d+$/.test(offsetText)) return { status: 400, body: 'offset must be a non-negative integer' };
    const limit = Number(limitText);
    const offset = Number(offsetText);
    const begin = query.get('begindate');
    const end = query.get('enddate');
    const beginMs = begin === null ? Number.NEGATIVE_INFINITY : parseHepsiburadaDate(begin);
    // [choice] The end minute is included whole: `enddate=2026-12-02 10:00` takes lines up to 10:00:59.999.
    const endStart = end === null ? Number.POSITIVE_INFINITY : parseHepsiburadaDate(end);
    const endMs = endStart === null ? null : endStart + 60_000;
    // §2.1 [M]: a date not in `yyyy-MM-dd HH:mm` (an ISO string, say) matches nothing: 200, no rows.
    // [choice] The dates filter on `orderDate`.
    const matching =
      beginMs === null || endMs === null
        ? []
        : [...state.orderLines.values()]
            // §5: a line leaves `/orders` once packed (or cancelled).
            .filter((line) => !line.packageNumber && line.status !== 'CancelledByMerchant')
            .filter((line) => {
              const at = Date.parse(line.orderDate);
              return at >= beginMs && at < endMs;
            })
            .sort((a, b) => Date.parse(a.orderDate) - Date.parse(b.orderDate));
    const items = matching.slice(offset, offset + limit);
    return {
      status: 200,
      body: { items, limit, offset, pageCount: Math.ceil(matching.length / limit), totalCount: matching.length },
    };
  }

  /**
   * GET /orders/merchantid/{m}/ordernumber/{n}. [choice] §2.2 names the call, not its shape: every line of the order,
   * packed and cancelled ones too, with its status and (once packed) its packageNumber.
   */
  function orderDetail(orderNumber: string): SimResponse {
    const items = [...state.orderLines.values()].filter((line) => line.orderNumber === orderNumber);
    if (items.length === 0) return { status: 404, body: 'Order not found' };
    return { status: 200, body: { orderNumber, orderDate: items[0]!.orderDate, items } };
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
  return {
    ...server,
    state,
    close: async () => {
      clearInterval(retryTimer);
      await server.close();
    },
  };
}
