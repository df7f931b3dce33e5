// The production build as the Dockerfile runs it: `npm run build`, then the API and the worker started with plain
// `node dist/workers/…` (no tsx) against a real Temporal dev server and a real PostgreSQL database, an order taken
// through the API and run by the worker from the prebuilt workflow bundle, and the worker's /metrics served.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEV_API_KEYS, DEV_OPERATOR_KEY, loadConfig } from '../../workers/config';
import { connectTemporal, type TemporalHandle } from '../../workers/system';
import { createTestDb, PROJECT_ROOT, type TestDb } from '../helpers/db';
import { eventually, orderBody, unique } from '../helpers/system';

const dist = join(PROJECT_ROOT, 'dist');

interface Started {
  child: ChildProcess;
  /** Every stdout line that parsed as JSON (pino's), in order. */
  lines: Record<string, unknown>[];
  output: string[];
}

/** Spawns `node dist/<entry>` and resolves once it logs `msg` (or rejects with what it printed if it exits). */
function startDist(entry: string, env: Record<string, string>, msg: string): Promise<{ started: Started; line: Record<string, unknown> }> {
  const child = spawn(process.execPath, [join(dist, entry)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NODE_ENV: 'production', OMS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const started: Started = { child, lines: [], output: [] };
  return new Promise((resolve, reject) => {
    let buffered = '';
    const take = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const text of parts) {
        started.output.push(text);
        let line: Record<string, unknown> | undefined;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        started.lines.push(line);
        if (line.msg === msg) resolve({ started, line });
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', (chunk: Buffer) => started.output.push(chunk.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`${entry} exited (${code}):\n${started.output.join('\n')}`)));
  });
}

/** A port nothing listens on right now (the SDK's exporter cannot be asked for port 0 and tell us which). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function stop(started: Started | undefined): Promise<void> {
  if (!started || started.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    started.child.once('exit', () => resolve());
    started.child.kill('SIGTERM');
  });
}

let temporal: TemporalHandle;
let db: TestDb;
let worker: Started | undefined;
let api: Started | undefined;
let all: Started | undefined;

beforeAll(async () => {
  await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'scripts', 'build.mjs')], { cwd: PROJECT_ROOT });
  const config = loadConfig({ TEMPORAL_UI_PORT: '0' });
  [temporal, db] = await Promise.all([connectTemporal(config, { dataDir: null }), createTestDb('postgres')]);
}, 240_000);

afterAll(async () => {
  await Promise.all([stop(api), stop(worker), stop(all)]);
  await db?.cleanup();
  await temporal?.close();
});

test('the build emits every entry point and the workflow bundle', () => {
  for (const entry of ['workers/main.js', 'workers/api.js', 'workers/worker.js', 'workflow-bundle.js']) {
    expect(existsSync(join(dist, entry))).toBe(true);
  }
});

test('node dist/workers/worker.js and api.js run an order from the prebuilt bundle', async () => {
  const env = { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: db.url };
  const temporalMetrics = `127.0.0.1:${await freePort()}`;
  const polling = await startDist(
    'workers/worker.js',
    { ...env, OMS_WORKER_METRICS_PORT: '0', OMS_TEMPORAL_METRICS_ADDRESS: temporalMetrics },
    'worker polling',
  );
  worker = polling.started;
  const listening = await startDist('workers/api.js', { ...env, PORT: '0' }, 'API listening');
  api = listening.started;
  const url = String(listening.line.url);

  const operator = { authorization: `Bearer ${DEV_OPERATOR_KEY}`, 'content-type': 'application/json' };
  const sku = unique('BUILD');
  expect((await fetch(`${url}/products/${sku}`, { method: 'PUT', headers: operator, body: JSON.stringify({ name: sku, price: '149.90' }) })).status).toBeLessThan(300);
  expect((await fetch(`${url}/inventory/${sku}`, { method: 'PUT', headers: operator, body: JSON.stringify({ onHand: 5 }) })).status).toBeLessThan(300);
  const placed = await fetch(`${url}/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEV_API_KEYS.webstore}`, 'content-type': 'application/json' },
    body: JSON.stringify(orderBody(unique('B'), [{ sku, quantity: 1 }])),
  });
  expect(placed.status).toBe(201);
  const order = (await placed.json()) as { id: string };
  // The read model row is written by the worker's activity: the workflow ran in the built worker.
  await eventually(async () => {
    const res = await fetch(`${url}/orders/${order.id}`, { headers: operator });
    expect(res.status).toBe(200);
  });

  // Loaded, not bundled at start: the SDK logs "Workflow bundle created" only when it bundles.
  expect(worker.lines.some((l) => typeof l.msg === 'string' && /bundle created/i.test(l.msg))).toBe(false);
  const metrics = await fetch(String(polling.line.metrics));
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toContain('oms_process_');
  // The SDK's own exporter, from OMS_TEMPORAL_METRICS_ADDRESS: the worker has polled, so its counters exist.
  const sdk = await fetch(`http://${temporalMetrics}/metrics`);
  expect(sdk.status).toBe(200);
  expect(await sdk.text()).toMatch(/^temporal_\w+/m);
});

test('node dist/workers/main.js runs API and worker in one process, one /metrics for both', async () => {
  const up = await startDist('workers/main.js', { TEMPORAL_ADDRESS: temporal.address, DATABASE_URL: db.url, PORT: '0' }, 'OMS is up');
  all = up.started;
  const res = await fetch(`${String(up.line.url)}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toContain('# TYPE oms_http_request_duration_seconds histogram');
  expect(text).toContain('# TYPE oms_orders_status_entered_total counter');
  expect(text).toContain('# TYPE oms_orders_needing_attention gauge');
});
