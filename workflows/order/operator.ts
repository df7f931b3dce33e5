// Operator waits: every place the order needs a person, as one list. A step that failed after its retries, an
// SLA or tracking alert, a fact an operator must look at (a second capture, a parcel that moved after a cancel):
// each is a wait with its own step name. The view shows the oldest wait that takes a command (`attention`);
// retry and skip go to that one. Steps also retry on their own, backing off to hours, so an outage that ends
// needs nobody; a failure no retry can fix (a refusal) waits for the operator only.
import { ApplicationFailure, CancellationScope, condition, isCancellation, log } from '@temporalio/workflow';
import { FailureType } from '../../contract/workflow';
import { durationMs } from '../../domain/payments';
import { PERMANENT_FAILURES, metrics } from './proxies';
import type { OrderState } from './state';

export interface OperatorCommand {
  kind: 'retry' | 'skip';
  actor: string;
  reason?: string | undefined;
}

export interface Wait {
  step: string;
  reason: string;
  since: string;
  /** Waiting for a command right now (a retry in progress is not). */
  open: boolean;
  /** A command given and not yet taken by the waiting flow. */
  command?: OperatorCommand | undefined;
  /** Commands this wait refuses, with the reason the operator is told (409). */
  refuse: { retry?: string | undefined; skip?: string | undefined };
  /** An alert must be handled by a person before the order may end; a step's wait ends when the step does. */
  alert: boolean;
}

export const SKIPPED = Symbol('skipped');
export type Skippable<T> = T | typeof SKIPPED;

/** Automatic retries of a failed step double from the order's `timers.stepRetry` up to this. */
const AUTO_RETRY_MAX_MS = 4 * 3600_000;
const AUTO_RETRY_DEFAULT_MS = 30_000;

export const conflict = (message: string) =>
  ApplicationFailure.create({ message, type: FailureType.StateConflict, nonRetryable: true });

export class OperatorDesk {
  readonly waits: Wait[] = [];

  constructor(private readonly s: OrderState) {}

  /**
   * The wait an operator's retry or skip goes to: the oldest one without a command. A step retrying on its own
   * takes a command too: it applies when that attempt fails, and is moot when it succeeds.
   */
  get target(): Wait | undefined {
    return this.waits.find((w) => w.command === undefined);
  }

  /** Some part of the order waits for an operator now. */
  get awaiting(): boolean {
    return this.waits.some((w) => w.open);
  }

  /** Raises (or, for a wait already raised, renews) needsAttention for `step`. */
  raise(step: string, reason: string, options: { refuse?: Wait['refuse']; alert?: boolean } = {}, existing?: Wait): Wait {
    const since = this.s.now();
    let wait = existing && this.waits.includes(existing) ? existing : undefined;
    if (wait) {
      wait.reason = reason;
      wait.since = since;
    } else {
      wait = { step, reason, since, open: false, refuse: options.refuse ?? {}, alert: options.alert ?? false };
      this.waits.push(wait);
    }
    this.s.log({ type: 'attention_raised', detail: `${step}: ${reason}` });
    metrics.attentionRaised(step, this.s.input.channel);
    log.warn('order needs attention', { orderId: this.s.orderId, step, reason });
    this.display();
    return wait;
  }

  /** Ends a wait: the step succeeded, was skipped, or the alert was handled. */
  resolve(wait: Wait, detail: string, actor?: string): void {
    const i = this.waits.indexOf(wait);
    if (i < 0) return;
    this.waits.splice(i, 1);
    this.s.log({ type: 'attention_cleared', detail, actor });
    this.display();
  }

  /** Ends every step wait (not alerts): the order is being canceled, so they are moot. */
  abandonSteps(actor: string): void {
    for (const wait of this.waits.filter((w) => !w.alert)) {
      this.resolve(wait, `${wait.step}: abandoned, the order is being canceled`, actor);
    }
  }

  /**
   * Waits for an operator's command on `wait`, for `alsoDone` to become true ('done'), or for `retryAfter` ms to
   * pass ('timeout': the caller retries on its own).
   */
  async wait(
    wait: Wait,
    options: { alsoDone?: () => boolean; retryAfter?: number | undefined } = {},
  ): Promise<OperatorCommand | 'done' | 'timeout'> {
    const alsoDone = options.alsoDone ?? (() => false);
    wait.open = true;
    this.display();
    try {
      const ready = () => wait.command !== undefined || alsoDone();
      const got = options.retryAfter === undefined ? (await condition(ready), true) : await condition(ready, options.retryAfter);
      if (!got) return 'timeout';
      const command = wait.command;
      wait.command = undefined; // always taken, so the operator's update can answer
      return alsoDone() || !command ? 'done' : command;
    } finally {
      wait.open = false;
      this.display();
    }
  }

  /** Validates an operator's retry or skip; returns the wait it goes to. */
  check(kind: OperatorCommand['kind']): Wait {
    const wait = this.target;
    if (!wait) throw conflict('the order is not waiting for an operator');
    const refusal = wait.refuse[kind];
    if (refusal) throw conflict(refusal);
    return wait;
  }

  private display(): void {
    const shown = this.target ?? this.waits[0];
    const before = this.s.order.attention;
    this.s.order.needsAttention = shown !== undefined;
    this.s.order.attention = shown ? { step: shown.step, reason: shown.reason, since: shown.since } : undefined;
    if (before?.step !== shown?.step || before?.since !== shown?.since) {
      this.s.searchAttributes();
      this.s.publish();
    }
  }
}

/** Runs operator-facing waits: steps, alerts and SLA waits, over one desk. */
export class Operator {
  private readonly alerts: Promise<void>[] = [];

  constructor(
    private readonly s: OrderState,
    readonly desk: OperatorDesk,
  ) {}

  /**
   * Runs a step; when it fails after its retries the order is flagged, retries on its own with a growing pause
   * (unless the failure is permanent), and an operator can retry or skip it at any time (cancel stays possible).
   * `refuseSkip` names why this step may not be skipped. Cancellation is never swallowed.
   */
  async step<T>(name: string, run: () => Promise<T>, options: { refuseSkip?: string } = {}): Promise<Skippable<T>> {
    let wait: Wait | undefined;
    let backoff = durationMs(this.s.input.timers.stepRetry ?? '') || AUTO_RETRY_DEFAULT_MS;
    for (;;) {
      try {
        const result = await run();
        if (wait) {
          wait.command = undefined; // an operator's command given meanwhile is moot: its update answers now
          this.desk.resolve(wait, `${name} succeeded`);
        }
        return result;
      } catch (err) {
        if (isCancellation(err)) throw err;
        wait = this.desk.raise(name, describe(err), { refuse: { skip: options.refuseSkip } }, wait);
        const outcome = await this.desk.wait(wait, { retryAfter: isPermanent(err) ? undefined : backoff });
        if (outcome === 'timeout' || outcome === 'done') {
          this.s.log({ type: 'auto_retry', detail: `${name} after ${Math.round(backoff / 1000)} s` });
          backoff = Math.min(backoff * 2, AUTO_RETRY_MAX_MS);
          continue;
        }
        if (outcome.kind === 'skip') {
          this.desk.resolve(wait, `${name} skipped: ${outcome.reason ?? ''}`, outcome.actor);
          return SKIPPED;
        }
        this.s.log({ type: 'operator_retry', detail: name, actor: outcome.actor });
      }
    }
  }

  /** Waits for `done`; past `deadline` raises needsAttention and keeps waiting, re-armed by an operator retry. */
  async waitWithAlert(name: string, reason: string, deadline: string, done: () => boolean): Promise<'done' | 'skipped'> {
    for (;;) {
      if (await condition(done, deadline)) return 'done';
      const wait = this.desk.raise(name, reason);
      const outcome = await this.desk.wait(wait, { alsoDone: done });
      if (outcome === 'done' || outcome === 'timeout') {
        this.desk.resolve(wait, `${name}: resolved`);
        return 'done';
      }
      if (outcome.kind === 'skip') {
        this.desk.resolve(wait, `${name} skipped: ${outcome.reason ?? ''}`, outcome.actor);
        return 'skipped';
      }
      this.desk.resolve(wait, `${name}: waiting again`, outcome.actor);
      this.s.log({ type: 'operator_retry', detail: name, actor: outcome.actor });
    }
  }

  /**
   * Raises an alert beside the flow: a fact a person must handle (skip with a reason once done). The flow goes
   * on; the order does not end before its alerts are handled.
   */
  alert(step: string, reason: string): void {
    const wait = this.desk.raise(step, reason, {
      alert: true,
      refuse: { retry: `${step} has nothing to retry: skip it with a reason once it is handled` },
    });
    this.alerts.push(
      CancellationScope.nonCancellable(async () => {
        for (;;) {
          const outcome = await this.desk.wait(wait);
          if (typeof outcome === 'object' && outcome.kind === 'skip') {
            this.desk.resolve(wait, `${step} handled: ${outcome.reason ?? ''}`, outcome.actor);
            return;
          }
        }
      }),
    );
  }

  /** Resolves once every alert was handled. */
  async alertsHandled(): Promise<void> {
    await Promise.all(this.alerts);
  }
}

/** A failure no automatic retry can fix (an integration's refusal, invalid input). */
function isPermanent(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && (e.nonRetryable || PERMANENT_FAILURES.includes(e.type ?? ''))) return true;
  }
  return false;
}

/** The innermost message of a failure (an ActivityFailure wraps the activity's own error). */
export function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : err.message;
  }
  return String(err);
}
