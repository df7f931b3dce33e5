// The callback log: every signed callback, written before it is handed to its order, so a repeat of an event
// that already reached its order is answered without signalling again (R12), and a payment that arrived before
// its order existed can be claimed by the order once it is accepted.
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { CallbackSource } from '../contract/store';
import { PAYMENT_EVENT_TYPES, type PaymentEventType } from '../contract/types';
import type { PaymentEvent } from '../contract/workflow';
import { CallbackLog } from './read-model';

/** The callback log's sender name for payment provider events. */
export const PAYMENTS_SOURCE = 'payments';

/**
 * Inserts the event with `matched` unknown (null) unless the sender's event id is already logged; either way
 * answers what the log now holds for it, so a repeat of a delivered event can be acknowledged without a signal.
 */
export async function logCallback(
  em: SqlEntityManager,
  callback: { source: CallbackSource; eventId: string; orderId: string | null; payload: unknown },
): Promise<{ duplicate: boolean; matched: boolean | null }> {
  const res = await em
    .createQueryBuilder(CallbackLog)
    .insert({
      source: callback.source,
      eventId: callback.eventId,
      orderId: callback.orderId,
      matched: null,
      payload: callback.payload ?? null,
      receivedAt: new Date(),
    })
    .onConflict(['source', 'eventId'])
    .ignore()
    .execute('run');
  if (res.affectedRows > 0) return { duplicate: false, matched: null };
  const row = await em.findOne(
    CallbackLog,
    { source: callback.source, eventId: callback.eventId },
    { fields: ['matched'], disableIdentityMap: true },
  );
  return { duplicate: true, matched: row?.matched ?? null };
}

/**
 * Records whether the delivery reached its order. An event an order already claimed stays matched. Written as an
 * upsert, so a row removed by a racing failed delivery (forgetCallback) is put back rather than lost.
 */
export async function markCallback(
  em: SqlEntityManager,
  callback: { source: CallbackSource; eventId: string; orderId: string | null; payload: unknown; matched: boolean },
): Promise<void> {
  const inserted = await em
    .createQueryBuilder(CallbackLog)
    .insert({
      source: callback.source,
      eventId: callback.eventId,
      orderId: callback.orderId,
      matched: callback.matched,
      payload: callback.payload ?? null,
      receivedAt: new Date(),
    })
    .onConflict(['source', 'eventId'])
    .ignore()
    .execute('run');
  if (inserted.affectedRows > 0) return;
  const where = { source: callback.source, eventId: callback.eventId };
  await em
    .createQueryBuilder(CallbackLog)
    .update({ matched: callback.matched })
    .where(callback.matched ? where : { ...where, claimedAt: null })
    .execute('run');
}

/** Removes a logged event whose delivery failed before anything was known, so the sender's retry starts afresh. */
export async function forgetCallback(em: SqlEntityManager, callback: { source: CallbackSource; eventId: string }): Promise<void> {
  await em.nativeDelete(CallbackLog, { source: callback.source, eventId: callback.eventId, matched: null, claimedAt: null });
}

function isPaymentEventType(value: unknown): value is PaymentEventType {
  return typeof value === 'string' && (PAYMENT_EVENT_TYPES as readonly string[]).includes(value);
}

/** The PaymentEvent the API would have signalled for a logged payment callback (null when the payload is not one). */
function paymentEventOf(row: { eventId: string; payload: unknown; receivedAt: Date }): PaymentEvent | null {
  const body = (typeof row.payload === 'object' && row.payload !== null ? row.payload : {}) as Record<string, unknown>;
  if (!isPaymentEventType(body.type)) return null;
  return {
    eventId: row.eventId,
    type: body.type,
    amount: typeof body.amount === 'string' ? body.amount : undefined,
    currency: typeof body.currency === 'string' ? body.currency : undefined,
    at: typeof body.at === 'string' ? body.at : row.receivedAt.toISOString(),
  };
}

/**
 * Claims, in one transaction, the payment callbacks for `orderId` that never reached it (unmatched, or still being
 * delivered) and answers every payment event ever claimed for it, oldest first. Claiming marks them matched, so a
 * repeat from the provider is not signalled again. A second or concurrent call claims nothing new and answers the
 * same events: PostgreSQL's row locks make the loser wait for the winner's commit, SQLite's BEGIN IMMEDIATE
 * serialises them, and the answer is read after the claim.
 */
export async function claimEarlyPayments(em: SqlEntityManager, orderId: string): Promise<PaymentEvent[]> {
  return em.transactional(async (tx) => {
    await tx
      .createQueryBuilder(CallbackLog)
      .update({ claimedAt: new Date(), matched: true })
      .where({ source: PAYMENTS_SOURCE, orderId, claimedAt: null, $or: [{ matched: null }, { matched: false }] })
      .execute('run');
    const rows = await tx.find(
      CallbackLog,
      { source: PAYMENTS_SOURCE, orderId, claimedAt: { $ne: null } },
      { orderBy: { id: 'asc' }, fields: ['eventId', 'payload', 'receivedAt'], disableIdentityMap: true },
    );
    return rows.map(paymentEventOf).filter((e): e is PaymentEvent => e !== null);
  });
}
