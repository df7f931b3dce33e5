// n11's package writes (CONNECTORS.md §3.2-§3.4) as the OMS's write-back makes them: accepting lines ("onay",
// `PUT /rest/order/v1/update` status Picking, per-line results in `content[]`), and the partial cancel, which n11
// allows only inside a split by quantity (the package then gets a new id), plus the order's packages re-read by
// orderNumber to see what a split left behind. n11 takes no idempotency key: the caller
// (activities/writeback-n11.ts) decides from the stored package state and a re-read what still has to be sent.
import type { ChannelPackageReading } from '../../entities/channel-package';
import { callChannel, type FetchLike } from '../channel-http';
import { ChannelError } from '../stock-feed';

export interface N11PackageWriterOptions {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  fetch?: FetchLike;
  timeoutMs?: number;
}

export interface N11LineResult {
  lineId: string;
  status: string;
  reason: string | null;
}

export interface N11PackageWriter {
  /** Accepts the lines (status Picking); one result per line, SUCCESS or FAIL with n11's reason. */
  picking(lineIds: string[]): Promise<N11LineResult[]>;
  /**
   * splitPackageByQuantity: `keep` stays in a new package, `cancel` is given up with `cancelReasonId`; the package
   * turns UnPacked and its units come back under new ids (re-read the order after it).
   */
  splitCancel(args: {
    packageId: string;
    keep: { lineId: string; quantity: number }[];
    cancel: { lineId: string; quantity: number }[];
    cancelReasonId: number;
  }): Promise<void>;
  /** Every package of the order as n11 holds it now (all pages). */
  packagesOf(orderNumber: string): Promise<unknown[]>;
}

const CHANNEL = 'n11';
const wireId = (id: string): number | string => (/^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id);

/** The write-back's connector for one n11 seller. */
export function createN11PackageWriter(options: N11PackageWriterOptions): N11PackageWriter {
  const fetchImpl = options.fetch ?? fetch;
  const root = options.baseUrl.replace(/\/+$/, '');
  const headers = { appkey: options.appKey, appsecret: options.appSecret, accept: 'application/json', 'content-type': 'application/json' };
  const call = (method: string, path: string, body?: unknown) =>
    callChannel(CHANNEL, fetchImpl, `${root}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    });
  return {
    async picking(lineIds) {
      const answer = await call('PUT', '/rest/order/v1/update', { lines: lineIds.map((id) => ({ lineId: wireId(id) })), status: 'Picking' });
      const content = (answer.json as { content?: unknown } | undefined)?.content;
      if (!Array.isArray(content)) throw new ChannelError(CHANNEL, 'unavailable', `update answer without content: ${answer.text.slice(0, 200)}`, answer.status);
      return content.map((raw) => {
        const r = raw as { lineId?: unknown; status?: unknown; reason?: unknown };
        return { lineId: String(r.lineId), status: String(r.status ?? ''), reason: typeof r.reason === 'string' ? r.reason : null };
      });
    },
    async splitCancel({ packageId, keep, cancel, cancelReasonId }) {
      await call('POST', '/rest/delivery/v1/splitPackageByQuantity', {
        packageId: wireId(packageId),
        packageDetails: keep.map((l) => ({ orderLineId: wireId(l.lineId), quantities: l.quantity })),
        cancelledItems: cancel.map((l) => ({ orderLineId: wireId(l.lineId), quantity: l.quantity, cancelReasonId })),
      });
    },
    async packagesOf(orderNumber) {
      const all: unknown[] = [];
      for (let page = 0; page < 20; page++) {
        const query = new URLSearchParams({ orderNumber, page: String(page), size: '100' });
        const body = (await call('GET', `/rest/delivery/v1/shipmentPackages?${query.toString()}`)).json as { content?: unknown; totalPages?: unknown } | undefined;
        const content = Array.isArray(body?.content) ? body.content : [];
        all.push(...content);
        if (content.length === 0 || page + 1 >= Number(body?.totalPages ?? 0)) break;
      }
      return all;
    },
  };
}

/** What the lineage keeps of an n11 package; null when it is not one (or has no id: "Konuma Özel Teslimat"). */
export function n11PackageReading(raw: unknown): ChannelPackageReading | null {
  const p = raw as { id?: unknown; orderNumber?: unknown; shipmentPackageStatus?: unknown; lastModifiedDate?: unknown; lines?: unknown } | null;
  if (!p || (typeof p.id !== 'number' && typeof p.id !== 'string') || !Array.isArray(p.lines)) return null;
  const modified = Number(p.lastModifiedDate);
  return {
    channel: CHANNEL,
    packageId: String(p.id),
    orderNumber: String(p.orderNumber),
    status: String(p.shipmentPackageStatus ?? ''),
    lines: (p.lines as { orderLineId?: unknown; stockCode?: unknown; quantity?: unknown }[]).map((l) => ({
      lineId: String(l.orderLineId),
      barcode: String(l.stockCode ?? ''),
      quantity: Number(l.quantity ?? 0),
    })),
    modifiedAt: Number.isFinite(modified) && modified > 0 ? modified : null,
  };
}
