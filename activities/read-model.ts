// The read model activity: the workflow pushes its OrderView here at every change; the API lists from it.
import { createHash } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { CallbackActivities, LatePaymentRecord, LatePaymentWrite, ReadModelActivities } from '../contract/activities';
import type { OrderReturn, OrderView, Shipment } from '../contract/types';
import { FailureType } from '../contract/workflow';
import { fromMinor, isMoney, toMinor } from '../domain/money';
import { claimEarlyPayments } from '../entities/callback-log';
import { StoreInputError } from '../entities/store';
import type { OmsORM } from '../entities/orm';
import { OrderLineRecord, OrderLocationRecord, OrderRecord, ReturnRecord, ShipmentRecord, TimelineRecord } from '../entities/read-model';

/** The activity's logger inside a worker (it carries the workflow and activity ids); the console when called directly. */
function log(): Pick<Console, 'warn'> {
  try {
    return Context.current().log;
  } catch {
    return console;
  }
}

function invalidInput(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: FailureType.InvalidInput, nonRetryable: true });
}

function isoDate(field: string, value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) throw invalidInput(`${field}: not an ISO date: ${String(value)}`);
  return date;
}

function optionalDate(field: string, value: string | undefined): Date | null {
  return value === undefined ? null : isoDate(field, value);
}

/** The singular field is the current one; it is normally also in the list, so de-duplicate by id. */
function allOf<T>(list: T[] | undefined, current: T | undefined, idOf: (item: T) => string): T[] {
  const items = [...(list ?? [])];
  if (current && !items.some((i) => idOf(i) === idOf(current))) items.push(current);
  return items;
}

/**
 * The columns the console's queue and search filter on, taken from the view (see entities/read-model.ts). Lenient on
 * purpose: they only index the view, so an odd `since` leaves the column empty rather than failing the write.
 */
function searchColumns(view: Pick<OrderView, 'attention' | 'customer'>) {
  const since = view.attention ? new Date(view.attention.since) : null;
  return {
    attentionStep: view.attention?.step ?? null,
    attentionSince: since !== null && !Number.isNaN(since.getTime()) ? since : null,
    customerEmail: view.customer?.email ? view.customer.email.toLowerCase() : null,
  };
}

/** A digest per child table of the order's rows: a table whose rows did not change is not rewritten. */
export type ChildrenDigest = Record<'lines' | 'locations' | 'shipments' | 'returns', string>;

function digestOf(rows: unknown[]): string {
  return createHash('sha1').update(JSON.stringify(rows)).digest('base64url').slice(0, 22);
}

/** The rows of the order's child tables (lines, locations, shipments, returns), as they are to be stored. */
function childRows(view: OrderView) {
  const orderId = view.id;
  const locations = [...new Set((view.fulfillments ?? []).map((f) => f.location))].map((location) => ({ orderId, location }));
  const lines = view.lines.map((line, lineNo) => ({
    orderId,
    lineNo,
    sku: line.sku,
    quantity: line.quantity,
    unitPrice: line.unitPrice,
    lineTotal: line.lineTotal,
    returnedQuantity: line.returnedQuantity ?? 0,
    refundedQuantity: line.refundedQuantity ?? 0,
  }));
  const shipments = allOf<Shipment>(view.shipments, view.shipment, (s) => s.shipmentId).map((s) => ({
    orderId,
    shipmentId: s.shipmentId,
    carrier: s.carrier,
    trackingNumber: s.trackingNumber,
    labelRef: s.labelRef,
    lastStatus: s.events.at(-1)?.status ?? null,
  }));
  const returns = allOf<OrderReturn>(view.returns, view.return, (r) => r.returnId).map((r, i) => ({
    orderId,
    returnId: r.returnId,
    reason: r.reason,
    source: r.source,
    returnCode: r.returnCode ?? null,
    requestedAt: isoDate(`returns[${i}].requestedAt`, r.requestedAt),
    receivedAt: optionalDate(`returns[${i}].receivedAt`, r.receivedAt),
    refundAmount: r.refund?.amount ?? null,
    lines: r.lines,
    refund: r.refund ?? null,
  }));
  const rows = { lines, locations, shipments, returns };
  const digest: ChildrenDigest = {
    lines: digestOf(lines),
    locations: digestOf(locations),
    shipments: digestOf(shipments),
    returns: digestOf(returns),
  };
  return { rows, digest };
}

/**
 * Rewrites the child tables whose rows changed since the digest stored with the row (`previous`; null: all of them),
 * then appends the timeline. Most writes of an order change one table or none (a status, a payment), and each table
 * left alone saves a delete and an insert.
 */
async function replaceChildren(em: SqlEntityManager, view: OrderView, children: ReturnType<typeof childRows>, previous: ChildrenDigest | null): Promise<void> {
  const orderId = view.id;
  const { rows, digest } = children;
  const changed = (table: keyof ChildrenDigest) => previous?.[table] !== digest[table];
  if (changed('lines')) {
    await em.nativeDelete(OrderLineRecord, { orderId });
    if (rows.lines.length > 0) await em.insertMany(OrderLineRecord, rows.lines);
  }
  if (changed('locations')) {
    await em.nativeDelete(OrderLocationRecord, { orderId });
    if (rows.locations.length > 0) await em.insertMany(OrderLocationRecord, rows.locations);
  }
  if (changed('shipments')) {
    await em.nativeDelete(ShipmentRecord, { orderId });
    if (rows.shipments.length > 0) await em.insertMany(ShipmentRecord, rows.shipments);
  }
  if (changed('returns')) {
    await em.nativeDelete(ReturnRecord, { orderId });
    if (rows.returns.length > 0) await em.insertMany(ReturnRecord, rows.returns);
  }
  await appendTimeline(em, orderId, view.timeline, 0);
}

/** Stores the timeline from entry `from` on. It only grows: entries already stored (same order, same seq) stay. */
async function appendTimeline(em: SqlEntityManager, orderId: string, timeline: OrderView['timeline'], from: number) {
  if (timeline.length <= from) return;
  await em
    .createQueryBuilder(TimelineRecord)
    .insert(
      timeline.slice(from).map((entry, i) => ({
        orderId,
        seq: from + i,
        at: isoDate(`timeline[${from + i}].at`, entry.at),
        type: entry.type,
        status: entry.status ?? null,
        detail: entry.detail ?? null,
        actor: entry.actor ?? null,
      })),
    )
    .onConflict(['orderId', 'seq'])
    .ignore()
    .execute('run');
}

/** Attention steps a late-payment settlement raises when it fails (workflows/late-payment.ts). */
const LATE_PAYMENT_STEPS = new Set(['late_payment_refund', 'late_payment_void']);

/** Payments whose settlement failed and has not succeeded since (a reset of the settlement can still settle them). */
function unsettledFailures(latePayments: NonNullable<OrderView['latePayments']>): string[] {
  const settled = new Set(latePayments.filter((p) => p.action !== 'failed').map((p) => p.eventId));
  return latePayments.filter((p) => p.action === 'failed' && !settled.has(p.eventId)).map((p) => p.eventId);
}

/**
 * The closed order's snapshot with one late payment's settlement added; `null` when it is already there. A
 * successful settlement clears the attention a failed one raised (R9: the operator fixed the cause and reset
 * the settlement), once no other late payment of the order is still unsettled.
 */
function withLatePayment(view: OrderView, args: LatePaymentRecord): OrderView | null {
  const { payment } = args;
  if ((view.latePayments ?? []).some((p) => p.key === payment.key)) return null;
  const refunded =
    args.refunded === undefined ? view.totals.refunded : fromMinor(toMinor(view.totals.refunded) + toMinor(args.refunded));
  const latePayments = [...(view.latePayments ?? []), payment];
  const entries = args.entries.map((e) => ({ at: payment.at, type: e.type, detail: e.detail, actor: 'system' }));
  let attention = args.attention ? { ...args.attention, since: payment.at } : view.attention;
  if (
    !args.attention &&
    attention !== undefined &&
    LATE_PAYMENT_STEPS.has(attention.step) &&
    unsettledFailures(latePayments).length === 0
  ) {
    entries.push({ at: payment.at, type: 'attention_cleared', detail: `${attention.step}: settled (event ${payment.eventId})`, actor: 'system' });
    attention = undefined;
  }
  return {
    ...view,
    paymentStatus: args.paymentStatus ?? view.paymentStatus,
    totals: { ...view.totals, refunded },
    needsAttention: attention !== undefined,
    attention,
    latePayments,
    timeline: [...view.timeline, ...entries],
    version: view.version + 1,
    updatedAt: payment.at,
  };
}

/** Builds the read-model activity; `orm` is the worker's shared ORM, forked per call. */
export function createReadModelActivities(orm: OmsORM): ReadModelActivities {
  return {
    /**
     * One transaction: a conditional upsert of the order row (`WHERE stored.version < new.version`)
     * decides; only when it wrote are the child rows replaced. Older, equal or replayed snapshots are
     * no-ops, so out-of-order or retried writes never move the read model backwards.
     */
    async recordOrder(view: OrderView): Promise<void> {
      if (typeof view?.id !== 'string' || view.id === '') throw invalidInput('id: required');
      if (!Number.isSafeInteger(view.version) || view.version < 0) {
        throw invalidInput(`version: must be a non-negative integer, got ${String(view.version)}`);
      }
      for (const field of ['subtotal', 'total', 'refunded'] as const) {
        const amount: unknown = view.totals?.[field];
        if (typeof amount !== 'string' || !isMoney(amount))
          throw invalidInput(`totals.${field}: not a money amount: ${String(amount)}`);
      }
      if (!Array.isArray(view.lines) || !Array.isArray(view.timeline))
        throw invalidInput('lines, timeline: must be arrays');
      view.lines.forEach((line, i) => {
        if (!isMoney(line.unitPrice) || !isMoney(line.lineTotal))
          throw invalidInput(`lines[${i}]: unitPrice and lineTotal must be money`);
      });
      const createdAt = isoDate('createdAt', view.createdAt);
      const updatedAt = isoDate('updatedAt', view.updatedAt);
      const children = childRows(view);
      await orm.em.fork().transactional(async (em) => {
        // Locked (PostgreSQL), so that the digest read is the one the rows hold when this write lands.
        const before = await em.findOne(
          OrderRecord,
          { id: view.id },
          { fields: ['childrenDigest'], lockMode: LockMode.PESSIMISTIC_WRITE, disableIdentityMap: true },
        );
        const written = await em
          .createQueryBuilder(OrderRecord)
          .insert({
            id: view.id,
            channel: view.channel,
            externalOrderId: view.externalOrderId,
            status: view.status,
            paymentStatus: view.paymentStatus,
            paymentMethod: view.paymentMethod,
            needsAttention: view.needsAttention === true,
            cancelReason: view.cancelReason ?? null,
            currency: view.totals.currency,
            subtotal: view.totals.subtotal,
            total: view.totals.total,
            refunded: view.totals.refunded,
            version: view.version,
            createdAt,
            updatedAt,
            ...searchColumns(view),
            childrenDigest: children.digest,
            view,
          })
          .onConflict('id')
          .merge()
          .where({ version: { $lt: view.version } })
          .execute('run');
        if (written.affectedRows === 0) return;
        await replaceChildren(em, view, children, before?.childrenDigest ?? null);
      }).catch((err: unknown) => {
        // a value the database cannot store (a NUL) fails the same way on every retry: say so for good
        if (err instanceof StoreInputError) throw invalidInput(err.message);
        throw err;
      });
    },

    /**
     * Read, add, write back only if nobody wrote in between (`WHERE version = read version`), else read again.
     * The order's workflow has ended, so the only other writers are settlements of other late events.
     */
    async recordLatePayment(args: LatePaymentRecord): Promise<LatePaymentWrite> {
      if (typeof args?.orderId !== 'string' || args.orderId === '') throw invalidInput('orderId: required');
      if (typeof args.payment?.key !== 'string' || args.payment.key === '') throw invalidInput('payment.key: required');
      const at = isoDate('payment.at', args.payment.at);
      if (args.refunded !== undefined && !isMoney(args.refunded))
        throw invalidInput(`refunded: not a money amount: ${String(args.refunded)}`);
      for (let attempt = 0; attempt < 10; attempt++) {
        const settled = await orm.em.fork().transactional(async (em): Promise<LatePaymentWrite | null> => {
          const row = await em.findOne(OrderRecord, { id: args.orderId }, { fields: ['view'] });
          if (!row) return { outcome: 'order_missing' };
          const view = row.view as OrderView;
          const next = withLatePayment(view, args);
          if (next === null) return { outcome: 'already_recorded' };
          const written = await em
            .createQueryBuilder(OrderRecord)
            .update({
              paymentStatus: next.paymentStatus,
              needsAttention: next.needsAttention,
              refunded: next.totals.refunded,
              ...searchColumns(next),
              version: next.version,
              updatedAt: at,
              view: next,
            })
            .where({ id: args.orderId, version: view.version })
            .execute('run');
          if (written.affectedRows === 0) return null;
          await appendTimeline(em, args.orderId, next.timeline, view.timeline.length);
          return { outcome: 'recorded' };
        });
        if (settled?.outcome === 'order_missing') {
          // R20: the money already went back; failing here would fail the settlement. The log line and the
          // settlement's own history are what is left to tell finance about it.
          log().warn('late payment settled for an order the read model does not hold; not written onto the order', {
            orderId: args.orderId,
            key: args.payment.key,
            action: args.payment.action,
            amount: args.payment.amount,
            entries: args.entries,
          });
        }
        if (settled) return settled;
      }
      throw new Error(`order ${args.orderId}: the read model kept changing under the late payment write; retrying`);
    },
  };
}

/** Builds the callback-log activity; `orm` is the worker's shared ORM, forked per call. */
export function createCallbackActivities(orm: OmsORM): CallbackActivities {
  return {
    /** One transaction: unmatched payment callbacks for the order become claimed (and matched), then all claimed ones are read. */
    async claimEarlyPayments({ orderId }) {
      if (typeof orderId !== 'string' || orderId === '') throw invalidInput('orderId: required');
      return claimEarlyPayments(orm.em.fork(), orderId);
    },
  };
}
