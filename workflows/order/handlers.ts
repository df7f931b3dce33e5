// The order workflow's message handlers, registered before its first await. Signals are external events (each
// de-duplicated by the sender's event id); updates are commands whose validators refuse what the state does not
// allow (the API answers 409 with the validator's message).
import { CancellationScope, condition, setHandler } from '@temporalio/workflow';
import {
  acceptanceUpdate,
  cancelOrderUpdate,
  carrierEventSignal,
  orderQuery,
  paymentEventSignal,
  refundDecisionUpdate,
  requestReturnUpdate,
  retryStepUpdate,
  skipStepUpdate,
  warehouseEventSignal,
  type CancelRequest,
  type CarrierEvent,
  type OperatorAction,
  type RefundDecision,
  type WarehouseEvent,
} from '../../contract/workflow';
import { carrierTarget, isCancelable, isStaleCarrierEvent, returnRequestProblem } from '../../domain/order';
import type { OrderContext } from './context';
import { conflict, type OperatorCommand } from './operator';
import { onPaymentEvent } from './payment';

export function registerHandlers(ctx: OrderContext, mainScope: CancellationScope): void {
  const { s, desk } = ctx;

  setHandler(orderQuery, () => s.view());

  setHandler(acceptanceUpdate, async ({ requestId }) => {
    // Answers once stock is reserved or refused (or the order ended): never with an order that holds nothing.
    await condition(() => s.accepted);
    return { created: requestId === s.input.requestId, order: s.view() };
  });

  setHandler(paymentEventSignal, (event) => onPaymentEvent(ctx, event));
  setHandler(carrierEventSignal, (event) => onCarrierEvent(ctx, event));
  setHandler(warehouseEventSignal, (event) => onWarehouseEvent(ctx, event));

  setHandler(
    cancelOrderUpdate,
    async ({ reason, actor }) => {
      s.canceling = { reason, actor };
      s.log({ type: 'cancel_requested', detail: reason, actor });
      mainScope.cancel();
      // Answer once compensated, or as soon as a compensation is stuck and waits for an operator.
      await condition(() => s.order.status === 'canceled' || (s.compensating && desk.awaiting));
      return s.view();
    },
    {
      validator: (_request: CancelRequest) => {
        // An acceptance stuck on a failing step may be canceled; one still running may not (yet).
        if (!s.accepted && !desk.awaiting) throw conflict('the order is still being accepted');
        if (s.canceling) throw conflict('the order is already being canceled');
        if (!isCancelable(s.order.status)) throw conflict(`an order that is ${s.order.status} cannot be canceled`);
        if (s.parcelMoving) throw conflict('the carrier already has the parcel: it cannot be canceled any more, return it instead');
      },
    },
  );

  setHandler(
    requestReturnUpdate,
    async (request) => {
      s.pendingReturn = { lines: request.lines, reason: request.reason, actor: request.actor };
      await condition(() => s.order.status !== 'delivered' || s.order.needsAttention);
      return s.view();
    },
    {
      validator: (request) => {
        if (s.order.status !== 'delivered') throw conflict(`an order that is ${s.order.status} cannot be returned`);
        if (!s.returnWindowOpen) throw conflict('the return window has closed');
        if (s.pendingReturn) throw conflict('a return is already being opened');
        const problem = returnRequestProblem(s.order.lines, request.lines);
        if (problem) throw conflict(problem);
      },
    },
  );

  const operatorUpdate = (kind: OperatorCommand['kind']) => ({
    handler: async (action: OperatorAction) => {
      const wait = desk.check(kind);
      wait.command = { kind, actor: action.actor, reason: action.reason };
      await condition(() => wait.command === undefined);
      return s.view();
    },
    validator: (_action: OperatorAction) => {
      desk.check(kind);
    },
  });
  const retry = operatorUpdate('retry');
  setHandler(retryStepUpdate, retry.handler, { validator: retry.validator });
  const skip = operatorUpdate('skip');
  setHandler(skipStepUpdate, skip.handler, { validator: skip.validator });

  setHandler(
    refundDecisionUpdate,
    async (decision) => {
      s.refundDecision = decision;
      s.log({ type: 'refund_decision', detail: `${decision.refundDamaged ? 'refund' : 'no refund'}: ${decision.reason}`, actor: decision.actor });
      await condition(() => !desk.waits.some((w) => w.step === 'refund_decision'));
      return s.view();
    },
    {
      validator: (_decision: RefundDecision) => {
        if (!desk.waits.some((w) => w.step === 'refund_decision')) throw conflict('no returned damaged items wait for a decision');
        if (s.refundDecision) throw conflict('a refund decision was already given and is being applied');
      },
    },
  );
}

/** Carrier tracking: moves the order on; movement during or after a cancel is something a person must see. */
function onCarrierEvent(ctx: OrderContext, event: CarrierEvent): void {
  const { s } = ctx;
  if (s.duplicate(`carrier:${event.eventId}`)) return;
  s.shipment?.events.push({ eventId: event.eventId, status: event.status, at: event.at });
  const target = carrierTarget(event.status);
  if (s.canceling || s.order.status === 'canceled') {
    s.log({ type: 'carrier_event', detail: `${event.carrier} ${event.trackingNumber} ${event.status} (order canceling)` });
    if (target !== null) {
      ctx.operator.alert(
        'carrier_after_cancel',
        `${event.carrier} reports ${event.status} for ${event.trackingNumber} although the order was canceled: get the parcel back`,
      );
    }
    s.publish();
    return;
  }
  if (isStaleCarrierEvent(s.order.status, event.status)) {
    s.log({ type: 'ignored_event', detail: `carrier ${event.status} while ${s.order.status}` });
    s.publish();
    return;
  }
  s.log({ type: 'carrier_event', detail: `${event.carrier} ${event.trackingNumber} ${event.status}` });
  if (target === null) s.publish(); // delivery_failed changes no status but belongs in the read model now
  if (target === 'shipped') s.carrierNews.pickedUp = true;
  if (target === 'delivered') s.carrierNews.delivered = true;
  if (target === 'return_pending') s.carrierNews.returnedToSender = true;
}

/** Warehouse: packed (kept whenever it arrives before shipping) and return_received. */
function onWarehouseEvent(ctx: OrderContext, event: WarehouseEvent): void {
  const { s } = ctx;
  if (s.duplicate(`warehouse:${event.eventId}`)) return;
  if (event.type === 'packed') {
    // Callbacks can overtake each other (a quick warehouse's report may be handled in the same workflow task as
    // the payment that released the order): a packed report is kept and used at picking.
    if (!isCancelable(s.order.status) || s.packed || s.canceling) {
      s.log({ type: 'ignored_event', detail: `warehouse packed while ${s.order.status}` });
      s.publish();
      return;
    }
    s.log({ type: 'warehouse_event', detail: 'packed' });
    s.packed = true;
    return;
  }
  onReturnReceived(ctx, event);
}

/** The warehouse received the parcel of the return in progress (v2 and v3 alike). */
export function onReturnReceived(ctx: OrderContext, event: WarehouseEvent): void {
  const { s } = ctx;
  if (s.order.status !== 'return_pending' || s.returnReceived) {
    s.log({ type: 'ignored_event', detail: `warehouse return_received while ${s.order.status}` });
    s.publish();
    return;
  }
  s.log({ type: 'warehouse_event', detail: `return_received ${JSON.stringify(event.lines ?? [])}` });
  s.returnReceived = event.lines ?? [];
}
