// One error type with a closed set of codes, mapped to HTTP status in one middleware, so every
// failure reaches the client in the same body shape and no internals leak on a 500.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { StoreConflictError } from '../contract/store';
import { isDatabaseUnavailable } from './db-faults';

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_signature: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

/** One bad field: `path` is dotted from the body (or query/params) root, e.g. `lines.0.quantity`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Seconds a client is told to wait (Retry-After) before repeating a request that got 503. */
export const DEFAULT_RETRY_AFTER_SECONDS = 2;

/** The only error the API answers with; anything else becomes `internal` after being logged. */
export class ApiError extends Error {
  override name = 'ApiError';
  /** Sent as Retry-After with a 503: how long the condition is expected to last. */
  readonly retryAfterSeconds: number | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** A 400 naming each bad field, the shape clients parse to highlight their inputs. */
  static validation(problems: FieldProblem[]): ApiError {
    const summary = problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    return new ApiError('validation_failed', `Invalid request: ${summary}`, problems);
  }
}

export interface Logger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
}

/** JSON lines on stderr/stdout: enough for a container log collector, no dependency. */
export const consoleLogger: Logger = {
  error: (message, meta) => console.error(JSON.stringify({ level: 'error', message, ...meta })),
  warn: (message, meta) => console.warn(JSON.stringify({ level: 'warn', message, ...meta })),
  info: (message, meta) => console.log(JSON.stringify({ level: 'info', message, ...meta })),
};

interface BodyParserError {
  type: string;
  status: number;
  limit?: number;
}

function isBodyParserError(err: unknown): err is BodyParserError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as { type?: unknown }).type === 'string' &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}

/** Messages of `err` and the errors it wraps, outermost first: the log names the real cause, not a wrapper. */
export function causeChain(err: unknown): string | undefined {
  const messages: string[] = [];
  let current: unknown = err;
  // Duck-typed: errors from node's builtins may come from another realm (and fail `instanceof Error`).
  for (let depth = 0; depth < 6 && typeof current === 'object' && current !== null; depth += 1) {
    const { message, cause } = current as { message?: unknown; cause?: unknown };
    if (typeof message === 'string' && message !== '' && !messages.includes(message)) messages.push(message);
    current = cause;
  }
  return messages.length > 0 ? messages.join(' <- ') : undefined;
}

/** Known failures from the HTTP layer, the store and Temporal; null for the unexpected. */
function classify(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreConflictError) return new ApiError('conflict', err.message);
  if (isBodyParserError(err)) {
    switch (err.type) {
      case 'entity.parse.failed':
        return new ApiError('invalid_json', 'The request body is not valid JSON');
      case 'entity.too.large':
        return new ApiError(
          'payload_too_large',
          `The request body exceeds the limit${err.limit !== undefined ? ` of ${err.limit} bytes` : ''}`,
        );
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return new ApiError('unsupported_media_type', 'Unsupported body encoding or charset');
      default:
        if (err.status >= 400 && err.status < 500)
          return new ApiError('bad_request', 'The request body could not be read');
    }
  }
  // Any other error that carries a client-error status, e.g. the router's URIError for a path param like `%ZZ`.
  const { status, statusCode } = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const httpStatus = typeof status === 'number' ? status : statusCode;
  if (typeof httpStatus === 'number' && httpStatus >= 400 && httpStatus < 500) {
    const message = err instanceof URIError ? 'The request path is not valid percent-encoding' : 'Bad request';
    return new ApiError('bad_request', message);
  }
  // Matched by name, not class, so the API does not import the ORM layer to recognise its errors.
  const name = err instanceof Error ? err.name : '';
  if (name === 'InvalidCursorError') {
    return ApiError.validation([{ path: 'cursor', message: 'is not a cursor returned by this API' }]);
  }
  if (name === 'StoreInputError') return new ApiError('bad_request', (err as Error).message);
  if (isDatabaseUnavailable(err)) {
    return new ApiError('unavailable', 'The database is unavailable; try again shortly', undefined, { cause: err });
  }
  // Dependency outages that slipped past the gateway / store translation still deserve a 503, not a 500.
  if (
    name === 'ConnectionException' ||
    name === 'ServiceError' ||
    name === 'WorkflowUpdateRPCTimeoutOrCancelledError'
  ) {
    return new ApiError('unavailable', 'A dependency is unavailable; try again shortly');
  }
  return null;
}

/** The single error middleware: maps to status, logs what is unexpected, never leaks internals. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let apiError = classify(err);
    if (apiError === null) {
      logger.error('unhandled error', {
        method: req.method,
        path: req.originalUrl,
        error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
      });
      apiError = new ApiError('internal', 'Internal server error');
    } else if (apiError.code === 'unavailable' || apiError.code === 'internal') {
      logger.warn(apiError.message, {
        method: req.method,
        path: req.originalUrl,
        cause: causeChain(apiError.cause ?? (err === apiError ? undefined : err)),
      });
    }
    if (apiError.status === 503) {
      res.setHeader('Retry-After', String(apiError.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS));
    }
    const body: { code: ErrorCode; message: string; details?: unknown } = {
      code: apiError.code,
      message: apiError.message,
    };
    if (apiError.details !== undefined) body.details = apiError.details;
    res.status(apiError.status).json({ error: body });
  };
}

/** Unknown route: 404 in the error shape rather than Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new ApiError('not_found', `No route for ${req.method} ${req.path}`));
};
