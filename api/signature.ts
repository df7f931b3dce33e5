// Callback authentication: `X-OMS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
// The timestamp is inside the MAC, so a captured request cannot be replayed after the tolerance window.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-OMS-Signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function mac(secret: string, t: number, body: string | Buffer): Buffer {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

/** Builds the header value a sender attaches; used by tests, the bench, the simulators and the docs. */
export function signCallback(secret: string, body: string | Buffer, t: number = nowSeconds()): string {
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'stale' | 'mismatch' };

/**
 * Verifies a signature over the exact bytes received (re-serialised JSON would not match).
 * Several `v1=` entries are accepted so a sender can sign with old and new secret during rotation.
 */
export function verifyCallbackSignature(
  secret: string,
  header: string | undefined,
  rawBody: Buffer,
  options: { now?: number; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  let t: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  // Both ways: a timestamp from the future is as suspicious as an old one (clock skew within tolerance is fine).
  if (Math.abs((options.now ?? nowSeconds()) - t) > tolerance) return { ok: false, reason: 'stale' };
  const expected = mac(secret, t, rawBody);
  // Every candidate is compared (no early exit) in constant time; all are 32 bytes by the regex above.
  let matched = false;
  for (const candidate of candidates) if (timingSafeEqual(candidate, expected)) matched = true;
  return matched ? { ok: true } : { ok: false, reason: 'mismatch' };
}
