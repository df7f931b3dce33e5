// The order workflow, v3 (workflow type `orderWorkflowV3`): the order and its fulfillment units. Stock is sourced
// from the locations at acceptance (one unit per location of the plan); once the order is confirmed and invoiced,
// each unit runs pick → pack → label → ship → deliver on its own (units.ts), partial cancels and rejections are
// applied one at a time (changes.ts), money is booked per line scope (money.ts), and any number of returns follow
// delivery (returns.ts). The summary status follows the units (status.ts). Orders started on v2 keep running on
// workflows/order/workflow.ts, v1's on workflows/v1/order.ts.
// Determinism: these files import only @temporalio/workflow, the shared contract and the pure domain rules.
import { CancellationScope, allHandlersFinished, condition, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { OrderInput, OrderView } from '../../../contract/types';
import { fromMinor, toMinor } from '../../../domain/money';
import { priceOrder } from '../../../domain/payments';
import { ext } from '../proxies';
import { Operator, OperatorDesk, describe, type Skippable } from '../operator';
import { awaitPayment, claimEarlyPayments, queueUntakenPayment, settleLatePayments } from '../payment';
import { startReadModelWriter } from '../read-model';
import { Saga } from '../saga';
import { acceptOrderV3 } from './accept';
import { coordinate } from './changes';
import type { V3Context } from './context';
import { registerHandlersV3 } from './handlers';
import { creditNote, giveBackTheRest, type CaptureMode } from './money';
import { returnWindow, runReturnV3 } from './returns';
import { OrderStateV3 } from './state';
import { AnnouncerV3 } from './status';
import { startUnit } from './units';

/** One order and its fulfillment units, end to end; returns the final order view. */
export async function orderWorkflowV3(input: OrderInput): Promise<OrderView> {
  // Pricing refuses rather than throws: nothing may fail before the handlers exist.
  const pricing = priceOrder(input.lines, input.currency);
  const s = new OrderStateV3(input, pricing);
  const desk = new OperatorDesk(s);
  const operator = new Operator(s, desk);
  const mainScope = new CancellationScope();
  const persisted = async () => {
    s.publish();
    await condition(() => s.persistedVersion >= s.publishedVersion);
  };
  const ctx: V3Context = {
    s,
    desk,
    operator,
    saga: new Saga(s, operator),
    status: new AnnouncerV3(s),
    persisted,
    mainScope,
    changes: [],
  };
  registerHandlersV3(ctx, mainScope);
  const writer = startReadModelWriter(s, desk);
  // Orders started before 2026-12-02 15:00 wrote the read model once before validation (a row with no stock
  // decision yet, and one database write more per order); since then the first write is the accepted order.
  s.rederiveMoney(patched('v3-no-write-before-acceptance'));

  let workflowCancelled: unknown;
  try {
    await mainScope.run(() => runOrder(ctx, pricing.ok ? undefined : pricing.problem));
  } catch (err) {
    // Anything but a cancellation is a bug here (steps turn failures into operator waits): fail the workflow task,
    // which Temporal retries until fixed code is deployed, instead of ending the order with its side effects in place.
    if (!isCancellation(err)) throw new Error(`order flow failed: ${describe(err)}`, { cause: err });
    if (!s.canceling) workflowCancelled = err; // cancelled from Temporal itself (UI, CLI): compensate, then end cancelled
    await CancellationScope.nonCancellable(async () => {
      const status = s.order.status;
      if (status === 'new' || status === 'confirmed' || status === 'picking') {
        await cancelWhole(ctx, s.canceling?.reason ?? 'workflow_cancelled', s.canceling?.actor ?? 'temporal');
      } else {
        s.log({ type: 'workflow_cancelled', detail: `nothing to compensate once ${status}` });
      }
    });
  }

  await CancellationScope.nonCancellable(async () => {
    s.accepted = true;
    queueUntakenPayment(ctx);
    await settleLatePayments(ctx);
    // A canceled order whose label was created stays open for the tracking window: a carrier that did not honour
    // the label's cancel may still move the parcel, and that news must reach a person.
    if (s.order.status === 'canceled' && s.units.some((u) => u.label !== undefined || u.pastLabels.length > 0)) {
      await sleep(s.input.timers.trackingWindow);
    }
    await operator.alertsHandled();
    await Promise.all(ctx.status.work);
    await persisted();
    s.finished = true;
    await writer;
    await condition(allHandlersFinished);
  });
  if (workflowCancelled) throw workflowCancelled;
  return s.view();
}

async function runOrder(ctx: V3Context, pricingProblem: string | undefined): Promise<void> {
  const { s, saga, status } = ctx;
  const accept = async () => {
    await ctx.persisted();
    s.accepted = true;
  };
  if (!(await acceptOrderV3(ctx, pricingProblem))) return accept();

  const { method } = s.input.payment;
  if (method === 'marketplace') {
    const { total, currency } = s.order.totals;
    s.book({ kind: 'capture', amount: total, currency, ref: 'marketplace' });
    saga.push({
      name: 'marketplace_refund',
      // Marketplace orders are refunded by the marketplace itself; the OMS records what is left of the order.
      run: async () => {
        const left = toMinor(total) - toMinor(s.order.totals.refunded);
        if (left <= 0) return;
        s.book({ kind: 'marketplace_refund', amount: fromMinor(left), currency, reason: 'cancel' });
        s.log({ type: 'refund_recorded', detail: `${fromMinor(left)} ${currency} refunded by the marketplace` });
      },
    });
    status.setStatus('confirmed', 'paid by the marketplace');
    await accept();
  } else if (method === 'cash_on_delivery') {
    status.setStatus('confirmed', 'cash on delivery');
    await accept();
  } else {
    await accept();
    await claimEarlyPayments(ctx);
    // A v3 order's cancel gives back what is left of the payment after partial cancels, not the whole of it.
    const taken = await awaitPayment(ctx, (reason, detail) => cancelFromWithin(ctx, reason, detail), () => giveBackTheRest(ctx));
    if (!taken) return;
    status.ensureNotCanceled();
    status.setStatus('confirmed', `payment ${s.order.paymentStatus}`);
  }

  await invoiceAndPost(ctx);
  status.ensureNotCanceled();
  const capture: CaptureMode = s.input.capture ?? 'per_unit';
  s.unitsStarted = true;
  for (const unit of s.units) startUnit(ctx, unit, capture);
  status.setStatus('picking', s.units.length > 1 ? `${s.units.length} fulfillment units` : undefined);

  await coordinate(ctx, capture);
  const summary = s.summary;
  if (summary.live === 0) return everythingCanceled(ctx);
  if (summary.delivered > 0) status.setStatus('delivered', summary.live > 1 ? `all ${summary.live} units arrived` : undefined);
  for (const unit of s.units.filter((u) => u.status === 'returned_to_sender')) {
    await runReturnV3(ctx, { lines: unit.lines, reason: 'returned_to_sender', actor: 'carrier' }, 'returned_to_sender', unit);
  }
  if (summary.delivered > 0) await returnWindow(ctx);
}

/** Invoice and ERP sale for the order, started together; each pushes its compensation first. */
async function invoiceAndPost(ctx: V3Context): Promise<void> {
  const { s, saga, operator, status } = ctx;
  const { orderId } = s;
  let erpDocumentId: string | undefined;
  saga.push(
    {
      name: 'issue_invoice',
      // What is left of the invoice after the credit notes of partial cancels.
      run: () => creditNote(ctx, toMinor(s.order.totals.total) - s.creditedMinor, 'cancel'),
    },
    {
      name: 'post_erp_sale',
      run: () => ext.reverseErpSale({ key: `erp-reversal:${orderId}`, orderId, erpDocumentId }),
    },
  );
  const step = <T>(name: string, run: () => Promise<T>): Promise<Skippable<T>> => {
    status.ensureNotCanceled();
    return operator.step(name, () => CancellationScope.nonCancellable(run));
  };
  await Promise.all([
    step('issue_invoice', async () => {
      const issued = await ext.issueInvoice({ key: `invoice:${orderId}`, orderId, customer: s.input.customer, totals: s.order.totals, lines: s.input.lines });
      s.order.invoice = issued;
      s.log({ type: 'invoice_issued', detail: issued.invoiceNumber });
    }),
    step('post_erp_sale', async () => {
      erpDocumentId = (await ext.postErpSale({ key: `erp-sale:${orderId}`, orderId, totals: s.order.totals })).erpDocumentId;
      s.log({ type: 'erp_posted', detail: erpDocumentId });
    }),
  ]);
}

/** Cancels from inside the flow (payment failure or timeout). */
async function cancelFromWithin(ctx: V3Context, reason: string, detail: string): Promise<void> {
  ctx.s.log({ type: 'cancel_decided', detail });
  ctx.s.canceling = { reason, actor: 'system' };
  await CancellationScope.nonCancellable(() => cancelWhole(ctx, reason, 'system'));
}

/** The whole order is canceled before anything shipped: every unit stops and compensates, then the order's saga. */
async function cancelWhole(ctx: V3Context, reason: string, actor: string): Promise<void> {
  const { s, desk, saga, status } = ctx;
  desk.abandonSteps(actor);
  s.compensating = true;
  await Promise.all(s.units.map((u) => u.running));
  for (const unit of s.units) {
    if (!unit.live) continue;
    unit.status = 'canceled';
    unit.detail = reason;
  }
  s.canceledLines.length = 0;
  s.canceledLines.push(...s.order.lines.map((l) => ({ sku: l.sku, quantity: l.quantity })));
  await saga.unwind(actor);
  s.compensating = false;
  s.order.cancelReason = reason;
  s.rederiveMoney();
  status.setStatus('canceled', reason);
  s.accepted = true;
}

/** Partial cancels and unsupplied lines took every line: the order ends canceled, what is left compensated. */
async function everythingCanceled(ctx: V3Context): Promise<void> {
  const { s, saga, status } = ctx;
  s.compensating = true;
  await saga.unwind('system');
  s.compensating = false;
  const unsupplied = s.order.timeline.some((e) => e.type === 'lines_unsupplied');
  s.order.cancelReason = unsupplied ? 'out_of_stock' : 'customer_request';
  s.rederiveMoney();
  status.setStatus('canceled', 'every line was canceled');
}
