// Request (and documented response) shapes of the HTTP API as zod 4 schemas. The API validates
// with them and GET /openapi.json is generated from them, so the document cannot drift from the code.
import { z } from 'zod';
import {
  CARRIERS,
  CARRIER_EVENT_STATUSES,
  FULFILLMENT_STATUSES,
  ITEM_CONDITIONS,
  LEDGER_KINDS,
  LOCATION_KINDS,
  ORDER_STATUSES,
  PAYMENT_EVENT_TYPES,
  PAYMENT_METHODS,
  PAYMENT_STATUSES,
  WAREHOUSE_CALLBACK_TYPES,
} from './types';
import type { LocationView, OrderView } from './types';
import { MAX_STOCK_UNITS, type InventoryView, type OrderPage, type ProductView } from './store';
import { MAX_MONEY, MAX_MONEY_MINOR, isMoney, toMinor } from '../domain/money';

// ---- patterns: the order id is `${channel}:${externalOrderId}` and travels in URLs, so both parts are URL-safe ----

export const CHANNEL_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const EXTERNAL_ORDER_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const ORDER_ID_PATTERN = /^[a-z0-9_-]{1,32}:[A-Za-z0-9._-]{1,64}$/;
export const LOCATION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * Non-negative decimal, no leading zeros, at most two decimals: money is never a float on the wire. Twelve
 * integer digits at most, so a single amount is never above MAX_MONEY (checked in test/unit/schemas.test.ts).
 */
export const MONEY_PATTERN = /^(?:0|[1-9]\d{0,11})(?:\.\d{1,2})?$/;
export const CURRENCY_PATTERN = /^[A-Z]{3}$/;
export const COUNTRY_PATTERN = /^[A-Z]{2}$/;
/**
 * Loose on purpose: one @, no spaces, a dot in the domain. Deliverability is the mail provider's job. Every
 * character can be matched in one way only (the domain is dot-separated labels without dots), so the run time
 * is linear in the input; `/^[^\s@]+@[^\s@]+\.[^\s@]+$/` took seconds on `a@` + dots.
 */
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(?:\.[^\s@.]+)+$/;
/**
 * No C0 control character (U+0000-U+001F) nor DEL in any text, tab and newline included: a NUL cuts the SQL
 * text the ORM sends and PostgreSQL's jsonb refuses it, and every text here is a one-line value (names,
 * address lines, ids, short reasons shown in the timeline and the Temporal UI) where a line break only
 * forges log lines or breaks exports; a client sends a space instead.
 */
export const NO_CONTROL_PATTERN = /^[^\u0000-\u001f\u007f]*$/;
/** With the `u` flag a surrogate pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;
const NO_CONTROL_MESSAGE = 'must not contain control characters (U+0000-U+001F, U+007F)';
/** Optional +, then digits with common separators; at least 7 digits overall (checked separately). */
export const PHONE_PATTERN = /^\+?[0-9][0-9 ()-]{5,22}[0-9]$/;

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 100_000;
/** Channel data carried with an order, bounded so it cannot grow the workflow input or the read-model row. */
export const MAX_METADATA_KEYS = 50;
export const MAX_METADATA_KEY_LENGTH = 64;
export const MAX_METADATA_VALUE_LENGTH = 500;
export const MAX_METADATA_BYTES = 8 * 1024;
/** Highest location priority (lower is preferred); stock without a location record counts as 100. */
export const MAX_LOCATION_PRIORITY = 1_000_000;
/** The usual reasons a channel or operator gives for a cancel (any short text is accepted). */
export const API_CANCEL_REASONS = ['customer_request', 'operator_request', 'channel_request'] as const;

// ---- building blocks ----

export const channelSchema = z
  .string()
  .regex(CHANNEL_PATTERN, 'must be 1-32 characters of a-z, 0-9, _ or -')
  .describe('Sales channel name, e.g. `webstore`, `trendyol`.');

export const externalOrderIdSchema = z
  .string()
  .regex(EXTERNAL_ORDER_ID_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -')
  .describe("The channel's own order number; with the channel it identifies the order.");

export const skuSchema = z
  .string()
  .regex(SKU_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -')
  .describe('Stock keeping unit.');

export const orderIdSchema = z
  .string()
  .regex(ORDER_ID_PATTERN, 'must be `<channel>:<externalOrderId>`')
  .describe('Order id: `<channel>:<externalOrderId>`.');

export const locationSchema = z
  .string()
  .regex(LOCATION_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -')
  .describe('Stock location (warehouse or store); `main` when omitted.');

export const moneySchema = z
  .string()
  .regex(MONEY_PATTERN, 'must be a decimal string with at most two decimals, e.g. "149.90"')
  .describe('Amount as a decimal string with at most two decimals.');

/** MONEY_PATTERN minus zero ("0", "0.0", "0.00"); one pattern, so JSON Schema shows the rule too. */
export const POSITIVE_MONEY_PATTERN = /^(?!0(?:\.0{1,2})?$)(?:0|[1-9]\d{0,11})(?:\.\d{1,2})?$/;

export const positiveMoneySchema = z
  .string()
  .regex(POSITIVE_MONEY_PATTERN, 'must be a decimal string greater than 0 with at most two decimals, e.g. "149.90"')
  .describe('Amount greater than zero as a decimal string with at most two decimals.');

export const currencySchema = z
  .string()
  .regex(CURRENCY_PATTERN, 'must be a 3-letter upper-case ISO 4217 code, e.g. "TRY"')
  .describe('ISO 4217 currency code.');

export const quantitySchema = z
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(MAX_LINE_QUANTITY, `must be at most ${MAX_LINE_QUANTITY}`)
  .describe('Number of units, a positive integer.');

export const isoDateTimeSchema = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. "2025-01-31T10:00:00Z"' })
  .describe('ISO 8601 date-time.');

/**
 * Every free-text field: trimmed, 1..max characters, no control characters, well-formed Unicode. The length
 * check aborts, so nothing after it ever runs on a megabyte string.
 */
export function text(max: number, description: string) {
  return z
    .string()
    .trim()
    .max(max, { abort: true, message: `must be at most ${max} characters` })
    .min(1, 'must not be empty')
    .regex(NO_CONTROL_PATTERN, NO_CONTROL_MESSAGE)
    .refine((value) => !LONE_SURROGATE.test(value), 'must be well-formed Unicode (no lone surrogates)')
    .describe(description);
}

/**
 * An array whose length is checked before its elements are: a 100 000-element body then costs one comparison,
 * not 100 000 element parses and issues. The JSON Schema is the inner array's (with its minItems/maxItems).
 */
function boundedArray<T extends z.ZodType>(
  element: T,
  min: number,
  max: number,
  ...checks: ((items: z.output<T>[], ctx: z.RefinementCtx) => void)[]
) {
  const tooMany = `must have at most ${max} lines`;
  let items = z
    .array(element)
    .min(min, min === 1 ? 'must have at least one line' : `must have at least ${min} lines`)
    .max(max, tooMany);
  // On the inner array, so zod skips them when an element has the wrong type (other issues do not stop them).
  for (const check of checks) items = items.superRefine(check);
  return z.preprocess(
    (value, ctx) => {
      if (Array.isArray(value) && value.length > max) {
        const issue = { code: 'too_big', origin: 'array', maximum: max, inclusive: true, input: value } as const;
        ctx.addIssue({ ...issue, message: tooMany });
      }
      return value;
    },
    items,
  );
}

const metadataValueSchema = z.union(
  [
    z.string().max(MAX_METADATA_VALUE_LENGTH, { abort: true }).regex(NO_CONTROL_PATTERN),
    z.number(),
    z.boolean(),
    z.null(),
  ],
  {
    error:
      `must be a string of at most ${MAX_METADATA_VALUE_LENGTH} characters without control characters, ` +
      'a number, a boolean or null',
  },
);

/**
 * Free-form channel data (e.g. a marketplace's package id), kept with the order and shown in its view. The key
 * count and `__proto__` are checked before the entries (zod would drop `__proto__` silently).
 */
export const metadataSchema = z
  .preprocess(
    (value, ctx) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const keys = Object.keys(value);
      if (keys.length > MAX_METADATA_KEYS) {
        ctx.addIssue({ code: 'custom', input: value, message: `must have at most ${MAX_METADATA_KEYS} keys` });
        return value;
      }
      for (const key of keys) {
        const problem =
          key === '__proto__'
            ? 'is not an allowed key'
            : key.length === 0 || key.length > MAX_METADATA_KEY_LENGTH || !NO_CONTROL_PATTERN.test(key)
              ? `keys must be 1-${MAX_METADATA_KEY_LENGTH} characters without control characters`
              : undefined;
        if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, path: [key], message: problem });
      }
      return value;
    },
    z
      .record(z.string().min(1).max(MAX_METADATA_KEY_LENGTH).regex(NO_CONTROL_PATTERN), metadataValueSchema)
      .refine(
        (value) => Buffer.byteLength(JSON.stringify(value)) <= MAX_METADATA_BYTES,
        `must be at most ${MAX_METADATA_BYTES} bytes as JSON`,
      ),
  )
  .describe(
    `Channel data kept with the order: at most ${MAX_METADATA_KEYS} keys of up to ${MAX_METADATA_KEY_LENGTH} ` +
      `characters; values are strings (up to ${MAX_METADATA_VALUE_LENGTH} characters), numbers, booleans or null; ` +
      `at most ${MAX_METADATA_BYTES} bytes as JSON.`,
  );

/**
 * Line totals and the order total must fit MAX_MONEY: past it the workflow cannot price the order (2^53 minor
 * units) or the read model cannot store it. Exact in BigInt, whatever the quantity and price.
 */
function totalsWithinMaximum(lines: { quantity: number; unitPrice: string }[], ctx: z.RefinementCtx): void {
  const max = BigInt(MAX_MONEY_MINOR);
  let total = 0n;
  lines.forEach((line, index) => {
    // zod still runs refinements after a failed pattern or bound (those issues do not abort): skip such a line.
    if (!isMoney(line.unitPrice) || !Number.isSafeInteger(line.quantity)) return;
    const lineTotal = BigInt(toMinor(line.unitPrice)) * BigInt(line.quantity);
    total += lineTotal;
    if (lineTotal > max) {
      ctx.addIssue({
        code: 'custom',
        path: [index],
        message: `line total (quantity × unitPrice) must be at most ${MAX_MONEY}`,
      });
    }
  });
  if (total > max) {
    ctx.addIssue({ code: 'custom', path: [], message: `order total (sum of the lines) must be at most ${MAX_MONEY}` });
  }
}

/** Each repeated SKU: its index and what to say there. */
function duplicateSkus(lines: { sku: string }[]): { index: number; message: string }[] {
  const firstIndex = new Map<string, number>();
  const duplicates: { index: number; message: string }[] = [];
  lines.forEach((line, index) => {
    const first = firstIndex.get(line.sku);
    if (first === undefined) firstIndex.set(line.sku, index);
    else {
      const message = `duplicate SKU "${line.sku}" (already on line ${first}); put the total quantity on one line`;
      duplicates.push({ index, message });
    }
  });
  return duplicates;
}

/** Flags every repeated SKU at its own path (`lines.2.sku`), so the client sees which line to fix. */
function noDuplicateSkus(lines: { sku: string }[], ctx: z.RefinementCtx): void {
  for (const { index, message } of duplicateSkus(lines)) ctx.addIssue({ code: 'custom', path: [index, 'sku'], message });
}

// ---- POST /orders ----

export const customerSchema = z
  .strictObject({
    name: text(200, "Customer's full name."),
    email: z
      .string()
      .trim()
      .max(254, { abort: true, message: 'must be at most 254 characters' })
      .regex(EMAIL_PATTERN, 'must be an email address like "name@example.com"')
      .regex(NO_CONTROL_PATTERN, NO_CONTROL_MESSAGE)
      .optional()
      .describe('Email for notifications.'),
    phone: z
      .string()
      .trim()
      .max(30, { abort: true, message: 'must be at most 30 characters' })
      .regex(PHONE_PATTERN, 'must be a phone number like "+905551112233"')
      .refine((value) => value.replace(/\D/g, '').length >= 7, 'must contain at least 7 digits')
      .optional()
      .describe('Phone for SMS notifications, ideally in E.164 form.'),
  })
  .describe('The customer.');

export const addressSchema = z
  .strictObject({
    line1: text(200, 'Street and number.'),
    line2: text(200, 'Apartment, floor, etc.').optional(),
    district: text(100, 'District (ilçe).').optional(),
    city: text(100, 'City (il).'),
    postalCode: z
      .string()
      .trim()
      .max(10, { abort: true, message: 'must be 3-10 letters, digits, spaces or dashes' })
      .regex(/^[A-Za-z0-9 -]{3,10}$/, 'must be 3-10 letters, digits, spaces or dashes')
      .optional()
      .describe('Postal code.'),
    country: z
      .string()
      .regex(COUNTRY_PATTERN, 'must be a 2-letter upper-case ISO 3166-1 code, e.g. "TR"')
      .describe('ISO 3166-1 alpha-2 country code.'),
  })
  .describe('Shipping address.');

export const orderLineInputSchema = z.strictObject({
  sku: skuSchema,
  quantity: quantitySchema,
  unitPrice: positiveMoneySchema.describe('Unit price as a decimal string, greater than zero.'),
});

export const createOrderBodySchema = z
  .strictObject({
    channel: channelSchema
      .optional()
      .describe('Required with an operator key; with a channel key it may be omitted or must name that channel.'),
    externalOrderId: externalOrderIdSchema,
    customer: customerSchema,
    shippingAddress: addressSchema,
    lines: boundedArray(orderLineInputSchema, 1, MAX_ORDER_LINES, noDuplicateSkus, totalsWithinMaximum).describe(
      `Order lines; each SKU at most once; each line total and the order total at most ${MAX_MONEY}.`,
    ),
    currency: currencySchema,
    payment: z
      .strictObject({
        method: z.enum(PAYMENT_METHODS).describe('`marketplace` means already paid by the marketplace.'),
      })
      .describe('How the order is paid.'),
    carrier: z.enum(CARRIERS).optional().describe('Carrier to ship with; the server default when omitted.'),
    metadata: metadataSchema.optional(),
  })
  .describe('A new order from a sales channel.');
export type CreateOrderBody = z.output<typeof createOrderBodySchema>;

// ---- order commands ----

/** `{ sku, quantity }` lines of a command (return, partial cancel, rejection): each SKU once, at most an order's lines. */
function commandLines(description: string) {
  return boundedArray(
    z.strictObject({ sku: skuSchema, quantity: quantitySchema }),
    1,
    MAX_ORDER_LINES,
    noDuplicateSkus,
  ).describe(description);
}

export const cancelOrderBodySchema = z
  .strictObject({
    reason: text(
      200,
      `Why the order is canceled; usually one of ${API_CANCEL_REASONS.map((r) => `\`${r}\``).join(', ')}.`,
    ).meta({ examples: [...API_CANCEL_REASONS] }),
    lines: commandLines(
      'Cancel only these quantities of what has not shipped (orders accepted since orderWorkflowV3); each SKU at ' +
        'most once. Without it the whole order is canceled.',
    ).optional(),
  })
  .describe('Cancel an order, or some quantities of it, that have not shipped yet.');
export type CancelOrderBody = z.output<typeof cancelOrderBodySchema>;

export const returnRequestBodySchema = z
  .strictObject({
    lines: commandLines('Delivered lines to return; each SKU at most once.'),
    reason: text(200, 'Why the customer returns, e.g. `changed_mind`.'),
  })
  .describe('Open a return within the return window.');
export type ReturnRequestBody = z.output<typeof returnRequestBodySchema>;

export const retryStepBodySchema = z
  .strictObject({ reason: text(500, 'Optional note for the timeline.').optional() })
  .describe('Retry the step the order is stuck on.');
export type RetryStepBody = z.output<typeof retryStepBodySchema>;

export const skipStepBodySchema = z
  .strictObject({ reason: text(500, 'Why the stuck step is skipped; recorded in the timeline.') })
  .describe('Skip the step the order is stuck on.');
export type SkipStepBody = z.output<typeof skipStepBodySchema>;

export const refundDecisionBodySchema = z
  .strictObject({
    refundDamaged: z.boolean().describe('Refund the lines that came back damaged (true) or decline them (false).'),
    reason: text(500, 'Why; recorded in the timeline.'),
  })
  .describe('Operator decision on returned lines that came back damaged.');
export type RefundDecisionBody = z.output<typeof refundDecisionBodySchema>;

// ---- inventory and catalog ----

export const setInventoryBodySchema = z
  .strictObject({
    onHand: z
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(MAX_STOCK_UNITS, `must be at most ${MAX_STOCK_UNITS}`)
      .describe('Units physically on hand.'),
    location: locationSchema.default('main'),
    reason: text(200, 'Why, e.g. `recount`; recorded with the stock movement (as `set: <reason>`).').optional(),
  })
  .describe('Set on-hand stock of a SKU at a location (creates the SKU if needed).');
export type SetInventoryBody = z.output<typeof setInventoryBodySchema>;

export const inventoryAdjustmentBodySchema = z
  .strictObject({
    delta: z
      .int('must be a whole number')
      .min(-MAX_STOCK_UNITS, `must be at least -${MAX_STOCK_UNITS}`)
      .max(MAX_STOCK_UNITS, `must be at most ${MAX_STOCK_UNITS}`)
      .refine((value) => value !== 0, 'must not be 0')
      .describe('Relative change of on-hand units, e.g. -3.'),
    reason: text(200, 'Why, e.g. `damaged`, `recount`.'),
    location: locationSchema.default('main'),
  })
  .describe('Relative change of on-hand stock.');
export type InventoryAdjustmentBody = z.output<typeof inventoryAdjustmentBodySchema>;

export const putProductBodySchema = z
  .strictObject({
    name: text(200, 'Product name.'),
    price: positiveMoneySchema.describe('List price as a decimal string, greater than zero.'),
    active: z.boolean().default(true).describe('Inactive products are refused on new orders.'),
  })
  .describe('Catalog entry.');
export type PutProductBody = z.output<typeof putProductBodySchema>;

export const putLocationBodySchema = z
  .strictObject({
    name: text(200, 'Location name, e.g. `Kadıköy store`.'),
    kind: z.enum(LOCATION_KINDS).describe('`warehouse` or `store`.'),
    priority: z
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(MAX_LOCATION_PRIORITY, `must be at most ${MAX_LOCATION_PRIORITY}`)
      .describe('Sourcing preference, lower first; a location with stock but no record counts as 100.'),
    city: text(100, 'City (il), matched against the shipping address for the proximity rule.'),
    region: text(100, 'Region or district, for the proximity rule.').optional(),
    active: z.boolean().describe('Inactive locations are never sourced from; their stock stays as it is.'),
  })
  .describe('A stock location: warehouse or store.');
export type PutLocationBody = z.output<typeof putLocationBodySchema>;

// ---- callbacks (signed) ----

const eventIdSchema = text(128, "Sender's event id; a repeat of the same id has no second effect.");

export const paymentCallbackSchema = z
  .strictObject({
    eventId: eventIdSchema,
    orderId: text(200, 'Order id.'),
    type: z.enum(PAYMENT_EVENT_TYPES),
    amount: positiveMoneySchema.optional(),
    currency: currencySchema.optional(),
    at: isoDateTimeSchema.optional().describe('When it happened at the provider; receipt time when omitted.'),
  })
  .describe('Payment provider event.');
export type PaymentCallback = z.output<typeof paymentCallbackSchema>;

export const carrierCallbackSchema = z
  .strictObject({
    eventId: eventIdSchema,
    trackingNumber: text(64, 'Tracking number the carrier gave on the label.'),
    status: z.enum(CARRIER_EVENT_STATUSES),
    at: isoDateTimeSchema.describe('When the carrier recorded the event.'),
  })
  .describe('Carrier tracking event.');
export type CarrierCallback = z.output<typeof carrierCallbackSchema>;

export const warehouseCallbackSchema = z
  .strictObject({
    eventId: eventIdSchema,
    orderId: text(200, 'Order id.'),
    type: z
      .enum(WAREHOUSE_CALLBACK_TYPES)
      .describe('`rejected`: the location cannot supply its unit or some lines of it (orders since orderWorkflowV3).'),
    fulfillmentId: text(200, 'The fulfillment unit (`<orderId>/<n>`) the event is for; an order with one unit may omit it.')
      .optional(),
    lines: boundedArray(
      z.strictObject({
        sku: skuSchema,
        quantity: quantitySchema,
        condition: z
          .enum(ITEM_CONDITIONS)
          .optional()
          .describe('Required except for `rejected`, which does not take it.'),
      }),
      1,
      MAX_ORDER_LINES * 2,
    )
      .optional()
      .describe(
        '`return_received`: the returned lines with their condition (required). `rejected`: the lines the location ' +
          `cannot supply, each SKU at most once, at most ${MAX_ORDER_LINES}; absent: all of the unit's lines.`,
      ),
    reason: text(200, 'Why the location rejects, e.g. `shelf_empty`; required for `rejected`, taken with it only.').optional(),
    at: isoDateTimeSchema.optional().describe('When it happened at the warehouse; receipt time when omitted.'),
  })
  .superRefine((event, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (event.type === 'return_received' && event.lines === undefined) issue(['lines'], 'is required for return_received');
    if (event.type === 'rejected' && event.reason === undefined) issue(['reason'], 'is required for rejected');
    if (event.type !== 'rejected' && event.reason !== undefined) issue(['reason'], 'is taken with type rejected only');
    if (event.lines === undefined) return;
    if (event.type === 'rejected') {
      // Same bounds as a partial cancel: one entry per SKU, no more entries than an order can have lines.
      if (event.lines.length > MAX_ORDER_LINES) issue(['lines'], `must have at most ${MAX_ORDER_LINES} lines for rejected`);
      for (const { index, message } of duplicateSkus(event.lines)) issue(['lines', index, 'sku'], message);
    }
    event.lines.forEach((line, index) => {
      // Required as before for packed and return_received; a rejected line is a quantity only.
      if (event.type !== 'rejected' && line.condition === undefined) {
        issue(['lines', index, 'condition'], `is required for ${event.type}`);
      }
      if (event.type === 'rejected' && line.condition !== undefined) {
        issue(['lines', index, 'condition'], 'is not taken with type rejected');
      }
    });
  })
  .describe('Warehouse or store event.');
export type WarehouseCallback = z.output<typeof warehouseCallbackSchema>;

// ---- GET /orders ----

/** Sort orders of GET /orders (see `sort` below). */
export const ORDER_SORTS = ['newest', 'oldest', 'waiting_longest'] as const;

/** An exact-match search term: trimmed, 1-`max` characters, no control characters. */
const searchText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(NO_CONTROL_PATTERN, NO_CONTROL_MESSAGE);

export const listOrdersQuerySchema = z.object({
  status: z.enum(ORDER_STATUSES).optional().describe('Only orders in this status.'),
  channel: channelSchema.optional().describe('Only this channel (a channel key always sees its own only).'),
  needsAttention: z
    .enum(['true', 'false'])
    .optional()
    .transform((value) => (value === undefined ? undefined : value === 'true'))
    .describe('Only orders that do (true) or do not (false) wait for an operator.'),
  limit: z.coerce
    .number('must be a number')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(20)
    .describe('Page size, 1-100.'),
  cursor: z
    .string()
    .min(1)
    .max(512, { abort: true, message: 'must be at most 512 characters' })
    .regex(NO_CONTROL_PATTERN, NO_CONTROL_MESSAGE)
    .optional()
    .describe('`nextCursor` of the previous page.'),
  sort: z
    .enum(ORDER_SORTS)
    .default('newest')
    .describe(
      '`newest` (created, newest first; the default), `oldest` (created, oldest first) or `waiting_longest` ' +
        '(only orders waiting for an operator, the longest-waiting first: the attention queue).',
    ),
  step: searchText(100)
    .optional()
    .describe('Only orders waiting for an operator at this step (`attention.step`, e.g. `create_shipment`).'),
  location: z
    .string()
    .regex(LOCATION_PATTERN, 'must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -')
    .optional()
    .describe('Only orders with a fulfillment unit at this location (orders since orderWorkflowV3).'),
  externalOrderId: searchText(200).optional().describe("Only orders with this channel's order id (any channel)."),
  email: searchText(320).optional().describe("Only orders of the customer with this e-mail (case-insensitive)."),
  trackingNumber: searchText(200).optional().describe('Only the order whose parcel has this tracking number.'),
});
export type ListOrdersQuery = z.output<typeof listOrdersQuerySchema>;

/** Filters of GET /orders/attention: the list's, less the step (the answer counts per step). */
export const attentionSummaryQuerySchema = listOrdersQuerySchema.pick({ channel: true, status: true, location: true });

export const attentionSummarySchema = z
  .object({
    total: z.number().int().describe('Orders waiting for an operator (within the filters).'),
    steps: z
      .array(
        z.object({
          step: z.string(),
          count: z.number().int(),
          oldestSince: z.string().describe('When the longest-waiting of them was flagged (ISO 8601).'),
        }),
      )
      .describe('Per step, the step with the most orders first.'),
  })
  .describe('What waits for an operator, per step.');

// ---- responses (documentation; the types in types.ts / store.ts are the source, checked below) ----

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().describe('Machine-readable code, e.g. `validation_failed`, `not_found`, `conflict`.'),
      message: z.string().describe('Human-readable explanation.'),
      details: z
        .unknown()
        .optional()
        .describe('For `validation_failed`: `[ { path, message } ]`, one entry per bad field.'),
    }),
  })
  .describe('Every error answer has this body.');

const timelineEntrySchema = z.object({
  at: z.string(),
  type: z.string(),
  status: z.enum(ORDER_STATUSES).optional(),
  detail: z.string().optional(),
  actor: z.string().optional(),
});

const stockLinesSchema = z.array(z.object({ sku: z.string(), quantity: z.number() }));

const carrierEventSchema = z.object({ eventId: z.string(), status: z.enum(CARRIER_EVENT_STATUSES), at: z.string() });

const shipmentSchema = z.object({
  shipmentId: z.string(),
  carrier: z.enum(CARRIERS),
  trackingNumber: z.string(),
  labelRef: z.string(),
  lines: stockLinesSchema,
  events: z.array(carrierEventSchema),
});

const fulfillmentSchema = z
  .object({
    id: z.string().describe('`<orderId>/<number>`; the first unit has the id `shipment` always had.'),
    number: z.number().describe('Per order, from 1.'),
    location: z.string().describe('The stock location that ships it.'),
    status: z.enum(FULFILLMENT_STATUSES),
    lines: stockLinesSchema,
    pickingTaskId: z.string().optional(),
    carrier: z.enum(CARRIERS).optional(),
    trackingNumber: z.string().optional(),
    labelRef: z.string().optional(),
    events: z.array(carrierEventSchema),
    detail: z.string().optional().describe('Why the unit exists (the sourcing reason) or ended (rejected, canceled).'),
  })
  .describe('A fulfillment unit: the lines one location ships in one parcel.');

const lineQuantitiesSchema = z
  .object({
    ordered: z.number(),
    allocated: z.number().describe('In a live fulfillment unit, shipped ones included.'),
    shipped: z.number(),
    delivered: z.number(),
    canceled: z.number().describe('Will never ship.'),
    returned: z.number(),
    refunded: z.number(),
  })
  .describe('Where the units of the line are (orders since orderWorkflowV3).');

const paymentRecordSchema = z
  .object({
    kind: z.enum(['authorization', 'capture', 'void', 'refund']),
    amount: z.string(),
    currency: z.string(),
    lines: stockLinesSchema.optional().describe('The lines the movement is for; absent for the whole order.'),
    reference: z.string().describe('Provider, marketplace or finance reference; `pending` for a manual refund not yet paid.'),
    at: z.string(),
  })
  .describe('A movement of money with its line scope.');

const orderReturnSchema = z.object({
  returnId: z.string(),
  reason: z.string(),
  source: z.enum(['customer', 'returned_to_sender']),
  requestedAt: z.string(),
  returnCode: z.string().optional(),
  lines: z.array(z.object({ sku: z.string(), quantity: z.number(), condition: z.enum(ITEM_CONDITIONS).optional() })),
  receivedAt: z.string().optional(),
  refund: z
    .object({
      amount: z.string(),
      refundId: z.string().optional(),
      at: z.string(),
      declined: z.array(z.string()).optional(),
    })
    .optional(),
});

export const orderViewSchema = z
  .object({
    id: z.string(),
    channel: z.string(),
    externalOrderId: z.string(),
    status: z.enum(ORDER_STATUSES),
    paymentStatus: z.enum(PAYMENT_STATUSES),
    paymentMethod: z.enum(PAYMENT_METHODS),
    cancelReason: z.string().optional(),
    needsAttention: z.boolean(),
    attention: z.object({ step: z.string(), reason: z.string(), since: z.string() }).optional(),
    lines: z.array(
      z.object({
        sku: z.string(),
        quantity: z.number(),
        unitPrice: z.string(),
        lineTotal: z.string(),
        returnedQuantity: z.number(),
        refundedQuantity: z.number(),
        quantities: lineQuantitiesSchema.optional(),
      }),
    ),
    totals: z.object({
      currency: z.string(),
      subtotal: z.string(),
      total: z.string(),
      refunded: z.string(),
      canceled: z.string().optional().describe('Value of the canceled quantities (orders since orderWorkflowV3).'),
      outstanding: z
        .string()
        .optional()
        .describe('What the customer still owes: total − canceled − what was paid and kept, never below 0 (orderWorkflowV3).'),
    }),
    customer: z.object({ name: z.string(), email: z.string().optional(), phone: z.string().optional() }),
    shippingAddress: z.object({
      line1: z.string(),
      line2: z.string().optional(),
      district: z.string().optional(),
      city: z.string(),
      postalCode: z.string().optional(),
      country: z.string(),
    }),
    shipment: shipmentSchema.optional(),
    shipments: z.array(shipmentSchema),
    return: orderReturnSchema.optional(),
    returns: z.array(orderReturnSchema),
    invoice: z.object({ invoiceNumber: z.string(), url: z.string() }).optional(),
    timeline: z.array(timelineEntrySchema),
    latePayments: z
      .array(
        z.object({
          key: z.string(),
          eventId: z.string(),
          action: z.enum(['voided', 'refunded', 'failed']),
          amount: z.string().optional(),
          refundId: z.string().optional(),
          at: z.string(),
        }),
      )
      .optional()
      .describe('Payments that reached the order after it was canceled, and how each was settled.'),
    metadata: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
      .optional()
      .describe('The channel data sent with the order.'),
    ledger: z
      .array(
        z.object({
          kind: z.enum(LEDGER_KINDS),
          amount: z.string(),
          currency: z.string(),
          state: z.enum(['done', 'pending']),
          ref: z.string().optional(),
          reason: z.string().optional(),
          lines: stockLinesSchema.optional(),
          fulfillment: z.number().optional().describe('The fulfillment unit a capture is for (capture per unit).'),
          at: z.string(),
        }),
      )
      .optional()
      .describe('The money ledger: every authorization, capture, void and refund, in the currency it moved in; paymentStatus and totals.refunded follow from it.'),
    fulfillments: z
      .array(fulfillmentSchema)
      .optional()
      .describe('Fulfillment units (orders since orderWorkflowV3); `shipment`/`shipments` stay as the units that have a label.'),
    payments: z
      .array(paymentRecordSchema)
      .optional()
      .describe('The ledger as movements of money with their line scope (orders since orderWorkflowV3).'),
    partially: z
      .object({ shipped: z.boolean(), delivered: z.boolean(), canceled: z.boolean() })
      .optional()
      .describe(
        'Partial states beside the summary status (orders since orderWorkflowV3): some live units shipped while others ' +
          'have not; some delivered; some quantities canceled while the order goes on.',
      ),
    version: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('The order as channels and operators see it.');

export const orderPageSchema = z
  .object({ items: z.array(orderViewSchema), nextCursor: z.string().nullable() })
  .describe('One page of orders, newest first.');

export const inventoryViewSchema = z
  .object({
    sku: z.string(),
    onHand: z.number(),
    reserved: z.number(),
    available: z.number(),
    locations: z.array(
      z.object({ location: z.string(), onHand: z.number(), reserved: z.number(), available: z.number() }),
    ),
  })
  .describe('Stock of one SKU; available = onHand - reserved.');

export const locationViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(LOCATION_KINDS),
    priority: z.number().describe('Lower is preferred.'),
    city: z.string(),
    region: z.string().optional(),
    active: z.boolean(),
  })
  .describe('A stock location.');

export const locationListSchema = z
  .object({ items: z.array(locationViewSchema) })
  .describe(
    'Every location, by priority then id: the recorded ones, and those holding stock without a record (shown as ' +
      "active warehouses, priority 100, city '').",
  );

export const productViewSchema = z
  .object({ sku: z.string(), name: z.string(), price: z.string(), active: z.boolean() })
  .describe('Catalog entry.');

export const callbackAcceptedSchema = z
  .object({ accepted: z.literal(true) })
  .describe('The event was handed to the order, or stored as unmatched.');

export const healthSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z.object({
      api: z.enum(['ok', 'down']),
      database: z.enum(['ok', 'down']),
      temporal: z.enum(['ok', 'down']),
      worker: z.enum(['ok', 'down']).describe('down: no worker polled the order task queue lately'),
    }),
    error: errorBodySchema.shape.error.optional().describe('When unavailable: `details.failing` names the parts down.'),
  })
  .describe('Reachability of the API, the database, Temporal and the order workers.');

// Compile-time guard: the documented response shapes must stay assignable to the real types.
type Assignable<T extends U, U> = T;
export type DocumentedShapesMatch = [
  Assignable<z.output<typeof orderViewSchema>, OrderView>,
  Assignable<z.output<typeof orderPageSchema>, OrderPage>,
  Assignable<z.output<typeof inventoryViewSchema>, InventoryView>,
  Assignable<z.output<typeof productViewSchema>, ProductView>,
  Assignable<z.output<typeof locationViewSchema>, LocationView>,
];
/** And the other way: every field the real view carries is documented (`never` when none is missing). */
export type UndocumentedOrderViewFields = Exclude<keyof OrderView, keyof z.output<typeof orderViewSchema>>;
type IsTrue<T extends true> = T;
export type EveryOrderViewFieldDocumented = IsTrue<[UndocumentedOrderViewFields] extends [never] ? true : false>;
