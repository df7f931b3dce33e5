// One pino logger per process: the API's access and error lines, the worker's activity lines and the workflows'
// `log` calls (through the Temporal Runtime logger) all end up in it as JSON lines, each carrying the requestId,
// workflowId and orderId it knows.
import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino';
import type { LogLevel as TemporalLogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/worker';
import type { Logger as ApiLogger } from '../api/errors';
import { currentRequest } from '../api/request-context';
import type { LogLevel } from './config';

export type { Pino };

/** The process logger at `level`; `destination` (default stdout) lets tests read the lines. */
export function createLogger(level: LogLevel, destination?: DestinationStream): Pino {
  return pino(
    {
      level,
      base: { service: 'oms' },
      timestamp: stdTimeFunctions.isoTime,
      // Level names, not numbers: collectors and people read `"level":"warn"` without a lookup table.
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => {
        const request = currentRequest();
        return request === undefined ? {} : { ...request };
      },
    },
    destination,
  );
}

/** The API's (message, meta) logger interface on top of pino. */
export function apiLogger(logger: Pino): ApiLogger {
  return {
    error: (message, meta) => logger.error(fields(meta), message),
    warn: (message, meta) => logger.warn(fields(meta), message),
    info: (message, meta) => logger.info(fields(meta), message),
  };
}

/** The order an SDK log line is about, from the workflow id (`order:<orderId>`, `late-payment:<orderId>:<eventId>`). */
export function orderIdOfWorkflow(workflowId: unknown): string | undefined {
  if (typeof workflowId !== 'string') return undefined;
  if (workflowId.startsWith('order:')) return workflowId.slice('order:'.length);
  if (workflowId.startsWith('late-payment:')) {
    // The order id is `<channel>:<externalOrderId>` (neither part has a colon); the event id follows.
    const [channel, external] = workflowId.slice('late-payment:'.length).split(':');
    return channel && external ? `${channel}:${external}` : undefined;
  }
  return undefined;
}

const SEVERITY: readonly TemporalLogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
const TEMPORAL_TO_PINO = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/**
 * The Temporal Runtime logger backed by pino: SDK lines (at `sdkLevel` and above), activity lifecycle lines
 * ("Activity failed" with its error at WARN, completions at DEBUG) and workflow `log` calls (which reach it
 * through the SDK's logger sink with workflowId, runId and workflowType attached). The orderId is derived here,
 * once, for all of them.
 */
export function temporalLogger(logger: Pino, sdkLevel: TemporalLogLevel = 'WARN'): TemporalLogger {
  const sdkThreshold = SEVERITY.indexOf(sdkLevel);
  const log = (level: TemporalLogLevel, message: string, meta?: LogMetadata) => {
    const attrs = fields(meta);
    // The SDK's own lines (worker, core) have their threshold; workflow and activity code's follow the logger's.
    const own = attrs.sdkComponent !== 'workflow' && attrs.sdkComponent !== 'activity';
    if (own && SEVERITY.indexOf(level) < sdkThreshold) return;
    // A task token completes the activity through the client: a credential, not a log attribute.
    delete attrs.taskToken;
    const orderId = orderIdOfWorkflow(attrs.workflowId);
    if (orderId !== undefined) attrs.orderId = orderId;
    logger[TEMPORAL_TO_PINO[level]](attrs, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/** String-keyed attributes only (the SDK adds a symbol timestamp); an `error` goes to pino's `err` serializer. */
function fields(meta: Record<string | symbol, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (meta === undefined) return out;
  for (const key of Object.keys(meta)) {
    if (key === 'error' && meta[key] instanceof Error) out.err = meta[key];
    else out[key] = meta[key];
  }
  return out;
}
