// `npm run start:api`: the HTTP API alone, for running many behind a load balancer (TEMPORAL_ADDRESS, default
// localhost:7233, and DATABASE_URL shared with the workers). Its GET /metrics has the HTTP and callback metrics
// and the orders needing attention; the workflow counters are on the workers' /metrics.
import { ConfigError, describeDevDefaults, loadConfig } from './config';
import { createLogger } from './logging';
import { createProcessRegistry } from './metrics';
import { closeORM, connectTemporal, installRuntime, openDatabase, startApi } from './system';

async function main(): Promise<void> {
  const config = loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233', ...process.env });
  const logger = createLogger(config.logLevel);
  installRuntime(logger, config);
  const temporal = await connectTemporal(config);
  const orm = await openDatabase(config);
  const api = await startApi(config, temporal, orm, undefined, { logger, registry: createProcessRegistry() });
  logger.info({ url: api.url }, 'API listening');
  const devDefaults = describeDevDefaults(config);
  if (devDefaults.length > 0) console.log(devDefaults.join('\n'));
  const stop = async () => {
    await api.close();
    await closeORM(orm);
    await temporal.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
