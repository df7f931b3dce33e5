// The order workflow as it ran until 2026-12-02 (workflow type `orderWorkflow`), kept byte-for-byte in behaviour so
// that orders started on it replay and finish on it. New orders start `orderWorkflowV2` (workflows/order/). Do not
// change what this file does: fix forward in v2. Determinism: imports only @temporalio/workflow, the contract, domain.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  allHandlersFinished,
  startChild,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { OrderActivities } from '../../contract/activities';
import type {
  OrderInput,
  OrderReturn,
  OrderStatus,
  OrderView,
  Shipment,
  StockLine,
  TimelineEntry,
} from '../../contract/types';
import {
  FailureType,
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
  type CarrierEvent,
  type PaymentEvent,
  type WarehouseEvent,
  type CancelRequest,
  type OperatorAction,
  type RefundDecision,
  OrderStatusAttr,
  NeedsAttentionAttr,
  orderSearchAttributes,
  latePaymentWorkflowId,
} from '../../contract/workflow';
import { latePaymentWorkflow } from '../late-payment';
import {
  canTransition,
  carrierTarget,
  decideRefund,
  isCancelable,
  isStaleCarrierEvent,
  paymentMismatch,
  paymentStatusAfterRefund,
  priceLines,
  returnRequestProblem,
} from '../../domain/order';
import { fromMinor, toMinor } from '../../domain/money';

// Retry groups: bounded everywhere, so a step that keeps failing surfaces as needsAttention instead of hiding.
// The database steps and the notifications are local activities: they run in the worker that runs the workflow
// task, without a round trip through the task queue (a third of the Temporal server's work per order, and most of
// the latency of POST /orders). External systems stay regular activities: visible, rate-limited, any worker.
const DB: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  // Past this backoff the retry waits on a timer, so the workflow task (and the answers it carries) is not held.
  localRetryThreshold: '2s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 8 },
};
const INTEGRATION: ActivityOptions = {
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '30s',
    maximumAttempts: 5,
    nonRetryableErrorTypes: [FailureType.IntegrationRejected],
  },
};
const BACKGROUND: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  localRetryThreshold: '1s',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '10m',
    maximumAttempts: 12,
    nonRetryableErrorTypes: [FailureType.IntegrationRejected],
  },
};

const db = proxyLocalActivities<OrderActivities>(DB);
const ext = proxyActivities<OrderActivities>(INTEGRATION);
const background = proxyLocalActivities<OrderActivities>(BACKGROUND);

const SKIPPED = Symbol('skipped');
type Skippable<T> = T | typeof SKIPPED;

interface Compensation {
  name: string;
  run: () => Promise<unknown>;
}

type OperatorCommand = { kind: 'retry' | 'skip'; actor: string; reason?: string | undefined };

/** One order, end to end; returns the final order view. */
export async function orderWorkflow(input: OrderInput): Promise<OrderView> {
  const { orderId } = input;
  const priced = priceLines(input.lines, input.currency);
  const isPrepaid = input.payment.method === 'card' || input.payment.method === 'bank_transfer';
  const now = () => new Date().toISOString();

  const order: OrderView = {
    id: orderId,
    channel: input.channel,
    externalOrderId: input.externalOrderId,
    status: 'new',
    paymentStatus: 'pending',
    paymentMethod: input.payment.method,
    needsAttention: false,
    lines: priced.lines,
    totals: priced.totals,
    customer: input.customer,
    shippingAddress: input.shippingAddress,
    shipments: [],
    returns: [],
    timeline: [{ at: input.receivedAt, type: 'received', detail: `order received from ${input.channel}` }],
    version: 1,
    createdAt: input.receivedAt,
    updatedAt: input.receivedAt,
  };

  // Workflow-local state that is not part of the view.
  let accepted = false;
  let persistedVersion = 0;
  /** The version the read model must reach: set at changes channels and operators look for, not at every entry. */
  let publishedVersion = 0;
  let finished = false;
  let canceling: { reason: string; actor: string } | undefined;
  /** Payments that arrived when the order could no longer take them (see the payment signal handler). */
  const unsettledPayments: PaymentEvent[] = [];
  let compensating = false;
  let awaitingOperator = false;
  let operatorCommand: OperatorCommand | undefined;
  let paymentOutcome: PaymentEvent['type'] | undefined;
  /** The event behind `paymentOutcome`: its amount and currency are checked against the order. */
  let paymentEvent: PaymentEvent | undefined;
  /** What was actually paid, kept only when an operator accepted a payment that differs from the total. */
  let paidAmount: { amount: string; currency: string } | undefined;
  let packed = false;
  let returnReceived: WarehouseEvent['lines'] | undefined;
  let pendingReturn: { lines: StockLine[]; reason: string; actor: string } | undefined;
  let returnWindowOpen = false;
  let refundDecision: { refundDamaged: boolean; actor: string; reason: string } | undefined;
  const carrierNews = { pickedUp: false, delivered: false, returnedToSender: false };
  const seenEvents = new Set<string>();
  const compensations: Compensation[] = [];
  const backgroundWork: Promise<void>[] = [];
  const mainScope = new CancellationScope();

  const touch = () => {
    order.version += 1;
    order.updatedAt = now();
  };
  const publish = () => {
    publishedVersion = order.version;
  };
  const log = (entry: Omit<TimelineEntry, 'at'>) => {
    order.timeline.push({ at: now(), ...entry });
    touch();
  };
  const conflict = (message: string) => ApplicationFailure.create({ message, type: FailureType.StateConflict, nonRetryable: true });
  const shipment = (): Shipment | undefined => order.shipments[0];
  const currentReturn = (): OrderReturn | undefined => order.returns[order.returns.length - 1];
  const view = (): OrderView => ({ ...order, shipment: shipment(), return: currentReturn() });
  const searchAttributes = () =>
    upsertSearchAttributes([
      { key: OrderStatusAttr, value: order.status },
      { key: NeedsAttentionAttr, value: order.needsAttention },
    ]);

  const raiseAttention = (step: string, reason: string) => {
    order.needsAttention = true;
    order.attention = { step, reason, since: now() };
    log({ type: 'attention_raised', detail: `${step}: ${reason}` });
    searchAttributes();
    publish();
  };
  const clearAttention = (detail: string, actor?: string) => {
    if (!order.needsAttention) return;
    order.needsAttention = false;
    order.attention = undefined;
    log({ type: 'attention_cleared', detail, actor });
    searchAttributes();
    publish();
  };

  /** Notifications and channel write-back run beside the order: retried on their own, never blocking it. */
  const inBackground = (name: string, run: () => Promise<unknown>) => {
    backgroundWork.push(
      CancellationScope.nonCancellable(async () => {
        try {
          await run();
        } catch (err) {
          log({ type: 'background_failed', detail: `${name}: ${message(err)}` });
        }
      }),
    );
  };

  const setStatus = (to: OrderStatus, detail?: string) => {
    if (!canTransition(order.status, to)) {
      throw ApplicationFailure.nonRetryable(`illegal transition ${order.status} -> ${to}`, FailureType.InvalidInput);
    }
    order.status = to;
    log({ type: 'status_changed', status: to, detail });
    announce(to, detail);
  };

  /** Search attributes, customer and channel learn of every status, `new` included. */
  const announce = (to: OrderStatus, detail?: string) => {
    searchAttributes();
    publish();
    const key = `${orderId}:${to}:${order.version}`;
    inBackground('notify_customer', () =>
      background.notifyCustomer({ key: `notify:${key}`, orderId, customer: input.customer, status: to, detail }),
    );
    inBackground('channel_write_back', () =>
      background.writeBackChannel({
        key: `channel:${key}`,
        orderId,
        channel: input.channel,
        externalOrderId: input.externalOrderId,
        status: to,
        seq: order.version,
      }),
    );
  };

  /** Waits until the read model holds at least the current version (callers that hand ids to the outside). */
  const persisted = () => {
    publish();
    return condition(() => persistedVersion >= publishedVersion);
  };

  /**
   * Runs a step; when it fails after its retries the order is flagged and waits for an operator to retry or skip it
   * (cancel stays possible). Cancellation is never swallowed.
   */
  async function step<T>(name: string, run: () => Promise<T>): Promise<Skippable<T>> {
    for (;;) {
      try {
        const result = await run();
        if (order.attention?.step === name) clearAttention(`${name} succeeded`);
        return result;
      } catch (err) {
        if (isCancellation(err)) throw err;
        raiseAttention(name, message(err));
        const command = (await awaitOperator())!;
        if (command.kind === 'skip') {
          clearAttention(`${name} skipped: ${command.reason ?? ''}`, command.actor);
          return SKIPPED;
        }
        log({ type: 'operator_retry', detail: name, actor: command.actor });
      }
    }
  }

  /** Waits for an operator command, or for `alsoDone` to become true on its own (then returns undefined). */
  async function awaitOperator(alsoDone: () => boolean = () => false): Promise<OperatorCommand | undefined> {
    awaitingOperator = true;
    try {
      await condition(() => operatorCommand !== undefined || alsoDone());
      const command = operatorCommand;
      operatorCommand = undefined; // always consumed, so the operator's update handler can answer
      return alsoDone() ? undefined : command;
    } finally {
      awaitingOperator = false;
    }
  }

  /** Waits for `done`; past `deadline` raises needsAttention and keeps waiting, re-armed by an operator retry. */
  async function waitWithAlert(name: string, reason: string, deadline: string, done: () => boolean): Promise<'done' | 'skipped'> {
    for (;;) {
      if (await condition(done, deadline)) return 'done';
      raiseAttention(name, reason);
      const command = await awaitOperator(done);
      if (!command) {
        clearAttention(`${name}: resolved`);
        return 'done';
      }
      if (command.kind === 'skip') {
        clearAttention(`${name} skipped: ${command.reason ?? ''}`, command.actor);
        return 'skipped';
      }
      clearAttention(`${name}: waiting again`, command.actor);
      log({ type: 'operator_retry', detail: name, actor: command.actor });
    }
  }

  /** Pushes the compensation before the forward step: compensations are idempotent no-ops when nothing was done. */
  /**
   * Starts an activity's first attempt now, outside cancellation like every forward attempt; the returned function
   * hands out that attempt once, then fresh ones (an operator's retry).
   */
  function startEarly<T>(call: () => Promise<T>) {
    let first: Promise<T> | undefined = CancellationScope.nonCancellable(call);
    // `settled` also marks the early attempt's failure as handled; its step sees the failure when it awaits it.
    const settled = first.then(
      () => undefined,
      () => undefined,
    );
    return {
      /** A compensation waits for this, so an early attempt cannot create something after its undo ran. */
      settled,
      next: (): Promise<T> => {
        const attempt = first ?? call();
        first = undefined;
        return attempt;
      },
    };
  }

  /** Runs a side-effecting step whose compensation is already pushed. */
  function attempt<T>(name: string, forward: () => Promise<T>) {
    // An attempt in flight finishes even when a cancel arrives meanwhile, so its result (an invoice number, a
    // tracking number) is known to the compensation; the cancel takes effect at the next wait.
    return step(name, () => CancellationScope.nonCancellable(forward));
  }

  async function withCompensation<T>(name: string, forward: () => Promise<T>, compensate: () => Promise<unknown>) {
    compensations.push({ name, run: compensate });
    return attempt(name, forward);
  }

  // ---- handlers: registered before the first await ----

  setHandler(orderQuery, view);

  setHandler(acceptanceUpdate, async ({ requestId }) => {
    // Also answers when acceptance itself is stuck (e.g. the database down past its retries) and waits for an
    // operator, so the channel's request does not hang: the order then shows needsAttention.
    await condition(() => accepted || (awaitingOperator && order.needsAttention));
    return { created: requestId === input.requestId, order: view() };
  });

  setHandler(paymentEventSignal, (event) => {
    if (duplicate(`payment:${event.eventId}`)) return;
    log({ type: 'payment_event', detail: `${event.type}${event.amount ? ` ${event.amount} ${event.currency ?? ''}` : ''}` });
    if (event.type === 'refunded') return; // a provider's confirmation of a refund we asked for: recorded only
    const waiting = isPrepaid && order.status === 'new' && !canceling;
    if (waiting && (paymentOutcome === undefined || (paymentOutcome === 'authorized' && event.type === 'captured'))) {
      paymentOutcome = event.type;
      paymentEvent = event;
    } else if (event.type === 'captured' && order.paymentStatus === 'authorized' && order.status !== 'canceled') {
      order.paymentStatus = 'captured'; // captured at the provider's side after the authorization
      publish();
    } else {
      log({ type: 'ignored_event', detail: `payment ${event.type} while ${order.status}/${order.paymentStatus}` });
      // Money arriving for an order that is being or has been canceled (or whose payment already failed): it is
      // given back by a late-payment settlement once the order has ended canceled.
      const refused = canceling !== undefined || order.status === 'canceled' || paymentOutcome === 'failed';
      if (refused && (event.type === 'authorized' || event.type === 'captured')) unsettledPayments.push(event);
      publish();
    }
  });

  setHandler(carrierEventSignal, (event: CarrierEvent) => {
    if (duplicate(`carrier:${event.eventId}`)) return;
    const current = shipment();
    current?.events.push({ eventId: event.eventId, status: event.status, at: event.at });
    if (canceling || isStaleCarrierEvent(order.status, event.status)) {
      log({ type: 'ignored_event', detail: `carrier ${event.status} while ${order.status}` });
      publish();
      return;
    }
    log({ type: 'carrier_event', detail: `${event.carrier} ${event.trackingNumber} ${event.status}` });
    const target = carrierTarget(event.status);
    if (target === null) publish(); // delivery_failed changes no status but belongs in the read model now
    if (target === 'shipped') carrierNews.pickedUp = true;
    if (target === 'delivered') carrierNews.delivered = true;
    if (target === 'return_pending') carrierNews.returnedToSender = true;
  });

  setHandler(warehouseEventSignal, (event) => {
    if (duplicate(`warehouse:${event.eventId}`)) return;
    if (event.type === 'packed') {
      // Kept whenever it arrives before shipping: callbacks can overtake each other (a quick warehouse's report may
      // be handled in the same workflow task as the payment that released the order), and it is used at picking.
      if (!isCancelable(order.status) || packed || canceling) {
        log({ type: 'ignored_event', detail: `warehouse packed while ${order.status}` });
        publish();
        return;
      }
      log({ type: 'warehouse_event', detail: 'packed' });
      packed = true;
      return;
    }
    if (order.status !== 'return_pending' || returnReceived) {
      log({ type: 'ignored_event', detail: `warehouse return_received while ${order.status}` });
      publish();
      return;
    }
    log({ type: 'warehouse_event', detail: `return_received ${JSON.stringify(event.lines ?? [])}` });
    returnReceived = event.lines ?? [];
  });

  setHandler(
    cancelOrderUpdate,
    async ({ reason, actor }) => {
      canceling = { reason, actor };
      log({ type: 'cancel_requested', detail: reason, actor });
      mainScope.cancel();
      // Answer once compensated, or as soon as a compensation is stuck and waits for an operator.
      await condition(() => order.status === 'canceled' || (compensating && awaitingOperator));
      return view();
    },
    {
      validator: (_request: CancelRequest) => {
        if (!accepted) throw conflict('the order is still being accepted');
        if (canceling) throw conflict('the order is already being canceled');
        if (!isCancelable(order.status)) throw conflict(`an order that is ${order.status} cannot be canceled`);
      },
    },
  );

  setHandler(
    requestReturnUpdate,
    async (request) => {
      pendingReturn = { lines: request.lines, reason: request.reason, actor: request.actor };
      await condition(() => order.status !== 'delivered' || order.needsAttention);
      return view();
    },
    {
      validator: (request) => {
        if (order.status !== 'delivered') throw conflict(`an order that is ${order.status} cannot be returned`);
        if (!returnWindowOpen) throw conflict('the return window has closed');
        if (pendingReturn) throw conflict('a return is already being opened');
        const problem = returnRequestProblem(order.lines, request.lines);
        if (problem) throw conflict(problem);
      },
    },
  );

  const operatorUpdate = (kind: OperatorCommand['kind']) => ({
    handler: async (action: OperatorAction) => {
      operatorCommand = { kind, actor: action.actor, reason: action.reason };
      await condition(() => operatorCommand === undefined);
      return view();
    },
    validator: (_action: OperatorAction) => {
      if (!order.needsAttention || !awaitingOperator || operatorCommand) {
        throw conflict('the order is not waiting for an operator');
      }
      if (kind === 'retry' && order.attention?.step === 'refund_decision') {
        throw conflict('damaged returned items need a refund decision, not a retry');
      }
    },
  });
  const retry = operatorUpdate('retry');
  setHandler(retryStepUpdate, retry.handler, { validator: retry.validator });
  const skip = operatorUpdate('skip');
  setHandler(skipStepUpdate, skip.handler, { validator: skip.validator });

  setHandler(
    refundDecisionUpdate,
    async (decision) => {
      refundDecision = decision;
      log({ type: 'refund_decision', detail: `${decision.refundDamaged ? 'refund' : 'no refund'}: ${decision.reason}`, actor: decision.actor });
      await condition(() => order.attention?.step !== 'refund_decision');
      return view();
    },
    {
      validator: (_decision: RefundDecision) => {
        if (order.attention?.step !== 'refund_decision') throw conflict('no returned damaged items wait for a decision');
      },
    },
  );

  function duplicate(eventId: string): boolean {
    if (seenEvents.has(eventId)) return true;
    seenEvents.add(eventId);
    return false;
  }

  // ---- the read model follows every change, one write at a time, newest snapshot wins ----
  const persister = CancellationScope.nonCancellable(async () => {
    for (;;) {
      await condition(() => persistedVersion < publishedVersion || finished);
      if (finished) publish();
      if (persistedVersion >= order.version) return;
      const snapshot = view();
      try {
        await db.recordOrder(snapshot);
        persistedVersion = snapshot.version;
      } catch (err) {
        // Bounded retries are spent: wait and try again; the order itself does not stop for its read model.
        await sleep('1m');
      }
    }
  });

  // ---- the order ----
  let workflowCancelled: unknown;
  try {
    await mainScope.run(() => runOrder());
  } catch (err) {
    if (!isCancellation(err)) throw err;
    if (!canceling) workflowCancelled = err; // cancelled from Temporal itself (UI, CLI): compensate, then end as cancelled
    await CancellationScope.nonCancellable(async () => {
      if (isCancelable(order.status)) {
        await cancelAndCompensate(canceling?.reason ?? 'workflow_cancelled', canceling?.actor ?? 'temporal');
      } else {
        log({ type: 'workflow_cancelled', detail: `nothing to compensate once ${order.status}` });
      }
    });
  }

  await CancellationScope.nonCancellable(async () => {
    accepted = true;
    await Promise.all(backgroundWork);
    await persisted();
    finished = true;
    await persister;
    await condition(allHandlersFinished);
    // Only orders that saw such a payment record the patch marker, so histories without one replay unchanged.
    if (unsettledPayments.length > 0 && patched('settle-late-payments')) {
      for (let i = 0; i < unsettledPayments.length; i++) await settleLatePayment(unsettledPayments[i]!);
    }
  });
  if (workflowCancelled) throw workflowCancelled;
  return view();

  // ---- steps ----

  async function runOrder(): Promise<void> {
    const validation = await step('validate', () => db.validateOrder(input));
    if (validation !== SKIPPED && !validation.ok) {
      order.cancelReason = 'invalid_order';
      setStatus('canceled', validation.problems.join('; '));
      return accept();
    }

    compensations.push({ name: 'release_stock', run: () => db.releaseStock({ orderId }) });
    const reservation = await step('reserve_stock', () =>
      db.reserveStock({ orderId, lines: input.lines.map(({ sku, quantity }) => ({ sku, quantity })) }),
    );
    if (reservation !== SKIPPED && !reservation.ok) {
      compensations.pop();
      order.cancelReason = 'out_of_stock';
      const detail = reservation.shortages.map((s) => `${s.sku}: ${s.requested} requested, ${s.available} available`);
      setStatus('canceled', detail.join('; '));
      return accept();
    }
    log({ type: 'stock_reserved', status: 'new' });
    announce('new');

    if (!isPrepaid) {
      order.paymentStatus = input.payment.method === 'marketplace' ? 'captured' : 'not_required';
      if (input.payment.method === 'marketplace') {
        compensations.push({ name: 'marketplace_refund', run: async () => recordMarketplaceRefund(order.totals.total) });
      }
      setStatus('confirmed', input.payment.method === 'marketplace' ? 'paid by the marketplace' : 'cash on delivery');
      await accept();
    } else {
      await accept();
      const method = input.payment.method as 'card' | 'bank_transfer';
      const paid = await condition(() => paymentOutcome !== undefined, input.timers.paymentTimeout[method]);
      if (!paid) return cancelFromWithin('payment_timeout', `no payment within ${input.timers.paymentTimeout[method]}`);
      if (paymentOutcome === 'failed') {
        order.paymentStatus = 'failed';
        return cancelFromWithin('payment_failed', 'the payment provider reported a failed payment');
      }
      order.paymentStatus = paymentOutcome === 'captured' ? 'captured' : 'authorized';
      compensations.push({ name: 'refund_or_void_payment', run: () => refundOrVoid() });
      await checkPaymentAmount();
      setStatus('confirmed', `payment ${order.paymentStatus}`);
    }

    // Invoice, ERP sale and picking task do not depend on each other: their first attempts start together (one
    // workflow task instead of three); results and failures are still taken one step at a time, in this order.
    // All three compensations are pushed first, each waiting for its early attempt to settle before undoing it.
    let invoiceNumber: string | undefined;
    let erpDocumentId: string | undefined;
    const invoice = startEarly(() =>
      ext.issueInvoice({ key: `invoice:${orderId}`, orderId, customer: input.customer, totals: order.totals, lines: input.lines }),
    );
    const erpSale = startEarly(() => ext.postErpSale({ key: `erp-sale:${orderId}`, orderId, totals: order.totals }));
    const picking = startEarly(() =>
      ext.createPickingTask({ key: `picking:${orderId}`, orderId, lines: stockLines(), location: 'main' }),
    );
    compensations.push(
      {
        name: 'issue_invoice',
        run: async () => {
          await invoice.settled;
          if (!invoiceNumber) return;
          const note = await ext.issueCreditNote({
            key: `credit-note:${orderId}:cancel`,
            orderId,
            invoiceNumber,
            amount: order.totals.total,
            currency: order.totals.currency,
          });
          log({ type: 'credit_note_issued', detail: note.creditNoteNumber });
        },
      },
      {
        name: 'post_erp_sale',
        run: async () => {
          await erpSale.settled;
          await ext.reverseErpSale({ key: `erp-reversal:${orderId}`, orderId, erpDocumentId });
        },
      },
      {
        name: 'create_picking_task',
        run: async () => {
          await picking.settled;
          await ext.cancelPickingTask({ key: `picking:${orderId}`, orderId });
        },
      },
    );

    await attempt('issue_invoice', async () => {
      const issued = await invoice.next();
      invoiceNumber = issued.invoiceNumber;
      order.invoice = issued;
      log({ type: 'invoice_issued', detail: issued.invoiceNumber });
    });
    await attempt('post_erp_sale', async () => {
      erpDocumentId = (await erpSale.next()).erpDocumentId;
      log({ type: 'erp_posted', detail: erpDocumentId });
    });
    await attempt('create_picking_task', async () => {
      const task = await picking.next();
      log({ type: 'picking_task_created', detail: task.taskId });
    });
    setStatus('picking');

    await waitWithAlert('pick_and_pack', `not packed within ${input.timers.pickSla}`, input.timers.pickSla, () => packed);

    await withCompensation(
      'create_shipment',
      async () => {
        const label = await ext.createShipment({
          key: `shipment:${orderId}:1`,
          orderId,
          carrier: input.carrier,
          address: input.shippingAddress,
          customer: input.customer,
          lines: stockLines(),
        });
        order.shipments = [
          { shipmentId: `${orderId}/1`, ...label, lines: stockLines(), events: shipment()?.events ?? [] },
        ];
        log({ type: 'label_created', detail: `${label.carrier} ${label.trackingNumber}` });
      },
      () => ext.cancelShipment({ key: `shipment:${orderId}:1`, orderId, carrier: input.carrier }),
    );
    // Carriers call back by tracking number: the read model must know it before the parcel can move.
    await persisted();

    const window = input.timers.trackingWindow;
    const moving = () => carrierNews.pickedUp || carrierNews.delivered || carrierNews.returnedToSender;
    await waitWithAlert('await_pickup', `no carrier pick-up within ${window}`, window, moving);
    await ship();

    const arrived = () => carrierNews.delivered || carrierNews.returnedToSender;
    const delivery = await waitWithAlert('await_delivery', `no delivery news within ${window}`, window, arrived);
    if (carrierNews.returnedToSender && !carrierNews.delivered) {
      return runReturn({ lines: stockLines(), reason: 'returned_to_sender', actor: 'carrier' }, 'returned_to_sender');
    }
    setStatus('delivered', delivery === 'skipped' ? 'confirmed by an operator' : undefined);

    returnWindowOpen = true;
    await condition(() => pendingReturn !== undefined, input.timers.returnWindow);
    returnWindowOpen = false;
    // A request accepted just as the timer fired still counts: its validator saw the window open.
    if (pendingReturn) return runReturn(pendingReturn, 'customer');
    log({ type: 'return_window_closed' });
  }

  async function accept(): Promise<void> {
    await persisted();
    accepted = true;
  }

  async function ship(): Promise<void> {
    // Past this point there is nothing to compensate: a shipped order is returned, not canceled.
    compensations.length = 0;
    setStatus('shipped');
    await step('commit_stock', () => db.commitStock({ orderId }));
    if (order.paymentStatus === 'authorized') {
      const captured = await step('capture_payment', () =>
        ext.capturePayment({ key: `capture:${orderId}`, orderId, ...(paidAmount ?? { amount: order.totals.total, currency: order.totals.currency }) }),
      );
      if (captured !== SKIPPED) {
        order.paymentStatus = 'captured';
        log({ type: 'payment_captured', detail: captured.captureId });
        publish();
      }
    }
  }

  async function runReturn(request: { lines: StockLine[]; reason: string; actor: string }, source: OrderReturn['source']) {
    const returnId = `${orderId}/r${order.returns.length + 1}`;
    const record: OrderReturn = { returnId, reason: request.reason, source, requestedAt: now(), lines: request.lines };
    order.returns.push(record);
    if (source === 'customer') {
      const code = await step('create_return_code', () =>
        ext.createReturnCode({ key: `return-code:${returnId}`, orderId, carrier: input.carrier, lines: request.lines }),
      );
      if (code !== SKIPPED) record.returnCode = code.returnCode;
    }
    setStatus('return_pending', `${source}: ${request.reason}`);
    pendingReturn = undefined;

    const window = input.timers.trackingWindow;
    await waitWithAlert('await_return', `return not received within ${window}`, window, () => returnReceived !== undefined);
    const received = returnReceived ?? [];
    record.receivedAt = now();
    record.lines = request.lines.map((l) => ({
      ...l,
      condition: received.find((r) => r.sku === l.sku)?.condition,
    }));

    let decision = decideRefund(order.lines, request.lines, received, undefined);
    if (decision.undecided.length > 0) {
      raiseAttention('refund_decision', `damaged: ${decision.undecided.map((u) => `${u.sku} x${u.quantity}`).join(', ')}`);
      const skipped = await awaitOperator(() => refundDecision !== undefined);
      const approved = refundDecision?.refundDamaged ?? false; // an operator skip declines the damaged refund
      const actor = refundDecision?.actor ?? skipped?.actor;
      decision = decideRefund(order.lines, request.lines, received, approved);
      clearAttention(`refund decision: ${approved ? 'damaged items refunded' : 'damaged items not refunded'}`, actor);
    }

    const amount = toMinor(decision.amount);
    const refundAmount = refundableOf(decision.amount);
    if (amount > 0) {
      if (input.payment.method === 'marketplace') {
        recordMarketplaceRefund(decision.amount);
      } else if (toMinor(refundAmount) > 0) {
        const refund = await step('refund_payment', () =>
          ext.refundPayment({
            key: `refund:${returnId}`,
            orderId,
            amount: refundAmount,
            currency: order.totals.currency,
            reason: request.reason,
          }),
        );
        if (refund !== SKIPPED) {
          record.refund = { amount: refundAmount, refundId: refund.refundId, at: now() };
          addRefunded(toMinor(refundAmount));
        }
      }
      if (order.invoice) {
        const invoiceNumber = order.invoice.invoiceNumber;
        await step('issue_credit_note', () =>
          ext.issueCreditNote({ key: `credit-note:${returnId}`, orderId, invoiceNumber, amount: decision.amount, currency: order.totals.currency }),
        );
      }
    }
    for (const line of decision.refund) {
      const orderLine = order.lines.find((l) => l.sku === line.sku);
      if (orderLine) orderLine.refundedQuantity += line.quantity;
    }
    for (const line of request.lines) {
      const orderLine = order.lines.find((l) => l.sku === line.sku);
      if (orderLine) orderLine.returnedQuantity += line.quantity;
    }
    if (decision.restock.length > 0) {
      await step('restock_return', () => db.restockReturn({ orderId, returnId, lines: decision.restock }));
    }
    log({ type: 'return_settled', detail: `refunded ${refundAmount} ${order.totals.currency}` });
    setStatus('return_completed');
  }

  /**
   * What a return may refund: the returned lines' value, but never more than is left of a payment an operator
   * accepted below the total (the credit note still covers the lines' full value, as the invoice did).
   */
  function refundableOf(due: string): string {
    if (!paidAmount || paidAmount.currency !== order.totals.currency) return due;
    const left = Math.max(0, toMinor(paidAmount.amount) - toMinor(order.totals.refunded));
    if (toMinor(due) <= left) return due;
    log({ type: 'refund_capped', detail: `${due} ${order.totals.currency} due, ${fromMinor(left)} left of the ${paidAmount.amount} paid` });
    return fromMinor(left);
  }

  function recordMarketplaceRefund(amount: string) {
    // Marketplace orders are refunded by the marketplace itself; the OMS records it.
    const record = currentReturn();
    if (record && order.status === 'return_pending') record.refund = { amount, at: now() };
    addRefunded(toMinor(amount));
    log({ type: 'refund_recorded', detail: `${amount} ${order.totals.currency} refunded by the marketplace` });
  }

  function addRefunded(minor: number) {
    const refunded = toMinor(order.totals.refunded) + minor;
    order.totals = { ...order.totals, refunded: fromMinor(refunded) };
    // Against what was paid: an operator may have accepted less than the total.
    const paid = paidAmount?.currency === order.totals.currency ? paidAmount.amount : order.totals.total;
    order.paymentStatus = paymentStatusAfterRefund(toMinor(paid), refunded, order.paymentStatus);
    publish();
  }

  /**
   * A payment whose amount or currency differs from the order's total is not taken as it stands: the order waits
   * in `new` with needsAttention (step `payment_amount`). An operator skip accepts it as paid (what was paid is then
   * what is captured or refunded), a retry checks the newest capture again, a cancel gives it back.
   */
  async function checkPaymentAmount(): Promise<void> {
    let problem = paymentEvent ? paymentMismatch(paymentEvent, order.totals) : null;
    if (problem === null || !patched('payment-amount-check')) return;
    for (;;) {
      const event = paymentEvent!;
      paidAmount = { amount: event.amount ?? order.totals.total, currency: event.currency ?? order.totals.currency };
      raiseAttention('payment_amount', `${problem}; skip to accept the payment as it is, or cancel to give it back`);
      const command = (await awaitOperator())!;
      if (command.kind === 'skip') {
        clearAttention(`payment_amount accepted as paid: ${command.reason ?? ''}`, command.actor);
        return;
      }
      log({ type: 'operator_retry', detail: 'payment_amount', actor: command.actor });
      order.paymentStatus = paymentOutcome === 'captured' ? 'captured' : 'authorized';
      problem = paymentMismatch(paymentEvent!, order.totals);
      if (problem === null) {
        paidAmount = undefined;
        clearAttention('payment_amount: the newest payment matches the total', command.actor);
        return;
      }
    }
  }

  async function refundOrVoid(): Promise<void> {
    if (order.paymentStatus === 'captured') {
      const paid = paidAmount ?? { amount: order.totals.total, currency: order.totals.currency };
      const refund = await ext.refundPayment({
        key: `refund:${orderId}:cancel`,
        orderId,
        amount: paid.amount,
        currency: paid.currency,
        reason: 'order canceled',
      });
      if (paid.currency === order.totals.currency) addRefunded(toMinor(paid.amount));
      else order.paymentStatus = 'refunded'; // all that was paid went back, in the currency it was paid in
      log({ type: 'payment_refunded', detail: `${refund.refundId} ${paid.amount} ${paid.currency}` });
    } else if (order.paymentStatus === 'authorized') {
      await ext.voidPayment({ key: `void:${orderId}`, orderId });
      order.paymentStatus = 'voided';
      publish();
      log({ type: 'payment_voided' });
    }
  }

  /**
   * Starts the settlement (void or refund) of a payment this order could not take, as its own workflow that
   * outlives the order's; the id is the one the API uses for payments reaching the ended order, so an event is
   * settled once whichever path it took.
   */
  async function settleLatePayment(event: PaymentEvent): Promise<void> {
    if (order.status !== 'canceled') {
      log({ type: 'late_payment_kept', detail: `payment ${event.type} (event ${event.eventId}) not settled: order ${order.status}` });
      return;
    }
    try {
      await startChild(latePaymentWorkflow, {
        workflowId: latePaymentWorkflowId(orderId, event.eventId),
        args: [{ orderId, event, total: order.totals.total, currency: order.totals.currency }],
        parentClosePolicy: 'ABANDON',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: orderSearchAttributes(input),
      });
      log({ type: 'late_payment', detail: `payment ${event.type} (event ${event.eventId}) handed to its settlement` });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Cancels from inside the flow (payment failure or timeout): same compensations as an external cancel. */
  async function cancelFromWithin(reason: string, detail: string): Promise<void> {
    log({ type: 'cancel_decided', detail });
    await CancellationScope.nonCancellable(() => cancelAndCompensate(reason, 'system'));
  }

  async function cancelAndCompensate(reason: string, actor: string): Promise<void> {
    // A forward step that was stuck waiting for an operator is moot once the order is canceled: its flag must not
    // keep the canceled order in the operators' needs-attention list. Patched: runs canceled before this change
    // replay without the extra search-attribute upsert.
    if (order.attention && patched('clear-attention-on-cancel')) {
      clearAttention(`${order.attention.step}: abandoned, the order is being canceled`, actor);
    }
    compensating = true;
    for (const compensation of [...compensations].reverse()) {
      const result = await step(`compensate:${compensation.name}`, compensation.run);
      log({
        type: result === SKIPPED ? 'compensation_skipped' : 'compensated',
        detail: compensation.name,
        actor: result === SKIPPED ? undefined : actor,
      });
    }
    compensations.length = 0;
    compensating = false;
    order.cancelReason = reason;
    setStatus('canceled', reason);
    accepted = true;
  }

  function stockLines(): StockLine[] {
    return input.lines.map(({ sku, quantity }) => ({ sku, quantity }));
  }
}

function message(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : err.message;
  }
  return String(err);
}
