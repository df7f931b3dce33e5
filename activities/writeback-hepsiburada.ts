// The marketplace write-back in Hepsiburada's own protocol (CONNECTORS.md §2.2, §2.3), called by pushChannelStatus
// (activities/channel-writeback.ts). The OMS ships with its own carriers, which is HB's merchant-cargo flow ("Mağaza
// Hesabı"): the OMS makes the package, says it is in transit with its tracking number, then delivered or not. As for
// Trendyol it brings HB up to what the read model shows, each step once, from the package lineage
// (entities/channel-package.ts, packageId = HB's packageNumber) and, before anything is created, from HB itself:
//   canceled quantities, counted against the units HB already shows cancelled → lines not packed: cancelbymerchant
//   (reason 83) of whole lines (it takes no quantity: a part of a line not packed yet is split as soon as it is);
//   units in a package HB does not show in transit yet → the package split (`…/split`) into one package of the units
//   kept, the canceled units in `cancelledItems` (reason 83): whole lines or a part of one, in one call. HB retires
//   the packageNumber: the lineage marks it UnPacked, no longer current, and records the new package (createdBy
//   "split", `originPackageIds` [old]). A package every unit of which is canceled is unpacked instead and its lines
//   cancelled by the merchant (a split makes at least one package). A split or an unpack whose answer was lost is
//   read back (the package UnPacked; a split's new package found among the order's lines) and never done twice.
//   Units in a package HB shows InTransit (or past it) are not pushed, and noted on the package: the parcel is with
//   the carrier, so they come back as a return, not a cancel. Picking (or an invoice, or a label) → the package of
//   the order's open lines, looked up first (an earlier attempt whose answer was lost, the panel) so there is never a
//   second; after an unpack, the open lines left are packed anew, the new package naming the unpacked one in
//   `originPackageIds` (the lineage graph); an invoice → its link; shipped → intransit with the tracking number and
//   URL; delivered → deliver; a failed delivery or a return to sender → undeliver, each to the current package (after
//   a split, the new one). A forward-only refusal is read back (the package's status) before it is believed.
import type { WriteBackOutcome } from '../contract/activities';
import type { Carrier, OrderView, ShipmentEvent } from '../contract/types';
import type { ChannelPackageStore, ChannelPackageView } from '../entities/channel-package';
import type { HepsiburadaLineState, HepsiburadaPackageWriter } from '../integrations/hepsiburada/packages';
import { ChannelError } from '../integrations/stock-feed';
import { canceledBySku, isRefusal, reached } from './writeback-shared';

const CHANNEL = 'hepsiburada';
/** §2.2: cancelbymerchant's reason 83, "could not supply" (the only one the spec names). */
export const HEPSIBURADA_CANCEL_REASON_ID = 83;
/** §2.3: merchant-cargo dates may not be older than 7 days; a late push is dated no earlier than this margin inside. */
const MAX_DATE_AGE_MS = 7 * 24 * 3600_000 - 10 * 60_000;

/**
 * Where a customer follows a tracking number of the OMS's carriers. [choice] §2.3 wants a `trackingUrl` but no
 * document gives the carriers' query URLs: these are their public tracking pages.
 */
export const CARRIER_TRACKING_URLS: Record<Carrier, (trackingNumber: string) => string> = {
  yurtici: (n) => `https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=${encodeURIComponent(n)}`,
  aras: (n) => `https://kargotakip.araskargo.com.tr/mainpage.aspx?code=${encodeURIComponent(n)}`,
  mng: (n) => `https://kargotakip.mngkargo.com.tr/?takipNo=${encodeURIComponent(n)}`,
};

/** HB statuses a package reaches after intransit; after deliver / undeliver. */
const PAST_PACKED = ['InTransit', 'Delivered', 'Undelivered'];
const SETTLED = ['Delivered', 'Undelivered'];
/** The status of a package HB unpacked: its packageNumber is retired. */
const UNPACKED = 'UnPacked';
/** [choice] Status strings are free text (§2.2 [M]): a line HB shows cancelled says so in its status. */
const isCancelled = (line: HepsiburadaLineState) => /cancel/i.test(line.status);

/** What to cancel at HB for the units the OMS canceled, and what cannot be. */
export interface HepsiburadaCancelPlan {
  /** Whole lines not packed, to cancel by the merchant. */
  lines: HepsiburadaLineState[];
  /** Units to cancel of packed lines, by the package holding them (HB does not show it in transit): lineItemId → units. */
  packed: Map<string, Map<string, number>>;
  /** Per SKU, canceled units nothing above covers, and the packages HB holds past packed that have its lines. */
  left: Map<string, { units: number; held: string[] }>;
}

/**
 * Where at HB the `canceled` units per SKU are cancelled, given HB's lines (`lines`, the order detail) and counted
 * against the units HB shows cancelled already. Lines not packed come first, whole lines only (cancelbymerchant takes
 * no quantity, §2.2), smaller lines first; then packed lines in packages not in `held` (HB shows those in transit or
 * past it), any number of units (the split's cancelledItems take a quantity, §2.3), smaller lines first, so whole
 * lines go before a part of one. A line in a package of `held` is never chosen.
 */
export function planHepsiburadaCancels(
  lines: readonly HepsiburadaLineState[],
  canceled: ReadonlyMap<string, number>,
  held: ReadonlySet<string> = new Set(),
): HepsiburadaCancelPlan {
  const plan: HepsiburadaCancelPlan = { lines: [], packed: new Map(), left: new Map() };
  const bySize = (a: HepsiburadaLineState, b: HepsiburadaLineState) => a.quantity - b.quantity;
  for (const [sku, units] of canceled) {
    if (!Number.isInteger(units) || units < 0) throw new RangeError(`canceled units of ${sku} must be a non-negative integer, not ${units}`);
    const ofSku = lines.filter((l) => l.merchantSku === sku);
    let left = units - ofSku.filter(isCancelled).reduce((n, l) => n + l.quantity, 0);
    const open = ofSku.filter((l) => !isCancelled(l));
    for (const line of open.filter((l) => !l.packageNumber).sort(bySize)) {
      if (left <= 0) break;
      if (line.quantity > left) continue;
      plan.lines.push(line);
      left -= line.quantity;
    }
    for (const line of open.filter((l) => l.packageNumber && !held.has(l.packageNumber)).sort(bySize)) {
      if (left <= 0) break;
      const units = Math.min(left, line.quantity);
      const inPackage = plan.packed.get(line.packageNumber!) ?? new Map<string, number>();
      inPackage.set(line.lineItemId, units);
      plan.packed.set(line.packageNumber!, inPackage);
      left -= units;
    }
    if (left > 0) {
      const heldBy = [...new Set(open.map((l) => l.packageNumber).filter((p): p is string => p !== null && held.has(p)))];
      plan.left.set(sku, { units: left, held: heldBy });
    }
  }
  return plan;
}

export interface HepsiburadaWriteBackDeps {
  packages: ChannelPackageStore;
  hepsiburada: HepsiburadaPackageWriter;
  now?: () => Date;
}

/** An unpacked package whose kept lines are not in a package again yet (it has no child). */
const awaitsRepack = (p: ChannelPackageView) => p.status === UNPACKED && p.supersededBy.length === 0;

/** The unpacked packages, awaiting their child, that held any of `lines`: the origins of the package made of them. */
function originsOf(all: readonly ChannelPackageView[], lines: readonly HepsiburadaLineState[]): string[] {
  const ids = new Set(lines.map((l) => l.lineItemId));
  return all.filter((p) => awaitsRepack(p) && p.lines.some((l) => ids.has(l.lineId))).map((p) => p.packageId);
}

/** The unit (fulfillment or shipment) that carries the package's SKUs, with its tracking number and events. */
function unitOf(view: OrderView, pkg: ChannelPackageView): { carrier: Carrier; trackingNumber: string; events: ShipmentEvent[] } | null {
  const skus = new Set(pkg.lines.map((l) => l.barcode));
  const unit = (view.fulfillments ?? []).find((f) => f.trackingNumber && f.carrier && f.lines.some((l) => skus.has(l.sku)));
  if (unit?.trackingNumber && unit.carrier) return { carrier: unit.carrier, trackingNumber: unit.trackingNumber, events: unit.events };
  const s = view.shipment;
  return s ? { carrier: s.carrier, trackingNumber: s.trackingNumber, events: s.events } : null;
}

/** Builds the push of one order to Hepsiburada. */
export function createHepsiburadaWriteBack(deps: HepsiburadaWriteBackDeps): (view: OrderView) => Promise<WriteBackOutcome> {
  const { packages, hepsiburada: hb } = deps;
  const now = deps.now ?? (() => new Date());

  /** An event's time as HB takes it: not before `floor`, not older than 7 days, not in the future. */
  function dated(eventAt: string | undefined, floor: string | undefined): string {
    const nowMs = now().getTime();
    const ms = Math.min(nowMs, Math.max(Date.parse(eventAt ?? '') || nowMs, Date.parse(floor ?? '') || 0, nowMs - MAX_DATE_AGE_MS));
    return new Date(ms).toISOString();
  }

  /**
   * Records every package HB shows for the order's lines that the lineage does not know yet. One that holds lines of
   * an unpacked package not yet followed by another (an earlier attempt packed them anew and lost the answer) is
   * recorded as its child.
   */
  async function recordPacked(orderNumber: string, lines: HepsiburadaLineState[]): Promise<string[]> {
    const all = await packages.ofOrder(CHANNEL, orderNumber);
    const known = new Set(all.map((p) => p.packageId));
    const found: string[] = [];
    const byPackage = new Map<string, HepsiburadaLineState[]>();
    for (const l of lines) if (l.packageNumber) byPackage.set(l.packageNumber, [...(byPackage.get(l.packageNumber) ?? []), l]);
    for (const [packageId, ls] of byPackage) {
      if (known.has(packageId)) continue;
      await packages.record({
        channel: CHANNEL,
        packageId,
        orderNumber,
        status: 'Packed',
        createdBy: 'seller',
        originPackageIds: originsOf(all, ls),
        lines: ls.map((l) => ({ lineId: l.lineItemId, barcode: l.merchantSku, quantity: l.quantity })),
      });
      found.push(packageId);
    }
    return found;
  }

  /**
   * Asks HB whether a package the lineage holds as current was unpacked or split (its lines no longer carry its
   * number: a call whose answer was lost, or the panel's); UnPacked is recorded, so it is never unpacked or split
   * again, and the packages its lines are in now (a split's) are recorded as its children.
   */
  async function recordUnpacked(orderNumber: string, lines: HepsiburadaLineState[], steps: string[]): Promise<void> {
    const byId = new Map(lines.map((l) => [l.lineItemId, l]));
    const all = await packages.ofOrder(CHANNEL, orderNumber);
    const known = new Set(all.map((p) => p.packageId));
    for (const pkg of all.filter((p) => p.current)) {
      const moved = pkg.lines.some((l) => byId.has(l.lineId) && byId.get(l.lineId)!.packageNumber !== pkg.packageId);
      if (!moved) continue;
      const { status } = await hb.packageStatus(pkg.packageId);
      if (status !== UNPACKED) continue;
      await packages.supersede(CHANNEL, pkg.packageId, [], UNPACKED);
      // [choice] Its lines went straight into packages the lineage does not know: HB split it (an unpack leaves them
      // unpacked until the write-back packs them, and that package is recorded as soon as HB answers).
      const into = [...new Set(pkg.lines.map((l) => byId.get(l.lineId)?.packageNumber).filter((p): p is string => !!p && p !== pkg.packageId && !known.has(p)))];
      for (const child of into) {
        const held = lines.filter((l) => l.packageNumber === child).map((l) => ({ lineId: l.lineItemId, barcode: l.merchantSku, quantity: l.quantity }));
        await recordSplitChild(orderNumber, child, pkg.packageId, held);
        known.add(child);
      }
      steps.push(into.length > 0 ? `split ${pkg.packageId} (already ${UNPACKED}: ${into.join(',')})` : `unpack ${pkg.packageId} (already ${UNPACKED})`);
    }
  }

  /** A package HB made by splitting `origin` (its answer, or read back after a lost one): current, picking pushed. */
  async function recordSplitChild(orderNumber: string, child: string, origin: string, held: { lineId: string; barcode: string; quantity: number }[]): Promise<void> {
    await packages.record({ channel: CHANNEL, packageId: child, orderNumber, status: 'Packed', createdBy: 'split', originPackageIds: [origin], lines: held });
    await packages.markPushed(CHANNEL, child, { picking: now().toISOString() });
  }

  /** A package about to be split or unpacked that the lineage does not know (made in the panel, or by an attempt whose answer was lost) is recorded first, so the lineage holds what dies. */
  async function recordBeforeRetiring(orderNumber: string, packageId: string, lines: HepsiburadaLineState[]): Promise<void> {
    if ((await packages.ofOrder(CHANNEL, orderNumber)).some((p) => p.packageId === packageId)) return;
    for (const found of await recordPacked(orderNumber, lines)) await packages.markPushed(CHANNEL, found, { picking: now().toISOString() });
  }

  /**
   * Splits a package HB holds (Packed) into one package of the units the OMS keeps, the `cancel` units (lineItemId →
   * units) in cancelledItems with reason 83, and records the lineage: the old package UnPacked, the new one its child
   * (createdBy "split"). A refusal is believed only when HB does not show the package UnPacked already (a split whose
   * answer was lost: then its new package is read from the order's lines).
   */
  async function split(orderNumber: string, packageId: string, lines: HepsiburadaLineState[], cancel: ReadonlyMap<string, number>, steps: string[]): Promise<void> {
    const held = lines.filter((l) => l.packageNumber === packageId);
    await recordBeforeRetiring(orderNumber, packageId, lines);
    const kept = held.map((l) => ({ line: l, quantity: l.quantity - (cancel.get(l.lineItemId) ?? 0) })).filter((k) => k.quantity > 0);
    const cancelled = held.filter((l) => (cancel.get(l.lineItemId) ?? 0) > 0).map((l) => ({ lineItemId: l.lineItemId, quantity: cancel.get(l.lineItemId)!, reasonId: HEPSIBURADA_CANCEL_REASON_ID }));
    let made: string[];
    try {
      made = await hb.split(packageId, { packages: [{ lines: kept.map((k) => ({ lineItemId: k.line.lineItemId, quantity: k.quantity })) }], cancelled });
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const { status } = await hb.packageStatus(packageId);
      if (status !== UNPACKED) throw err;
      const fresh = await hb.orderLines(orderNumber);
      if (fresh) await recordUnpacked(orderNumber, fresh, steps);
      else await packages.supersede(CHANNEL, packageId, [], UNPACKED);
      return;
    }
    const child = made[0]!;
    await packages.supersede(CHANNEL, packageId, [], UNPACKED);
    await recordSplitChild(orderNumber, child, packageId, kept.map((k) => ({ lineId: k.line.lineItemId, barcode: k.line.merchantSku, quantity: k.quantity })));
    steps.push(
      `split ${packageId} into ${child} ${kept.map((k) => `${k.line.lineItemId}x${k.quantity}`).join(',')}, cancelled ` +
        `${cancelled.map((c) => `${c.lineItemId}x${c.quantity}`).join(',')} reason ${HEPSIBURADA_CANCEL_REASON_ID}`,
    );
  }

  /**
   * Unpacks the package (HB retires its number, its lines are packable again) and records it UnPacked. A refusal
   * is believed only when HB does not show the package UnPacked already.
   */
  async function unpack(orderNumber: string, packageId: string, lines: HepsiburadaLineState[], steps: string[]): Promise<void> {
    await recordBeforeRetiring(orderNumber, packageId, lines);
    try {
      await hb.unpack(packageId);
      steps.push(`unpack ${packageId}`);
    } catch (err) {
      if (!isRefusal(err)) throw err;
      const { status } = await hb.packageStatus(packageId);
      if (status !== UNPACKED) throw err;
      steps.push(`unpack ${packageId} (already ${UNPACKED})`);
    }
    await packages.supersede(CHANNEL, packageId, [], UNPACKED);
    for (const line of lines.filter((l) => l.packageNumber === packageId)) {
      line.packageNumber = null;
      line.status = 'Open';
    }
  }

  /** A forward-only refusal stands unless HB shows the package past the step already. */
  async function doneAlready(err: ChannelError, packageId: string, past: string[]): Promise<string> {
    const { status } = await hb.packageStatus(packageId);
    if (past.includes(status)) return status;
    throw err;
  }

  return async function push(view) {
    const orderNumber = view.externalOrderId;
    const steps: string[] = [];
    const at = () => now().toISOString();
    let lines: HepsiburadaLineState[] | null | undefined;
    const read = async () => (lines = await hb.orderLines(orderNumber));

    // 1. Units the OMS canceled that HB does not show cancelled. Lines not packed: cancelled whole by the merchant.
    //    Units in a package HB does not show in transit yet: the package split, in one call, into a package of the
    //    units kept with the canceled ones in cancelledItems (reason 83) — any quantity, whole lines or a part of
    //    one, and no moment where the kept units are unpacked. [choice] A package every unit of which is canceled is
    //    unpacked and its lines cancelled by the merchant instead: a split makes at least one package (§2.3 shows
    //    none without packageDetails), so the unpack stays for that case (a whole order canceled after packing).
    //    Resolves false when HB does not know the order; `waiting` gets the canceled units that are part of a line not
    //    packed yet (cancelbymerchant takes no quantity): once that line is packed below, this runs again and splits.
    const canceled = canceledBySku(view);
    let waiting: string[] = [];
    const unknownOrder = () => ({ orderId: view.id, packages: [], steps: [...steps, ...waiting, 'not pushed: Hepsiburada does not know the order'] });
    async function pushCancels(): Promise<boolean> {
      waiting = [];
      if ((await read()) === null) return false;
      await recordUnpacked(orderNumber, lines!, steps);
      // Which packages HB holds past packed: asked only of packages with a line the plan would cancel units of.
      const lineage = new Map((await packages.ofOrder(CHANNEL, orderNumber)).map((p) => [p.packageId, p]));
      const statusOf = new Map<string, string>();
      let plan = planHepsiburadaCancels(lines!, canceled);
      for (;;) {
        const unasked = [...plan.packed.keys()].filter((p) => !statusOf.has(p));
        if (unasked.length === 0) break;
        for (const id of unasked) {
          // Pushed in transit by the OMS: HB has it past packed without being asked.
          statusOf.set(id, lineage.get(id)?.pushed.tracking !== undefined ? 'InTransit' : (await hb.packageStatus(id)).status);
        }
        plan = planHepsiburadaCancels(lines!, canceled, new Set([...statusOf].filter(([, status]) => PAST_PACKED.includes(status)).map(([id]) => id)));
      }
      const splits: [string, Map<string, number>][] = [];
      for (const [id, cancel] of plan.packed) {
        const whole = lines!.filter((l) => l.packageNumber === id).every((l) => cancel.get(l.lineItemId) === l.quantity);
        if (!whole) {
          splits.push([id, cancel]);
          continue;
        }
        plan.lines.push(...lines!.filter((l) => l.packageNumber === id));
        await unpack(orderNumber, id, lines!, steps);
      }
      for (const line of plan.lines) {
        try {
          await hb.cancelLine(line.lineItemId, HEPSIBURADA_CANCEL_REASON_ID);
          steps.push(`cancelbymerchant ${line.lineItemId} reason ${HEPSIBURADA_CANCEL_REASON_ID}`);
        } catch (err) {
          // Cancelled by an earlier attempt whose answer was lost: HB shows it so.
          if (!isRefusal(err)) throw err;
          const fresh = (await hb.orderLines(orderNumber))?.find((l) => l.lineItemId === line.lineItemId);
          if (!fresh || !isCancelled(fresh)) throw err;
          steps.push(`cancelbymerchant ${line.lineItemId} (already)`);
        }
        line.status = 'Cancelled';
      }
      for (const [id, cancel] of splits) await split(orderNumber, id, lines!, cancel, steps);
      // The split lines as HB shows them now (their new package, the cancelled units), for the steps below.
      if (splits.length > 0 && (await read()) === null) return false;
      for (const [sku, { units, held }] of plan.left) {
        if (held.length === 0) {
          waiting.push(`not pushed: ${units} canceled ${sku} are part of a line not packed yet (cancelbymerchant takes no quantity)`);
          continue;
        }
        // The carrier has the parcel: the units come back as a return (HB's claims), not as a cancel.
        const note = `${units} canceled ${sku}: the parcel is with the carrier, a return, not a cancel`;
        steps.push(`not pushed: ${note} (${held.map((id) => `${id} ${statusOf.get(id)!}`).join(', ')})`);
        for (const id of held.filter((p) => lineage.has(p) && !lineage.get(p)!.pushed.notPushed?.includes(note))) await packages.markPushed(CHANNEL, id, { notPushed: [note] });
      }
      return true;
    }
    if (canceled.size > 0 && !(await pushCancels())) return unknownOrder();
    if (view.status === 'canceled') {
      steps.push(...waiting);
      if (steps.length === 0) steps.push(`not pushed: canceled (${view.cancelReason ?? 'no reason'})`);
      return { orderId: view.id, packages: [], steps };
    }

    // 2. The package, once the OMS is picking: the one HB has (found by its lines), else one made of the open lines;
    //    after an unpack, the lines it left open (kept by the OMS) packed anew, as its child.
    let all = await packages.ofOrder(CHANNEL, orderNumber);
    const picked = reached(view, 'picking') || view.invoice !== undefined || view.shipment !== undefined;
    if (picked && (!all.some((p) => p.current) || all.some(awaitsRepack))) {
      if (lines === undefined) await read();
      if (lines === null) return unknownOrder();
      for (const found of await recordPacked(orderNumber, lines!)) {
        await packages.markPushed(CHANNEL, found, { picking: at() });
        steps.push(`package ${found} (already packed)`);
      }
      all = await packages.ofOrder(CHANNEL, orderNumber);
      const open = lines!.filter((l) => !l.packageNumber && !isCancelled(l));
      if (!all.some((p) => p.current) && open.length === 0) steps.push('not pushed: no line of the order is left to pack');
      else if (open.length > 0 && (!all.some((p) => p.current) || all.some(awaitsRepack))) {
        try {
          const made = await hb.createPackage(open.map((l) => ({ lineItemId: l.lineItemId, quantity: l.quantity })));
          const origins = originsOf(all, open);
          await packages.record({
            channel: CHANNEL,
            packageId: made.packageNumber,
            orderNumber,
            status: 'Packed',
            createdBy: 'seller',
            originPackageIds: origins,
            lines: open.map((l) => ({ lineId: l.lineItemId, barcode: l.merchantSku, quantity: l.quantity })),
          });
          await packages.markPushed(CHANNEL, made.packageNumber, { picking: at() });
          steps.push(
            `package ${made.packageNumber} ${open.map((l) => `${l.lineItemId}x${l.quantity}`).join(',')}${origins.length > 0 ? ` (from ${origins.join(',')})` : ''}`,
          );
        } catch (err) {
          // HB refuses lines packed already: an attempt whose answer was lost made the package; read it back.
          if (!isRefusal(err)) throw err;
          const again = await hb.orderLines(orderNumber);
          const found = again ? await recordPacked(orderNumber, again) : [];
          if (found.length === 0) throw err;
          for (const id of found) await packages.markPushed(CHANNEL, id, { picking: at() });
          steps.push(`package ${found.join(',')} (already packed)`);
        }
        // Canceled units of a line just packed: the package is split now, before anything else goes to it.
        if (waiting.length > 0 && !(await pushCancels())) return unknownOrder();
        all = await packages.ofOrder(CHANNEL, orderNumber);
      }
    }
    steps.push(...waiting);

    // 3. Each current package: the invoice link, in transit, delivered or not delivered, in that order.
    const current = all.filter((p) => p.current);
    const invoice = view.invoice;
    const undelivered = new Set(current.filter((p) => p.pushed.undelivered).map((p) => p.packageId));
    for (const pkg of current) {
      const id = pkg.packageId;
      if (invoice && !pkg.pushed.invoiceLink) {
        await hb.invoice(id, invoice.url, invoice.invoiceNumber);
        await packages.markPushed(CHANNEL, id, { invoiceLink: at() });
        steps.push(`invoice ${id}`);
      }
      const unit = unitOf(view, pkg);
      const event = (status: string) => unit?.events.find((e) => e.status === status)?.at;
      const shippedDate = dated(event('picked_up') ?? event('in_transit'), pkg.pushed.picking);
      let tracked = pkg.pushed.tracking !== undefined;
      if (reached(view, 'shipped') && !tracked) {
        if (!unit) steps.push(`not pushed: shipped without a tracking number (${id})`);
        else {
          try {
            await hb.inTransit(id, { shippedDate, trackingNumber: unit.trackingNumber, trackingUrl: CARRIER_TRACKING_URLS[unit.carrier](unit.trackingNumber) });
            steps.push(`intransit ${id} ${unit.trackingNumber}`);
          } catch (err) {
            if (!isRefusal(err)) throw err;
            steps.push(`intransit ${id} (already ${await doneAlready(err, id, PAST_PACKED)})`);
          }
          await packages.markPushed(CHANNEL, id, { tracking: unit.trackingNumber });
          tracked = true;
        }
      }
      if (!tracked || pkg.pushed.delivered || pkg.pushed.undelivered) continue;
      const delivered = event('delivered');
      const failed = event('returned_to_sender') ?? event('delivery_failed');
      if (reached(view, 'delivered') || delivered) {
        try {
          await hb.deliver(id, { receivedDate: dated(delivered, shippedDate), receivedBy: view.customer.name });
          steps.push(`deliver ${id}`);
        } catch (err) {
          if (!isRefusal(err)) throw err;
          steps.push(`deliver ${id} (already ${await doneAlready(err, id, SETTLED)})`);
        }
        await packages.markPushed(CHANNEL, id, { delivered: at() });
      } else if (failed) {
        const reason = event('returned_to_sender') ? 'returned_to_sender' : 'delivery_failed';
        try {
          await hb.undeliver(id, { undeliveredDate: dated(failed, shippedDate), undeliveredReason: reason });
          steps.push(`undeliver ${id} ${reason}`);
        } catch (err) {
          if (!isRefusal(err)) throw err;
          steps.push(`undeliver ${id} (already ${await doneAlready(err, id, SETTLED)})`);
        }
        await packages.markPushed(CHANNEL, id, { undelivered: at() });
        undelivered.add(id);
      }
    }
    const returns = ['return_pending', 'return_completed'].filter((s) => reached(view, s)).map((s) => `${s}: Hepsiburada claims set it`);
    // A return to sender is told by undeliver; a customer's return is HB's claims' to set.
    for (const pkg of current.filter((p) => !undelivered.has(p.packageId))) {
      const fresh = returns.filter((note) => !pkg.pushed.notPushed?.includes(note));
      if (fresh.length === 0) continue;
      await packages.markPushed(CHANNEL, pkg.packageId, { notPushed: fresh });
      steps.push(...fresh.map((note) => `not pushed: ${note} (${pkg.packageId})`));
    }
    return { orderId: view.id, packages: current.map((p) => p.packageId), steps };
  };
}
