// Workflow sinks: how workflow code reports facts to the worker (metrics) without touching Node or the
// network. Sinks are not recorded in history and are not called during replay, so adding or removing a call
// never breaks determinism. The worker implements them (`InjectedSinks<OmsSinks>`).
import type { Sinks } from '@temporalio/workflow';

export interface OmsSinks extends Sinks {
  metrics: {
    /** An order entered this status (once per status change). */
    statusEntered(status: string, channel: string): void;
    /** A step of an order raised needsAttention. */
    attentionRaised(step: string, channel: string): void;
    /** A compensation failed after its retries and waits for an operator. */
    compensationFailed(name: string, channel: string): void;
    /** A reservation was refused for lack of stock. */
    reservationRefused(channel: string): void;
    /** A marketplace write-back queue's size now: requests waiting and orders being pushed. */
    writeBackQueue(channel: string, pending: number, inFlight: number): void;
    /** A write-back request ended (`pushed`, `dropped` as superseded, or `failed` for good). */
    writeBackFinished(channel: string, outcome: string): void;
  };
}
