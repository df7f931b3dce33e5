// The stock feed's tables: the outbox every stock change writes in its own transaction, and per channel account
// what was sent for each SKU and what the channel confirmed. The feed (activities/stock-feed.ts) reads the outbox,
// recomputes each changed SKU's quantity for the channel and sends only what differs from what the channel has.
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/**
 * One row per SKU whose available stock may have changed: `version` goes up with every change (in the transaction of
 * the change), `changedAt` says when. A feed remembers per SKU the version it last saw, so a change committed late
 * (after a later one was read) is still seen: its version is higher than the one remembered.
 */
export const StockOutbox = defineEntity({
  name: 'StockOutbox',
  tableName: 'stock_outbox',
  properties: {
    sku: p.string().length(100).primary(),
    version: p.integer().default(1),
    changedAt: p.datetime(),
  },
  indexes: [{ properties: ['changedAt'] }],
});
export type IStockOutbox = InferEntity<typeof StockOutbox>;

export const CHANNEL_STOCK_STATES = ['pending', 'ok', 'failed'] as const;
export type ChannelStockState = (typeof CHANNEL_STOCK_STATES)[number];

/** What a channel account was sent for one SKU: `pending` while its batch resolves, `failed` to be sent again. */
export const ChannelStock = defineEntity({
  name: 'ChannelStock',
  tableName: 'channel_stock',
  properties: {
    account: p.string().length(100).primary(),
    sku: p.string().length(100).primary(),
    /** The outbox version this account has dealt with. */
    seenVersion: p.integer().default(0),
    sentQuantity: p.integer().nullable(),
    sentAt: p.datetime().nullable(),
    batchId: p.string().length(200).nullable(),
    confirmedQuantity: p.integer().nullable(),
    confirmedAt: p.datetime().nullable(),
    state: p.enum(CHANNEL_STOCK_STATES).default('ok'),
    lastError: p.text().nullable(),
    /** A failed item is sent again from then on (a channel's refusal of a repeat sets it later). */
    retryAt: p.datetime().nullable(),
    updatedAt: p.datetime(),
  },
  indexes: [{ properties: ['account', 'state'] }],
});
export type IChannelStock = InferEntity<typeof ChannelStock>;

/** One channel account's feed: how far it has read the outbox, when it last worked and what went wrong last. */
export const StockFeedAccount = defineEntity({
  name: 'StockFeedAccount',
  tableName: 'stock_feed_account',
  properties: {
    account: p.string().length(100).primary(),
    channel: p.string().length(100),
    /** Outbox rows changed before this (less a safety margin) have been dealt with. */
    watermark: p.datetime().nullable(),
    lastRunAt: p.datetime().nullable(),
    lastSuccessAt: p.datetime().nullable(),
    lastError: p.text().nullable(),
    lastErrorAt: p.datetime().nullable(),
    lastResyncAt: p.datetime().nullable(),
    /** Set by the operator endpoint: the feed resends every SKU at its next round. */
    resyncRequestedAt: p.datetime().nullable(),
  },
});
export type IStockFeedAccount = InferEntity<typeof StockFeedAccount>;
