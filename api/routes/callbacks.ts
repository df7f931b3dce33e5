// /callbacks: signed events from payment providers, carriers and the warehouse. Each is logged per sender
// (`payments`, `warehouse`, `carrier:<name>`), then handed to the order's workflow as a signal (the workflow
// drops repeats by event id), then marked as matched or not. A repeat of an event that already reached its
// order is acknowledged without a second signal. A payment for an order that was canceled and has ended goes to
// a late-payment settlement instead; one for an order not yet placed stays unmatched until the order claims it.
// A warehouse `rejected` goes as an update (id: the event id) instead, since the order may refuse it (409).
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import {
  callbackAcceptedSchema,
  carrierCallbackSchema,
  paymentCallbackSchema,
  warehouseCallbackSchema,
} from '../../contract/schemas';
import { CARRIERS } from '../../contract/types';
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError, consoleLogger } from '../errors';
import { createCallbackDelivery } from '../callback-delivery';
import { RouteTable } from '../route-table';
import { SIGNATURE_HEADER, verifyCallbackSignature } from '../signature';

const accepted = {
  200: { description: 'Handed to the order (or, for a payment after it was canceled, to its refund), or stored as unmatched', schema: callbackAcceptedSchema },
};

/** The sender a callback path belongs to: `payments`, `warehouse` or the carrier's name. */
export function callbackSender(path: string): string {
  const [first, second] = path.split('/').filter(Boolean);
  return first === 'carriers' ? (second ?? '') : (first ?? '');
}

/**
 * Checks the HMAC over the raw bytes, with the secret of the sender the path names (its own, or the shared one), then
 * parses them as JSON; the order matters (no parsing of unsigned input).
 */
function signedJson(secretFor: (sender: string) => string): RequestHandler {
  return (req, _res, next) => {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const check = verifyCallbackSignature(secretFor(callbackSender(req.path)), req.get(SIGNATURE_HEADER), raw);
    if (!check.ok) {
      const why = {
        missing: `Missing ${SIGNATURE_HEADER} header`,
        malformed: `Malformed ${SIGNATURE_HEADER} header; expected t=<unix seconds>,v1=<hex>`,
        stale: 'Signature timestamp is more than 300 s away from now',
        mismatch: 'Signature does not match the body',
      }[check.reason];
      throw new ApiError('invalid_signature', why);
    }
    try {
      req.body = raw.length === 0 ? undefined : (JSON.parse(raw.toString('utf8')) as unknown);
    } catch {
      throw new ApiError('invalid_json', 'The request body is not valid JSON');
    }
    next();
  };
}

/** A field the schema's refinements require for this callback type (so a miss is a bug here: 500, not 400). */
function validated<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw new Error(`warehouse callback passed validation without ${field}`);
  return value;
}

/** Routes under /callbacks. */
export function callbackRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { config, store, orders } = deps;
  const logger = deps.logger ?? consoleLogger;
  const table = new RouteTable('/callbacks', 'callbacks', keys);
  // Raw bytes for every content type: the signature covers exactly what was sent.
  table.router.use(
    express.raw({ type: () => true, limit: config.bodyLimit }),
    signedJson((sender) => config.callbackSecrets[sender] ?? config.webhookSecret),
  );

  const deliver = createCallbackDelivery({ store, logger, metrics: deps.metrics });

  table.add(
    {
      method: 'post',
      path: '/payments',
      operationId: 'paymentCallback',
      summary: 'Payment provider event',
      auth: 'signature',
      body: paymentCallbackSchema,
      responses: accepted,
    },
    async ({ req, res, body }) => {
      const event = {
        eventId: body.eventId,
        type: body.type,
        amount: body.amount,
        currency: body.currency,
        at: body.at ?? new Date().toISOString(),
      };
      const record = { source: 'payments', eventId: body.eventId, orderId: body.orderId, payload: req.body } as const;
      await deliver(record, async (id) => {
        const outcome = await orders.signalPayment(id, event);
        if (outcome === 'delivered' || (event.type !== 'authorized' && event.type !== 'captured')) return outcome;
        // Money for an order that was canceled and has ended (a capture after the payment timeout): give it back.
        const order = await store.getOrder(id);
        if (order?.status !== 'canceled') return outcome;
        await orders.settleLatePayment(
          { orderId: id, event, total: order.totals.total, currency: order.totals.currency },
          { channel: order.channel, externalOrderId: order.externalOrderId },
        );
        return 'delivered';
      });
      res.json({ accepted: true });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/carriers/{carrier}',
      operationId: 'carrierCallback',
      summary: 'Carrier tracking event, routed to the order by tracking number',
      auth: 'signature',
      params: z.object({ carrier: z.enum(CARRIERS).describe('Carrier sending the event.') }),
      body: carrierCallbackSchema,
      responses: accepted,
    },
    async ({ req, res, params, body }) => {
      const orderId = await store.findOrderIdByTracking(body.trackingNumber, params.carrier);
      const event = {
        eventId: body.eventId,
        carrier: params.carrier,
        trackingNumber: body.trackingNumber,
        status: body.status,
        at: body.at,
      };
      const source = `carrier:${params.carrier}` as const;
      await deliver({ source, eventId: body.eventId, orderId, payload: req.body }, (id) => orders.signalCarrier(id, event));
      res.json({ accepted: true });
    },
  );

  table.add(
    {
      method: 'post',
      path: '/warehouse',
      operationId: 'warehouseCallback',
      summary: 'Warehouse or store event (packed, return received, rejected)',
      description:
        '`packed` and `return_received` are handed to the order. `rejected` (orders accepted since orderWorkflowV3): the ' +
        "location cannot supply its unit (`fulfillmentId`; an order with one live unit may omit it) or the given lines of it; " +
        'this answers once the order has re-sourced them elsewhere or canceled them. A repeat of the same `eventId` ' +
        "gets the first one's outcome.",
      auth: 'signature',
      body: warehouseCallbackSchema,
      responses: {
        ...accepted,
        409: {
          description:
            '`rejected` refused by the order (e.g. the unit has shipped, or names lines it does not hold), or an order ' +
            'accepted before fulfillment units (orderWorkflowV3)',
        },
      },
    },
    async ({ req, res, body }) => {
      const at = body.at ?? new Date().toISOString();
      const record = { source: 'warehouse', eventId: body.eventId, orderId: body.orderId, payload: req.body } as const;
      const fulfillmentId = body.fulfillmentId !== undefined ? { fulfillmentId: body.fulfillmentId } : {};
      if (body.type === 'rejected') {
        const rejection = {
          eventId: body.eventId,
          ...fulfillmentId,
          lines: body.lines?.map((line) => ({ sku: line.sku, quantity: line.quantity })),
          reason: validated(body.reason, 'reason'),
          at,
        };
        await deliver(record, (id) => orders.rejectFulfillment(id, rejection));
      } else {
        const event = {
          eventId: body.eventId,
          type: body.type,
          ...fulfillmentId,
          lines: body.lines?.map((line) => ({
            sku: line.sku,
            quantity: line.quantity,
            condition: validated(line.condition, 'lines[].condition'),
          })),
          at,
        };
        await deliver(record, (id) => orders.signalWarehouse(id, event));
      }
      res.json({ accepted: true });
    },
  );

  return table;
}
