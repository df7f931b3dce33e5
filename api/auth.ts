// Bearer-key authentication. Keys are looked up by their SHA-256 digest, so the lookup time does not
// depend on how much of a guessed key matches a real one.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { AppConfig } from '../workers/config';
import { ApiError } from './errors';

export type Principal =
  { kind: 'channel'; channel: string; actor: string } | { kind: 'operator'; name: string; actor: string };

/** Which keys a route accepts: channel or operator keys, or operator keys only. */
export type Access = 'any' | 'operator';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `authenticate` on routes that need a key. */
      principal?: Principal;
      /** Validated params/query/body; Express 5's `req.query` is a read-only getter, so they live here. */
      validated?: { params?: unknown; query?: unknown; body?: unknown };
    }
  }
}

const digest = (key: string) => createHash('sha256').update(key).digest('hex');

/** Resolves bearer keys to the channel or operator they belong to. */
export class KeyRing {
  private readonly byDigest = new Map<string, Principal>();

  constructor(config: Pick<AppConfig, 'apiKeys' | 'operatorKeys'>) {
    for (const [channel, key] of Object.entries(config.apiKeys)) {
      this.byDigest.set(digest(key), { kind: 'channel', channel, actor: `channel:${channel}` });
    }
    for (const { name, key } of config.operatorKeys) {
      this.byDigest.set(digest(key), { kind: 'operator', name, actor: `operator:${name}` });
    }
  }

  resolve(key: string): Principal | null {
    return this.byDigest.get(digest(key)) ?? null;
  }
}

/** The raw bearer token, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** 401 without a known key, 403 when the key may not use the route. */
export function authenticate(keys: KeyRing, access: Access): RequestHandler {
  return (req, res, next) => {
    const token = bearerToken(req.get('authorization'));
    const principal = token === undefined ? null : keys.resolve(token);
    if (principal === null) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new ApiError(
        'unauthorized',
        token === undefined ? 'Missing "Authorization: Bearer <key>" header' : 'Unknown API key',
      );
    }
    if (access === 'operator' && principal.kind !== 'operator') {
      throw new ApiError('forbidden', 'This action needs an operator key');
    }
    req.principal = principal;
    next();
  };
}

/** For handlers behind `authenticate`: the principal is always there. */
export function principalOf(req: { principal?: Principal | undefined }): Principal {
  if (req.principal === undefined) throw new Error('route is missing authenticate()');
  return req.principal;
}
