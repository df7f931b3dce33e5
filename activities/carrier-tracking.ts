// Carrier tracking by polling, for carriers that do not push (CONNECTORS.md §4, §6): one sweep queries a carrier's
// open shipments (entities/carrier-tracking.ts) in pages of what its protocol takes, and for each shipment whose
// normalized status changed hands the order one carrier event. The event's id is carrier + tracking number + status
// + the carrier's time of it, and it goes through the same per-sender log as the carrier's callbacks, so a poll and a
// callback of the same event reach the order once. Nothing changed: nothing signalled. A code the connector does not
// know keeps the last status and flags the shipment for review; delivered and back-at-sender close it.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CarrierTrackingActivities } from '../contract/activities';
import type { CarrierEvent } from '../contract/workflow';
import { CARRIER_EVENT_STATUSES, CARRIERS, type Carrier, type CarrierEventStatus } from '../contract/types';
import { noteTrackingSweep, openShipmentsToPoll, updateShipment, type ShipmentChange } from '../entities/carrier-queries';
import type { OmsORM } from '../entities/orm';
import { CarrierError, trackingEventId, type CarrierProtocol, type ShipmentTracking } from '../integrations/carrier-protocol';

export interface CarrierTrackingDeps {
  orm: OmsORM;
  protocols: Partial<Record<Carrier, CarrierProtocol>>;
  /** Hands one event to the order (as POST /callbacks/carriers/{carrier} does); `repeat`: it had it already. */
  deliver(orderId: string, event: CarrierEvent): Promise<'delivered' | 'unmatched' | 'repeat'>;
  /** At most this many shipments per sweep (the oldest polled first; the rest wait for the next sweep). */
  maxPerSweep?: number;
  now?: () => Date;
}

const SIGNALLED: readonly string[] = CARRIER_EVENT_STATUSES;
const CLOSING = new Set(['delivered', 'returned_to_sender']);

export function createCarrierTrackingActivities(deps: CarrierTrackingDeps): CarrierTrackingActivities {
  const now = deps.now ?? (() => new Date());
  return {
    async sweepCarrierTracking({ carrier: name }) {
      const carrier = (CARRIERS as readonly string[]).includes(name) ? (name as Carrier) : undefined;
      const protocol = carrier ? deps.protocols[carrier] : undefined;
      if (!carrier || !protocol) throw ApplicationFailure.nonRetryable(`no carrier connector is configured for "${name}"`, 'NoSuchCarrier');
      const ctx = Context.current();
      const total = { queried: 0, changed: 0, signalled: 0, closed: 0 };
      await noteTrackingSweep(deps.orm, carrier, { lastRunAt: now() });
      try {
        const open = await openShipmentsToPoll(deps.orm, carrier, deps.maxPerSweep ?? 2000);
        for (let i = 0; i < open.length; i += protocol.queryPageSize) {
          const page = open.slice(i, i + protocol.queryPageSize);
          const results = await protocol.queryShipments(page.map((s) => s.reference));
          for (const [n, row] of page.entries()) {
            const result = results[n];
            total.queried += 1;
            if (!result) continue;
            const outcome = await follow(deps, carrier, row, result, now());
            if (outcome.changed) total.changed += 1;
            if (outcome.signalled) total.signalled += 1;
            if (outcome.closed) total.closed += 1;
          }
          ctx.heartbeat({ done: i + page.length, of: open.length });
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        await noteTrackingSweep(deps.orm, carrier, { lastError: message, lastErrorAt: now() }).catch(() => undefined);
        // A refusal (credentials, a request the carrier will not take) does not heal by retrying this sweep; the
        // schedule's next one tries again and the error stays visible in GET /integrations meanwhile.
        if (err instanceof CarrierError && !err.retryable) throw ApplicationFailure.nonRetryable(message, `Carrier_${err.kind}`);
        throw err;
      }
      await noteTrackingSweep(deps.orm, carrier, { lastSuccessAt: now(), lastError: null, lastErrorAt: null, lastQueried: total.queried, lastSignalled: total.signalled });
      return total;
    },
  };
}

async function follow(
  deps: CarrierTrackingDeps,
  carrier: Carrier,
  row: { reference: string; trackingNumber: string; orderId: string; status: string },
  result: ShipmentTracking,
  at: Date,
): Promise<{ changed: boolean; signalled: boolean; closed: boolean }> {
  const raw = { rawCode: result.raw.code ?? null, rawText: result.raw.text ?? null };
  const polled: ShipmentChange = { lastPolledAt: at };
  if (result.status === 'unknown' || result.status === 'not_found') {
    // Keep the last known status; a person looks at the raw code (§4.4).
    await updateShipment(deps.orm, carrier, row.reference, { ...polled, ...raw, needsReview: true });
    return { changed: false, signalled: false, closed: false };
  }
  if (result.status === 'canceled') {
    await updateShipment(deps.orm, carrier, row.reference, { ...polled, ...raw, state: 'canceled', status: 'canceled', needsReview: false });
    return { changed: row.status !== 'canceled', signalled: false, closed: true };
  }
  if (result.status === row.status) {
    await updateShipment(deps.orm, carrier, row.reference, { ...polled, needsReview: false });
    return { changed: false, signalled: false, closed: false };
  }
  const statusAt = result.at ?? at.toISOString();
  const eventId = trackingEventId(carrier, row.trackingNumber, result.status, statusAt);
  let signalled = false;
  if (SIGNALLED.includes(result.status)) {
    const event: CarrierEvent = { eventId, carrier, trackingNumber: row.trackingNumber, status: result.status as CarrierEventStatus, at: statusAt };
    // Signalled before the new status is stored: a sweep that dies in between signals again, and the log drops it.
    signalled = (await deps.deliver(row.orderId, event)) === 'delivered';
  }
  const closed = CLOSING.has(result.status);
  await updateShipment(deps.orm, carrier, row.reference, {
    ...polled,
    ...raw,
    status: result.status,
    statusAt: new Date(statusAt),
    lastEventId: eventId,
    needsReview: false,
    ...(closed ? { state: 'closed' as const } : {}),
  });
  return { changed: true, signalled, closed };
}
