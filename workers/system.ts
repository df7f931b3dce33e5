// Process wiring shared by `npm start`, the API-only and worker-only processes, the integration tests and the
// bench: Temporal (embedded dev server or an existing cluster), the database, the worker, the API.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundle, type LogLevel } from '@temporalio/worker';
import { createActivities } from '../activities';
import {
  ChannelAttr,
  ExternalOrderIdAttr,
  NeedsAttentionAttr,
  OrderStatusAttr,
  TASK_QUEUE,
} from '../contract/workflow';
import { initORM, closeORM, type OmsORM } from '../entities/orm';
import { createStore } from '../entities/store';
import { createSimulators, type Simulators } from '../integrations';
import { createTemporalGateway, startApiServer, type RunningApi } from '../api';
import type { AppConfig } from './config';
import { ensureSearchAttributes } from './search-attributes';
import { devServerExecutable, projectRoot } from './temporal-binaries';

/** SDK logs at WARN by default (the bundler's INFO lines are noise at start-up); TEMPORAL_LOG_LEVEL overrides. */
export function installRuntimeLogging(level = (process.env.TEMPORAL_LOG_LEVEL ?? 'WARN') as LogLevel): void {
  Runtime.install({ logger: new DefaultLogger(level) });
}

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

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
    const connection = await Connection.connect({ address });
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
  return initORM({ databaseUrl: config.databaseUrl, migrate: options.migrate });
}

export interface RunningWorker {
  worker: Worker;
  simulators: Simulators;
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Starts a worker polling the order task queue; its activities use `orm` and the built-in simulators. */
export async function startWorker(
  config: AppConfig,
  temporal: TemporalHandle,
  orm: OmsORM,
  options: { workflowBundle?: WorkflowBundle; taskQueue?: string } = {},
): Promise<RunningWorker> {
  const simulators = createSimulators({ faults: config.simFaults });
  const worker = await Worker.create({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createActivities({ orm, integrations: simulators, ownPriceChannels: config.ownPriceChannels }),
  });
  const done = worker.run();
  return {
    worker,
    simulators,
    done,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}

/** Starts the HTTP API in front of Temporal and the database. */
export function startApi(config: AppConfig, temporal: TemporalHandle, orm: OmsORM, port?: number): Promise<RunningApi> {
  return startApiServer(
    { config, store: createStore(orm), orders: createTemporalGateway(temporal.client) },
    { port: port ?? config.port },
  );
}

export { closeORM };
