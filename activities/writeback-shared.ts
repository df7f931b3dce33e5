// What every marketplace's write-back mapping reads the same way: has the order reached a status, which units did
// the OMS cancel, and how a channel refusal is handed to the retry policy.
import { ApplicationFailure } from '@temporalio/common';
import type { OrderView } from '../contract/types';
import { ChannelError } from '../integrations/stock-feed';

/** Has the order ever been in `status` (the read model's timeline)? `new` every order has been. */
export function reached(view: OrderView, status: string): boolean {
  return status === 'new' || view.status === status || view.timeline.some((e) => e.type === 'status_changed' && e.status === status);
}

/** Units per SKU the OMS will never ship. An order without quantity buckets (v1/v2) cancels whole or not at all. */
export function canceledBySku(view: OrderView): Map<string, number> {
  const out = new Map<string, number>();
  // Canceled by the marketplace (its customer, itself): its packages say so already; nothing to give up.
  if (view.status === 'canceled' && view.cancelReason === 'channel_request') return out;
  for (const line of view.lines) {
    const canceled = line.quantities?.canceled ?? (view.status === 'canceled' ? line.quantity : 0);
    if (canceled > 0) out.set(line.sku, (out.get(line.sku) ?? 0) + canceled);
  }
  return out;
}

/** A channel refusal as the retry policy should see it: 429/5xx retried (after Retry-After when sent), the rest not. */
export function asFailure(err: unknown): unknown {
  if (!(err instanceof ChannelError)) return err;
  if (err.retryable) {
    return ApplicationFailure.create({
      message: err.message,
      type: `Channel_${err.kind}`,
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
    });
  }
  return ApplicationFailure.nonRetryable(err.message, `Channel_${err.kind}`);
}

export const isRefusal = (err: unknown): err is ChannelError => err instanceof ChannelError && err.kind === 'rejected';

