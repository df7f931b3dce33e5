// Sourcing: which locations ship which lines of an order. Pure (no I/O, no clock): allocateStock calls it with a
// fresh availability snapshot and the configured rules, and unit tests run it in milliseconds.
import type { LocationKind, StockLine } from '../contract/types';

export interface SourcingLocation {
  id: string;
  kind: LocationKind;
  /** Lower is preferred. */
  priority: number;
  city?: string | undefined;
  region?: string | undefined;
  active: boolean;
}

export interface SourcingRules {
  /** The most fulfillment units one allocation may split an order into (default 3). */
  maxUnits: number;
  /**
   * Per channel, the locations (ids) or kinds (`warehouse`, `store`) its orders may be sourced from; a channel not
   * listed may use every active location.
   */
  channels: Record<string, string[]>;
}

export interface SourcingRequest {
  lines: StockLine[];
  channel: string;
  city?: string | undefined;
  region?: string | undefined;
  /** Locations not to use (they rejected these lines). */
  exclude?: string[] | undefined;
}

/** Units free to reserve, per SKU and location id. */
export type Availability = Record<string, Record<string, number>>;

export type SourcingPlan =
  | { ok: true; units: { location: string; lines: StockLine[] }[]; reasons: string[] }
  | { ok: false; shortages: { sku: string; requested: number; available: number }[]; reasons: string[] };

/** TO BE IMPLEMENTED (helper "data"): see the brief. */
export function planSourcing(
  request: SourcingRequest,
  locations: SourcingLocation[],
  availability: Availability,
  rules: SourcingRules,
): SourcingPlan {
  void request;
  void locations;
  void availability;
  void rules;
  throw new Error('planSourcing: not implemented yet');
}
