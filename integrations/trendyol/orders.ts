// Trendyol's shipment packages (CONNECTORS.md §1.3) as the OMS reads them: from a webhook push or, later, the package
// stream. A package becomes an order of channel `trendyol` whose external id is Trendyol's `orderNumber`, so the same
// order from a webhook and again from a pull (or a webhook delivered twice) is one order. Only the fields the OMS uses
// are checked; Trendyol sends many more and adds fields without notice, so the rest passes through unread.
import { z } from 'zod';
import { createOrderBodySchema, type CreateOrderBody } from '../../contract/schemas';
import { createTrendyolHttp, type TrendyolStockFeedOptions } from './stock';

/** A number or a numeric string (Trendyol's ids and `cargoTrackingNumber` can pass 2^53: kept as strings). */
const idSchema = z.union([z.string().regex(/^\d{1,30}$/, 'must be digits'), z.number().int().nonnegative()]).transform(String);
const moneySchema = z.number('must be a number').nonnegative('must not be negative');

const addressSchema = z.looseObject({
  fullName: z.string().optional(),
  address1: z.string().min(1, 'is required'),
  address2: z.string().nullish(),
  city: z.string().min(1, 'is required'),
  district: z.string().nullish(),
  neighborhood: z.string().nullish(),
  postalCode: z.string().nullish(),
  countryCode: z.string().nullish(),
  phone: z.string().nullish(),
});

const lineSchema = z.looseObject({
  lineId: idSchema.optional(),
  barcode: z.string().min(1, 'is required'),
  stockCode: z.string().nullish(),
  productName: z.string().nullish(),
  quantity: z.number().int('must be a whole number').positive('must be at least 1'),
  /** What the customer pays per unit, after Trendyol's discounts. */
  lineUnitPrice: moneySchema,
  currencyCode: z.string().nullish(),
});

export const trendyolPackageSchema = z.looseObject({
  shipmentPackageId: idSchema,
  orderNumber: z.string().min(1, 'is required').or(z.number().transform(String)),
  status: z.string().min(1, 'is required'),
  customerFirstName: z.string().nullish(),
  customerLastName: z.string().nullish(),
  customerEmail: z.string().nullish(),
  currencyCode: z.string().default('TRY'),
  originPackageIds: z.array(idSchema).nullish(),
  createdBy: z.string().nullish(),
  cargoTrackingNumber: idSchema.nullish(),
  shipmentAddress: addressSchema,
  lines: z.array(lineSchema).min(1, 'must have at least one line'),
});
export type TrendyolPackage = z.output<typeof trendyolPackageSchema>;

/** The webhook body: the getShipmentPackages page (`content`) per the guide, or a bare package (seen too). */
export const trendyolWebhookBodySchema = z.union([
  z.looseObject({ content: z.array(z.unknown()) }).transform((page) => page.content),
  z.looseObject({ shipmentPackageId: z.unknown() }).transform((pkg) => [pkg]),
]);

/**
 * Package statuses that make an order: `Created` (paid, to be picked) and later ones of a package the OMS missed.
 * `Awaiting` (payment or fraud check) is not an order yet: Trendyol sends the package again as `Created` or drops it.
 */
export const ORDER_MAKING_STATUSES = ['Created', 'Picking', 'Invoiced'];

/**
 * The POST /orders body a package stands for. SKU = barcode (the stock feed sends barcodes as SKUs); the price is
 * `lineUnitPrice`; a line repeated in the package (one line per unit, as Trendyol sometimes sends) is summed.
 */
export function packageToOrderBody(pkg: TrendyolPackage): CreateOrderBody {
  const lines = new Map<string, { sku: string; quantity: number; unitPrice: string }>();
  for (const line of pkg.lines) {
    const sku = line.barcode.replace(/\s+/g, '');
    const unitPrice = line.lineUnitPrice.toFixed(2);
    const seen = lines.get(sku);
    if (seen && seen.unitPrice === unitPrice) seen.quantity += line.quantity;
    else if (!seen) lines.set(sku, { sku, quantity: line.quantity, unitPrice });
    // the same barcode at two prices (a campaign on one unit) keeps the first price: the OMS has one line per SKU
    else seen.quantity += line.quantity;
  }
  const name = [pkg.customerFirstName, pkg.customerLastName].filter((x) => x && x.trim()).join(' ').trim();
  const a = pkg.shipmentAddress;
  return {
    externalOrderId: pkg.orderNumber,
    customer: {
      name: name || a.fullName || 'Trendyol customer',
      // Trendyol hides customers' addresses behind relay e-mails; an absent one is a placeholder the channel owns.
      email: pkg.customerEmail && pkg.customerEmail.includes('@') ? pkg.customerEmail : `${pkg.orderNumber}@trendyol.invalid`,
      ...(a.phone ? { phone: a.phone } : {}),
    },
    shippingAddress: {
      line1: [a.address1, a.address2].filter(Boolean).join(' '),
      ...(a.district ? { district: a.district } : {}),
      city: a.city,
      ...(a.postalCode ? { postalCode: a.postalCode } : {}),
      country: (a.countryCode ?? 'TR').toUpperCase().slice(0, 2),
    },
    lines: [...lines.values()],
    currency: pkg.currencyCode,
    payment: { method: 'marketplace' },
    metadata: {
      trendyolPackageId: pkg.shipmentPackageId,
      ...(pkg.originPackageIds?.length ? { trendyolOriginPackageIds: pkg.originPackageIds.join(',') } : {}),
      ...(pkg.cargoTrackingNumber ? { trendyolCargoTrackingNumber: pkg.cargoTrackingNumber } : {}),
    },
  } as CreateOrderBody;
}

/** What a package pushed or pulled stands for: an order to place, nothing yet (`ignored`), or an unusable package. */
export type PackageReading =
  | { kind: 'order'; pkg: TrendyolPackage; body: CreateOrderBody }
  | { kind: 'ignored'; pkg: TrendyolPackage }
  | { kind: 'invalid'; problems: { path: string; message: string }[] };

/** Checks a package field by field, then the order it makes as POST /orders would (problems name the field). */
export function readPackage(raw: unknown): PackageReading {
  const pkg = trendyolPackageSchema.safeParse(raw);
  if (!pkg.success) return { kind: 'invalid', problems: pkg.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  if (!ORDER_MAKING_STATUSES.includes(pkg.data.status)) return { kind: 'ignored', pkg: pkg.data };
  const body = createOrderBodySchema.safeParse(packageToOrderBody(pkg.data));
  if (!body.success) {
    return { kind: 'invalid', problems: body.error.issues.map((i) => ({ path: ['(as an order)', ...i.path].join('.'), message: i.message })) };
  }
  return { kind: 'order', pkg: pkg.data, body: body.data };
}

export interface TrendyolStreamPage {
  content: unknown[];
  hasMore: boolean;
  nextCursor: string;
}

/**
 * getShipmentPackagesStream (§1.3): one page of the packages modified in [since, until] (at most 14 days), newest
 * first; `cursor` is the page's `nextCursor` echoed verbatim with the same filter.
 */
export function createTrendyolPackageStream(options: TrendyolStockFeedOptions) {
  const { call, seller } = createTrendyolHttp(options);
  return {
    async page(args: { since: number; until: number; cursor?: string | undefined; size?: number }): Promise<TrendyolStreamPage> {
      const query = new URLSearchParams({
        size: String(args.size ?? 200),
        lastModifiedStartDate: String(args.since),
        lastModifiedEndDate: String(args.until),
        ...(args.cursor ? { nextCursor: args.cursor } : {}),
      });
      const body = (await call('GET', `/order/sellers/${seller}/orders/stream?${query.toString()}`)) as Partial<TrendyolStreamPage> | null;
      return {
        content: Array.isArray(body?.content) ? body.content : [],
        hasMore: body?.hasMore === true,
        nextCursor: typeof body?.nextCursor === 'string' ? body.nextCursor : '',
      };
    },
  };
}
