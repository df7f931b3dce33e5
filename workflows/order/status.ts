// Status changes and what follows each: search attributes, the read model, metrics, and — beside the order,
// retried on their own, never blocking it — the customer's notification and the channel's write-back.
import { CancellationScope, CancelledFailure, log } from '@temporalio/workflow';
import type { OrderStatus } from '../../contract/types';
import { canTransition } from '../../domain/order';
import { background, metrics } from './proxies';
import { describe } from './operator';
import type { OrderState } from './state';

export class Announcer {
  /** Notifications and write-backs in flight; the order waits for them before it ends. */
  readonly work: Promise<void>[] = [];

  constructor(private readonly s: OrderState) {}

  /**
   * Moves the order to `to`. An illegal move is a bug in this code, not a business outcome: a plain Error fails
   * the workflow task, which Temporal retries until a fixed worker is deployed, and nothing ends uncompensated.
   */
  setStatus(to: OrderStatus, detail?: string): void {
    if (!canTransition(this.s.order.status, to)) throw new Error(`illegal transition ${this.s.order.status} -> ${to}`);
    this.s.order.status = to;
    this.s.log({ type: 'status_changed', status: to, detail });
    this.announce(to, detail);
  }

  /** Search attributes, metrics, customer and channel learn of every status, `new` included. */
  announce(to: OrderStatus, detail?: string): void {
    const { s } = this;
    s.searchAttributes();
    s.publish();
    s.statusChanges += 1;
    // Keyed by the status and its place among the order's status changes: the same on every attempt of a workflow
    // task (the timeline length is not: a signal handled before a retried task shifts it).
    const key = `${s.orderId}:${to}:${s.statusChanges}`;
    const seq = s.statusChanges;
    metrics.statusEntered(to, s.input.channel);
    log.info('order status changed', { orderId: s.orderId, status: to });
    this.inBackground('notify_customer', () =>
      background.notifyCustomer({ key: `notify:${key}`, orderId: s.orderId, customer: s.input.customer, status: to, detail }),
    );
    this.inBackground('channel_write_back', () =>
      background.writeBackChannel({
        key: `channel:${key}`,
        orderId: s.orderId,
        channel: s.input.channel,
        externalOrderId: s.input.externalOrderId,
        status: to,
        seq,
      }),
    );
  }

  /** Throws a cancellation when a cancel was accepted: called before each forward step and status. */
  ensureNotCanceled(): void {
    if (this.s.canceling || CancellationScope.current().consideredCancelled) {
      throw new CancelledFailure('the order is being canceled');
    }
  }

  private inBackground(name: string, run: () => Promise<unknown>): void {
    this.work.push(
      CancellationScope.nonCancellable(async () => {
        try {
          await run();
        } catch (err) {
          this.s.log({ type: 'background_failed', detail: `${name}: ${describe(err)}` });
          this.s.publish();
        }
      }),
    );
  }
}
