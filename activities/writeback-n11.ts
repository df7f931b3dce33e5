// The marketplace write-back in n11's own protocol (CONNECTORS.md §3.2-§3.4), called by pushChannelStatus
// (activities/channel-writeback.ts). It brings the order's n11 packages up to what the read model shows, each step
// once, from the package lineage (entities/channel-package.ts) and n11's package list read by orderNumber:
//   picking (or an invoice) → the Created packages' lines accepted (`PUT /rest/order/v1/update` Picking; a line n11
//   refuses is believed done only when a re-read shows its package past Created); canceled quantities → only with a
//   split (§3.4): splitPackageByQuantity with the units kept and the canceled ones in `cancelledItems` (reason 61
//   stock-out by default); the package turns UnPacked and its units come back under new ids, which are read back
//   and recorded as its children. Created lines cannot be cancelled through the API, so a package is accepted first.
//   n11-contracted cargo: shipping, delivery and returns are n11's to set; recorded as not pushed.
import type { WriteBackOutcome } from '../contract/activities';
import type { OrderView } from '../contract/types';
import type { ChannelPackageReading, ChannelPackageStore, ChannelPackageView } from '../entities/channel-package';
import { n11PackageReading, type N11PackageWriter } from '../integrations/n11/packages';
import { ChannelError } from '../integrations/stock-feed';
import { canceledBySku, isRefusal, reached } from './writeback-shared';

const CHANNEL = 'n11';
/** The OMS statuses n11 sets itself (its cargo, its returns): recorded as not pushed. */
const SET_BY_N11 = ['shipped', 'delivered', 'return_pending', 'return_completed'];

export interface N11WriteBackDeps {
  packages: ChannelPackageStore;
  n11: N11PackageWriter;
  /** The cancelReasonId for units the OMS canceled (OMS_N11_CANCEL_REASON); 61 (stock-out) by default. */
  cancelReasonId?: number | undefined;
}

/** Builds the push of one order to n11. */
export function createN11WriteBack(deps: N11WriteBackDeps): (view: OrderView) => Promise<WriteBackOutcome> {
  const { packages, n11 } = deps;
  const reasonId = deps.cancelReasonId ?? 61;

  /**
   * Reads the order's packages from n11 and records each; returns the readings by package id. After a split, a
   * package the lineage did not `know` is the split's child: it is recorded with its origin in the same write, so the
   * lineage never shows it as an orphan.
   */
  async function reread(orderNumber: string, split?: { known: Set<string>; origin: string }): Promise<Map<string, ChannelPackageReading>> {
    const readings = new Map<string, ChannelPackageReading>();
    for (const raw of await n11.packagesOf(orderNumber)) {
      const reading = n11PackageReading(raw);
      if (!reading) continue;
      readings.set(reading.packageId, reading);
      const child = split && !split.known.has(reading.packageId);
      await packages.record(
        child ? { ...reading, createdBy: reading.status === 'UnSupplied' ? 'cancel' : 'split', originPackageIds: [split.origin] } : reading,
      );
    }
    return readings;
  }

  return async function push(view) {
    const orderNumber = view.externalOrderId;
    const steps: string[] = [];
    const at = () => new Date().toISOString();
    let all: ChannelPackageView[] = await packages.ofOrder(CHANNEL, orderNumber);
    if (all.length === 0) {
      await reread(orderNumber);
      all = await packages.ofOrder(CHANNEL, orderNumber);
    }
    if (all.length === 0) return { orderId: view.id, packages: [], steps: ['not pushed: n11 holds no package of the order'] };

    // 1. Picking: the lines of the Created packages accepted, once.
    const picked = reached(view, 'picking') || view.invoice !== undefined;
    let accepted = false;
    for (const pkg of all.filter((p) => p.current && picked && !p.pushed.picking)) {
      if (pkg.status === 'Created') {
        const results = await n11.picking(pkg.lines.map((l) => l.lineId));
        const refused = results.filter((r) => r.status !== 'SUCCESS');
        if (refused.length > 0) {
          // Accepted by an earlier attempt whose answer was lost, or in the panel: the package is past Created.
          const fresh = (await reread(orderNumber)).get(pkg.packageId);
          if (!fresh || fresh.status === 'Created') {
            throw new ChannelError(CHANNEL, 'rejected', `refused Picking for ${refused.map((r) => `${r.lineId} (${r.reason ?? r.status})`).join(', ')}`);
          }
          steps.push(`Picking ${pkg.packageId} (already ${fresh.status})`);
        } else steps.push(`Picking ${pkg.packageId} ${pkg.lines.map((l) => l.lineId).join(',')}`);
        accepted = true;
      }
      await packages.markPushed(CHANNEL, pkg.packageId, { picking: at() });
    }
    if (accepted) await reread(orderNumber);
    all = await packages.ofOrder(CHANNEL, orderNumber);

    // 2. Units the OMS canceled and no package has given up yet: a split by quantity per package, in Picking only.
    const given = new Map<string, number>();
    for (const p of all) for (const [sku, n] of Object.entries(p.pushed.unsupplied ?? {})) given.set(sku, (given.get(sku) ?? 0) + n);
    const toGive = new Map<string, number>();
    for (const [sku, n] of canceledBySku(view)) if (n > (given.get(sku) ?? 0)) toGive.set(sku, n - (given.get(sku) ?? 0));
    for (const pkg of all.filter((p) => p.current)) {
      if (toGive.size === 0) break;
      const keep: { lineId: string; quantity: number }[] = [];
      const cancel: { lineId: string; quantity: number }[] = [];
      const bySku: Record<string, number> = {};
      for (const line of pkg.lines) {
        const want = toGive.get(line.barcode) ?? 0;
        const n = Math.min(want, line.quantity);
        if (n > 0) cancel.push({ lineId: line.lineId, quantity: n });
        if (line.quantity - n > 0) keep.push({ lineId: line.lineId, quantity: line.quantity - n });
        if (n > 0) bySku[line.barcode] = (bySku[line.barcode] ?? 0) + n;
      }
      if (cancel.length === 0) continue;
      if (pkg.status !== 'Picking') {
        steps.push(`not pushed: ${pkg.packageId} is ${pkg.status}; n11 cancels units only by a split of a Picking package`);
        continue;
      }
      for (const [sku, n] of Object.entries(bySku)) {
        const rest = (toGive.get(sku) ?? 0) - n;
        if (rest > 0) toGive.set(sku, rest);
        else toGive.delete(sku);
      }
      const known = new Set((await packages.ofOrder(CHANNEL, orderNumber)).map((p) => p.packageId));
      // Read first: an earlier attempt whose answer was lost may have split it already (n11 shows it UnPacked), and
      // a split is not sent twice.
      const before = (await reread(orderNumber)).get(pkg.packageId);
      if (before?.status !== 'UnPacked') {
        try {
          await n11.splitCancel({ packageId: pkg.packageId, keep, cancel, cancelReasonId: reasonId });
        } catch (err) {
          if (!isRefusal(err)) throw err;
          const fresh = (await n11.packagesOf(orderNumber)).map(n11PackageReading).find((r) => r?.packageId === pkg.packageId);
          if (fresh?.status !== 'UnPacked') throw err;
        }
      }
      await packages.markPushed(CHANNEL, pkg.packageId, { unsupplied: bySku });
      // The units come back under new ids: those the lineage did not know before the split are the package's children.
      const readings = await reread(orderNumber, { known, origin: pkg.packageId });
      const children = [...readings.values()].filter((r) => !known.has(r.packageId));
      for (const child of children) {
        if (child.status !== 'Created') await packages.markPushed(CHANNEL, child.packageId, { picking: at() });
      }
      await packages.supersede(CHANNEL, pkg.packageId, children.map((c) => c.packageId), 'UnPacked');
      steps.push(
        `split ${pkg.packageId} cancel ${cancel.map((l) => `${l.lineId}x${l.quantity}`).join(',')} reason ${reasonId}` +
          ` → ${children.map((c) => `${c.packageId} ${c.status}`).join(', ') || 'no new package seen'}`,
      );
    }
    for (const [sku, n] of toGive) steps.push(`not pushed: ${n} canceled ${sku} are in no package that can still give them up`);
    all = await packages.ofOrder(CHANNEL, orderNumber);

    // 3. n11-contracted cargo: what n11 sets itself is recorded, not pushed.
    const current = all.filter((p) => p.current);
    const theirs = SET_BY_N11.filter((s) => reached(view, s)).map((s) => `${s}: n11 sets it`);
    for (const pkg of current) {
      const fresh = theirs.filter((note) => !pkg.pushed.notPushed?.includes(note));
      if (fresh.length === 0) continue;
      await packages.markPushed(CHANNEL, pkg.packageId, { notPushed: fresh });
      steps.push(...fresh.map((note) => `not pushed: ${note} (${pkg.packageId})`));
    }
    if (view.status === 'canceled' && steps.length === 0) steps.push(`not pushed: canceled (${view.cancelReason ?? 'no reason'})`);
    return { orderId: view.id, packages: current.map((p) => p.packageId), steps };
  };
}
