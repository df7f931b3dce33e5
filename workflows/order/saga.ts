// The order's saga: each side effect's compensation is pushed before the forward step runs (compensations are
// idempotent no-ops when nothing was done, and each waits for its forward attempt to settle), and unwound newest
// first, inside a non-cancellable scope, each as an operator-visible step.
import { CancellationScope } from '@temporalio/workflow';
import { metrics } from './proxies';
import { SKIPPED, type Operator } from './operator';
import type { OrderState } from './state';

export interface Compensation {
  name: string;
  run: () => Promise<unknown>;
  /** Why an operator may not skip this compensation (a stock release: the units would stay reserved). */
  refuseSkip?: string | undefined;
}

export class Saga {
  private readonly compensations: Compensation[] = [];

  constructor(
    private readonly s: OrderState,
    private readonly operator: Operator,
  ) {}

  push(...compensations: Compensation[]): void {
    this.compensations.push(...compensations);
  }

  /** Drops the newest compensation (its forward step turned out to have done nothing). */
  pop(): void {
    this.compensations.pop();
  }

  /** Past shipping nothing is compensated: a shipped order is returned, not canceled. */
  clear(): void {
    this.compensations.length = 0;
  }

  /** Runs every compensation newest first; one that keeps failing waits for an operator, then the next runs. */
  async unwind(actor: string): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (const compensation of [...this.compensations].reverse()) {
        const result = await this.operator.step(
          `compensate:${compensation.name}`,
          async () => {
            try {
              return await compensation.run();
            } catch (err) {
              metrics.compensationFailed(compensation.name, this.s.input.channel);
              throw err;
            }
          },
          { refuseSkip: compensation.refuseSkip },
        );
        this.s.log({
          type: result === SKIPPED ? 'compensation_skipped' : 'compensated',
          detail: compensation.name,
          actor: result === SKIPPED ? undefined : actor,
        });
      }
      this.clear();
    });
  }
}
