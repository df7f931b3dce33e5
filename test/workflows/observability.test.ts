// The worker's observability wiring on the real time-skipping server: a workflow's `log` call and an activity's
// failure reach the process's pino logger with workflowId and orderId, and the workflow's metric sinks, registered
// on Worker.create, count into the Prometheus registry.
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Runtime, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Registry } from 'prom-client';
import { createLogger, temporalLogger } from '../../workers/logging';
import { createMetricSinks } from '../../workers/metrics';
import { startTimeSkippingEnv } from '../helpers/workflow-env';

const lines: Record<string, unknown>[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
    done();
  },
});

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  // Before the test server's connection exists, as a process entry point does (startTimeSkippingEnv then finds
  // the runtime installed and leaves it).
  Runtime.install({ logger: temporalLogger(createLogger('info', destination)) });
  env = await startTimeSkippingEnv();
});
afterAll(() => env?.teardown());

test('a workflow log call and an activity failure reach pino with workflowId and orderId; sinks count', async () => {
  const registry = new Registry();
  const taskQueue = 'observability';
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: fileURLToPath(new URL('../fixtures/observed-workflow.ts', import.meta.url)),
    activities: {
      failOnce: () => Promise.reject(new Error('the warehouse said no')),
    },
    sinks: createMetricSinks(registry),
  });
  const workflowId = 'order:webstore:LOG-1';
  const result = await worker.runUntil(
    env.client.workflow.execute('observedWorkflow', { taskQueue, workflowId, args: ['webstore'] }),
  );
  expect(result).toBe('activity failed as planned');

  const workflowLine = lines.find((l) => l.msg === 'observed workflow started');
  expect(workflowLine).toMatchObject({
    level: 'info',
    workflowId,
    orderId: 'webstore:LOG-1',
    workflowType: 'observedWorkflow',
    sdkComponent: 'workflow',
    channel: 'webstore',
  });
  expect(typeof workflowLine?.runId).toBe('string');

  const activityLine = lines.find((l) => l.msg === 'Activity failed');
  expect(activityLine).toMatchObject({
    level: 'warn',
    workflowId,
    orderId: 'webstore:LOG-1',
    activityType: 'failOnce',
    err: expect.objectContaining({ message: 'the warehouse said no' }),
  });
  // The task token completes the activity from outside: it must not be in the logs.
  expect(activityLine).not.toHaveProperty('taskToken');

  const text = await registry.metrics();
  expect(text).toContain('oms_orders_status_entered_total{status="new",channel="webstore"} 1');
  expect(text).toContain('oms_reservation_refusals_total{channel="webstore"} 1');
});
