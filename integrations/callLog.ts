// What the simulators were asked and what they did: tests assert effects and compensations through
// it (one shipment created, then cancelled; refunded once), and operators can read it in dev.
import type { Operation } from './faults';

/**
 * - done: the effect happened (created, cancelled, refunded, sent)
 * - replayed: the key was seen before; the first result was returned, no second effect
 * - noop: nothing to undo (never existed or already undone)
 * - ignored: a stale channel write-back (seq not newer)
 * - rejected: refused for good (bad request or injected permanent fault)
 * - failed: injected transient fault, no effect (a lost reply is logged as 'done' with `replyLost`)
 */
export type CallOutcome = 'done' | 'replayed' | 'noop' | 'ignored' | 'rejected' | 'failed';

export interface CallLogEntry {
  seq: number;
  at: string;
  op: Operation;
  /** Which system answered: 'payment', 'carrier:aras', 'warehouse', ... */
  system: string;
  key: string;
  orderId: string;
  outcome: CallOutcome;
  /** Identifiers returned or touched, amounts, the rejection reason. */
  data: Record<string, unknown>;
}

export type CallLogFilter = Partial<Pick<CallLogEntry, 'op' | 'system' | 'key' | 'orderId' | 'outcome'>>;

/** Append-only, bounded so a long-running dev worker does not grow without limit. */
export class CallLog {
  private readonly entries: CallLogEntry[] = [];
  private seq = 0;

  private readonly listeners = new Set<(entry: CallLogEntry) => void>();

  constructor(private readonly maxEntries = 10_000) {}

  /** Used by the simulators; keeps the newest `maxEntries`. */
  record(entry: Omit<CallLogEntry, 'seq' | 'at'>): CallLogEntry {
    const full = { seq: ++this.seq, at: new Date().toISOString(), ...entry };
    this.entries.push(full);
    if (this.entries.length > this.maxEntries) this.entries.splice(0, this.entries.length - this.maxEntries);
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /**
   * Calls `listener` with every entry from now on, as the other side of the simulated system would see the call
   * (the carrier learns of the label it issued, the channel of the status written back). Returns the unsubscribe.
   */
  subscribe(listener: (entry: CallLogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Entries matching every given field, oldest first. */
  find(filter: CallLogFilter = {}): CallLogEntry[] {
    const wanted = Object.entries(filter) as [keyof CallLogFilter, string][];
    return this.entries.filter((e) => wanted.every(([field, value]) => e[field] === value));
  }

  /** Only the calls that changed something, e.g. `effects({ orderId })` to check a saga unwound in order. */
  effects(filter: Omit<CallLogFilter, 'outcome'> = {}): CallLogEntry[] {
    return this.find({ ...filter, outcome: 'done' });
  }

  clear(): void {
    this.entries.length = 0;
  }
}
