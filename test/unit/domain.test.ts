// The pure order rules the workflow relies on: forward-only statuses, what can be canceled, pricing, which carrier
// events are stale, which return requests are refused, and what a return refunds and restocks.
import { ORDER_STATUSES, type CarrierEventStatus, type OrderLine, type OrderStatus } from '../../contract/types';
import {
  canTransition,
  carrierTarget,
  decideRefund,
  isCancelable,
  isStaleCarrierEvent,
  isTerminal,
  paymentMismatch,
  paymentStatusAfterRefund,
  priceLines,
  returnRequestProblem,
} from '../../domain/order';

/** The spec's order of statuses along a delivered-and-returned order. */
const LIFECYCLE: OrderStatus[] = [
  'new',
  'confirmed',
  'picking',
  'shipped',
  'delivered',
  'return_pending',
  'return_completed',
];

function line(sku: string, quantity: number, unitPrice: string, returnedQuantity = 0): OrderLine {
  return { sku, quantity, unitPrice, lineTotal: '0.00', returnedQuantity, refundedQuantity: 0 };
}

describe('status transitions', () => {
  it('allow every step of the lifecycle in order', () => {
    for (let i = 1; i < LIFECYCLE.length; i++) expect(canTransition(LIFECYCLE[i - 1]!, LIFECYCLE[i]!)).toBe(true);
  });

  it('never move an order back to an earlier status', () => {
    for (let from = 0; from < LIFECYCLE.length; from++) {
      for (let to = 0; to <= from; to++) {
        expect([LIFECYCLE[from], LIFECYCLE[to], canTransition(LIFECYCLE[from]!, LIFECYCLE[to]!)]).toEqual([
          LIFECYCLE[from],
          LIFECYCLE[to],
          false,
        ]);
      }
    }
  });

  it('never skip the steps between (no shipping before picking, no delivery before shipping)', () => {
    expect(canTransition('new', 'picking')).toBe(false);
    expect(canTransition('confirmed', 'shipped')).toBe(false);
    expect(canTransition('picking', 'delivered')).toBe(false);
    expect(canTransition('new', 'delivered')).toBe(false);
    expect(canTransition('delivered', 'return_completed')).toBe(false);
  });

  it('let a shipped parcel that comes back to the sender go straight to return_pending', () => {
    expect(canTransition('shipped', 'return_pending')).toBe(true);
  });

  it('cancel only before shipping', () => {
    expect(canTransition('new', 'canceled')).toBe(true);
    expect(canTransition('confirmed', 'canceled')).toBe(true);
    expect(canTransition('picking', 'canceled')).toBe(true);
    for (const from of ['shipped', 'delivered', 'return_pending', 'return_completed', 'canceled'] as const) {
      expect(canTransition(from, 'canceled')).toBe(false);
    }
  });

  it('end at canceled and return_completed: nothing leaves them', () => {
    for (const to of ORDER_STATUSES) {
      expect(canTransition('canceled', to)).toBe(false);
      expect(canTransition('return_completed', to)).toBe(false);
    }
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['canceled', 'return_completed']);
  });
});

describe('isCancelable', () => {
  it('is true until the carrier has the parcel, false from then on', () => {
    expect(ORDER_STATUSES.filter(isCancelable)).toEqual(['new', 'confirmed', 'picking']);
  });

  it('agrees with the transition table for every status', () => {
    for (const status of ORDER_STATUSES) expect(isCancelable(status)).toBe(canTransition(status, 'canceled'));
  });
});

describe('priceLines', () => {
  it('prices each line and the order in minor units, with nothing refunded yet', () => {
    const { lines, totals } = priceLines(
      [
        { sku: 'SKU-1', quantity: 2, unitPrice: '149.90' },
        { sku: 'SKU-2', quantity: 1, unitPrice: '0.10' },
      ],
      'TRY',
    );
    expect(lines).toEqual([
      { sku: 'SKU-1', quantity: 2, unitPrice: '149.90', lineTotal: '299.80', returnedQuantity: 0, refundedQuantity: 0 },
      { sku: 'SKU-2', quantity: 1, unitPrice: '0.10', lineTotal: '0.10', returnedQuantity: 0, refundedQuantity: 0 },
    ]);
    expect(totals).toEqual({ currency: 'TRY', subtotal: '299.90', total: '299.90', refunded: '0.00' });
  });

  it('has no float error: 3 x 33.33 is 99.99, 0.10 + 0.20 is 0.30, 7 x 0.07 is 0.49', () => {
    expect(priceLines([{ sku: 'A', quantity: 3, unitPrice: '33.33' }], 'TRY').totals.total).toBe('99.99');
    const tenAndTwenty = priceLines(
      [
        { sku: 'A', quantity: 1, unitPrice: '0.1' },
        { sku: 'B', quantity: 1, unitPrice: '0.2' },
      ],
      'TRY',
    );
    expect(tenAndTwenty.totals.total).toBe('0.30');
    expect(tenAndTwenty.lines.map((l) => l.lineTotal)).toEqual(['0.10', '0.20']);
    expect(priceLines([{ sku: 'A', quantity: 7, unitPrice: '0.07' }], 'EUR').totals).toEqual({
      currency: 'EUR',
      subtotal: '0.49',
      total: '0.49',
      refunded: '0.00',
    });
  });

  it('stays exact at a large quantity and price (v1 pricing, below the money maximum)', () => {
    const { totals } = priceLines([{ sku: 'A', quantity: 100_000, unitPrice: '99999.99' }], 'TRY');
    expect(totals.total).toBe('9999999000.00');
  });

  it('refuses a price that is not a two-decimal amount instead of guessing', () => {
    expect(() => priceLines([{ sku: 'A', quantity: 1, unitPrice: '1.005' }], 'TRY')).toThrow(RangeError);
    expect(() => priceLines([{ sku: 'A', quantity: 1, unitPrice: '-1' }], 'TRY')).toThrow(RangeError);
  });
});

describe('carrier events', () => {
  it('map picked_up and in_transit to shipped, delivered to delivered, returned_to_sender to return_pending', () => {
    expect(carrierTarget('picked_up')).toBe('shipped');
    expect(carrierTarget('in_transit')).toBe('shipped');
    expect(carrierTarget('delivered')).toBe('delivered');
    expect(carrierTarget('returned_to_sender')).toBe('return_pending');
    expect(carrierTarget('delivery_failed')).toBeNull();
  });

  it('treat a late in_transit or picked_up after delivered as stale', () => {
    expect(isStaleCarrierEvent('delivered', 'in_transit')).toBe(true);
    expect(isStaleCarrierEvent('delivered', 'picked_up')).toBe(true);
    expect(isStaleCarrierEvent('return_pending', 'in_transit')).toBe(true);
    expect(isStaleCarrierEvent('return_completed', 'delivered')).toBe(true);
  });

  it('treat a repeat of the status the order already has as stale', () => {
    expect(isStaleCarrierEvent('shipped', 'picked_up')).toBe(true);
    expect(isStaleCarrierEvent('shipped', 'in_transit')).toBe(true);
    expect(isStaleCarrierEvent('delivered', 'delivered')).toBe(true);
  });

  it('accept events that move the parcel forward, including a delivered scan without a pick-up scan', () => {
    expect(isStaleCarrierEvent('picking', 'picked_up')).toBe(false);
    expect(isStaleCarrierEvent('picking', 'in_transit')).toBe(false);
    expect(isStaleCarrierEvent('picking', 'delivered')).toBe(false);
    expect(isStaleCarrierEvent('shipped', 'delivered')).toBe(false);
  });

  it('accept delivery_failed and returned_to_sender only while the parcel is on its way', () => {
    for (const event of ['delivery_failed', 'returned_to_sender'] as const) {
      expect(isStaleCarrierEvent('picking', event)).toBe(false);
      expect(isStaleCarrierEvent('shipped', event)).toBe(false);
      expect(isStaleCarrierEvent('delivered', event)).toBe(true);
      expect(isStaleCarrierEvent('return_pending', event)).toBe(true);
    }
  });

  it('treat every event for a canceled order as stale', () => {
    const events: CarrierEventStatus[] = [
      'picked_up',
      'in_transit',
      'delivered',
      'delivery_failed',
      'returned_to_sender',
    ];
    for (const event of events) expect(isStaleCarrierEvent('canceled', event)).toBe(true);
  });
});

describe('returnRequestProblem', () => {
  const lines = [line('SKU-1', 2, '149.90'), line('SKU-2', 3, '10.00', 1)];

  it('accepts delivered lines within what is left to return', () => {
    expect(returnRequestProblem(lines, [{ sku: 'SKU-1', quantity: 2 }])).toBeNull();
    expect(
      returnRequestProblem(lines, [
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-2', quantity: 2 },
      ]),
    ).toBeNull();
  });

  it('refuses an empty request', () => {
    expect(returnRequestProblem(lines, [])).toBe('a return needs at least one line');
  });

  it('refuses a SKU that is not on the order, naming the line', () => {
    expect(returnRequestProblem(lines, [{ sku: 'SKU-9', quantity: 1 }])).toBe('lines[0].sku SKU-9 is not on the order');
  });

  it('refuses a SKU listed twice', () => {
    expect(
      returnRequestProblem(lines, [
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-1', quantity: 1 },
      ]),
    ).toBe('lines[1].sku SKU-1 appears twice');
  });

  it.each([0, -1, 1.5])('refuses quantity %p', (quantity) => {
    expect(returnRequestProblem(lines, [{ sku: 'SKU-1', quantity }])).toBe(
      'lines[0].quantity must be a positive integer',
    );
  });

  it('refuses more than was delivered, counting what was already returned', () => {
    expect(returnRequestProblem(lines, [{ sku: 'SKU-1', quantity: 3 }])).toBe(
      'lines[0].quantity 3 exceeds the 2 delivered and not yet returned',
    );
    // SKU-2: 3 delivered, 1 already returned, so 2 are left
    expect(returnRequestProblem(lines, [{ sku: 'SKU-2', quantity: 3 }])).toBe(
      'lines[0].quantity 3 exceeds the 2 delivered and not yet returned',
    );
  });
});

describe('decideRefund', () => {
  const lines = [line('SKU-1', 3, '33.33'), line('SKU-2', 2, '149.90')];

  it('refunds and restocks sellable items in full', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-1', quantity: 3 }],
      [{ sku: 'SKU-1', quantity: 3, condition: 'sellable' }],
      undefined,
    );
    expect(decision).toEqual({
      refund: [{ sku: 'SKU-1', quantity: 3, amount: '99.99' }],
      restock: [{ sku: 'SKU-1', quantity: 3 }],
      undecided: [],
      amount: '99.99',
    });
  });

  it('leaves damaged items undecided (no refund, no restock) until an operator decides', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-2', quantity: 1 }],
      [{ sku: 'SKU-2', quantity: 1, condition: 'damaged' }],
      undefined,
    );
    expect(decision).toEqual({ refund: [], restock: [], undecided: [{ sku: 'SKU-2', quantity: 1 }], amount: '0.00' });
  });

  it('refunds approved damaged items but never restocks them', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-2', quantity: 2 }],
      [{ sku: 'SKU-2', quantity: 2, condition: 'damaged' }],
      true,
    );
    expect(decision).toEqual({
      refund: [{ sku: 'SKU-2', quantity: 2, amount: '299.80' }],
      restock: [],
      undecided: [],
      amount: '299.80',
    });
  });

  it('refunds nothing for declined damaged items and leaves nothing undecided', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-2', quantity: 2 }],
      [{ sku: 'SKU-2', quantity: 2, condition: 'damaged' }],
      false,
    );
    expect(decision).toEqual({ refund: [], restock: [], undecided: [], amount: '0.00' });
  });

  it('splits a mixed return: sellable refunded and restocked, damaged per the decision', () => {
    const requested = [
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 2 },
    ];
    const received = [
      { sku: 'SKU-1', quantity: 2, condition: 'sellable' as const },
      { sku: 'SKU-2', quantity: 1, condition: 'sellable' as const },
      { sku: 'SKU-2', quantity: 1, condition: 'damaged' as const },
    ];
    const undecided = decideRefund(lines, requested, received, undefined);
    expect(undecided.amount).toBe('216.56'); // 2 x 33.33 + 1 x 149.90
    expect(undecided.restock).toEqual([
      { sku: 'SKU-1', quantity: 2 },
      { sku: 'SKU-2', quantity: 1 },
    ]);
    expect(undecided.undecided).toEqual([{ sku: 'SKU-2', quantity: 1 }]);

    const approved = decideRefund(lines, requested, received, true);
    expect(approved.amount).toBe('366.46'); // + 149.90 for the damaged unit
    expect(approved.refund).toEqual([
      { sku: 'SKU-1', quantity: 2, amount: '66.66' },
      { sku: 'SKU-2', quantity: 2, amount: '299.80' },
    ]);
    expect(approved.restock).toEqual(undecided.restock);

    const declined = decideRefund(lines, requested, received, false);
    expect(declined.amount).toBe('216.56');
    expect(declined.undecided).toEqual([]);
  });

  it('caps an over-counted warehouse report at what the return asked for', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-1', quantity: 1 }],
      [{ sku: 'SKU-1', quantity: 3, condition: 'sellable' }],
      undefined,
    );
    expect(decision.refund).toEqual([{ sku: 'SKU-1', quantity: 1, amount: '33.33' }]);
    expect(decision.restock).toEqual([{ sku: 'SKU-1', quantity: 1 }]);
    expect(decision.amount).toBe('33.33');
  });

  it('caps across several received entries of one SKU, first come first counted', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-2', quantity: 1 }],
      [
        { sku: 'SKU-2', quantity: 1, condition: 'sellable' },
        { sku: 'SKU-2', quantity: 1, condition: 'damaged' },
      ],
      undefined,
    );
    expect(decision).toEqual({
      refund: [{ sku: 'SKU-2', quantity: 1, amount: '149.90' }],
      restock: [{ sku: 'SKU-2', quantity: 1 }],
      undecided: [],
      amount: '149.90',
    });
  });

  it('ignores received items that were not part of the return', () => {
    const decision = decideRefund(
      lines,
      [{ sku: 'SKU-1', quantity: 1 }],
      [
        { sku: 'SKU-1', quantity: 1, condition: 'sellable' },
        { sku: 'SKU-2', quantity: 2, condition: 'sellable' },
        { sku: 'SKU-9', quantity: 5, condition: 'sellable' },
      ],
      true,
    );
    expect(decision.refund).toEqual([{ sku: 'SKU-1', quantity: 1, amount: '33.33' }]);
    expect(decision.restock).toEqual([{ sku: 'SKU-1', quantity: 1 }]);
  });

  it('refunds nothing when fewer items arrived than were announced, and only for what arrived', () => {
    expect(decideRefund(lines, [{ sku: 'SKU-1', quantity: 3 }], [], undefined).amount).toBe('0.00');
    const partial = decideRefund(
      lines,
      [{ sku: 'SKU-1', quantity: 3 }],
      [{ sku: 'SKU-1', quantity: 1, condition: 'sellable' }],
      undefined,
    );
    expect(partial.amount).toBe('33.33');
  });
});

describe('paymentStatusAfterRefund', () => {
  it('keeps the current status while nothing was refunded', () => {
    expect(paymentStatusAfterRefund(29980, 0, 'captured')).toBe('captured');
    expect(paymentStatusAfterRefund(29980, 0, 'not_required')).toBe('not_required');
  });

  it('is partially_refunded below the total and refunded at (or, defensively, above) it', () => {
    expect(paymentStatusAfterRefund(29980, 14990, 'captured')).toBe('partially_refunded');
    expect(paymentStatusAfterRefund(29980, 29979, 'partially_refunded')).toBe('partially_refunded');
    expect(paymentStatusAfterRefund(29980, 29980, 'partially_refunded')).toBe('refunded');
    expect(paymentStatusAfterRefund(29980, 30000, 'captured')).toBe('refunded');
  });
});

describe('paymentMismatch', () => {
  const totals = { total: '299.80', currency: 'TRY' };

  test('the total in the order currency, written either way, or no amount at all, is the payment', () => {
    expect(paymentMismatch({ amount: '299.80', currency: 'TRY' }, totals)).toBeNull();
    expect(paymentMismatch({ amount: '299.8' }, totals)).toBeNull();
    expect(paymentMismatch({}, totals)).toBeNull();
  });

  test('less, more or another currency is named with both sides', () => {
    expect(paymentMismatch({ amount: '299.79', currency: 'TRY' }, totals)).toBe(
      'paid 299.79 TRY, the order total is 299.80 TRY',
    );
    expect(paymentMismatch({ amount: '300' }, totals)).toBe('paid 300.00 TRY, the order total is 299.80 TRY');
    expect(paymentMismatch({ amount: '299.80', currency: 'EUR' }, totals)).toBe('paid in EUR, the order is in TRY');
  });
});
