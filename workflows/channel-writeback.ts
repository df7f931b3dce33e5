// The write-back queue of one marketplace account (`channel-writeback:trendyol`), for as long as the OMS runs: every
// order status change (and every canceled line) is signalled here by the writeBackChannel activity, and pushed to
// the marketplace by one `pushChannelStatus` activity per request on the channel's own task queue, whose worker is
// rate-limited to the marketplace's allowance. The queue is explicit state, carried through continueAsNew: requests
// are de-duplicated by key, an order's requests run one at a time in seq order (a seq not newer than the last one
// pushed is dropped: a newer push already brought the marketplace up to date), and different orders run side by side.
// A 429 is retried after the Retry-After the activity passes on (nextRetryDelay); other refusals end the request.
// Determinism: this file imports only @temporalio/workflow and the shared contract.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  proxySinks,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ChannelWriteBackActivities } from '../contract/activities';
import type { OmsSinks } from '../contract/sinks';
import {
  writeBackQueueQuery,
  writeBackRequestSignal,
  writeBackTaskQueue,
  type WriteBackQueueState,
  type WriteBackQueueView,
  type WriteBackRequest,
} from '../contract/workflow';

/** Orders pushed side by side; the task queue's rate limit is what bounds the marketplace's load. */
const CONCURRENCY = 8;
/** Keys remembered for de-duplication, and orders whose last seq is kept (the oldest are forgotten first). */
const MAX_SEEN = 5000;
const MAX_ORDERS = 5000;
const MAX_DONE = 50;

/** One marketplace account's write-back queue; never ends (continues as new with its pending requests). */
export async function channelWriteBackWorkflow(input: WriteBackQueueState): Promise<void> {
  const { pushChannelStatus } = proxyActivities<ChannelWriteBackActivities>({
    taskQueue: writeBackTaskQueue(input.channel),
    startToCloseTimeout: '2m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 30 },
  });
  const pending: WriteBackRequest[] = [...input.pending];
  const seen: string[] = [...input.seen];
  const seenSet = new Set(seen);
  const lastSeq = new Map(Object.entries(input.lastSeq));
  const inFlight = new Set<string>();
  const done: WriteBackQueueView['done'] = [];

  // Sinks are not recorded in history and not called on replay: the gauges cost running queues nothing.
  const { metrics } = proxySinks<OmsSinks>();
  const gauge = () => metrics.writeBackQueue(input.channel, pending.length, inFlight.size);

  const finished = (key: string, outcome: WriteBackQueueView['done'][number]['outcome'], detail: string) => {
    done.push({ key, outcome, detail, at: new Date().toISOString() });
    if (done.length > MAX_DONE) done.shift();
    metrics.writeBackFinished(input.channel, outcome);
    gauge();
  };

  setHandler(writeBackRequestSignal, (request) => {
    if (seenSet.has(request.key)) return;
    seenSet.add(request.key);
    seen.push(request.key);
    while (seen.length > MAX_SEEN) seenSet.delete(seen.shift()!);
    pending.push(request);
    gauge();
  });
  setHandler(writeBackQueueQuery, () => ({ pending: [...pending], inFlight: [...inFlight], done: [...done] }));

  /** The next request of an order with none in flight: the oldest order first, its lowest seq first. */
  const next = (): number => {
    let best = -1;
    for (let i = 0; i < pending.length; i++) {
      const r = pending[i]!;
      if (inFlight.has(r.orderId)) continue;
      if (best === -1) best = i;
      else if (pending[best]!.orderId === r.orderId && r.seq < pending[best]!.seq) best = i;
    }
    return best;
  };

  const run = async (request: WriteBackRequest): Promise<void> => {
    inFlight.add(request.orderId);
    gauge();
    try {
      const outcome = await pushChannelStatus(request);
      if (request.reason !== 'lines_canceled') {
        const newest = Math.max(request.seq, lastSeq.get(request.orderId) ?? 0);
        lastSeq.delete(request.orderId); // re-inserted last: the oldest orders are forgotten first
        lastSeq.set(request.orderId, newest);
        while (lastSeq.size > MAX_ORDERS) lastSeq.delete(lastSeq.keys().next().value!);
      }
      finished(request.key, 'pushed', outcome.steps.join('; ') || 'nothing to push');
    } catch (err) {
      // Retries are spent or the marketplace refused for good: the request is given up, the queue goes on.
      // An ActivityFailure says only that the activity failed; its cause says why.
      const detail = err instanceof Error ? ((err.cause instanceof Error ? err.cause.message : undefined) ?? err.message) : String(err);
      log.warn('channel write-back failed', { key: request.key, orderId: request.orderId, detail });
      finished(request.key, 'failed', detail);
    } finally {
      inFlight.delete(request.orderId);
    }
  };

  const suggested = () => workflowInfo().continueAsNewSuggested;
  gauge();
  for (;;) {
    await condition(() => (next() !== -1 && inFlight.size < CONCURRENCY) || (suggested() && inFlight.size === 0));
    if (suggested() && inFlight.size === 0) break;
    const [request] = pending.splice(next(), 1);
    if (!request) continue;
    const last = lastSeq.get(request.orderId);
    if (request.reason !== 'lines_canceled' && last !== undefined && request.seq <= last) {
      finished(request.key, 'dropped', `seq ${request.seq} is not newer than ${last}, already pushed`);
      continue;
    }
    void run(request);
  }
  await condition(allHandlersFinished);
  await continueAsNew<typeof channelWriteBackWorkflow>({
    channel: input.channel,
    pending,
    seen,
    lastSeq: Object.fromEntries(lastSeq),
  });
}
