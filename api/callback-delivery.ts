// How an outside event reaches its order, for the /callbacks routes and for the carriers' tracking sweep alike: both
// log it per sender and event id first, so a poll and a callback of the same carrier event are one delivery.
import type { CallbackRecord, OrderStore } from '../contract/store';
import { ApiError, type Logger } from './errors';
import type { SignalOutcome } from './gateway';
import type { ApiMetrics } from './metrics';
import { noteOrderId } from './request-context';

/** `repeat`: this sender's event already reached its order, it was not signalled again. */
export type DeliveryOutcome = 'delivered' | 'unmatched' | 'repeat';

export function createCallbackDelivery(deps: {
  store: Pick<OrderStore, 'logCallback' | 'markCallback' | 'forgetCallback'>;
  logger: Logger;
  metrics?: Pick<ApiMetrics, 'callbackHandled'> | undefined;
}) {
  const { store, logger } = deps;
  /**
   * Log first (matched unknown), then signal, then mark the outcome: a repeat that finds its event already
   * matched is acknowledged without signalling again, so a sender stuck retrying cannot grow the order's history.
   * A failed signal throws (the sender retries) and the row it logged is dropped again. An event the order
   * refused (an update's 409 or 400) stays logged as not matched, so a repeat is delivered and judged again.
   */
  return async function deliver(record: CallbackRecord, send: (orderId: string) => Promise<SignalOutcome>): Promise<DeliveryOutcome> {
    const logged = await store.logCallback(record);
    if (logged.matched === true) {
      logger.info('repeated callback already delivered, not signalled again', { source: record.source, eventId: record.eventId });
      return 'repeat';
    }
    let outcome: SignalOutcome = 'not_found';
    if (record.orderId !== null) {
      try {
        outcome = await send(record.orderId);
      } catch (err) {
        if (err instanceof ApiError && (err.code === 'conflict' || err.code === 'bad_request')) {
          await store.markCallback({ ...record, matched: false });
          noteOrderId(record.orderId);
          deps.metrics?.callbackHandled(record.source, 'refused');
          throw err;
        }
        if (!logged.duplicate) await store.forgetCallback(record).catch(() => undefined);
        throw err;
      }
    }
    const matched = outcome === 'delivered';
    await store.markCallback({ ...record, matched });
    if (record.orderId !== null) noteOrderId(record.orderId);
    deps.metrics?.callbackHandled(record.source, !matched ? 'unmatched' : logged.duplicate ? 'duplicate' : 'delivered');
    if (!matched) logger.info('unmatched callback stored', { source: record.source, eventId: record.eventId, orderId: record.orderId });
    return matched ? 'delivered' : 'unmatched';
  };
}
