// What the API needs from the database (read model, inventory, catalog, callback log).
// `entities/store.ts` implements it with MikroORM on SQLite or PostgreSQL.
import type { Carrier, LocationView, OrderStatus, OrderView } from './types';

export interface OrderListFilter {
  status?: OrderStatus | undefined;
  channel?: string | undefined;
  needsAttention?: boolean | undefined;
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
  /** `newest` (default), `oldest`, or `waiting_longest`: only orders needing attention, longest-waiting first. */
  sort?: 'newest' | 'oldest' | 'waiting_longest' | undefined;
  /** The step an order waits for an operator at (`attention.step`). */
  step?: string | undefined;
  /** A location one of the order's fulfillment units ships from. */
  location?: string | undefined;
  externalOrderId?: string | undefined;
  /** The customer's e-mail, compared case-insensitively. */
  email?: string | undefined;
  trackingNumber?: string | undefined;
}

/** What waits for an operator, per step (GET /orders/attention). */
export interface AttentionSummary {
  total: number;
  steps: { step: string; count: number; oldestSince: string }[];
}

export interface OrderPage {
  items: OrderView[];
  nextCursor: string | null;
}

export interface InventoryView {
  sku: string;
  onHand: number;
  reserved: number;
  available: number;
  locations: { location: string; onHand: number; reserved: number; available: number }[];
}

/** One change of on-hand (a set, an adjustment, a restock, a commit) as `GET /inventory/{sku}/movements` lists it. */
export interface StockMovementView {
  at: string;
  location: string;
  delta: number;
  reason: string;
  actor: string;
  orderId: string | null;
}

/** Units an open order holds at a location (`GET /inventory/{sku}/reservations`). */
export interface ReservationView {
  orderId: string;
  fulfillment: number;
  location: string;
  quantity: number;
  since: string;
}

/** The most units one SKU may have on hand at one location; a change past it is refused (409). */
export const MAX_STOCK_UNITS = 1_000_000_000;

/** One channel account's stock feed: when it last worked, what went wrong last, and what waits. */
export interface StockFeedView {
  account: string;
  channel: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastResyncAt: string | null;
  resyncRequestedAt: string | null;
  lastError: { message: string; at: string } | null;
  /** SKUs changed since the channel was last told (the outbox backlog), in flight at the channel, failed there. */
  backlog: { unsent: number; pending: number; failed: number };
}

/** A pull's state as GET /integrations would show it (dates as ISO strings). */
export interface ChannelPullView {
  channel: string;
  lastSuccessAt: string | null;
  watermark: string | null;
  lastError: { message: string; at: string } | null;
}

/** One connected carrier's tracking sweep: when it last ran and worked, its last error, what it follows. */
export interface CarrierTrackingView {
  carrier: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: { message: string; at: string } | null;
  /** Shipments the sweep follows, and those with a code the connector did not know (kept at their last status). */
  open: number;
  needsReview: number;
  lastSweep: { queried: number; signalled: number };
}

/** What an operator ledger repair changed at one location. */
export interface ReservedRepair {
  location: string;
  reservedBefore: number;
  reservedAfter: number;
}

export interface RepairResult {
  sku: string;
  /** One entry per location whose reserved count was wrong; empty when the ledger and the counts agreed. */
  changed: ReservedRepair[];
  message: string;
  inventory: InventoryView;
}

export interface ProductView {
  sku: string;
  name: string;
  price: string;
  active: boolean;
}

/** Who sent a callback: event ids are unique per sender only (Aras' 1001 is not MNG's 1001). */
export type CallbackSource = 'payments' | 'warehouse' | `carrier:${Carrier}`;

export interface CallbackRecord {
  source: CallbackSource;
  eventId: string;
  orderId: string | null;
  payload: unknown;
}

export interface OrderStore {
  getOrder(orderId: string): Promise<OrderView | null>;
  /** Newest first (createdAt, then id), cursor-paginated. */
  listOrders(filter: OrderListFilter): Promise<OrderPage>;
  /** Orders waiting for an operator, counted per step, within the list's filters (step aside). */
  attentionSummary(filter: Pick<OrderListFilter, 'channel' | 'status' | 'location'>): Promise<AttentionSummary>;
  findOrderIdByTracking(trackingNumber: string, carrier?: string): Promise<string | null>;
  getInventory(sku: string): Promise<InventoryView | null>;
  /** The SKU's newest stock movements first, at most `limit`. */
  listStockMovements(args: { sku: string; limit: number }): Promise<StockMovementView[]>;
  /** The SKU's live reservations (state `reserved`), oldest first. */
  listOpenReservations(sku: string): Promise<ReservationView[]>;
  /**
   * Sets on-hand at a location (default 'main'), creating the SKU if needed; refuses (StoreConflictError) less than
   * is reserved there or more than MAX_STOCK_UNITS.
   */
  setOnHand(args: { sku: string; onHand: number; location: string; actor: string; reason?: string | undefined }): Promise<InventoryView>;
  /** Relative change; refuses (StoreConflictError) to take on-hand below what is reserved or past MAX_STOCK_UNITS. */
  adjustOnHand(args: { sku: string; delta: number; reason: string; location: string; actor: string }): Promise<InventoryView>;
  /**
   * Operator ledger repair: sets each location's `reserved` to the sum of the SKU's live ledger rows (state
   * `reserved`) there, atomically, recording a stock movement per location it changed; null for an unknown SKU.
   */
  repairReserved(args: { sku: string; actor: string }): Promise<RepairResult | null>;
  /** Creates or replaces a stock location (`PUT /locations/{id}`); `created` tells 201 from 200. */
  putLocation(args: { location: LocationView; actor: string }): Promise<{ location: LocationView; created: boolean }>;
  /**
   * Every location: the recorded ones, plus those that hold stock without a record (shown as active warehouses,
   * priority 100, city ''), ordered by priority then id.
   */
  listLocations(): Promise<LocationView[]>;
  /** Every channel account's stock feed as operators see it (`GET /integrations`). */
  listStockFeeds(): Promise<StockFeedView[]>;
  /** Every connected carrier's tracking sweep (those that have run at least once). */
  listCarrierTracking(): Promise<CarrierTrackingView[]>;
  /** Every marketplace order pull that has run: last good round, its watermark, last error. */
  listChannelPulls(): Promise<ChannelPullView[]>;
  /** Asks the account's feed to resend every SKU at its next round; false for an account that never ran. */
  requestStockResync(args: { account: string; actor: string }): Promise<boolean>;
  upsertProduct(product: ProductView): Promise<ProductView>;
  getProduct(sku: string): Promise<ProductView | null>;
  /**
   * Logs a callback before it is delivered (matched unknown); `duplicate` when the sender's event id was logged
   * before, with what that row says (`matched: true`: it reached its order, so it need not be signalled again).
   */
  logCallback(callback: CallbackRecord): Promise<{ duplicate: boolean; matched: boolean | null }>;
  /** Records whether a logged callback reached its order. */
  markCallback(callback: CallbackRecord & { matched: boolean }): Promise<void>;
  /** Drops a logged callback whose delivery failed with nothing known, so the sender's retry is a first delivery. */
  forgetCallback(callback: Pick<CallbackRecord, 'source' | 'eventId'>): Promise<void>;
  /** Throws when the database is unreachable (used by GET /health). */
  ping(): Promise<void>;
}

/** A change the current data does not allow (API: 409). */
export class StoreConflictError extends Error {
  override name = 'StoreConflictError';
}
