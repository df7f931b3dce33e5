// Money is a decimal string on the wire and integer minor units in arithmetic: these tests pin the conversions
// that every total, refund and invoice amount goes through, and that they never pick up float error.
import { MONEY_PATTERN } from '../../contract/schemas';
import { fromMinor, isMoney, toMinor } from '../../domain/money';

describe('toMinor', () => {
  it.each([
    ['149.90', 14990],
    ['149.9', 14990],
    ['0.1', 10],
    ['0.01', 1],
    ['0', 0],
    ['0.00', 0],
    ['7', 700],
    ['1000000', 100_000_000],
    ['999999999999.99', 99_999_999_999_999],
  ])('reads %s as %i minor units', (amount, minor) => {
    expect(toMinor(amount)).toBe(minor);
  });

  it.each([
    '',
    ' 1.00',
    '1.00 ',
    '-1.00',
    '+1',
    '1.234',
    '1.',
    '.5',
    '01.00',
    '1,50',
    '1e3',
    'NaN',
    '0x10',
    '1000000000000',
  ])('refuses %j with a RangeError naming the amount', (amount) => {
    expect(() => toMinor(amount)).toThrow(RangeError);
    expect(() => toMinor(amount)).toThrow(`'${amount}'`);
  });
});

describe('fromMinor', () => {
  it.each([
    [14990, '149.90'],
    [5, '0.05'],
    [50, '0.50'],
    [0, '0.00'],
    [100, '1.00'],
    [99_999_999_999_999, '999999999999.99'],
  ])('formats %i as %s, always with two decimals', (minor, amount) => {
    expect(fromMinor(minor)).toBe(amount);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])('refuses %p', (minor) => {
    expect(() => fromMinor(minor)).toThrow(RangeError);
  });

  it('round-trips every amount from 0.00 to 20.00 and back to its two-decimal form', () => {
    for (let minor = 0; minor <= 2000; minor++) {
      const amount = fromMinor(minor);
      expect(toMinor(amount)).toBe(minor);
      expect(isMoney(amount)).toBe(true);
    }
  });
});

describe('arithmetic in minor units', () => {
  it('adds 0.1 and 0.2 to exactly 0.30, where floats give 0.30000000000000004', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(fromMinor(toMinor('0.1') + toMinor('0.2'))).toBe('0.30');
  });

  it('multiplies 3 x 33.33 to exactly 99.99 and 7 x 0.07 to 0.49', () => {
    expect(fromMinor(toMinor('33.33') * 3)).toBe('99.99');
    expect(fromMinor(toMinor('0.07') * 7)).toBe('0.49');
    expect(String(0.07 * 7)).not.toBe('0.49'); // why the conversion exists
  });

  it('sums a thousand 0.01 amounts to 10.00', () => {
    let minor = 0;
    for (let i = 0; i < 1000; i++) minor += toMinor('0.01');
    expect(fromMinor(minor)).toBe('10.00');
  });
});

describe('isMoney', () => {
  const samples = [
    '0',
    '0.5',
    '0.50',
    '10',
    '149.90',
    '999999999999.99',
    '',
    '-1',
    '1.999',
    '00',
    '01',
    '1.',
    '.1',
    'abc',
    ' 1',
  ];

  it.each(samples)('agrees with the API schema pattern on %j', (amount) => {
    // The API validates with MONEY_PATTERN and the workflow computes with toMinor: they must accept the same strings.
    expect(isMoney(amount)).toBe(MONEY_PATTERN.test(amount));
  });

  it('is true exactly when toMinor accepts the amount', () => {
    for (const amount of samples) {
      let parsed = true;
      try {
        toMinor(amount);
      } catch {
        parsed = false;
      }
      expect(isMoney(amount)).toBe(parsed);
    }
  });
});
