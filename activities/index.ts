// The worker's activities, built once from their dependencies (STYLE: createActivities(deps)).
import type { OrderActivities } from '../contract/activities';
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
}

/** Every activity the order workflow calls, bound to one ORM and one set of integrations. */
export function createActivities(deps: ActivityDeps): OrderActivities {
  return {
    ...createInventoryActivities(deps.orm, { ownPriceChannels: deps.ownPriceChannels ?? [] }),
    ...createReadModelActivities(deps.orm),
    ...createCallbackActivities(deps.orm),
    ...createIntegrationActivities(deps.integrations),
  };
}
