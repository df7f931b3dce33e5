// The v3 order's message handlers: the v2 ones (query, acceptance, payment, operator retry/skip, refund decision)
// are registered first and the ones that know about units replace or join them: carrier and warehouse events go to
// their unit, cancel takes what has not shipped, partial cancels and rejections queue a change for the coordinator,
// and a return may follow a completed one.
import { condition, setHandler, type CancellationScope } from '@temporalio/workflow';
import {
  cancelLinesUpdate,
  cancelOrderUpdate,
  carrierEventSignal,
  rejectFulfillmentUpdate,
  requestReturnUpdate,
  warehouseEventSignal,
  type CancelRequest,
  type CarrierEvent,
  type WarehouseEvent,
} from '../../../contract/workflow';
import type { StockLine } from '../../../contract/types';
import { cancelLinesProblem, describeLines, isStaleUnitCarrierEvent } from '../../../domain/fulfillment';
import { carrierTarget, returnRequestProblem } from '../../../domain/order';
import { onReturnReceived, registerHandlers } from '../handlers';
import { conflict } from '../operator';
import type { V3Context } from './context';
import { returnable } from './returns';

export function registerHandlersV3(ctx: V3Context, mainScope: CancellationScope): void {
  const { s, desk } = ctx;
  registerHandlers(ctx, mainScope);

  setHandler(carrierEventSignal, (event) => onCarrierEvent(ctx, event));
  setHandler(warehouseEventSignal, (event) => onWarehouseEvent(ctx, event));

  /** What may still be canceled, less what queued cancels will take. */
  const cancelable = () => {
    const left = s.cancelable();
    for (const change of ctx.changes) {
      if (change.kind !== 'cancel') continue;
      for (const l of change.lines) left.set(l.sku, (left.get(l.sku) ?? 0) - l.quantity);
    }
    return left;
  };
  const everythingLeft = (): StockLine[] =>
    [...cancelable()].filter(([, q]) => q > 0).map(([sku, quantity]) => ({ sku, quantity }));
  const anyMoving = () => s.units.some((u) => u.live && u.moving);

  const commonCancelChecks = () => {
    // An acceptance stuck on a failing step may be canceled; one still running may not (yet).
    if (!s.accepted && !desk.awaiting) throw conflict('the order is still being accepted');
    if (s.canceling) throw conflict('the order is already being canceled');
    const status = s.order.status;
    if (status !== 'new' && status !== 'confirmed' && status !== 'picking') {
      throw conflict(`an order that is ${status} cannot be canceled`);
    }
  };

  setHandler(
    cancelOrderUpdate,
    async ({ reason, actor }) => {
      if (!anyMoving()) {
        // Nothing has left a location: the whole order is canceled and every side effect compensated.
        s.canceling = { reason, actor };
        s.log({ type: 'cancel_requested', detail: reason, actor });
        mainScope.cancel();
        await condition(() => s.order.status === 'canceled' || (s.compensating && desk.awaiting));
        return s.view();
      }
      // Some units are with the carrier: cancel everything else, the shipped units go on.
      const lines = everythingLeft();
      s.log({ type: 'cancel_requested', detail: `${reason}: what has not shipped (${describeLines(lines)})`, actor });
      const change = { kind: 'cancel' as const, lines, reason, actor, done: false };
      ctx.changes.push(change);
      await condition(() => change.done);
      return s.view();
    },
    {
      validator: (_request: CancelRequest) => {
        commonCancelChecks();
        if (anyMoving() && everythingLeft().length === 0) {
          throw conflict('every unit is with the carrier: nothing is left to cancel, return it instead');
        }
      },
    },
  );

  setHandler(
    cancelLinesUpdate,
    async ({ lines, reason, actor }) => {
      s.log({ type: 'cancel_requested', detail: `${reason}: ${describeLines(lines)}`, actor });
      const change = { kind: 'cancel' as const, lines: lines.map((l) => ({ ...l })), reason, actor, done: false };
      ctx.changes.push(change);
      await condition(() => change.done);
      return s.view();
    },
    {
      validator: ({ lines }) => {
        commonCancelChecks();
        if (!s.unitsStarted) {
          throw conflict(`an order that is ${s.order.status} has no fulfillment units yet: cancel it whole, or once it is confirmed`);
        }
        const problem = cancelLinesProblem(s.order.lines, cancelable(), lines);
        if (problem) throw conflict(problem);
      },
    },
  );

  setHandler(
    rejectFulfillmentUpdate,
    async (rejection) => {
      const unit = s.unitById(rejection.fulfillmentId)!;
      const lines = rejection.lines ?? unit.lines.map((l) => ({ ...l }));
      const change = { kind: 'reject' as const, unitId: unit.id, lines, reason: rejection.reason, eventId: rejection.eventId, done: false };
      ctx.changes.push(change);
      await condition(() => change.done);
      return s.view();
    },
    {
      validator: (rejection) => {
        if (s.canceling || s.order.status === 'canceled') throw conflict('the order is canceled or being canceled');
        if (!s.unitsStarted) throw conflict(`an order that is ${s.order.status} has no fulfillment units at a location yet`);
        const unit = s.unitById(rejection.fulfillmentId);
        if (!unit) {
          throw conflict(
            rejection.fulfillmentId === undefined
              ? `the order has ${s.units.filter((u) => u.live).length} fulfillment units: name the fulfillmentId`
              : `fulfillmentId ${rejection.fulfillmentId} is not a unit of this order`,
          );
        }
        if (!unit.live) throw conflict(`${unit.id} is ${unit.status}`);
        if (unit.moving) throw conflict(`${unit.id} is already with the carrier`);
        if (ctx.changes.some((c) => c.kind === 'reject' && c.unitId === unit.id)) throw conflict(`a rejection of ${unit.id} is being applied`);
        for (const [i, l] of (rejection.lines ?? []).entries()) {
          const held = unit.lines.find((u) => u.sku === l.sku)?.quantity ?? 0;
          if (held === 0) throw conflict(`lines[${i}].sku ${l.sku} is not in ${unit.id}`);
          if (l.quantity > held) throw conflict(`lines[${i}].quantity ${l.quantity} exceeds the ${held} of ${l.sku} in ${unit.id}`);
        }
      },
    },
  );

  setHandler(
    requestReturnUpdate,
    async (request) => {
      s.pendingReturn = { lines: request.lines, reason: request.reason, actor: request.actor };
      await condition(() => s.pendingReturn === undefined || s.order.needsAttention);
      return s.view();
    },
    {
      validator: (request) => {
        const status = s.order.status;
        if (status !== 'delivered' && status !== 'return_completed') throw conflict(`an order that is ${status} cannot be returned`);
        if (!s.returnWindowOpen) throw conflict('the return window has closed');
        if (s.pendingReturn) throw conflict('a return is already being opened');
        const left = returnable(ctx);
        const lines = s.order.lines.map((l) => ({ ...l, quantity: Math.max(0, left.get(l.sku) ?? 0), returnedQuantity: 0 }));
        const problem = returnRequestProblem(lines, request.lines);
        if (problem) throw conflict(problem);
      },
    },
  );
}

/** Carrier tracking, routed to the unit by carrier and tracking number. */
function onCarrierEvent(ctx: V3Context, event: CarrierEvent): void {
  const { s } = ctx;
  if (s.duplicate(`carrier:${event.eventId}`)) return;
  const unit = s.unitByTracking(event.carrier, event.trackingNumber);
  const what = `${event.carrier} ${event.trackingNumber} ${event.status}`;
  if (!unit) {
    s.log({ type: 'ignored_event', detail: `carrier ${what}: no unit of this order has that tracking number` });
    s.publish();
    return;
  }
  unit.events.push({ eventId: event.eventId, status: event.status, at: event.at, trackingNumber: event.trackingNumber });
  const target = carrierTarget(event.status);
  const labelCanceled = unit.label?.trackingNumber !== event.trackingNumber;
  if (s.canceling || s.order.status === 'canceled' || !unit.live || labelCanceled) {
    s.log({ type: 'carrier_event', detail: `${what} (${unit.id} canceled)` });
    if (target !== null) {
      ctx.operator.alert('carrier_after_cancel', `${event.carrier} reports ${event.status} for ${event.trackingNumber} although ${unit.id} was canceled: get the parcel back`);
    }
    s.publish();
    return;
  }
  if (isStaleUnitCarrierEvent(unit.status, event.status)) {
    const which = s.units.length > 1 ? ` (${unit.id})` : '';
    s.log({ type: 'ignored_event', detail: `carrier ${event.status} while ${unit.status}${which}` });
    s.publish();
    return;
  }
  s.log({ type: 'carrier_event', detail: `${what} (${unit.id})` });
  if (target === null) s.publish();
  if (target === 'shipped') unit.news.pickedUp = true;
  if (target === 'delivered') unit.news.delivered = true;
  if (target === 'return_pending') unit.news.returnedToSender = true;
}

/** Warehouse: packed for a unit (kept whenever it arrives before shipping) and return_received. */
function onWarehouseEvent(ctx: V3Context, event: WarehouseEvent): void {
  const { s } = ctx;
  if (s.duplicate(`warehouse:${event.eventId}`)) return;
  if (event.type === 'packed') {
    const unit = s.unitById(event.fulfillmentId);
    if (!unit || !unit.live || unit.moving || unit.packed || s.canceling || s.order.status === 'canceled') {
      const which = unit ? `${unit.id} ${unit.status}` : (event.fulfillmentId ?? 'no fulfillmentId, several units');
      s.log({ type: 'ignored_event', detail: `warehouse packed (${which})` });
      s.publish();
      return;
    }
    s.log({ type: 'warehouse_event', detail: `packed ${unit.id}` });
    unit.packed = true;
    return;
  }
  onReturnReceived(ctx, event);
}
