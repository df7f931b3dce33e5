// `npm run start:api`: the HTTP API alone, for running many behind a load balancer (TEMPORAL_ADDRESS, default
// localhost:7233, and DATABASE_URL shared with the workers).
import { ConfigError, describeDevDefaults, loadConfig } from './config';
import { closeORM, connectTemporal, installRuntimeLogging, openDatabase, startApi } from './system';

async function main(): Promise<void> {
  installRuntimeLogging();
  const config = loadConfig({ TEMPORAL_ADDRESS: 'localhost:7233', ...process.env });
  const temporal = await connectTemporal(config);
  const orm = await openDatabase(config);
  const api = await startApi(config, temporal, orm);
  console.log([`API listening on ${api.url}`, ...describeDevDefaults(config)].join('\n'));
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
