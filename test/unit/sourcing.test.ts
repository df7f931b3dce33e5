// Sourcing rules (domain/sourcing.ts) on hand-made snapshots: one location when one has everything, chosen by
// priority, the customer's city and region; a greedy split only when needed and within the unit limit; channel
// rules and exclusions; shortages and reasons for the timeline; the same answer for the same input.
import {
  planSourcing,
  type Availability,
  type SourcingLocation,
  type SourcingRequest,
  type SourcingRules,
} from '../../domain/sourcing';

const RULES: SourcingRules = { maxUnits: 3, channels: {} };

function loc(id: string, overrides: Partial<SourcingLocation> = {}): SourcingLocation {
  return { id, kind: 'warehouse', priority: 10, active: true, ...overrides };
}

function request(lines: [string, number][], overrides: Partial<SourcingRequest> = {}): SourcingRequest {
  return { lines: lines.map(([sku, quantity]) => ({ sku, quantity })), channel: 'webstore', ...overrides };
}

describe('one location that has everything', () => {
  const availability: Availability = {
    'SKU-1': { main: 5, 'store-kadikoy': 2, 'store-izmir': 2 },
    'SKU-2': { main: 5, 'store-kadikoy': 1, 'store-izmir': 1 },
  };

  test('the lower priority number wins over the customer being in the same city', () => {
    const plan = planSourcing(
      request([['SKU-1', 2], ['SKU-2', 1]], { city: 'İstanbul' }),
      [loc('main', { priority: 1 }), loc('store-kadikoy', { kind: 'store', priority: 5, city: 'İstanbul' })],
      availability,
      RULES,
    );
    expect(plan).toEqual({
      ok: true,
      units: [{ location: 'main', lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }] }],
      reasons: ['main has everything'],
    });
  });

  test('one location with everything beats a better-priority one that has only part', () => {
    const plan = planSourcing(
      request([['SKU-1', 2], ['SKU-2', 1]]),
      [loc('main', { priority: 1 }), loc('store-kadikoy', { priority: 5 })],
      { 'SKU-1': { main: 5, 'store-kadikoy': 2 }, 'SKU-2': { 'store-kadikoy': 1 } },
      RULES,
    );
    expect(plan).toMatchObject({ ok: true, units: [{ location: 'store-kadikoy' }], reasons: ['store-kadikoy has everything'] });
  });

  test('at equal priority the customer’s city decides, compared the Turkish way (İSTANBUL = istanbul, not ıstanbul)', () => {
    const locations = [
      loc('store-izmir', { kind: 'store', priority: 5, city: 'İzmir' }),
      loc('store-kadikoy', { kind: 'store', priority: 5, city: 'İSTANBUL' }),
    ];
    const lines: [string, number][] = [['SKU-1', 1]];
    for (const city of ['istanbul', 'İstanbul', ' ISTANBUL '.replace('I', 'İ')]) {
      expect(planSourcing(request(lines, { city }), locations, availability, RULES)).toMatchObject({
        units: [{ location: 'store-kadikoy' }],
      });
    }
    expect(planSourcing(request(lines, { city: 'izmir' }), locations, availability, RULES)).toMatchObject({
      units: [{ location: 'store-izmir' }],
    });
    // 'ISTANBUL' with a dotless capital I folds to 'ıstanbul' in Turkish: not the same city, so the id decides
    expect(planSourcing(request(lines, { city: 'ISTANBUL' }), locations, availability, RULES)).toMatchObject({
      units: [{ location: 'store-izmir' }],
    });
  });

  test('at equal priority and no city match, the region decides, then the id', () => {
    const locations = [
      loc('b-anadolu', { priority: 5, city: 'Ankara', region: 'İç Anadolu' }),
      loc('a-ege', { priority: 5, city: 'İzmir', region: 'Ege' }),
    ];
    expect(
      planSourcing(request([['SKU-1', 1]], { city: 'Konya', region: 'iç anadolu' }), locations, { 'SKU-1': { 'b-anadolu': 1, 'a-ege': 1 } }, RULES),
    ).toMatchObject({ units: [{ location: 'b-anadolu' }] });
    expect(
      planSourcing(request([['SKU-1', 1]], { city: 'Konya' }), locations, { 'SKU-1': { 'b-anadolu': 1, 'a-ege': 1 } }, RULES),
    ).toMatchObject({ units: [{ location: 'a-ege' }] });
  });

  test('a location with stock but no record is an active warehouse of priority 100', () => {
    const plan = planSourcing(
      request([['SKU-1', 1]]),
      [loc('store-kadikoy', { kind: 'store', priority: 101 })],
      { 'SKU-1': { main: 1, 'store-kadikoy': 1 } },
      RULES,
    );
    expect(plan).toMatchObject({ ok: true, units: [{ location: 'main' }] });
    // and the kind rule sees it as a warehouse
    expect(
      planSourcing(request([['SKU-1', 1]]), [], { 'SKU-1': { main: 1 } }, { maxUnits: 3, channels: { webstore: ['store'] } }),
    ).toMatchObject({ ok: false });
  });

  test('two lines of one SKU are one line with their sum', () => {
    const plan = planSourcing(request([['SKU-1', 2], ['SKU-2', 1], ['SKU-1', 1]]), [loc('main')], availability, RULES);
    expect(plan).toMatchObject({ units: [{ location: 'main', lines: [{ sku: 'SKU-1', quantity: 3 }, { sku: 'SKU-2', quantity: 1 }] }] });
  });
});

describe('candidates', () => {
  const availability: Availability = { 'SKU-1': { main: 5, 'store-kadikoy': 5, 'store-izmir': 5 } };
  const locations = [
    loc('main', { priority: 1 }),
    loc('store-kadikoy', { kind: 'store', priority: 2 }),
    loc('store-izmir', { kind: 'store', priority: 3 }),
  ];

  test('an inactive location is never used', () => {
    const plan = planSourcing(request([['SKU-1', 1]]), [{ ...locations[0]!, active: false }, ...locations.slice(1)], availability, RULES);
    expect(plan).toMatchObject({ units: [{ location: 'store-kadikoy' }] });
  });

  test('an excluded location is never used, even when it alone has everything', () => {
    expect(planSourcing(request([['SKU-1', 1]], { exclude: ['main'] }), locations, availability, RULES)).toMatchObject({
      units: [{ location: 'store-kadikoy' }],
    });
    expect(
      planSourcing(request([['SKU-1', 5]], { exclude: ['main'] }), locations, { 'SKU-1': { main: 5, 'store-kadikoy': 1 } }, RULES),
    ).toEqual({
      ok: false,
      shortages: [{ sku: 'SKU-1', requested: 5, available: 1 }],
      reasons: ['not enough at the allowed locations: SKU-1 1 of 5'],
    });
  });

  test('a channel rule limits the locations by id or by kind; a channel not listed may use every location', () => {
    const rules: SourcingRules = { maxUnits: 3, channels: { trendyol: ['store-izmir'], hepsiburada: ['store'] } };
    expect(planSourcing(request([['SKU-1', 1]], { channel: 'trendyol' }), locations, availability, rules)).toMatchObject({
      units: [{ location: 'store-izmir' }],
    });
    expect(planSourcing(request([['SKU-1', 1]], { channel: 'hepsiburada' }), locations, availability, rules)).toMatchObject({
      units: [{ location: 'store-kadikoy' }],
    });
    expect(planSourcing(request([['SKU-1', 1]], { channel: 'n11' }), locations, availability, rules)).toMatchObject({
      units: [{ location: 'main' }],
    });
  });

  test('a channel whose rule leaves no location gets a refusal that says so', () => {
    const rules: SourcingRules = { maxUnits: 3, channels: { trendyol: ['central'] } };
    expect(planSourcing(request([['SKU-1', 1]], { channel: 'trendyol' }), locations, availability, rules)).toEqual({
      ok: false,
      shortages: [{ sku: 'SKU-1', requested: 1, available: 0 }],
      reasons: ['no location may ship trendyol orders: SKU-1 0 of 1'],
    });
  });

  test('stock at locations the channel may not use does not count as available', () => {
    const rules: SourcingRules = { maxUnits: 3, channels: { trendyol: ['main'] } };
    expect(
      planSourcing(request([['SKU-1', 3]], { channel: 'trendyol' }), locations, { 'SKU-1': { main: 1, 'store-izmir': 9 } }, rules),
    ).toMatchObject({ ok: false, shortages: [{ sku: 'SKU-1', requested: 3, available: 1 }] });
  });
});

describe('split only when no location has everything', () => {
  const locations = [
    loc('main', { priority: 1 }),
    loc('store-kadikoy', { kind: 'store', priority: 5, city: 'İstanbul' }),
    loc('store-izmir', { kind: 'store', priority: 5, city: 'İzmir' }),
  ];

  test('the location covering the most units goes first; the reason says what was missing and the split', () => {
    const plan = planSourcing(
      request([['SKU-1', 2], ['SKU-2', 1]], { city: 'İstanbul' }),
      locations,
      { 'SKU-1': { 'store-kadikoy': 2 }, 'SKU-2': { main: 1, 'store-kadikoy': 0 } },
      RULES,
    );
    expect(plan).toEqual({
      ok: true,
      units: [
        { location: 'store-kadikoy', lines: [{ sku: 'SKU-1', quantity: 2 }] },
        { location: 'main', lines: [{ sku: 'SKU-2', quantity: 1 }] },
      ],
      reasons: ['SKU-2 not at store-kadikoy, split: store-kadikoy (SKU-1 x2), main (SKU-2 x1)'],
    });
  });

  test('one line may be split across locations', () => {
    const plan = planSourcing(request([['SKU-1', 5]]), locations, { 'SKU-1': { main: 3, 'store-izmir': 2, 'store-kadikoy': 1 } }, RULES);
    expect(plan).toEqual({
      ok: true,
      units: [
        { location: 'main', lines: [{ sku: 'SKU-1', quantity: 3 }] },
        { location: 'store-izmir', lines: [{ sku: 'SKU-1', quantity: 2 }] },
      ],
      reasons: ['SKU-1 3 of 5 at main, split: main (SKU-1 x3), store-izmir (SKU-1 x2)'],
    });
  });

  test('ties in coverage go by priority, then city, then id', () => {
    const availability: Availability = { 'SKU-1': { 'store-izmir': 1, 'store-kadikoy': 1 }, 'SKU-2': { main: 1 } };
    // main covers 1, both stores cover 1: main has the better priority
    expect(planSourcing(request([['SKU-1', 2], ['SKU-2', 1]], { city: 'İstanbul' }), locations, availability, RULES)).toMatchObject({
      units: [{ location: 'main' }, { location: 'store-kadikoy' }, { location: 'store-izmir' }],
    });
    // at equal priority the customer's city goes first, without a city the id
    const equal = locations.map((l) => ({ ...l, priority: 1 }));
    expect(planSourcing(request([['SKU-1', 1], ['SKU-2', 1]], { city: 'izmir' }), equal, availability, RULES)).toMatchObject({
      units: [{ location: 'store-izmir' }, { location: 'main' }],
    });
    expect(planSourcing(request([['SKU-1', 1], ['SKU-2', 1]]), equal, availability, RULES)).toMatchObject({
      units: [{ location: 'main' }, { location: 'store-izmir' }],
    });
  });

  test('more units than allowed is a refusal naming how many it would take', () => {
    const availability: Availability = { 'SKU-1': { a: 1, b: 1, c: 1, d: 1 } };
    const four = [loc('a'), loc('b'), loc('c'), loc('d')];
    expect(planSourcing(request([['SKU-1', 4]]), four, availability, RULES)).toEqual({
      ok: false,
      shortages: [{ sku: 'SKU-1', requested: 4, available: 4 }],
      reasons: ['SKU-1 1 of 4 at a: needs 4 locations, at most 3 allowed'],
    });
    expect(planSourcing(request([['SKU-1', 4]]), four, availability, { maxUnits: 4, channels: {} })).toMatchObject({ ok: true });
    // with one unit allowed, no split at all; the SKUs a single unit leaves uncovered are the shortages
    expect(
      planSourcing(
        request([['SKU-1', 1], ['SKU-2', 1]]),
        four,
        { 'SKU-1': { a: 1 }, 'SKU-2': { b: 1 } },
        { maxUnits: 1, channels: {} },
      ),
    ).toEqual({
      ok: false,
      shortages: [{ sku: 'SKU-2', requested: 1, available: 1 }],
      reasons: ['SKU-2 not at a: needs 2 locations, at most 1 allowed'],
    });
  });

  test('not enough in total: every short SKU with what the allowed locations hold', () => {
    expect(
      planSourcing(
        request([['SKU-1', 2], ['SKU-2', 3], ['SKU-3', 1]]),
        locations,
        { 'SKU-1': { main: 2 }, 'SKU-2': { main: 1, 'store-izmir': 1 } },
        RULES,
      ),
    ).toEqual({
      ok: false,
      shortages: [
        { sku: 'SKU-2', requested: 3, available: 2 },
        { sku: 'SKU-3', requested: 1, available: 0 },
      ],
      reasons: ['not enough at the allowed locations: SKU-2 2 of 3, SKU-3 0 of 1'],
    });
  });

  test('the same input gives the same plan, whatever order the locations and snapshot come in', () => {
    const availability: Availability = {
      'SKU-1': { main: 2, 'store-izmir': 3, 'store-kadikoy': 3 },
      'SKU-2': { 'store-izmir': 1, 'store-kadikoy': 1 },
      'SKU-3': { main: 4 },
    };
    const reversedSnapshot: Availability = Object.fromEntries(
      Object.entries(availability)
        .reverse()
        .map(([sku, at]) => [sku, Object.fromEntries(Object.entries(at).reverse())]),
    );
    const lines: [string, number][] = [['SKU-1', 4], ['SKU-2', 1], ['SKU-3', 2]];
    const plan = planSourcing(request(lines), locations, availability, RULES);
    expect(plan).toEqual({
      ok: true,
      units: [
        { location: 'main', lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-3', quantity: 2 }] },
        { location: 'store-izmir', lines: [{ sku: 'SKU-1', quantity: 2 }, { sku: 'SKU-2', quantity: 1 }] },
      ],
      reasons: ['SKU-1 2 of 4 at main, SKU-2 not at main, split: main (SKU-1 x2, SKU-3 x2), store-izmir (SKU-1 x2, SKU-2 x1)'],
    });
    expect(planSourcing(request(lines), [...locations].reverse(), reversedSnapshot, RULES)).toEqual(plan);
  });

  test('negative or fractional availability counts as what can really be taken', () => {
    expect(
      planSourcing(request([['SKU-1', 2]]), [loc('main')], { 'SKU-1': { main: -3, other: 2.7 } }, RULES),
    ).toMatchObject({ ok: true, units: [{ location: 'other', lines: [{ sku: 'SKU-1', quantity: 2 }] }] });
  });
});

describe('bad input', () => {
  test('no lines, a non-positive quantity or a unit limit below 1 are errors naming the field', () => {
    expect(() => planSourcing(request([]), [], {}, RULES)).toThrow('request.lines: at least one line is required');
    expect(() => planSourcing(request([['SKU-1', 0]]), [], {}, RULES)).toThrow('request.lines[0].quantity: must be a positive integer');
    expect(() => planSourcing(request([['SKU-1', 1]]), [], {}, { maxUnits: 0, channels: {} })).toThrow(
      'rules.maxUnits: must be a positive integer',
    );
  });
});
