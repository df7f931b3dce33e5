// Trendyol's side of the channel stock feed: updatePriceAndInventory and getBatchRequestResult of the Partner API
// (CONNECTORS.md §1.6), against a base URL that is the real `https://apigw.trendyol.com/integration` or the simulator's
// `${url}/integration` (integrations/sim/trendyol.ts). The connector is stateless (no memory between calls), so a
// retried activity can call it again; what must not be resent (the 15-minute duplicate) comes back as its own kind.
import { ChannelError, type ChannelStockFeed, type StockFeedItem, type StockFeedItemResult } from '../stock-feed';

const CHANNEL = 'trendyol';
const DUPLICATE_MESSAGE = '15 dakika boyunca aynı isteği tekrarlı olarak atamazsınız!';

export interface TrendyolStockFeedOptions {
  /** Up to and including `/integration`, e.g. `https://apigw.trendyol.com/integration`. */
  baseUrl: string;
  sellerId: string;
  apiKey: string;
  apiSecret: string;
  /** The name in the mandatory `User-Agent: "{sellerId} - {integrator}"`; alphanumeric, ≤30 (or `SelfIntegration`). */
  integrator: string;
  fetch?: typeof fetch | undefined;
  /** Per request; a timeout is `unavailable`. Default 30 s. */
  timeoutMs?: number | undefined;
}

interface BatchResultBody {
  items?: { requestItem?: { barcode?: unknown }; status?: unknown; failureReasons?: unknown }[];
}

/** The stock feed's connector for Trendyol; channel `trendyol`, at most 1000 items per submit. */
export function createTrendyolStockFeed(options: TrendyolStockFeedOptions): ChannelStockFeed {
  const { call, seller } = createTrendyolHttp(options);

  return {
    channel: CHANNEL,
    maxBatchItems: 1000,

    async submit(items: StockFeedItem[]): Promise<{ batchId: string }> {
      // Refused here rather than spent on a request the channel refuses anyway (400).
      if (items.length === 0 || items.length > 1000) {
        throw new ChannelError(CHANNEL, 'rejected', `a batch holds 1 to 1000 items, got ${items.length}`);
      }
      // SKU = barcode for now: the OMS's SKU is sent as Trendyol's barcode (a SKU → barcode mapping can come later).
      // Only the quantity is sent — "send only the fields that change"; prices are not the stock feed's business.
      const body = { items: items.map((item) => ({ barcode: item.sku, quantity: item.quantity })) };
      const answer = await call('POST', `/inventory/sellers/${seller}/products/price-and-inventory`, body);
      const batchId = (answer as { batchRequestId?: unknown } | null)?.batchRequestId;
      if (typeof batchId !== 'string' || batchId === '') {
        throw new ChannelError(CHANNEL, 'rejected', 'price-and-inventory answered without a batchRequestId');
      }
      return { batchId };
    },

    async result(batchId: string): Promise<{ done: boolean; items: StockFeedItemResult[] }> {
      // Note the path: the result lives under /product, not /inventory (§1.2).
      const answer = (await call(
        'GET',
        `/product/sellers/${seller}/products/batch-requests/${encodeURIComponent(batchId)}`,
      )) as BatchResultBody | null;
      const items: StockFeedItemResult[] = (answer?.items ?? []).map((item) => {
        // Trendyol reports the normalized barcode (inner spaces removed): a SKU with spaces comes back without them.
        const sku = typeof item.requestItem?.barcode === 'string' ? item.requestItem.barcode : '';
        if (item.status === 'SUCCESS') return { sku, status: 'success' };
        if (item.status === 'FAILED') {
          const reasons = Array.isArray(item.failureReasons) ? item.failureReasons.map(String) : [];
          return { sku, status: 'failed', reason: reasons.join('; ') || 'failed (no reason given)' };
        }
        return { sku, status: 'pending' };
      });
      // Stock batches have no top-level status: done when every item has one (§1.6). An empty list is not done.
      return { done: items.length > 0 && items.every((item) => item.status !== 'pending'), items };
    },
  };
}

/**
 * One Partner API request with the seller's Basic auth and User-Agent: the JSON answer, or a ChannelError of the kind
 * the refusal is (shared by the stock feed and the package stream).
 */
export function createTrendyolHttp(options: TrendyolStockFeedOptions): {
  call: (method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown) => Promise<unknown>;
  seller: string;
} {
  if (!/^[A-Za-z0-9]{1,30}$/.test(options.integrator)) {
    const got = JSON.stringify(options.integrator);
    throw new Error(`Trendyol integrator name must be 1-30 letters or digits, got ${got}`);
  }
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const base = options.baseUrl.replace(/\/+$/, '');
  const seller = encodeURIComponent(options.sellerId);
  const headers = {
    authorization: `Basic ${Buffer.from(`${options.apiKey}:${options.apiSecret}`).toString('base64')}`,
    'user-agent': `${options.sellerId} - ${options.integrator}`,
    accept: 'application/json',
  };

  async function call(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    let res: Response;
    let text: string;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ChannelError(CHANNEL, 'unavailable', `${method} ${path}: ${reason}`);
    }
    if (res.ok) {
      // The package writes answer 200/201 with an empty body (§1.5.1).
      if (text.trim() === '') return null;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        const detail = `${method} ${path}: ${res.status} with a body that is not JSON`;
        throw new ChannelError(CHANNEL, 'unavailable', detail, res.status);
      }
    }
    throw channelError(method, path, res, text);
  }

  return { call, seller };
}

/** Maps a refusal to its kind; the body may be any of the three envelopes of §1.8, or plain text. */
function channelError(method: string, path: string, res: Response, text: string): ChannelError {
  const detail = `${method} ${path}: ${res.status} ${describe(text)}`;
  // The duplicate refusal is recognized by its text, whatever status carries it (CONNECTORS does not name one).
  if (res.status < 500 && text.includes(DUPLICATE_MESSAGE)) {
    return new ChannelError(CHANNEL, 'duplicate', detail, res.status);
  }
  if (res.status === 429) {
    // No documented Retry-After; honoured if one is sent, else the caller's backoff decides.
    const seconds = Number(res.headers.get('retry-after'));
    const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
    return new ChannelError(CHANNEL, 'rate_limited', detail, 429, retryAfterMs);
  }
  if (res.status === 401 || res.status === 403) return new ChannelError(CHANNEL, 'auth', detail, res.status);
  // 404 on the result is an expired (4 h) or unknown batch. Choice: a 404 on the submit (wrong base URL or path) is
  // not_found too; it is not retryable either way.
  if (res.status === 404) return new ChannelError(CHANNEL, 'not_found', detail, 404);
  if (res.status >= 500) return new ChannelError(CHANNEL, 'unavailable', detail, res.status);
  return new ChannelError(CHANNEL, 'rejected', detail, res.status);
}

/** The message of whichever envelope the body uses, else the text itself (shortened). */
function describe(text: string): string {
  try {
    const body = JSON.parse(text) as {
      errors?: { key?: string; message?: string }[];
      message?: string;
      error?: string;
      exception?: string;
    };
    const fromErrors = body.errors?.map((e) => e.message ?? e.key).filter(Boolean).join('; ');
    const message = fromErrors || body.message || body.error || body.exception;
    if (message) return message;
  } catch {
    // not JSON: plain text such as `too.many.requests`
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || '(empty body)';
}
