// `npm run start:worker`: a worker alone, for running many against one cluster (TEMPORAL_ADDRESS, default
// localhost:7233, e.g. the one `npm start` runs) and one database (DATABASE_URL).
import { ConfigError, loadConfig } from './config';
import { closeORM, connectTemporal, installRuntimeLogging, openDatabase, startWorker } from './system';

async function main(): Promise<void> {
  installRuntimeLogging();
  const config = loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233', ...process.env });
  const temporal = await connectTemporal(config);
  const orm = await openDatabase(config);
  const worker = await startWorker(config, temporal, orm);
  console.log(`Worker polling ${temporal.address} (namespace ${temporal.namespace})`);
  const stop = () => void worker.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await worker.done;
  await closeORM(orm);
  await temporal.close();
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
