// The stock feed: tells each channel account how much of each SKU it may sell. One long-running activity per account
// (run by workflows/stock-feed.ts, one workflow per account, so one feed per account however many workers run)
// works in rounds every `pollMs`: it reads the outbox rows the stock changes wrote (entities/stock-feed.ts),
// recomputes each changed SKU's quantity for the channel (domain/stock-feed.ts), sends only what differs from what
// the channel was last sent, in batches the channel accepts, follows each batch to its per-item results, and sends
// failed items again later. A full resync (every SKU, sent whether or not it changed) runs on demand and every
// `resyncEveryMs`. It heartbeats every round; cancelled (worker shutdown), it stops between rounds.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { channelQuantity, type ChannelQuantityRules } from '../domain/stock-feed';
import type { SourcingLocation, SourcingRules } from '../domain/sourcing';
import { Location, Stock } from '../entities/catalog';
import type { OmsORM } from '../entities/orm';
import { ChannelStock, StockFeedAccount, StockOutbox, type IChannelStock } from '../entities/stock-feed';
import { ChannelError, type ChannelStockFeed, type StockFeedItem } from '../integrations/stock-feed';
import type { StockFeedActivities } from '../contract/activities';

/** One channel account the feed serves. */
export interface StockFeedTarget extends ChannelQuantityRules {
  account: string;
  channel: string;
  feed: ChannelStockFeed;
}

export interface StockFeedDeps {
  orm: OmsORM;
  targets: Record<string, StockFeedTarget>;
  sourcing: SourcingRules;
  /** Time between rounds (OMS_STOCK_FEED_POLL). */
  pollMs: number;
  /** A full resync this often (OMS_STOCK_RESYNC_INTERVAL). */
  resyncEveryMs: number;
  /** When a failed item is sent again; Trendyol refuses an identical body for 15 minutes (OMS_STOCK_RETRY). */
  retryFailedMs: number;
  /** How long one activity runs before it returns to its workflow (which starts the next). */
  runMs: number;
  /** Outbox rows changed this long before the watermark are read again: a change committed late is still seen. */
  marginMs?: number;
  /**
   * How often a round also looks for changes committed later than the margin allows (a transaction held open
   * longer): outbox versions the account has not seen, however old their changedAt. Default one minute.
   */
  stragglerEveryMs?: number;
  /**
   * A round that found nothing to do writes the account's row (last run, last success, watermark) at most this often
   * (default 2 s): an idle feed polling every 200 ms would otherwise commit five times a second per account. Safe to
   * skip: a watermark left behind only makes the next round read again rows whose versions it has already seen.
   */
  quietNoteEveryMs?: number;
}


/** What one round did. */
export interface FeedRound {
  sent: number;
  confirmed: number;
  failed: number;
  /** The channel asked to wait (429, outage): the next round no sooner than this many ms. */
  backoffMs: number;
}

const OUTBOX_PAGE = 5000;
const DEFAULT_MARGIN_MS = 5000;
const DEFAULT_STRAGGLER_EVERY_MS = 60_000;
/** When each account last looked for stragglers (per process: a new worker looks at its first round). */
const stragglerSweptAt = new Map<string, number>();
const DEFAULT_QUIET_NOTE_EVERY_MS = 2000;
/** When each account's row was last written by this process. */
const accountNotedAt = new Map<string, number>();
/** Trendyol's window for identical bodies. */
const REPEAT_WINDOW_MS = 15 * 60_000;

export function createStockFeedActivities(deps: StockFeedDeps): StockFeedActivities {
  return {
    async runStockFeed(account) {
      const target = deps.targets[account];
      if (!target) throw ApplicationFailure.nonRetryable(`no stock feed is configured for channel account "${account}"`, 'NoSuchFeed');
      const ctx = Context.current();
      const until = Date.now() + deps.runMs;
      const total = { rounds: 0, sent: 0, confirmed: 0, failed: 0 };
      let failures = 0;
      while (Date.now() < until) {
        let wait = deps.pollMs;
        try {
          const round = await feedRound(deps, target);
          total.rounds += 1;
          total.sent += round.sent;
          total.confirmed += round.confirmed;
          total.failed += round.failed;
          failures = round.backoffMs > 0 ? failures + 1 : 0;
          if (round.backoffMs > 0) wait = Math.max(wait, round.backoffMs);
        } catch (err) {
          // A database hiccup: noted on the account, tried again after a growing pause (the activity stays up).
          failures += 1;
          wait = Math.min(60_000, deps.pollMs * 2 ** Math.min(failures, 8));
          await noteAccount(deps.orm, target, { error: describe(err) }).catch(() => undefined);
          ctx.log.warn('stock feed round failed', { account, error: describe(err) });
        }
        ctx.heartbeat(total);
        // Throws CancelledFailure when the worker shuts down or the workflow is cancelled: the round is over.
        await ctx.sleep(wait);
      }
      return total;
    },
  };
}

/** One round for one account: send what changed (or everything, on a resync), then read the batches in flight. */
export async function feedRound(deps: StockFeedDeps, target: StockFeedTarget): Promise<FeedRound> {
  const em = deps.orm.em.fork() as SqlEntityManager;
  const started = new Date();
  const account = await em.findOne(StockFeedAccount, { account: target.account });
  const resync =
    !account?.lastResyncAt ||
    account.resyncRequestedAt != null ||
    started.getTime() - account.lastResyncAt.getTime() >= deps.resyncEveryMs;
  const margin = deps.marginMs ?? DEFAULT_MARGIN_MS;
  const since = resync || !account?.watermark ? new Date(0) : new Date(account.watermark.getTime() - margin);

  // A resync reads the whole outbox (one row per SKU ever stocked); a round reads what changed since the watermark.
  const changed = await em.find(
    StockOutbox,
    { changedAt: { $gte: since } },
    { orderBy: { changedAt: 'asc', sku: 'asc' }, ...(resync ? {} : { limit: OUTBOX_PAGE }), disableIdentityMap: true },
  );
  const truncated = !resync && changed.length === OUTBOX_PAGE;
  // Stragglers: a change whose transaction committed after the watermark had passed its changedAt by more than the
  // margin. Its version is still higher than what the account saw, so a join finds it, however old it is.
  const swept = stragglerSweptAt.get(target.account) ?? 0;
  if (!resync && !truncated && started.getTime() - swept >= (deps.stragglerEveryMs ?? DEFAULT_STRAGGLER_EVERY_MS)) {
    stragglerSweptAt.set(target.account, started.getTime());
    const inRound = new Set(changed.map((r) => r.sku));
    const late = await em.execute<{ sku: string; version: number | string }[]>(
      'select o.sku, o.version from stock_outbox o left join channel_stock c on c.sku = o.sku and c.account = ? ' +
        'where c.sku is null or c.seen_version < o.version limit ' + String(OUTBOX_PAGE),
      [target.account],
    );
    for (const row of late) {
      if (!inRound.has(row.sku)) changed.push({ sku: row.sku, version: Number(row.version), changedAt: since });
    }
  }
  // Items to send again: refused ones, and ones sent below the truth because Trendyol refused the exact body.
  const due = await em.find(
    ChannelStock,
    { account: target.account, retryAt: { $lte: started } },
    { disableIdentityMap: true, limit: OUTBOX_PAGE },
  );
  const versions = new Map(changed.map((r) => [r.sku, r.version]));
  const skus = [...new Set([...changed.map((r) => r.sku), ...due.map((r) => r.sku)])];
  const known = new Map(
    (skus.length === 0 ? [] : await em.find(ChannelStock, { account: target.account, sku: { $in: skus } }, { disableIdentityMap: true })).map(
      (r) => [r.sku, r],
    ),
  );
  const retry = new Set(due.map((r) => r.sku));
  const dirty = skus.filter((sku) => {
    const row = known.get(sku);
    if (retry.has(sku)) return true;
    if (resync) return true;
    return (versions.get(sku) ?? 0) > (row?.seenVersion ?? 0);
  });

  let sent = 0;
  let backoffMs = 0;
  let error: string | undefined;
  if (dirty.length > 0) {
    const quantities = await quantitiesFor(em, deps.sourcing, target, dirty);
    const toSend: StockFeedItem[] = [];
    const unchanged: string[] = [];
    for (const sku of dirty) {
      const row = known.get(sku);
      const quantity = quantities.get(sku) ?? 0;
      // A SKU the channel was sent this very quantity (and is not failed) needs nothing, unless this is a resync.
      if (!resync && !retry.has(sku) && row?.sentQuantity === quantity && row.state !== 'failed') unchanged.push(sku);
      else toSend.push({ sku, quantity });
    }
    await markSeen(em, target.account, unchanged, versions);
    for (let i = 0; i < toSend.length && backoffMs === 0; i += target.feed.maxBatchItems) {
      const batch = toSend.slice(i, i + target.feed.maxBatchItems);
      const outcome = await submit(em, target, batch, versions);
      sent += outcome.sent;
      backoffMs = outcome.backoffMs;
      error = outcome.error ?? error;
    }
  }
  const { confirmed, failed } = await followBatches(em, target, deps.retryFailedMs);

  // The watermark moves only once everything read was dealt with (a refused round reads the same rows again).
  const complete = backoffMs === 0 && !truncated;
  const watermark = complete ? started : truncated ? (changed.at(-1)?.changedAt ?? account?.watermark ?? null) : (account?.watermark ?? null);
  const quiet = complete && !resync && !error && sent === 0 && confirmed === 0 && failed === 0 && dirty.length === 0;
  const notedAt = accountNotedAt.get(target.account);
  if (quiet && account && notedAt !== undefined && started.getTime() - notedAt < (deps.quietNoteEveryMs ?? DEFAULT_QUIET_NOTE_EVERY_MS)) {
    return { sent, confirmed, failed, backoffMs };
  }
  accountNotedAt.set(target.account, started.getTime());
  await noteAccount(deps.orm, target, {
    watermark,
    ran: started,
    ...(error ? { error } : { success: true }),
    ...(resync && complete ? { resynced: started } : {}),
  });
  return { sent, confirmed, failed, backoffMs };
}

/** What the channel should show of each SKU, from one read of the stock rows and the locations. */
async function quantitiesFor(
  em: SqlEntityManager,
  sourcing: SourcingRules,
  target: StockFeedTarget,
  skus: string[],
): Promise<Map<string, number>> {
  const rows = await em.find(Stock, { sku: { $in: skus } }, { disableIdentityMap: true });
  const locations: SourcingLocation[] = (await em.find(Location, {}, { disableIdentityMap: true })).map((l) => ({
    id: l.id,
    kind: l.kind,
    priority: l.priority,
    city: l.city,
    region: l.region ?? undefined,
    active: l.active,
  }));
  const availability: Record<string, Record<string, number>> = {};
  for (const r of rows) (availability[r.sku] ??= {})[r.location] = r.onHand - r.reserved;
  return new Map(skus.map((sku) => [sku, channelQuantity(sku, target.channel, locations, availability, sourcing, target)]));
}

/**
 * Sends one batch and records it per SKU; a refusal is recorded and tells the round to stop (and for how long).
 * Trendyol refuses a body identical to one of the last 15 minutes even when it is right again (5 → 4 → 5): the
 * batch is then sent in another shape (with a companion SKU resent at what the channel was last told, or halved), so
 * the channel never keeps the stale middle value; with nothing to vary it, the items wait out the window.
 */
async function submit(
  em: SqlEntityManager,
  target: StockFeedTarget,
  batch: StockFeedItem[],
  versions: Map<string, number>,
  reshaped = false,
): Promise<{ sent: number; backoffMs: number; error?: string }> {
  const now = new Date();
  try {
    const { batchId } = await target.feed.submit(batch);
    const seen = await em.find(ChannelStock, { account: target.account, sku: { $in: batch.map((i) => i.sku) } }, { disableIdentityMap: true });
    const seenBefore = new Map(seen.map((r) => [r.sku, r.seenVersion]));
    await upsertRows(
      em,
      target.account,
      batch.map((item) => ({
        sku: item.sku,
        seenVersion: versions.get(item.sku) ?? seenBefore.get(item.sku) ?? 0,
        sentQuantity: item.quantity,
        sentAt: now,
        batchId,
        state: 'pending',
        lastError: null,
        retryAt: null,
      })),
    );
    return { sent: batch.length, backoffMs: 0 };
  } catch (err) {
    if (!(err instanceof ChannelError)) throw err;
    if (err.kind === 'duplicate' && !reshaped) {
      if (batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        const first = await submit(em, target, batch.slice(0, half), versions, true);
        if (first.backoffMs > 0) return first;
        const second = await submit(em, target, batch.slice(half), versions, true);
        return { sent: first.sent + second.sent, backoffMs: second.backoffMs, error: second.error ?? first.error };
      }
      const companion = await em.findOne(
        ChannelStock,
        { account: target.account, sku: { $nin: batch.map((i) => i.sku) }, state: 'ok', sentQuantity: { $ne: null } },
        { orderBy: { sentAt: 'desc' }, disableIdentityMap: true },
      );
      if (companion) return submit(em, target, [...batch, { sku: companion.sku, quantity: companion.sentQuantity! }], versions, true);
      // Nothing to vary the body with (the account's only SKU): one unit less is a different body and never more
      // than there is; the exact quantity follows once Trendyol's window has passed.
      const [item] = batch;
      if (item && item.quantity > 0) {
        const lower = await submit(em, target, [{ sku: item.sku, quantity: item.quantity - 1 }], versions, true);
        if (lower.sent > 0) {
          await em
            .createQueryBuilder(ChannelStock)
            .update({ retryAt: new Date(now.getTime() + REPEAT_WINDOW_MS), lastError: `${err.message} (sent ${item.quantity - 1}, ${item.quantity} follows)` })
            .where({ account: target.account, sku: item.sku })
            .execute('run');
        }
        return lower;
      }
    }
    if (err.retryable) return { sent: 0, backoffMs: err.retryAfterMs ?? 1000, error: err.message };
    // Refused (credentials, validation, a repeat that could not be reshaped): recorded on every item and sent again
    // later; an operator sees the error on the account.
    const retryIn = err.kind === 'duplicate' ? REPEAT_WINDOW_MS : 60_000;
    await upsertRows(
      em,
      target.account,
      batch.map((item) => ({
        sku: item.sku,
        seenVersion: versions.get(item.sku) ?? 0,
        sentQuantity: item.quantity,
        state: 'failed' as const,
        lastError: err.message,
        retryAt: new Date(now.getTime() + retryIn),
      })),
    );
    return { sent: 0, backoffMs: err.kind === 'auth' ? 30_000 : 0, error: err.message };
  }
}

/** Reads the results of the account's batches in flight; a failed item is sent again after `retryFailedMs`. */
async function followBatches(em: SqlEntityManager, target: StockFeedTarget, retryFailedMs: number): Promise<{ confirmed: number; failed: number }> {
  const pending = await em.find(ChannelStock, { account: target.account, state: 'pending' }, { disableIdentityMap: true });
  const batches = [...new Set(pending.map((r) => r.batchId).filter((b): b is string => !!b))];
  let confirmed = 0;
  let failed = 0;
  for (const batchId of batches) {
    let result: Awaited<ReturnType<ChannelStockFeed['result']>>;
    try {
      result = await target.feed.result(batchId, pending.filter((r) => r.batchId === batchId).map((r) => r.sku));
    } catch (err) {
      if (err instanceof ChannelError && err.kind === 'not_found') {
        // The channel no longer keeps the batch's results: its items are sent again.
        result = { done: true, items: pending.filter((r) => r.batchId === batchId).map((r) => ({ sku: r.sku, status: 'failed', reason: err.message })) };
      } else if (err instanceof ChannelError && err.retryable) {
        return { confirmed, failed };
      } else throw err;
    }
    if (!result.done) continue;
    const now = new Date();
    const bySku = new Map(result.items.map((i) => [i.sku, i]));
    for (const row of pending.filter((r) => r.batchId === batchId)) {
      const item = bySku.get(row.sku);
      if (item?.status === 'success') {
        confirmed += 1;
        await updateRow(em, target.account, row.sku, batchId, { state: 'ok', confirmedQuantity: row.sentQuantity, confirmedAt: now, lastError: null });
      } else {
        failed += 1;
        const reason = item?.reason ?? (item ? 'failed' : 'missing from the batch result');
        await updateRow(em, target.account, row.sku, batchId, { state: 'failed', lastError: reason, retryAt: new Date(now.getTime() + retryFailedMs) });
      }
    }
  }
  return { confirmed, failed };
}

type RowChange = Partial<Omit<IChannelStock, 'account' | 'sku'>> & { sku: string };

async function upsertRows(em: SqlEntityManager, account: string, rows: RowChange[]): Promise<void> {
  const now = new Date();
  for (const { sku, ...change } of rows) {
    await em
      .createQueryBuilder(ChannelStock)
      .insert({ account, sku, seenVersion: 0, state: 'ok', ...change, updatedAt: now })
      .onConflict(['account', 'sku'])
      .merge({ ...change, updatedAt: now })
      .execute('run');
  }
}

/** Changes a row only while it still waits for `batchId` (a newer send supersedes the batch). */
async function updateRow(em: SqlEntityManager, account: string, sku: string, batchId: string, change: Partial<IChannelStock>): Promise<void> {
  await em
    .createQueryBuilder(ChannelStock)
    .update({ ...change, updatedAt: new Date() })
    .where({ account, sku, batchId, state: 'pending' })
    .execute('run');
}

async function markSeen(em: SqlEntityManager, account: string, skus: string[], versions: Map<string, number>): Promise<void> {
  await upsertRows(
    em,
    account,
    skus.map((sku) => ({ sku, seenVersion: versions.get(sku) ?? 0 })),
  );
}

async function noteAccount(
  orm: OmsORM,
  target: StockFeedTarget,
  note: { watermark?: Date | null; ran?: Date; success?: boolean; error?: string; resynced?: Date },
): Promise<void> {
  const em = orm.em.fork() as SqlEntityManager;
  const now = new Date();
  const change: Partial<Record<string, unknown>> = {};
  if (note.watermark !== undefined) change.watermark = note.watermark;
  if (note.ran) change.lastRunAt = note.ran;
  if (note.success) change.lastSuccessAt = now;
  if (note.error) Object.assign(change, { lastError: note.error, lastErrorAt: now });
  if (note.resynced) Object.assign(change, { lastResyncAt: note.resynced, resyncRequestedAt: null });
  await em
    .createQueryBuilder(StockFeedAccount)
    .insert({ account: target.account, channel: target.channel, ...change })
    .onConflict(['account'])
    .merge(change)
    .execute('run');
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
