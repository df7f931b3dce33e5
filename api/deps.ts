import type { OrderStore } from '../contract/store';
import type { AppConfig } from '../workers/config';
import type { Logger } from './errors';
import type { OrderGateway } from './gateway';
import type { ApiMetrics } from './metrics';

/** What the API is built from; the worker process wires the real ones, tests wire their own. */
export interface ApiDeps {
  config: AppConfig;
  store: OrderStore;
  orders: OrderGateway;
  /** The process logger (pino behind it); default: a pino logger at config.logLevel on stdout. */
  logger?: Logger;
  /** The process metrics; default: the API's own, on a registry of their own. */
  metrics?: ApiMetrics;
}
