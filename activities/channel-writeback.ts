// The marketplace write-back in Trendyol's own protocol (CONNECTORS.md §1.5), one request at a time from the
// account's queue (workflows/channel-writeback.ts). It does not replay the request's status blindly: it reads the
// order from the read model and the order's packages from the lineage (entities/channel-package.ts) and brings the
// current packages up to what the OMS knows, step by step, each step once — what was pushed per package is stored,
// so a retried attempt goes on where the last one stopped and no forward-only rule is broken:
//   canceled quantities → unsupplied (reason 500 by default), then the order's packages re-read: the new package
//   (createdBy "cancel") is recorded and takes every later step; picking (or an invoice) → updatePackage Picking;
//   an invoice → updatePackage Invoiced with its number (Picking first), then sendInvoiceLink (409: already sent);
//   shipped → the tracking number for seller-contracted cargo (OMS_TRENDYOL_SELLER_CARGO), else nothing: Trendyol's
//   own cargo scan sets Shipped, as its carrier sets Delivered and its claims set returns.
// Hepsiburada and n11 have their mappings in activities/writeback-hepsiburada.ts and writeback-n11.ts; one
// pushChannelStatus dispatches by the request's channel to the connector its worker was given.
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { ChannelWriteBackActivities, WriteBackOutcome } from '../contract/activities';
import type { OrderStore } from '../contract/store';
import type { Carrier, OrderView } from '../contract/types';
import {
  CHANNEL_WRITEBACK_WORKFLOW_TYPE,
  TASK_QUEUE,
  channelWriteBackWorkflowId,
  writeBackRequestSignal,
  type WriteBackQueueState,
  type WriteBackRequest,
} from '../contract/workflow';
import type { ChannelPackageStore, ChannelPackageView } from '../entities/channel-package';
import { ChannelError } from '../integrations/stock-feed';
import { packageReading, type PackageLineQuantity, type TrendyolPackageWriter } from '../integrations/trendyol/packages';
import type { HepsiburadaPackageWriter } from '../integrations/hepsiburada/packages';
import type { N11PackageWriter } from '../integrations/n11/packages';
import { createHepsiburadaWriteBack } from './writeback-hepsiburada';
import { createN11WriteBack } from './writeback-n11';
import { asFailure, canceledBySku, isRefusal, reached } from './writeback-shared';

/** Trendyol's unsupplied reasons (§1.5.2); 503 does not exist. */
export const TRENDYOL_UNSUPPLIED_REASONS = [500, 501, 502, 504, 505, 506] as const;

/** `changeCargoProvider` codes of the OMS's carriers (§1.5.4; MNG is DHL eCommerce now). */
export const TRENDYOL_PROVIDER_CODES: Record<Carrier, string> = { yurtici: 'YKMP', aras: 'ARASMP', mng: 'DHLECOMMP' };

/** Statuses a package reaches after Picking / after Invoiced (the seller can push neither again). */
const PAST_CREATED = ['Picking', 'Invoiced', 'Shipped', 'Delivered', 'UnDelivered', 'Returned', 'AtCollectionPoint'];
const PAST_PICKING = PAST_CREATED.slice(1);
/** The OMS statuses Trendyol sets itself (its cargo, its claims): recorded as not pushed. */
const SET_BY_TRENDYOL = ['delivered', 'return_pending', 'return_completed'];

export interface ChannelWriteBackDeps {
  store: Pick<OrderStore, 'getOrder'>;
  packages: ChannelPackageStore;
  /** Each channel's connector; a worker on `oms-writeback-<channel>` is given the one of its channel. */
  trendyol?: TrendyolPackageWriter | undefined;
  hepsiburada?: HepsiburadaPackageWriter | undefined;
  n11?: N11PackageWriter | undefined;
  /** n11's cancelReasonId for units the OMS canceled (OMS_N11_CANCEL_REASON); 61 (stock-out) by default. */
  n11CancelReasonId?: number | undefined;
  /**
   * [choice] §1.5.4 marks the TR seller-cargo tracking update [M] (deprecated in the TR guide): off by default, so a
   * shipped order pushes nothing; on (OMS_TRENDYOL_SELLER_CARGO), its tracking number goes to tracking-details.
   */
  sellerCargo?: boolean | undefined;
  /** The unsupplied reasonId for lines the OMS canceled (OMS_TRENDYOL_UNSUPPLIED_REASON); 500 (stock-out) by default. */
  unsuppliedReasonId?: number | undefined;
  now?: () => Date;
}

/** Trendyol's invoiceNumber pattern (§1.5.5): an OMS number that does not fit is left out (it is optional). */
const INVOICE_NUMBER = /^[A-Za-z0-9]{3}\d{13}$/;

/** Builds the write-back activity for the marketplace accounts whose connector is given. */
export function createChannelWriteBackActivities(deps: ChannelWriteBackDeps): ChannelWriteBackActivities {
  const { packages } = deps;
  const trendyol = deps.trendyol!;
  const reasonId = deps.unsuppliedReasonId ?? 500;
  const now = deps.now ?? (() => new Date());

  /** Reads the order's packages from Trendyol and records each (children mark their origins superseded). */
  async function reread(orderNumber: string): Promise<ChannelPackageView[]> {
    for (const raw of await trendyol.packagesOf(orderNumber)) {
      const reading = packageReading(raw);
      if (reading) await packages.record(reading);
    }
    return packages.ofOrder('trendyol', orderNumber);
  }

  /**
   * A forward-only refusal may mean the step was done already (an earlier attempt that lost its answer, the seller
   * panel): re-read, and if the package is past the step, record it as done; otherwise the refusal stands.
   */
  async function doneAlready(err: ChannelError, orderNumber: string, packageId: string, past: string[]): Promise<boolean> {
    const fresh = (await reread(orderNumber)).find((p) => p.packageId === packageId);
    if (fresh && past.includes(fresh.status)) return true;
    throw err;
  }

  async function push(view: OrderView): Promise<WriteBackOutcome> {
    const orderNumber = view.externalOrderId;
    const steps: string[] = [];
    let all = await packages.ofOrder('trendyol', orderNumber);
    if (all.length === 0) all = await reread(orderNumber);
    if (all.length === 0) return { orderId: view.id, packages: [], steps: ['not pushed: Trendyol holds no package of the order'] };

    // 1. Units the OMS canceled and no package has given up yet: unsupplied, package by package.
    const given = new Map<string, number>();
    for (const p of all) for (const [sku, n] of Object.entries(p.pushed.unsupplied ?? {})) given.set(sku, (given.get(sku) ?? 0) + n);
    const toGive = new Map<string, number>();
    for (const [sku, n] of canceledBySku(view)) if (n > (given.get(sku) ?? 0)) toGive.set(sku, n - (given.get(sku) ?? 0));
    for (const pkg of all.filter((p) => p.current)) {
      if (toGive.size === 0) break;
      if (!['Created', 'Picking', 'Invoiced'].includes(pkg.status)) continue;
      const lines: PackageLineQuantity[] = [];
      const bySku: Record<string, number> = {};
      for (const line of pkg.lines) {
        const want = toGive.get(line.barcode) ?? 0;
        const n = Math.min(want, line.quantity);
        if (n <= 0) continue;
        lines.push({ lineId: line.lineId, quantity: n });
        bySku[line.barcode] = (bySku[line.barcode] ?? 0) + n;
        if (want - n > 0) toGive.set(line.barcode, want - n);
        else toGive.delete(line.barcode);
      }
      if (lines.length === 0) continue;
      try {
        await trendyol.unsupplied(pkg.packageId, lines, reasonId);
      } catch (err) {
        // The source id dies with the first call (§1.9): a retry after a lost answer finds it dead, which is done.
        if (!isRefusal(err) || !(await doneAlready(err, orderNumber, pkg.packageId, ['UnSupplied', 'Cancelled']))) throw err;
      }
      await packages.markPushed('trendyol', pkg.packageId, { unsupplied: bySku });
      steps.push(`unsupplied ${pkg.packageId} ${lines.map((l) => `${l.lineId}x${l.quantity}`).join(',')} reason ${reasonId}`);
      all = await reread(orderNumber);
      const fresh = all.find((p) => p.packageId === pkg.packageId);
      if (fresh?.current) await packages.supersede('trendyol', pkg.packageId, [], 'UnSupplied');
    }
    for (const [sku, n] of toGive) steps.push(`not pushed: ${n} canceled ${sku} are in no package that can still give them up`);
    all = await packages.ofOrder('trendyol', orderNumber);

    // 2. The current packages: Picking, Invoiced, the invoice link, the tracking number, in that order.
    const current = all.filter((p) => p.current);
    const invoice = view.invoice;
    const picked = reached(view, 'picking') || invoice !== undefined;
    const at = () => now().toISOString();
    for (const pkg of view.status === 'canceled' ? [] : current) {
      const lines = pkg.lines.map((l) => ({ lineId: l.lineId, quantity: l.quantity }));
      const id = pkg.packageId;
      let status = pkg.status;
      if (picked && !pkg.pushed.picking) {
        if (!PAST_CREATED.includes(status)) {
          try {
            await trendyol.picking(id, lines);
            steps.push(`Picking ${id}`);
          } catch (err) {
            if (!isRefusal(err)) throw err;
            await doneAlready(err, orderNumber, id, PAST_CREATED);
            steps.push(`Picking ${id} (already)`);
          }
          status = 'Picking';
        }
        await packages.markPushed('trendyol', id, { picking: at() });
      }
      if (invoice && !pkg.pushed.invoiced) {
        if (!PAST_PICKING.includes(status)) {
          try {
            await trendyol.invoiced(id, lines, invoice.invoiceNumber);
            steps.push(`Invoiced ${id} ${invoice.invoiceNumber}`);
          } catch (err) {
            if (!isRefusal(err)) throw err;
            await doneAlready(err, orderNumber, id, PAST_PICKING);
            steps.push(`Invoiced ${id} (already)`);
          }
        }
        await packages.markPushed('trendyol', id, { invoiced: at() });
      }
      if (invoice && !pkg.pushed.invoiceLink) {
        const sent = await trendyol.sendInvoiceLink({
          packageId: id,
          invoiceLink: invoice.url,
          ...(INVOICE_NUMBER.test(invoice.invoiceNumber) ? { invoiceNumber: invoice.invoiceNumber } : {}),
        });
        steps.push(sent === 'sent' ? `invoice-link ${id}` : `invoice-link ${id} already sent (409)`);
        await packages.markPushed('trendyol', id, { invoiceLink: at() });
      }
      if (reached(view, 'shipped')) {
        const skus = new Set(pkg.lines.map((l) => l.barcode));
        const unit = (view.fulfillments ?? []).find((f) => f.trackingNumber && f.carrier && f.lines.some((l) => skus.has(l.sku)));
        const tracking = unit?.trackingNumber ?? view.shipment?.trackingNumber;
        const carrier = unit?.carrier ?? view.shipment?.carrier;
        if (deps.sellerCargo && tracking && carrier && !pkg.pushed.tracking) {
          await trendyol.tracking(id, tracking, TRENDYOL_PROVIDER_CODES[carrier]);
          steps.push(`tracking ${id} ${tracking} ${TRENDYOL_PROVIDER_CODES[carrier]}`);
          await packages.markPushed('trendyol', id, { tracking });
        } else if (!deps.sellerCargo && !pkg.pushed.notPushed?.includes('shipped: Trendyol sets it')) {
          await packages.markPushed('trendyol', id, { notPushed: ['shipped: Trendyol sets it'] });
          steps.push(`not pushed: shipped: Trendyol sets it (${id})`);
        }
      }
      const theirs = SET_BY_TRENDYOL.filter((s) => reached(view, s)).map((s) => `${s}: Trendyol sets it`);
      const fresh = theirs.filter((note) => !pkg.pushed.notPushed?.includes(note));
      if (fresh.length > 0) {
        await packages.markPushed('trendyol', id, { notPushed: fresh });
        steps.push(...fresh.map((note) => `not pushed: ${note} (${id})`));
      }
    }
    if (view.status === 'canceled' && steps.length === 0) steps.push(`not pushed: canceled (${view.cancelReason ?? 'no reason'})`);
    return { orderId: view.id, packages: current.map((p) => p.packageId), steps };
  }

  // One mapping per channel, each in its own file but Trendyol's (the first, kept here).
  const pushers: Record<string, (view: OrderView) => Promise<WriteBackOutcome>> = {
    ...(deps.trendyol ? { trendyol: push } : {}),
    ...(deps.hepsiburada ? { hepsiburada: createHepsiburadaWriteBack({ packages, hepsiburada: deps.hepsiburada, now }) } : {}),
    ...(deps.n11 ? { n11: createN11WriteBack({ packages, n11: deps.n11, cancelReasonId: deps.n11CancelReasonId }) } : {}),
  };

  return {
    async pushChannelStatus(request) {
      const pushTo = Object.hasOwn(pushers, request.channel) ? pushers[request.channel] : undefined;
      if (!pushTo) {
        throw ApplicationFailure.nonRetryable(`no write-back connector for channel ${JSON.stringify(request.channel)}`, 'NoSuchChannel');
      }
      const view = await deps.store.getOrder(request.orderId);
      // The status change is announced before the read model has it (both follow the workflow): wait for it.
      if (!view || (request.reason !== 'lines_canceled' && !reached(view, request.status))) {
        throw ApplicationFailure.retryable(
          `the read model shows order ${request.orderId} ${view ? `at ${view.status}` : 'not yet'}, not yet ${request.status}`,
          'ReadModelBehind',
        );
      }
      try {
        return await pushTo(view);
      } catch (err) {
        throw asFailure(err);
      }
    },
  };
}

/** Routes a channel's write-back requests to its queue workflow (signal-with-start: the first request starts it). */
export interface ChannelWriteBackRouter {
  handles(channel: string): boolean;
  enqueue(request: WriteBackRequest): Promise<void>;
}

/** The router for the channels with a connector (`channels`), over the worker's Temporal client. */
export function createWriteBackRouter(client: Client, channels: readonly string[]): ChannelWriteBackRouter {
  return {
    handles: (channel) => channels.includes(channel),
    async enqueue(request) {
      const initial: WriteBackQueueState = { channel: request.channel, pending: [], seen: [], lastSeq: {} };
      await client.workflow.signalWithStart(CHANNEL_WRITEBACK_WORKFLOW_TYPE, {
        workflowId: channelWriteBackWorkflowId(request.channel),
        taskQueue: TASK_QUEUE,
        args: [initial],
        signal: writeBackRequestSignal,
        signalArgs: [request],
      });
    },
  };
}

/** The canceled units of an order as a write-back key: a new key each time the total grows. */
export function linesCanceledRequest(view: OrderView): WriteBackRequest | null {
  let canceled = 0;
  for (const line of view.lines) canceled += line.quantities?.canceled ?? 0;
  if (canceled === 0) return null;
  return {
    key: `channel:${view.id}:lines_canceled:${canceled}`,
    orderId: view.id,
    channel: view.channel,
    externalOrderId: view.externalOrderId,
    status: view.status,
    seq: 0,
    reason: 'lines_canceled',
  };
}
