import type { OrderStore } from '../contract/store';
import type { AppConfig } from '../workers/config';
import type { Logger } from './errors';
import type { OrderGateway } from './gateway';

/** What the API is built from; the worker process wires the real ones, tests wire their own. */
export interface ApiDeps {
  config: AppConfig;
  store: OrderStore;
  orders: OrderGateway;
  logger?: Logger;
}
