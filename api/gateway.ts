// Everything the API asks of Temporal, behind one interface: routes stay testable without a
// cluster, and Temporal's errors are translated into API errors in exactly one place.
import {
  type Client,
  type WorkflowHandle,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  isGrpcServiceError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import type { OrderInput, OrderView } from '../contract/types';
import {
  type AcceptanceResult,
  type CancelLinesRequest,
  type CancelRequest,
  type CarrierEvent,
  type FulfillmentRejection,
  type LatePaymentInput,
  type OperatorAction,
  type PaymentEvent,
  type RefundDecision,
  type ReturnRequest,
  type WarehouseEvent,
  type WriteBackQueueView,
  FailureType,
  LATE_PAYMENT_WORKFLOW_TYPE,
  ORDER_WORKFLOW_TYPE,
  OrderStatusAttr,
  TASK_QUEUE,
  acceptanceUpdate,
  cancelLinesUpdate,
  cancelOrderUpdate,
  carrierEventSignal,
  channelWriteBackWorkflowId,
  orderSearchAttributes,
  latePaymentWorkflowId,
  orderQuery,
  orderWorkflowId,
  paymentEventSignal,
  refundDecisionUpdate,
  rejectFulfillmentUpdate,
  requestReturnUpdate,
  retryStepUpdate,
  skipStepUpdate,
  warehouseEventSignal,
  writeBackQueueQuery,
} from '../contract/workflow';
import { ApiError } from './errors';

/** 'not_found': no workflow for the order, or it has closed; the callback is then stored as unmatched. */
export type SignalOutcome = 'delivered' | 'not_found';

/**
 * What the API needs from the order workflows. Command methods resolve with the order after the
 * workflow accepted the command and throw ApiError: `not_found`, `conflict` (the order's state
 * refuses; message from the workflow), `unavailable` (Temporal unreachable, or the order's workflow did not
 * answer within the gateway's deadline).
 */
export interface OrderGateway {
  /** Starts the order's workflow unless it exists, then waits until stock is reserved or refused. */
  createOrder(input: OrderInput): Promise<AcceptanceResult>;
  /** The order read from its workflow; null when there is no such workflow. */
  getLiveOrder(orderId: string): Promise<OrderView | null>;
  cancel(orderId: string, request: CancelRequest): Promise<OrderView>;
  /** Cancels some quantities (orderWorkflowV3); an order on an earlier workflow type answers `conflict`. */
  cancelLines(orderId: string, request: CancelLinesRequest): Promise<OrderView>;
  requestReturn(orderId: string, request: ReturnRequest): Promise<OrderView>;
  retry(orderId: string, action: OperatorAction): Promise<OrderView>;
  skip(orderId: string, action: OperatorAction & { reason: string }): Promise<OrderView>;
  decideRefund(orderId: string, decision: RefundDecision): Promise<OrderView>;
  signalPayment(orderId: string, event: PaymentEvent): Promise<SignalOutcome>;
  signalCarrier(orderId: string, event: CarrierEvent): Promise<SignalOutcome>;
  signalWarehouse(orderId: string, event: WarehouseEvent): Promise<SignalOutcome>;
  /**
   * A location's rejection (orderWorkflowV3), an update whose id is the warehouse's event id: a repeat, while the
   * first runs or after it, gets the first one's outcome. 'not_found' like a signal for a missing or ended order;
   * `conflict` when the workflow refuses it, an order on an earlier workflow type included.
   */
  rejectFulfillment(orderId: string, rejection: FulfillmentRejection): Promise<SignalOutcome>;
  /** Starts, once per order and payment event, the void or refund of a payment that reached an ended, canceled order. */
  settleLatePayment(input: LatePaymentInput, order: { channel: string; externalOrderId: string }): Promise<void>;
  /**
   * What a marketplace's write-back queue (channel-writeback:<channel>) holds now; null when it has not started
   * (no status change was written back yet). Answers within a few seconds or throws (GET /integrations).
   */
  writeBackQueue(channel: string): Promise<WriteBackQueueView | null>;
  /** Throws when Temporal (or the namespace) is unreachable; used by GET /health. */
  ping(): Promise<void>;
  /** Throws when no worker has polled the order task queue lately (orders would wait unanswered); GET /health. */
  pingWorkers(): Promise<void>;
}

type OrderWorkflow = (input: OrderInput) => Promise<unknown>;

/** How long a request waits on Temporal and the order's workflow before answering 503 (OMS_UPDATE_TIMEOUT). */
export const DEFAULT_ANSWER_TIMEOUT_MS = 10_000;
const PING_TIMEOUT_MS = 3000;
// After a request timed out: a quick look tells "Temporal is down" from "the order's workflow is not answering".
const REACHABILITY_TIMEOUT_MS = 1000;
// A polling worker re-polls at least once per long-poll (about 60 s on the server), so a poller last seen longer
// ago than this is gone; the server itself keeps listing departed pollers for minutes.
const POLLER_FRESH_MS = 90_000;
// GET /health is probed often; the poller list is asked for at most this often.
const POLLER_CACHE_MS = 2000;
// Retry-After for a workflow that is not answering: a worker restart or a workflow-task retry takes seconds.
const WORKFLOW_RETRY_AFTER_S = 5;

// gRPC status codes that mean "the service is not reachable right now" rather than "your request is wrong".
const GRPC_UNAVAILABLE_CODES = new Set([
  1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */,
]);
const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_FAILED_PRECONDITION = 9;

function grpcCode(err: unknown): number | undefined {
  if (isGrpcServiceError(err)) return err.code;
  const wrapper = err instanceof ServiceError || err instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
  if (wrapper && isGrpcServiceError(err.cause)) return err.cause.code;
  return undefined;
}

/** True when the call ran out of its deadline: either Temporal or the order's workflow did not answer in time. */
function timedOut(err: unknown): boolean {
  // The gateway never cancels a call itself; a query that waited for a worker past its deadline is seen to end
  // CANCELLED as well as DEADLINE_EXCEEDED (measured against the dev server).
  const code = grpcCode(err);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  return code === GRPC_DEADLINE_EXCEEDED || code === GRPC_CANCELLED;
}

/** What the gateway knew when a Temporal call failed. */
export interface TranslateContext {
  /** The workflow exists but has closed (tells "finished" from "never existed" on NOT_FOUND). */
  closed?: boolean;
  /** Checked after a timeout: whether Temporal itself answered a quick call; undefined when not checked. */
  temporalReachable?: boolean;
}

const temporalUnreachable = (cause: unknown) =>
  new ApiError('unavailable', 'Temporal is unreachable; try again shortly', undefined, { cause });

/**
 * What @temporalio/workflow 1.24 rejects an update with when the workflow registered no handler for it (an order on
 * an earlier workflow type): `ApplicationFailure.nonRetryable("No registered handler for update: <name>")`, type
 * `Error`, which reaches the client as the cause of a WorkflowUpdateFailedError (internals.ts,
 * rejectBufferedUpdates; measured against the dev server in test/integration/legacy-order-commands.test.ts).
 */
const NO_UPDATE_HANDLER = /^No registered handler for update: (.+)$/;

/** What the API says instead, per update an earlier order workflow type does not have. */
const NEEDS_NEWER_WORKFLOW: Record<string, string> = {
  [cancelLinesUpdate.name]:
    'partial cancel needs an order with fulfillment units (accepted since orderWorkflowV3); cancel the whole order instead',
  [rejectFulfillmentUpdate.name]:
    'rejected needs an order with fulfillment units (accepted since orderWorkflowV3); this order cannot be re-sourced: ' +
    'ask an operator to cancel it instead',
};

/** Maps Temporal client errors to API errors; anything it does not know is returned as is (a 500). */
export function translate(err: unknown, context: TranslateContext = {}): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      if (cause.type === FailureType.StateConflict)
        return new ApiError('conflict', cause.message, undefined, { cause: err });
      if (cause.type === FailureType.InvalidInput)
        return new ApiError('bad_request', cause.message, undefined, { cause: err });
      const missing = NO_UPDATE_HANDLER.exec(cause.message)?.[1];
      if (missing !== undefined) {
        const message =
          NEEDS_NEWER_WORKFLOW[missing] ?? `The order's workflow (an earlier version) does not take ${missing}`;
        return new ApiError('conflict', message, undefined, { cause: err });
      }
    }
    return err; // an unexpected workflow fault: the error middleware logs it and answers 500
  }
  if (err instanceof WorkflowNotFoundError) {
    return context.closed
      ? new ApiError('conflict', 'The order is closed and accepts no more changes', undefined, { cause: err })
      : new ApiError('not_found', 'Order not found', undefined, { cause: err });
  }
  if (timedOut(err)) {
    // An update that timed out reached Temporal unless the quick check says otherwise; a bare gRPC deadline did
    // not, unless the check says Temporal answers (then it was the workflow: a query waiting for a worker).
    const workflowSilent = context.temporalReachable ?? err instanceof WorkflowUpdateRPCTimeoutOrCancelledError;
    if (!workflowSilent) return temporalUnreachable(err);
    return new ApiError(
      'unavailable',
      "The order's workflow is not answering in time (its worker is busy or down); try again shortly",
      undefined,
      { cause: err, retryAfterSeconds: WORKFLOW_RETRY_AFTER_S },
    );
  }
  const code = grpcCode(err);
  if (code === GRPC_FAILED_PRECONDITION && err instanceof ServiceError) {
    // Temporal refuses updates while the workflow's last task failed or timed out (e.g. its worker died
    // mid-task); the task is being retried, so the same request succeeds shortly.
    return new ApiError(
      'unavailable',
      "The order's workflow task is failing and being retried; try again shortly",
      undefined,
      { cause: err, retryAfterSeconds: WORKFLOW_RETRY_AFTER_S },
    );
  }
  if (code !== undefined && GRPC_UNAVAILABLE_CODES.has(code)) return temporalUnreachable(err);
  return err;
}

export interface GatewayOptions {
  /** Deadline of every request's Temporal calls, the workflow's answer to an update or query included. */
  answerTimeoutMs?: number;
}

/** The production gateway over a connected Temporal client; every call is bounded by `answerTimeoutMs`. */
export function createTemporalGateway(client: Client, options: GatewayOptions = {}): OrderGateway {
  const answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
  const handleFor = (orderId: string): WorkflowHandle<OrderWorkflow> =>
    client.workflow.getHandle<OrderWorkflow>(orderWorkflowId(orderId));
  const namespace = client.options.namespace;

  /** Runs `fn` with one deadline for all its Temporal calls: without it an update waits for a worker forever. */
  const bounded = <T>(fn: () => Promise<T>): Promise<T> => client.withDeadline(Date.now() + answerTimeoutMs, fn);

  async function temporalAnswers(): Promise<boolean> {
    try {
      await client.withDeadline(Date.now() + REACHABILITY_TIMEOUT_MS, () =>
        client.workflowService.describeNamespace({ namespace }),
      );
      return true;
    } catch {
      return false;
    }
  }

  /** translate(), after asking Temporal whether it answers when the failure was a timeout. */
  async function translated(err: unknown, closed?: boolean): Promise<unknown> {
    const temporalReachable = timedOut(err) ? await temporalAnswers() : undefined;
    return translate(err, { closed, temporalReachable });
  }

  /** Tells "finished" from "never existed" after Temporal answered NOT_FOUND for a running-only operation. */
  async function exists(handle: WorkflowHandle<OrderWorkflow>): Promise<boolean> {
    try {
      await bounded(() => handle.describe());
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw await translated(err);
    }
  }

  async function update<Arg>(
    orderId: string,
    run: (handle: WorkflowHandle<OrderWorkflow>) => Promise<Arg>,
  ): Promise<Arg> {
    const handle = handleFor(orderId);
    try {
      return await bounded(() => run(handle));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw await translated(err, await exists(handle));
      throw await translated(err);
    }
  }

  async function signal(
    orderId: string,
    send: (handle: WorkflowHandle<OrderWorkflow>) => Promise<void>,
  ): Promise<SignalOutcome> {
    try {
      await bounded(() => send(handleFor(orderId)));
      return 'delivered';
    } catch (err) {
      // Missing and closed workflows both answer NOT_FOUND: either way the event is stored as unmatched.
      if (err instanceof WorkflowNotFoundError) return 'not_found';
      throw await translated(err);
    }
  }

  let pollers: { at: number; check: Promise<void> } | undefined;
  /** Whether some worker polled the order task queue lately; throws naming the queue when none did. */
  async function checkPollers(): Promise<void> {
    const { pollers: seen } = await client.withDeadline(Date.now() + PING_TIMEOUT_MS, () =>
      client.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: TASK_QUEUE, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    const freshSince = Date.now() - POLLER_FRESH_MS;
    const live = (seen ?? []).filter((p) => (optionalTsToMs(p.lastAccessTime) ?? 0) >= freshSince);
    if (live.length === 0) {
      throw new Error(`no worker has polled task queue ${TASK_QUEUE} in the last ${POLLER_FRESH_MS / 1000} s`);
    }
  }

  return {
    createOrder: (input) =>
      bounded(async () => {
        const workflowId = orderWorkflowId(input.orderId);
        let handle: WorkflowHandle<OrderWorkflow>;
        let startedHere = false;
        try {
          // FAIL + REJECT_DUPLICATE: whatever state an earlier run is in, a second workflow for the order never starts.
          handle = await client.workflow.start<OrderWorkflow>(ORDER_WORKFLOW_TYPE, {
            workflowId,
            taskQueue: TASK_QUEUE,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: [{ key: OrderStatusAttr, value: 'new' }, ...orderSearchAttributes(input)],
          });
          startedHere = true;
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw await translated(err);
          handle = client.workflow.getHandle<OrderWorkflow>(workflowId);
        }
        try {
          // The workflow answers once stock is reserved or refused; `created` compares requestIds, so of
          // two concurrent identical requests exactly one is told "created".
          return await handle.executeUpdate(acceptanceUpdate, { args: [{ requestId: input.requestId }] });
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw await translated(err);
          // The workflow already closed (e.g. canceled out of stock): its final state is still queryable.
          try {
            return { created: startedHere, order: await handle.query(orderQuery) };
          } catch (queryErr) {
            throw await translated(queryErr);
          }
        }
      }),

    async getLiveOrder(orderId) {
      try {
        return await bounded(() => handleFor(orderId).query(orderQuery));
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw await translated(err);
      }
    },

    cancel: (orderId, request) => update(orderId, (h) => h.executeUpdate(cancelOrderUpdate, { args: [request] })),
    cancelLines: (orderId, request) =>
      update(orderId, (h) => h.executeUpdate(cancelLinesUpdate, { args: [request] })),
    requestReturn: (orderId, request) =>
      update(orderId, (h) => h.executeUpdate(requestReturnUpdate, { args: [request] })),
    retry: (orderId, action) => update(orderId, (h) => h.executeUpdate(retryStepUpdate, { args: [action] })),
    skip: (orderId, action) => update(orderId, (h) => h.executeUpdate(skipStepUpdate, { args: [action] })),
    decideRefund: (orderId, decision) =>
      update(orderId, (h) => h.executeUpdate(refundDecisionUpdate, { args: [decision] })),

    signalPayment: (orderId, event) => signal(orderId, (h) => h.signal(paymentEventSignal, event)),
    signalCarrier: (orderId, event) => signal(orderId, (h) => h.signal(carrierEventSignal, event)),
    signalWarehouse: (orderId, event) => signal(orderId, (h) => h.signal(warehouseEventSignal, event)),
    // Delivered like a signal (a missing or ended order makes it unmatched), answered like a command: it waits for
    // the workflow's outcome, so its refusal reaches the warehouse as 409.
    rejectFulfillment: (orderId, rejection) =>
      signal(orderId, async (h) => {
        await h.executeUpdate(rejectFulfillmentUpdate, { args: [rejection], updateId: rejection.eventId });
      }),

    async settleLatePayment(input, order) {
      try {
        // REJECT_DUPLICATE: a repeated callback, even after the settlement finished, never starts a second one.
        await bounded(() =>
          client.workflow.start(LATE_PAYMENT_WORKFLOW_TYPE, {
            workflowId: latePaymentWorkflowId(input.orderId, input.event.eventId),
            taskQueue: TASK_QUEUE,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            typedSearchAttributes: orderSearchAttributes(order),
          }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw await translated(err);
      }
    },

    async writeBackQueue(channel) {
      try {
        // A query needs a worker: bounded short, so an operator's view does not wait the answer timeout per queue.
        return await client.withDeadline(Date.now() + PING_TIMEOUT_MS, () =>
          client.workflow.getHandle(channelWriteBackWorkflowId(channel)).query(writeBackQueueQuery),
        );
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw translate(err);
      }
    },

    async ping() {
      try {
        await client.withDeadline(Date.now() + PING_TIMEOUT_MS, () =>
          client.workflowService.describeNamespace({ namespace }),
        );
      } catch (err) {
        throw translate(err);
      }
    },

    pingWorkers() {
      // A failed check is not cached: health must see a worker the moment it polls again.
      if (pollers === undefined || Date.now() - pollers.at > POLLER_CACHE_MS) {
        const check = checkPollers();
        pollers = { at: Date.now(), check };
        check.catch(() => {
          if (pollers?.check === check) pollers = undefined;
        });
      }
      return pollers.check;
    },
  };
}
