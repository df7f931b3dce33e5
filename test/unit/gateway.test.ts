// translate(): the one place Temporal's client errors become API errors, fed the SDK's own error classes as the
// client raises them (a gRPC failure is built the way @grpc/grpc-js builds it: code, details, metadata).
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { ApiError } from '../../api/errors';
import { translate } from '../../api/gateway';
import { FailureType, cancelLinesUpdate, rejectFulfillmentUpdate } from '../../contract/workflow';

function grpcError(code: GrpcStatus, details: string): Error {
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

function updateFailed(type: string, message: string): WorkflowUpdateFailedError {
  return new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type, message, nonRetryable: true }),
  );
}

/** The ApiError translate() made of `err`; fails the test when it passed the error through. */
function asApiError(err: unknown, context?: Parameters<typeof translate>[1]): ApiError {
  const out = translate(err, context);
  expect(out).toBeInstanceOf(ApiError);
  return out as ApiError;
}

describe('gateway translate()', () => {
  it('maps a StateConflict refusal by the workflow to 409 with the workflow’s message', () => {
    const refusal = updateFailed(FailureType.StateConflict, 'Order webstore:WS-1 has shipped; request a return');
    const out = asApiError(refusal);
    expect(out.status).toBe(409);
    expect(out.code).toBe('conflict');
    expect(out.message).toBe('Order webstore:WS-1 has shipped; request a return');
  });

  it('maps an InvalidInput refusal to 400 with its message', () => {
    const out = asApiError(updateFailed(FailureType.InvalidInput, 'lines.0.sku: SKU-9 is not on the order'));
    expect(out.status).toBe(400);
    expect(out.code).toBe('bad_request');
    expect(out.message).toBe('lines.0.sku: SKU-9 is not on the order');
  });

  it('maps an update the order’s workflow has no handler for (an earlier workflow type) to 409 saying what to do', () => {
    // As @temporalio/workflow 1.24 rejects it (internals.ts, rejectBufferedUpdates); the dev server test in
    // legacy-order-commands.test.ts checks that a real v1/v2 order answers exactly this.
    const noHandler = (name: string) =>
      new WorkflowUpdateFailedError(
        'Workflow Update failed',
        ApplicationFailure.nonRetryable(`No registered handler for update: ${name}`),
      );
    const partial = asApiError(noHandler(cancelLinesUpdate.name));
    expect([partial.status, partial.code, partial.message]).toEqual([
      409,
      'conflict',
      'partial cancel needs an order with fulfillment units (accepted since orderWorkflowV3); cancel the whole order instead',
    ]);
    const rejected = asApiError(noHandler(rejectFulfillmentUpdate.name));
    expect([rejected.status, rejected.message]).toEqual([
      409,
      'rejected needs an order with fulfillment units (accepted since orderWorkflowV3); this order cannot be re-sourced: ' +
        'ask an operator to cancel it instead',
    ]);
    const other = asApiError(noHandler('somethingNew'));
    expect([other.status, other.message]).toEqual([409, "The order's workflow (an earlier version) does not take somethingNew"]);
    // Only that exact refusal: another failure that mentions handlers is still a fault.
    const bug = updateFailed('Error', 'handler crashed: No registered handler for update: cancelLines');
    expect(translate(bug)).toBe(bug);
  });

  it('passes any other workflow failure through, so it is logged and answered 500', () => {
    const other = updateFailed('RangeError', 'bug');
    expect(translate(other)).toBe(other);
    const plain = new Error('something else');
    expect(translate(plain)).toBe(plain);
  });

  it('maps gRPC UNAVAILABLE, raw or wrapped in the client’s ServiceError, to 503 "Temporal is unreachable"', () => {
    const raw = grpcError(GrpcStatus.UNAVAILABLE, 'No connection established');
    const wrapped = new ServiceError('Failed to start Workflow', { cause: raw });
    for (const err of [raw, wrapped]) {
      const out = asApiError(err);
      expect(out.status).toBe(503);
      expect(out.message).toBe('Temporal is unreachable; try again shortly');
    }
  });

  it('maps a DEADLINE_EXCEEDED to 503, naming Temporal only when Temporal did not answer either', () => {
    const deadline = new ServiceError('Failed to query Workflow', {
      cause: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'),
    });
    const unknown = asApiError(deadline);
    expect(unknown.status).toBe(503);
    expect(unknown.message).toBe('Temporal is unreachable; try again shortly');

    const down = asApiError(deadline, { temporalReachable: false });
    expect(down.message).toBe('Temporal is unreachable; try again shortly');

    // A query that timed out while Temporal answers: the workflow had no worker to run it. Such a query is seen
    // to end CANCELLED as well as DEADLINE_EXCEEDED.
    const cancelled = new ServiceError('Failed to query Workflow', {
      cause: grpcError(GrpcStatus.CANCELLED, 'Call cancelled'),
    });
    for (const err of [deadline, cancelled]) {
      const noWorker = asApiError(err, { temporalReachable: true });
      expect(noWorker.status).toBe(503);
      expect(noWorker.message).toMatch(/^The order's workflow is not answering in time \(its worker is busy or down\)/);
      expect(noWorker.message).not.toMatch(/Temporal is unreachable/);
    }
  });

  it('maps WorkflowUpdateRPCTimeoutOrCancelledError to 503 saying the order’s workflow is not answering', () => {
    const timeout = new WorkflowUpdateRPCTimeoutOrCancelledError('Deadline exceeded', {
      cause: grpcError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'),
    });
    for (const context of [undefined, { temporalReachable: true }]) {
      const out = asApiError(timeout, context);
      expect(out.status).toBe(503);
      expect(out.message).toMatch(/^The order's workflow is not answering in time/);
      expect(out.retryAfterSeconds).toBe(5);
    }
    const temporalDown = asApiError(timeout, { temporalReachable: false });
    expect(temporalDown.message).toBe('Temporal is unreachable; try again shortly');
  });

  it('maps FAILED_PRECONDITION "Workflow Task in failed state" to 503 saying the workflow task is failing', () => {
    const failedTask = new ServiceError('Workflow Update failed', {
      cause: grpcError(
        GrpcStatus.FAILED_PRECONDITION,
        'Unable to perform workflow execution update due to Workflow Task in failed state.',
      ),
    });
    const out = asApiError(failedTask);
    expect(out.status).toBe(503);
    expect(out.message).toBe("The order's workflow task is failing and being retried; try again shortly");
    expect(out.message).not.toMatch(/dependency/i);
    // The log line is built from the cause chain: it must reach Temporal's own words.
    expect(out.cause).toBe(failedTask);
  });

  it('maps WorkflowNotFoundError to 404 for a missing order and 409 "closed" for one that has ended', () => {
    const notFound = new WorkflowNotFoundError('workflow not found', 'order:webstore:WS-404', undefined);
    const missing = asApiError(notFound, { closed: false });
    expect(missing.status).toBe(404);
    expect(missing.message).toBe('Order not found');
    const ended = asApiError(notFound, { closed: true });
    expect(ended.status).toBe(409);
    expect(ended.message).toBe('The order is closed and accepts no more changes');
  });
});
