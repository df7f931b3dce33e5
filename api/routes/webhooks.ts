// /webhooks: marketplaces pushing in their own shapes and auth, as they do to any seller (no OMS signature). Trendyol
// POSTs the full package model for every subscribed status, with HTTP Basic (the username and password given at the
// webhook's registration) or an `x-api-key` header; no event id, duplicates and reordering expected, a non-2xx retried
// every 5 minutes (CONNECTORS.md §1.7). A package that makes an order is placed as `POST /orders` would place it,
// deduplicated on channel + Trendyol's order number, so a repeat (or the same order from the pull) is one order.
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { z } from 'zod';
import { ORDER_MAKING_STATUSES, readPackage, trendyolWebhookBodySchema } from '../../integrations/trendyol/orders';
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
        return { pkg: reading.pkg, order: reading.kind === 'order' ? reading.body : null };
      });
      const outcomes: z.infer<typeof packageOutcomeSchema>[] = [];
      for (const { pkg, order } of packages) {
        const base = { shipmentPackageId: pkg.shipmentPackageId, orderNumber: pkg.orderNumber };
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

  return table;
}
