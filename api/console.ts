// The operator console (issue 8): static files from console/ at /console on the API's own port, plus the one piece of
// configuration the page needs. It is not an API route and not in the OpenAPI document: the page itself does nothing
// but call the documented API with the operator's key, so the document stays the whole contract (as /metrics is left
// out for being Prometheus', not a channel's).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';
import { orderWorkflowId } from '../contract/workflow';
import type { AppConfig } from '../workers/config';
import { type KeyRing, authenticate } from './auth';

/** console/ beside api/ in the sources, and beside dist/api/ in a build (scripts/build.mjs copies it). */
export const CONSOLE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'console');

/**
 * Self only: no inline script or style, no other origin to load from or talk to, never framed. Links (the Temporal
 * UI) are navigations, which CSP does not restrict.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** What the page asks for after sign-in; answering it also proves the key is an operator's. */
export function consoleConfig(config: AppConfig) {
  const { uiUrl, namespace } = config.temporal;
  return {
    // `{orderId}` is replaced by the page with the URL-encoded order id.
    workflowUrlTemplate:
      uiUrl === null
        ? null
        : `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(orderWorkflowId(''))}{orderId}`,
  };
}

/** Mounted at /console. */
export function consoleRouter(config: AppConfig, keys: KeyRing): Router {
  const router = express.Router({ strict: true });
  router.use((_req, res, next) => {
    res.set('Content-Security-Policy', CONSOLE_CSP);
    res.set('Referrer-Policy', 'no-referrer');
    // Revalidate every time, so an upgrade's page never runs with the previous version's modules.
    res.set('Cache-Control', 'no-cache');
    next();
  });
  // Absolute asset paths in index.html need no trailing slash, but a bookmark of /console/ should still work.
  router.get('/', (req, res, next) => (req.originalUrl.split('?')[0] === '/console' ? res.redirect(301, '/console/') : next()));
  router.get('/config.json', authenticate(keys, 'operator'), (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(consoleConfig(config));
  });
  router.use(express.static(CONSOLE_DIR, { index: 'index.html', redirect: false, dotfiles: 'ignore' }));
  return router;
}
