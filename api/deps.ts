import type { OrderStore } from '../contract/store';
import type { ChannelPackageStore } from '../entities/channel-package';
import type { AppConfig } from '../workers/config';
import type { Admission } from './admission';
import type { Logger } from './errors';
import type { OrderGateway } from './gateway';
import type { ApiMetrics } from './metrics';

/** What the API is built from; the worker process wires the real ones, tests wire their own. */
export interface ApiDeps {
  config: AppConfig;
  store: OrderStore;
  orders: OrderGateway;
  /** Marketplace package lineage (Trendyol): written by the webhook, read by GET /orders/{id}/channel-packages. */
  channelPackages?: ChannelPackageStore | undefined;
  /** The process logger (pino behind it); default: a pino logger at config.logLevel on stdout. */
  logger?: Logger;
  /** The gate new orders pass (OMS_MAX_PENDING_ORDERS); createApp makes one unless given. */
  admission?: Admission | undefined;
  /** The process metrics; default: the API's own, on a registry of their own. */
  metrics?: ApiMetrics;
}
