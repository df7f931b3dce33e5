// n11's shipment packages (CONNECTORS.md §3.2, §3.3) as the OMS reads them. n11 has no webhooks: the list is polled,
// one status per call, 0-based pages of at most 100, over date windows n11 clips to 15 days (a wider request silently
// becomes the last 15 days before its end, so the pull reads 14-day slices that overlap). A package becomes an order
// of channel `n11` whose external id is n11's `orderNumber`, so the same package read twice (overlapping slices,
// `Created` then `Picking`, a second pull) is one order. Only the fields the OMS uses are checked.
import { z } from 'zod';
import { EMAIL_PATTERN, createOrderBodySchema, customerSchema, addressSchema, type CreateOrderBody } from '../../contract/schemas';
import { callChannel, type FetchLike, waitingOutRateLimits } from '../channel-http';
import { ChannelError } from '../stock-feed';

const required = () =>
  z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a string') }).trim().min(1, 'is required');
const number = () => z.number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') });
/** n11's ids are numbers; a numeric string is taken too. */
const idSchema = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,30}$/, 'must be digits')]).transform(String);

const lineSchema = z.looseObject({
  orderLineId: idSchema,
  stockCode: required(),
  quantity: number().int('must be a whole number').positive('must be at least 1'),
  price: number().nonnegative('must not be negative'),
  totalSellerDiscountPrice: z.number().nonnegative().nullish(),
  sellerInvoiceAmount: z.number().nonnegative().nullish(),
});

export const n11PackageSchema = z.looseObject({
  /** null for "Konuma Özel Teslimat" (§3.3). */
  id: idSchema.nullable(),
  orderNumber: required().or(z.number().int().nonnegative().transform(String)),
  shipmentPackageStatus: required(),
  customerfullName: z.string().nullish(),
  customerEmail: z.string().nullish(),
  shippingAddress: z.looseObject({
    address: required(),
    city: required(),
    district: z.string().nullish(),
    neighborhood: z.string().nullish(),
    fullName: z.string().nullish(),
    gsm: z.string().nullish(),
    postalCode: z.string().nullish(),
  }),
  lines: z.array(lineSchema).min(1, 'must have at least one line'),
});
export type N11Package = z.output<typeof n11PackageSchema>;

/** `Created` (paid, awaiting the seller's acceptance) makes an order, and `Picking` of a package the OMS missed. */
export const N11_ORDER_MAKING_STATUSES = ['Created', 'Picking'] as const;

/**
 * The POST /orders body of a package. SKU = stockCode (what the stock feed sends); the unit price is what the seller
 * invoices per unit, `sellerInvoiceAmount / quantity` (price less the seller's discount, §3.3), to the cent.
 * [choice] A discount that does not divide evenly is rounded per unit, so the order total can differ from
 * sellerInvoiceAmount by a few kuruş; the OMS has no line-level discount field to carry it exactly.
 */
export function n11PackageToOrderBody(pkg: N11Package): CreateOrderBody {
  const bySku = new Map<string, { sku: string; quantity: number; unitPrice: string }>();
  for (const line of pkg.lines) {
    const invoiced = line.sellerInvoiceAmount ?? line.price * line.quantity - (line.totalSellerDiscountPrice ?? 0);
    const unitPrice = (Math.round((invoiced / line.quantity) * 100) / 100).toFixed(2);
    const seen = bySku.get(line.stockCode);
    if (seen) seen.quantity += line.quantity;
    else bySku.set(line.stockCode, { sku: line.stockCode, quantity: line.quantity, unitPrice });
  }
  const a = pkg.shippingAddress;
  const email = pkg.customerEmail?.trim();
  const phone = a.gsm?.trim();
  const postalCode = a.postalCode?.trim();
  return {
    externalOrderId: pkg.orderNumber,
    customer: {
      name: pkg.customerfullName?.trim() || a.fullName?.trim() || 'n11 customer',
      email: email && EMAIL_PATTERN.test(email) ? email : `${pkg.orderNumber}@n11.invalid`,
      ...(phone && customerSchema.shape.phone.safeParse(phone).success ? { phone } : {}),
    },
    shippingAddress: {
      line1: a.address,
      ...(a.neighborhood?.trim() ? { line2: a.neighborhood.trim() } : {}),
      ...(a.district?.trim() ? { district: a.district.trim() } : {}),
      city: a.city,
      ...(postalCode && addressSchema.shape.postalCode.safeParse(postalCode).success ? { postalCode } : {}),
      country: 'TR',
    },
    lines: [...bySku.values()],
    currency: 'TRY',
    payment: { method: 'marketplace' },
    metadata: {
      ...(pkg.id !== null ? { n11PackageId: pkg.id } : {}),
      n11OrderLineIds: pkg.lines.map((l) => l.orderLineId).join(',').slice(0, 500),
    },
  } as CreateOrderBody;
}

export type N11PackageReading =
  | { kind: 'order'; pkg: N11Package; body: CreateOrderBody }
  | { kind: 'ignored'; pkg: N11Package }
  | { kind: 'invalid'; problems: { path: string; message: string }[] };

/** Checks a package field by field, then the order it makes as POST /orders would (problems name the field). */
export function readN11Package(raw: unknown): N11PackageReading {
  const pkg = n11PackageSchema.safeParse(raw);
  if (!pkg.success) return { kind: 'invalid', problems: pkg.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) };
  if (!(N11_ORDER_MAKING_STATUSES as readonly string[]).includes(pkg.data.shipmentPackageStatus)) return { kind: 'ignored', pkg: pkg.data };
  const body = createOrderBodySchema.safeParse(n11PackageToOrderBody(pkg.data));
  if (!body.success) {
    return { kind: 'invalid', problems: body.error.issues.map((i) => ({ path: ['(as an order)', ...i.path].join('.'), message: i.message })) };
  }
  return { kind: 'order', pkg: pkg.data, body: body.data };
}

const DAY = 24 * 3600_000;
/** §3.3: "build for 14-day slices with overlap" (n11 clips at 15 days). */
export const N11_SLICE_MS = 14 * DAY;
export const N11_SLICE_OVERLAP_MS = 3600_000;

/** [since, until] cut into slices of at most `sliceMs`, each starting `overlapMs` before the previous one ended. */
export function n11Slices(since: number, until: number, sliceMs = N11_SLICE_MS, overlapMs = N11_SLICE_OVERLAP_MS): { start: number; end: number }[] {
  if (!(sliceMs > overlapMs)) throw new Error('sliceMs must be longer than overlapMs');
  const slices: { start: number; end: number }[] = [];
  for (let start = since; ; start = slices[slices.length - 1]!.end - overlapMs) {
    const end = Math.min(start + sliceMs, until);
    slices.push({ start, end });
    if (end >= until) break;
  }
  return slices;
}

export interface N11PackageListOptions {
  /** `https://api.n11.com`, or the simulator's URL. */
  baseUrl: string;
  appKey: string;
  appSecret: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Packages per page, at most 100 (§3.2). */
  pageSize?: number;
  sliceMs?: number;
  sliceOverlapMs?: number;
  /** How often a 429 is waited out before the call fails (n11 sends no wait hint: 1 s, doubling). */
  rateLimitAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface N11PackagePage {
  content: unknown[];
  page: number;
  size: number;
  totalPages: number;
}

const CHANNEL = 'n11';

/** `GET /rest/delivery/v1/shipmentPackages`, by status and lastModifiedDate, in slices and pages. */
export function createN11PackageList(options: N11PackageListOptions) {
  const fetchImpl = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/rest/delivery/v1/shipmentPackages`;
  const headers = { appkey: options.appKey, appsecret: options.appSecret, accept: 'application/json' };
  const size = Math.min(100, Math.max(1, options.pageSize ?? 100));

  async function page(args: { status: string; start: number; end: number; page: number }): Promise<N11PackagePage> {
    const query = new URLSearchParams({
      startDate: String(args.start),
      endDate: String(args.end),
      page: String(args.page),
      size: String(size),
      status: args.status,
      orderByDirection: 'ASC',
      // Dates apply to lastModifiedDate: a package that changed (Created → Picking) is read again.
      orderByField: 'true',
    });
    const answer = await waitingOutRateLimits(
      () => callChannel(CHANNEL, fetchImpl, `${url}?${query.toString()}`, { method: 'GET', headers, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) }),
      { attempts: options.rateLimitAttempts ?? 6, ...(options.sleep ? { sleep: options.sleep } : {}) },
    );
    const body = answer.json as Partial<N11PackagePage> | undefined;
    if (!body || !Array.isArray(body.content)) {
      throw new ChannelError(CHANNEL, 'unavailable', `unreadable package page: ${answer.text.slice(0, 200)}`, answer.status);
    }
    return { content: body.content, page: Number(body.page ?? args.page), size: Number(body.size ?? size), totalPages: Number(body.totalPages ?? 0) };
  }

  return {
    page,
    slices: (since: number, until: number) => n11Slices(since, until, options.sliceMs, options.sliceOverlapMs),

    /** Every page of `status` packages modified in [since, until], slice by slice (§3.3: until a page is empty). */
    async *pages(args: { status: string; since: number; until: number }): AsyncGenerator<{ slice: { start: number; end: number }; page: N11PackagePage }> {
      for (const slice of n11Slices(args.since, args.until, options.sliceMs, options.sliceOverlapMs)) {
        for (let pageNo = 0; ; pageNo++) {
          const got = await page({ status: args.status, ...slice, page: pageNo });
          yield { slice, page: got };
          if (got.content.length === 0 || pageNo + 1 >= got.totalPages) break;
        }
      }
    },
  };
}
