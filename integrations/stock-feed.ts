// The stock feed's side of a channel: how available quantities reach a marketplace. One implementation per
// marketplace protocol (Trendyol price-and-inventory, Hepsiburada stock uploads, n11 price-stock tasks), each
// speaking the real service's HTTP API against a base URL: the built-in simulator on loopback by default, the real
// service when configured. The feed (activities/stock-feed.ts) decides what to send; a connector only sends it and
// reads back what the channel made of it.

/** One SKU's quantity as the channel should show it (already net of the channel's safety buffer, never < 0). */
export interface StockFeedItem {
  sku: string;
  quantity: number;
}

/** What the channel said of one item of a batch. */
export interface StockFeedItemResult {
  sku: string;
  status: 'success' | 'failed' | 'pending';
  /** The channel's own words, for the operator. */
  reason?: string | undefined;
}

export interface ChannelStockFeed {
  /** The channel these connectors serve: `trendyol`, `hepsiburada`, `n11`. */
  readonly channel: string;
  /** Most items one submit may carry (Trendyol 1000, n11 1000, Hepsiburada 4000). */
  readonly maxBatchItems: number;
  /**
   * Sends one batch (at most maxBatchItems, each SKU once); resolves with the channel's id of the batch, whose
   * results arrive later. Throws a ChannelError (below) for what the channel refused.
   */
  submit(items: StockFeedItem[]): Promise<{ batchId: string }>;
  /**
   * The batch's results so far: `done` once every item has a final status (success or failed). `skus` are the SKUs
   * the feed recorded as sent in it, for a connector that cannot read them back (Hepsiburada, n11 name only the
   * rejected rows) after a restart lost what it remembered.
   */
  result(batchId: string, skus?: readonly string[]): Promise<{ done: boolean; items: StockFeedItemResult[] }>;
}

/** Why a channel refused a call; `retryable` says whether the same call may be tried again (after `retryAfterMs`). */
export type ChannelErrorKind =
  /** 429: too many requests. */
  | 'rate_limited'
  /** Trendyol: an identical body within 15 minutes; the feed must not resend it but recompute and drop unchanged SKUs. */
  | 'duplicate'
  /** 401/403: credentials or the User-Agent. */
  | 'auth'
  /** 400 and business refusals (inside a 2xx too). */
  | 'rejected'
  /** 5xx, timeouts, connection refused. */
  | 'unavailable'
  /** 404 for a batch whose results expired (Trendyol keeps them 4 hours). */
  | 'not_found';

export class ChannelError extends Error {
  override name = 'ChannelError';
  constructor(
    readonly channel: string,
    readonly kind: ChannelErrorKind,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(`${channel}: ${message}`);
  }

  get retryable(): boolean {
    return this.kind === 'rate_limited' || this.kind === 'unavailable';
  }
}
