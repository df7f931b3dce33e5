// Hepsiburada's paid order lines (CONNECTORS.md §2.2) as the OMS reads them: pushed to the merchant's
// `POST <BaseURL>/orders { items }` (§2.6) or listed by `GET /orders/merchantid/{m}` ("to pack"). HB speaks in
// lines, not orders: lines are grouped by `orderNumber` into one order of channel `hepsiburada` whose external id is
// that number, so a push repeated (HB re-sends after a failure) or the same order from the pull is one order. Only the
// fields the OMS uses are checked; the rest passes through unread.
import { z } from 'zod';
import { EMAIL_PATTERN, MAX_METADATA_VALUE_LENGTH, createOrderBodySchema, customerSchema, type CreateOrderBody } from '../../contract/schemas';
import { callChannel, type FetchLike, waitingOutRateLimits } from '../channel-http';
import { ChannelError } from '../stock-feed';

/** A string field that must be there: "is required" when absent, so the 400 names the field and the fault. */
const required = () =>
  z.string({ error: (issue) => (issue.input === undefined || issue.input === null ? 'is required' : 'must be a string') }).trim().min(1, 'is required');

const moneySchema = z.looseObject({
  amount: z.number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') }).nonnegative('must not be negative'),
  currency: z.string().trim().min(1).default('TRY'),
});

export const hepsiburadaLineSchema = z.looseObject({
  /** The lineItemId. */
  id: required(),
  orderNumber: required().or(z.number().int().nonnegative().transform(String)),
  orderDate: z.string().nullish(),
  merchantSKU: required(),
  quantity: z
    .number({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a number') })
    .int('must be a whole number')
    .positive('must be at least 1'),
  unitPrice: moneySchema,
  packageNumber: z.string().nullish(),
  customerName: z.string().nullish(),
  shippingAddress: z.looseObject({
    name: z.string().nullish(),
    address: required(),
    town: z.string().nullish(),
    district: z.string().nullish(),
    city: required(),
    phoneNumber: z.string().nullish(),
    email: z.string().nullish(),
  }),
});
export type HepsiburadaLine = z.output<typeof hepsiburadaLineSchema>;

/** HB's push to `<BaseURL>/orders` (§2.6). */
export const hepsiburadaOrdersPushSchema = z.looseObject({ items: z.array(z.unknown()) });

export interface HepsiburadaOrder {
  orderNumber: string;
  lineItemIds: string[];
  body: CreateOrderBody;
}

export interface LineProblem {
  path: string;
  message: string;
}

/** Which ids of a list fit in one metadata value (joined by commas); the count says how many there were. */
function idsValue(ids: string[]): string {
  let value = '';
  for (const id of ids) {
    const next = value ? `${value},${id}` : id;
    if (next.length > MAX_METADATA_VALUE_LENGTH) break;
    value = next;
  }
  return value;
}

/**
 * The POST /orders body of one order's lines. SKU = merchantSKU (the seller's code, which the stock feed sends as
 * merchantSku); the price is `unitPrice.amount`; a SKU on several lines (one line per unit, or a repeat) is summed at
 * its first line's price, the OMS having one line per SKU.
 */
export function hepsiburadaLinesToOrderBody(orderNumber: string, lines: HepsiburadaLine[]): CreateOrderBody {
  const first = lines[0]!;
  const bySku = new Map<string, { sku: string; quantity: number; unitPrice: string }>();
  for (const line of lines) {
    const sku = line.merchantSKU;
    const seen = bySku.get(sku);
    if (seen) seen.quantity += line.quantity;
    else bySku.set(sku, { sku, quantity: line.quantity, unitPrice: line.unitPrice.amount.toFixed(2) });
  }
  const a = first.shippingAddress;
  const email = a.email?.trim();
  const phone = a.phoneNumber?.trim();
  const packageNumbers = [...new Set(lines.map((l) => l.packageNumber).filter((p): p is string => !!p))];
  const lineItemIds = lines.map((l) => l.id);
  return {
    externalOrderId: orderNumber,
    customer: {
      name: first.customerName?.trim() || a.name?.trim() || 'Hepsiburada customer',
      // An address without a usable e-mail gets a placeholder the channel owns (the OMS requires none to be real).
      email: email && EMAIL_PATTERN.test(email) ? email : `${orderNumber}@hepsiburada.invalid`,
      ...(phone && customerSchema.shape.phone.safeParse(phone).success ? { phone } : {}),
    },
    shippingAddress: {
      line1: a.address,
      // [choice] HB's `town` is the ilçe (the OMS's district) and its `district` the mahalle: the mahalle goes on
      // line2; §2.2 lists the fields without saying which is which.
      ...(a.district?.trim() ? { line2: a.district.trim() } : {}),
      ...(a.town?.trim() ? { district: a.town.trim() } : {}),
      city: a.city,
      country: 'TR',
    },
    lines: [...bySku.values()],
    currency: first.unitPrice.currency,
    payment: { method: 'marketplace' },
    metadata: {
      hepsiburadaOrderNumber: orderNumber,
      hepsiburadaLineItemIds: idsValue(lineItemIds),
      ...(lineItemIds.length > 1 ? { hepsiburadaLineItemCount: lineItemIds.length } : {}),
      ...(packageNumbers.length > 0 ? { hepsiburadaPackageNumber: idsValue(packageNumbers) } : {}),
    },
  } as CreateOrderBody;
}

/**
 * Reads a list of lines (a push's `items`, a page of `/orders`): checks each line field by field, groups the good ones
 * by orderNumber and checks each group as POST /orders would. An order with any bad line is withheld whole (placing
 * part of it would make a second order impossible); `problems` name the field as `items[i].field`.
 */
export function readHepsiburadaLines(items: unknown[]): { orders: HepsiburadaOrder[]; problems: LineProblem[] } {
  const problems: LineProblem[] = [];
  const groups = new Map<string, { lines: HepsiburadaLine[]; indexes: number[] }>();
  const badOrders = new Set<string>();
  items.forEach((raw, i) => {
    const line = hepsiburadaLineSchema.safeParse(raw);
    if (!line.success) {
      for (const issue of line.error.issues) problems.push({ path: [`items[${i}]`, ...issue.path.map(String)].join('.'), message: issue.message });
      const orderNumber = (raw as { orderNumber?: unknown } | null)?.orderNumber;
      if (typeof orderNumber === 'string' || typeof orderNumber === 'number') badOrders.add(String(orderNumber));
      return;
    }
    const group = groups.get(line.data.orderNumber) ?? { lines: [], indexes: [] };
    group.lines.push(line.data);
    group.indexes.push(i);
    groups.set(line.data.orderNumber, group);
  });
  const orders: HepsiburadaOrder[] = [];
  for (const [orderNumber, group] of groups) {
    if (badOrders.has(orderNumber)) continue;
    const currencies = new Set(group.lines.map((l) => l.unitPrice.currency));
    if (currencies.size > 1) {
      problems.push({ path: `items[${group.indexes[1]}].unitPrice.currency`, message: `differs from the order's other lines (${[...currencies].join(', ')})` });
      continue;
    }
    const body = createOrderBodySchema.safeParse(hepsiburadaLinesToOrderBody(orderNumber, group.lines));
    if (!body.success) {
      for (const issue of body.error.issues) {
        problems.push({ path: [`items[${group.indexes[0]}]`, '(as an order)', ...issue.path.map(String)].join('.'), message: issue.message });
      }
      continue;
    }
    orders.push({ orderNumber, lineItemIds: group.lines.map((l) => l.id), body: body.data });
  }
  return { orders, problems };
}

const TURKEY_OFFSET_MS = 3 * 3600_000;

/** Epoch ms as HB's filters want it: `yyyy-MM-dd HH:mm`, Turkey time (UTC+3 all year since 2016), floored to the minute. */
export function formatHepsiburadaDate(ms: number): string {
  return new Date(ms + TURKEY_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}

export interface HepsiburadaOrderListOptions {
  /** The oms-external host (`https://oms-external.hepsiburada.com`), or the simulator's URL. */
  baseUrl: string;
  merchantId: string;
  username: string;
  /** The integrator service key (§2.1). */
  password: string;
  /** Exactly the integrator name registered in the merchant panel (§2.1: anything else is a 401). */
  userAgent: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** Lines per page, at most 100 (§2.2). */
  pageSize?: number;
  /**
   * Width of one date window. [choice] §2.2 gives no cap for `/orders` (only `/packages` is held to 24 h); a day per
   * request keeps each answer small and stays inside the packages' rule should HB apply it here too.
   */
  windowMs?: number;
  /** How often a 429 is waited out before the call fails (as `rate_limited`, retried by the activity's policy). */
  rateLimitAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface HepsiburadaLinePage {
  items: unknown[];
  limit: number;
  offset: number;
  pageCount: number;
  totalCount: number;
}

const CHANNEL = 'hepsiburada';
export const HEPSIBURADA_ORDER_WINDOW_MS = 24 * 3600_000;

/** The paid-order list ("to pack") of oms-external, paged by offset within date windows. */
export function createHepsiburadaOrderList(options: HepsiburadaOrderListOptions) {
  const fetchImpl = options.fetch ?? fetch;
  const base = `${options.baseUrl.replace(/\/+$/, '')}/orders/merchantid/${encodeURIComponent(options.merchantId)}`;
  const headers = {
    authorization: `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`,
    'user-agent': options.userAgent,
    accept: 'application/json',
  };
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
  const windowMs = options.windowMs ?? HEPSIBURADA_ORDER_WINDOW_MS;
  const get = (url: string) =>
    waitingOutRateLimits(
      () => callChannel(CHANNEL, fetchImpl, url, { method: 'GET', headers, ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}) }),
      { attempts: options.rateLimitAttempts ?? 5, ...(options.sleep ? { sleep: options.sleep } : {}) },
    );

  async function page(args: { begin: number; end: number; offset: number; limit?: number }): Promise<HepsiburadaLinePage> {
    const query = new URLSearchParams({
      offset: String(args.offset),
      limit: String(args.limit ?? pageSize),
      begindate: formatHepsiburadaDate(args.begin),
      enddate: formatHepsiburadaDate(args.end),
    });
    const answer = await get(`${base}?${query.toString()}`);
    const body = answer.json as Partial<HepsiburadaLinePage> | undefined;
    if (!body || !Array.isArray(body.items)) {
      throw new ChannelError(CHANNEL, 'unavailable', `unreadable order page: ${answer.text.slice(0, 200)}`, answer.status);
    }
    return {
      items: body.items,
      limit: Number(body.limit ?? args.limit ?? pageSize),
      offset: Number(body.offset ?? args.offset),
      pageCount: Number(body.pageCount ?? 0),
      totalCount: Number(body.totalCount ?? body.items.length),
    };
  }

  return {
    windowMs,
    page,

    /**
     * Every line whose orderDate falls in [since, until], one date window at a time: a window is yielded once all of
     * its pages are read, so an order's lines (one orderDate) are never split between two yields.
     */
    async *windows(args: { since: number; until: number }): AsyncGenerator<{ begin: number; end: number; pages: number; lines: unknown[] }> {
      for (let begin = args.since; begin < args.until; begin += windowMs) {
        const end = Math.min(begin + windowMs, args.until);
        const lines: unknown[] = [];
        let pages = 0;
        for (let offset = 0; ; ) {
          const got = await page({ begin, end, offset });
          pages += 1;
          lines.push(...got.items);
          offset += got.items.length;
          if (got.items.length === 0 || offset >= got.totalCount) break;
        }
        yield { begin, end, pages, lines };
      }
    },

    /** GET …/ordernumber/{orderNumber}: the order's lines (`items`), as HB shows it now. */
    async order(orderNumber: string): Promise<unknown> {
      return (await get(`${base}/ordernumber/${encodeURIComponent(orderNumber)}`)).json;
    },
  };
}
