// Each marketplace pull's state for operators (entities/channel-pull-state.ts): the pull activities are wrapped so
// that every round, Trendyol's included, records its success and watermark or its error, without the pulls
// themselves knowing about the database. Recording is best effort: a database hiccup must not fail (and so repeat)
// a round that placed its orders.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { ChannelPullState, listChannelPullStates } from '../entities/channel-pull-state';
import type { OmsORM } from '../entities/orm';

type PullFn = (args: { since: number | null }) => Promise<{ until: number }>;


async function note(orm: OmsORM, channel: string, change: Record<string, unknown>): Promise<void> {
  const em = orm.em.fork() as SqlEntityManager;
  await em.createQueryBuilder(ChannelPullState).insert({ channel, ...change }).onConflict(['channel']).merge(change).execute('run');
}

/** `activities` with each pull named in `channels` (activity name → channel) recording its rounds. */
export function recordingPullState<T extends object>(orm: OmsORM, activities: T, channels: Partial<Record<keyof T, string>>): T {
  const wrapped = { ...activities } as Record<string, unknown>;
  for (const [name, channel] of Object.entries(channels) as [string, string][]) {
    const pull = (activities as Record<string, unknown>)[name] as PullFn | undefined;
    if (typeof pull !== 'function') continue;
    wrapped[name] = async (args: { since: number | null }) => {
      let round: { until: number };
      try {
        round = await pull(args);
      } catch (err) {
        // A round cut short by a shutdown or cancellation did not fail.
        if (err instanceof CancelledFailure) throw err;
        const message = err instanceof Error ? err.message : String(err);
        await note(orm, channel, { lastError: message.slice(0, 2000), lastErrorAt: new Date() }).catch((noteErr: unknown) =>
          Context.current().log.warn('pull state not recorded', { channel, error: String(noteErr) }),
        );
        throw err;
      }
      await note(orm, channel, { lastSuccessAt: new Date(), watermark: new Date(round.until) }).catch((noteErr: unknown) =>
        Context.current().log.warn('pull state not recorded', { channel, error: String(noteErr) }),
      );
      return round;
    };
  }
  return wrapped as T;
}

export { listChannelPullStates };
