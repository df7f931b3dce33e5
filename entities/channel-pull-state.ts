// How each marketplace order pull is doing, for operators (GET /integrations): written by the pull activities after
// every round (activities/pull-state.ts). The watermark itself lives in the pulling workflow; this row is its mirror.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ChannelPullView } from '../contract/store';
import type { OmsORM } from './orm';

/** One row per channel pulled: its last good round, the watermark that round reached, and its last failure. */
export const ChannelPullState = defineEntity({
  name: 'ChannelPullState',
  tableName: 'channel_pull_state',
  properties: {
    channel: p.string().length(100).primary(),
    lastSuccessAt: p.datetime().nullable(),
    /** Orders up to this time have been read (the workflow's watermark after the last good round). */
    watermark: p.datetime().nullable(),
    lastError: p.text().nullable(),
    lastErrorAt: p.datetime().nullable(),
  },
});
export type IChannelPullState = InferEntity<typeof ChannelPullState>;

/** Every pull's recorded state, by channel. */
export async function listChannelPullStates(orm: OmsORM): Promise<ChannelPullView[]> {
  const em = orm.em.fork();
  const rows = await em.find(ChannelPullState, {}, { orderBy: { channel: 'asc' }, disableIdentityMap: true });
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  return rows.map((row) => ({
    channel: row.channel,
    lastSuccessAt: iso(row.lastSuccessAt),
    watermark: iso(row.watermark),
    lastError: row.lastError ? { message: row.lastError, at: iso(row.lastErrorAt) ?? '' } : null,
  }));
}
