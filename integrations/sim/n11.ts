// n11's product task API as far as the stock feed uses it: a price-stock update is queued as a task
// (`IN_QUEUE`), processed `processDelayMs` later on the simulator's clock (`PROCESSED`), and its per-SKU results
// (SUCCESS/FAIL) are read page by page. A body refused as a whole answers `status: "REJECT"` inside a 2xx.
// And the shipment-package list the order intake pulls (§3.2, §3.3): one status per call, 0-based pages of ≤100, and
// a date window n11 clips to 15 days (too wide → the last 15 days before the end). No webhooks: poll only.
// CONNECTORS.md §3.1-§3.4, §5. n11's material is [M] overall; the guesses are marked [choice] below.
import {
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

export interface N11SimulatorOptions {
  port?: number;
  appKey: string;
  appSecret: string;
  processDelayMs?: number;
  /** §3.3: 1000 req/min; set it low to test backoff. */
  rateLimit?: RateLimit;
  /**
   * [choice] §3.4 says listPrice and salePrice "travel together" [M], which may mean n11 wants both on every
   * stock update. The simulator accepts a stock-only SKU (quantity without prices) by default, since the OMS
   * does not own prices and must not overwrite them; `requirePrices: true` makes such a SKU FAIL instead, to
   * see what the feed does if the real service turns out stricter.
   */
  requirePrices?: boolean;
  /** When given, only these stockCodes exist; any other SKU FAILs. */
  stockCodes?: string[];
  clock?: SimClock;
  /** §3.3: the package list's date window in days (15 per developer.n11.com; the older copy says a month). */
  windowDays?: number;
}

/** A package line as the list shows it (§3.3). */
export interface N11PackageLine {
  orderLineId: number;
  stockCode: string;
  productId: number;
  productName: string;
  barcode: string;
  quantity: number;
  price: number;
  totalSellerDiscountPrice: number;
  /** price × quantity − totalSellerDiscountPrice. */
  sellerInvoiceAmount: number;
  vatRate: number;
  commissionRate: number;
  orderItemLineItemStatusName: string;
}

/** A shipment package (§3.3, abridged); `id` is null for "Konuma Özel Teslimat". */
export interface N11ShipmentPackage {
  id: number | null;
  orderNumber: string;
  shipmentPackageStatus: string;
  /** ms. */
  lastModifiedDate: number;
  /** [choice] ms; the date the window applies to without `orderByField=true` (not named in §3.2). */
  createdDate: number;
  agreedDeliveryDate: number;
  totalAmount: number;
  cargoTrackingNumber: string;
  cargoSenderNumber: string | null;
  shipmentCompanyId: number;
  deliveryAddressType: string | null;
  micro: boolean;
  customerfullName: string;
  customerEmail: string;
  shippingAddress: { address: string; city: string; district: string; neighborhood: string; fullName: string; gsm: string; tcId: string; postalCode: string };
  billingAddress: Record<string, unknown>;
  packageHistories: { status: string; createdDate: number }[];
  lines: N11PackageLine[];
}

/** What a test gives to add a package: its lines (stockCode, quantity, price); the rest has defaults. */
export interface N11PackageInput extends Partial<Omit<N11ShipmentPackage, 'lines'>> {
  lines: (Partial<N11PackageLine> & { stockCode: string; quantity: number; price: number })[];
}

export const N11_PACKAGE_STATUSES = ['Created', 'Picking', 'Shipped', 'Delivered', 'Cancelled', 'UnPacked', 'UnSupplied'] as const;
export const N11_MAX_PACKAGE_PAGE = 100;
/** §3.3: no data before November 2024 (Turkey time). */
export const N11_HISTORY_START_MS = Date.UTC(2024, 10, 1) - 3 * 3600_000;

export type N11TaskStatus = 'IN_QUEUE' | 'PROCESSED' | 'REJECT';

export interface N11SkuResult {
  itemCode: string;
  status: 'SUCCESS' | 'FAIL';
  reasons: string[];
}

export interface N11Task {
  id: number;
  type: 'SKU_UPDATE';
  status: N11TaskStatus;
  reasons: string[];
  createdAt: string;
  /** Internal: what was sent, and when it is processed. */
  skus: unknown[];
  dueAt: number;
  results: N11SkuResult[];
  /** Set by `rejectTask`: the task is rejected as a whole when processed. */
  rejectWith?: string[];
}

export interface N11Stock {
  stockCode: string;
  quantity: number;
  listPrice?: number;
  salePrice?: number;
  taskId: number;
}

export interface N11SimState {
  clock: SimClock;
  /** What n11 shows now, by stockCode (only SKUs of processed tasks). */
  stock: Map<string, N11Stock>;
  tasks: Map<number, N11Task>;
  requests: RequestLog;
  faults: HttpFaults;
  /** Makes a queued task end as REJECT (with these reasons) instead of PROCESSED. */
  rejectTask(taskId: number, reasons: string[]): void;
  settle(): void;
  /** Shipment packages by key (`id`, or `null:<orderNumber>` for an id-less one), in the order they were added. */
  packages: Map<string, N11ShipmentPackage>;
  /** Adds packages (default `Created`: paid, awaiting the seller's acceptance) with deterministic ids. */
  addPackages(packages: N11PackageInput[]): N11ShipmentPackage[];
  /** Moves a package to another status (its lastModifiedDate becomes now). */
  setPackageStatus(id: number, status: string): N11ShipmentPackage;
  /** Replaces the rate limit (§3.3 1000/min; lower to test backoff); the window starts afresh. */
  setRateLimit(limit: RateLimit): void;
  /** The next `times` requests to `path` are carried out but their answer is lost (502). */
  loseAnswer(path: string, times?: number): void;
  /** The splits made via splitPackageByQuantity: the parent and the packages it became. */
  splits: { parentId: number; childIds: number[]; unsuppliedId: number | null; body: unknown }[];
}

/** §3.2 [M]: cancelReasonId 61 stock-out, 62 defective, 63 wrong price, 64 force majeure, 65 other. */
export const N11_CANCEL_REASON_IDS = [61, 62, 63, 64, 65] as const;

export const N11_MAX_TASK_SKUS = 1000;
export const N11_MAX_PAGE_SIZE = 1000;

/** [choice] §3.1 gives the headers but not n11's 401 body; this JSON shape is the simulator's. */
export const N11_UNAUTHORIZED_BODY = { status: 401, message: 'Unauthorized: missing or invalid appkey/appsecret' };
/** [choice] §3.3: "the over-limit status is not published (assume 429)" [L]; neither are a body or headers. */
export const N11_TOO_MANY_REQUESTS_BODY = { status: 429, message: 'Too Many Requests' };

const TASK_PATH = '/ms/product/tasks/price-stock-update';
const QUERY_PATH = '/ms/product/task-details/page-query';
const PACKAGES_PATH = '/rest/delivery/v1/shipmentPackages';

/** A JSON number with at most two decimals (§3.4 "exactly 2 decimals": a JSON number cannot carry trailing zeros). */
function twoDecimals(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && Math.abs(Math.round(value * 100) - value * 100) < 1e-6;
}

/** Starts the n11 simulator on loopback; `state` is the in-process view of what n11 holds. */
export async function startN11Simulator(options: N11SimulatorOptions): Promise<RunningSimulator & { state: N11SimState }> {
  const clock = options.clock ?? systemClock();
  const processDelayMs = options.processDelayMs ?? 300;
  let limiter = new FixedWindowLimiter(options.rateLimit ?? { requests: 1000, perMs: 60_000 }, clock);
  const windowMs = (options.windowDays ?? 15) * 24 * 3600_000;
  const stockCodes = options.stockCodes ? new Set(options.stockCodes) : undefined;
  const faults = new HttpFaults();
  const state: N11SimState = {
    clock,
    stock: new Map(),
    tasks: new Map(),
    requests: new RequestLog(),
    faults,
    rejectTask(taskId, reasons) {
      const task = state.tasks.get(taskId);
      if (!task || task.status !== 'IN_QUEUE') throw new Error(`task ${taskId} is not in the queue`);
      task.rejectWith = reasons;
    },
    settle,
    packages: new Map(),
    addPackages,
    setPackageStatus(id, status) {
      const pkg = state.packages.get(String(id));
      if (!pkg) throw new Error(`no package ${id}`);
      const now = clock.now();
      pkg.shipmentPackageStatus = status;
      pkg.lastModifiedDate = now;
      pkg.packageHistories.push({ status, createdDate: now });
      for (const line of pkg.lines) line.orderItemLineItemStatusName = status;
      return pkg;
    },
    setRateLimit(limit) {
      limiter = new FixedWindowLimiter(limit, clock);
    },
    loseAnswer(path, times = 1) {
      lostAnswers.set(path, (lostAnswers.get(path) ?? 0) + times);
    },
    splits: [],
  };
  const lostAnswers = new Map<string, number>();
  // Sequential numeric ids like n11's (`"id": 1092`), from a fixed start so every run gets the same ones.
  let nextTaskId = 1001;
  let nextPackageId = 200_000_001;
  let nextLineId = 426_659_001;
  let nextOrderNumber = 205_000_001;

  function addPackages(inputs: N11PackageInput[]): N11ShipmentPackage[] {
    return inputs.map((input) => {
      const now = clock.now();
      const status = input.shipmentPackageStatus ?? 'Created';
      const id = input.id === null ? null : (input.id ?? nextPackageId++);
      const lines = input.lines.map((line): N11PackageLine => {
        const discount = line.totalSellerDiscountPrice ?? 0;
        return {
          orderLineId: nextLineId++,
          productId: 1_000_000 + nextLineId,
          productName: `Product ${line.stockCode}`,
          barcode: line.stockCode,
          totalSellerDiscountPrice: discount,
          sellerInvoiceAmount: Math.round((line.price * line.quantity - discount) * 100) / 100,
          vatRate: 20,
          commissionRate: 12,
          orderItemLineItemStatusName: status,
          ...line,
        };
      });
      const lastModifiedDate = input.lastModifiedDate ?? now;
      const pkg: N11ShipmentPackage = {
        orderNumber: String(nextOrderNumber++),
        lastModifiedDate,
        createdDate: input.createdDate ?? lastModifiedDate,
        agreedDeliveryDate: lastModifiedDate + 3 * 24 * 3600_000,
        totalAmount: Math.round(lines.reduce((sum, l) => sum + l.sellerInvoiceAmount, 0) * 100) / 100,
        cargoTrackingNumber: `N11${String(nextPackageId).padStart(10, '0')}`,
        cargoSenderNumber: null,
        shipmentCompanyId: 344,
        deliveryAddressType: id === null ? 'PUP' : null,
        micro: false,
        customerfullName: 'Ayşe Yılmaz',
        customerEmail: 'ayse@example.com',
        shippingAddress: {
          address: 'Bağdat Cd. 10',
          city: 'İstanbul',
          district: 'Kadıköy',
          neighborhood: 'Caddebostan',
          fullName: 'Ayşe Yılmaz',
          gsm: '5551112233',
          tcId: '11111111111',
          postalCode: '34710',
        },
        billingAddress: { address: 'Bağdat Cd. 10', city: 'İstanbul', district: 'Kadıköy', fullName: 'Ayşe Yılmaz' },
        packageHistories: [{ status, createdDate: lastModifiedDate }],
        ...input,
        id,
        shipmentPackageStatus: status,
        lines,
      };
      state.packages.set(id === null ? `null:${pkg.orderNumber}` : String(id), pkg);
      return pkg;
    });
  }

  /** GET /rest/delivery/v1/shipmentPackages (§3.2, §3.3). */
  function listPackages(query: URLSearchParams): SimResponse {
    const bad = (message: string): SimResponse => ({ status: 400, body: { status: 400, message } });
    const int = (name: string): number | undefined | null => {
      const v = query.get(name);
      if (v === null || v === '') return undefined;
      return /^\d+$/.test(v) ? Number(v) : null;
    };
    const start = int('startDate');
    const end = int('endDate');
    const page = int('page') ?? 0;
    const size = int('size') ?? 100;
    if (start === null || end === null) return bad('startDate and endDate must be epoch milliseconds');
    if (page === null) return bad('page must be a non-negative integer');
    // [choice] A size past 100 is refused (the cap is published, the answer to excess is not).
    if (size === null || size < 1 || size > N11_MAX_PACKAGE_PAGE) return bad(`size must be between 1 and ${N11_MAX_PACKAGE_PAGE}`);
    const status = query.get('status');
    // [choice] "One value per call" (§3.2): a list (comma-separated or repeated) is a 400.
    if (query.getAll('status').length > 1 || (status !== null && status.includes(','))) return bad('status takes one value per call');
    const direction = (query.get('orderByDirection') ?? 'ASC').toUpperCase();
    if (direction !== 'ASC' && direction !== 'DESC') return bad('orderByDirection must be ASC or DESC');
    // §3.3 windows: start-only → the next 15 days; end-only → the previous 15; too wide → the last 15 before the
    // end. [choice] Neither → the last 15 days before now.
    let from: number;
    let to: number;
    if (start !== undefined && end !== undefined) {
      if (end < start) return bad('endDate must not be before startDate');
      to = end;
      from = end - start > windowMs ? end - windowMs : start;
    } else if (start !== undefined) {
      from = start;
      to = start + windowMs;
    } else {
      to = end ?? clock.now();
      from = to - windowMs;
    }
    from = Math.max(from, N11_HISTORY_START_MS);
    // [choice] §3.2 lists orderNumber and packageIds as filters; with either, the date window is not applied (a
    // package is looked up by what names it, however old).
    const orderNumber = query.get('orderNumber');
    const packageIds = query.get('packageIds')?.split(',').map((x) => x.trim()).filter(Boolean);
    if (orderNumber !== null || packageIds) {
      const named = [...state.packages.values()].filter(
        (pkg) =>
          (orderNumber === null || pkg.orderNumber === orderNumber) &&
          (!packageIds || (pkg.id !== null && packageIds.includes(String(pkg.id)))) &&
          (status === null || pkg.shipmentPackageStatus === status),
      );
      return {
        status: 200,
        body: { content: named.slice(page * size, (page + 1) * size), page, size, totalElements: named.length, totalPages: Math.ceil(named.length / size) },
      };
    }
    const byModified = query.get('orderByField') === 'true';
    const dateOf = (pkg: N11ShipmentPackage) => (byModified ? pkg.lastModifiedDate : pkg.createdDate);
    const matching = [...state.packages.values()]
      .filter((pkg) => (status === null || pkg.shipmentPackageStatus === status) && dateOf(pkg) >= from && dateOf(pkg) <= to)
      .sort((a, b) => (direction === 'ASC' ? dateOf(a) - dateOf(b) : dateOf(b) - dateOf(a)));
    return {
      status: 200,
      body: {
        content: matching.slice(page * size, (page + 1) * size),
        page,
        size,
        totalElements: matching.length,
        totalPages: Math.ceil(matching.length / size),
      },
    };
  }

  /** Why n11 would FAIL this SKU; empty when it is fine. */
  function skuReasons(sku: unknown): { itemCode: string; reasons: string[] } {
    if (typeof sku !== 'object' || sku === null || Array.isArray(sku)) return { itemCode: '', reasons: ['sku must be an object'] };
    const s = sku as Record<string, unknown>;
    const itemCode = typeof s.stockCode === 'string' ? s.stockCode : '';
    const reasons: string[] = [];
    if (!itemCode) reasons.push('stockCode is required');
    else if (stockCodes && !stockCodes.has(itemCode)) reasons.push(`Stock code not found: ${itemCode}`);
    if (!Number.isInteger(s.quantity) || (s.quantity as number) < 0) reasons.push('quantity must be a non-negative integer');
    if (s.currencyType !== 'TL') reasons.push('currencyType must be TL');
    const hasList = s.listPrice !== undefined;
    const hasSale = s.salePrice !== undefined;
    if (hasList || hasSale) {
      if (!hasList || !hasSale) reasons.push('listPrice and salePrice must be sent together');
      if (hasList && !twoDecimals(s.listPrice)) reasons.push('listPrice must be a positive amount with 2 decimals');
      if (hasSale && !twoDecimals(s.salePrice)) reasons.push('salePrice must be a positive amount with 2 decimals');
      if (twoDecimals(s.listPrice) && twoDecimals(s.salePrice) && s.listPrice < s.salePrice) {
        reasons.push('listPrice must be greater than or equal to salePrice');
      }
    } else if (options.requirePrices) {
      reasons.push('listPrice and salePrice are required');
    }
    return { itemCode, reasons };
  }

  function settle(): void {
    const now = clock.now();
    // In id order, so a later task for the same SKU wins.
    for (const task of state.tasks.values()) {
      if (task.status !== 'IN_QUEUE' || task.dueAt > now) continue;
      if (task.rejectWith) {
        task.status = 'REJECT';
        task.reasons = task.rejectWith;
        continue;
      }
      task.results = task.skus.map((sku) => {
        const { itemCode, reasons } = skuReasons(sku);
        const injectedReason = itemCode ? faults.takeSku(itemCode) : undefined;
        const all = injectedReason ? [...reasons, injectedReason] : reasons;
        if (all.length > 0) return { itemCode, status: 'FAIL', reasons: all };
        const s = sku as { stockCode: string; quantity: number; listPrice?: number; salePrice?: number };
        const previous = state.stock.get(s.stockCode);
        // A stock-only SKU leaves the prices n11 already has.
        const listPrice = s.listPrice ?? previous?.listPrice;
        const salePrice = s.salePrice ?? previous?.salePrice;
        state.stock.set(s.stockCode, {
          stockCode: s.stockCode,
          quantity: s.quantity,
          ...(listPrice !== undefined ? { listPrice } : {}),
          ...(salePrice !== undefined ? { salePrice } : {}),
          taskId: task.id,
        });
        return { itemCode, status: 'SUCCESS', reasons: [] };
      });
      task.status = 'PROCESSED';
    }
  }

  function newTask(skus: unknown[], status: N11TaskStatus, reasons: string[]): N11Task {
    const now = clock.now();
    const task: N11Task = {
      id: nextTaskId++,
      type: 'SKU_UPDATE',
      status,
      reasons,
      createdAt: new Date(now).toISOString(),
      skus,
      dueAt: now + processDelayMs,
      results: [],
    };
    state.tasks.set(task.id, task);
    return task;
  }

  function submit(req: SimRequest): SimResponse {
    const parsed = parseJson(req.body);
    // [choice] Unparsable JSON is refused by the gateway before the task service sees it: a 400, not a REJECT.
    if (!parsed.ok) return { status: 400, body: { status: 400, message: 'Malformed JSON request' } };
    const payload = (parsed.value as { payload?: unknown } | null)?.payload as
      | { integrator?: unknown; skus?: unknown }
      | undefined;
    const reasons: string[] = [];
    const skus = Array.isArray(payload?.skus) ? (payload.skus as unknown[]) : [];
    if (typeof payload !== 'object' || payload === null) reasons.push('payload is required');
    else {
      if (typeof payload.integrator !== 'string' || !payload.integrator) reasons.push('payload.integrator is required');
      if (!Array.isArray(payload.skus) || skus.length === 0) reasons.push('payload.skus must be a non-empty list');
      if (skus.length > N11_MAX_TASK_SKUS) reasons.push(`payload.skus may hold at most ${N11_MAX_TASK_SKUS} items`);
    }
    // [choice] "A wholly rejected body" (§3.4) is read as: the envelope is wrong, or not one SKU could be
    // applied. A body with some good SKUs is queued, and the bad ones FAIL when the task is processed.
    if (reasons.length === 0) {
      const checked = skus.map(skuReasons);
      if (checked.every((c) => c.reasons.length > 0)) {
        reasons.push(...checked.map((c, i) => `skus[${i}]${c.itemCode ? ` (${c.itemCode})` : ''}: ${c.reasons.join('; ')}`));
      }
    }
    const task = reasons.length > 0 ? newTask(skus, 'REJECT', reasons) : newTask(skus, 'IN_QUEUE', []);
    return { status: 200, body: { id: task.id, type: task.type, status: task.status, reasons: task.reasons } };
  }

  function pageQuery(req: SimRequest): SimResponse {
    const parsed = parseJson(req.body);
    const query = parsed.ok ? (parsed.value as { taskId?: unknown; pageable?: { page?: unknown; size?: unknown } } | null) : null;
    const taskId = typeof query?.taskId === 'string' ? Number(query.taskId) : query?.taskId;
    if (typeof taskId !== 'number' || !Number.isInteger(taskId)) {
      return { status: 400, body: { status: 400, message: 'taskId is required' } };
    }
    const page = Number.isInteger(query?.pageable?.page) ? Math.max(0, query?.pageable?.page as number) : 0;
    // [choice] The page size cap is not published; 1000, the task's own maximum, so one page can hold a task.
    const size = Number.isInteger(query?.pageable?.size)
      ? Math.min(N11_MAX_PAGE_SIZE, Math.max(1, query?.pageable?.size as number))
      : N11_MAX_PAGE_SIZE;
    const task = state.tasks.get(taskId);
    // [choice] An unknown task's answer is not documented; a 404.
    if (!task) return { status: 404, body: { status: 404, message: `Task not found: ${taskId}` } };
    // [choice] Per-SKU rows appear only once the task is PROCESSED (none while IN_QUEUE, none for a REJECT).
    const content = task.results.slice(page * size, (page + 1) * size);
    return {
      status: 200,
      body: {
        taskId: task.id,
        type: task.type,
        status: task.status,
        reasons: task.reasons,
        skus: {
          content,
          page,
          size,
          totalElements: task.results.length,
          totalPages: Math.ceil(task.results.length / size),
        },
      },
    };
  }

  const packageOfLine = (lineId: number) => [...state.packages.values()].find((p) => p.lines.some((l) => l.orderLineId === lineId));

  /** PUT /rest/order/v1/update { lines: [{ lineId }], status: "Picking" }: the seller accepts lines (§3.2). */
  function updateLines(req: SimRequest): SimResponse {
    const parsed = parseJson(req.body);
    const body = parsed.ok ? (parsed.value as { lines?: unknown; status?: unknown } | null) : null;
    if (!body || !Array.isArray(body.lines) || body.lines.length === 0) {
      return { status: 400, body: { status: 400, message: 'lines must be a non-empty list of { lineId }' } };
    }
    if (body.status !== 'Picking') return { status: 400, body: { status: 400, message: 'status: only Picking is supported' } };
    const now = clock.now();
    const touched = new Set<N11ShipmentPackage>();
    const content = (body.lines as { lineId?: unknown }[]).map((l) => {
      const lineId = typeof l?.lineId === 'string' ? Number(l.lineId) : l?.lineId;
      if (typeof lineId !== 'number' || !Number.isInteger(lineId)) return { lineId: l?.lineId ?? null, status: 'FAIL', reason: 'lineId is required' };
      const pkg = packageOfLine(lineId);
      const line = pkg?.lines.find((x) => x.orderLineId === lineId);
      if (!pkg || !line) return { lineId, status: 'FAIL', reason: `Order line not found: ${lineId}` };
      if (line.orderItemLineItemStatusName !== 'Created') return { lineId, status: 'FAIL', reason: `Order line ${lineId} is ${line.orderItemLineItemStatusName}, not Created` };
      line.orderItemLineItemStatusName = 'Picking';
      touched.add(pkg);
      return { lineId, status: 'SUCCESS', reason: null };
    });
    // [choice] A package is Picking once every one of its lines is.
    for (const pkg of touched) {
      if (pkg.lines.every((l) => l.orderItemLineItemStatusName === 'Picking')) {
        pkg.shipmentPackageStatus = 'Picking';
        pkg.lastModifiedDate = now;
        pkg.packageHistories.push({ status: 'Picking', createdDate: now });
      }
    }
    return { status: 200, body: { content } };
  }

  /**
   * POST /rest/delivery/v1/splitPackageByQuantity. [choice] §3.2 gives the body only as "package details with
   * `quantities`, plus cancelledItems": `{ packageId, packageDetails: [{ orderLineId, quantities }], cancelledItems:
   * [{ orderLineId, quantity, cancelReasonId }] }`, every unit of the package in one of the two; the kept units
   * become one new package (new id, campaign code and orderLineIds) in Picking, the cancelled ones an UnSupplied
   * package, and the parent turns UnPacked (§3.4). Only a Picking package can be split.
   */
  function splitByQuantity(req: SimRequest): SimResponse {
    const bad = (message: string): SimResponse => ({ status: 400, body: { status: 400, message } });
    const parsed = parseJson(req.body);
    const body = parsed.ok ? (parsed.value as { packageId?: unknown; packageDetails?: unknown; cancelledItems?: unknown } | null) : null;
    if (!body) return bad('body must be a JSON object');
    const packageId = typeof body.packageId === 'string' ? Number(body.packageId) : body.packageId;
    const parent = typeof packageId === 'number' ? state.packages.get(String(packageId)) : undefined;
    if (!parent) return bad('packageId: package not found');
    if (parent.shipmentPackageStatus !== 'Picking') return bad(`Package ${parent.id} is ${parent.shipmentPackageStatus}: only a Picking package can be split`);
    const details = Array.isArray(body.packageDetails) ? (body.packageDetails as { orderLineId?: unknown; quantities?: unknown }[]) : [];
    const cancelled = Array.isArray(body.cancelledItems) ? (body.cancelledItems as { orderLineId?: unknown; quantity?: unknown; cancelReasonId?: unknown }[]) : [];
    const kept = new Map<number, number>();
    const gone = new Map<number, number>();
    for (const [i, d] of details.entries()) {
      const id = Number(d?.orderLineId);
      if (!parent.lines.some((l) => l.orderLineId === id)) return bad(`packageDetails[${i}].orderLineId is not a line of package ${parent.id}`);
      if (!Number.isInteger(d.quantities) || (d.quantities as number) < 1) return bad(`packageDetails[${i}].quantities must be a positive integer`);
      kept.set(id, (kept.get(id) ?? 0) + (d.quantities as number));
    }
    for (const [i, c] of cancelled.entries()) {
      const id = Number(c?.orderLineId);
      if (!parent.lines.some((l) => l.orderLineId === id)) return bad(`cancelledItems[${i}].orderLineId is not a line of package ${parent.id}`);
      if (!Number.isInteger(c.quantity) || (c.quantity as number) < 1) return bad(`cancelledItems[${i}].quantity must be a positive integer`);
      if (!(N11_CANCEL_REASON_IDS as readonly unknown[]).includes(c.cancelReasonId)) return bad(`cancelledItems[${i}].cancelReasonId must be one of ${N11_CANCEL_REASON_IDS.join(', ')}`);
      gone.set(id, (gone.get(id) ?? 0) + (c.quantity as number));
    }
    for (const line of parent.lines) {
      const sum = (kept.get(line.orderLineId) ?? 0) + (gone.get(line.orderLineId) ?? 0);
      if (sum !== line.quantity) return bad(`line ${line.orderLineId}: ${sum} units given, the line has ${line.quantity}`);
    }
    if (gone.size === 0 && details.length < 2) return bad('nothing to split');
    const now = clock.now();
    const child = (units: Map<number, number>, status: string): N11ShipmentPackage | null => {
      const lines = parent.lines
        .filter((l) => (units.get(l.orderLineId) ?? 0) > 0)
        .map((l) => {
          const quantity = units.get(l.orderLineId)!;
          const discount = Math.round((l.totalSellerDiscountPrice * quantity * 100) / l.quantity) / 100;
          return { stockCode: l.stockCode, quantity, price: l.price, totalSellerDiscountPrice: discount, productId: l.productId, productName: l.productName, barcode: l.barcode };
        });
      if (lines.length === 0) return null;
      const [made] = addPackages([{ orderNumber: parent.orderNumber, shipmentPackageStatus: status, lines, lastModifiedDate: now, createdDate: parent.createdDate }]);
      return made!;
    };
    const keptPkg = child(kept, 'Picking');
    const unsupplied = child(gone, 'UnSupplied');
    parent.shipmentPackageStatus = 'UnPacked';
    parent.lastModifiedDate = now;
    parent.packageHistories.push({ status: 'UnPacked', createdDate: now });
    for (const line of parent.lines) line.orderItemLineItemStatusName = 'UnPacked';
    state.splits.push({ parentId: parent.id!, childIds: keptPkg ? [keptPkg.id!] : [], unsuppliedId: unsupplied?.id ?? null, body });
    return { status: 200, body: { code: 200, message: 'success' } };
  }

  function admin(req: SimRequest): SimResponse {
    // POST /__admin/packages { packages: [package input] }: packages as n11 would list them.
    if (req.method === 'POST' && req.path === '/__admin/packages') {
      const parsed = parseJson(req.body);
      const packages = parsed.ok ? (parsed.value as { packages?: unknown } | null)?.packages : undefined;
      if (!Array.isArray(packages) || !packages.every((p) => Array.isArray((p as { lines?: unknown } | null)?.lines))) {
        return { status: 400, body: { message: 'body must be { "packages": [{ "lines": [{ "stockCode", "quantity", "price" }] }] }' } };
      }
      return { status: 200, body: { packages: addPackages(packages as N11PackageInput[]) } };
    }
    const stock = { settle, get: (sku: string) => state.stock.get(sku), missing: 'no stock sent for this SKU' };
    return sharedAdmin(req, { clock, log: state.requests, faults, stock }) ?? { status: 404, body: { message: 'unknown admin route' } };
  }

  function handle(req: SimRequest): SimResponse {
    if (req.path.startsWith('/__admin/')) return admin(req);
    const fault = faults.take(req.path);
    if (fault) return injected(fault);
    // Node lower-cases header names, so `AppKey:` and `appkey:` both arrive as `appkey` (§3.1 case-insensitive).
    if (req.headers.appkey !== options.appKey || req.headers.appsecret !== options.appSecret) {
      return { status: 401, body: N11_UNAUTHORIZED_BODY };
    }
    if (!limiter.take().allowed) return { status: 429, body: N11_TOO_MANY_REQUESTS_BODY };
    settle();
    const answer = route(req);
    const lost = lostAnswers.get(req.path) ?? 0;
    if (lost > 0) {
      if (lost === 1) lostAnswers.delete(req.path);
      else lostAnswers.set(req.path, lost - 1);
      return { status: 502, body: { status: 502, message: 'Bad Gateway' } };
    }
    return answer;
  }

  function route(req: SimRequest): SimResponse {
    if (req.method === 'POST' && req.path === TASK_PATH) return submit(req);
    if (req.method === 'POST' && req.path === QUERY_PATH) return pageQuery(req);
    if (req.method === 'GET' && req.path === PACKAGES_PATH) return listPackages(req.query);
    if (req.method === 'PUT' && req.path === '/rest/order/v1/update') return updateLines(req);
    if (req.method === 'POST' && req.path === '/rest/delivery/v1/splitPackageByQuantity') return splitByQuantity(req);
    return { status: 404, body: { status: 404, message: 'Not Found' } };
  }

  const server = await serve(options.port ?? 0, state.requests, clock, handle);
  return { ...server, state };
}
