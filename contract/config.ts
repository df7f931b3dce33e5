import type { OrderTimers } from './types';

/** Spec defaults; each is overridable by environment (see workers/config.ts). */
export const DEFAULT_TIMERS: OrderTimers = {
  paymentTimeout: { card: '30m', bank_transfer: '48h' },
  pickSla: '24h',
  trackingWindow: '7d',
  returnWindow: '14d',
  stepRetry: '30s',
};
