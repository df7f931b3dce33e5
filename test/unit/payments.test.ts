// The money rules of the order workflow v2: pricing that refuses past the one money maximum instead of throwing,
// the refund route per payment method, a foreign-currency payment's share, and the payment status derived from
// the ledger.
import type { LedgerEntry } from '../../contract/types';
import { MAX_MONEY, MAX_MONEY_MINOR, fromMinor } from '../../domain/money';
import { durationMs, paymentStatusOf, priceOrder, refundRoute, refundedInOrderCurrency, shareOfPayment } from '../../domain/payments';

const entry = (kind: LedgerEntry['kind'], amount: string, currency = 'TRY', state: LedgerEntry['state'] = 'done'): LedgerEntry => ({
  kind,
  amount,
  currency,
  state,
  at: '2026-12-02T00:00:00.000Z',
});

describe('priceOrder', () => {
  it('is exact at the largest allowed quantity and the largest total', () => {
    // the largest quantity at a price whose total stays below the maximum, and one line at exactly the maximum
    const priced = priceOrder([{ sku: 'A', quantity: 100_000, unitPrice: '999999.99' }], 'TRY');
    expect(priced).toMatchObject({ ok: true, totals: { total: '99999999000.00' } });
    const atMax = priceOrder([{ sku: 'A', quantity: 1, unitPrice: MAX_MONEY }], 'TRY');
    expect(atMax).toMatchObject({ ok: true, totals: { total: MAX_MONEY } });
    expect(fromMinor(MAX_MONEY_MINOR)).toBe(MAX_MONEY);
  });

  it('refuses, naming the line, a line total past the maximum (without throwing)', () => {
    const priced = priceOrder([{ sku: 'A', quantity: 100_000, unitPrice: '999999999999.99' }], 'TRY');
    expect(priced).toMatchObject({ ok: false, problem: `lines[0] totals more than ${MAX_MONEY}`, totals: { total: '0.00' } });
  });

  it('refuses an order total past the maximum made of lines that are each within it', () => {
    const line = { sku: 'A', quantity: 1, unitPrice: MAX_MONEY };
    const priced = priceOrder([line, { ...line, sku: 'B' }], 'TRY');
    expect(priced).toMatchObject({ ok: false, problem: `the order totals more than ${MAX_MONEY}` });
  });

  it('refuses a malformed price or quantity instead of throwing', () => {
    expect(priceOrder([{ sku: 'A', quantity: 1, unitPrice: '1.005' }], 'TRY')).toMatchObject({ ok: false, problem: expect.stringContaining('lines[0].unitPrice') });
    expect(priceOrder([{ sku: 'A', quantity: 0, unitPrice: '1.00' }], 'TRY')).toMatchObject({ ok: false, problem: 'lines[0].quantity must be a positive integer' });
  });
});

describe('refundRoute', () => {
  it('pays back the way the money came, and nothing that was never collected', () => {
    expect(refundRoute('card', 'customer')).toBe('provider');
    expect(refundRoute('bank_transfer', 'returned_to_sender')).toBe('provider');
    expect(refundRoute('marketplace', 'customer')).toBe('marketplace');
    expect(refundRoute('cash_on_delivery', 'customer')).toBe('manual');
    expect(refundRoute('cash_on_delivery', 'returned_to_sender')).toBe('none');
  });
});

describe('shareOfPayment', () => {
  it('refunds the same share of a payment in another currency, rounded down, never more than is left', () => {
    expect(shareOfPayment(1000, 14990, 30985, 0)).toBe(483); // 10.00 EUR for 149.90 of 309.85 TRY
    expect(shareOfPayment(1000, 30985, 30985, 0)).toBe(1000); // all of it
    expect(shareOfPayment(1000, 30985, 30985, 483)).toBe(517); // what is left after an earlier refund
    expect(shareOfPayment(1000, 100, 0, 0)).toBe(0);
  });
});

describe('paymentStatusOf', () => {
  it('follows a card payment from pending through authorization, capture and refunds', () => {
    expect(paymentStatusOf('card', [], false)).toBe('pending');
    expect(paymentStatusOf('card', [], true)).toBe('failed');
    expect(paymentStatusOf('card', [entry('authorization', '10.00')], false)).toBe('authorized');
    expect(paymentStatusOf('card', [entry('authorization', '10.00'), entry('void', '10.00')], false)).toBe('voided');
    const captured = [entry('authorization', '10.00'), entry('capture', '10.00')];
    expect(paymentStatusOf('card', captured, false)).toBe('captured');
    expect(paymentStatusOf('card', [...captured, entry('refund', '4.00')], false)).toBe('partially_refunded');
    expect(paymentStatusOf('card', [...captured, entry('refund', '4.00'), entry('refund', '6.00')], false)).toBe('refunded');
  });

  it('measures refunds in the currency that was paid', () => {
    const eur = [entry('capture', '10.00', 'EUR')];
    expect(paymentStatusOf('card', [...eur, entry('refund', '10.00', 'TRY')], false)).toBe('captured');
    expect(paymentStatusOf('card', [...eur, entry('refund', '10.00', 'EUR')], false)).toBe('refunded');
  });

  it('keeps cash on delivery not_required until money goes back, and counts only paid-out manual refunds', () => {
    expect(paymentStatusOf('cash_on_delivery', [], false)).toBe('not_required');
    const collected = [entry('capture', '10.00')];
    expect(paymentStatusOf('cash_on_delivery', [...collected, entry('manual_refund', '10.00', 'TRY', 'pending')], false)).toBe('not_required');
    expect(paymentStatusOf('cash_on_delivery', [...collected, entry('manual_refund', '10.00')], false)).toBe('refunded');
    expect(paymentStatusOf('marketplace', [entry('capture', '10.00'), entry('marketplace_refund', '3.00')], false)).toBe('partially_refunded');
  });

  it('shows refunded value in the order currency only', () => {
    expect(refundedInOrderCurrency([entry('refund', '4.00'), entry('refund', '1.00', 'EUR'), entry('manual_refund', '2.00', 'TRY', 'pending')], 'TRY')).toBe('4.00');
  });
});

describe('durationMs', () => {
  it('reads the timers\' duration strings and nothing else', () => {
    expect(durationMs('500ms')).toBe(500);
    expect(durationMs('30s')).toBe(30_000);
    expect(durationMs('2h')).toBe(7_200_000);
    expect(durationMs('1d')).toBe(86_400_000);
    expect(durationMs('soon')).toBeNaN();
  });
});
