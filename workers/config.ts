// Process configuration from the environment, validated once at start-up so a typo fails loudly
// with the variable's name instead of surfacing later as a strange runtime fault.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Duration, msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';
import { DEFAULT_TIMERS } from '../contract/config';
import { CARRIERS, type Carrier, type OrderTimers } from '../contract/types';
import { CHANNEL_PATTERN, LOCATION_PATTERN } from '../contract/schemas';
import { DEFAULT_MAX_UNITS, type SourcingRules } from '../domain/sourcing';
import { projectRoot } from './temporal-binaries';

/** Fixed dev keys, one per channel: printed at start-up and listed in the README so a fresh checkout just works. */
export const DEV_API_KEYS: Readonly<Record<string, string>> = Object.freeze({
  webstore: 'dev-webstore-key',
  trendyol: 'dev-trendyol-key',
  hepsiburada: 'dev-hepsiburada-key',
  n11: 'dev-n11-key',
  store: 'dev-store-key',
  callcenter: 'dev-callcenter-key',
  b2b: 'dev-b2b-key',
});
/** Dev operator key (name `operator`). */
export const DEV_OPERATOR_KEY = 'dev-operator-key';
/** Dev HMAC secret for signed callbacks. */
export const DEV_WEBHOOK_SECRET = 'dev-webhook-secret';
/** SQLite file used when DATABASE_URL is unset: `.data/oms.sqlite` in the project root, wherever the process starts. */
export const DEFAULT_SQLITE_FILE = path.join(projectRoot, '.data', 'oms.sqlite');
export const DEFAULT_DATABASE_URL = `sqlite:${DEFAULT_SQLITE_FILE}`;
/** Marketplaces price their own listings, so their orders may undercut the catalog. */
export const DEFAULT_OWN_PRICE_CHANNELS = ['trendyol', 'hepsiburada', 'n11'];

/** Requests per key per minute (1000/s): a guard against runaway clients, well above what the bench sends. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 60_000;

/** pino's levels; `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** The Temporal SDK's levels. */
export const TEMPORAL_LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type TemporalLogLevel = (typeof TEMPORAL_LOG_LEVELS)[number];
/** Where a worker-only process serves /metrics unless OMS_WORKER_METRICS_PORT says otherwise. */
export const DEFAULT_WORKER_METRICS_PORT = 9464;

export interface OperatorKey {
  /** Recorded as the actor of operator actions (`operator:<name>`). */
  name: string;
  key: string;
}

export interface AppConfig {
  port: number;
  /** `postgresql://…` or `sqlite:<file>`. */
  databaseUrl: string;
  /** OMS_SQLITE_SYNCHRONOUS: how a SQLite file's commits reach the disk (`full`: each one; `normal`: at checkpoints). */
  sqliteSynchronous: 'full' | 'normal';
  temporal: {
    /** null: start an embedded dev server. */
    address: string | null;
    namespace: string;
    uiPort: number;
    /**
     * Base URL of the Temporal UI the operator console links each order's workflow to (OMS_TEMPORAL_UI_URL); by
     * default the embedded dev server's UI, and null (no link) for an external cluster whose UI is not named.
     */
    uiUrl: string | null;
  };
  /** channel → key. */
  apiKeys: Record<string, string>;
  operatorKeys: OperatorKey[];
  webhookSecret: string;
  /**
   * Per-sender callback secrets (OMS_CALLBACK_SECRETS): `payments`, `warehouse` and each carrier by name; a sender not
   * named signs with webhookSecret.
   */
  callbackSecrets: Record<string, string>;
  /** Express body-parser limit, e.g. '1mb'. */
  bodyLimit: string;
  defaultCarrier: Carrier;
  timers: OrderTimers;
  /** Fault injection spec for the simulated integrations; passed through untouched. */
  simFaults: string;
  rateLimit: { perMinute: number };
  /** pino level of every log line the process writes (API, activities, workflows). */
  logLevel: LogLevel;
  /** Threshold for the Temporal SDK's own lines (worker state, bundler, core); workflow and activity code's follow logLevel. */
  temporalLogLevel: TemporalLogLevel;
  metrics: {
    /** Bearer token GET /metrics requires; null: open, as Prometheus scrapes on a private network usually are. */
    token: string | null;
    /** Port of a worker-only process's /metrics (the API serves its own on PORT); 0 picks a free one. */
    workerPort: number;
    /** host:port where the Temporal SDK's own Prometheus exporter listens; null: off. */
    temporalAddress: string | null;
  };
  /** How long a request waits for an order's workflow (update or query) before answering 503 (OMS_UPDATE_TIMEOUT). */
  updateTimeoutMs: number;
  /** New orders accepted at once per API process (OMS_MAX_PENDING_ORDERS); one more answers 503 at once. 0: no limit. */
  maxPendingOrders: number;
  /** The order worker's workflow cache and sticky queue (issue 9): what bounds its memory with many open orders. */
  worker: WorkerCacheConfig;
  /** Channels that set their own prices (marketplaces): a line below the catalog price is a discrepancy, not a refusal. */
  ownPriceChannels: string[];
  /** allocateStock's rules: most units per allocation (OMS_MAX_FULFILLMENTS), locations per channel (OMS_CHANNEL_LOCATIONS). */
  sourcing: SourcingRules;
  /**
   * When an authorization is captured (OMS_CAPTURE_MODE), per payment method: per fulfillment unit as it ships, or
   * once for all. Only methods with an authorization step (card, bank_transfer) are listed.
   */
  captureMode: Record<CapturedMethod, CaptureMode>;
  /** The stock feed to the marketplaces (issue 7): which channels, their buffers, how often. */
  stockFeed: StockFeedConfig;
  /** How often Trendyol's package stream is pulled for orders a webhook missed (OMS_TRENDYOL_PULL_INTERVAL); null: never. */
  trendyolPullMs: number | null;
  /** How often Hepsiburada's paid-order list is pulled (OMS_HEPSIBURADA_PULL_INTERVAL); null: never. */
  hepsiburadaPullMs: number | null;
  /** How often n11's shipment packages are pulled (OMS_N11_PULL_INTERVAL); n11 has no webhooks. null: never. */
  n11PullMs: number | null;
  /** How to reach each marketplace: a base URL (null: the built-in simulator on loopback) and its credentials. */
  marketplaces: MarketplaceConnections;
  /** Carriers spoken to in their own protocol, and how their tracking is swept (issue 7). */
  carriers: CarrierConnections;
  /** Order statuses written back to Trendyol in its own protocol, from a rate-limited queue (workflows/channel-writeback.ts). */
  trendyolWriteBack: TrendyolWriteBackConfig;
  /** Order statuses written back to Hepsiburada (merchant cargo, §2.3) from its own rate-limited queue. */
  hepsiburadaWriteBack: ChannelWriteBackConfig;
  /** Order statuses written back to n11 (§3.2-§3.4) from its own rate-limited queue. */
  n11WriteBack: ChannelWriteBackConfig & { cancelReasonId: number };
  usingDevDefaults: { apiKeys: boolean; operatorKeys: boolean; webhookSecret: boolean; databaseUrl: boolean; trendyolWebhook: boolean };
}

export interface WorkerCacheConfig {
  /**
   * OMS_WORKER_CACHED_WORKFLOWS: workflows the order worker keeps in memory between their tasks (Temporal's
   * `maxCachedWorkflows`; 0: none, every task replays its history). The SDK's own default grows with the heap limit
   * (about 2,300 on a 4 GB heap), so a worker's memory grew with the open orders it had seen.
   */
  maxCachedWorkflows: number;
  /**
   * OMS_WORKER_STICKY_TIMEOUT: how long a task for a cached workflow waits on this worker's sticky queue before any
   * worker may take it from the shared queue (Temporal's `stickyQueueScheduleToStartTimeout`, the SDK's default 10 s).
   */
  stickyQueueTimeoutMs: number;
}

/** The order worker's workflow cache by default; see README *Flat memory with many open orders*. */
export const DEFAULT_WORKER_CACHED_WORKFLOWS = 100;
/** The SDK's own default for stickyQueueScheduleToStartTimeout. */
export const DEFAULT_WORKER_STICKY_TIMEOUT = '10s';

export const FEED_CHANNELS = ['trendyol', 'hepsiburada', 'n11'] as const;
/** Carriers with a connector for their own protocol (integrations/<carrier>/). */
export const CONNECTED_CARRIERS = ['yurtici', 'aras', 'mng'] as const satisfies readonly Carrier[];
export type FeedChannel = (typeof FEED_CHANNELS)[number];

export interface StockFeedConfig {
  /** Channels fed (OMS_STOCK_FEED_CHANNELS); each is one channel account, named as the channel. */
  channels: FeedChannel[];
  /** Units held back per channel (OMS_STOCK_BUFFER), 0 unless named. */
  buffers: Record<string, number>;
  pollMs: number;
  resyncEveryMs: number;
  retryFailedMs: number;
  /** How often a round also looks for changes committed later than its 5 s margin (OMS_STOCK_LATE_SWEEP). */
  lateSweepMs: number;
}

export interface CarrierConnections {
  /**
   * Carriers reached through their own protocol (OMS_CARRIER_CONNECTORS), at their base URL or the built-in
   * simulator; the others use the in-process carrier simulator. `npm start` names every carrier with a connector.
   */
  connectors: Carrier[];
  /** How often each connected carrier's open shipments are queried (OMS_CARRIER_POLL_INTERVAL). */
  pollMs: number;
  /** The built-in carrier simulators' pace (OMS_CARRIER_SIM_PACE): picked up, in delivery, delivered, after the label. */
  simPaceMs: { pickedUp: number; inDelivery: number; delivered: number };
  yurtici: {
    baseUrl: string | null;
    username: string;
    password: string;
    /** The collection (receiver-pays) account for cash-on-delivery shipments; null: none, such shipments are refused. */
    cod: { username: string; password: string } | null;
  };
  aras: {
    baseUrl: string | null;
    /** Production has the two services on different hosts: their full URLs (null: baseUrl + the test paths). */
    orderUrl: string | null;
    queryUrl: string | null;
    username: string;
    password: string;
    queryUsername: string;
    queryPassword: string;
    customerCode: string;
  };
  mng: { baseUrl: string | null; clientId: string; clientSecret: string; customerNumber: string; password: string };
}

export interface TrendyolWriteBackConfig {
  /** OMS_TRENDYOL_WRITEBACK (on by default, whenever Trendyol is reached); off: the generic channel write-back. */
  enabled: boolean;
  /** OMS_TRENDYOL_WRITEBACK_RATE: write-back activities per second on their task queue (default 10). */
  ratePerSecond: number;
  /** OMS_TRENDYOL_SELLER_CARGO: push the tracking number of a shipped order (seller-contracted cargo, §1.5.4 [M]). */
  sellerCargo: boolean;
  /** OMS_TRENDYOL_UNSUPPLIED_REASON: the reasonId for lines the OMS canceled (default 500, stock-out). */
  unsuppliedReasonId: number;
}

export interface ChannelWriteBackConfig {
  /** OMS_<CHANNEL>_WRITEBACK (on by default, whenever the channel is reached); off: the generic channel write-back. */
  enabled: boolean;
  /** OMS_<CHANNEL>_WRITEBACK_RATE: write-back activities per second on the channel's task queue. */
  ratePerSecond: number;
}

/** §3.2 [M]: n11's cancelReasonIds (61 stock-out, 62 defective, 63 wrong price, 64 force majeure, 65 other). */
export const N11_CANCEL_REASON_IDS = [61, 62, 63, 64, 65] as const;

export const TRENDYOL_UNSUPPLIED_REASON_IDS = [500, 501, 502, 504, 505, 506] as const;

export interface MarketplaceConnections {
  trendyol: {
    baseUrl: string | null;
    sellerId: string;
    apiKey: string;
    apiSecret: string;
    integrator: string;
    /** What Trendyol's webhook pushes authenticate with (the registration's BASIC_AUTHENTICATION or API_KEY). */
    webhook: { username: string; password: string; apiKey: string | null };
  };
  hepsiburada: {
    baseUrl: string | null;
    /** The orders host, oms-external (HEPSIBURADA_OMS_BASE_URL); null: the built-in simulator. */
    omsBaseUrl: string | null;
    merchantId: string;
    username: string;
    password: string;
    userAgent: string;
    /**
     * What HB's calls to the OMS's webhook routes authenticate with (the Basic pair given to HB by support ticket,
     * §2.6); null when HEPSIBURADA_WEBHOOK_USERNAME/_PASSWORD are not both set: the routes then refuse to serve.
     */
    webhook: { username: string; password: string } | null;
  };
  n11: { baseUrl: string | null; appKey: string; appSecret: string; integrator: string };
}

/** Thrown by loadConfig; the message lists every bad variable by name. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
  }
}

/** Temporal duration strings in the compact form the contract uses ('500ms', '30s', '30m', '48h', '14d'). */
export const DURATION_PATTERN = /^[1-9]\d*(ms|s|m|h|d)$/;

// Empty or blank variables count as unset: `PORT=` in a .env file should mean "default", not "invalid".
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

const port = z.coerce
  .number('must be a number')
  .int('must be an integer')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');
const duration = z
  .string()
  .trim()
  .regex(DURATION_PATTERN, 'must be a duration like "30m", "48h" or "14d" (units ms, s, m, h, d)');

function parseApiKeys(value: string, ctx: z.RefinementCtx): Record<string, string> {
  const keys: Record<string, string> = {};
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const eq = entry.indexOf('=');
    const channel = eq > 0 ? entry.slice(0, eq).trim() : '';
    const key = eq > 0 ? entry.slice(eq + 1).trim() : '';
    // Name the entry by position and channel, never echo a key: the message ends up in logs.
    const where = `entry ${index + 1}${channel ? ` (${channel})` : ''}`;
    if (eq <= 0) {
      ctx.addIssue({ code: 'custom', message: `${where} must be channel=key` });
      return;
    }
    if (!CHANNEL_PATTERN.test(channel)) {
      ctx.addIssue({ code: 'custom', message: `${where}: channel must be 1-32 characters of a-z, 0-9, _ or -` });
      return;
    }
    if (key.length < 8) {
      ctx.addIssue({ code: 'custom', message: `${where}: key must be at least 8 characters` });
      return;
    }
    if (keys[channel] !== undefined) ctx.addIssue({ code: 'custom', message: `channel "${channel}" is listed twice` });
    keys[channel] = key;
  });
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one channel=key' });
  return keys;
}

/**
 * per_unit: each fulfillment unit's share of a card authorization is captured when that unit ships (the rest is
 * voided when nothing is left to ship); once: the whole authorization is captured when the first unit ships.
 */
export const CAPTURE_MODES = ['per_unit', 'once'] as const;
export type CaptureMode = (typeof CAPTURE_MODES)[number];
/** Payment methods whose money can be authorized and captured later; marketplaces and cash on delivery collect on their own. */
export const CAPTURED_METHODS = ['card', 'bank_transfer'] as const;
export type CapturedMethod = (typeof CAPTURED_METHODS)[number];

/** `once` (every method) or `card=once,bank_transfer=per_unit` (per method; a method not named captures per unit). */
function parseCaptureModes(value: string, ctx: z.RefinementCtx): Record<CapturedMethod, CaptureMode> {
  const modes: Record<CapturedMethod, CaptureMode> = { card: 'per_unit', bank_transfer: 'per_unit' };
  const isMode = (v: string): v is CaptureMode => (CAPTURE_MODES as readonly string[]).includes(v);
  const trimmed = value.trim();
  if (!trimmed.includes('=')) {
    if (!isMode(trimmed)) ctx.addIssue({ code: 'custom', message: `must be one of ${CAPTURE_MODES.join(', ')}, or method=mode pairs like "card=once"` });
    else for (const method of CAPTURED_METHODS) modes[method] = trimmed;
    return modes;
  }
  trimmed.split(',').map((e) => e.trim()).filter(Boolean).forEach((entry, index) => {
    const [method = '', mode = ''] = entry.split('=').map((x) => x.trim());
    if (!(CAPTURED_METHODS as readonly string[]).includes(method)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1}: "${method}" is not a method with a capture (${CAPTURED_METHODS.join(', ')})` });
    } else if (!isMode(mode)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} (${method}): mode must be one of ${CAPTURE_MODES.join(', ')}` });
    } else {
      modes[method as CapturedMethod] = mode;
    }
  });
  return modes;
}

/** The most units one allocation may split an order into that OMS_MAX_FULFILLMENTS accepts. */
export const MAX_FULFILLMENTS_LIMIT = 20;

/**
 * `trendyol=main;hepsiburada=main|warehouse`: per channel, the location ids or kinds (`warehouse`, `store`) its orders
 * may be sourced from. `;` and `|` rather than `,` so the value reads like the rule it is.
 */
function parseChannelLocations(value: string, ctx: z.RefinementCtx): Record<string, string[]> {
  const rules: Record<string, string[]> = {};
  const entries = value
    .split(';')
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const eq = entry.indexOf('=');
    const channel = eq > 0 ? entry.slice(0, eq).trim() : '';
    const where = `entry ${index + 1}${channel ? ` (${channel})` : ''}`;
    if (eq <= 0) {
      ctx.addIssue({ code: 'custom', message: `${where} must be channel=location|location…, e.g. "trendyol=main"` });
      return;
    }
    if (!CHANNEL_PATTERN.test(channel)) {
      ctx.addIssue({ code: 'custom', message: `${where}: channel must be 1-32 characters of a-z, 0-9, _ or -` });
      return;
    }
    const locations = entry
      .slice(eq + 1)
      .split('|')
      .map((l) => l.trim());
    const bad = locations.find((l) => !LOCATION_PATTERN.test(l));
    if (bad !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${where}: "${bad}" is not a location id or kind (1-64 characters of A-Z, a-z, 0-9, ., _ or -; locations separated by |)`,
      });
      return;
    }
    if (rules[channel] !== undefined) {
      ctx.addIssue({ code: 'custom', message: `channel "${channel}" is listed twice` });
      return;
    }
    rules[channel] = [...new Set(locations)];
  });
  return rules;
}

/** The senders of signed callbacks, as OMS_CALLBACK_SECRETS names them. */
export const CALLBACK_SENDERS = ['payments', 'warehouse', ...CARRIERS] as const;

/** `payments=<secret>,yurtici=<secret>`: each sender's own HMAC secret, at least 16 characters; never echoed. */
function parseCallbackSecrets(value: string, ctx: z.RefinementCtx): Record<string, string> {
  const secrets: Record<string, string> = {};
  value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const eq = entry.indexOf('=');
      const sender = eq > 0 ? entry.slice(0, eq).trim() : '';
      const secret = eq > 0 ? entry.slice(eq + 1).trim() : '';
      const where = `entry ${index + 1}${sender ? ` (${sender})` : ''}`;
      if (!(CALLBACK_SENDERS as readonly string[]).includes(sender)) {
        ctx.addIssue({ code: 'custom', message: `${where} must be sender=secret with sender one of ${CALLBACK_SENDERS.join(', ')}` });
      } else if (secret.length < 16) {
        ctx.addIssue({ code: 'custom', message: `${where}: the secret must be at least 16 characters` });
      } else if (secrets[sender] !== undefined) {
        ctx.addIssue({ code: 'custom', message: `sender "${sender}" is listed twice` });
      } else {
        secrets[sender] = secret;
      }
    });
  return secrets;
}

/** `trendyol=2,n11=1`: units held back from each channel's feed. */
function parseBuffers(value: string, ctx: z.RefinementCtx): Record<string, number> {
  const buffers: Record<string, number> = {};
  value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const [channel = '', raw = ''] = entry.split('=').map((x) => x.trim());
      const n = Number(raw);
      if (!CHANNEL_PATTERN.test(channel) || raw === '' || !Number.isInteger(n) || n < 0 || n > 1_000_000) {
        ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be channel=units (a whole number 0-1000000), e.g. "trendyol=2"` });
        return;
      }
      buffers[channel] = n;
    });
  return buffers;
}

function fingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function parseOperatorKeys(value: string, ctx: z.RefinementCtx): OperatorKey[] {
  const keys: OperatorKey[] = [];
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    // `name=key` names the operator in the timeline; a bare key gets a stable name from its fingerprint.
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq).trim() : `key-${fingerprint(entry)}`;
    const key = eq > 0 ? entry.slice(eq + 1).trim() : entry;
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `entry ${index + 1}: name must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -`,
      });
    } else if (key.length < 8) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} (${name}): key must be at least 8 characters` });
    } else if (keys.some((k) => k.name === name)) {
      ctx.addIssue({ code: 'custom', message: `operator name "${name}" is listed twice` });
    } else {
      keys.push({ name, key });
    }
  });
  if (entries.length === 0) ctx.addIssue({ code: 'custom', message: 'must list at least one key' });
  return keys;
}

const envSchema = z.object({
  PORT: optional(port),
  DATABASE_URL: optional(
    z
      .string()
      .trim()
      .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgresql://, postgres:// or sqlite:'),
  ),
  TEMPORAL_ADDRESS: optional(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, e.g. "localhost:7233"'),
  ),
  TEMPORAL_NAMESPACE: optional(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, 'must be a namespace name'),
  ),
  TEMPORAL_UI_PORT: optional(port),
  OMS_TEMPORAL_UI_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://temporal.example.com' })),
  OMS_API_KEYS: optional(z.string().transform(parseApiKeys)),
  OMS_OPERATOR_KEYS: optional(z.string().transform(parseOperatorKeys)),
  OMS_WEBHOOK_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
  OMS_CALLBACK_SECRETS: optional(z.string().transform(parseCallbackSecrets)),
  OMS_BODY_LIMIT: optional(
    z
      .string()
      .trim()
      .regex(/^\d+(b|kb|mb)?$/i, 'must be a size like "100kb" or "1mb"'),
  ),
  OMS_DEFAULT_CARRIER: optional(z.enum(CARRIERS, `must be one of ${CARRIERS.join(', ')}`)),
  OMS_PAYMENT_TIMEOUT_CARD: optional(duration),
  OMS_PAYMENT_TIMEOUT_BANK_TRANSFER: optional(duration),
  OMS_PICK_SLA: optional(duration),
  OMS_TRACKING_WINDOW: optional(duration),
  OMS_RETURN_WINDOW: optional(duration),
  OMS_STEP_RETRY: optional(duration),
  OMS_SIM_FAULTS: optional(z.string()),
  OMS_UPDATE_TIMEOUT: optional(duration),
  OMS_MAX_PENDING_ORDERS: optional(z.coerce.number('must be a number').int('must be an integer').min(0, 'must be 0 (no limit) or more')),
  // 1 is refused rather than let the SDK raise it to 2 with a warning nobody reads.
  OMS_WORKER_CACHED_WORKFLOWS: optional(
    z.coerce
      .number('must be a number')
      .int('must be an integer')
      .refine((n) => n === 0 || n >= 2, 'must be 0 (no cache) or at least 2'),
  ),
  OMS_WORKER_STICKY_TIMEOUT: optional(duration),
  OMS_RATE_LIMIT: optional(
    z.coerce.number('must be a number').int('must be an integer').min(0, 'must be 0 (off) or more'),
  ),
  OMS_SQLITE_SYNCHRONOUS: optional(z.enum(['full', 'normal'], 'must be full or normal')),
  OMS_LOG_LEVEL: optional(z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`)),
  TEMPORAL_LOG_LEVEL: optional(z.enum(TEMPORAL_LOG_LEVELS, `must be one of ${TEMPORAL_LOG_LEVELS.join(', ')}`)),
  OMS_METRICS_TOKEN: optional(z.string().trim().min(16, 'must be at least 16 characters')),
  OMS_WORKER_METRICS_PORT: optional(port),
  OMS_TEMPORAL_METRICS_ADDRESS: optional(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port, e.g. "0.0.0.0:9465"'),
  ),
  OMS_MAX_FULFILLMENTS: optional(
    z.coerce
      .number('must be a number')
      .int('must be an integer')
      .min(1, `must be between 1 and ${MAX_FULFILLMENTS_LIMIT}`)
      .max(MAX_FULFILLMENTS_LIMIT, `must be between 1 and ${MAX_FULFILLMENTS_LIMIT}`),
  ),
  OMS_CHANNEL_LOCATIONS: optional(z.string().transform(parseChannelLocations)),
  OMS_CAPTURE_MODE: optional(z.string().transform(parseCaptureModes)),
  OMS_STOCK_FEED_CHANNELS: optional(
    z
      .string()
      .transform((v) => (v.trim() === 'none' ? [] : [...new Set(v.split(',').map((c) => c.trim()).filter((c) => c !== ''))]))
      .refine((list) => list.every((c) => (FEED_CHANNELS as readonly string[]).includes(c)), `must be channels among ${FEED_CHANNELS.join(', ')}, or none`),
  ),
  OMS_STOCK_BUFFER: optional(z.string().transform(parseBuffers)),
  OMS_STOCK_FEED_POLL: optional(duration),
  OMS_STOCK_RESYNC_INTERVAL: optional(duration),
  OMS_STOCK_RETRY: optional(duration),
  OMS_STOCK_LATE_SWEEP: optional(duration),
  OMS_TRENDYOL_WRITEBACK: optional(z.enum(['on', 'off'], 'must be on or off')),
  OMS_TRENDYOL_WRITEBACK_RATE: optional(
    z.coerce.number('must be a number').positive('must be more than 0 per second').max(1000, 'must be at most 1000 per second'),
  ),
  OMS_TRENDYOL_SELLER_CARGO: optional(z.enum(['on', 'off'], 'must be on or off')),
  OMS_TRENDYOL_UNSUPPLIED_REASON: optional(
    z.coerce
      .number('must be a number')
      .refine((n) => (TRENDYOL_UNSUPPLIED_REASON_IDS as readonly number[]).includes(n), `must be one of ${TRENDYOL_UNSUPPLIED_REASON_IDS.join(', ')}`),
  ),
  OMS_HEPSIBURADA_WRITEBACK: optional(z.enum(['on', 'off'], 'must be on or off')),
  OMS_HEPSIBURADA_WRITEBACK_RATE: optional(
    z.coerce.number('must be a number').positive('must be more than 0 per second').max(1000, 'must be at most 1000 per second'),
  ),
  OMS_N11_WRITEBACK: optional(z.enum(['on', 'off'], 'must be on or off')),
  OMS_N11_WRITEBACK_RATE: optional(
    z.coerce.number('must be a number').positive('must be more than 0 per second').max(16, 'must be at most 16 per second (n11 allows 1000 requests a minute)'),
  ),
  OMS_N11_CANCEL_REASON: optional(
    z.coerce
      .number('must be a number')
      .refine((n) => (N11_CANCEL_REASON_IDS as readonly number[]).includes(n), `must be one of ${N11_CANCEL_REASON_IDS.join(', ')}`),
  ),
  OMS_TRENDYOL_PULL_INTERVAL: optional(z.union([z.literal('off'), duration], 'must be a duration like "1m", or off')),
  OMS_CARRIER_CONNECTORS: optional(
    z
      .string()
      .transform((v) => (v.trim() === 'none' ? [] : [...new Set(v.split(',').map((c) => c.trim()).filter((c) => c !== ''))]))
      .refine((list) => list.every((c) => (CONNECTED_CARRIERS as readonly string[]).includes(c)), `must be carriers among ${CONNECTED_CARRIERS.join(', ')}, or none`),
  ),
  OMS_CARRIER_POLL_INTERVAL: optional(duration),
  OMS_CARRIER_SIM_PACE: optional(
    z
      .string()
      .transform((v, ctx) => {
        const parts = v.split(',').map((x) => x.trim());
        const ms = parts.map((x) => (/^\d+(ms|s|m|h)$/.test(x) ? msToNumber(x as Duration) : NaN));
        if (ms.length !== 3 || ms.some((n) => Number.isNaN(n)) || !(ms[0]! <= ms[1]! && ms[1]! <= ms[2]!)) {
          ctx.addIssue({ code: 'custom', message: 'must be three non-decreasing durations: picked up, in delivery, delivered (e.g. "2m,4m,8m")' });
          return z.NEVER;
        }
        return { pickedUp: ms[0]!, inDelivery: ms[1]!, delivered: ms[2]! };
      }),
  ),
  YURTICI_BASE_URL: optional(z.url('must be a URL, e.g. https://ws.yurticikargo.com')),
  YURTICI_USERNAME: optional(z.string().trim().min(1)),
  YURTICI_PASSWORD: optional(z.string().min(1)),
  YURTICI_COD_USERNAME: optional(z.string().trim().min(1)),
  YURTICI_COD_PASSWORD: optional(z.string().min(1)),
  ARAS_BASE_URL: optional(z.url('must be a URL, e.g. https://customerservicestest.araskargo.com.tr')),
  ARAS_ORDER_URL: optional(z.url('must be the order service URL (…/arascargoservice.asmx)')),
  ARAS_QUERY_URL: optional(z.url('must be the query service URL (…/ArasCargoIntegrationService.svc)')),
  ARAS_USERNAME: optional(z.string().trim().min(1)),
  ARAS_PASSWORD: optional(z.string().min(1)),
  ARAS_QUERY_USERNAME: optional(z.string().trim().min(1)),
  ARAS_QUERY_PASSWORD: optional(z.string().min(1)),
  ARAS_CUSTOMER_CODE: optional(z.string().trim().min(1)),
  MNG_BASE_URL: optional(z.url('must be a URL ending in /mngapi/api, e.g. https://testapi.mngkargo.com.tr/mngapi/api')),
  MNG_CLIENT_ID: optional(z.string().trim().min(1)),
  MNG_CLIENT_SECRET: optional(z.string().min(1)),
  MNG_CUSTOMER_NUMBER: optional(z.string().trim().min(1)),
  MNG_PASSWORD: optional(z.string().min(1)),
  TRENDYOL_BASE_URL: optional(z.url('must be a URL, e.g. https://apigw.trendyol.com/integration')),
  TRENDYOL_SELLER_ID: optional(z.string().trim().regex(/^\d{1,20}$/, 'must be the numeric seller id')),
  TRENDYOL_API_KEY: optional(z.string().trim().min(1)),
  TRENDYOL_API_SECRET: optional(z.string().trim().min(1)),
  TRENDYOL_WEBHOOK_USERNAME: optional(z.string().trim().min(1)),
  TRENDYOL_WEBHOOK_PASSWORD: optional(z.string().min(16, 'must be at least 16 characters')),
  TRENDYOL_WEBHOOK_API_KEY: optional(z.string().min(16, 'must be at least 16 characters')),
  TRENDYOL_INTEGRATOR: optional(z.string().trim().regex(/^[A-Za-z0-9]{1,30}$/, 'must be 1-30 letters or digits (the User-Agent suffix)')),
  HEPSIBURADA_BASE_URL: optional(z.url('must be a URL')),
  HEPSIBURADA_OMS_BASE_URL: optional(z.url('must be a URL, e.g. https://oms-external.hepsiburada.com')),
  HEPSIBURADA_WEBHOOK_USERNAME: optional(z.string().trim().min(1)),
  HEPSIBURADA_WEBHOOK_PASSWORD: optional(z.string().min(16, 'must be at least 16 characters')),
  OMS_HEPSIBURADA_PULL_INTERVAL: optional(z.union([z.literal('off'), duration], 'must be a duration like "1m", or off')),
  OMS_N11_PULL_INTERVAL: optional(z.union([z.literal('off'), duration], 'must be a duration like "1m", or off')),
  HEPSIBURADA_MERCHANT_ID: optional(z.string().trim().min(1)),
  HEPSIBURADA_USERNAME: optional(z.string().trim().min(1)),
  HEPSIBURADA_PASSWORD: optional(z.string().trim().min(1)),
  HEPSIBURADA_USER_AGENT: optional(z.string().trim().min(1)),
  N11_BASE_URL: optional(z.url('must be a URL, e.g. https://api.n11.com')),
  N11_APP_KEY: optional(z.string().trim().min(1)),
  N11_APP_SECRET: optional(z.string().trim().min(1)),
  N11_INTEGRATOR: optional(z.string().trim().min(1)),
  OMS_OWN_PRICE_CHANNELS: optional(
    z
      .string()
      // `none`: every channel sells at catalog prices (an empty variable means unset, as everywhere here)
      .transform((v) => (v.trim() === 'none' ? [] : v.split(',').map((c) => c.trim()).filter((c) => c !== '')))
      .refine((list) => list.every((c) => CHANNEL_PATTERN.test(c)), 'must be channel names separated by commas'),
  ),
});

/** Every variable loadConfig reads, for checks that a deployment (docker-compose.yml) sets only real ones. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

/** Reads and validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? '(environment)'),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  // The orders are on another host than the listings (§2.1): a real listing host with the simulator's orders would
  // pull nothing real and say nothing.
  if (e.HEPSIBURADA_BASE_URL !== undefined && e.HEPSIBURADA_OMS_BASE_URL === undefined && e.OMS_HEPSIBURADA_PULL_INTERVAL !== 'off') {
    throw new ConfigError([
      {
        variable: 'HEPSIBURADA_OMS_BASE_URL',
        message: 'must be set when HEPSIBURADA_BASE_URL is (orders are on oms-external), or set OMS_HEPSIBURADA_PULL_INTERVAL=off',
      },
    ]);
  }
  // The same for the write-back, which writes packages on oms-external.
  if (e.HEPSIBURADA_BASE_URL !== undefined && e.HEPSIBURADA_OMS_BASE_URL === undefined && e.OMS_HEPSIBURADA_WRITEBACK !== 'off') {
    throw new ConfigError([
      {
        variable: 'HEPSIBURADA_OMS_BASE_URL',
        message: 'must be set when HEPSIBURADA_BASE_URL is (packages are on oms-external), or set OMS_HEPSIBURADA_WRITEBACK=off',
      },
    ]);
  }
  const apiKeys = e.OMS_API_KEYS ?? { ...DEV_API_KEYS };
  const operatorKeys = e.OMS_OPERATOR_KEYS ?? [{ name: 'operator', key: DEV_OPERATOR_KEY }];

  // A key that is both a channel's and an operator's (or two channels') would make authorization ambiguous.
  const seen = new Map<string, string>();
  const clashes: { variable: string; message: string }[] = [];
  const claim = (key: string, owner: string, variable: string) => {
    const previous = seen.get(key);
    if (previous !== undefined) clashes.push({ variable, message: `${owner} reuses the key of ${previous}` });
    else seen.set(key, owner);
  };
  for (const [channel, key] of Object.entries(apiKeys)) claim(key, `channel ${channel}`, 'OMS_API_KEYS');
  for (const op of operatorKeys) claim(op.key, `operator ${op.name}`, 'OMS_OPERATOR_KEYS');
  if (clashes.length > 0) throw new ConfigError(clashes);

  return {
    port: e.PORT ?? 3000,
    databaseUrl: e.DATABASE_URL ?? DEFAULT_DATABASE_URL,
    sqliteSynchronous: e.OMS_SQLITE_SYNCHRONOUS ?? 'full',
    temporal: {
      address: e.TEMPORAL_ADDRESS ?? null,
      namespace: e.TEMPORAL_NAMESPACE ?? 'default',
      uiPort: e.TEMPORAL_UI_PORT ?? 8233,
      uiUrl:
        e.OMS_TEMPORAL_UI_URL?.replace(/\/+$/, '') ??
        (e.TEMPORAL_ADDRESS === undefined && (e.TEMPORAL_UI_PORT ?? 8233) > 0 ? `http://127.0.0.1:${e.TEMPORAL_UI_PORT ?? 8233}` : null),
    },
    apiKeys,
    operatorKeys,
    webhookSecret: e.OMS_WEBHOOK_SECRET ?? DEV_WEBHOOK_SECRET,
    callbackSecrets: e.OMS_CALLBACK_SECRETS ?? {},
    bodyLimit: e.OMS_BODY_LIMIT ?? '1mb',
    defaultCarrier: e.OMS_DEFAULT_CARRIER ?? 'yurtici',
    timers: {
      paymentTimeout: {
        card: e.OMS_PAYMENT_TIMEOUT_CARD ?? DEFAULT_TIMERS.paymentTimeout.card,
        bank_transfer: e.OMS_PAYMENT_TIMEOUT_BANK_TRANSFER ?? DEFAULT_TIMERS.paymentTimeout.bank_transfer,
      },
      pickSla: e.OMS_PICK_SLA ?? DEFAULT_TIMERS.pickSla,
      trackingWindow: e.OMS_TRACKING_WINDOW ?? DEFAULT_TIMERS.trackingWindow,
      returnWindow: e.OMS_RETURN_WINDOW ?? DEFAULT_TIMERS.returnWindow,
      stepRetry: e.OMS_STEP_RETRY ?? DEFAULT_TIMERS.stepRetry,
    },
    simFaults: e.OMS_SIM_FAULTS ?? '',
    rateLimit: { perMinute: e.OMS_RATE_LIMIT ?? DEFAULT_RATE_LIMIT_PER_MINUTE },
    // A jest run (it sets NODE_ENV=test on the process, whatever env the test passes) keeps to warnings, so a
    // passing suite prints no access log.
    logLevel: e.OMS_LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'warn' : 'info'),
    // The SDK's INFO lines (the bundler's webpack report, every worker state change) are start-up noise.
    temporalLogLevel: e.TEMPORAL_LOG_LEVEL ?? 'WARN',
    metrics: {
      token: e.OMS_METRICS_TOKEN ?? null,
      workerPort: e.OMS_WORKER_METRICS_PORT ?? DEFAULT_WORKER_METRICS_PORT,
      temporalAddress: e.OMS_TEMPORAL_METRICS_ADDRESS ?? null,
    },
    updateTimeoutMs: msToNumber((e.OMS_UPDATE_TIMEOUT ?? '10s') as Duration),
    maxPendingOrders: e.OMS_MAX_PENDING_ORDERS ?? 64,
    worker: {
      maxCachedWorkflows: e.OMS_WORKER_CACHED_WORKFLOWS ?? DEFAULT_WORKER_CACHED_WORKFLOWS,
      stickyQueueTimeoutMs: msToNumber((e.OMS_WORKER_STICKY_TIMEOUT ?? DEFAULT_WORKER_STICKY_TIMEOUT) as Duration),
    },
    ownPriceChannels: e.OMS_OWN_PRICE_CHANNELS ?? [...DEFAULT_OWN_PRICE_CHANNELS],
    sourcing: { maxUnits: e.OMS_MAX_FULFILLMENTS ?? DEFAULT_MAX_UNITS, channels: e.OMS_CHANNEL_LOCATIONS ?? {} },
    captureMode: e.OMS_CAPTURE_MODE ?? { card: 'per_unit', bank_transfer: 'per_unit' },
    trendyolPullMs: e.OMS_TRENDYOL_PULL_INTERVAL === 'off' ? null : msToNumber((e.OMS_TRENDYOL_PULL_INTERVAL ?? '1m') as Duration),
    hepsiburadaPullMs:
      e.OMS_HEPSIBURADA_PULL_INTERVAL === 'off' ? null : msToNumber((e.OMS_HEPSIBURADA_PULL_INTERVAL ?? '1m') as Duration),
    n11PullMs: e.OMS_N11_PULL_INTERVAL === 'off' ? null : msToNumber((e.OMS_N11_PULL_INTERVAL ?? '1m') as Duration),
    stockFeed: {
      channels: (e.OMS_STOCK_FEED_CHANNELS ?? [...FEED_CHANNELS]) as FeedChannel[],
      buffers: e.OMS_STOCK_BUFFER ?? {},
      pollMs: msToNumber((e.OMS_STOCK_FEED_POLL ?? '200ms') as Duration),
      resyncEveryMs: msToNumber((e.OMS_STOCK_RESYNC_INTERVAL ?? '6h') as Duration),
      retryFailedMs: msToNumber((e.OMS_STOCK_RETRY ?? '15m') as Duration),
      lateSweepMs: msToNumber((e.OMS_STOCK_LATE_SWEEP ?? '1m') as Duration),
    },
    trendyolWriteBack: {
      enabled: e.OMS_TRENDYOL_WRITEBACK !== 'off',
      ratePerSecond: e.OMS_TRENDYOL_WRITEBACK_RATE ?? 10,
      sellerCargo: e.OMS_TRENDYOL_SELLER_CARGO === 'on',
      unsuppliedReasonId: e.OMS_TRENDYOL_UNSUPPLIED_REASON ?? 500,
    },
    // [choice] Default rates: an HB push makes up to ~5 calls against 1000 req/s (§2.7), an n11 push up to ~5 against
    // 1000 req/min shared with the pull (§3.3), so n11's queue is held well under its allowance.
    hepsiburadaWriteBack: {
      enabled: e.OMS_HEPSIBURADA_WRITEBACK !== 'off',
      ratePerSecond: e.OMS_HEPSIBURADA_WRITEBACK_RATE ?? 20,
    },
    n11WriteBack: {
      enabled: e.OMS_N11_WRITEBACK !== 'off',
      ratePerSecond: e.OMS_N11_WRITEBACK_RATE ?? 2,
      cancelReasonId: e.OMS_N11_CANCEL_REASON ?? 61,
    },
    // Dev credentials for the built-in simulators; a real base URL needs the real ones beside it.
    marketplaces: {
      trendyol: {
        baseUrl: e.TRENDYOL_BASE_URL ?? null,
        sellerId: e.TRENDYOL_SELLER_ID ?? '100001',
        apiKey: e.TRENDYOL_API_KEY ?? 'dev-trendyol-api-key',
        apiSecret: e.TRENDYOL_API_SECRET ?? 'dev-trendyol-api-secret',
        integrator: e.TRENDYOL_INTEGRATOR ?? 'SelfIntegration',
        webhook: {
          username: e.TRENDYOL_WEBHOOK_USERNAME ?? 'trendyol-webhook',
          password: e.TRENDYOL_WEBHOOK_PASSWORD ?? 'dev-trendyol-webhook-password',
          apiKey: e.TRENDYOL_WEBHOOK_API_KEY ?? null,
        },
      },
      hepsiburada: {
        baseUrl: e.HEPSIBURADA_BASE_URL ?? null,
        omsBaseUrl: e.HEPSIBURADA_OMS_BASE_URL ?? null,
        merchantId: e.HEPSIBURADA_MERCHANT_ID ?? 'dev-merchant',
        username: e.HEPSIBURADA_USERNAME ?? 'dev-hepsiburada-user',
        password: e.HEPSIBURADA_PASSWORD ?? 'dev-hepsiburada-password',
        userAgent: e.HEPSIBURADA_USER_AGENT ?? 'dev-hepsiburada-user',
        // No dev default: a guessable pair would let anyone place orders as Hepsiburada.
        webhook:
          e.HEPSIBURADA_WEBHOOK_USERNAME !== undefined && e.HEPSIBURADA_WEBHOOK_PASSWORD !== undefined
            ? { username: e.HEPSIBURADA_WEBHOOK_USERNAME, password: e.HEPSIBURADA_WEBHOOK_PASSWORD }
            : null,
      },
      n11: {
        baseUrl: e.N11_BASE_URL ?? null,
        appKey: e.N11_APP_KEY ?? 'dev-n11-app-key',
        appSecret: e.N11_APP_SECRET ?? 'dev-n11-app-secret',
        integrator: e.N11_INTEGRATOR ?? 'oms',
      },
    },
    carriers: {
      connectors: (e.OMS_CARRIER_CONNECTORS ?? []) as Carrier[],
      pollMs: msToNumber((e.OMS_CARRIER_POLL_INTERVAL ?? '1m') as Duration),
      simPaceMs: e.OMS_CARRIER_SIM_PACE ?? { pickedUp: 2 * 60_000, inDelivery: 4 * 60_000, delivered: 8 * 60_000 },
      // Yurtiçi's published test account (sender pays); the built-in simulator knows it.
      yurtici: {
        baseUrl: e.YURTICI_BASE_URL ?? null,
        username: e.YURTICI_USERNAME ?? 'YKTEST',
        password: e.YURTICI_PASSWORD ?? 'YK',
        // §4.1: cash on delivery goes through an account of its own. [choice] The simulator's dev one by default;
        // against a real base URL only what is configured.
        cod:
          e.YURTICI_COD_USERNAME && e.YURTICI_COD_PASSWORD
            ? { username: e.YURTICI_COD_USERNAME, password: e.YURTICI_COD_PASSWORD }
            : e.YURTICI_BASE_URL
              ? null
              : { username: 'YKTESTCOD', password: 'YK' },
      },
      // Dev credentials the built-in simulators know; a real base URL needs the real ones beside it.
      aras: {
        baseUrl: e.ARAS_BASE_URL ?? null,
        orderUrl: e.ARAS_ORDER_URL ?? null,
        queryUrl: e.ARAS_QUERY_URL ?? null,
        username: e.ARAS_USERNAME ?? 'dev-aras-user',
        password: e.ARAS_PASSWORD ?? 'dev-aras-password',
        queryUsername: e.ARAS_QUERY_USERNAME ?? e.ARAS_USERNAME ?? 'dev-aras-query-user',
        queryPassword: e.ARAS_QUERY_PASSWORD ?? e.ARAS_PASSWORD ?? 'dev-aras-query-password',
        customerCode: e.ARAS_CUSTOMER_CODE ?? '1000001',
      },
      mng: {
        baseUrl: e.MNG_BASE_URL ?? null,
        clientId: e.MNG_CLIENT_ID ?? 'dev-mng-client-id',
        clientSecret: e.MNG_CLIENT_SECRET ?? 'dev-mng-client-secret',
        customerNumber: e.MNG_CUSTOMER_NUMBER ?? '100000001',
        password: e.MNG_PASSWORD ?? 'dev-mng-password',
      },
    },
    usingDevDefaults: {
      apiKeys: e.OMS_API_KEYS === undefined,
      operatorKeys: e.OMS_OPERATOR_KEYS === undefined,
      webhookSecret: e.OMS_WEBHOOK_SECRET === undefined,
      databaseUrl: e.DATABASE_URL === undefined,
      // Basic auth on the dev password (an API-key webhook alone does not use it, but the route still takes Basic).
      trendyolWebhook: e.TRENDYOL_WEBHOOK_PASSWORD === undefined,
    },
  };
}

/** Start-up banner lines for whatever still runs on dev defaults, so nobody ships them unknowingly. */
export function describeDevDefaults(config: AppConfig): string[] {
  const lines: string[] = [];
  if (config.usingDevDefaults.apiKeys) {
    lines.push('Using DEV channel keys (set OMS_API_KEYS to replace):');
    for (const [channel, key] of Object.entries(config.apiKeys)) lines.push(`  ${channel}: ${key}`);
  }
  if (config.usingDevDefaults.operatorKeys) {
    lines.push(`Using DEV operator key (set OMS_OPERATOR_KEYS to replace): ${DEV_OPERATOR_KEY}`);
  }
  if (config.usingDevDefaults.webhookSecret) {
    lines.push(`Using DEV webhook secret (set OMS_WEBHOOK_SECRET to replace): ${DEV_WEBHOOK_SECRET}`);
  }
  if (config.usingDevDefaults.trendyolWebhook) {
    const w = config.marketplaces.trendyol.webhook;
    lines.push(`Using DEV Trendyol webhook credentials (set TRENDYOL_WEBHOOK_USERNAME/_PASSWORD to replace): ${w.username}:${w.password}`);
  }
  return lines;
}
