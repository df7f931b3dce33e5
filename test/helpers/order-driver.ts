// Drives an order workflow on the time-skipping test server the way its callers do: the API's acceptance and
// commands (updates), the provider's, carrier's and warehouse's callbacks (signals). Shared by the workflow tests.
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  acceptanceUpdate,
  cancelOrderUpdate,
  carrierEventSignal,
  orderWorkflowId,
  paymentEventSignal,
  warehouseEventSignal,
  FailureType,
  ORDER_WORKFLOW_TYPE,
} from '../../contract/workflow';
import type { CarrierEventStatus, OrderInput, OrderView, PaymentEventType } from '../../contract/types';
import { fakeActivities, startTimeSkippingEnv, waitForOrder, withWorker } from './workflow-env';

/**
 * A fresh time-skipping server per test (its clock is shared, and one test's leftover timers must not move
 * another's); returns the current one and a `run` bound to it, starting orders of `workflowType`.
 */
export function timeSkippingSuite(workflowType: string = ORDER_WORKFLOW_TYPE) {
  let env: TestWorkflowEnvironment;
  beforeEach(async () => {
    env = await startTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
  });
  return {
    env: () => env,
    run: (fake: ReturnType<typeof fakeActivities>, input: OrderInput, body: (handle: WorkflowHandle) => Promise<void>) =>
      runOrder(env, fake, input, body, workflowType),
  };
}

/**
 * Sends a cancel whose compensations get stuck and moves the clock meanwhile (past the activity retries' backoff)
 * until the cancel answers, as it does once a compensation waits for an operator; returns its answer.
 */
export async function cancelWhileClockRuns(env: TestWorkflowEnvironment, handle: WorkflowHandle, reason = 'operator_request'): Promise<OrderView> {
  let answeredYet = false;
  const clock = (async () => {
    while (!answeredYet) await env.sleep('1m');
  })();
  const answered = await handle
    .executeUpdate(cancelOrderUpdate, { args: [{ reason, actor: 'op' }] })
    .finally(() => (answeredYet = true));
  await clock;
  return answered;
}

let queueSeq = 0;
/** Runs one order on a fresh task queue with the given fakes. */
export async function runOrder(
  env: TestWorkflowEnvironment,
  fake: ReturnType<typeof fakeActivities>,
  input: OrderInput,
  body: (handle: WorkflowHandle) => Promise<void>,
  workflowType: string = ORDER_WORKFLOW_TYPE,
): Promise<void> {
  queueSeq += 1;
  const taskQueue = `wf-test-${queueSeq}`;
  await withWorker(env, fake.activities, taskQueue, async () => {
    const handle = await env.client.workflow.start(workflowType, {
      taskQueue,
      workflowId: orderWorkflowId(input.orderId),
      args: [input],
    });
    try {
      await body(handle);
    } finally {
      // An open workflow without its worker would hold the test server's clock: end it with the test.
      await handle.terminate('test finished').catch(() => undefined);
    }
  });
}

export const at = () => new Date().toISOString();
let eventSeq = 0;
export const eventId = () => `evt-${++eventSeq}`;
export const pay = (handle: WorkflowHandle, type: PaymentEventType, amount = '309.85', currency = 'TRY') =>
  handle.signal(paymentEventSignal, { eventId: eventId(), type, amount, currency, at: at() });
export const carrier = (handle: WorkflowHandle, status: CarrierEventStatus, id = eventId()) =>
  handle.signal(carrierEventSignal, { eventId: id, carrier: 'yurtici', trackingNumber: 'YK123', status, at: at() });
export const packed = (handle: WorkflowHandle) => handle.signal(warehouseEventSignal, { eventId: eventId(), type: 'packed', at: at() });
export const returnReceived = (handle: WorkflowHandle, lines: { sku: string; quantity: number; condition: 'sellable' | 'damaged' }[]) =>
  handle.signal(warehouseEventSignal, { eventId: eventId(), type: 'return_received', lines, at: at() });
export const accept = async (handle: WorkflowHandle, requestId = 'req-x') =>
  (await handle.executeUpdate(acceptanceUpdate, { args: [{ requestId }] })).order;
export const operator = { actor: 'op@example.com' };

/** From payment on: the warehouse packs and the carrier label is created. */
export async function packAndLabel(handle: WorkflowHandle): Promise<OrderView> {
  await waitForOrder(handle, (o) => o.status === 'picking');
  await packed(handle);
  return waitForOrder(handle, (o) => o.shipments.length === 1);
}

/** Drives a card order to `delivered`. */
export async function deliver(handle: WorkflowHandle): Promise<OrderView> {
  await accept(handle);
  await pay(handle, 'authorized');
  await packAndLabel(handle);
  await carrier(handle, 'picked_up');
  await waitForOrder(handle, (o) => o.status === 'shipped' && o.paymentStatus === 'captured');
  await carrier(handle, 'delivered');
  return waitForOrder(handle, (o) => o.status === 'delivered');
}

/** The update was refused by its validator (StateConflict, the API's 409) with a message matching `message`. */
export async function expectConflict(promise: Promise<unknown>, message: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe(FailureType.StateConflict);
  expect(cause.message).toMatch(message);
}

/** Validate and reserve; then invoice, ERP sale and picking task, started together (any order); then `rest`, in order. */
export function expectSideEffects(calls: string[], rest: string[]): void {
  expect(calls.slice(0, 2)).toEqual(['validateOrder', 'reserveStock']);
  expect(calls.slice(2, 5).sort()).toEqual(['createPickingTask', 'issueInvoice', 'postErpSale']);
  expect(calls.slice(5)).toEqual(rest);
}
