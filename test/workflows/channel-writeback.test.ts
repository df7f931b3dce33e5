// The write-back queue workflow on the real time-skipping test server and the real bundle, its one activity replaced
// by a recording fake on the channel's own task queue: ordering per order, de-duplication by key, the seq rule, and
// a request that fails for good not holding up the rest.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import type { ChannelWriteBackActivities } from '../../contract/activities';
import {
  CHANNEL_WRITEBACK_WORKFLOW_TYPE,
  writeBackQueueQuery,
  writeBackRequestSignal,
  writeBackTaskQueue,
  type WriteBackQueueState,
  type WriteBackRequest,
} from '../../contract/workflow';
import { startTimeSkippingEnv, workflowBundle } from '../helpers/workflow-env';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTimeSkippingEnv();
});
afterAll(async () => {
  await env?.teardown();
});

let run = 0;
const request = (orderId: string, seq: number, status = `s${seq}`): WriteBackRequest => ({
  key: `channel:${orderId}:${status}:${seq}`,
  orderId,
  channel: 'trendyol',
  externalOrderId: orderId.split(':')[1] ?? orderId,
  status,
  seq,
  reason: 'status',
});

/** Runs the queue with `push` as its activity on oms-writeback-trendyol; `body` gets the workflow's handle. */
async function withQueue(
  initial: Partial<WriteBackQueueState>,
  push: ChannelWriteBackActivities['pushChannelStatus'],
  body: (handle: Awaited<ReturnType<TestWorkflowEnvironment['client']['workflow']['start']>>) => Promise<void>,
): Promise<void> {
  run += 1;
  const workflowQueue = `wb-test-${run}`;
  const workflows = await Worker.create({ connection: env.nativeConnection, taskQueue: workflowQueue, workflowBundle: await workflowBundle() });
  const activities = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: writeBackTaskQueue('trendyol'),
    activities: { pushChannelStatus: push },
  });
  const state: WriteBackQueueState = { channel: 'trendyol', pending: [], seen: [], lastSeq: {}, ...initial };
  await activities.runUntil(
    workflows.runUntil(async () => {
      const handle = await env.client.workflow.start(CHANNEL_WRITEBACK_WORKFLOW_TYPE, {
        workflowId: `channel-writeback:test-${run}`,
        taskQueue: workflowQueue,
        args: [state],
      });
      try {
        await body(handle);
      } finally {
        await handle.terminate('test over');
      }
    }),
  );
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test("an order's requests run in seq order, a repeated key runs once, and a seq not newer than the last pushed is dropped", async () => {
  const calls: string[] = [];
  const push: ChannelWriteBackActivities['pushChannelStatus'] = async (r) => {
    calls.push(`${r.orderId}#${r.seq}`);
    return { orderId: r.orderId, packages: [], steps: [] };
  };
  // Signalled out of order (background activities race): seq 3 before seq 1.
  const a3 = request('trendyol:A', 3);
  const a1 = request('trendyol:A', 1);
  const b1 = request('trendyol:B', 1);
  await withQueue({ pending: [a3, a1, b1], seen: [a3.key, a1.key, b1.key] }, push, async (handle) => {
    await until(() => calls.length === 3);
    expect(calls.filter((c) => c.startsWith('trendyol:A'))).toEqual(['trendyol:A#1', 'trendyol:A#3']);
    await handle.signal(writeBackRequestSignal, a1); // a repeat: same key
    await handle.signal(writeBackRequestSignal, request('trendyol:A', 2)); // older than the pushed seq 3
    await handle.signal(writeBackRequestSignal, request('trendyol:A', 4));
    await until(async () => (await handle.query(writeBackQueueQuery)).done.length === 5);
    const { done, pending } = await handle.query(writeBackQueueQuery);
    expect(pending).toEqual([]);
    expect(done.find((d) => d.key === request('trendyol:A', 2).key)).toMatchObject({ outcome: 'dropped', detail: 'seq 2 is not newer than 3, already pushed' });
    expect(calls.filter((c) => c.startsWith('trendyol:A'))).toEqual(['trendyol:A#1', 'trendyol:A#3', 'trendyol:A#4']);
  });
});

test('a request the marketplace refuses for good is recorded as failed and the queue goes on with the next', async () => {
  const calls: string[] = [];
  const push: ChannelWriteBackActivities['pushChannelStatus'] = async (r) => {
    calls.push(r.key);
    if (r.orderId === 'trendyol:BAD') throw ApplicationFailure.nonRetryable('trendyol: 400 shipment package 1 cannot go from Invoiced to Picking', 'Channel_rejected');
    return { orderId: r.orderId, packages: ['1'], steps: ['Picking 1'] };
  };
  await withQueue({}, push, async (handle) => {
    await handle.signal(writeBackRequestSignal, request('trendyol:BAD', 1));
    await handle.signal(writeBackRequestSignal, request('trendyol:GOOD', 1));
    await until(async () => (await handle.query(writeBackQueueQuery)).done.length === 2);
    const { done } = await handle.query(writeBackQueueQuery);
    expect(done.find((d) => d.key === request('trendyol:BAD', 1).key)).toMatchObject({
      outcome: 'failed',
      detail: 'trendyol: 400 shipment package 1 cannot go from Invoiced to Picking',
    });
    expect(done.find((d) => d.key === request('trendyol:GOOD', 1).key)).toMatchObject({ outcome: 'pushed', detail: 'Picking 1' });
    expect(calls).toHaveLength(2);
  });
});
