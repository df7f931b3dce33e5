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

/** How many fulfillment units one allocation may make unless configured otherwise (OMS_MAX_FULFILLMENTS). */
export const DEFAULT_MAX_UNITS = 3;

/** The priority of a location that holds stock but has no record. */
export const UNRECORDED_PRIORITY = 100;

/** Units free to reserve, per SKU and location id. */
export type Availability = Record<string, Record<string, number>>;

export type SourcingPlan =
  | { ok: true; units: { location: string; lines: StockLine[] }[]; reasons: string[] }
  | { ok: false; shortages: { sku: string; requested: number; available: number }[]; reasons: string[] };

/**
 * Picks the locations for an order's lines. In this order:
 * 1. Candidates: active locations, not in `exclude`, allowed by the channel's rule. A location that appears in the
 *    availability but has no record is an active warehouse with priority 100 and no city (stock put at `main`
 *    before any location was recorded must stay sellable).
 * 2. One location that has every line in full, the best by `compareLocations` (priority, the customer's city, their
 *    region, id): one parcel is cheaper than two, whatever the priorities say.
 * 3. Otherwise a split, greedy: again and again the candidate covering the most remaining units (ties as above)
 *    takes all it can, a line split across locations when it must be, until every unit is covered. Greedy is not
 *    always the fewest units (that is set cover), but it is predictable and explainable in one timeline line.
 * 4. No plan when the allowed locations together hold too little, or the split needs more than `rules.maxUnits`
 *    units. `shortages` then lists, per SKU, what was requested against what the allowed locations hold in total:
 *    the SKUs that are short, or (too many units needed) the SKUs the first `maxUnits` units left uncovered.
 * Deterministic: units in the order they were chosen, lines within a unit in the request's order (a SKU named by
 * two lines is one line with their sum).
 */
export function planSourcing(
  request: SourcingRequest,
  locations: SourcingLocation[],
  availability: Availability,
  rules: SourcingRules,
): SourcingPlan {
  if (!Number.isSafeInteger(rules.maxUnits) || rules.maxUnits < 1) {
    throw new RangeError(`rules.maxUnits: must be a positive integer, got ${String(rules.maxUnits)}`);
  }
  const wanted = sumBySku(request.lines);
  const candidates = sourcingCandidates(request, locations, availability, rules);
  const city = folded(request.city);
  const region = folded(request.region);
  const order = (a: SourcingLocation, b: SourcingLocation) => compareLocations(a, b, city, region);
  const free = (sku: string, location: string) => freeUnits(availability, sku, location);

  const full = candidates.filter((loc) => wanted.every(([sku, quantity]) => free(sku, loc.id) >= quantity)).sort(order);
  const best = full[0];
  if (best) {
    return {
      ok: true,
      units: [{ location: best.id, lines: wanted.map(([sku, quantity]) => ({ sku, quantity })) }],
      reasons: [`${best.id} has everything`],
    };
  }

  const short = wanted
    .map(([sku, quantity]) => ({ sku, requested: quantity, available: candidates.reduce((n, loc) => n + free(sku, loc.id), 0) }))
    .filter((s) => s.available < s.requested);
  if (short.length > 0) {
    const where = candidates.length === 0 ? `no location may ship ${request.channel} orders` : 'not enough at the allowed locations';
    return {
      ok: false,
      shortages: short,
      reasons: [`${where}: ${short.map((s) => `${s.sku} ${s.available} of ${s.requested}`).join(', ')}`],
    };
  }

  // Every SKU is coverable in total, so the greedy loop ends with everything covered.
  const remaining = new Map(wanted);
  const units: { location: string; lines: StockLine[] }[] = [];
  const unused = [...candidates].sort(order);
  let firstPick: SourcingLocation | undefined;
  while ([...remaining.values()].some((q) => q > 0)) {
    const covers = (loc: SourcingLocation) =>
      wanted.reduce((n, [sku]) => n + Math.min(remaining.get(sku) ?? 0, free(sku, loc.id)), 0);
    // `unused` is sorted by preference, so the first with the most coverage wins the ties
    let pick: SourcingLocation | undefined;
    let pickCovers = 0;
    for (const loc of unused) {
      const n = covers(loc);
      if (n > pickCovers) {
        pick = loc;
        pickCovers = n;
      }
    }
    if (!pick) throw new Error('planSourcing: coverable lines left uncovered (a bug)');
    firstPick ??= pick;
    unused.splice(unused.indexOf(pick), 1);
    const lines: StockLine[] = [];
    for (const [sku] of wanted) {
      const take = Math.min(remaining.get(sku) ?? 0, free(sku, pick.id));
      if (take <= 0) continue;
      lines.push({ sku, quantity: take });
      remaining.set(sku, (remaining.get(sku) ?? 0) - take);
    }
    units.push({ location: pick.id, lines });
  }

  const first = firstPick!;
  const missing = wanted
    .filter(([sku, quantity]) => free(sku, first.id) < quantity)
    .map(([sku, quantity]) => {
      const there = free(sku, first.id);
      return there === 0 ? `${sku} not at ${first.id}` : `${sku} ${there} of ${quantity} at ${first.id}`;
    });
  const described = units.map((u) => `${u.location} (${u.lines.map((l) => `${l.sku} x${l.quantity}`).join(', ')})`);
  if (units.length > rules.maxUnits) {
    const uncovered = new Map(wanted);
    for (const unit of units.slice(0, rules.maxUnits)) {
      for (const line of unit.lines) uncovered.set(line.sku, (uncovered.get(line.sku) ?? 0) - line.quantity);
    }
    return {
      ok: false,
      shortages: wanted
        .filter(([sku]) => (uncovered.get(sku) ?? 0) > 0)
        .map(([sku, quantity]) => ({
          sku,
          requested: quantity,
          available: candidates.reduce((n, loc) => n + free(sku, loc.id), 0),
        })),
      reasons: [`${missing.join(', ')}: needs ${units.length} locations, at most ${rules.maxUnits} allowed`],
    };
  }
  return { ok: true, units, reasons: [`${missing.join(', ')}, split: ${described.join(', ')}`] };
}

/** Lower priority number first, then a location in the customer's city, then in their region, then by id. */
function compareLocations(a: SourcingLocation, b: SourcingLocation, city: string, region: string): number {
  if (a.priority !== b.priority) return a.priority - b.priority;
  const byCity = Number(city !== '' && folded(b.city) === city) - Number(city !== '' && folded(a.city) === city);
  if (byCity !== 0) return byCity;
  const byRegion =
    Number(region !== '' && folded(b.region) === region) - Number(region !== '' && folded(a.region) === region);
  if (byRegion !== 0) return byRegion;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Turkish-aware case folding: 'İSTANBUL', 'istanbul' and 'İstanbul' are one city ('I' is not 'i' in Turkish). */
function folded(name: string | undefined): string {
  return (name ?? '').trim().toLocaleLowerCase('tr-TR');
}

/**
 * The locations a request may be sourced from: active, not excluded, allowed by the channel's rule, the unrecorded
 * ones that appear in the availability included (as active warehouses of priority 100).
 */
export function sourcingCandidates(
  request: SourcingRequest,
  locations: SourcingLocation[],
  availability: Availability,
  rules: SourcingRules,
): SourcingLocation[] {
  const byId = new Map<string, SourcingLocation>();
  for (const loc of locations) if (!byId.has(loc.id)) byId.set(loc.id, loc);
  for (const perLocation of Object.values(availability)) {
    for (const id of Object.keys(perLocation)) {
      if (!byId.has(id)) byId.set(id, { id, kind: 'warehouse', priority: UNRECORDED_PRIORITY, active: true });
    }
  }
  const excluded = new Set(request.exclude ?? []);
  const allowed = Object.hasOwn(rules.channels, request.channel) ? new Set(rules.channels[request.channel]) : null;
  return [...byId.values()].filter(
    (loc) => loc.active && !excluded.has(loc.id) && (allowed === null || allowed.has(loc.id) || allowed.has(loc.kind)),
  );
}

function freeUnits(availability: Availability, sku: string, location: string): number {
  const n = availability[sku]?.[location] ?? 0;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Quantities per SKU in the order the request first names them. */
function sumBySku(lines: StockLine[]): [string, number][] {
  if (lines.length === 0) throw new RangeError('request.lines: at least one line is required');
  const totals = new Map<string, number>();
  lines.forEach((line, i) => {
    if (!Number.isSafeInteger(line.quantity) || line.quantity <= 0) {
      throw new RangeError(`request.lines[${i}].quantity: must be a positive integer`);
    }
    totals.set(line.sku, (totals.get(line.sku) ?? 0) + line.quantity);
  });
  return [...totals.entries()];
}
