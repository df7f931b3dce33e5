// Money is a decimal string on the wire and integer minor units (kuruş, cents) in arithmetic,
// so totals and refunds never pick up floating-point error.

const MONEY = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/** Parses '149.90' into 14990; throws on anything that is not a non-negative decimal with ≤ 2 decimals. */
export function toMinor(amount: string): number {
  const match = MONEY.exec(amount);
  if (!match) throw new RangeError(`not a money amount: '${amount}'`);
  const whole = Number(match[1]);
  const fraction = (match[2] ?? '').slice(1).padEnd(2, '0');
  return whole * 100 + Number(fraction);
}

/** Formats minor units as a decimal string with exactly two decimals. */
export function fromMinor(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor < 0) throw new RangeError(`not a money amount in minor units: ${minor}`);
  const whole = Math.floor(minor / 100);
  const fraction = String(minor % 100).padStart(2, '0');
  return `${whole}.${fraction}`;
}

/** True for a decimal string the API accepts as money. */
export function isMoney(amount: string): boolean {
  return MONEY.test(amount);
}

/**
 * The largest amount anything may be: a unit price, a line total, an order total, a refund. It is what the
 * database's numeric(14,2) money columns hold, and far below 2^53 minor units, so arithmetic stays exact.
 */
export const MAX_MONEY_MINOR = 99_999_999_999_999;
/** MAX_MONEY_MINOR as the API writes it. */
export const MAX_MONEY = '999999999999.99';
