// Hepsiburada's stock feed: stock uploads on the listing host (CONNECTORS.md §2.4). An upload answers `{ id }`
// at once and is processed later; its result lists only the rejected rows, so the connector remembers which SKUs
// it sent under each id to report the others as succeeded.
import { callChannel, type FetchLike, rememberBatch } from '../channel-http';
import { ChannelError, type ChannelStockFeed, type StockFeedItem, type StockFeedItemResult } from '../stock-feed';

export interface HepsiburadaStockFeedOptions {
  /** The listing host (`https://listing-external.hepsiburada.com`, or the simulator's URL). */
  baseUrl: string;
  merchantId: string;
  username: string;
  /** The integrator service key (§2.1). */
  password: string;
  /** Exactly the integrator name registered in the merchant panel (§2.1: anything else is a 401). */
  userAgent: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

const CHANNEL = 'hepsiburada';
export const HEPSIBURADA_MAX_BATCH_ITEMS = 4000;

interface UploadResult {
  id?: string;
  status?: string;
  errors?: { elementNo?: number; merchantSku?: string; errors?: string[] }[];
}

/** A ChannelStockFeed over Hepsiburada's `stock-uploads`. */
export function createHepsiburadaStockFeed(options: HepsiburadaStockFeedOptions): ChannelStockFeed {
  const fetchImpl = options.fetch ?? fetch;
  const base = `${options.baseUrl.replace(/\/+$/, '')}/listings/merchantid/${encodeURIComponent(options.merchantId)}/stock-uploads`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
    'user-agent': options.userAgent,
    accept: 'application/json',
  };
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  // The SKUs sent under each upload id, in order, to name the rows a result does not list (it lists only errors).
  // In memory only (the newest 1000 uploads): after a restart a result can name only its rejected rows.
  const sent = new Map<string, string[]>();

  return {
    channel: CHANNEL,
    maxBatchItems: HEPSIBURADA_MAX_BATCH_ITEMS,

    async submit(items: StockFeedItem[]): Promise<{ batchId: string }> {
      if (items.length === 0 || items.length > HEPSIBURADA_MAX_BATCH_ITEMS) {
        throw new ChannelError(CHANNEL, 'rejected', `a stock upload carries 1..${HEPSIBURADA_MAX_BATCH_ITEMS} rows, got ${items.length}`);
      }
      // SKU = merchantSku: the OMS's SKU is the seller's own code, which HB stores as merchantSku. hepsiburadaSku
      // (HB's "HBV…" id) is optional in a stock row and the OMS does not keep it, so it is not sent.
      const rows = items.map((item) => ({ merchantSku: item.sku, availableStock: item.quantity }));
      const answer = await callChannel(CHANNEL, fetchImpl, base, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(rows),
        ...timeout,
      });
      const body = answer.json as { id?: unknown; message?: unknown } | undefined;
      if (typeof body?.id !== 'string' || !body.id) {
        // A 2xx without an id is a refusal (§2.4: a 6th concurrent upload gets a message inside a 2xx). It is
        // `rejected` as stock-feed.ts defines refusals inside a 2xx; the feed sends the batch again next round.
        const message = typeof body?.message === 'string' ? body.message : answer.text || 'no upload id in the answer';
        throw new ChannelError(CHANNEL, 'rejected', `stock upload refused: ${message}`, answer.status);
      }
      rememberBatch(sent, body.id, items.map((item) => item.sku));
      return { batchId: body.id };
    },

    async result(batchId: string, recorded?: readonly string[]): Promise<{ done: boolean; items: StockFeedItemResult[] }> {
      const answer = await callChannel(CHANNEL, fetchImpl, `${base}/id/${encodeURIComponent(batchId)}`, {
        method: 'GET',
        headers,
        ...timeout,
      });
      const upload = answer.json as UploadResult | undefined;
      if (typeof upload?.status !== 'string') {
        throw new ChannelError(CHANNEL, 'unavailable', `upload ${batchId}: unreadable result ${answer.text.slice(0, 200)}`, answer.status);
      }
      const skus = sent.get(batchId) ?? [...(recorded ?? [])];
      // §2.4 [L]: Processing, then Done / Completed / Failed. Anything but Processing is final.
      if (upload.status === 'Processing') {
        return { done: false, items: skus.map((sku) => ({ sku, status: 'pending' })) };
      }
      const failed = new Map<string, string>();
      for (const row of upload.errors ?? []) {
        const sku = row.merchantSku || (row.elementNo !== undefined ? skus[row.elementNo] : undefined);
        if (sku) failed.set(sku, (row.errors ?? []).join('; ') || 'rejected by Hepsiburada');
      }
      if (upload.status === 'Failed' && failed.size === 0) {
        // A failed upload without row errors failed as a whole: every row it carried failed.
        return { done: true, items: skus.map((sku) => ({ sku, status: 'failed', reason: 'upload Failed' })) };
      }
      // Without the SKUs sent (neither remembered nor given), only the rejected rows can be named; the feed counts
      // its other SKUs of a done batch as succeeded.
      const names = skus.length > 0 ? [...new Set([...skus, ...failed.keys()])] : [...failed.keys()];
      return {
        done: true,
        items: names.map((sku): StockFeedItemResult => {
          const reason = failed.get(sku);
          return reason !== undefined ? { sku, status: 'failed', reason } : { sku, status: 'success' };
        }),
      };
    },
  };
}
