// The worker's activities, built once from their dependencies (STYLE: createActivities(deps)).
import type { OrderActivities } from '../contract/activities';
import type { SourcingRules } from '../domain/sourcing';
import type { OmsORM } from '../entities/orm';
import type { Integrations } from '../integrations';
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
}

/** Every activity the order workflow calls, bound to one ORM and one set of integrations. */
export function createActivities(deps: ActivityDeps): OrderActivities {
  return {
    ...createInventoryActivities(deps.orm, { ownPriceChannels: deps.ownPriceChannels ?? [], sourcing: deps.sourcing }),
    ...createReadModelActivities(deps.orm),
    ...createCallbackActivities(deps.orm),
    ...createIntegrationActivities(deps.integrations),
  };
}
