import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import type { ApiDeps } from './deps';

export interface RunningApi {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:3000 (port resolved when 0 was asked for). */
  url: string;
  close(): Promise<void>;
}

/** Listens on `port` (default config.port; 0 picks a free one, as tests do) and resolves once bound. */
export function startApiServer(deps: ApiDeps, options: { port?: number; host?: string } = {}): Promise<RunningApi> {
  const app = createApp(deps);
  const host = options.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    const server = app.listen(options.port ?? deps.config.port, host, (err?: Error) => {
      if (err) {
        reject(err);
        return;
      }
      const { port } = server.address() as AddressInfo;
      const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
      resolve({
        server,
        url: `http://${shownHost}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((closeErr) => (closeErr ? fail(closeErr) : done()));
            server.closeAllConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
