// Marketplace order pulls: the source of truth that catches missed webhooks (CONNECTORS.md §1.7: Trendyol itself
// tells integrators to keep polling). One activity call reads every package modified since the last pull (less an
// overlap, at most Trendyol's 14-day window) page by page through the package stream, heartbeating its cursor, and
// places each package that makes an order exactly as the webhook does (acceptOrder: deduplicated on channel +
// orderNumber). The watermark lives in the pulling workflow (workflows/channel-pull.ts), so it survives restarts.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ChannelPullActivities } from '../contract/activities';
import type { CreateOrderBody } from '../contract/schemas';
import type { OrderView } from '../contract/types';
import { ChannelError } from '../integrations/stock-feed';
import { readPackage, type createTrendyolPackageStream } from '../integrations/trendyol/orders';

export interface ChannelPullDeps {
  /** Places an order as POST /orders does (acceptOrder). */
  place(channel: string, body: CreateOrderBody): Promise<{ created: boolean; order: OrderView }>;
  trendyol: ReturnType<typeof createTrendyolPackageStream> | null;
  /** Records a package read (valid, whatever its status) in the package lineage, before its order is placed. */
  recordPackage?: ((raw: unknown) => Promise<void>) | undefined;
  /** Packages modified this long before the last pull are read again (late index updates at the marketplace). */
  overlapMs?: number;
  now?: () => number;
}

const DAY = 24 * 3600_000;
/** Trendyol's stream serves at most 14 days; a minute's margin keeps the request inside it. */
const STREAM_WINDOW_MS = 14 * DAY - 60_000;

export function createChannelPullActivities(deps: ChannelPullDeps): ChannelPullActivities {
  const now = deps.now ?? Date.now;
  return {
    async pullTrendyolPackages({ since }) {
      const stream = deps.trendyol;
      if (!stream) throw ApplicationFailure.nonRetryable('no Trendyol connection is configured', 'NoSuchChannel');
      const ctx = Context.current();
      const until = now();
      const from = Math.max(until - STREAM_WINDOW_MS, (since ?? until - STREAM_WINDOW_MS) - (deps.overlapMs ?? 5 * 60_000));
      const counts = { created: 0, existing: 0, ignored: 0, invalid: 0 };
      let cursor: string | undefined;
      for (let pageNo = 0; ; pageNo++) {
        let page;
        try {
          page = await stream.page({ since: from, until, cursor });
        } catch (err) {
          if (err instanceof ChannelError && !err.retryable) throw ApplicationFailure.nonRetryable(err.message, `Channel_${err.kind}`);
          throw err;
        }
        for (const raw of page.content) {
          const reading = readPackage(raw);
          if (reading.kind === 'invalid') {
            counts.invalid += 1;
            ctx.log.warn('Trendyol package makes no order, skipped', { problems: reading.problems.map((p) => `${p.path}: ${p.message}`) });
            continue;
          }
          // Every package is kept in the lineage, an existing order's too: a split or re-id'd package is how the
          // write-back learns where the order's lines are now.
          await deps.recordPackage?.(raw);
          if (reading.kind === 'ignored') {
            counts.ignored += 1;
            continue;
          }
          const placed = await deps.place('trendyol', reading.body);
          if (placed.created) counts.created += 1;
          else counts.existing += 1;
        }
        ctx.heartbeat({ page: pageNo, cursor: page.nextCursor });
        if (!page.hasMore || !page.nextCursor) break;
        cursor = page.nextCursor;
      }
      return { until, ...counts };
    },
  };
}
