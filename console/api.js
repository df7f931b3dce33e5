// Every call the console makes goes through here, to the same HTTP API channels and scripts use, with the
// operator's key as the bearer key. The key lives in sessionStorage only: it goes when the tab closes or on sign-out.

const KEY = 'oms.operatorKey';

export function storedKey() {
  return sessionStorage.getItem(KEY);
}

export function rememberKey(key) {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey() {
  sessionStorage.removeItem(KEY);
}

/** An answer other than 2xx, with the API's own message (and for 400 the fields it names). */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error;
    const fields = Array.isArray(error?.details) ? error.details.filter((d) => d?.path).map((d) => `${d.path} ${d.message}`) : [];
    super([error?.message ?? `HTTP ${status}`, ...fields].join(': '));
    this.name = 'ApiError';
    this.status = status;
    this.code = error?.code;
  }
}

/** Fires when the API says the key is not (or no longer) good, so the app can ask for it again. */
export const unauthorized = new EventTarget();

/** GET/POST/PUT `path` with an optional JSON body; resolves to the parsed JSON, rejects with ApiError. */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const key = storedKey();
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    if (res.status === 401) unauthorized.dispatchEvent(new Event('unauthorized'));
    throw new ApiError(res.status, parsed);
  }
  return parsed;
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

/** `/orders/<id>` with the id encoded (ids hold ':'). */
export const orderPath = (id, rest = '') => `/orders/${encodeURIComponent(id)}${rest}`;
