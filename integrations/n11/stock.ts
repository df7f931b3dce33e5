// n11's stock feed: price-stock update tasks (CONNECTORS.md §3.2, §3.4). A task is queued (`IN_QUEUE`) and later
// `PROCESSED` with a SUCCESS/FAIL per SKU, read page by page; a body refused as a whole is `REJECT` in a 2xx.
import { callChannel, type FetchLike, rememberBatch } from '../channel-http';
import { ChannelError, type ChannelStockFeed, type StockFeedItem, type StockFeedItemResult } from '../stock-feed';

export interface N11StockFeedOptions {
  /** `https://api.n11.com`, or the simulator's URL. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  /** The integrator name n11 asks for in every task payload. */
  integrator: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

const CHANNEL = 'n11';
export const N11_MAX_BATCH_ITEMS = 1000;
const PAGE_SIZE = 1000;

interface TaskAnswer {
  id?: unknown;
  status?: unknown;
  reasons?: unknown;
}

interface PageAnswer {
  status?: unknown;
  reasons?: unknown;
  skus?: { content?: { itemCode?: string; status?: string; reasons?: unknown }[]; totalPages?: number };
}

function reasonsText(reasons: unknown, fallback: string): string {
  return Array.isArray(reasons) && reasons.length > 0 ? reasons.map(String).join('; ') : fallback;
}

/** A ChannelStockFeed over n11's `price-stock-update` tasks. */
export function createN11StockFeed(options: N11StockFeedOptions): ChannelStockFeed {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const headers = {
    appkey: options.appKey,
    appsecret: options.appSecret,
    'content-type': 'application/json',
    accept: 'application/json',
  };
  const timeout = options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {};
  // The SKUs sent under each task id: n11 lists none while the task is queued, and none for a REJECT.
  const sent = new Map<string, string[]>();

  const post = (path: string, body: unknown) =>
    callChannel(CHANNEL, fetchImpl, `${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body), ...timeout });

  return {
    channel: CHANNEL,
    maxBatchItems: N11_MAX_BATCH_ITEMS,

    async submit(items: StockFeedItem[]): Promise<{ batchId: string }> {
      if (items.length === 0 || items.length > N11_MAX_BATCH_ITEMS) {
        throw new ChannelError(CHANNEL, 'rejected', `a price-stock task carries 1..${N11_MAX_BATCH_ITEMS} SKUs, got ${items.length}`);
      }
      // SKU = stockCode: the seller's own code for the item (n11's productId and barcode are n11's). Stock only, no
      // listPrice/salePrice: the OMS does not own prices, and a price sent with the stock would overwrite the
      // seller's. [choice] §3.4 says the two prices "travel together" [M], which might mean n11 wants them on every
      // update; the simulator accepts stock-only by default and can be made strict (`requirePrices`) to test that.
      const skus = items.map((item) => ({ stockCode: item.sku, quantity: item.quantity, currencyType: 'TL' }));
      const answer = await post('/ms/product/tasks/price-stock-update', { payload: { integrator: options.integrator, skus } });
      const task = answer.json as TaskAnswer | undefined;
      if (task?.status === 'REJECT') {
        throw new ChannelError(CHANNEL, 'rejected', `task rejected: ${reasonsText(task.reasons, 'no reason given')}`, answer.status);
      }
      if ((typeof task?.id !== 'number' && typeof task?.id !== 'string') || task.id === '') {
        throw new ChannelError(CHANNEL, 'rejected', `no task id in the answer: ${answer.text.slice(0, 200)}`, answer.status);
      }
      const batchId = String(task.id);
      rememberBatch(sent, batchId, items.map((item) => item.sku));
      return { batchId };
    },

    async result(batchId: string, recorded?: readonly string[]): Promise<{ done: boolean; items: StockFeedItemResult[] }> {
      const taskId = /^\d+$/.test(batchId) ? Number(batchId) : batchId;
      const skus = sent.get(batchId) ?? [...(recorded ?? [])];
      const rows = new Map<string, StockFeedItemResult>();
      for (let page = 0; ; page++) {
        const answer = await post('/ms/product/task-details/page-query', { taskId, pageable: { page, size: PAGE_SIZE } });
        const body = answer.json as PageAnswer | undefined;
        if (body?.status === 'IN_QUEUE') return { done: false, items: skus.map((sku) => ({ sku, status: 'pending' })) };
        if (body?.status === 'REJECT') {
          // Rejected as a whole: every SKU of the task failed, with the task's reasons.
          const reason = `task rejected: ${reasonsText(body.reasons, 'no reason given')}`;
          const names = new Set([...skus, ...(body.skus?.content ?? []).map((row) => row.itemCode ?? '').filter(Boolean)]);
          return { done: true, items: [...names].map((sku) => ({ sku, status: 'failed', reason })) };
        }
        if (body?.status !== 'PROCESSED') {
          throw new ChannelError(CHANNEL, 'unavailable', `task ${batchId}: unreadable result ${answer.text.slice(0, 200)}`, answer.status);
        }
        const content = body.skus?.content ?? [];
        for (const row of content) {
          if (!row.itemCode) continue;
          rows.set(
            row.itemCode,
            row.status === 'SUCCESS'
              ? { sku: row.itemCode, status: 'success' }
              : { sku: row.itemCode, status: 'failed', reason: reasonsText(row.reasons, `n11 status ${String(row.status)}`) },
          );
        }
        if (content.length === 0 || page + 1 >= (body.skus?.totalPages ?? 0)) break;
      }
      // A SKU sent but absent from a processed task's pages was not applied; failed rather than pending, so the
      // batch ends and the feed sends the SKU again.
      const missing = skus
        .filter((sku) => !rows.has(sku))
        .map((sku): StockFeedItemResult => ({ sku, status: 'failed', reason: 'not in the processed task results' }));
      return { done: true, items: [...rows.values(), ...missing] };
    },
  };
}
