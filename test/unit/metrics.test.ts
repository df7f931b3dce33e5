// The metric sinks the worker registers, called the way the SDK calls them, and the pure parts of the
// observability code: route labels, request ids, the SDK log adapter, the /metrics token check.
import type { WorkflowInfo } from '@temporalio/workflow';
import { Registry } from 'prom-client';
import { routeMatcher } from '../../api/access-log';
import { bearerMatches } from '../../api/metrics';
import { requestIdFrom } from '../../api/request-context';
import { createLogger, orderIdOfWorkflow, temporalLogger } from '../../workers/logging';
import { createMetricSinks } from '../../workers/metrics';

const info = { workflowId: 'order:webstore:M-1' } as WorkflowInfo;

describe('metric sinks', () => {
  test('each sink function increments its counter with its labels', async () => {
    const registry = new Registry();
    const { metrics } = createMetricSinks(registry);
    await metrics.statusEntered.fn(info, 'paid', 'webstore');
    await metrics.statusEntered.fn(info, 'paid', 'webstore');
    await metrics.statusEntered.fn(info, 'shipped', 'trendyol');
    await metrics.attentionRaised.fn(info, 'commit', 'webstore');
    await metrics.compensationFailed.fn(info, 'refund', 'webstore');
    await metrics.reservationRefused.fn(info, 'n11');
    const text = await registry.metrics();
    expect(text).toContain('oms_orders_status_entered_total{status="paid",channel="webstore"} 2');
    expect(text).toContain('oms_orders_status_entered_total{status="shipped",channel="trendyol"} 1');
    expect(text).toContain('oms_attention_raised_total{step="commit",channel="webstore"} 1');
    expect(text).toContain('oms_compensation_failures_total{name="refund",channel="webstore"} 1');
    expect(text).toContain('oms_reservation_refusals_total{channel="n11"} 1');
  });

  test('no sink runs during replay, so a worker replaying a history does not count its statuses again', () => {
    const { metrics } = createMetricSinks(new Registry());
    for (const sink of Object.values(metrics)) expect(sink.callDuringReplay).toBe(false);
  });
});

describe('route labels', () => {
  const match = routeMatcher([
    { method: 'get', fullPath: '/orders/{id}' },
    { method: 'post', fullPath: '/orders/{id}/cancel' },
    { method: 'get', fullPath: '/orders' },
  ]);

  test('a path is labelled with its declared pattern and yields the order id', () => {
    expect(match('GET', '/orders/webstore%3AX-1')).toEqual({ route: '/orders/{id}', orderId: 'webstore:X-1' });
    expect(match('POST', '/orders/webstore:X-1/cancel')).toEqual({ route: '/orders/{id}/cancel', orderId: 'webstore:X-1' });
    expect(match('GET', '/orders/')).toEqual({ route: '/orders', orderId: undefined });
  });

  test('an undeclared path or method is `unmatched`, never the raw path', () => {
    expect(match('GET', '/wp-admin/setup.php')).toEqual({ route: 'unmatched' });
    expect(match('DELETE', '/orders/webstore:X-1')).toEqual({ route: 'unmatched' });
  });

  test('a malformed percent-encoding keeps the route but gives no order id', () => {
    expect(match('GET', '/orders/%E0%A4%A')).toEqual({ route: '/orders/{id}', orderId: undefined });
  });
});

test('a sane incoming request id is kept; anything else is replaced by a UUID', () => {
  expect(requestIdFrom('abc-123_x.y:z')).toBe('abc-123_x.y:z');
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  expect(requestIdFrom(undefined)).toMatch(uuid);
  expect(requestIdFrom('has space')).toMatch(uuid);
  expect(requestIdFrom('x'.repeat(129))).toMatch(uuid);
  expect(requestIdFrom('line\nbreak')).toMatch(uuid);
});

test('the order id is read from order and late-payment workflow ids only', () => {
  expect(orderIdOfWorkflow('order:webstore:A-1')).toBe('webstore:A-1');
  expect(orderIdOfWorkflow('late-payment:webstore:A-1:evt-9')).toBe('webstore:A-1');
  expect(orderIdOfWorkflow('bench-noop-1')).toBeUndefined();
  expect(orderIdOfWorkflow(undefined)).toBeUndefined();
});

test("the SDK's own INFO lines are kept out below TEMPORAL_LOG_LEVEL; workflow and activity lines are not", () => {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  const logger = temporalLogger(createLogger('info', destination), 'WARN');
  logger.info('Workflow bundle created', { sdkComponent: 'worker' });
  logger.info('Worker state changed', {});
  logger.info('from workflow code', { sdkComponent: 'workflow' });
  logger.info('from activity code', { sdkComponent: 'activity' });
  logger.warn('Activity failed', { sdkComponent: 'worker' });
  expect(lines.map((l) => l.msg)).toEqual(['from workflow code', 'from activity code', 'Activity failed']);
});

test('the SDK log adapter maps levels and honours OMS_LOG_LEVEL', () => {
  const lines: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  const logger = temporalLogger(createLogger('warn', destination));
  logger.info('dropped below warn', { workflowId: 'order:webstore:A-1' });
  logger.log('WARN', 'kept', { workflowId: 'order:webstore:A-1', [Symbol.for('log_timestamp')]: 1n });
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ level: 'warn', msg: 'kept', orderId: 'webstore:A-1', service: 'oms' });
});

test('the metrics token is compared exactly', () => {
  expect(bearerMatches('Bearer 0123456789abcdef', '0123456789abcdef')).toBe(true);
  expect(bearerMatches('Bearer 0123456789abcdeX', '0123456789abcdef')).toBe(false);
  expect(bearerMatches('Bearer 0123456789abcde', '0123456789abcdef')).toBe(false);
  expect(bearerMatches(undefined, '0123456789abcdef')).toBe(false);
});
