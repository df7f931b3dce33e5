// The API's public surface for the process entry points, the bench and the tests.
export { createApp, API_VERSION } from './app';
export { startApiServer, type RunningApi } from './server';
export type { ApiDeps } from './deps';
export { createTemporalGateway, type OrderGateway, type SignalOutcome } from './gateway';
export { ApiError, ERROR_STATUS, consoleLogger, type ErrorCode, type Logger } from './errors';
export { signCallback, verifyCallbackSignature, SIGNATURE_HEADER, SIGNATURE_TOLERANCE_SECONDS } from './signature';
export { buildOpenApiDocument } from './openapi';
