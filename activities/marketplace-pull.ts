// Hepsiburada and n11 order pulls: the source of truth beside HB's webhook (which misses what arrives while the OMS is
// down, until HB re-sends) and the only intake n11 has (no webhooks, §3.4). One activity call reads what is new since
// the last round's watermark (less an overlap), heartbeating its progress, and places each order exactly as the HB
// webhook does (acceptOrder through `place`: deduplicated on channel + orderNumber). The watermark lives in the
// pulling workflow (workflows/channel-pull.ts), so it survives restarts.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { MarketplacePullActivities, PullRound } from '../contract/activities';
import type { CreateOrderBody } from '../contract/schemas';
import type { OrderView } from '../contract/types';
import { readHepsiburadaLines, type createHepsiburadaOrderList } from '../integrations/hepsiburada/orders';
import { N11_ORDER_MAKING_STATUSES, readN11Package, type createN11PackageList } from '../integrations/n11/orders';
import { ChannelError } from '../integrations/stock-feed';

export interface MarketplacePullDeps {
  /** Places an order as POST /orders does (acceptOrder). */
  place(channel: string, body: CreateOrderBody): Promise<{ created: boolean; order: OrderView }>;
  hepsiburada: ReturnType<typeof createHepsiburadaOrderList> | null;
  n11: ReturnType<typeof createN11PackageList> | null;
  now?: () => number;
  /**
   * Lines dated this long before the last round are read again. [choice] A day for Hepsiburada: `/orders` filters on
   * orderDate, and a line paid late (payment-awaiting first) shows up "to pack" with its original orderDate.
   */
  hepsiburadaOverlapMs?: number;
  /** n11 filters on lastModifiedDate: a few minutes cover its late index updates. */
  n11OverlapMs?: number;
  /**
   * How far the first round (no watermark yet) looks back. [choice] Two weeks for Hepsiburada (a paid line is
   * packed long before); 30 days for n11, which keeps history from Nov 2024 but serves 15 days per request.
   */
  hepsiburadaLookbackMs?: number;
  n11LookbackMs?: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A ChannelError the retry policy must not repeat (credentials, a refused request) becomes non-retryable. */
function channelFailure(err: unknown): unknown {
  if (err instanceof ChannelError && !err.retryable) return ApplicationFailure.nonRetryable(err.message, `Channel_${err.kind}`);
  return err;
}

export function createMarketplacePullActivities(deps: MarketplacePullDeps): MarketplacePullActivities {
  const now = deps.now ?? Date.now;
  return {
    async pullHepsiburadaOrders({ since }): Promise<PullRound> {
      const list = deps.hepsiburada;
      if (!list) throw ApplicationFailure.nonRetryable('no Hepsiburada connection is configured', 'NoSuchChannel');
      const ctx = Context.current();
      const until = now();
      const from = since === null ? until - (deps.hepsiburadaLookbackMs ?? 14 * DAY) : since - (deps.hepsiburadaOverlapMs ?? DAY);
      const counts = { created: 0, existing: 0, ignored: 0, invalid: 0 };
      // Adjacent windows share their edge minute: an order seen twice in a round is placed once.
      const seen = new Set<string>();
      try {
        for await (const window of list.windows({ since: from, until })) {
          const { orders, problems } = readHepsiburadaLines(window.lines);
          if (problems.length > 0) {
            // One count per bad line (`items[i]…`), however many of its fields are wrong.
            counts.invalid += new Set(problems.map((p) => p.path.split('.')[0])).size;
            ctx.log.warn('Hepsiburada lines make no order, skipped', { problems: problems.map((p) => `${p.path}: ${p.message}`) });
          }
          for (const order of orders) {
            if (seen.has(order.orderNumber)) continue;
            seen.add(order.orderNumber);
            const placed = await deps.place('hepsiburada', order.body);
            if (placed.created) counts.created += 1;
            else counts.existing += 1;
          }
          ctx.heartbeat({ window: new Date(window.end).toISOString(), ...counts });
        }
      } catch (err) {
        throw channelFailure(err);
      }
      return { until, ...counts };
    },

    async pullN11Packages({ since }): Promise<PullRound> {
      const list = deps.n11;
      if (!list) throw ApplicationFailure.nonRetryable('no n11 connection is configured', 'NoSuchChannel');
      const ctx = Context.current();
      const until = now();
      const from = since === null ? until - (deps.n11LookbackMs ?? 30 * DAY) : since - (deps.n11OverlapMs ?? 5 * MINUTE);
      const counts = { created: 0, existing: 0, ignored: 0, invalid: 0 };
      // Overlapping slices (and Created → Picking within one round) show a package twice: placed once.
      const seen = new Set<string>();
      try {
        // One status per call (§3.2).
        for (const status of N11_ORDER_MAKING_STATUSES) {
          for await (const { slice, page } of list.pages({ status, since: from, until })) {
            for (const raw of page.content) {
              const reading = readN11Package(raw);
              if (reading.kind === 'invalid') {
                counts.invalid += 1;
                ctx.log.warn('n11 package makes no order, skipped', { problems: reading.problems.map((p) => `${p.path}: ${p.message}`) });
                continue;
              }
              if (reading.kind === 'ignored') {
                counts.ignored += 1;
                continue;
              }
              if (seen.has(reading.pkg.orderNumber)) continue;
              seen.add(reading.pkg.orderNumber);
              const placed = await deps.place('n11', reading.body);
              if (placed.created) counts.created += 1;
              else counts.existing += 1;
            }
            ctx.heartbeat({ status, slice: new Date(slice.end).toISOString(), page: page.page, ...counts });
          }
        }
      } catch (err) {
        throw channelFailure(err);
      }
      return { until, ...counts };
    },
  };
}
