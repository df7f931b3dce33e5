// The carrier shipment book (integrations/carrier-gateway.ts) on the database, and what the tracking sweep and the
// operator view read of it.
import type { SqlEntityManager } from '@mikro-orm/sql';
import { raw } from '@mikro-orm/sql';
import type { CarrierTrackingView } from '../contract/store';
import type { Carrier } from '../contract/types';
import type { BookedShipment, CarrierShipmentBook } from '../integrations/carrier-gateway';
import { CarrierShipment, CarrierTrackingState, type ICarrierShipment } from './carrier-tracking';
import type { OmsORM } from './orm';

const booked = (row: ICarrierShipment): BookedShipment => ({
  carrier: row.carrier as Carrier,
  reference: row.reference,
  trackingNumber: row.trackingNumber,
  orderId: row.orderId,
  createdWith: row.createdWith,
  state: row.state,
});

export function createCarrierShipmentBook(orm: OmsORM): CarrierShipmentBook {
  const fork = () => orm.em.fork() as SqlEntityManager;
  return {
    async record(s) {
      const now = new Date();
      await fork()
        .createQueryBuilder(CarrierShipment)
        .insert({ ...s, state: 'open', status: 'label_created', needsReview: false, createdAt: now, updatedAt: now })
        .onConflict(['carrier', 'reference'])
        .ignore()
        .execute('run');
    },
    async find(carrier, reference) {
      const row = await fork().findOne(CarrierShipment, { carrier, reference }, { disableIdentityMap: true });
      return row ? booked(row) : null;
    },
    async findByTracking(carrier, trackingNumber) {
      const row = await fork().findOne(CarrierShipment, { carrier, trackingNumber }, { disableIdentityMap: true });
      return row ? booked(row) : null;
    },
    async openForOrder(carrier, orderId) {
      return (await fork().find(CarrierShipment, { carrier, orderId, state: 'open' }, { disableIdentityMap: true })).map(booked);
    },
    async markCanceled(carrier, reference) {
      await fork()
        .createQueryBuilder(CarrierShipment)
        .update({ state: 'canceled', status: 'canceled', updatedAt: new Date() })
        .where({ carrier, reference })
        .execute('run');
    },
  };
}

/** The open shipments of a carrier polled longest ago first (never polled first). */
export async function openShipmentsToPoll(orm: OmsORM, carrier: string, limit: number): Promise<ICarrierShipment[]> {
  const em = orm.em.fork() as SqlEntityManager;
  const never = await em.find(CarrierShipment, { carrier, state: 'open', lastPolledAt: null }, { limit, orderBy: { createdAt: 'asc' }, disableIdentityMap: true });
  if (never.length >= limit) return never;
  const polled = await em.find(
    CarrierShipment,
    { carrier, state: 'open', lastPolledAt: { $ne: null } },
    { limit: limit - never.length, orderBy: { lastPolledAt: 'asc' }, disableIdentityMap: true },
  );
  return [...never, ...polled];
}

export type ShipmentChange = Partial<
  Pick<ICarrierShipment, 'state' | 'status' | 'rawCode' | 'rawText' | 'statusAt' | 'lastEventId' | 'needsReview' | 'lastPolledAt'>
>;

export async function updateShipment(orm: OmsORM, carrier: string, reference: string, change: ShipmentChange): Promise<void> {
  await (orm.em.fork() as SqlEntityManager)
    .createQueryBuilder(CarrierShipment)
    .update({ ...change, updatedAt: new Date() })
    .where({ carrier, reference })
    .execute('run');
}

export async function noteTrackingSweep(
  orm: OmsORM,
  carrier: string,
  change: Partial<{ lastRunAt: Date; lastSuccessAt: Date; lastError: string | null; lastErrorAt: Date | null; lastQueried: number; lastSignalled: number }>,
): Promise<void> {
  await (orm.em.fork() as SqlEntityManager)
    .createQueryBuilder(CarrierTrackingState)
    .insert({ carrier, lastQueried: 0, lastSignalled: 0, ...change })
    .onConflict(['carrier'])
    .merge(change)
    .execute('run');
}

/** Per carrier with a protocol connector: the sweep's state and its open shipments. */
export async function listCarrierTracking(orm: OmsORM): Promise<CarrierTrackingView[]> {
  const em = orm.em.fork() as SqlEntityManager;
  const states = await em.find(CarrierTrackingState, {}, { orderBy: { carrier: 'asc' }, disableIdentityMap: true });
  const counts = await em
    .createQueryBuilder(CarrierShipment)
    .select(['carrier', raw('count(*) as n'), raw('sum(case when needs_review then 1 else 0 end) as r')])
    .where({ state: 'open' })
    .groupBy('carrier')
    .execute<{ carrier: string; n: number | string; r: number | string | null }[]>('all');
  return states.map((s) => {
    const c = counts.find((x) => x.carrier === s.carrier);
    return {
      carrier: s.carrier,
      lastRunAt: s.lastRunAt?.toISOString() ?? null,
      lastSuccessAt: s.lastSuccessAt?.toISOString() ?? null,
      lastError: s.lastError && s.lastErrorAt ? { message: s.lastError, at: s.lastErrorAt.toISOString() } : null,
      open: Number(c?.n ?? 0),
      needsReview: Number(c?.r ?? 0),
      lastSweep: { queried: s.lastQueried, signalled: s.lastSignalled },
    };
  });
}
