// The pure rules of fulfillment units (domain/fulfillment.ts): summary transitions, line buckets, partial-cancel
// checks, money shares and the money derived from a v3 ledger.
import type { LedgerEntry } from '../../contract/types';
import {
  isStaleUnitCarrierEvent,
  canTransitionV3,
  cancelLinesProblem,
  intersectLines,
  lineQuantities,
  moneyFacts,
  outstandingMinor,
  paymentStatusV3,
  proportionalShare,
  subtractLines,
  unitsSummary,
  valueOfLines,
} from '../../domain/fulfillment';

const entry = (kind: LedgerEntry['kind'], amount: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  kind,
  amount,
  currency: 'TRY',
  state: 'done',
  at: '2026-12-02T00:00:00.000Z',
  ...extra,
});

describe('summary status', () => {
  test('a v3 order may open another return after a completed one, and nothing moves backwards', () => {
    expect(canTransitionV3('return_completed', 'return_pending')).toBe(true);
    expect(canTransitionV3('delivered', 'shipped')).toBe(false);
    expect(canTransitionV3('canceled', 'picking')).toBe(false);
    expect(canTransitionV3('picking', 'delivered')).toBe(false);
  });

  test('counts live units only: rejected and canceled units no longer count', () => {
    const summary = unitsSummary([
      { status: 'shipped', lines: [] },
      { status: 'delivered', lines: [] },
      { status: 'rejected', lines: [] },
      { status: 'picking', lines: [] },
    ]);
    expect(summary).toEqual({ live: 3, shipped: 2, delivered: 1, returnedToSender: 0, settled: 1 });
  });
});

describe('stale carrier events of a unit', () => {
  it('ignores what the unit has gone past and takes what moves it forward', () => {
    expect(isStaleUnitCarrierEvent('delivered', 'in_transit')).toBe(true);
    expect(isStaleUnitCarrierEvent('delivered', 'delivered')).toBe(true);
    expect(isStaleUnitCarrierEvent('returned_to_sender', 'delivered')).toBe(true);
    expect(isStaleUnitCarrierEvent('shipped', 'picked_up')).toBe(true);
    expect(isStaleUnitCarrierEvent('shipped', 'in_transit')).toBe(true);
    expect(isStaleUnitCarrierEvent('shipped', 'delivered')).toBe(false);
    expect(isStaleUnitCarrierEvent('shipped', 'returned_to_sender')).toBe(false);
    expect(isStaleUnitCarrierEvent('shipped', 'delivery_failed')).toBe(false);
    expect(isStaleUnitCarrierEvent('labelled', 'picked_up')).toBe(false);
    expect(isStaleUnitCarrierEvent('labelled', 'delivered')).toBe(false);
  });
});

describe('line quantities', () => {
  test('a line split over two units, one shipped, with one unit canceled and one returned', () => {
    const units = [
      { status: 'delivered' as const, lines: [{ sku: 'A', quantity: 2 }] },
      { status: 'picking' as const, lines: [{ sku: 'A', quantity: 1 }] },
      { status: 'canceled' as const, lines: [{ sku: 'A', quantity: 1 }] },
    ];
    const kept = { canceled: [{ sku: 'A', quantity: 1 }], returned: [{ sku: 'A', quantity: 1 }], refunded: [] };
    expect(lineQuantities({ sku: 'A', quantity: 4 }, units, kept)).toEqual({
      ordered: 4,
      allocated: 3,
      shipped: 2,
      delivered: 2,
      canceled: 1,
      returned: 1,
      refunded: 0,
    });
  });
});

describe('partial cancel checks', () => {
  const lines = [{ sku: 'A' }, { sku: 'B' }];
  const cancelable = new Map([
    ['A', 1],
    ['B', 0],
  ]);
  test('names the line and the quantity that cannot be canceled', () => {
    expect(cancelLinesProblem(lines, cancelable, [{ sku: 'A', quantity: 1 }])).toBeNull();
    expect(cancelLinesProblem(lines, cancelable, [{ sku: 'A', quantity: 2 }])).toBe(
      'lines[0].quantity 2 of A exceeds the 1 not yet shipped and not canceled',
    );
    expect(cancelLinesProblem(lines, cancelable, [{ sku: 'B', quantity: 1 }])).toMatch(/^lines\[0\]\.quantity 1 of B exceeds the 0/);
    expect(cancelLinesProblem(lines, cancelable, [{ sku: 'C', quantity: 1 }])).toBe('lines[0].sku C is not on the order');
    expect(cancelLinesProblem(lines, cancelable, [{ sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }])).toBe('lines[1].sku A appears twice');
    expect(cancelLinesProblem(lines, cancelable, [])).toBe('lines: at least one line is required');
  });

  test('line arithmetic by SKU', () => {
    expect(subtractLines([{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }], [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }])).toEqual([
      { sku: 'A', quantity: 2 },
    ]);
    expect(intersectLines([{ sku: 'A', quantity: 1 }], [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }])).toEqual([{ sku: 'A', quantity: 1 }]);
    expect(valueOfLines([{ sku: 'A', unitPrice: '149.90' }], [{ sku: 'A', quantity: 2 }])).toBe('299.80');
  });
});

describe('money shares', () => {
  test('a share of a payment equal to the total is the part itself; of another payment, rounded half up', () => {
    expect(proportionalShare(30985, 1005, 30985)).toBe(1005);
    // An accepted payment of 150.00 for a 309.85 order: 10.05 of it stands for 4.865... → 4.87
    expect(proportionalShare(15000, 1005, 30985)).toBe(487);
    expect(proportionalShare(100, 1, 3)).toBe(33);
    expect(proportionalShare(100, 0, 0)).toBe(0);
  });
});

describe('money from the v3 ledger', () => {
  test('a partial void does not make the payment voided; a full one does', () => {
    expect(paymentStatusV3('card', [entry('authorization', '309.85'), entry('void', '10.05')], false, 'TRY')).toBe('authorized');
    expect(paymentStatusV3('card', [entry('authorization', '309.85'), entry('void', '309.85')], false, 'TRY')).toBe('voided');
    expect(paymentStatusV3('card', [entry('authorization', '309.85'), entry('capture', '299.80')], false, 'TRY')).toBe('captured');
    expect(paymentStatusV3('card', [entry('capture', '309.85'), entry('refund', '10.05')], false, 'TRY')).toBe('partially_refunded');
    expect(paymentStatusV3('card', [entry('capture', '309.85'), entry('refund', '309.85')], false, 'TRY')).toBe('refunded');
    expect(paymentStatusV3('card', [], true, 'TRY')).toBe('failed');
    expect(paymentStatusV3('cash_on_delivery', [], false, 'TRY')).toBe('not_required');
    expect(paymentStatusV3('marketplace', [entry('capture', '100.00'), entry('marketplace_refund', '40.00')], false, 'TRY')).toBe(
      'partially_refunded',
    );
  });

  test('outstanding: what is owed less what is paid or held, per cancel and return', () => {
    const held = moneyFacts([entry('authorization', '309.85'), entry('void', '10.05')], 'TRY');
    expect(held.openAuthorization).toBe(29980);
    expect(outstandingMinor(30985, 1005, 0, held, 'TRY')).toBe(0);
    expect(outstandingMinor(30985, 0, 0, moneyFacts([], 'TRY'), 'TRY')).toBe(30985);
    const returned = moneyFacts([entry('capture', '309.85'), entry('refund', '149.90')], 'TRY');
    expect(outstandingMinor(30985, 0, 14990, returned, 'TRY')).toBe(0);
    // Cash on delivery: one parcel of two collected.
    expect(outstandingMinor(30985, 0, 0, moneyFacts([entry('capture', '299.80')], 'TRY'), 'TRY')).toBe(1005);
  });
});
