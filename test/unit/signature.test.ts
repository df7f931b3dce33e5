import { createHmac } from 'node:crypto';
import { signCallback, verifyCallbackSignature } from '../../api/signature';

const secret = 'test-webhook-secret-123';
const body = JSON.stringify({ eventId: 'evt-1', orderId: 'webstore:A-1', type: 'captured', amount: '299.80' });
const now = 1_750_000_000;

describe('callback signatures', () => {
  it('is HMAC-SHA256 over "<t>.<raw body>" in hex, as documented for senders', () => {
    const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
    expect(signCallback(secret, body, now)).toBe(`t=${now},v1=${expected}`);
  });

  it('accepts what signCallback produced, for strings and raw bytes alike', () => {
    const utf8 = JSON.stringify({ name: 'Ayşe Yılmaz', city: 'İstanbul' });
    expect(verifyCallbackSignature(secret, signCallback(secret, body, now), Buffer.from(body), { now })).toEqual({
      ok: true,
    });
    expect(
      verifyCallbackSignature(secret, signCallback(secret, utf8, now), Buffer.from(utf8, 'utf8'), { now }),
    ).toEqual({
      ok: true,
    });
  });

  it('accepts up to 300 s of skew either way and refuses beyond', () => {
    const check = (t: number) =>
      verifyCallbackSignature(secret, signCallback(secret, body, t), Buffer.from(body), { now });
    expect(check(now - 300)).toEqual({ ok: true });
    expect(check(now + 300)).toEqual({ ok: true });
    expect(check(now - 301)).toEqual({ ok: false, reason: 'stale' });
    expect(check(now + 301)).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses a tampered body, a moved timestamp, a wrong secret or an altered MAC', () => {
    const header = signCallback(secret, body, now);
    const raw = Buffer.from(body);
    expect(verifyCallbackSignature(secret, header, Buffer.from(body.replace('299.80', '999.80')), { now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyCallbackSignature(secret, header.replace(`t=${now}`, `t=${now + 1}`), raw, { now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    expect(verifyCallbackSignature('another-secret-value', header, raw, { now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
    const lastHex = header.at(-1) === '0' ? '1' : '0';
    expect(verifyCallbackSignature(secret, header.slice(0, -1) + lastHex, raw, { now })).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('tells a missing header from a malformed one', () => {
    const raw = Buffer.from(body);
    expect(verifyCallbackSignature(secret, undefined, raw, { now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyCallbackSignature(secret, '', raw, { now })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyCallbackSignature(secret, 'sha256=abc', raw, { now })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyCallbackSignature(secret, `t=${now}`, raw, { now })).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyCallbackSignature(secret, `t=soon,v1=${'a'.repeat(64)}`, raw, { now })).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('accepts any of several v1 entries, so a sender can rotate its secret without downtime', () => {
    const good = signCallback(secret, body, now).split(',')[1];
    const old = signCallback('the-previous-secret', body, now).split(',')[1];
    expect(verifyCallbackSignature(secret, `t=${now},${old},${good}`, Buffer.from(body), { now })).toEqual({
      ok: true,
    });
  });
});
