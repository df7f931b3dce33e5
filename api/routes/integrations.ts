// /integrations: how the OMS's links to the outside are doing, for operators (issue 7): the stock feed to each channel
// account, the order pull of each marketplace, each connected carrier's tracking sweep and each marketplace's status
// write-back queue: when it last worked, its last error, what waits; and a full stock resync on demand.
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
const carrierSchema = z.object({
  carrier: z.string().describe('A carrier spoken to in its own protocol (OMS_CARRIER_CONNECTORS)'),
  lastRunAt: timestamp.describe('Start of its last tracking sweep'),
  lastSuccessAt: timestamp.describe('End of its last sweep without an error'),
  lastError: z.object({ message: z.string(), at: z.string() }).nullable(),
  open: z.number().int().describe('Shipments the sweep follows (not yet delivered, returned or canceled)'),
  needsReview: z.number().int().describe('Open shipments whose last answer had a code the connector does not know'),
  lastSweep: z.object({ queried: z.number().int(), signalled: z.number().int().describe('Status changes handed to orders') }),
});
const pullSchema = z.object({
  channel: z.string().describe('The marketplace whose orders are pulled (workflow order-pull:<channel>)'),
  lastSuccessAt: timestamp.describe('End of its last round without an error'),
  watermark: timestamp.describe('Orders modified up to this time have been read (the cursor the pull goes on from)'),
  lastError: z.object({ message: z.string(), at: z.string() }).nullable(),
});
const writeBackSchema = z.object({
  channel: z.string().describe('A marketplace whose status write-back is on (workflow channel-writeback:<channel>)'),
  started: z.boolean().describe('False until the first status change of one of its orders is written back'),
  pending: z.number().int().nullable().describe('Requests waiting (null when the queue did not answer)'),
  inFlight: z.number().int().nullable().describe('Orders being pushed now'),
  oldestPending: z.object({ orderId: z.string(), status: z.string() }).nullable().describe('The request waiting longest'),
  lastPushedAt: timestamp.describe('When its last request reached the marketplace (within the last 50 requests)'),
  lastFailure: z
    .object({ key: z.string(), detail: z.string(), at: z.string().nullable() })
    .nullable()
    .describe('The last request the marketplace refused for good or that ran out of retries (within the last 50)'),
  error: z.string().nullable().describe('Why the queue could not be asked (no worker polling, Temporal down)'),
});
const integrationsSchema = z.object({
  stockFeeds: z.array(stockFeedSchema),
  orderPulls: z.array(pullSchema),
  carriers: z.array(carrierSchema),
  writeBacks: z.array(writeBackSchema),
});
type WriteBackView = z.infer<typeof writeBackSchema>;
const accountParams = z.object({ account: z.string().regex(/^[a-z0-9_-]{1,32}$/, 'must be a channel account name') });

/** The marketplaces whose write-back is on, as the worker starts their queues (OMS_*_WRITEBACK). */
function writeBackChannels(config: ApiDeps['config']): string[] {
  return [
    ...(config.trendyolWriteBack.enabled ? ['trendyol'] : []),
    ...(config.hepsiburadaWriteBack.enabled ? ['hepsiburada'] : []),
    ...(config.n11WriteBack.enabled ? ['n11'] : []),
  ];
}

/** Routes under /integrations. */
export function integrationRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { store, orders } = deps;

  async function writeBack(channel: string): Promise<WriteBackView> {
    const none = { pending: null, inFlight: null, oldestPending: null, lastPushedAt: null, lastFailure: null };
    let queue;
    try {
      queue = await orders.writeBackQueue(channel);
    } catch (err) {
      return { channel, started: true, ...none, error: err instanceof Error ? err.message : String(err) };
    }
    if (!queue) return { channel, started: false, ...none, pending: 0, inFlight: 0, error: null };
    const oldest = queue.pending[0];
    const lastPushed = queue.done.findLast((d) => d.outcome === 'pushed');
    const lastFailure = queue.done.findLast((d) => d.outcome === 'failed');
    return {
      channel,
      started: true,
      pending: queue.pending.length,
      inFlight: queue.inFlight.length,
      oldestPending: oldest ? { orderId: oldest.orderId, status: oldest.status } : null,
      lastPushedAt: lastPushed?.at ?? null,
      lastFailure: lastFailure ? { key: lastFailure.key, detail: lastFailure.detail, at: lastFailure.at ?? null } : null,
      error: null,
    };
  }

  const table = new RouteTable('/integrations', 'integrations', keys);

  table.add(
    {
      method: 'get',
      path: '',
      operationId: 'listIntegrations',
      summary:
        'Operator: the stock feed of every channel account, the order pull of every marketplace, the tracking sweep of every connected carrier and the status write-back queue of every marketplace: last success, cursor, last error, backlog',
      auth: 'operator',
      responses: { 200: { description: 'The integrations', schema: integrationsSchema } },
    },
    async ({ res }) => {
      const [stockFeeds, orderPulls, carriers, writeBacks] = await Promise.all([
        store.listStockFeeds(),
        store.listChannelPulls(),
        store.listCarrierTracking(),
        Promise.all(writeBackChannels(deps.config).map(writeBack)),
      ]);
      res.json({ stockFeeds, orderPulls, carriers, writeBacks });
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
