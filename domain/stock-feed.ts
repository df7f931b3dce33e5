// What a channel is told it may sell of a SKU: the free units (on hand less reserved) at the locations the channel
// may be sourced from (OMS_CHANNEL_LOCATIONS, active locations only, as sourcing uses them), less the channel's safety
// buffer, never below zero and never above what the channel accepts. Pure: the stock feed calls it per SKU.
import { sourcingCandidates, type Availability, type SourcingLocation, type SourcingRules } from './sourcing';

export interface ChannelQuantityRules {
  /** Units held back from the channel (a margin for sales the feed has not told it of yet). */
  buffer: number;
  /** The most the channel accepts for one product (Trendyol 20,000). */
  cap: number;
}

export function channelQuantity(
  sku: string,
  channel: string,
  locations: SourcingLocation[],
  availability: Availability,
  sourcing: SourcingRules,
  rules: ChannelQuantityRules,
): number {
  const candidates = sourcingCandidates({ lines: [], channel }, locations, availability, sourcing);
  const free = candidates.reduce((sum, loc) => {
    const n = availability[sku]?.[loc.id] ?? 0;
    return sum + (Number.isFinite(n) && n > 0 ? Math.floor(n) : 0);
  }, 0);
  return Math.min(rules.cap, Math.max(0, free - rules.buffer));
}
