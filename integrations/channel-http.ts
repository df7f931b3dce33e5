// One HTTP call of a stock-feed connector, with the answer's HTTP failures mapped to ChannelError kinds the same
// way for every marketplace (stock-feed.ts): 429 → rate_limited, 401/403 → auth, 404 → not_found, other 4xx →
// rejected, 5xx and network failures → unavailable. Refusals inside a 2xx are each connector's to read.
import { ChannelError } from './stock-feed';

export type FetchLike = typeof fetch;

export interface ChannelAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * How long a 429 asks to wait, from the headers when present: `Retry-After` (seconds) or `X-RateLimit-Reset`
 * (Hepsiburada §2.7, "seconds"). [choice] A reset value that looks like a Unix time (> 10^9) is read as the epoch
 * second of the reset, anything smaller as seconds from now; CONNECTORS.md does not say which HB means.
 */
export function retryAfterMs(headers: Headers, nowMs = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter) * 1000;
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && /^\d+(\.\d+)?$/.test(reset.trim())) {
    const value = Number(reset);
    return value > 1e9 ? Math.max(0, value * 1000 - nowMs) : value * 1000;
  }
  return undefined;
}

/** Sends one request; resolves with a 2xx answer, throws a ChannelError for anything else. */
export async function callChannel(
  channel: string,
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit & { timeoutMs?: number },
): Promise<ChannelAnswer> {
  const { timeoutMs = 30_000, ...rest } = init;
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    text = await response.text();
  } catch (err) {
    throw new ChannelError(
      channel,
      'unavailable',
      `${rest.method ?? 'GET'} ${url} failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  const { status } = response;
  if (status >= 200 && status < 300) return { status, headers: response.headers, text, json };
  const said = `${status}${text ? ` ${text.slice(0, 500)}` : ''}`;
  if (status === 429) {
    throw new ChannelError(channel, 'rate_limited', `too many requests: ${said}`, status, retryAfterMs(response.headers));
  }
  if (status === 401 || status === 403) throw new ChannelError(channel, 'auth', `refused the credentials: ${said}`, status);
  if (status === 404) throw new ChannelError(channel, 'not_found', `not found: ${said}`, status);
  if (status >= 500) throw new ChannelError(channel, 'unavailable', `server error: ${said}`, status);
  throw new ChannelError(channel, 'rejected', `refused the request: ${said}`, status);
}

/**
 * Remembers the SKUs sent under a batch id, keeping the newest `max` batches, so a result that names fewer rows
 * than were sent (Hepsiburada lists only errors; n11 none while queued) can still account for every SKU.
 */
export function rememberBatch(sent: Map<string, string[]>, batchId: string, skus: string[], max = 1000): void {
  sent.delete(batchId);
  sent.set(batchId, skus);
  while (sent.size > max) {
    const oldest = sent.keys().next();
    if (oldest.done) break;
    sent.delete(oldest.value);
  }
}

/**
 * Runs `call`, waiting out a 429 (`rate_limited`) up to `attempts` times: as long as the answer asked
 * (Retry-After / X-RateLimit-Reset), else `defaultWaitMs` doubling, never more than `maxWaitMs` per wait. What is still
 * refused after that is thrown, for the caller's retry policy.
 */
export async function waitingOutRateLimits<T>(
  call: () => Promise<T>,
  options: { attempts?: number; defaultWaitMs?: number; maxWaitMs?: number; sleep?: (ms: number) => Promise<void> } = {},
): Promise<T> {
  const { attempts = 5, defaultWaitMs = 1000, maxWaitMs = 30_000 } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ChannelError) || err.kind !== 'rate_limited' || attempt >= attempts) throw err;
      await sleep(Math.min(maxWaitMs, Math.max(0, err.retryAfterMs ?? defaultWaitMs * 2 ** (attempt - 1))));
    }
  }
}
