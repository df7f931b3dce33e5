// In-memory stand-ins for the external systems, the embedded default. They behave like the real
// services where it matters to the workflow: idempotent by key, identifiers derived from the key
// (so a retry after a worker restart gets the same ones), undo operations that are harmless when
// there is nothing to undo, and refusals for what the real service would refuse. State is in
// memory only: after a restart the simulator does not know what it created before, so it refuses
// only what it knows to be wrong and marks the rest `unverified` in the call log.
import { createHash } from 'node:crypto';
import { CARRIERS, type Carrier, type IdempotentCall, type StockLine } from '../contract/types';
import { CallLog, type CallOutcome } from './callLog';
import type {
  CarrierGateway,
  ChannelGateway,
  CustomerNotifier,
  ErpGateway,
  Integrations,
  InvoiceProvider,
  PaymentProvider,
  WarehouseGateway,
} from './contracts';
import { Faults, IntegrationUnavailableError, integrationRejected, type Operation } from './faults';

// ---- deterministic identifiers and money ----

function sha256(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}
/** `length` decimal digits derived from the parts. */
function digits(length: number, ...parts: string[]): string {
  return (BigInt(`0x${sha256(parts)}`) % 10n ** BigInt(length)).toString().padStart(length, '0');
}
/** `length` upper-case hex characters derived from the parts. */
function hex(length: number, ...parts: string[]): string {
  return sha256(parts).slice(0, length).toUpperCase();
}

/** Money arrives as decimal strings; the simulator compares in minor units so 0.1 + 0.2 never drifts. */
function minorUnits(field: string, value: unknown): number {
  if (typeof value !== 'string' || !/^\d+(\.\d{1,2})?$/.test(value)) {
    throw integrationRejected(
      `${field} must be a decimal string with at most two decimals, got ${JSON.stringify(value)}`,
    );
  }
  const [whole = '0', fraction = ''] = value.split('.');
  const minor = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  if (minor <= 0) throw integrationRejected(`${field} must be greater than zero, got "${value}"`);
  return minor;
}
function decimal(minor: number): string {
  return `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}
function requireCurrency(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Z]{3}$/.test(value)) {
    throw integrationRejected(`currency must be an ISO 4217 code such as "TRY", got ${JSON.stringify(value)}`);
  }
  return value;
}
function requireLines(lines: StockLine[]): void {
  if (!Array.isArray(lines) || lines.length === 0) throw integrationRejected('lines must not be empty');
  lines.forEach((line, i) => {
    if (!line.sku) throw integrationRejected(`lines[${i}].sku must not be empty`);
    if (!Number.isInteger(line.quantity) || line.quantity < 1) {
      throw integrationRejected(`lines[${i}].quantity must be a positive integer, got ${String(line.quantity)}`);
    }
  });
}

// ---- the shared behaviour: faults, replay by key, call log ----

interface Effect<T> {
  outcome: Extract<CallOutcome, 'done' | 'noop' | 'ignored'>;
  result: T;
  data?: Record<string, unknown>;
}

interface SimulatorContext {
  faults: Faults;
  log: CallLog;
}

/** Base of every simulator, so faults, idempotency and logging work the same everywhere. */
abstract class Simulator {
  private readonly completed = new Map<string, { result: unknown; fingerprint: string }>();

  constructor(
    protected readonly system: string,
    private readonly ctx: SimulatorContext,
  ) {}

  /**
   * Runs `effect` once per (operation, key). Only effects are remembered: a no-op is re-evaluated, so
   * an undo retried after the thing finally appeared still undoes it. `fingerprint` holds the
   * parameters that must not change under one key (amounts): reusing the key with others is refused.
   */
  protected run<T>(op: Operation, call: IdempotentCall, effect: () => Effect<T>, fingerprint = ''): T {
    const log = (outcome: CallOutcome, data: Record<string, unknown> = {}): void => {
      this.ctx.log.record({ op, system: this.system, key: call.key, orderId: call.orderId, outcome, data });
    };
    const fault = this.ctx.faults.take(op);
    if (fault === 'transient') {
      log('failed', { injected: true });
      throw new IntegrationUnavailableError(`${op} at ${this.system}: service unavailable (simulated outage)`);
    }
    if (fault === 'permanent') {
      log('rejected', { injected: true });
      throw integrationRejected(`${op} at ${this.system}: rejected (simulated)`, { op, injected: true });
    }

    let outcome: Omit<Effect<T>, 'outcome'> & { outcome: CallOutcome };
    try {
      if (typeof call.key !== 'string' || !call.key) throw integrationRejected('key must be a non-empty string');
      if (typeof call.orderId !== 'string' || !call.orderId) {
        throw integrationRejected('orderId must be a non-empty string');
      }
      const memoKey = `${op}\u0000${call.key}`;
      const previous = this.completed.get(memoKey);
      if (previous && previous.fingerprint !== fingerprint) {
        throw integrationRejected(`key "${call.key}" was already used for ${op} with other parameters`, {
          before: previous.fingerprint,
          now: fingerprint,
        });
      }
      if (previous) {
        outcome = { outcome: 'replayed', result: previous.result as T, data: { result: previous.result } };
      } else {
        outcome = effect();
        if (outcome.outcome === 'done') this.completed.set(memoKey, { result: outcome.result, fingerprint });
      }
    } catch (err) {
      log('rejected', { reason: err instanceof Error ? err.message : String(err) });
      throw err;
    }
    log(outcome.outcome, { ...outcome.data, ...(fault === 'lost-reply' ? { replyLost: true } : {}) });
    if (fault === 'lost-reply') {
      throw new IntegrationUnavailableError(`${op} at ${this.system}: no reply (simulated timeout after the effect)`);
    }
    // A copy, so a caller changing the answer cannot change what the next replay returns.
    return structuredClone(outcome.result);
  }
}

// ---- payment ----

interface PaymentLedger {
  currency?: string;
  captured: number;
  refunded: number;
  voided: boolean;
  /** A final capture (or a void after partial ones) closed the authorization: no further capture. */
  closed: boolean;
}

/**
 * Card/bank provider: captures until a final one (a single capture is final), refunds capped by what was captured.
 */
export class PaymentSimulator extends Simulator implements PaymentProvider {
  private readonly ledgers = new Map<string, PaymentLedger>();

  constructor(ctx: SimulatorContext) {
    super('payment', ctx);
  }

  async capture(
    args: IdempotentCall & { amount: string; currency: string; final?: boolean | undefined },
  ): Promise<{ captureId: string }> {
    return this.run(
      'payment.capture',
      args,
      () => {
        const amount = minorUnits('amount', args.amount);
        const currency = requireCurrency(args.currency);
        const ledger = this.ledger(args.orderId);
        const final = args.final ?? true;
        if (ledger.voided) throw integrationRejected(`authorization of order ${args.orderId} was voided`);
        if (ledger.closed) throw integrationRejected(`order ${args.orderId} was already captured`);
        if (ledger.currency !== undefined && ledger.currency !== currency) {
          throw integrationRejected(`currency ${currency} does not match the earlier capture's ${ledger.currency}`);
        }
        Object.assign(ledger, { captured: ledger.captured + amount, currency, closed: final });
        const captureId = `CAP-${hex(12, 'capture', args.key)}`;
        return { outcome: 'done', result: { captureId }, data: { captureId, amount: args.amount, currency, final } };
      },
      `${args.amount} ${args.currency}`,
    );
  }

  async void(args: IdempotentCall): Promise<void> {
    return this.run('payment.void', args, () => {
      const ledger = this.ledger(args.orderId);
      if (ledger.captured > 0 && ledger.closed) {
        throw integrationRejected(`order ${args.orderId} is captured and cannot be voided; refund it instead`);
      }
      if (ledger.voided) return { outcome: 'noop', result: undefined, data: { reason: 'already voided' } };
      if (ledger.captured > 0) {
        // After partial captures a void releases what is left and keeps what was captured.
        ledger.closed = true;
        return { outcome: 'done', result: undefined, data: { released: 'rest', captured: decimal(ledger.captured) } };
      }
      ledger.voided = true;
      return { outcome: 'done', result: undefined, data: { voided: true } };
    });
  }

  async refund(
    args: IdempotentCall & { amount: string; currency: string; reason: string },
  ): Promise<{ refundId: string }> {
    return this.run(
      'payment.refund',
      args,
      () => {
        const amount = minorUnits('amount', args.amount);
        const currency = requireCurrency(args.currency);
        const ledger = this.ledgers.get(args.orderId);
        if (ledger?.voided) throw integrationRejected(`order ${args.orderId} was voided; there is nothing to refund`);
        // Unknown order: captured before a restart of this in-memory simulator, so it cannot check the cap.
        const known = ledger !== undefined && ledger.captured > 0;
        if (known && ledger.currency !== currency) {
          throw integrationRejected(`currency ${currency} does not match the capture's ${ledger.currency ?? '?'}`);
        }
        if (known && ledger.refunded + amount > ledger.captured) {
          throw integrationRejected(
            `refund of ${args.amount} exceeds what is left of the capture: ` +
              `captured ${decimal(ledger.captured)}, refunded ${decimal(ledger.refunded)}`,
            { captured: decimal(ledger.captured), refunded: decimal(ledger.refunded), requested: args.amount },
          );
        }
        if (ledger) ledger.refunded += amount;
        const refundId = `RF-${hex(12, 'refund', args.key)}`;
        return {
          outcome: 'done',
          result: { refundId },
          data: {
            refundId,
            amount: args.amount,
            currency,
            reason: args.reason,
            ...(known ? {} : { unverified: true }),
          },
        };
      },
      `${args.amount} ${args.currency}`,
    );
  }

  private ledger(orderId: string): PaymentLedger {
    const existing = this.ledgers.get(orderId);
    if (existing) return existing;
    const created: PaymentLedger = { captured: 0, refunded: 0, voided: false, closed: false };
    this.ledgers.set(orderId, created);
    return created;
  }
}

// ---- carriers ----

/** Each carrier's numbering, so a tracking number alone tells which carrier it belongs to. */
const CARRIER_NUMBERS: Record<Carrier, { prefix: string; digits: number; returnPrefix: string }> = {
  yurtici: { prefix: 'YK', digits: 10, returnPrefix: 'YKI' },
  aras: { prefix: 'ARS', digits: 12, returnPrefix: 'ARI' },
  mng: { prefix: 'MN', digits: 14, returnPrefix: 'MNI' },
};

/** What a simulated tracking number of each carrier looks like (for callback tests and sanity checks). */
export const TRACKING_NUMBER_PATTERNS: Record<Carrier, RegExp> = Object.fromEntries(
  CARRIERS.map((c) => [c, new RegExp(`^${CARRIER_NUMBERS[c].prefix}\\d{${CARRIER_NUMBERS[c].digits}}$`)]),
) as Record<Carrier, RegExp>;

/** One cargo company; the idempotency key is the cargo key, so one key is one shipment. */
export class CarrierSimulator extends Simulator implements CarrierGateway {
  private readonly shipments = new Map<string, { orderId: string; key: string; cancelled: boolean }>();

  constructor(
    readonly carrier: Carrier,
    ctx: SimulatorContext,
  ) {
    super(`carrier:${carrier}`, ctx);
  }

  async createShipment(
    args: Parameters<CarrierGateway['createShipment']>[0],
  ): Promise<{ trackingNumber: string; labelRef: string }> {
    return this.run('carrier.createShipment', args, () => {
      requireLines(args.lines);
      if (!args.address?.line1 || !args.address.city)
        throw integrationRejected('address.line1 and address.city are required');
      const { prefix, digits: length } = CARRIER_NUMBERS[this.carrier];
      const trackingNumber = prefix + digits(length, this.carrier, 'shipment', args.key);
      const labelRef = `${this.carrier.toUpperCase()}-LBL-${hex(10, this.carrier, 'label', args.key)}`;
      this.shipments.set(trackingNumber, { orderId: args.orderId, key: args.key, cancelled: false });
      return { outcome: 'done', result: { trackingNumber, labelRef }, data: { trackingNumber, labelRef } };
    });
  }

  async cancelShipment(args: IdempotentCall & { trackingNumber?: string | undefined; createdWith?: string | undefined }): Promise<void> {
    return this.run('carrier.cancelShipment', args, () => {
      const open = [...this.shipments].filter(
        ([number, s]) =>
          s.orderId === args.orderId &&
          !s.cancelled &&
          (args.trackingNumber !== undefined ? number === args.trackingNumber : args.createdWith === undefined || s.key === args.createdWith),
      );
      if (open.length === 0) return { outcome: 'noop', result: undefined, data: { reason: 'no open shipment' } };
      for (const [, shipment] of open) shipment.cancelled = true;
      return { outcome: 'done', result: undefined, data: { trackingNumbers: open.map(([number]) => number) } };
    });
  }

  async createReturnCode(args: IdempotentCall & { lines: StockLine[] }): Promise<{ returnCode: string }> {
    return this.run('carrier.createReturnCode', args, () => {
      requireLines(args.lines);
      const returnCode = CARRIER_NUMBERS[this.carrier].returnPrefix + digits(8, this.carrier, 'return', args.key);
      return { outcome: 'done', result: { returnCode }, data: { returnCode, lines: args.lines } };
    });
  }
}

// ---- warehouse ----

/** Picking system: one task per key; cancelling cancels the order's open tasks. */
export class WarehouseSimulator extends Simulator implements WarehouseGateway {
  private readonly tasks = new Map<string, { orderId: string; key: string; cancelled: boolean }>();

  constructor(ctx: SimulatorContext) {
    super('warehouse', ctx);
  }

  async createPickingTask(
    args: IdempotentCall & { lines: StockLine[]; location: string },
  ): Promise<{ taskId: string }> {
    return this.run('warehouse.createPickingTask', args, () => {
      requireLines(args.lines);
      if (!args.location) throw integrationRejected('location must not be empty');
      const taskId = `PT-${hex(10, 'picking', args.key)}`;
      this.tasks.set(taskId, { orderId: args.orderId, key: args.key, cancelled: false });
      return { outcome: 'done', result: { taskId }, data: { taskId, location: args.location, lines: args.lines } };
    });
  }

  async cancelPickingTask(args: IdempotentCall & { taskId?: string | undefined; createdWith?: string | undefined }): Promise<void> {
    return this.run('warehouse.cancelPickingTask', args, () => {
      const open = [...this.tasks].filter(
        ([id, t]) =>
          t.orderId === args.orderId &&
          !t.cancelled &&
          (args.taskId !== undefined ? id === args.taskId : args.createdWith === undefined || t.key === args.createdWith),
      );
      if (open.length === 0) return { outcome: 'noop', result: undefined, data: { reason: 'no open task' } };
      for (const [, task] of open) task.cancelled = true;
      return { outcome: 'done', result: undefined, data: { taskIds: open.map(([id]) => id) } };
    });
  }
}

// ---- e-invoice / e-archive ----

/** GİB-style 16-character numbers: a 3-letter series and 13 digits; credit notes cannot exceed the invoice. */
export class InvoiceSimulator extends Simulator implements InvoiceProvider {
  private readonly invoices = new Map<string, { total: number; currency: string; credited: number }>();

  constructor(ctx: SimulatorContext) {
    super('invoice', ctx);
  }

  async issueInvoice(
    args: Parameters<InvoiceProvider['issueInvoice']>[0],
  ): Promise<{ invoiceNumber: string; url: string }> {
    return this.run('invoice.issueInvoice', args, () => {
      if (!args.customer?.name) throw integrationRejected('customer.name is required on an invoice');
      const total = minorUnits('totals.total', args.totals?.total);
      const currency = requireCurrency(args.totals.currency);
      // E-archive (consumer) series; an e-invoice series would need the buyer's tax number.
      const invoiceNumber = `EAR${digits(13, 'invoice', args.key)}`;
      const url = `https://earsiv.simulator.invalid/fatura/${invoiceNumber}.pdf`;
      this.invoices.set(invoiceNumber, { total, currency, credited: 0 });
      return { outcome: 'done', result: { invoiceNumber, url }, data: { invoiceNumber, total: args.totals.total } };
    });
  }

  async issueCreditNote(
    args: IdempotentCall & { invoiceNumber: string; amount: string; currency: string },
  ): Promise<{ creditNoteNumber: string }> {
    return this.run(
      'invoice.issueCreditNote',
      args,
      () => {
        const amount = minorUnits('amount', args.amount);
        const currency = requireCurrency(args.currency);
        if (!args.invoiceNumber) throw integrationRejected('invoiceNumber must not be empty');
        const invoice = this.invoices.get(args.invoiceNumber);
        if (invoice && invoice.currency !== currency) {
          throw integrationRejected(
            `currency ${currency} does not match invoice ${args.invoiceNumber} (${invoice.currency})`,
          );
        }
        if (invoice && invoice.credited + amount > invoice.total) {
          throw integrationRejected(
            `credit note of ${args.amount} exceeds what is left of invoice ${args.invoiceNumber}: ` +
              `total ${decimal(invoice.total)}, credited ${decimal(invoice.credited)}`,
          );
        }
        if (invoice) invoice.credited += amount;
        const creditNoteNumber = `IAD${digits(13, 'credit-note', args.key)}`;
        return {
          outcome: 'done',
          result: { creditNoteNumber },
          data: {
            creditNoteNumber,
            invoiceNumber: args.invoiceNumber,
            amount: args.amount,
            ...(invoice ? {} : { unverified: true }),
          },
        };
      },
      `${args.invoiceNumber} ${args.amount} ${args.currency}`,
    );
  }
}

// ---- ERP ----

/** Accounting: a sale document per key; a reversal closes it once. */
export class ErpSimulator extends Simulator implements ErpGateway {
  private readonly documents = new Map<string, { orderId: string; reversed: boolean }>();

  constructor(ctx: SimulatorContext) {
    super('erp', ctx);
  }

  async postSale(args: Parameters<ErpGateway['postSale']>[0]): Promise<{ erpDocumentId: string }> {
    return this.run('erp.postSale', args, () => {
      minorUnits('totals.total', args.totals?.total);
      const erpDocumentId = `ERP-${digits(10, 'sale', args.key)}`;
      this.documents.set(erpDocumentId, { orderId: args.orderId, reversed: false });
      return { outcome: 'done', result: { erpDocumentId }, data: { erpDocumentId, total: args.totals.total } };
    });
  }

  async reverseSale(args: IdempotentCall & { erpDocumentId?: string | undefined }): Promise<void> {
    return this.run('erp.reverseSale', args, () => {
      const open = [...this.documents].filter(
        ([id, d]) => !d.reversed && (args.erpDocumentId ? id === args.erpDocumentId : d.orderId === args.orderId),
      );
      if (open.length === 0) return { outcome: 'noop', result: undefined, data: { reason: 'no open sale document' } };
      for (const [, document] of open) document.reversed = true;
      return { outcome: 'done', result: undefined, data: { erpDocumentIds: open.map(([id]) => id) } };
    });
  }
}

// ---- customer notifications and channel write-back ----

/** Email and/or SMS, whichever contact the customer gave; one message per key. */
export class NotifierSimulator extends Simulator implements CustomerNotifier {
  constructor(ctx: SimulatorContext) {
    super('notifier', ctx);
  }

  async notifyCustomer(args: Parameters<CustomerNotifier['notifyCustomer']>[0]): Promise<void> {
    return this.run('notify.customer', args, () => {
      const to = { email: args.customer?.email, sms: args.customer?.phone };
      const channels = Object.entries(to)
        .filter(([, address]) => address)
        .map(([channel]) => channel);
      if (channels.length === 0) return { outcome: 'noop', result: undefined, data: { reason: 'no email or phone' } };
      return { outcome: 'done', result: undefined, data: { channels, status: args.status, detail: args.detail } };
    });
  }
}

/** Sales channels' status endpoints: like the marketplaces, they drop a write-back older than the last applied. */
export class ChannelSimulator extends Simulator implements ChannelGateway {
  private readonly latest = new Map<string, { seq: number; status: string }>();

  constructor(ctx: SimulatorContext) {
    super('channel', ctx);
  }

  async writeBack(args: Parameters<ChannelGateway['writeBack']>[0]): Promise<{ applied: boolean }> {
    return this.run<{ applied: boolean }>('channel.writeBack', args, () => {
      if (!Number.isInteger(args.seq) || args.seq < 0) {
        throw integrationRejected(`seq must be a non-negative integer, got ${String(args.seq)}`);
      }
      if (!args.channel || !args.externalOrderId) throw integrationRejected('channel and externalOrderId are required');
      const target = `${args.channel}\u0000${args.externalOrderId}`;
      const last = this.latest.get(target);
      if (last && args.seq <= last.seq) {
        return { outcome: 'ignored', result: { applied: false }, data: { seq: args.seq, latestSeq: last.seq } };
      }
      this.latest.set(target, { seq: args.seq, status: args.status });
      return {
        outcome: 'done',
        result: { applied: true },
        data: { channel: args.channel, status: args.status, seq: args.seq },
      };
    });
  }

  /** What the channel currently shows for an order. */
  statusOf(channel: string, externalOrderId: string): { seq: number; status: string } | undefined {
    return this.latest.get(`${channel}\u0000${externalOrderId}`);
  }
}

// ---- the bundle ----

export interface SimulatorOptions {
  /** A shared `Faults`, or an OMS_SIM_FAULTS-style string (the worker passes the env var). */
  faults?: Faults | string | undefined;
  maxLogEntries?: number | undefined;
}

/** All simulators plus the controls tests and operators use: the faults to arm and the call log to inspect. */
export interface Simulators extends Integrations {
  faults: Faults;
  log: CallLog;
  payment: PaymentSimulator;
  carriers: Record<Carrier, CarrierSimulator>;
  warehouse: WarehouseSimulator;
  invoice: InvoiceSimulator;
  erp: ErpSimulator;
  notifier: NotifierSimulator;
  channels: ChannelSimulator;
}

/** The embedded default integrations; the worker builds them once and passes them to the activities. */
export function createSimulators(options: SimulatorOptions = {}): Simulators {
  const faults = options.faults instanceof Faults ? options.faults : new Faults().load(options.faults);
  const log = new CallLog(options.maxLogEntries);
  const ctx = { faults, log };
  return {
    faults,
    log,
    payment: new PaymentSimulator(ctx),
    carriers: {
      yurtici: new CarrierSimulator('yurtici', ctx),
      aras: new CarrierSimulator('aras', ctx),
      mng: new CarrierSimulator('mng', ctx),
    },
    warehouse: new WarehouseSimulator(ctx),
    invoice: new InvoiceSimulator(ctx),
    erp: new ErpSimulator(ctx),
    notifier: new NotifierSimulator(ctx),
    channels: new ChannelSimulator(ctx),
  };
}
