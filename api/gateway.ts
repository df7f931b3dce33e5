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
import type { OrderInput, OrderView } from '../contract/types';
import {
  type AcceptanceResult,
  type CancelRequest,
  type CarrierEvent,
  type LatePaymentInput,
  type OperatorAction,
  type PaymentEvent,
  type RefundDecision,
  type ReturnRequest,
  type WarehouseEvent,
  FailureType,
  LATE_PAYMENT_WORKFLOW_TYPE,
  ORDER_WORKFLOW_TYPE,
  OrderStatusAttr,
  TASK_QUEUE,
  acceptanceUpdate,
  cancelOrderUpdate,
  carrierEventSignal,
  orderSearchAttributes,
  latePaymentWorkflowId,
  orderQuery,
  orderWorkflowId,
  paymentEventSignal,
  refundDecisionUpdate,
  requestReturnUpdate,
  retryStepUpdate,
  skipStepUpdate,
  warehouseEventSignal,
} from '../contract/workflow';
import { ApiError } from './errors';

/** 'not_found': no workflow for the order, or it has closed; the callback is then stored as unmatched. */
export type SignalOutcome = 'delivered' | 'not_found';

/**
 * What the API needs from the order workflows. Command methods resolve with the order after the
 * workflow accepted the command and throw ApiError: `not_found`, `conflict` (the order's state
 * refuses; message from the workflow), `unavailable` (Temporal unreachable).
 */
export interface OrderGateway {
  /** Starts the order's workflow unless it exists, then waits until stock is reserved or refused. */
  createOrder(input: OrderInput): Promise<AcceptanceResult>;
  /** The order read from its workflow; null when there is no such workflow. */
  getLiveOrder(orderId: string): Promise<OrderView | null>;
  cancel(orderId: string, request: CancelRequest): Promise<OrderView>;
  requestReturn(orderId: string, request: ReturnRequest): Promise<OrderView>;
  retry(orderId: string, action: OperatorAction): Promise<OrderView>;
  skip(orderId: string, action: OperatorAction & { reason: string }): Promise<OrderView>;
  decideRefund(orderId: string, decision: RefundDecision): Promise<OrderView>;
  signalPayment(orderId: string, event: PaymentEvent): Promise<SignalOutcome>;
  signalCarrier(orderId: string, event: CarrierEvent): Promise<SignalOutcome>;
  signalWarehouse(orderId: string, event: WarehouseEvent): Promise<SignalOutcome>;
  /** Starts, once per order and payment event, the void or refund of a payment that reached an ended, canceled order. */
  settleLatePayment(input: LatePaymentInput, order: { channel: string; externalOrderId: string }): Promise<void>;
  /** Throws when Temporal (or the namespace) is unreachable; used by GET /health. */
  ping(): Promise<void>;
}

type OrderWorkflow = (input: OrderInput) => Promise<unknown>;

const PING_TIMEOUT_MS = 3000;
// gRPC status codes that mean "the service is not reachable right now" rather than "your request is wrong".
const GRPC_UNAVAILABLE_CODES = new Set([
  1 /* CANCELLED */, 4 /* DEADLINE_EXCEEDED */, 8 /* RESOURCE_EXHAUSTED */, 14 /* UNAVAILABLE */,
]);

function grpcCode(err: unknown): number | undefined {
  if (isGrpcServiceError(err)) return err.code;
  if (err instanceof ServiceError && isGrpcServiceError(err.cause)) return err.cause.code;
  return undefined;
}

/** Maps Temporal client errors to API errors; `closed` tells a finished order from a missing one. */
function translate(err: unknown, closed = false): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      if (cause.type === FailureType.StateConflict)
        return new ApiError('conflict', cause.message, undefined, { cause: err });
      if (cause.type === FailureType.InvalidInput)
        return new ApiError('bad_request', cause.message, undefined, { cause: err });
    }
    return err; // an unexpected workflow fault: the error middleware logs it and answers 500
  }
  if (err instanceof WorkflowNotFoundError) {
    return closed
      ? new ApiError('conflict', 'The order is closed and accepts no more changes', undefined, { cause: err })
      : new ApiError('not_found', 'Order not found', undefined, { cause: err });
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError('unavailable', 'The order did not answer in time; try again', undefined, { cause: err });
  }
  const code = grpcCode(err);
  if (code !== undefined && GRPC_UNAVAILABLE_CODES.has(code)) {
    return new ApiError('unavailable', 'Temporal is unreachable; try again shortly', undefined, { cause: err });
  }
  return err;
}

/** The production gateway over a connected Temporal client. */
export function createTemporalGateway(client: Client): OrderGateway {
  const handleFor = (orderId: string): WorkflowHandle<OrderWorkflow> =>
    client.workflow.getHandle<OrderWorkflow>(orderWorkflowId(orderId));

  /** Tells "finished" from "never existed" after Temporal answered NOT_FOUND for a running-only operation. */
  async function exists(handle: WorkflowHandle<OrderWorkflow>): Promise<boolean> {
    try {
      await handle.describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw translate(err);
    }
  }

  async function update<Arg>(
    orderId: string,
    run: (handle: WorkflowHandle<OrderWorkflow>) => Promise<Arg>,
  ): Promise<Arg> {
    const handle = handleFor(orderId);
    try {
      return await run(handle);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw translate(err, await exists(handle));
      throw translate(err);
    }
  }

  async function signal(
    orderId: string,
    send: (handle: WorkflowHandle<OrderWorkflow>) => Promise<void>,
  ): Promise<SignalOutcome> {
    try {
      await send(handleFor(orderId));
      return 'delivered';
    } catch (err) {
      // Missing and closed workflows both answer NOT_FOUND: either way the event is stored as unmatched.
      if (err instanceof WorkflowNotFoundError) return 'not_found';
      throw translate(err);
    }
  }

  return {
    async createOrder(input) {
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
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw translate(err);
        handle = client.workflow.getHandle<OrderWorkflow>(workflowId);
      }
      try {
        // The workflow answers once stock is reserved or refused; `created` compares requestIds, so of
        // two concurrent identical requests exactly one is told "created".
        return await handle.executeUpdate(acceptanceUpdate, { args: [{ requestId: input.requestId }] });
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw translate(err);
        // The workflow already closed (e.g. canceled out of stock): its final state is still queryable.
        try {
          return { created: startedHere, order: await handle.query(orderQuery) };
        } catch (queryErr) {
          throw translate(queryErr);
        }
      }
    },

    async getLiveOrder(orderId) {
      try {
        return await handleFor(orderId).query(orderQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return null;
        throw translate(err);
      }
    },

    cancel: (orderId, request) => update(orderId, (h) => h.executeUpdate(cancelOrderUpdate, { args: [request] })),
    requestReturn: (orderId, request) =>
      update(orderId, (h) => h.executeUpdate(requestReturnUpdate, { args: [request] })),
    retry: (orderId, action) => update(orderId, (h) => h.executeUpdate(retryStepUpdate, { args: [action] })),
    skip: (orderId, action) => update(orderId, (h) => h.executeUpdate(skipStepUpdate, { args: [action] })),
    decideRefund: (orderId, decision) =>
      update(orderId, (h) => h.executeUpdate(refundDecisionUpdate, { args: [decision] })),

    signalPayment: (orderId, event) => signal(orderId, (h) => h.signal(paymentEventSignal, event)),
    signalCarrier: (orderId, event) => signal(orderId, (h) => h.signal(carrierEventSignal, event)),
    signalWarehouse: (orderId, event) => signal(orderId, (h) => h.signal(warehouseEventSignal, event)),

    async settleLatePayment(input, order) {
      try {
        // REJECT_DUPLICATE: a repeated callback, even after the settlement finished, never starts a second one.
        await client.workflow.start(LATE_PAYMENT_WORKFLOW_TYPE, {
          workflowId: latePaymentWorkflowId(input.orderId, input.event.eventId),
          taskQueue: TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: orderSearchAttributes(order),
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw translate(err);
      }
    },

    async ping() {
      try {
        await client.withDeadline(Date.now() + PING_TIMEOUT_MS, () =>
          client.workflowService.describeNamespace({ namespace: client.options.namespace }),
        );
      } catch (err) {
        throw translate(err);
      }
    },
  };
}
