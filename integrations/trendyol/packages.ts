// Trendyol's package writes (CONNECTORS.md §1.5) as the OMS's write-back makes them: updatePackage (Picking, then
// Invoiced), unsupplied, the seller-cargo tracking number and sendInvoiceLink, plus the paged package list read by
// orderNumber to see what an unsupplied call or a split left behind. No Trendyol endpoint takes an idempotency key
// (§1.9): the caller (activities/channel-writeback.ts) decides from the stored package state what still has to be
// sent; the one refusal that means "already done", sendInvoiceLink's 409, is answered here as `already_sent`.
import type { ChannelPackageReading } from '../../entities/channel-package';
import { ChannelError } from '../stock-feed';
import { createTrendyolHttp, type TrendyolStockFeedOptions } from './stock';
import { trendyolPackageSchema } from './orders';

export interface PackageLineQuantity {
  lineId: string;
  quantity: number;
}

/** Trendyol's ids are numbers on the wire; one past 2^53 goes as the string it was read as. */
function wireId(id: string): number | string {
  const n = Number(id);
  return /^\d+$/.test(id) && Number.isSafeInteger(n) ? n : id;
}

const wireLines = (lines: PackageLineQuantity[]) => lines.map((l) => ({ lineId: wireId(l.lineId), quantity: l.quantity }));

export interface TrendyolPackageWriter {
  /** updatePackage Picking with the package's lines (§1.5.1). */
  picking(packageId: string, lines: PackageLineQuantity[]): Promise<void>;
  /** updatePackage Invoiced with the invoice number (§1.5.1); the package must be Picking. */
  invoiced(packageId: string, lines: PackageLineQuantity[], invoiceNumber: string): Promise<void>;
  /** sendInvoiceLink (§1.5.5): `sent` on 201, `already_sent` on 409 (the package has its invoice). */
  sendInvoiceLink(args: { packageId: string; invoiceLink: string; invoiceNumber?: string | undefined; invoiceDateTime?: number | undefined }): Promise<'sent' | 'already_sent'>;
  /** unsupplied (§1.5.2): the package is destroyed; re-read the order's packages after it. */
  unsupplied(packageId: string, lines: PackageLineQuantity[], reasonId: number): Promise<void>;
  /** updateTrackingNumber (§1.5.4, seller-contracted cargo only). */
  tracking(packageId: string, trackingNumber: string, providerCode: string): Promise<void>;
  /** Every package of an order as Trendyol holds it now (getShipmentPackages by orderNumber, all pages). */
  packagesOf(orderNumber: string): Promise<unknown[]>;
}

/** The write-back's connector for one Trendyol seller. */
export function createTrendyolPackageWriter(options: TrendyolStockFeedOptions): TrendyolPackageWriter {
  const { call, seller } = createTrendyolHttp(options);
  const pkgPath = (id: string) => `/order/sellers/${seller}/shipment-packages/${encodeURIComponent(id)}`;
  return {
    async picking(packageId, lines) {
      await call('PUT', pkgPath(packageId), { status: 'Picking', lines: wireLines(lines), params: {} });
    },
    async invoiced(packageId, lines, invoiceNumber) {
      await call('PUT', pkgPath(packageId), { status: 'Invoiced', lines: wireLines(lines), params: { invoiceNumber } });
    },
    async sendInvoiceLink({ packageId, invoiceLink, invoiceNumber, invoiceDateTime }) {
      try {
        await call('POST', `/sellers/${seller}/seller-invoice-links`, {
          invoiceLink,
          shipmentPackageId: wireId(packageId),
          ...(invoiceNumber ? { invoiceNumber } : {}),
          ...(invoiceDateTime ? { invoiceDateTime } : {}),
        });
        return 'sent';
      } catch (err) {
        if (err instanceof ChannelError && err.status === 409) return 'already_sent';
        throw err;
      }
    },
    async unsupplied(packageId, lines, reasonId) {
      await call('PUT', `${pkgPath(packageId)}/items/unsupplied`, { lines: wireLines(lines), reasonId });
    },
    async tracking(packageId, trackingNumber, providerCode) {
      await call('PUT', `${pkgPath(packageId)}/tracking-details`, { trackingNumber, providerCode });
    },
    async packagesOf(orderNumber) {
      const all: unknown[] = [];
      for (let page = 0; page < 50; page++) {
        const query = new URLSearchParams({ orderNumber, page: String(page), size: '200' });
        const body = (await call('GET', `/order/sellers/${seller}/orders?${query.toString()}`)) as { content?: unknown; totalPages?: unknown } | null;
        const content = Array.isArray(body?.content) ? body.content : [];
        all.push(...content);
        if (content.length < 200 || page + 1 >= Number(body?.totalPages ?? 0)) break;
      }
      return all;
    },
  };
}

/**
 * What the lineage keeps of a package Trendyol sent (webhook, pull or re-read); null when it is not a package.
 * A line without a lineId is keyed by its position (older payloads), so it can still be told apart.
 */
export function packageReading(raw: unknown): ChannelPackageReading | null {
  const parsed = trendyolPackageSchema.safeParse(raw);
  if (!parsed.success) return null;
  const pkg = parsed.data;
  const modified = Number((raw as { lastModifiedDate?: unknown }).lastModifiedDate);
  return {
    channel: 'trendyol',
    packageId: pkg.shipmentPackageId,
    orderNumber: pkg.orderNumber,
    status: pkg.status,
    createdBy: pkg.createdBy ?? null,
    originPackageIds: pkg.originPackageIds ?? [],
    lines: pkg.lines.map((l, i) => ({ lineId: l.lineId ?? `#${i}`, barcode: l.barcode.replace(/\s+/g, ''), quantity: l.quantity })),
    modifiedAt: Number.isFinite(modified) && modified > 0 ? modified : null,
  };
}
