// `npm start`: the whole OMS in one process on embedded defaults — Temporal dev server (UI on 8233, state under
// .data/), the worker and the API on SQLite. With TEMPORAL_ADDRESS / DATABASE_URL it uses those instead.
import { CONNECTED_CARRIERS, ConfigError, describeDevDefaults, loadConfig } from './config';
import { createLogger } from './logging';
import { createProcessRegistry } from './metrics';
import { closeORM, connectTemporal, describeIntegrations, installRuntime, openDatabase, startApi, startWorker } from './system';

async function main(): Promise<void> {
  // Embedded defaults: every carrier with a connector speaks its own protocol, to its built-in simulator.
  const config = loadConfig({ OMS_CARRIER_CONNECTORS: CONNECTED_CARRIERS.join(','), ...process.env });
  const logger = createLogger(config.logLevel);
  installRuntime(logger, config);
  // One registry for the whole process: the API's GET /metrics shows the workflow counters as well.
  const registry = createProcessRegistry();
  const started = Date.now();
  console.log(config.temporal.address ? `Connecting to Temporal at ${config.temporal.address}…` : 'Starting the embedded Temporal dev server…');
  const temporal = await connectTemporal(config, { embeddedPort: Number(process.env.TEMPORAL_PORT ?? 7233) });
  const orm = await openDatabase(config, { migrate: true });
  const worker = await startWorker(config, temporal, orm, { registry });
  const api = await startApi(config, temporal, orm, undefined, { logger, registry });

  const lines = [
    `OMS is up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    `  API          ${api.url}   (OpenAPI: ${api.url}/openapi.json, health: ${api.url}/health, metrics: ${api.url}/metrics)`,
    `  Console      ${api.url}/console/   (sign in with an operator key)`,
    `  Temporal     ${temporal.address}   namespace ${temporal.namespace}`,
    ...(temporal.uiUrl ? [`  Temporal UI  ${temporal.uiUrl}`] : []),
    `  Database     ${config.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')}`,
    ...describeIntegrations(config, worker),
    ...describeDevDefaults(config),
  ];
  console.log(lines.join('\n'));
  logger.info({ url: api.url, temporal: temporal.address }, 'OMS is up');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    await api.close().catch((err) => console.error('api close', err));
    await worker.stop().catch((err) => console.error('worker stop', err));
    await closeORM(orm).catch(() => undefined);
    await temporal.close().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  await worker.done;
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
