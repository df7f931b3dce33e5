// /orders: create, read, list and the commands channels and operators send to an order's workflow.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ORDER_ID_PATTERN,
  attentionSummaryQuerySchema,
  attentionSummarySchema,
  cancelOrderBodySchema,
  createOrderBodySchema,
  listOrdersQuerySchema,
  orderPageSchema,
  orderViewSchema,
  refundDecisionBodySchema,
  retryStepBodySchema,
  returnRequestBodySchema,
  skipStepBodySchema,
  type CreateOrderBody,
} from '../../contract/schemas';
import type { OrderInput, OrderView, TimelineEntry } from '../../contract/types';
import { orderIdFor } from '../../contract/workflow';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { KeyRing, Principal } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { noteOrderId } from '../request-context';
import { RouteTable } from '../route-table';

// Any string: an id that cannot be an order is simply not found (404), like any other order the key cannot see.
const idParams = z.object({
  id: z.string().describe('Order id: `<channel>:<externalOrderId>`; any id that is not a visible order answers 404.'),
});
const orderResponse = (description: string) => ({ description, schema: orderViewSchema });
const notFound = () => new ApiError('not_found', 'Order not found');

/** The channel part of `<channel>:<externalOrderId>`: channel names cannot contain ':'. */
function channelOfOrderId(orderId: string): string {
  return orderId.slice(0, orderId.indexOf(':'));
}

/** A channel may touch its own orders only; anything else, a malformed id included, looks like a missing order. */
function assertVisible(principal: Principal, orderId: string): void {
  if (!ORDER_ID_PATTERN.test(orderId)) throw notFound();
  if (principal.kind === 'channel' && channelOfOrderId(orderId) !== principal.channel) throw notFound();
}

/** Timeline entries whose detail is internal text (integration errors, operator notes on a stuck step). */
const OPERATOR_ONLY_DETAIL = new Set(['attention_raised', 'attention_cleared', 'background_failed']);
const CHANNEL_ATTENTION_REASON = 'The order is waiting for an operator';

/**
 * The order as `principal` may see it. A channel gets no internal error text (real adapters put upstream bodies
 * and hosts there) and no operator names; operators see everything.
 */
export function viewFor(principal: Principal, order: OrderView): OrderView {
  if (principal.kind === 'operator') return order;
  const entry = ({ detail, actor, ...rest }: TimelineEntry): TimelineEntry => ({
    ...rest,
    ...(detail !== undefined && !OPERATOR_ONLY_DETAIL.has(rest.type) ? { detail } : {}),
    ...(actor !== undefined ? { actor: actor.startsWith('operator:') ? 'operator' : actor } : {}),
  });
  return {
    ...order,
    ...(order.attention
      ? { attention: { step: order.attention.step, reason: CHANNEL_ATTENTION_REASON, since: order.attention.since } }
      : {}),
    timeline: order.timeline.map(entry),
  };
}

/**
 * Places a channel's order (POST /orders, a marketplace's webhook or pull): a known order (channel + external id) is
 * answered from the read model, cheap for retries and still right after Temporal's retention removed a long-closed
 * workflow (which would otherwise let a second one start); a new one starts its workflow and answers once stock is
 * reserved or refused.
 */
export async function acceptOrder(
  deps: Pick<ApiDeps, 'config' | 'store' | 'orders' | 'admission'>,
  channel: string,
  body: CreateOrderBody,
): Promise<{ created: boolean; order: OrderView }> {
  const { config, store, orders } = deps;
  const orderId = orderIdFor(channel, body.externalOrderId);
  const known = await store.getOrder(orderId);
  if (known) return { created: false, order: known };
  const input: OrderInput = {
    orderId,
    channel,
    externalOrderId: body.externalOrderId,
    customer: body.customer,
    shippingAddress: body.shippingAddress,
    lines: body.lines,
    currency: body.currency,
    payment: body.payment,
    carrier: body.carrier ?? config.defaultCarrier,
    receivedAt: new Date().toISOString(),
    requestId: randomUUID(),
    timers: config.timers,
    ...(body.payment.method === 'card' || body.payment.method === 'bank_transfer'
      ? { capture: config.captureMode[body.payment.method] }
      : {}),
    ...(body.metadata !== undefined ? { metadata: body.metadata } : {}),
  };
  // A new order goes through the gate (API requests); the worker's own pulls are bounded by their pages and pass.
  return deps.admission ? deps.admission.run(() => orders.createOrder(input)) : orders.createOrder(input);
}

/** Routes under /orders. */
export function ordersRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { config, store, orders } = deps;
  const table = new RouteTable('/orders', 'orders', keys);
  // Order answers carry names, addresses and phone numbers: no cache, shared or private, may keep them.
  table.router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  table.add(
    {
      method: 'post',
      path: '',
      operationId: 'createOrder',
      summary: 'Create an order',
      description:
        'Answers after stock is reserved or refused (status `new`, `confirmed` or `canceled`). The same ' +
        '`externalOrderId` from the same channel again answers 200 with the existing order and creates nothing.',
      auth: 'any',
      body: createOrderBodySchema,
      responses: {
        201: { ...orderResponse('Created'), headers: { Location: 'URL of the new order' } },
        200: orderResponse('The order already existed; nothing was created'),
        403: { description: 'A channel key named another channel' },
      },
    },
    async ({ res, body, principal }) => {
      let channel: string;
      if (principal.kind === 'channel') {
        if (body.channel !== undefined && body.channel !== principal.channel) {
          throw new ApiError('forbidden', `A ${principal.channel} key can create ${principal.channel} orders only`);
        }
        channel = principal.channel;
      } else {
        if (body.channel === undefined) {
          throw ApiError.validation([{ path: 'channel', message: 'is required with an operator key' }]);
        }
        if (config.apiKeys[body.channel] === undefined) {
          const known = Object.keys(config.apiKeys).join(', ');
          throw ApiError.validation([{ path: 'channel', message: `is not a configured channel (${known})` }]);
        }
        channel = body.channel;
      }
      const orderId = orderIdFor(channel, body.externalOrderId);
      noteOrderId(orderId);
      const { created, order } = await acceptOrder(deps, channel, body);
      if (created) res.status(201).location(`/orders/${orderId}`);
      res.json(viewFor(principal, order));
    },
  );

  table.add(
    {
      method: 'get',
      path: '',
      operationId: 'listOrders',
      summary: 'List and search orders, newest first unless `sort` says otherwise',
      description:
        'A channel key lists its own channel only; `nextCursor` is null on the last page. Every filter given must ' +
        'hold (they combine with AND); `sort=waiting_longest` is the attention queue.',
      auth: 'any',
      query: listOrdersQuerySchema,
      responses: { 200: { description: 'One page', schema: orderPageSchema } },
    },
    async ({ res, query, principal }) => {
      if (principal.kind === 'channel' && query.channel !== undefined && query.channel !== principal.channel) {
        // Another channel's orders do not exist for this key: an empty page, as for a channel without orders.
        res.json({ items: [], nextCursor: null });
        return;
      }
      const channel = principal.kind === 'channel' ? principal.channel : query.channel;
      const page = await store.listOrders({ ...query, channel });
      res.json({ ...page, items: page.items.map((order) => viewFor(principal, order)) });
    },
  );

  // Before /{id}: Express matches in order, and `attention` is never an order id (those contain a ':').
  table.add(
    {
      method: 'get',
      path: '/attention',
      operationId: 'getAttentionSummary',
      summary: 'Operator: orders waiting for an operator, counted per step',
      description:
        'Within the filters given (channel, status, location); the orders themselves are ' +
        '`GET /orders?sort=waiting_longest`, with `step` for one step.',
      auth: 'operator',
      query: attentionSummaryQuerySchema,
      responses: { 200: { description: 'The counts', schema: attentionSummarySchema } },
    },
    async ({ res, query }) => {
      res.json(await store.attentionSummary(query));
    },
  );

  table.add(
    {
      method: 'get',
      path: '/{id}',
      operationId: 'getOrder',
      summary: 'Get an order',
      auth: 'any',
      params: idParams,
      responses: { 200: orderResponse('The order'), 404: { description: 'No such order (or another channel’s)' } },
    },
    async ({ res, params, principal }) => {
      assertVisible(principal, params.id);
      // Right after creation the read model may not have the row yet; the workflow itself knows the order.
      const order: OrderView | null = (await store.getOrder(params.id)) ?? (await orders.getLiveOrder(params.id));
      if (order === null || (principal.kind === 'channel' && order.channel !== principal.channel)) throw notFound();
      res.json(viewFor(principal, order));
    },
  );

  const channelPackageSchema = z.object({
    channel: z.string(),
    packageId: z.string(),
    orderNumber: z.string(),
    originPackageIds: z.array(z.string()).describe('The packages this one came from (a split, an unsupplied line)'),
    status: z.string().describe("The marketplace's package status as last seen"),
    createdBy: z.string().nullable().describe('order-creation, cancel, split, transfer'),
    lines: z.array(z.object({ lineId: z.string(), barcode: z.string(), quantity: z.number().int() })),
    supersededBy: z.array(z.string()).describe('The packages that replaced this one'),
    current: z.boolean().describe('Not superseded and not UnPacked/Cancelled/UnSupplied: where the write-back goes'),
    pushed: z.record(z.string(), z.unknown()).describe('What the write-back sent to it (picking, invoiced, invoiceLink, tracking, unsupplied)'),
    modifiedAt: z.string().nullable(),
  });

  table.add(
    {
      method: 'get',
      path: '/{id}/channel-packages',
      operationId: 'getOrderChannelPackages',
      summary: "The marketplace's packages of an order and their lineage",
      description:
        'Every package the marketplace has held the order in (Trendyol re-ids a package on a split or an unsupplied line), ' +
        'oldest first, with its origins, its successors and what the write-back pushed to it. Operators only.',
      auth: 'operator',
      params: idParams,
      responses: {
        200: { description: 'The packages', schema: z.object({ packages: z.array(channelPackageSchema) }) },
        404: { description: 'No such order' },
      },
    },
    async ({ res, params }) => {
      const order = await store.getOrder(params.id);
      if (order === null) throw notFound();
      const packages = (await deps.channelPackages?.ofOrder(order.channel, order.externalOrderId)) ?? [];
      res.json({ packages });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/{id}/cancel',
      operationId: 'cancelOrder',
      summary: 'Cancel an order, or some quantities of it',
      description:
        'Without `lines`: answers once the order is `canceled` and every side effect is compensated. With `lines` ' +
        '(orders accepted since orderWorkflowV3): cancels those quantities of what has not shipped, releases their ' +
        'stock, updates their fulfillment units and voids or refunds their share of the money; answers 200 with the ' +
        'order (`lines[].quantities.canceled`, `totals.canceled`).',
      auth: 'any',
      params: idParams,
      body: cancelOrderBodySchema,
      responses: {
        200: orderResponse('The canceled order, or with `lines` the order after the partial cancel'),
        202: orderResponse('Cancel accepted, but a compensation failed and waits for an operator (`needsAttention`)'),
        404: { description: 'No such order' },
        409: {
          description:
            'Already shipped, delivered or canceled; with `lines`: quantities already shipped or not in the order, ' +
            'or an order accepted before fulfillment units (orderWorkflowV3), which can only be canceled whole',
        },
      },
    },
    async ({ res, params, body, principal }) => {
      assertVisible(principal, params.id);
      const request = { reason: body.reason, actor: principal.actor };
      if (body.lines !== undefined) {
        // The order goes on with its other quantities, so there is no "canceled" status to wait for.
        const order = await orders.cancelLines(params.id, { ...request, lines: body.lines });
        res.json(viewFor(principal, order));
        return;
      }
      const order = await orders.cancel(params.id, request);
      res.status(order.status === 'canceled' ? 200 : 202).json(viewFor(principal, order));
    },
  );

  table.add(
    {
      method: 'post',
      path: '/{id}/returns',
      operationId: 'requestReturn',
      summary: 'Request a return',
      auth: 'any',
      params: idParams,
      body: returnRequestBodySchema,
      responses: {
        202: orderResponse('The order in `return_pending`'),
        404: { description: 'No such order' },
        409: { description: 'Not delivered, window closed, or more than was delivered' },
      },
    },
    async ({ res, params, body, principal }) => {
      assertVisible(principal, params.id);
      const order = await orders
        .requestReturn(params.id, { lines: body.lines, reason: body.reason, actor: principal.actor })
        .catch(async (err: unknown) => {
          // A delivered order's workflow ends when its return window closes: say that, not just "closed".
          const closed = err instanceof ApiError && err.code === 'conflict' && err.cause instanceof WorkflowNotFoundError;
          if (closed && (await store.getOrder(params.id))?.status === 'delivered') {
            throw new ApiError('conflict', 'the return window has closed', undefined, { cause: err });
          }
          throw err;
        });
      res.status(202).json(viewFor(principal, order));
    },
  );

  const operatorResponses = (what: string) => ({
    200: orderResponse(what),
    404: { description: 'No such order' },
    409: { description: 'The order is not in a state that allows this' },
  });

  table.add(
    {
      method: 'post',
      path: '/{id}/retry',
      operationId: 'retryStep',
      summary: 'Operator: retry the step the order is stuck on',
      auth: 'operator',
      params: idParams,
      body: retryStepBodySchema,
      responses: operatorResponses('The order after the retry was accepted'),
    },
    async ({ res, params, body, principal }) => {
      assertVisible(principal, params.id);
      res.json(await orders.retry(params.id, { actor: principal.actor, reason: body.reason }));
    },
  );

  table.add(
    {
      method: 'post',
      path: '/{id}/skip',
      operationId: 'skipStep',
      summary: 'Operator: skip the step the order is stuck on',
      auth: 'operator',
      params: idParams,
      body: skipStepBodySchema,
      responses: operatorResponses('The order after the step was skipped'),
    },
    async ({ res, params, body, principal }) => {
      assertVisible(principal, params.id);
      res.json(await orders.skip(params.id, { actor: principal.actor, reason: body.reason }));
    },
  );

  table.add(
    {
      method: 'post',
      path: '/{id}/refund-decision',
      operationId: 'decideRefund',
      summary: 'Operator: decide the refund of returned lines that came back damaged',
      auth: 'operator',
      params: idParams,
      body: refundDecisionBodySchema,
      responses: operatorResponses('The order after the decision'),
    },
    async ({ res, params, body, principal }) => {
      assertVisible(principal, params.id);
      res.json(
        await orders.decideRefund(params.id, {
          actor: principal.actor,
          refundDamaged: body.refundDamaged,
          reason: body.reason,
        }),
      );
    },
  );

  return table;
}
