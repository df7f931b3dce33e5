// The worker's activities, built once from their dependencies (STYLE: createActivities(deps)).
import type { OrderActivities } from '../contract/activities';
import type { SourcingRules } from '../domain/sourcing';
import type { OmsORM } from '../entities/orm';
import type { Integrations } from '../integrations';
import { linesCanceledRequest, type ChannelWriteBackRouter } from './channel-writeback';
import { createIntegrationActivities } from './integrations';
import { createInventoryActivities } from './inventory';
import { createCallbackActivities, createReadModelActivities } from './read-model';

export interface ActivityDeps {
  orm: OmsORM;
  integrations: Integrations;
  /** Channels allowed to sell below the catalog price (config OMS_OWN_PRICE_CHANNELS); none when omitted. */
  ownPriceChannels?: readonly string[] | undefined;
  /** allocateStock's rules (config OMS_MAX_FULFILLMENTS, OMS_CHANNEL_LOCATIONS); 3 units, no channel rule when omitted. */
  sourcing?: SourcingRules | undefined;
  /** The channels whose write-back goes to their marketplace's queue (Trendyol); none when omitted. */
  writeBack?: ChannelWriteBackRouter | undefined;
}

/** Every activity the order workflow calls, bound to one ORM and one set of integrations. */
export function createActivities(deps: ActivityDeps): OrderActivities {
  const readModel = createReadModelActivities(deps.orm);
  const { writeBack } = deps;
  return {
    ...createInventoryActivities(deps.orm, { ownPriceChannels: deps.ownPriceChannels ?? [], sourcing: deps.sourcing }),
    ...readModel,
    // A partial cancel (or an unsupplied line) changes no status, so no write-back follows it from the order; the
    // read model is where it shows. Each growth of the canceled units is one request (its key), deduplicated by the
    // queue, so a retried or repeated write asks once.
    recordOrder: async (view) => {
      await readModel.recordOrder(view);
      const request = writeBack?.handles(view.channel) ? linesCanceledRequest(view) : null;
      if (request) await writeBack!.enqueue(request);
    },
    ...createCallbackActivities(deps.orm),
    ...createIntegrationActivities(deps.integrations, writeBack),
  };
}
