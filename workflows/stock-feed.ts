// One channel account's stock feed, for as long as the OMS runs: the feed itself is a long-running activity
// (activities/stock-feed.ts: rounds every few hundred ms, heartbeating) that returns every few minutes; this workflow
// starts the next one, forever, and rolls over with continueAsNew before its history grows long. A worker that dies
// loses its activity to the heartbeat timeout and another worker takes the feed over; one workflow per account (its
// id) means one feed per account however many workers run.
// Determinism: this file imports only @temporalio/workflow and the shared contract.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StockFeedActivities } from '../contract/activities';

const { runStockFeed } = proxyActivities<StockFeedActivities>({
  // A run lasts minutes (the activity's own bound); the heartbeat is what notices a dead worker.
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/** Feeds `account` until cancelled. */
export async function stockFeedWorkflow(input: { account: string }): Promise<void> {
  for (let run = 0; run < 100 && !workflowInfo().continueAsNewSuggested; run++) {
    await runStockFeed(input.account);
  }
  await continueAsNew<typeof stockFeedWorkflow>(input);
}
