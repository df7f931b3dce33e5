// The limiter's bucket keys and memory (security review D5): a verified principal has one bucket whatever token
// form it sends, requests without a valid key share their address's bucket, and the number of buckets a window
// holds is capped however many tokens or addresses arrive.
import type { Request, Response } from 'express';
import type { Principal } from '../../api/auth';
import { ApiError } from '../../api/errors';
import { rateLimit } from '../../api/rate-limit';

const principals: Record<string, Principal> = {
  'good-webstore-key': { kind: 'channel', channel: 'webstore', actor: 'channel:webstore' },
};
const keys = { resolve: (token: string) => principals[token] ?? null };

/** Sends one request through the limiter; answers 'ok' or the error code it threw. */
function send(limiter: ReturnType<typeof rateLimit>, request: { token?: string; ip?: string }): string {
  const req = {
    ip: request.ip ?? '10.0.0.1',
    get: (name: string) => (name === 'authorization' && request.token ? `Bearer ${request.token}` : undefined),
  } as unknown as Request;
  const res = { set: () => res } as unknown as Response;
  let passed = false;
  try {
    limiter(req, res, () => (passed = true));
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return passed ? 'ok' : 'stopped';
}

describe('rateLimit', () => {
  it('puts every unknown token from one address in that address bucket', () => {
    const limiter = rateLimit({ max: 30, keys });
    const answers = Array.from({ length: 60 }, (_, i) => send(limiter, { token: `guess-${i}` }));
    expect(answers).toEqual([...Array<string>(30).fill('ok'), ...Array<string>(30).fill('rate_limited')]);
    expect(limiter.buckets()).toBe(1);
  });

  it('keeps a verified principal apart from the guessers on its address', () => {
    const limiter = rateLimit({ max: 3, keys });
    for (let i = 0; i < 10; i++) send(limiter, { token: `guess-${i}` });
    expect([1, 2, 3, 4].map(() => send(limiter, { token: 'good-webstore-key' }))).toEqual([
      'ok',
      'ok',
      'ok',
      'rate_limited',
    ]);
    // Another address: same principal, same bucket.
    expect(send(limiter, { token: 'good-webstore-key', ip: '10.0.0.2' })).toBe('rate_limited');
    expect(limiter.buckets()).toBe(2);
  });

  it('holds at most maxAddresses address buckets per window (plus one they overflow into)', () => {
    const limiter = rateLimit({ max: 1000, keys, maxAddresses: 500 });
    for (let i = 0; i < 20_000; i++) send(limiter, { token: `x${'y'.repeat(100)}${i}`, ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}` });
    expect(limiter.buckets()).toBe(501);
    // The known principal still gets its own bucket when the addresses are full.
    expect(send(limiter, { token: 'good-webstore-key' })).toBe('ok');
    expect(limiter.buckets()).toBe(502);
  });

  it('starts every window empty', () => {
    let now = 0;
    const limiter = rateLimit({ max: 1, keys, windowMs: 1000, now: () => now });
    expect([send(limiter, {}), send(limiter, {})]).toEqual(['ok', 'rate_limited']);
    now = 1000;
    expect(send(limiter, {})).toBe('ok');
    expect(limiter.buckets()).toBe(1);
  });
});
