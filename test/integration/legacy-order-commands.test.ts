// Orders started on the workflow types before fulfillment units (orderWorkflow, orderWorkflowV2) against the commands
// that came with them, on the real dev server through HTTP: a partial cancel and a warehouse `rejected` reach a
// workflow that has no handler for them, and the API answers 409 saying what to do instead (api/gateway.ts maps the
// SDK's "No registered handler for update" refusal). The order is untouched: it goes on, is packed with a
// `fulfillmentId` (the warehouse signal as before) and can still be canceled whole.
//
// SQLite only: the refusal is Temporal's and the worker's; the callback log it touches runs on both databases in
// api-contract.test.ts and store.test.ts.
import { randomUUID } from 'node:crypto';
import { CallbackLog } from '../../entities/read-model';
import type { OrderInput, OrderView } from '../../contract/types';
import {
  LEGACY_ORDER_WORKFLOW_TYPES,
  ORDER_WORKFLOW_TYPE,
  OrderStatusAttr,
  TASK_QUEUE,
  acceptanceUpdate,
  orderSearchAttributes,
  orderWorkflowId,
} from '../../contract/workflow';
import {
  authorize,
  eventually,
  getOrder,
  inventory,
  KEYS,
  orderBody,
  seedSku,
  unique,
  waitForStatus,
  withSystem,
  type TestSystem,
} from '../helpers/system';

const PARTIAL_CANCEL_REFUSED =
  'partial cancel needs an order with fulfillment units (accepted since orderWorkflowV3); cancel the whole order instead';
const REJECTION_REFUSED =
  'rejected needs an order with fulfillment units (accepted since orderWorkflowV3); this order cannot be re-sourced: ' +
  'ask an operator to cancel it instead';

/** The workflow types orders in flight may still run on; new orders may start a newer one. */
const EARLIER_TYPES = ['orderWorkflow', 'orderWorkflowV2'] as const;

describe('commands for fulfillment units on orders of earlier workflow types', () => {
  let sys: TestSystem;

  withSystem('sqlite', (started) => (sys = started));

  it('still registers both earlier workflow types', () => {
    const registered: string[] = [ORDER_WORKFLOW_TYPE, ...LEGACY_ORDER_WORKFLOW_TYPES];
    for (const type of EARLIER_TYPES) expect(registered).toContain(type);
  });

  /**
   * Starts an order on `workflowType` the way the gateway starts one (same id, queue, search attributes, acceptance
   * update), since POST /orders always starts the newest type.
   */
  async function legacyOrder(workflowType: string, sku: string): Promise<OrderView> {
    const body = orderBody(unique('WS'), [
      { sku, quantity: 2, unitPrice: '149.90' },
    ]) as unknown as Pick<OrderInput, 'externalOrderId' | 'customer' | 'shippingAddress' | 'lines' | 'currency' | 'payment'>;
    const orderId = `webstore:${body.externalOrderId}`;
    const input: OrderInput = {
      orderId,
      channel: 'webstore',
      externalOrderId: body.externalOrderId,
      customer: body.customer,
      shippingAddress: body.shippingAddress,
      lines: body.lines,
      currency: body.currency,
      payment: body.payment,
      carrier: sys.config.defaultCarrier,
      receivedAt: new Date().toISOString(),
      requestId: randomUUID(),
      timers: sys.config.timers,
    };
    const handle = await sys.temporal.client.workflow.start(workflowType, {
      workflowId: orderWorkflowId(orderId),
      taskQueue: TASK_QUEUE,
      args: [input],
      typedSearchAttributes: [{ key: OrderStatusAttr, value: 'new' }, ...orderSearchAttributes(input)],
    });
    const accepted = await handle.executeUpdate(acceptanceUpdate, { args: [{ requestId: input.requestId }] });
    expect(accepted.order.status).toBe('new');
    return accepted.order;
  }

  async function callbackRow(eventId: string) {
    return sys.db.orm.em.fork().findOne(CallbackLog, { source: 'warehouse', eventId }, { disableIdentityMap: true });
  }

  it.each(EARLIER_TYPES)(
    'an %s order answers 409 to a partial cancel and to rejected, and goes on as before',
    async (workflowType) => {
      const sku = await seedSku(sys, 5);
      const order = await legacyOrder(workflowType, sku);
      const handle = sys.temporal.client.workflow.getHandle(orderWorkflowId(order.id));
      expect((await handle.describe()).type).toBe(workflowType);

      const partial = await sys.call('POST', `/orders/${order.id}/cancel`, {
        key: KEYS.webstore,
        body: { reason: 'customer_request', lines: [{ sku, quantity: 1 }] },
      });
      expect(partial).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: PARTIAL_CANCEL_REFUSED } } });

      await authorize(sys, order);
      await waitForStatus(sys, order.id, 'picking');

      // The location rejects: refused, the event kept in the callback log as not matched, a repeat judged again.
      const rejection = {
        eventId: unique('wh-rej'),
        orderId: order.id,
        type: 'rejected',
        fulfillmentId: `${order.id}/1`,
        lines: [{ sku, quantity: 1 }],
        reason: 'shelf_empty',
      };
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await sys.signed('/callbacks/warehouse', rejection);
        expect(refused).toMatchObject({ status: 409, body: { error: { code: 'conflict', message: REJECTION_REFUSED } } });
        expect(await callbackRow(rejection.eventId)).toMatchObject({ matched: false, orderId: order.id });
      }

      // Nothing moved: both units still reserved, the order still picking, no cancel in its timeline.
      const untouched = await getOrder(sys, order.id);
      expect(untouched.status).toBe('picking');
      expect(untouched.timeline.map((e) => e.type)).not.toContain('cancel_requested');
      expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 2 });

      // packed with a fulfillmentId is the warehouse signal it always was: the label follows.
      const packed = await sys.signed('/callbacks/warehouse', {
        eventId: unique('wh'),
        orderId: order.id,
        type: 'packed',
        fulfillmentId: `${order.id}/1`,
      });
      expect(packed.status).toBe(200);
      await eventually(async () => expect((await getOrder(sys, order.id)).shipment?.trackingNumber).toBeDefined());

      // And the whole order can still be canceled, with its compensations.
      const whole = await sys.call<OrderView>('POST', `/orders/${order.id}/cancel`, {
        key: KEYS.webstore,
        body: { reason: 'customer_request' },
      });
      expect(whole.status).toBe(200);
      expect(whole.body.status).toBe('canceled');
      await eventually(async () => expect(await inventory(sys, sku)).toMatchObject({ onHand: 5, reserved: 0 }));
    },
  );
});
