// The Express application: one router per resource, one error middleware, and the OpenAPI
// document built from the same route declarations that serve requests.
import express, { type Express, type RequestHandler } from 'express';
import { KeyRing } from './auth';
import type { ApiDeps } from './deps';
import { createAdmission } from './admission';
import { apiLogger, createLogger } from '../workers/logging';
import { accessLog, routeMatcher } from './access-log';
import { consoleRouter } from './console';
import { ApiError, errorMiddleware, notFoundHandler } from './errors';
import { createApiMetrics, metricsHandler } from './metrics';
import { buildOpenApiDocument } from './openapi';
import { rateLimit } from './rate-limit';
import type { RouteTable } from './route-table';
import { callbackRoutes } from './routes/callbacks';
import { inventoryRoutes } from './routes/inventory';
import { locationRoutes } from './routes/locations';
import { integrationRoutes } from './routes/integrations';
import { webhookRoutes } from './routes/webhooks';
import { ordersRoutes } from './routes/orders';
import { productRoutes } from './routes/products';
import { systemRoutes } from './routes/system';

/** Version of the HTTP contract in the OpenAPI document (not the package version). */
export const API_VERSION = '1.0.0';

/** A body that express.json did not take is not JSON: say so instead of reporting every field missing. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody =
    req.headers['transfer-encoding'] !== undefined ||
    (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
  if (hasBody && req.body === undefined) {
    throw new ApiError('unsupported_media_type', 'Send the body as JSON with "Content-Type: application/json"');
  }
  next();
};

/** Builds the app; listening is the caller's business (see startApiServer). */
export function createApp(deps: ApiDeps): Express {
  const { config } = deps;
  const logger = deps.logger ?? apiLogger(createLogger(config.logLevel));
  const metrics = deps.metrics ?? createApiMetrics();
  // Routes see the same logger and metrics as the app, defaults included.
  deps = { ...deps, logger, metrics, admission: deps.admission ?? createAdmission(config.maxPendingOrders) };
  const keys = new KeyRing(config);
  const app = express();
  app.disable('x-powered-by');

  let openApi: unknown;
  const callbacks = callbackRoutes(deps, keys);
  const tables: RouteTable[] = [
    ordersRoutes(deps, keys),
    inventoryRoutes(deps, keys),
    locationRoutes(deps, keys),
    integrationRoutes(deps, keys),
    webhookRoutes(deps, keys),
    productRoutes(deps, keys),
    systemRoutes(deps, keys, () => openApi),
  ];
  openApi = buildOpenApiDocument(
    [...tables, callbacks].flatMap((t) => t.docs),
    { version: API_VERSION },
  );

  // First, so every answer (a 429 or a 404 included) has its request id, access log line and latency sample.
  const docs = [...tables, callbacks].flatMap((t) => t.docs);
  app.use(accessLog(logger, metrics, routeMatcher([...docs, { method: 'get', fullPath: '/metrics' }])));
  // Browsers must take every answer as the JSON it says it is, never sniff it into something runnable.
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    next();
  });
  const limiter = rateLimit({ max: config.rateLimit.perMinute, keys });
  // Health probes and scrapes come often and unauthenticated; they must never be throttled into "down".
  app.use((req, res, next) => (req.path === '/health' || req.path === '/metrics' ? next() : limiter(req, res, next)));
  // Not in the OpenAPI document: it is for Prometheus, not for channels.
  app.get('/metrics', metricsHandler(metrics.registry, config.metrics.token));
  // The operator console's static page: before the JSON parser (it takes no bodies); unknown files fall through to
  // the JSON 404 like any unknown path. Not in the OpenAPI document (see api/console.ts).
  app.use('/console', consoleRouter(config, keys));
  // Callbacks read raw bytes for the signature, so they are mounted before the JSON parser.
  app.use(callbacks.prefix, callbacks.router);
  app.use(express.json({ limit: config.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use(requireJsonBody);
  for (const table of tables) {
    if (table.prefix === '') app.use(table.router);
    else app.use(table.prefix, table.router);
  }
  app.use(notFoundHandler);
  app.use(errorMiddleware(logger));
  return app;
}
