// The console's formatters (console/format.js), as the browser runs them: money in the Turkish style from the API's
// decimal strings without floating point, sums of money, relative times.
import { formatMoney, formatTime, fromMinor, relativeTime, sumMoney, toMinor } from '../../console/format.js';

describe('console money formatting', () => {
  test.each([
    ['1234.56', '1.234,56 TRY'],
    ['1234.5', '1.234,50 TRY'],
    ['0.10', '0,10 TRY'],
    ['7', '7,00 TRY'],
    ['-24.99', '-24,99 TRY'],
    ['1234567.89', '1.234.567,89 TRY'],
    // past 2^53 kuruş a float would lose the last digit
    ['123456789012345.67', '123.456.789.012.345,67 TRY'],
  ])('%s → %s', (amount, shown) => {
    expect(formatMoney(amount, 'TRY')).toBe(shown);
  });

  test('names the currency it is given and shows a non-amount as it came', () => {
    expect(formatMoney('10.00', 'EUR')).toBe('10,00 EUR');
    expect(formatMoney('abc', 'TRY')).toBe('abc TRY');
    expect(formatMoney('1.234', 'TRY')).toBe('1.234 TRY');
  });

  test('sums decimal strings exactly in kuruş', () => {
    // 0.1 + 0.2 is 0.30000000000000004 in floating point
    expect(sumMoney(['0.10', '0.20'])).toBe('0.30');
    expect(sumMoney(['289.83', '-24.99', 'x'])).toBe('264.84');
    expect(sumMoney([])).toBe('0.00');
    expect(toMinor('12.3')).toBe(1230n);
    expect(fromMinor(-5n)).toBe('-0.05');
  });
});

describe('console times', () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  test.each([
    ['2026-12-03T11:59:30Z', 'just now'],
    ['2026-12-03T11:55:00Z', '5 min ago'],
    ['2026-12-03T08:58:00Z', '3 h 2 min ago'],
    ['2026-12-01T10:00:00Z', '2 d 2 h ago'],
    ['2026-12-03T13:00:00Z', 'in 1 h'],
  ])('%s is %s', (iso, shown) => {
    expect(relativeTime(iso, now)).toBe(shown);
  });

  test('shows a time in Istanbul (UTC+3), day before month', () => {
    // The exact day padding is ICU's business; the hour is the point.
    expect(formatTime('2026-12-03T09:05:09Z')).toMatch(/^0?3\.12\.2026 12:05:09$/);
  });
});
