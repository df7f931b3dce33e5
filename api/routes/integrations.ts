// /integrations: how the OMS's links to the outside are doing, for operators. Today the stock feed to each channel
// account (issue 7): when it last worked, its last error, what waits; and a full resync on demand.
import { z } from 'zod';
import { ApiError } from '../errors';
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { RouteTable } from '../route-table';

const timestamp = z.string().nullable().describe('ISO 8601, null when it has not happened yet');
const stockFeedSchema = z.object({
  account: z.string().describe('The channel account (named as its channel)'),
  channel: z.string(),
  lastRunAt: timestamp.describe('Start of its last round'),
  lastSuccessAt: timestamp.describe('End of its last round without an error'),
  lastResyncAt: timestamp.describe('Its last full resync (every SKU sent)'),
  resyncRequestedAt: timestamp.describe('A resync asked for and not yet run'),
  lastError: z.object({ message: z.string(), at: z.string() }).nullable(),
  backlog: z.object({
    unsent: z.number().int().describe('SKUs changed since the channel was last told'),
    pending: z.number().int().describe('SKUs sent, the channel not yet done with them'),
    failed: z.number().int().describe('SKUs the channel refused, to be sent again'),
  }),
});
const integrationsSchema = z.object({ stockFeeds: z.array(stockFeedSchema) });
const accountParams = z.object({ account: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be a channel account name') });

/** Routes under /integrations. */
export function integrationRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { store } = deps;
  const table = new RouteTable('/integrations', 'integrations', keys);

  table.add(
    {
      method: 'get',
      path: '',
      operationId: 'listIntegrations',
      summary: 'Operator: the stock feed of every channel account, with its last run, last error and backlog',
      auth: 'operator',
      responses: { 200: { description: 'The integrations', schema: integrationsSchema } },
    },
    async ({ res }) => {
      res.json({ stockFeeds: await store.listStockFeeds() });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/stock-feeds/{account}/resync',
      operationId: 'resyncStockFeed',
      summary: 'Operator: resend every SKU to the channel at the feed’s next round',
      description: 'The feed recomputes every SKU and sends it whether or not it changed (e.g. after the stock was edited in the marketplace’s own panel).',
      auth: 'operator',
      params: accountParams,
      responses: { 202: { description: 'Asked; the next round resends', schema: z.object({ accepted: z.literal(true) }) } },
    },
    async ({ res, params, principal }) => {
      if (!(await store.requestStockResync({ account: params.account, actor: principal.actor }))) {
        throw new ApiError('not_found', `No stock feed has run for channel account ${params.account}`);
      }
      res.status(202).json({ accepted: true });
    },
  );

  return table;
}
