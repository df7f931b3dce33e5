// `npm run start:worker`: a worker alone, for running many against one cluster (TEMPORAL_ADDRESS, default
// localhost:7233, e.g. the one `npm start` runs) and one database (DATABASE_URL). Its workflow counters are served
// at GET /metrics on OMS_WORKER_METRICS_PORT (default 9464).
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logging';
import { createProcessRegistry, serveMetrics } from './metrics';
import { closeORM, connectTemporal, installRuntime, openDatabase, startWorker } from './system';

async function main(): Promise<void> {
  const config = loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233', ...process.env });
  const logger = createLogger(config.logLevel);
  installRuntime(logger, config);
  const registry = createProcessRegistry();
  // A second worker on the same host finds the port taken: it runs on without /metrics rather than not at all.
  const metrics = await serveMetrics(registry, { port: config.metrics.workerPort, token: config.metrics.token }).catch(
    (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') throw err;
      logger.warn(
        { port: config.metrics.workerPort },
        'metrics port in use: this worker serves no /metrics (set OMS_WORKER_METRICS_PORT, 0 picks a free one)',
      );
      return null;
    },
  );
  const temporal = await connectTemporal(config);
  const orm = await openDatabase(config);
  const worker = await startWorker(config, temporal, orm, { registry });
  logger.info({ temporal: temporal.address, namespace: temporal.namespace, metrics: metrics?.url ?? null }, 'worker polling');
  const stop = () => void worker.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await worker.done;
  await metrics?.close();
  await closeORM(orm);
  await temporal.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
