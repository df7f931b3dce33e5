// The order workflows' activity proxies (v2 and v3), one per retry group: bounded everywhere, so a step that keeps failing
// surfaces as needsAttention instead of hiding. Database steps and notifications are local activities (no round
// trip through the task queue); external systems stay regular activities: visible, rate-limited, any worker.
import { proxyActivities, proxyLocalActivities, proxySinks } from '@temporalio/workflow';
import type { OrderActivities } from '../../contract/activities';
import type { OmsSinks } from '../../contract/sinks';
import { FailureType } from '../../contract/workflow';

/** Types of failure that no retry can fix: the step waits for an operator at once, with no automatic retry. */
export const PERMANENT_FAILURES: readonly string[] = [FailureType.IntegrationRejected, FailureType.InvalidInput];

export const db = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '15s',
  // Past this backoff the retry waits on a timer, so the workflow task (and the answers it carries) is not held.
  localRetryThreshold: '2s',
  retry: {
    initialInterval: '200ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    maximumAttempts: 8,
    nonRetryableErrorTypes: [FailureType.InvalidInput],
  },
});

export const ext = proxyActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [FailureType.IntegrationRejected],
  },
});

/** Notifications and channel write-back: retried for up to about an hour, beside the order. */
export const background = proxyLocalActivities<OrderActivities>({
  startToCloseTimeout: '30s',
  localRetryThreshold: '1s',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '10m',
    maximumAttempts: 12,
    nonRetryableErrorTypes: [FailureType.IntegrationRejected],
  },
});

/** Metrics reported to the worker (not recorded in history, not called on replay). */
export const { metrics } = proxySinks<OmsSinks>();
