// What a channel is told it may sell (domain/stock-feed.ts): free units at the channel's locations, less its buffer.
import { channelQuantity } from '../../domain/stock-feed';
import type { SourcingLocation } from '../../domain/sourcing';

const locations: SourcingLocation[] = [
  { id: 'main', kind: 'warehouse', priority: 100, active: true },
  { id: 'moda', kind: 'store', priority: 5, active: true },
  { id: 'closed', kind: 'store', priority: 1, active: false },
];
// free units (on hand less reserved) per SKU and location
const availability = { A: { main: 10, moda: 4, closed: 7 }, B: { main: -2, moda: 1 }, C: { elsewhere: 3 } };
const anywhere = { maxUnits: 3, channels: {} };
const rules = { buffer: 0, cap: 20_000 };

describe('channelQuantity', () => {
  it('sums the free units of the active locations the channel may sell from', () => {
    expect(channelQuantity('A', 'n11', locations, availability, anywhere, rules)).toBe(14);
    // a row counted below its reservations gives nothing, never less
    expect(channelQuantity('B', 'n11', locations, availability, anywhere, rules)).toBe(1);
    // stock at a location without a record counts, as sourcing sells from it
    expect(channelQuantity('C', 'n11', locations, availability, anywhere, rules)).toBe(3);
    expect(channelQuantity('unknown', 'n11', locations, availability, anywhere, rules)).toBe(0);
  });

  it('keeps to the channel locations of OMS_CHANNEL_LOCATIONS, by id or by kind', () => {
    expect(channelQuantity('A', 'trendyol', locations, availability, { maxUnits: 3, channels: { trendyol: ['main'] } }, rules)).toBe(10);
    expect(channelQuantity('A', 'trendyol', locations, availability, { maxUnits: 3, channels: { trendyol: ['store'] } }, rules)).toBe(4);
    // a rule for another channel changes nothing here
    expect(channelQuantity('A', 'n11', locations, availability, { maxUnits: 3, channels: { trendyol: ['main'] } }, rules)).toBe(14);
  });

  it('holds the buffer back, never below zero, and never above the channel cap', () => {
    expect(channelQuantity('A', 'n11', locations, availability, anywhere, { buffer: 3, cap: 20_000 })).toBe(11);
    expect(channelQuantity('B', 'n11', locations, availability, anywhere, { buffer: 3, cap: 20_000 })).toBe(0);
    expect(channelQuantity('A', 'n11', locations, availability, anywhere, { buffer: 0, cap: 12 })).toBe(12);
  });
});
