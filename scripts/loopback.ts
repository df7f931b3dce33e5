// What the scripts that start a stack of their own on loopback share (npm run chaos, npm run bench:scale).
import { createServer, type AddressInfo } from 'node:net';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { ALL_ENTITIES } from '../entities/orm';

/** A TCP port free on 127.0.0.1 right now. */
export const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });

/** Runs administrative SQL (create/drop database) on the database at `base`. */
export async function adminPg(base: string, sql: string): Promise<void> {
  const admin = await MikroORM.init({ entities: ALL_ENTITIES, driver: PostgreSqlDriver, clientUrl: base });
  try {
    await admin.em.fork().execute(sql);
  } finally {
    await admin.close(true);
  }
}
