// The read model follows the order, one write at a time, newest snapshot wins. A write that keeps failing does not
// stop the order, but it does not stay silent either: after a few rounds the order raises needsAttention with the
// cause (visible in the Temporal UI's NeedsAttention even while the database is down) and backs off to hours, so
// a long outage adds a bounded number of events to the history. The next successful write clears the flag.
import { CancellationScope, condition, sleep } from '@temporalio/workflow';
import { db } from './proxies';
import { describe, type OperatorDesk, type Wait } from './operator';
import type { OrderState } from './state';

/** Failed rounds (each one local activity with its own retries) before the order is flagged. */
const ROUNDS_BEFORE_ATTENTION = 3;
const FIRST_PAUSE_MS = 60_000;
const MAX_PAUSE_MS = 4 * 3600_000;

/** Starts the writer; it returns once the order is finished and its last version is written. */
export function startReadModelWriter(s: OrderState, desk: OperatorDesk): Promise<void> {
  return CancellationScope.nonCancellable(async () => {
    let failures = 0;
    let pause = FIRST_PAUSE_MS;
    let wait: Wait | undefined;
    for (;;) {
      await condition(() => s.persistedVersion < s.publishedVersion || s.finished);
      if (s.finished) s.publish();
      if (s.persistedVersion >= s.order.version) return;
      const snapshot = s.view();
      try {
        await db.recordOrder(snapshot);
        s.persistedVersion = snapshot.version;
        failures = 0;
        pause = FIRST_PAUSE_MS;
        if (wait) {
          desk.resolve(wait, 'read_model: written again');
          wait = undefined;
        }
      } catch (err) {
        failures += 1;
        if (failures >= ROUNDS_BEFORE_ATTENTION) {
          wait = desk.raise(
            'read_model',
            `the order cannot be written to the read model: ${describe(err)}`,
            { refuse: { skip: 'the read model must be written: fix the cause, then retry (or wait: it retries on its own)' } },
            wait,
          );
          // An operator's retry tries at once; otherwise the next round comes after the pause.
          await desk.wait(wait, { retryAfter: pause });
          pause = Math.min(pause * 2, MAX_PAUSE_MS);
        } else {
          await sleep(pause);
        }
      }
    }
  });
}
