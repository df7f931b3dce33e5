// The process's Prometheus registry and what the worker side puts in it: counters fed by the order workflow
// through sinks (not recorded in history, not called on replay, so a restarted worker does not count twice), the
// orders needing attention read from the read model at scrape time, and a small /metrics server for a
// worker-only process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectedSinks } from '@temporalio/worker';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { bearerMatches } from '../api/metrics';
import type { Logger } from '../api/errors';
import type { OmsSinks } from '../contract/sinks';
import type { CarrierTrackingView, ChannelPullView, StockFeedView } from '../contract/store';
import { parseDatabaseUrl, type OmsORM } from '../entities/orm';

/** A process's registry with Node's own metrics (heap, event-loop lag, GC) under `oms_process_`. */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'oms_process_' });
  return registry;
}

/** The workflow sinks counting into `registry`; registered on the worker with `Worker.create({ sinks })`. */
export function createMetricSinks(registry: Registry): InjectedSinks<OmsSinks> {
  // A worker restarted in the same process (tests, a supervisor) finds its metrics registered: it goes on counting
  // into them rather than failing to register them twice.
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter<L>({ name, help, labelNames, registers: [registry] });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    (registry.getSingleMetric(name) as Gauge<L> | undefined) ?? new Gauge<L>({ name, help, labelNames, registers: [registry] });
  const statusEntered = counter('oms_orders_status_entered_total', 'Orders entering each status', [
    'status',
    'channel',
  ]);
  const attention = counter('oms_attention_raised_total', 'needsAttention raised, by step', ['step', 'channel']);
  const compensation = counter(
    'oms_compensation_failures_total',
    'Compensations that failed after their retries and wait for an operator',
    ['name', 'channel'],
  );
  const refusals = counter('oms_reservation_refusals_total', 'Reservations refused for lack of stock', ['channel']);
  const writeBackPending = gauge(
    'oms_channel_writeback_pending',
    'Write-back requests waiting in a marketplace queue (channel-writeback:<channel>), as its workflow last said',
    ['channel'],
  );
  const writeBackInFlight = gauge('oms_channel_writeback_in_flight', 'Orders whose write-back is being pushed to the marketplace now', ['channel']);
  const writeBackFinished = counter('oms_channel_writeback_finished_total', 'Write-back requests ended: pushed, dropped (superseded) or failed for good', [
    'channel',
    'outcome',
  ]);
  return {
    metrics: {
      statusEntered: { fn: (_info, status, channel) => statusEntered.inc({ status, channel }), callDuringReplay: false },
      attentionRaised: { fn: (_info, step, channel) => attention.inc({ step, channel }), callDuringReplay: false },
      compensationFailed: { fn: (_info, name, channel) => compensation.inc({ name, channel }), callDuringReplay: false },
      reservationRefused: { fn: (_info, channel) => refusals.inc({ channel }), callDuringReplay: false },
      writeBackQueue: {
        fn: (_info, channel, pending, inFlight) => {
          writeBackPending.set({ channel }, pending);
          writeBackInFlight.set({ channel }, inFlight);
        },
        callDuringReplay: false,
      },
      writeBackFinished: { fn: (_info, channel, outcome) => writeBackFinished.inc({ channel, outcome }), callDuringReplay: false },
    },
  };
}

/** Orders flagged needsAttention now, by the step that raised it (`unknown` when the snapshot names none). */
export async function ordersNeedingAttention(orm: OmsORM, databaseUrl: string): Promise<Record<string, number>> {
  // The step sits in the snapshot JSON; each database reads it with its own JSON operator.
  const step =
    parseDatabaseUrl(databaseUrl).kind === 'postgres'
      ? `"view"->'attention'->>'step'`
      : `json_extract("view", '$.attention.step')`;
  const rows = await orm.em
    .fork()
    .getConnection()
    .execute<{ step: string | null; n: number | string }[]>(
      `select ${step} as step, count(*) as n from "orders" where "needs_attention" = true group by 1`,
    );
  const counts: Record<string, number> = {};
  for (const row of rows) {
    const key = row.step ?? 'unknown';
    counts[key] = (counts[key] ?? 0) + Number(row.n);
  }
  return counts;
}

/**
 * `oms_orders_needing_attention{step}`, computed at each scrape from the read model: the "orders stuck now"
 * figure, which counters cannot give (they only know what was raised, not what was resolved). A failing query
 * leaves the gauge empty for that scrape (alert on its absence) rather than failing the whole scrape.
 */
export function registerAttentionGauge(
  registry: Registry,
  count: () => Promise<Record<string, number>>,
  logger: Logger,
): Gauge<'step'> {
  return new Gauge({
    name: 'oms_orders_needing_attention',
    help: 'Orders flagged needsAttention now, by the step that raised it (read model, at scrape time)',
    labelNames: ['step'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [step, n] of Object.entries(await count())) this.set({ step }, n);
      } catch (err) {
        logger.warn('orders-needing-attention gauge not collected', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    },
  });
}

/**
 * The stock feeds at scrape time, from the database: each channel account's backlog (SKUs unsent, pending at the
 * channel, failed there) and the time of its last round without an error (0: none yet).
 */
export function registerStockFeedGauges(registry: Registry, feeds: () => Promise<StockFeedView[]>, logger: Logger): void {
  let snapshot: Promise<StockFeedView[]> | undefined;
  // Both gauges are collected in one scrape: one read of the database serves them.
  const read = () => (snapshot ??= feeds().finally(() => setTimeout(() => (snapshot = undefined), 100)));
  new Gauge({
    name: 'oms_stock_feed_backlog',
    help: "SKUs waiting in a channel account's stock feed: changed and unsent, sent and pending at the channel, failed there",
    labelNames: ['account', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const f of await read()) for (const [state, n] of Object.entries(f.backlog)) this.set({ account: f.account, state }, n);
      } catch (err) {
        logger.warn('stock feed gauge not collected', { error: err instanceof Error ? err.message : String(err) });
      }
    },
  });
  new Gauge({
    name: 'oms_stock_feed_last_success_timestamp_seconds',
    help: "When a channel account's stock feed last finished a round without an error (Unix seconds; 0: not yet)",
    labelNames: ['account'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const f of await read()) this.set({ account: f.account }, f.lastSuccessAt ? Date.parse(f.lastSuccessAt) / 1000 : 0);
      } catch (err) {
        logger.warn('stock feed gauge not collected', { error: err instanceof Error ? err.message : String(err) });
      }
    },
  });
}

/** Per connected carrier: its open shipments and when its tracking sweep last worked, read at each scrape. */
export function registerCarrierTrackingGauges(registry: Registry, carriers: () => Promise<CarrierTrackingView[]>, logger: Logger): void {
  let snapshot: Promise<CarrierTrackingView[]> | undefined;
  const read = () => (snapshot ??= carriers().finally(() => setTimeout(() => (snapshot = undefined), 100)));
  const gauge = (name: string, help: string, value: (c: CarrierTrackingView) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['carrier'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        try {
          for (const c of await read()) this.set({ carrier: c.carrier }, value(c));
        } catch (err) {
          logger.warn('carrier tracking gauge not collected', { error: err instanceof Error ? err.message : String(err) });
        }
      },
    });
  gauge('oms_carrier_shipments_open', "Shipments a carrier's tracking sweep follows (not yet delivered, returned or canceled)", (c) => c.open);
  gauge(
    'oms_carrier_tracking_last_success_timestamp_seconds',
    "When a carrier's tracking sweep last finished without an error (Unix seconds; 0: not yet)",
    (c) => (c.lastSuccessAt ? Date.parse(c.lastSuccessAt) / 1000 : 0),
  );
}

/** Per marketplace order pull: when its last round succeeded, read at each scrape. */
export function registerOrderPullGauges(registry: Registry, pulls: () => Promise<ChannelPullView[]>, logger: Logger): void {
  new Gauge({
    name: 'oms_order_pull_last_success_timestamp_seconds',
    help: "When a marketplace's order pull last finished a round without an error (Unix seconds; 0: not yet)",
    labelNames: ['channel'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const p of await pulls()) this.set({ channel: p.channel }, p.lastSuccessAt ? Date.parse(p.lastSuccessAt) / 1000 : 0);
      } catch (err) {
        logger.warn('order pull gauge not collected', { error: err instanceof Error ? err.message : String(err) });
      }
    },
  });
}

/** A running worker-only /metrics server. */
export interface MetricsServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** GET /metrics for a worker-only process (the API serves its own); same token rule as the API's. */
export function serveMetrics(registry: Registry, options: { port: number; token: string | null; host?: string }): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (options.token !== null && !bearerMatches(req.headers.authorization, options.token)) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorized\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics failed\n'),
    );
  });
  const host = options.host ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/metrics`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
