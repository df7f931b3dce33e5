// Fulfilment of a confirmed order: invoice, ERP sale and picking task, pick and pack, carrier label, pick-up
// (stock committed, payment captured) and delivery. Each side effect pushes its compensation first; each forward
// step starts only while no cancel was accepted.
import { CancellationScope } from '@temporalio/workflow';
import type { StockLine } from '../../contract/types';
import { db, ext } from './proxies';
import type { OrderContext } from './context';
import { captureAtShipping } from './payment';
import { type Skippable } from './operator';

/**
 * Starts an activity's first attempt now, outside cancellation like every forward attempt; `next` hands out that
 * attempt once, then fresh ones (an operator's retry). `settled` lets a compensation wait for the early attempt,
 * so an undo never runs before the thing it undoes exists.
 */
function startEarly<T>(call: () => Promise<T>) {
  let first: Promise<T> | undefined = CancellationScope.nonCancellable(call);
  const settled = first.then(
    () => undefined,
    () => undefined,
  );
  return {
    settled,
    next: (): Promise<T> => {
      const attempt = first ?? call();
      first = undefined;
      return attempt;
    },
  };
}

export function stockLines(ctx: OrderContext): StockLine[] {
  return ctx.s.input.lines.map(({ sku, quantity }) => ({ sku, quantity }));
}

/** A side-effecting step whose compensation is already pushed: the attempt in flight is not cancellable. */
function attempt<T>(ctx: OrderContext, name: string, forward: () => Promise<T>): Promise<Skippable<T>> {
  ctx.status.ensureNotCanceled();
  return ctx.operator.step(name, () => CancellationScope.nonCancellable(forward));
}

/** From `confirmed` to `picking`: invoice, ERP sale and picking task, started together. */
export async function startPicking(ctx: OrderContext): Promise<void> {
  const { s, saga, status } = ctx;
  const { orderId } = s;
  status.ensureNotCanceled();
  let invoiceNumber: string | undefined;
  let erpDocumentId: string | undefined;
  // They do not depend on each other: their first attempts start together (one workflow task instead of three);
  // results and failures are still taken one step at a time, in this order.
  const invoice = startEarly(() =>
    ext.issueInvoice({ key: `invoice:${orderId}`, orderId, customer: s.input.customer, totals: s.order.totals, lines: s.input.lines }),
  );
  const erpSale = startEarly(() => ext.postErpSale({ key: `erp-sale:${orderId}`, orderId, totals: s.order.totals }));
  const picking = startEarly(() =>
    ext.createPickingTask({ key: `picking:${orderId}`, orderId, lines: stockLines(ctx), location: 'main' }),
  );
  saga.push(
    {
      name: 'issue_invoice',
      run: async () => {
        await invoice.settled;
        if (!invoiceNumber) return;
        const { total, currency } = s.order.totals;
        const note = await ext.issueCreditNote({ key: `credit-note:${orderId}:cancel`, orderId, invoiceNumber, amount: total, currency });
        s.log({ type: 'credit_note_issued', detail: note.creditNoteNumber });
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
        // Its own key: an undo is another operation than the create it undoes.
        await ext.cancelPickingTask({ key: `picking-cancel:${orderId}`, orderId });
      },
    },
  );

  await attempt(ctx, 'issue_invoice', async () => {
    const issued = await invoice.next();
    invoiceNumber = issued.invoiceNumber;
    s.order.invoice = issued;
    s.log({ type: 'invoice_issued', detail: issued.invoiceNumber });
  });
  await attempt(ctx, 'post_erp_sale', async () => {
    erpDocumentId = (await erpSale.next()).erpDocumentId;
    s.log({ type: 'erp_posted', detail: erpDocumentId });
  });
  await attempt(ctx, 'create_picking_task', async () => {
    const task = await picking.next();
    s.log({ type: 'picking_task_created', detail: task.taskId });
  });
  status.ensureNotCanceled();
  status.setStatus('picking');
}

/**
 * From `picking` to the carrier: packed, labelled, picked up (stock committed, payment captured). Returns what
 * the carrier reported at the end of its tracking window.
 */
export async function pickPackShip(ctx: OrderContext, persisted: () => Promise<void>): Promise<void> {
  const { s, operator, saga, status } = ctx;
  const { orderId } = s;
  const { pickSla, trackingWindow } = s.input.timers;
  await operator.waitWithAlert('pick_and_pack', `not packed within ${pickSla}`, pickSla, () => s.packed);

  status.ensureNotCanceled();
  saga.push({
    name: 'create_shipment',
    run: () => ext.cancelShipment({ key: `shipment-cancel:${orderId}:1`, orderId, carrier: s.input.carrier }),
  });
  await attempt(ctx, 'create_shipment', async () => {
    const label = await ext.createShipment({
      key: `shipment:${orderId}:1`,
      orderId,
      carrier: s.input.carrier,
      address: s.input.shippingAddress,
      customer: s.input.customer,
      lines: stockLines(ctx),
    });
    s.order.shipments = [{ shipmentId: `${orderId}/1`, ...label, lines: stockLines(ctx), events: s.shipment?.events ?? [] }];
    s.log({ type: 'label_created', detail: `${label.carrier} ${label.trackingNumber}` });
  });
  // Carriers call back by tracking number: the read model must know it before the parcel can move.
  await persisted();

  await operator.waitWithAlert('await_pickup', `no carrier pick-up within ${trackingWindow}`, trackingWindow, () => s.parcelMoving);
  await ship(ctx);
}

async function ship(ctx: OrderContext): Promise<void> {
  const { s, operator, saga, status } = ctx;
  // Past this point there is nothing to compensate: a shipped order is returned, not canceled.
  saga.clear();
  status.setStatus('shipped');
  await operator.step('commit_stock', () => db.commitStock({ orderId: s.orderId }), {
    refuseSkip: 'commit_stock cannot be skipped: the shipped units would stay reserved; retry it',
  });
  await captureAtShipping(ctx);
}

/** Waits for delivery news; 'returned' when the carrier brought the parcel back instead. */
export async function awaitDelivery(ctx: OrderContext): Promise<'delivered' | 'returned'> {
  const { s, operator, status } = ctx;
  const window = s.input.timers.trackingWindow;
  const news = s.carrierNews;
  const delivery = await operator.waitWithAlert('await_delivery', `no delivery news within ${window}`, window, () => news.delivered || news.returnedToSender);
  if (news.returnedToSender && !news.delivered) return 'returned';
  status.setStatus('delivered', delivery === 'skipped' ? 'confirmed by an operator' : undefined);
  if (s.input.payment.method === 'cash_on_delivery') {
    // The carrier collected the cash at the door: what a later return pays back by hand.
    s.book({ kind: 'capture', amount: s.order.totals.total, currency: s.order.totals.currency, ref: 'cash_on_delivery' });
  }
  return 'delivered';
}
