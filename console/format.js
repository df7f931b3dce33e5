// Pure formatting for the console: money, sums of money and relative times. No DOM, no globals, so the unit tests run
// it as it is (test/unit/console-format.test.ts). Amounts are the API's decimal strings ("1234.5", "-0.10"); they are
// handled as whole kuruş in BigInt and never pass through a floating-point number.

const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;
/** Groups the integer part the Turkish way (1.234.567); Intl formats a BigInt exactly. */
const GROUPS = new Intl.NumberFormat('tr-TR', { useGrouping: true, maximumFractionDigits: 0 });

/** "1234.5" → 123450n (minor units); null for anything that is not a decimal amount with at most 2 decimals. */
export function toMinor(amount) {
  const match = MONEY.exec(String(amount ?? '').trim());
  if (match === null) return null;
  const [, sign, whole, fraction = ''] = match;
  const minor = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0'));
  return sign ? -minor : minor;
}

/** 123450n → "1234.50". */
export function fromMinor(minor) {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** "1234.5", "TRY" → "1.234,50 TRY"; an amount that is not one is shown as it came, so nothing is hidden. */
export function formatMoney(amount, currency = 'TRY') {
  const minor = toMinor(amount);
  if (minor === null) return `${String(amount ?? '')} ${currency}`.trim();
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const whole = GROUPS.format(abs / 100n);
  return `${negative ? '-' : ''}${whole},${String(abs % 100n).padStart(2, '0')} ${currency}`;
}

/** Sum of decimal amounts as a decimal string ("0.00" for none); amounts that are not money are skipped. */
export function sumMoney(amounts) {
  let total = 0n;
  for (const amount of amounts) total += toMinor(amount) ?? 0n;
  return fromMinor(total);
}

const UNITS = [
  ['d', 86_400],
  ['h', 3_600],
  ['min', 60],
];

/** "3 h 5 min ago" for an ISO time `now` minus something; "just now" under a minute; "in …" for the future. */
export function relativeTime(iso, now = Date.now()) {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const seconds = Math.round((now - then) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return 'just now';
  const parts = [];
  let rest = abs;
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0 || parts.length > 0) {
      if (n > 0) parts.push(`${n} ${unit}`);
      rest -= n * size;
    }
    if (parts.length === 2) break;
  }
  return seconds >= 0 ? `${parts.join(' ')} ago` : `in ${parts.join(' ')}`;
}

/** An ISO time as Istanbul's local date and time, e.g. "03.12.2026 12:05:09". */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return date.toLocaleString('tr-TR', { timeZone: 'Europe/Istanbul', dateStyle: 'short', timeStyle: 'medium' });
}
