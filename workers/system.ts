// Process wiring shared by `npm start`, the API-only and worker-only processes, the integration tests and the
// bench: Temporal (embedded dev server or an existing cluster), the database, the worker, the API.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { makeTelemetryFilterString, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createActivities } from '../activities';
import { createStockFeedActivities } from '../activities/stock-feed';
import { createChannelPullActivities } from '../activities/channel-pull';
import { createCarrierTrackingActivities } from '../activities/carrier-tracking';
import { createChannelWriteBackActivities, createWriteBackRouter } from '../activities/channel-writeback';
import { createChannelPackageStore } from '../entities/channel-package';
import { createTrendyolPackageWriter, packageReading } from '../integrations/trendyol/packages';
import { createHepsiburadaPackageWriter } from '../integrations/hepsiburada/packages';
import { createN11PackageWriter } from '../integrations/n11/packages';
import { createCallbackDelivery } from '../api/callback-delivery';
import { createCarrierShipmentBook } from '../entities/carrier-queries';
import { cashOnDeliveryFromReadModel, createProtocolCarrierGateway } from '../integrations/carrier-gateway';
import type { Integrations } from '../integrations/contracts';
import { CARRIERS, type Carrier } from '../contract/types';
import { ensureTrackingSchedules, startCarriers, type CarrierSimulators } from './carriers';
import { createMarketplacePullActivities } from '../activities/marketplace-pull';
import { recordingPullState } from '../activities/pull-state';
import { createHepsiburadaOrderList } from '../integrations/hepsiburada/orders';
import { createN11PackageList } from '../integrations/n11/orders';
import { acceptOrder } from '../api/routes/orders';
import { createTrendyolPackageStream } from '../integrations/trendyol/orders';
import {
  ChannelAttr,
  ExternalOrderIdAttr,
  NeedsAttentionAttr,
  OrderStatusAttr,
  STOCK_FEED_WORKFLOW_TYPE,
  TRENDYOL_PULL_WORKFLOW_ID,
  TRENDYOL_PULL_WORKFLOW_TYPE,
  HEPSIBURADA_PULL_WORKFLOW_ID,
  HEPSIBURADA_PULL_WORKFLOW_TYPE,
  N11_PULL_WORKFLOW_ID,
  N11_PULL_WORKFLOW_TYPE,
  TASK_QUEUE,
  stockFeedWorkflowId,
  writeBackTaskQueue,
} from '../contract/workflow';
import { initORM, closeORM, type OmsORM } from '../entities/orm';
import { createStore } from '../entities/store';
import { createSimulators, type Simulators } from '../integrations';
import { createTemporalGateway, startApiServer, type Logger, type RunningApi } from '../api';
import { createApiMetrics } from '../api/metrics';
import type { AppConfig } from './config';
import { startMarketplaces, type MarketplaceSimulators } from './marketplaces';
import { apiLogger, createLogger, temporalLogger, type Pino } from './logging';
import { createMetricSinks, ordersNeedingAttention, registerAttentionGauge, registerCarrierTrackingGauges, registerOrderPullGauges, registerStockFeedGauges } from './metrics';
import { ensureSearchAttributes } from './search-attributes';
import { devServerExecutable, projectRoot } from './temporal-binaries';

/**
 * Once per process, before any connection: the SDK's logger (its own lines, activity lifecycle lines and the
 * workflows' `log` calls) is the process's pino logger; the Rust core's lines are forwarded to it at WARN (the
 * SDK's own lines are kept from TEMPORAL_LOG_LEVEL, default WARN, up). With
 * OMS_TEMPORAL_METRICS_ADDRESS the core also serves its own Prometheus metrics there (task latencies, slots,
 * polls): off by default, because a fixed port would clash between processes on one host (tests, several workers).
 */
export function installRuntime(logger: Pino, config: Pick<AppConfig, 'metrics' | 'temporalLogLevel'>): void {
  const address = config.metrics.temporalAddress;
  Runtime.install({
    logger: temporalLogger(logger, config.temporalLogLevel),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(address
        ? { metrics: { prometheus: { bindAddress: address, countersTotalSuffix: true, useSecondsForDurations: true } } }
        : {}),
    },
  });
}

// grpc-js waits 1 s × 1.6ⁿ (up to 120 s) between reconnect attempts, so after a 30-45 s Temporal outage the API
// kept failing for 10-14 s after Temporal was back (measured); capped at 1 s it reconnects within about a second.
const TEMPORAL_CHANNEL_ARGS = { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 1000 };

/** Source of the workflows in development and tests: bundled by the worker at start-up. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * The bundle `npm run build` writes next to the compiled code (dist/workflow-bundle.js, beside dist/workers/):
 * production loads it instead of bundling at every start. In the source tree there is none.
 */
export const prebuiltWorkflowBundle = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

/** What Worker.create gets for the workflow code: the given bundle, else the prebuilt one, else the sources. */
export function workflowCode(bundle?: WorkflowBundleOption): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (bundle) return { workflowBundle: bundle };
  if (existsSync(prebuiltWorkflowBundle)) return { workflowBundle: { codePath: prebuiltWorkflowBundle } };
  return { workflowsPath };
}

export interface TemporalHandle {
  address: string;
  namespace: string;
  connection: Connection;
  nativeConnection: NativeConnection;
  client: Client;
  /** The UI's URL when this process started the embedded dev server. */
  uiUrl?: string | undefined;
  close(): Promise<void>;
}

/**
 * Connects to TEMPORAL_ADDRESS, or starts the embedded dev server (UI on config.temporal.uiPort, state kept in
 * `dataDir`/temporal.sqlite so orders survive a restart, search attributes registered).
 */
export async function connectTemporal(
  config: AppConfig,
  options: { embeddedPort?: number; dataDir?: string | null } = {},
): Promise<TemporalHandle> {
  const namespace = config.temporal.namespace;
  if (config.temporal.address) {
    const address = config.temporal.address;
    const connection = await Connection.connect({ address, channelArgs: TEMPORAL_CHANNEL_ARGS });
    const nativeConnection = await NativeConnection.connect({ address });
    await ensureSearchAttributes(connection, namespace);
    return {
      address,
      namespace,
      connection,
      nativeConnection,
      client: new Client({ connection, namespace }),
      close: async () => {
        await nativeConnection.close();
        await connection.close();
      },
    };
  }
  const dataDir = options.dataDir === undefined ? join(projectRoot, '.data') : options.dataDir;
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const uiPort = config.temporal.uiPort;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      ip: '127.0.0.1',
      port: options.embeddedPort,
      namespace,
      ...(dataDir ? { dbFilename: join(dataDir, 'temporal.sqlite') } : {}),
      ...(uiPort > 0 ? { ui: true, uiPort } : {}),
      searchAttributes: [OrderStatusAttr, ChannelAttr, NeedsAttentionAttr, ExternalOrderIdAttr],
      log: { format: 'pretty', level: 'error' },
      // One partition per task queue: on a single dev server the default four make tasks wait for a poller
      // (measured: POST /orders p50 200 ms → 52 ms at 5 orders/s).
      extraArgs: [
        '--dynamic-config-value',
        'matching.numTaskqueueReadPartitions=1',
        '--dynamic-config-value',
        'matching.numTaskqueueWritePartitions=1',
      ],
    },
  });
  const address = env.address;
  return {
    address,
    namespace,
    connection: env.connection,
    nativeConnection: env.nativeConnection,
    client: new Client({ connection: env.connection, namespace }),
    uiUrl: uiPort > 0 ? `http://127.0.0.1:${uiPort}` : undefined,
    close: () => env.teardown(),
  };
}

/** Opens the database; `migrate` applies pending migrations (npm start), else it refuses to run while any is pending. */
export function openDatabase(config: AppConfig, options: { migrate?: boolean } = {}): Promise<OmsORM> {
  return initORM({ databaseUrl: config.databaseUrl, migrate: options.migrate, sqliteSynchronous: config.sqliteSynchronous });
}

export interface RunningWorker {
  worker: Worker;
  /** The Trendyol write-back's activity worker (task queue oms-writeback-trendyol), when the write-back is on. */
  writeBackWorker?: Worker | undefined;
  /** Every write-back activity worker by channel (oms-writeback-<channel>), for the channels whose write-back is on. */
  writeBackWorkers: Record<string, Worker>;
  simulators: Simulators;
  /** The marketplaces' built-in HTTP simulators (channels without a configured base URL). */
  marketplaces: MarketplaceSimulators;
  /** The carriers' built-in simulators (connected carriers without a configured base URL). */
  carriers: CarrierSimulators;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a worker polling the order task queue; its activities use `orm` and the built-in simulators, its
 * workflows' metric sinks count into `registry` (one of its own unless the process shares one).
 */
export async function startWorker(
  config: AppConfig,
  temporal: TemporalHandle,
  orm: OmsORM,
  options: { workflowBundle?: WorkflowBundleOption; taskQueue?: string; registry?: Registry } = {},
): Promise<RunningWorker> {
  const simulators = createSimulators({ faults: config.simFaults });
  const marketplaces = await startMarketplaces(config);
  const carriers = await startCarriers(config).catch(async (err: unknown) => {
    await marketplaces.close();
    throw err;
  });
  const book = createCarrierShipmentBook(orm);
  const readModel = createStore(orm);
  const cashOnDelivery = cashOnDeliveryFromReadModel((orderId) => readModel.getOrder(orderId));
  const integrations: Integrations = {
    ...simulators,
    carriers: {
      ...simulators.carriers,
      ...Object.fromEntries(Object.entries(carriers.protocols).map(([name, protocol]) => [name, createProtocolCarrierGateway(protocol, book, cashOnDelivery)])),
    },
  };
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  // Orders the pulls find are placed as POST /orders places them: the same store and Temporal gateway.
  const placing = {
    config,
    store: readModel,
    orders: createTemporalGateway(temporal.client, { answerTimeoutMs: config.updateTimeoutMs }),
  };
  // The carriers' tracking sweeps hand events to orders through the callbacks' own log (a poll and a callback of
  // the same event are one delivery).
  const deliverCallback = createCallbackDelivery({ store: placing.store, logger: apiLogger(createLogger(config.logLevel)) });
  const channelPackages = createChannelPackageStore(orm);
  const trendyolWriteBack = config.trendyolWriteBack.enabled ? marketplaces.trendyol : null;
  const writeBackChannels = [
    ...(trendyolWriteBack ? ['trendyol'] : []),
    ...(marketplaces.hepsiburadaWriteBack ? ['hepsiburada'] : []),
    ...(marketplaces.n11WriteBack ? ['n11'] : []),
  ];
  const writeBack = writeBackChannels.length > 0 ? createWriteBackRouter(temporal.client, writeBackChannels) : undefined;
  let worker: Worker;
  let writeBackWorker: Worker | undefined;
  const writeBackWorkers: Record<string, Worker> = {};
  try {
    // The write-back's calls to Trendyol run on their own task queue, so the marketplace's allowance is the queue's
    // rate limit (across every worker polling it), whatever the order load on the main queue.
    if (trendyolWriteBack) {
      writeBackWorker = await Worker.create({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue: writeBackTaskQueue('trendyol'),
        activities: createChannelWriteBackActivities({
          store: placing.store,
          packages: channelPackages,
          trendyol: createTrendyolPackageWriter(trendyolWriteBack),
          sellerCargo: config.trendyolWriteBack.sellerCargo,
          unsuppliedReasonId: config.trendyolWriteBack.unsuppliedReasonId,
        }),
        maxTaskQueueActivitiesPerSecond: config.trendyolWriteBack.ratePerSecond,
      });
      writeBackWorkers.trendyol = writeBackWorker;
    }
    // Hepsiburada and n11 each on their own task queue too, at their own allowance.
    const others = [
      { channel: 'hepsiburada', on: marketplaces.hepsiburadaWriteBack, rate: config.hepsiburadaWriteBack.ratePerSecond },
      { channel: 'n11', on: marketplaces.n11WriteBack, rate: config.n11WriteBack.ratePerSecond },
    ] as const;
    for (const { channel, on, rate } of others) {
      if (!on) continue;
      writeBackWorkers[channel] = await Worker.create({
        connection: temporal.nativeConnection,
        namespace: temporal.namespace,
        taskQueue: writeBackTaskQueue(channel),
        activities: createChannelWriteBackActivities({
          store: placing.store,
          packages: channelPackages,
          ...(channel === 'hepsiburada'
            ? { hepsiburada: createHepsiburadaPackageWriter(marketplaces.hepsiburadaWriteBack!) }
            : { n11: createN11PackageWriter(marketplaces.n11WriteBack!), n11CancelReasonId: config.n11WriteBack.cancelReasonId }),
        }),
        maxTaskQueueActivitiesPerSecond: rate,
      });
    }
    worker = await Worker.create({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      taskQueue,
      ...workflowCode(options.workflowBundle),
      // Bounded on purpose: a parked order (delivered, its return window open for 14 days) sits in the cache until
      // evicted, and the SDK's default cache grows with the heap limit, not with what the worker needs.
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
      stickyQueueScheduleToStartTimeout: config.worker.stickyQueueTimeoutMs,
      activities: {
        ...createActivities({
          orm,
          integrations,
          ownPriceChannels: config.ownPriceChannels,
          sourcing: config.sourcing,
          writeBack,
        }),
        // Every pull records its rounds (last success, watermark, last error) for GET /integrations.
        ...recordingPullState(
          orm,
          createChannelPullActivities({
            place: (channel, body) => acceptOrder(placing, channel, body),
            recordPackage: async (raw) => {
              const reading = packageReading(raw);
              if (reading) await channelPackages.record(reading);
            },
            trendyol: marketplaces.trendyol ? createTrendyolPackageStream(marketplaces.trendyol) : null,
          }),
          { pullTrendyolPackages: 'trendyol' },
        ),
        ...recordingPullState(
          orm,
          createMarketplacePullActivities({
            place: (channel, body) => acceptOrder(placing, channel, body),
            hepsiburada: marketplaces.hepsiburadaOrders ? createHepsiburadaOrderList(marketplaces.hepsiburadaOrders) : null,
            n11: marketplaces.n11Packages ? createN11PackageList(marketplaces.n11Packages) : null,
          }),
          { pullHepsiburadaOrders: 'hepsiburada', pullN11Packages: 'n11' },
        ),
        ...createCarrierTrackingActivities({
          orm,
          protocols: carriers.protocols,
          deliver: (orderId, event) =>
            deliverCallback({ source: `carrier:${event.carrier}`, eventId: event.eventId, orderId, payload: event }, (id) =>
              placing.orders.signalCarrier(id, event),
            ),
        }),
        ...createStockFeedActivities({
          orm,
          targets: marketplaces.targets,
          sourcing: config.sourcing,
          pollMs: config.stockFeed.pollMs,
          resyncEveryMs: config.stockFeed.resyncEveryMs,
          retryFailedMs: config.stockFeed.retryFailedMs,
          stragglerEveryMs: config.stockFeed.lateSweepMs,
          runMs: STOCK_FEED_RUN_MS,
        }),
      },
      sinks: createMetricSinks(options.registry ?? new Registry()),
    });
  } catch (err) {
    await carriers.close();
    await marketplaces.close();
    throw err;
  }
  const done = Promise.all([worker.run(), ...Object.values(writeBackWorkers).map((w) => w.run())]).then(() => undefined);
  // One feed workflow per channel account; a running one (an earlier start, another worker) is kept.
  for (const account of Object.keys(marketplaces.targets)) {
    await temporal.client.workflow.start(STOCK_FEED_WORKFLOW_TYPE, {
      workflowId: stockFeedWorkflowId(account),
      taskQueue,
      args: [{ account }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  // One Trendyol pull; a running one keeps its watermark.
  if (config.trendyolPullMs !== null && marketplaces.trendyol) {
    await temporal.client.workflow.start(TRENDYOL_PULL_WORKFLOW_TYPE, {
      workflowId: TRENDYOL_PULL_WORKFLOW_ID,
      taskQueue,
      args: [{ watermark: null, intervalMs: config.trendyolPullMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  // One pull per marketplace without webhooks of its own (n11) or whose webhook can miss (Hepsiburada).
  const pulls = [
    { on: config.hepsiburadaPullMs !== null && marketplaces.hepsiburadaOrders, type: HEPSIBURADA_PULL_WORKFLOW_TYPE, id: HEPSIBURADA_PULL_WORKFLOW_ID, intervalMs: config.hepsiburadaPullMs },
    { on: config.n11PullMs !== null && marketplaces.n11Packages, type: N11_PULL_WORKFLOW_TYPE, id: N11_PULL_WORKFLOW_ID, intervalMs: config.n11PullMs },
  ];
  for (const pull of pulls) {
    if (!pull.on || pull.intervalMs === null) continue;
    await temporal.client.workflow.start(pull.type, {
      workflowId: pull.id,
      taskQueue,
      args: [{ watermark: null, intervalMs: pull.intervalMs }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  await ensureTrackingSchedules(temporal.client, config, taskQueue, Object.keys(carriers.protocols) as Carrier[]);
  return {
    worker,
    writeBackWorker,
    writeBackWorkers,
    simulators,
    marketplaces: marketplaces.simulators,
    carriers: carriers.simulators,
    done,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      for (const w of Object.values(writeBackWorkers)) if (w.getState() === 'RUNNING') w.shutdown();
      await done;
      await carriers.close();
      await marketplaces.close();
    },
  };
}

/** How long one run of a feed activity lasts before its workflow starts the next (bounds the history's growth). */
const STOCK_FEED_RUN_MS = 5 * 60_000;

/**
 * Starts the HTTP API in front of Temporal and the database. Its metrics (and the orders-needing-attention gauge,
 * read from this database) go to `registry`, its lines to `logger`; each has a default of its own.
 */
export function startApi(
  config: AppConfig,
  temporal: TemporalHandle,
  orm: OmsORM,
  port?: number,
  options: { logger?: Pino; registry?: Registry } = {},
): Promise<RunningApi> {
  const logger: Logger = apiLogger(options.logger ?? createLogger(config.logLevel));
  const metrics = createApiMetrics(options.registry);
  registerAttentionGauge(metrics.registry, () => ordersNeedingAttention(orm, config.databaseUrl), logger);
  const store = createStore(orm);
  registerStockFeedGauges(metrics.registry, () => store.listStockFeeds(), logger);
  registerCarrierTrackingGauges(metrics.registry, () => store.listCarrierTracking(), logger);
  registerOrderPullGauges(metrics.registry, () => store.listChannelPulls(), logger);
  return startApiServer(
    {
      config,
      store,
      channelPackages: createChannelPackageStore(orm),
      orders: createTemporalGateway(temporal.client, { answerTimeoutMs: config.updateTimeoutMs }),
      logger,
      metrics,
    },
    { port: port ?? config.port },
  );
}

export { closeORM };

/** Start-up banner lines: where each marketplace and carrier is reached (its simulator's URL, or the real service). */
export function describeIntegrations(config: AppConfig, worker: RunningWorker): string[] {
  const where = (sim: { url: string } | undefined, baseUrl: string | null) => (sim ? `simulator ${sim.url}` : (baseUrl ?? 'not used'));
  const m = config.marketplaces;
  const channels = [
    `trendyol ${where(worker.marketplaces.trendyol, m.trendyol.baseUrl)}`,
    `hepsiburada ${where(worker.marketplaces.hepsiburada, m.hepsiburada.baseUrl)}`,
    `n11 ${where(worker.marketplaces.n11, m.n11.baseUrl)}`,
  ];
  const carriers = CARRIERS.map((carrier) => {
    if (!config.carriers.connectors.includes(carrier)) return `${carrier} in-process simulator`;
    const sim = worker.carriers[carrier as keyof CarrierSimulators];
    const baseUrl = config.carriers[carrier].baseUrl;
    return `${carrier} ${where(sim, baseUrl)}`;
  });
  return [`  Marketplaces ${channels.join(' · ')}`, `  Carriers     ${carriers.join(' · ')}`];
}
