// The Trendyol package pull, for as long as the OMS runs: every `intervalMs` one activity reads what changed since
// the last pull (activities/channel-pull.ts) and places what makes an order; the watermark it returns is kept here
// and carried through continueAsNew, so a restart (of a worker, of the whole OMS) goes on from it.
// Determinism: this file imports only @temporalio/workflow and the shared contract.
import { continueAsNew, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ChannelPullActivities, MarketplacePullActivities } from '../contract/activities';

const { pullTrendyolPackages } = proxyActivities<ChannelPullActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export interface PullInput {
  /** Epoch ms up to which packages have been read; null: the stream's whole window. */
  watermark: number | null;
  intervalMs: number;
}

export async function trendyolPullWorkflow(input: PullInput): Promise<void> {
  let watermark = input.watermark;
  for (let round = 0; round < 500 && !workflowInfo().continueAsNewSuggested; round++) {
    const pulled = await pullTrendyolPackages({ since: watermark });
    watermark = pulled.until;
    await sleep(input.intervalMs);
  }
  await continueAsNew<typeof trendyolPullWorkflow>({ ...input, watermark });
}

// Hepsiburada's and n11's pulls: the same loop as Trendyol's, each its own workflow type (so Trendyol's histories
// replay unchanged) and its own activity. Kept as separate functions, not one generic loop, for the same reason.
const { pullHepsiburadaOrders, pullN11Packages } = proxyActivities<MarketplacePullActivities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Pulls Hepsiburada's paid lines "to pack" every `intervalMs` for as long as the OMS runs (id order-pull:hepsiburada). */
export async function hepsiburadaPullWorkflow(input: PullInput): Promise<void> {
  let watermark = input.watermark;
  for (let round = 0; round < 500 && !workflowInfo().continueAsNewSuggested; round++) {
    const pulled = await pullHepsiburadaOrders({ since: watermark });
    watermark = pulled.until;
    await sleep(input.intervalMs);
  }
  await continueAsNew<typeof hepsiburadaPullWorkflow>({ ...input, watermark });
}

/** Pulls n11's Created and Picking packages every `intervalMs` for as long as the OMS runs (id order-pull:n11). */
export async function n11PullWorkflow(input: PullInput): Promise<void> {
  let watermark = input.watermark;
  for (let round = 0; round < 500 && !workflowInfo().continueAsNewSuggested; round++) {
    const pulled = await pullN11Packages({ since: watermark });
    watermark = pulled.until;
    await sleep(input.intervalMs);
  }
  await continueAsNew<typeof n11PullWorkflow>({ ...input, watermark });
}
