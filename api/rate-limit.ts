// A per-key fixed-window limiter kept in memory. One API process is the unit here; a shared limiter
// (Redis, gateway) would replace this when the API is scaled out.
import type { RequestHandler } from 'express';
import { bearerToken } from './auth';
import { ApiError } from './errors';

export interface RateLimitOptions {
  /** Requests per key per window; 0 turns the limiter off. */
  max: number;
  windowMs?: number;
  now?: () => number;
}

/** 429 once a key (bearer token, else client address) exceeds `max` requests in the current window. */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  const windowMs = options.windowMs ?? 60_000;
  const now = options.now ?? Date.now;
  let windowStart = now();
  // Reset wholesale each window: memory stays bounded by the keys seen in one window.
  let counts = new Map<string, number>();

  return (req, res, next) => {
    if (options.max <= 0) {
      next();
      return;
    }
    const t = now();
    if (t - windowStart >= windowMs) {
      windowStart = t - ((t - windowStart) % windowMs);
      counts = new Map();
    }
    const token = bearerToken(req.get('authorization'));
    const key = token !== undefined ? `key:${token}` : `ip:${req.ip ?? 'unknown'}`;
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
}
