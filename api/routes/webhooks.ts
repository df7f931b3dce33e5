// /webhooks: marketplaces pushing in their own shapes and auth, as they do to any seller (no OMS signature). Trendyol
// POSTs the full package model for every subscribed status, with HTTP Basic (the username and password given at the
// webhook's registration) or an `x-api-key` header; no event id, duplicates and reordering expected, a non-2xx retried
// every 5 minutes (CONNECTORS.md §1.7). A package that makes an order is placed as `POST /orders` would place it,
// deduplicated on channel + Trendyol's order number, so a repeat (or the same order from the pull) is one order.
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { ORDER_MAKING_STATUSES, readPackage, trendyolWebhookBodySchema } from '../../integrations/trendyol/orders';
import { hepsiburadaOrdersPushSchema, readHepsiburadaLines } from '../../integrations/hepsiburada/orders';
import { packageReading } from '../../integrations/trendyol/packages';
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { RouteTable } from '../route-table';
import { acceptOrder } from './orders';

const packageOutcomeSchema = z.object({
  shipmentPackageId: z.string(),
  orderNumber: z.string(),
  outcome: z.enum(['created', 'existing', 'ignored']).describe('`ignored`: a status that makes no order (Awaiting, …)'),
  orderId: z.string().optional(),
  status: z.string().optional().describe("The order's status after it"),
});

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Trendyol's push authenticates as the webhook was registered: Basic with its username/password, or x-api-key. */
function trendyolAuthenticated(req: Request, expected: { username: string; password: string; apiKey: string | null }): boolean {
  const apiKey = req.get('x-api-key');
  if (apiKey !== undefined) return expected.apiKey !== null && same(apiKey, expected.apiKey);
  const basic = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
  if (!basic?.[1]) return false;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && same(decoded.slice(0, colon), expected.username) && same(decoded.slice(colon + 1), expected.password);
}

/** Routes under /webhooks. */
export function webhookRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const table = new RouteTable('/webhooks', 'webhooks', keys);

  table.add(
    {
      method: 'post',
      path: '/trendyol',
      operationId: 'trendyolWebhook',
      summary: "Trendyol's package push: each package that makes an order is placed (once)",
      description:
        'Body: the getShipmentPackages page `{ content: [ShipmentPackage] }` or a bare ShipmentPackage. Auth: HTTP Basic ' +
        '(TRENDYOL_WEBHOOK_USERNAME / TRENDYOL_WEBHOOK_PASSWORD) or `x-api-key` (TRENDYOL_WEBHOOK_API_KEY). Packages in ' +
        `${ORDER_MAKING_STATUSES.join(', ')} make an order of channel trendyol with the orderNumber as external id; others ` +
        'are acknowledged and ignored. A package that cannot make a valid order answers 400 naming the field (Trendyol retries).',
      auth: 'none',
      responses: { 200: { description: 'Every package dealt with', schema: z.object({ packages: z.array(packageOutcomeSchema) }) } },
    },
    async ({ req, res }) => {
      if (!trendyolAuthenticated(req, deps.config.marketplaces.trendyol.webhook)) {
        throw new ApiError('unauthorized', 'Trendyol webhook: wrong or missing Basic credentials or x-api-key');
      }
      const body = trendyolWebhookBodySchema.safeParse(req.body);
      if (!body.success) throw ApiError.validation([{ path: 'content', message: 'must be a package page { content: [...] } or a package' }]);
      // Every package is checked before any is placed: a bad one refuses the push whole, and Trendyol sends it again.
      const packages = body.data.map((raw, i) => {
        const reading = readPackage(raw);
        if (reading.kind === 'invalid') {
          throw ApiError.validation(reading.problems.map((p) => ({ path: [`content[${i}]`, p.path].filter(Boolean).join('.'), message: p.message })));
        }
        return { raw, pkg: reading.pkg, order: reading.kind === 'order' ? reading.body : null };
      });
      const outcomes: z.infer<typeof packageOutcomeSchema>[] = [];
      for (const { raw, pkg, order } of packages) {
        const base = { shipmentPackageId: pkg.shipmentPackageId, orderNumber: pkg.orderNumber };
        // Every package goes into the lineage, an existing order's too (a split's children, a re-id'd package).
        const lineage = packageReading(raw);
        if (lineage) await deps.channelPackages?.record(lineage);
        if (!order) {
          outcomes.push({ ...base, outcome: 'ignored' });
          continue;
        }
        const placed = await acceptOrder(deps, 'trendyol', order);
        outcomes.push({ ...base, outcome: placed.created ? 'created' : 'existing', orderId: placed.order.id, status: placed.order.status });
      }
      res.json({ packages: outcomes });
    },
  );

  hepsiburadaWebhookRoutes(table, deps);
  return table;
}

// ---- Hepsiburada (§2.6) ----
// HB calls routes under the BaseURL the merchant gave it by support ticket: here `<OMS>/webhooks/hepsiburada`. Basic
// auth only (no HMAC); it accepts 200/201/204 and re-sends after a failure, so every route is idempotent. Only
// `POST /orders` acts (places the orders, deduplicated on channel + orderNumber); the package and line events are
// acknowledged and logged: the OMS drives packing and shipping itself, and HB does not echo what the OMS did through
// its API.

const hepsiburadaOrderOutcomeSchema = z.object({
  orderNumber: z.string(),
  outcome: z.enum(['created', 'existing']),
  orderId: z.string(),
  status: z.string().describe("The order's status after it"),
  lineItemIds: z.array(z.string()),
});
const receivedSchema = z.object({ received: z.literal(true) });

/** HB's Basic pair; refuses to serve while none is configured (no dev default: see workers/config.ts). */
function hepsiburadaAuthenticate(req: Request, expected: { username: string; password: string } | null): void {
  if (!expected) {
    throw new ApiError('unavailable', 'Hepsiburada webhook is not configured: set HEPSIBURADA_WEBHOOK_USERNAME and HEPSIBURADA_WEBHOOK_PASSWORD');
  }
  const basic = /^Basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
  const decoded = basic?.[1] ? Buffer.from(basic[1], 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  if (!(colon > 0 && same(decoded.slice(0, colon), expected.username) && same(decoded.slice(colon + 1), expected.password))) {
    throw new ApiError('unauthorized', 'Hepsiburada webhook: wrong or missing Basic credentials');
  }
}

/** The notification routes HB calls besides /orders (§2.6), each with the id its path carries. */
const HEPSIBURADA_NOTICES: { method: 'post' | 'put'; path: string; param?: string; operationId: string; summary: string }[] = [
  { method: 'post', path: '/hepsiburada/packages', operationId: 'hepsiburadaPackageWebhook', summary: 'Hepsiburada: a package was made (HB auto-packaging)' },
  { method: 'put', path: '/hepsiburada/lineitems/{lineitemid}/cancel', param: 'lineitemid', operationId: 'hepsiburadaLineCancelWebhook', summary: 'Hepsiburada: a line was cancelled' },
  { method: 'put', path: '/hepsiburada/packages/{packagenumber}/unpack', param: 'packagenumber', operationId: 'hepsiburadaUnpackWebhook', summary: 'Hepsiburada: a package was unpacked' },
  { method: 'put', path: '/hepsiburada/packages/{packagenumber}/intransit', param: 'packagenumber', operationId: 'hepsiburadaInTransitWebhook', summary: 'Hepsiburada: a package is in transit' },
  { method: 'put', path: '/hepsiburada/packages/{packagenumber}/deliver', param: 'packagenumber', operationId: 'hepsiburadaDeliverWebhook', summary: 'Hepsiburada: a package was delivered' },
  { method: 'put', path: '/hepsiburada/packages/{packagenumber}/undeliver', param: 'packagenumber', operationId: 'hepsiburadaUndeliverWebhook', summary: 'Hepsiburada: a package could not be delivered' },
  { method: 'put', path: '/hepsiburada/orders/{ordernumber}/shippingaddress', param: 'ordernumber', operationId: 'hepsiburadaShippingAddressWebhook', summary: "Hepsiburada: an order's shipping address changed" },
];

/** Ids worth a log line from a notification body (never its addresses or names). */
function noticeIds(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const b = body as Record<string, unknown>;
  const keep = ['id', 'packageNumber', 'orderNumber', 'orderNumbers', 'barcode', 'status', 'cancelReasonCode', 'cancelledBy', 'quantity', 'trackingInfoCode'];
  return Object.fromEntries(keep.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));
}

function hepsiburadaWebhookRoutes(table: RouteTable, deps: ApiDeps): void {
  const auth = () => deps.config.marketplaces.hepsiburada.webhook;
  table.add(
    {
      method: 'post',
      path: '/hepsiburada/orders',
      operationId: 'hepsiburadaOrdersWebhook',
      summary: "Hepsiburada's paid lines: each order (lines grouped by orderNumber) is placed once",
      description:
        'Body `{ items: [line] }` (the line of GET /orders/merchantid/{m}). Auth: HTTP Basic (HEPSIBURADA_WEBHOOK_USERNAME / ' +
        'HEPSIBURADA_WEBHOOK_PASSWORD; 503 while they are not set). Lines make orders of channel hepsiburada with the ' +
        'orderNumber as external id. A line that cannot make a valid order answers 400 naming the field and nothing of ' +
        'the push is placed (HB re-sends).',
      auth: 'none',
      responses: { 200: { description: 'Every order placed or found', schema: z.object({ orders: z.array(hepsiburadaOrderOutcomeSchema) }) } },
    },
    async ({ req, res }) => {
      hepsiburadaAuthenticate(req, auth());
      const body = hepsiburadaOrdersPushSchema.safeParse(req.body);
      if (!body.success) throw ApiError.validation([{ path: 'items', message: 'must be a list of order lines' }]);
      // Every line is checked before any order is placed: a bad one refuses the push whole, and HB sends it again.
      const { orders, problems } = readHepsiburadaLines(body.data.items);
      if (problems.length > 0) throw ApiError.validation(problems);
      const outcomes: z.infer<typeof hepsiburadaOrderOutcomeSchema>[] = [];
      for (const order of orders) {
        const placed = await acceptOrder(deps, 'hepsiburada', order.body);
        outcomes.push({
          orderNumber: order.orderNumber,
          outcome: placed.created ? 'created' : 'existing',
          orderId: placed.order.id,
          status: placed.order.status,
          lineItemIds: order.lineItemIds,
        });
      }
      res.json({ orders: outcomes });
    },
  );

  for (const notice of HEPSIBURADA_NOTICES) {
    const params = notice.param ? z.object({ [notice.param]: z.string().min(1) }) : undefined;
    table.add(
      {
        method: notice.method,
        path: notice.path,
        operationId: notice.operationId,
        summary: notice.summary,
        description: 'Recorded (logged), not acted on: 200 for every delivery, repeats included. Auth as /webhooks/hepsiburada/orders.',
        auth: 'none',
        ...(params ? { params } : {}),
        responses: { 200: { description: 'Received', schema: receivedSchema } },
      },
      ({ req, res }) => {
        hepsiburadaAuthenticate(req, auth());
        deps.logger?.info('hepsiburada webhook received', {
          route: `${notice.method.toUpperCase()} ${notice.path}`,
          ...(notice.param ? { [notice.param]: req.params[notice.param] } : {}),
          ...noticeIds(req.body),
        });
        res.json({ received: true });
      },
    );
  }
}
