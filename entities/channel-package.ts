// The marketplace's own packages of an order, and how they descend from each other (package lineage). Trendyol
// re-ids a package whenever it changes shape (CONNECTORS.md §1.5.2-1.5.3): an unsupplied line destroys the package
// and its remaining lines reappear under a new shipmentPackageId (createdBy "cancel"), a split retires the parent
// (UnPacked) for children with new ids (createdBy "split"); each child names its parents in `originPackageIds`.
// Every package the webhook or the pull sees is upserted here, so the write-back always targets the current
// package(s) of an order, and what was pushed to each package is kept beside it, so a retry never repeats a step.
import { LockMode, UniqueConstraintViolationException, defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { OmsORM } from './orm';

/**
 * One line of a marketplace package: the marketplace's line id (Trendyol lineId, Hepsiburada lineItemId, n11
 * orderLineId), the barcode (= the OMS SKU: Trendyol barcode, HB merchantSKU, n11 stockCode) and its quantity.
 */
export interface ChannelPackageLine {
  lineId: string;
  barcode: string;
  quantity: number;
}

/**
 * What the write-back has done to one package (never undone: each step is forward-only at the marketplace).
 * Times are ISO strings; `unsupplied` counts units per barcode given up on this package.
 */
export interface ChannelPackagePushed {
  picking?: string | undefined;
  invoiced?: string | undefined;
  invoiceLink?: string | undefined;
  tracking?: string | undefined;
  /** Hepsiburada merchant cargo (§2.3): when deliver / undeliver was pushed. */
  delivered?: string | undefined;
  undelivered?: string | undefined;
  unsupplied?: Record<string, number> | undefined;
  /** Statuses that were not pushed and why (e.g. "shipped: Trendyol sets it"). */
  notPushed?: string[] | undefined;
}

export const ChannelPackage = defineEntity({
  name: 'ChannelPackage',
  tableName: 'channel_package',
  properties: {
    channel: p.string().length(40).primary(),
    packageId: p.string().length(40).primary(),
    orderNumber: p.string().length(200),
    /** The packages this one came from (empty for an original package). */
    originPackageIds: p.json<string[]>(),
    /** The marketplace's package status as last seen (Created, Picking, Invoiced, UnPacked, Cancelled, …). */
    status: p.string().length(40),
    /** order-creation, cancel, split, transfer. */
    createdBy: p.string().length(40).nullable(),
    lines: p.json<ChannelPackageLine[]>(),
    /** The packages that replaced this one (its children); null while it is current. */
    supersededBy: p.json<string[]>().nullable(),
    pushed: p.json<ChannelPackagePushed>(),
    /** The marketplace's lastModifiedDate of the reading stored: an older reading never overwrites a newer one. */
    modifiedAt: p.datetime().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
  },
  indexes: [{ properties: ['channel', 'orderNumber'] }],
});
export type IChannelPackage = InferEntity<typeof ChannelPackage>;

/** A package as the API shows it (GET /orders/{id}/channel-packages). */
export interface ChannelPackageView {
  channel: string;
  packageId: string;
  orderNumber: string;
  originPackageIds: string[];
  status: string;
  createdBy: string | null;
  lines: ChannelPackageLine[];
  supersededBy: string[];
  /** Not superseded and not dead (UnPacked, Cancelled, UnSupplied): where a write-back goes. */
  current: boolean;
  pushed: ChannelPackagePushed;
  modifiedAt: string | null;
}

/** A package reading to record: what the marketplace said, at `modifiedAt` (epoch ms) when it says. */
export interface ChannelPackageReading {
  channel: string;
  packageId: string;
  orderNumber: string;
  status: string;
  createdBy?: string | null | undefined;
  originPackageIds?: string[] | null | undefined;
  lines: ChannelPackageLine[];
  modifiedAt?: number | null | undefined;
}

/** Package statuses after which the package takes no write any more (it was split, cancelled or replaced). */
export const DEAD_PACKAGE_STATUSES = ['UnPacked', 'Cancelled', 'UnSupplied'];

function toView(row: IChannelPackage): ChannelPackageView {
  const supersededBy = row.supersededBy ?? [];
  return {
    channel: row.channel,
    packageId: row.packageId,
    orderNumber: row.orderNumber,
    originPackageIds: row.originPackageIds ?? [],
    status: row.status,
    createdBy: row.createdBy ?? null,
    lines: row.lines ?? [],
    supersededBy,
    current: supersededBy.length === 0 && !DEAD_PACKAGE_STATUSES.includes(row.status),
    pushed: row.pushed ?? {},
    modifiedAt: row.modifiedAt ? row.modifiedAt.toISOString() : null,
  };
}

export interface ChannelPackageStore {
  /**
   * Upserts a package reading (an older `modifiedAt` than the stored one changes nothing) and marks its origins as
   * superseded by it. Idempotent: the same reading twice is one row.
   */
  record(reading: ChannelPackageReading): Promise<void>;
  /** Every package of an order, oldest first (originals before their children). */
  ofOrder(channel: string, orderNumber: string): Promise<ChannelPackageView[]>;
  /** Merges `pushed` into what is stored for the package (a step once recorded stays recorded). */
  markPushed(channel: string, packageId: string, pushed: ChannelPackagePushed): Promise<void>;
  /** Marks the package as replaced by `children` (after an unsupplied call, before the children are read). */
  supersede(channel: string, packageId: string, children: string[], status?: string): Promise<void>;
}

function mergePushed(a: ChannelPackagePushed, b: ChannelPackagePushed): ChannelPackagePushed {
  const out: ChannelPackagePushed = { ...a };
  for (const key of ['picking', 'invoiced', 'invoiceLink', 'tracking', 'delivered', 'undelivered'] as const) if (b[key] !== undefined) out[key] = a[key] ?? b[key];
  if (b.unsupplied) {
    const merged = { ...(a.unsupplied ?? {}) };
    for (const [barcode, n] of Object.entries(b.unsupplied)) merged[barcode] = (merged[barcode] ?? 0) + n;
    out.unsupplied = merged;
  }
  if (b.notPushed) out.notPushed = [...new Set([...(a.notPushed ?? []), ...b.notPushed])];
  return out;
}

/** Every read-modify-write below locks its row (PostgreSQL; SQLite's write transaction already serialises). */
const LOCKED = { lockMode: LockMode.PESSIMISTIC_WRITE } as const;

/** The lineage store on the shared ORM, forked per call. */
export function createChannelPackageStore(orm: OmsORM): ChannelPackageStore {
  const fork = () => orm.em.fork();
  return {
    async record(reading) {
      const now = new Date();
      const modifiedAt = reading.modifiedAt ? new Date(reading.modifiedAt) : null;
      const origins = [...new Set((reading.originPackageIds ?? []).map(String))];
      const write = () => fork().transactional(async (em) => {
        const row = await em.findOne(ChannelPackage, { channel: reading.channel, packageId: reading.packageId }, LOCKED);
        if (!row) {
          em.create(ChannelPackage, {
            channel: reading.channel,
            packageId: reading.packageId,
            orderNumber: reading.orderNumber,
            originPackageIds: origins,
            status: reading.status,
            createdBy: reading.createdBy ?? null,
            lines: reading.lines,
            supersededBy: null,
            pushed: {},
            modifiedAt,
            createdAt: now,
            updatedAt: now,
          });
        } else if (!row.modifiedAt || !modifiedAt || modifiedAt.getTime() >= row.modifiedAt.getTime()) {
          row.status = reading.status;
          row.lines = reading.lines;
          row.createdBy = reading.createdBy ?? row.createdBy ?? null;
          if (origins.length > 0) row.originPackageIds = origins;
          row.modifiedAt = modifiedAt ?? row.modifiedAt ?? null;
          row.updatedAt = now;
        }
        for (const origin of origins) {
          // Locked: two children of one split may be recorded at once (the pull and the webhook), and each
          // must add itself to the parent's list, not overwrite the other's (a lost update on PostgreSQL).
          const parent = await em.findOne(ChannelPackage, { channel: reading.channel, packageId: origin }, LOCKED);
          if (!parent) continue;
          const children = parent.supersededBy ?? [];
          if (!children.includes(reading.packageId)) {
            parent.supersededBy = [...children, reading.packageId];
            parent.updatedAt = now;
          }
        }
        await em.flush();
      });
      // The webhook and the pull may record a new package at once: the one that lost the insert updates instead.
      await write().catch((err: unknown) => {
        if (err instanceof UniqueConstraintViolationException) return write();
        throw err;
      });
    },

    async ofOrder(channel, orderNumber) {
      const rows = await fork().find(
        ChannelPackage,
        { channel, orderNumber },
        { orderBy: { createdAt: 'asc', packageId: 'asc' }, disableIdentityMap: true },
      );
      return rows.map(toView);
    },

    async markPushed(channel, packageId, pushed) {
      await fork().transactional(async (em) => {
        const row = await em.findOne(ChannelPackage, { channel, packageId }, LOCKED);
        if (!row) throw new Error(`no ${channel} package ${packageId} is recorded`);
        row.pushed = mergePushed(row.pushed ?? {}, pushed);
        row.updatedAt = new Date();
        await em.flush();
      });
    },

    async supersede(channel, packageId, children, status) {
      await fork().transactional(async (em) => {
        const row = await em.findOne(ChannelPackage, { channel, packageId }, LOCKED);
        if (!row) return;
        row.supersededBy = [...new Set([...(row.supersededBy ?? []), ...children])];
        if (status) row.status = status;
        row.updatedAt = new Date();
        await em.flush();
      });
    },
  };
}
