// One sweep of a carrier's tracking, started by that carrier's Temporal Schedule (id `carrier-tracking:<carrier>`,
// created by the worker; overlap SKIP, so a slow sweep is never run twice at once). What the carrier last said of
// each shipment lives in the database, not here: a sweep carries no cursor, and a restart loses nothing.
// Determinism: this file imports only @temporalio/workflow and the shared contract.
import { proxyActivities } from '@temporalio/workflow';
import type { CarrierTrackingActivities } from '../contract/activities';

const { sweepCarrierTracking } = proxyActivities<CarrierTrackingActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 5 },
});

export async function carrierTrackingWorkflow(input: { carrier: string }): Promise<{ queried: number; changed: number; signalled: number; closed: number }> {
  return sweepCarrierTracking({ carrier: input.carrier });
}
