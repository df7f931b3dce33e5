// A fixed-window limiter kept in memory. One API process is the unit here; a shared limiter
// (Redis, gateway) would replace this when the API is scaled out.
import type { RequestHandler } from 'express';
import { type KeyRing, bearerToken } from './auth';
import { ApiError } from './errors';

export interface RateLimitOptions {
  /** Requests per principal (or client address) per window; 0 turns the limiter off. */
  max: number;
  /** Resolves a bearer token to its channel or operator; without it every request counts by address. */
  keys?: Pick<KeyRing, 'resolve'>;
  windowMs?: number;
  /** Distinct client addresses tracked per window; past it, new addresses share one bucket. */
  maxAddresses?: number;
  now?: () => number;
}

/** The limiter, plus how many buckets the current window holds (memory is bounded by it). */
export type RateLimiter = RequestHandler & { buckets(): number };

const OVERFLOW_BUCKET = 'ip:(overflow)';

/**
 * 429 once a verified principal, or else the client address, exceeds `max` requests in the current window.
 * Keyed by who the key belongs to rather than the raw token: a guesser who sends a new token every time
 * shares its address's bucket, and the map holds one entry per principal or address, never per token.
 */
export function rateLimit(options: RateLimitOptions): RateLimiter {
  const windowMs = options.windowMs ?? 60_000;
  const maxAddresses = options.maxAddresses ?? 10_000;
  const now = options.now ?? Date.now;
  let windowStart = now();
  // Reset wholesale each window: memory stays bounded by the principals and addresses of one window.
  let counts = new Map<string, number>();
  let addresses = 0;

  const bucketOf = (token: string | undefined, address: string): string => {
    const principal = token === undefined ? null : (options.keys?.resolve(token) ?? null);
    // Principals are few (the configured keys), so only addresses need a cap.
    if (principal !== null) return `principal:${principal.actor}`;
    const key = `ip:${address}`;
    if (counts.has(key)) return key;
    if (addresses >= maxAddresses) return OVERFLOW_BUCKET;
    addresses += 1;
    return key;
  };

  const limiter: RequestHandler = (req, res, next) => {
    if (options.max <= 0) {
      next();
      return;
    }
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t - ((t - windowStart) % windowMs);
      counts = new Map();
      addresses = 0;
    }
    const key = bucketOf(bearerToken(req.get('authorization')), req.ip ?? 'unknown');
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    const resetSeconds = Math.ceil((windowStart + windowMs - t) / 1000);
    res.set('RateLimit-Limit', String(options.max));
    res.set('RateLimit-Remaining', String(Math.max(0, options.max - count)));
    res.set('RateLimit-Reset', String(resetSeconds));
    if (count > options.max) {
      res.set('Retry-After', String(resetSeconds));
      throw new ApiError('rate_limited', `Too many requests; retry in ${resetSeconds} s`);
    }
    next();
  };
  return Object.assign(limiter, { buckets: () => counts.size });
}
