// What the API needs from the database (read model, inventory, catalog, callback log).
// `entities/store.ts` implements it with MikroORM on SQLite or PostgreSQL.
import type { Carrier, OrderStatus, OrderView } from './types';

export interface OrderListFilter {
  status?: OrderStatus | undefined;
  channel?: string | undefined;
  needsAttention?: boolean | undefined;
  limit: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  cursor?: string | undefined;
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
  findOrderIdByTracking(trackingNumber: string, carrier?: string): Promise<string | null>;
  getInventory(sku: string): Promise<InventoryView | null>;
  /** Sets on-hand at a location (default 'main'), creating the SKU if needed. */
  setOnHand(args: { sku: string; onHand: number; location: string; actor: string }): Promise<InventoryView>;
  /** Relative change; refuses (StoreConflictError) to take on-hand below zero. */
  adjustOnHand(args: { sku: string; delta: number; reason: string; location: string; actor: string }): Promise<InventoryView>;
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
