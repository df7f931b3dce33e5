// GET /health and GET /openapi.json: no key needed, so load balancers and client generators can use them.
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { DEFAULT_RETRY_AFTER_SECONDS, consoleLogger } from '../errors';
import { RouteTable } from '../route-table';
import { healthSchema } from '../../contract/schemas';

const HEALTH_TIMEOUT_MS = 3000;

/** Resolves 'ok' or 'down' within the timeout, so a hanging dependency cannot hang the health check. */
async function probe(check: () => Promise<void>): Promise<{ state: 'ok' | 'down'; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return { state: 'ok' };
  } catch (err) {
    return { state: 'down', error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** Routes at the root: health and the OpenAPI document (built after every route is declared). */
export function systemRoutes(deps: ApiDeps, keys: KeyRing, openApiDocument: () => unknown): RouteTable {
  const logger = deps.logger ?? consoleLogger;
  const table = new RouteTable('', 'system', keys);

  table.add(
    {
      method: 'get',
      path: '/health',
      operationId: 'health',
      summary: 'Reachability of the API, the database, Temporal and a worker polling the order task queue',
      auth: 'none',
      responses: {
        200: { description: 'Everything reachable: `{ "status": "ok" }`', schema: healthSchema },
        503: { description: 'A dependency is down; `error.details.failing` names it', schema: healthSchema },
      },
    },
    async ({ res }) => {
      const [database, temporal, worker] = await Promise.all([
        probe(() => deps.store.ping()),
        probe(() => deps.orders.ping()),
        probe(() => deps.orders.pingWorkers()),
      ]);
      // With Temporal down the poller list is unknowable; only Temporal is named then.
      const workerState = temporal.state === 'down' ? 'ok' : worker.state;
      const checks = { api: 'ok' as const, database: database.state, temporal: temporal.state, worker: workerState };
      const failing = (['database', 'temporal', 'worker'] as const).filter((part) => checks[part] === 'down');
      if (failing.length === 0) {
        res.json({ status: 'ok', checks });
        return;
      }
      logger.warn('health check failing', {
        failing,
        database: database.error,
        temporal: temporal.error,
        worker: workerState === 'down' ? worker.error : undefined,
      });
      res.setHeader('Retry-After', String(DEFAULT_RETRY_AFTER_SECONDS));
      res.status(503).json({
        status: 'unavailable',
        checks,
        error: {
          code: 'unavailable',
          message: `Unreachable: ${failing.join(', ')}`,
          details: { failing },
        },
      });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApi',
      summary: 'This API as an OpenAPI 3.1 document',
      auth: 'none',
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
    },
    ({ res }) => {
      res.json(openApiDocument());
    },
  );

  return table;
}
