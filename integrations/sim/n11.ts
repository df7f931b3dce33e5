// n11's product task API as far as the stock feed uses it: a price-stock update is queued as a task
// (`IN_QUEUE`), processed `processDelayMs` later on the simulator's clock (`PROCESSED`), and its per-SKU results
// (SUCCESS/FAIL) are read page by page. A body refused as a whole answers `status: "REJECT"` inside a 2xx.
// CONNECTORS.md §3.1, §3.2, §3.4, §5. n11's material is [M] overall; the guesses are marked [choice] below.
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
}

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
}

export const N11_MAX_TASK_SKUS = 1000;
export const N11_MAX_PAGE_SIZE = 1000;

/** [choice] §3.1 gives the headers but not n11's 401 body; this JSON shape is the simulator's. */
export const N11_UNAUTHORIZED_BODY = { status: 401, message: 'Unauthorized: missing or invalid appkey/appsecret' };
/** [choice] §3.3: "the over-limit status is not published (assume 429)" [L]; neither are a body or headers. */
export const N11_TOO_MANY_REQUESTS_BODY = { status: 429, message: 'Too Many Requests' };

const TASK_PATH = '/ms/product/tasks/price-stock-update';
const QUERY_PATH = '/ms/product/task-details/page-query';

/** A JSON number with at most two decimals (§3.4 "exactly 2 decimals": a JSON number cannot carry trailing zeros). */
function twoDecimals(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && Math.abs(Math.round(value * 100) - value * 100) < 1e-6;
}

/** Starts the n11 simulator on loopback; `state` is the in-process view of what n11 holds. */
export async function startN11Simulator(options: N11SimulatorOptions): Promise<RunningSimulator & { state: N11SimState }> {
  const clock = options.clock ?? systemClock();
  const processDelayMs = options.processDelayMs ?? 300;
  const limiter = new FixedWindowLimiter(options.rateLimit ?? { requests: 1000, perMs: 60_000 }, clock);
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
  };
  // Sequential numeric ids like n11's (`"id": 1092`), from a fixed start so every run gets the same ones.
  let nextTaskId = 1001;

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

  function admin(req: SimRequest): SimResponse {
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
    if (req.method === 'POST' && req.path === TASK_PATH) return submit(req);
    if (req.method === 'POST' && req.path === QUERY_PATH) return pageQuery(req);
    return { status: 404, body: { status: 404, message: 'Not Found' } };
  }

  const server = await serve(options.port ?? 0, state.requests, clock, handle);
  return { ...server, state };
}
