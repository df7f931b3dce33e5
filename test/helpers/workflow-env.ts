// Workflow tests: the real time-skipping test server, the real workflow bundle, activities replaced by a
// recording fake so each test controls what the outside world answers.
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { LatePaymentRecord, OrderActivities } from '../../contract/activities';
import type { AllocatedUnit, AllocationRequest, AllocationResult, OrderInput, OrderView } from '../../contract/types';
import { DEFAULT_TIMERS } from '../../contract/config';
import { orderIdFor, orderQuery, TASK_QUEUE, type PaymentEvent } from '../../contract/workflow';
import { Registry } from 'prom-client';
import { createMetricSinks } from '../../workers/metrics';
import { testServerExecutable } from '../../workers/temporal-binaries';
import { ensureSearchAttributes } from '../../workers/search-attributes';

export const workflowsPath = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

/** Starts the time-skipping server (pinned binary from .tools/, or TEMPORAL_TEST_SERVER_PATH). */
/** Worker logs at WARN so test output stays readable. */
export function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by an earlier test file in this process
  }
}

export async function startTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: testServerExecutable() } });
  await ensureSearchAttributes(env.connection, env.namespace ?? 'default');
  return env;
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling takes seconds: once per test file. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return bundle;
}

const quiet = () => undefined;
const quietLogger = { trace: quiet, debug: quiet, info: quiet, warn: quiet, error: quiet, log: quiet };

/** A worker on its own task queue running `activities`; resolves with what `body` returns. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: Partial<OrderActivities>,
  taskQueue: string,
  body: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    // The workflow reports metrics through sinks, as in production; each test worker counts into its own registry.
    sinks: createMetricSinks(new Registry()),
  });
  return worker.runUntil(body());
}

let counter = 0;
/** A valid order input; each call gets a fresh external id. */
export function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  counter += 1;
  const externalOrderId = `T-${Date.now()}-${counter}`;
  return {
    orderId: orderIdFor('webstore', externalOrderId),
    channel: 'webstore',
    externalOrderId,
    customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com' },
    shippingAddress: { line1: 'Bağdat Cd. 10', district: 'Kadıköy', city: 'İstanbul', country: 'TR' },
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPrice: '149.90' },
      { sku: 'SKU-2', quantity: 1, unitPrice: '10.05' },
    ],
    currency: 'TRY',
    payment: { method: 'card' },
    carrier: 'yurtici',
    receivedAt: new Date().toISOString(),
    requestId: `req-${counter}`,
    timers: DEFAULT_TIMERS,
    ...overrides,
  };
}

export { TASK_QUEUE };

type Failing = Partial<Record<keyof OrderActivities, 'always' | number>>;

/**
 * Fake activities: record every side-effecting call in order (read-model writes and notifications are kept apart),
 * fail the ones named in `failing` (always, or the first N attempts), answer like the simulators would.
 */
export function fakeActivities(
  options: {
    failing?: Failing;
    outOfStock?: boolean;
    invalid?: boolean;
    slow?: Partial<Record<keyof OrderActivities, number>>;
    /** Payment callbacks the API stored before the order existed. */
    earlyPayments?: PaymentEvent[];
    /** allocateStock's plan for a request; default: everything in one unit at `main` (none when `outOfStock`). */
    allocate?: (args: AllocationRequest) => AllocationResult;
  } = {},
) {
  const calls: string[] = [];
  /** The fake ledger: units per order, with what each still holds and whether it shipped. */
  const units = new Map<string, (AllocatedUnit & { state: 'reserved' | 'released' | 'committed' })[]>();
  const allocations = new Map<string, AllocationResult>();
  const releaseKeys = new Set<string>();
  const unitOf = (orderId: string, fulfillment: number) => units.get(orderId)?.find((u) => u.fulfillment === fulfillment);
  const notifications: string[] = [];
  const snapshots: OrderView[] = [];
  const latePayments: LatePaymentRecord[] = [];
  const attempts = new Map<string, number>();
  const failIfAsked = (name: keyof OrderActivities) => {
    const rule = options.failing?.[name];
    const n = (attempts.get(name) ?? 0) + 1;
    attempts.set(name, n);
    if (rule === 'always' || (typeof rule === 'number' && n <= rule)) throw new Error(`${name} failed (attempt ${n})`);
  };
  const act =
    <A extends unknown[], R>(name: keyof OrderActivities, result: (...args: A) => R) =>
    async (...args: A): Promise<R> => {
      failIfAsked(name);
      const delay = options.slow?.[name];
      if (delay) await new Promise((r) => setTimeout(r, delay));
      calls.push(name);
      return result(...args);
    };
  const activities: OrderActivities = {
    validateOrder: act('validateOrder', () =>
      options.invalid ? { ok: false as const, problems: ['lines[0].sku SKU-1: unknown product'] } : { ok: true as const },
    ),
    reserveStock: act('reserveStock', (args: { lines: { sku: string; quantity: number }[] }) =>
      options.outOfStock
        ? { ok: false as const, shortages: [{ sku: args.lines[0]!.sku, requested: args.lines[0]!.quantity, available: 0 }] }
        : { ok: true as const },
    ),
    claimEarlyPayments: async () => {
      failIfAsked('claimEarlyPayments');
      return options.earlyPayments ?? [];
    },
    releaseStock: act('releaseStock', () => undefined),
    // Per-unit stock as the real activities behave: a repeat returns the first allocation, a release with lines
    // happens once per key and SKU and never below zero, a commit flips what is still reserved once.
    allocateStock: act('allocateStock', (args: AllocationRequest): AllocationResult => {
      const key = `${args.orderId}#${args.firstUnit}`;
      const before = allocations.get(key);
      if (before?.ok) return { ...before, attempts: 0 };
      const result: AllocationResult =
        options.allocate?.(args) ??
        (options.outOfStock
          ? {
              ok: false,
              shortages: [{ sku: args.lines[0]!.sku, requested: args.lines[0]!.quantity, available: 0 }],
              reasons: ['not enough at the allowed locations'],
              attempts: 1,
            }
          : { ok: true, units: [{ fulfillment: args.firstUnit, location: 'main', lines: args.lines }], reasons: ['main has everything'], attempts: 1 });
      allocations.set(key, result);
      if (result.ok) {
        const held = units.get(args.orderId) ?? [];
        for (const u of result.units) held.push({ ...u, lines: u.lines.map((l) => ({ ...l })), state: 'reserved' });
        units.set(args.orderId, held);
      }
      return result;
    }),
    releaseUnitStock: act('releaseUnitStock', (args: { orderId: string; fulfillment: number; key: string; lines?: { sku: string; quantity: number }[] }) => {
      const unit = unitOf(args.orderId, args.fulfillment);
      if (!unit || unit.state !== 'reserved') return;
      if (!args.lines) {
        unit.state = 'released';
        return;
      }
      for (const line of args.lines) {
        if (releaseKeys.has(`${args.key}#${line.sku}`)) continue;
        releaseKeys.add(`${args.key}#${line.sku}`);
        const held = unit.lines.find((l) => l.sku === line.sku);
        if (held) held.quantity = Math.max(0, held.quantity - line.quantity);
      }
      if (unit.lines.every((l) => l.quantity === 0)) unit.state = 'released';
    }),
    commitUnitStock: act('commitUnitStock', (args: { orderId: string; fulfillment: number }) => {
      const unit = unitOf(args.orderId, args.fulfillment);
      if (unit?.state === 'reserved') unit.state = 'committed';
    }),
    commitStock: act('commitStock', () => undefined),
    restockReturn: act('restockReturn', () => undefined),
    recordOrder: async (view) => {
      failIfAsked('recordOrder');
      snapshots.push(view);
    },
    recordLatePayment: act('recordLatePayment', (args) => {
      latePayments.push(args);
      return { outcome: 'recorded' as const };
    }),
    capturePayment: act('capturePayment', () => ({ captureId: 'cap-1' })),
    voidPayment: act('voidPayment', () => undefined),
    refundPayment: act('refundPayment', () => ({ refundId: 'ref-1' })),
    issueInvoice: act('issueInvoice', () => ({ invoiceNumber: 'GIB2026000000001', url: 'https://einvoice.example/1' })),
    issueCreditNote: act('issueCreditNote', () => ({ creditNoteNumber: 'CN-1' })),
    postErpSale: act('postErpSale', () => ({ erpDocumentId: 'ERP-1' })),
    reverseErpSale: act('reverseErpSale', () => undefined),
    createPickingTask: act('createPickingTask', () => ({ taskId: 'PICK-1' })),
    cancelPickingTask: act('cancelPickingTask', () => undefined),
    createShipment: act('createShipment', () => ({ carrier: 'yurtici' as const, trackingNumber: 'YK123', labelRef: 'LBL-1' })),
    cancelShipment: act('cancelShipment', () => undefined),
    createReturnCode: act('createReturnCode', () => ({ returnCode: 'RET-1' })),
    notifyCustomer: async (args) => {
      failIfAsked('notifyCustomer');
      notifications.push(`notify:${args.status}`);
    },
    writeBackChannel: async (args) => {
      failIfAsked('writeBackChannel');
      notifications.push(`channel:${args.status}`);
    },
  };
  return { activities, calls, notifications, snapshots, latePayments, units };
}

/** Polls the live order until `predicate` holds (the workflow runs on the worker; this only reads). */
export async function waitForOrder(
  handle: WorkflowHandle,
  predicate: (order: OrderView) => boolean,
  timeoutMs = 20_000,
): Promise<OrderView> {
  const deadline = Date.now() + timeoutMs;
  let last: OrderView | undefined;
  while (Date.now() < deadline) {
    last = await handle.query(orderQuery);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`order never reached the expected state; last: ${JSON.stringify(last?.status)} ${JSON.stringify(last?.attention)}`);
}
