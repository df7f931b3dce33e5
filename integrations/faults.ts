// Injected failures for the simulators: tests arm them at run time, and the running system can be
// started with them (OMS_SIM_FAULTS='carrier.createShipment=2,payment.refund=always:permanent').
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contract/workflow';

/** Every simulated operation, by the name faults and the call log use. */
export const OPERATIONS = [
  'payment.capture',
  'payment.void',
  'payment.refund',
  'carrier.createShipment',
  'carrier.cancelShipment',
  'carrier.createReturnCode',
  'warehouse.createPickingTask',
  'warehouse.cancelPickingTask',
  'invoice.issueInvoice',
  'invoice.issueCreditNote',
  'erp.postSale',
  'erp.reverseSale',
  'notify.customer',
  'channel.writeBack',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * - transient: the call fails before any effect (an outage); a plain Error, so Temporal retries it.
 * - permanent: the service refuses for good; a non-retryable `IntegrationRejected` failure.
 * - lost-reply: the effect happens but the answer is lost (a timeout); the retry must hit the same key.
 */
export const FAULT_KINDS = ['transient', 'permanent', 'lost-reply'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  times: number | 'always';
  kind: FaultKind;
}

/** A retryable outage; the explicit name lets retry policies and logs tell it apart. */
export class IntegrationUnavailableError extends Error {
  override name = 'IntegrationUnavailable';
}

/** A permanent refusal: Temporal does not retry it and the workflow sees `IntegrationRejected`. */
export function integrationRejected(message: string, details?: Record<string, unknown>): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FailureType.IntegrationRejected, ...(details ? [details] : []));
}

/** The armed faults, shared by all simulators of one `createSimulators` call and changeable while they run. */
export class Faults {
  private readonly rules = new Map<Operation, FaultRule>();

  /** Makes `op` fail the next `times` calls (or always) in the given way. */
  set(op: Operation, times: number | 'always' = 1, kind: FaultKind = 'transient'): this {
    if (!OPERATIONS.includes(op)) throw new Error(`unknown operation "${String(op)}"; known: ${OPERATIONS.join(', ')}`);
    if (times !== 'always' && (!Number.isInteger(times) || times < 1)) {
      throw new Error(`fault count for "${op}" must be a positive integer or "always", got ${String(times)}`);
    }
    this.rules.set(op, { times, kind });
    return this;
  }

  /** Disarms one operation, or all of them. */
  clear(op?: Operation): this {
    if (op) this.rules.delete(op);
    else this.rules.clear();
    return this;
  }

  /** Adds the rules of an OMS_SIM_FAULTS-style string; throws naming the bad entry. */
  load(spec: string | undefined, source = 'OMS_SIM_FAULTS'): this {
    for (const [op, rule] of parseFaults(spec, source)) this.set(op, rule.times, rule.kind);
    return this;
  }

  /** What is armed now (for logs and tests). */
  describe(): Partial<Record<Operation, FaultRule>> {
    return Object.fromEntries(this.rules);
  }

  /** Consumes one failure of `op` if armed, returning how the call must fail. */
  take(op: Operation): FaultKind | undefined {
    const rule = this.rules.get(op);
    if (!rule) return undefined;
    if (rule.times !== 'always') {
      if (rule.times <= 1) this.rules.delete(op);
      else this.rules.set(op, { ...rule, times: rule.times - 1 });
    }
    return rule.kind;
  }
}

/**
 * Parses `op=count[:kind]` entries separated by commas, count a positive integer or `always`, kind one of
 * FAULT_KINDS (default transient). Startup fails loudly on a typo rather than running without the fault.
 */
export function parseFaults(spec: string | undefined, source = 'OMS_SIM_FAULTS'): Map<Operation, FaultRule> {
  const rules = new Map<Operation, FaultRule>();
  for (const raw of (spec ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const bad = (why: string): Error => new Error(`${source} entry "${entry}": ${why}`);
    const match = /^([\w.]+)=(\w+)(?::([\w-]+))?$/.exec(entry);
    if (!match) throw bad('expected operation=count[:kind], e.g. carrier.createShipment=2:transient');
    const [, op = '', count = '', kind = 'transient'] = match;
    if (!(OPERATIONS as readonly string[]).includes(op)) {
      throw bad(`unknown operation "${op}"; known: ${OPERATIONS.join(', ')}`);
    }
    if (count !== 'always' && !/^[1-9]\d*$/.test(count)) {
      throw bad(`count "${count}" must be a positive integer or "always"`);
    }
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) {
      throw bad(`kind "${kind}" must be one of ${FAULT_KINDS.join(', ')}`);
    }
    rules.set(op as Operation, { times: count === 'always' ? 'always' : Number(count), kind: kind as FaultKind });
  }
  return rules;
}
