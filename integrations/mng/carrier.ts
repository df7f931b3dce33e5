// MNG Kargo / DHL eCommerce Türkiye (CONNECTORS.md §4.3) from the OMS's side, as a CarrierProtocol: a JWT from
// /token (cached, renewed on expiry or a 401, one retry), city/district codes resolved by name, createOrder then
// createbarcode under the referenceId the OMS chooses (a repeat checked by getshipment to be ours), status per reference, and the cancel the state allows.
// Errors are HTTP 4xx/5xx with `{ error: { Code, Description } }` and become CarrierError kinds here; tracking is
// normalized onto §4.4's vocabulary with the raw code and text kept next to it. Not wired into the worker yet.
import type { FetchLike } from '../channel-http';
import { retryAfterMs } from '../channel-http';
import {
  CarrierError,
  type CarrierProtocol,
  type CreatedShipment,
  type CreateShipmentArgs,
  type ShipmentTracking,
  type ShipmentTrackingEvent,
  type ShipmentTrackingStatus,
} from '../carrier-protocol';

const CARRIER = 'mng';

export interface MngCarrierOptions {
  /** Up to `/mngapi/api`: `https://api.mngkargo.com.tr/mngapi/api`, the test host's, or the simulator's URL + MNG_BASE_PATH. */
  baseUrl: string;
  /** The IBM API Connect application (X-IBM-Client-Id / X-IBM-Client-Secret). */
  clientId: string;
  clientSecret: string;
  /** The MNG customer account the JWT is issued to. */
  customerNumber: string;
  password: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  /** The clock the token's expiry is compared with (tests pass the simulator's); wall time by default. */
  now?: () => number;
  /** How many references one queryShipments call takes (each is its own request); 20 by default. */
  queryPageSize?: number;
}

/** §4.3's error code for "destination branch not resolved yet": transient, retried after a few seconds. */
export const MNG_TRANSIENT_CODES = new Set(['20001']);

/**
 * §4.4: shipmentStatusCode → the vocabulary [L]. [choice] 8 is the simulator's "Iptal_Edildi" (cancelled is
 * outside the set); a status text saying "iptal" is cancelled whatever its code.
 */
export function normalizeMngStatus(code: number | undefined, text: string | undefined): ShipmentTrackingStatus {
  if (text && /iptal/i.test(text)) return 'canceled';
  switch (code) {
    case 0:
      return 'label_created';
    case 1:
      return 'picked_up';
    case 2:
    case 3:
      return 'in_transit';
    case 4:
      return 'out_for_delivery';
    case 5:
      return 'delivered';
    case 6:
      return 'delivery_failed';
    case 7:
      return 'returned_to_sender';
    case 8:
      return 'canceled';
    default:
      return 'unknown';
  }
}

/**
 * `dd-MM-yyyy HH:mm` (deliveryDateTime, movements) or `dd.MM.yyyy HH:mm[:ss]` (token dates) as Turkey time
 * (UTC+3 all year since 2016) to epoch ms; undefined when unreadable. [choice] §4.3 gives formats, not the zone.
 */
export function mngTimeToMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{2})[-.](\d{2})[-.](\d{4})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return undefined;
  const [, dd, MM, yyyy, HH, mm, ss] = m;
  const ms = Date.parse(`${yyyy}-${MM}-${dd}T${HH}:${mm}:${ss ?? '00'}+03:00`);
  return Number.isNaN(ms) ? undefined : ms;
}

const toIso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Upper case the Turkish way (i → İ, ı → I), trimmed, inner spaces collapsed: how CBS names compare. */
const trUpper = (s: string) => s.trim().replace(/\s+/g, ' ').toLocaleUpperCase('tr');
/** A looser key for names typed without Turkish letters ("Istanbul", "Besiktas"), used only when exact fails. */
const folded = (s: string) =>
  trUpper(s)
    .replace(/İ/g, 'I')
    .replace(/Ş/g, 'S')
    .replace(/Ğ/g, 'G')
    .replace(/Ü/g, 'U')
    .replace(/Ö/g, 'O')
    .replace(/Ç/g, 'C')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '');

/** The code of the entry whose name matches: exactly (Turkish-aware, case-insensitive), else by a unique folded match. */
export function findMngCode(entries: { code: string; name: string }[], name: string): string | undefined {
  const exact = entries.find((e) => trUpper(e.name) === trUpper(name));
  if (exact) return exact.code;
  const loose = entries.filter((e) => folded(e.name) === folded(name));
  return loose.length === 1 ? loose[0]?.code : undefined;
}

/** A phone as MNG wants it (§4.3: no leading 0/90): digits only, a leading 90 or 0 dropped. */
export function mngPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length === 12 && digits.startsWith('90')) return digits.slice(2);
  if (digits.length === 11 && digits.startsWith('0')) return digits.slice(1);
  return digits;
}

interface Answer {
  status: number;
  headers: Headers;
  json: unknown;
  text: string;
}

interface StatusRow {
  shipmentId?: unknown;
  shipmentStatusCode?: unknown;
  shipmentStatus?: unknown;
  isDelivered?: unknown;
  deliveryDateTime?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** A status row's normalized status (the code may come as a number or a string of digits). */
function statusOf(row: StatusRow): ShipmentTrackingStatus {
  const raw = str(row.shipmentStatusCode);
  const code = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
  return normalizeMngStatus(code, str(row.shipmentStatus));
}

/** exp - iat of a JWT's payload in ms, when both are there (the token is not verified: only the carrier can). */
export function jwtLifetimeMs(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (!isObject(claims) || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return undefined;
    const ms = (claims.exp - claims.iat) * 1000;
    return ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** The `{ error: { Code, Description } }` of an answer, when it has one. */
function errorOf(answer: Answer): { code?: string | undefined; description?: string | undefined } {
  const e = isObject(answer.json) ? answer.json.error : undefined;
  return isObject(e) ? { code: str(e.Code), description: str(e.Description) } : {};
}

/** An MNG connector over the REST API at `baseUrl`. */
export function createMngCarrier(options: MngCarrierOptions): CarrierProtocol {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const now = options.now ?? Date.now;
  const queryPageSize = options.queryPageSize ?? 20;
  const ibm = { 'x-ibm-client-id': options.clientId, 'x-ibm-client-secret': options.clientSecret, accept: 'application/json' };

  let token: { jwt: string; expiresAt: number | undefined } | undefined;
  let pendingToken: Promise<string> | undefined;
  let cities: Promise<{ code: string; name: string }[]> | undefined;
  const districts = new Map<string, Promise<{ code: string; name: string }[]>>();

  async function send(operation: string, method: string, path: string, init: { body?: unknown; jwt?: string }): Promise<Answer> {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${base}${path}`, {
        method,
        headers: {
          ...ibm,
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.jwt ? { authorization: `Bearer ${init.jwt}` } : {}),
        },
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      throw new CarrierError(CARRIER, 'unavailable', `${operation} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    let json: unknown;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  }

  /** The CarrierError for a non-2xx answer: Code and Description in the message, Code as errCode. */
  function failure(operation: string, answer: Answer): CarrierError {
    const { code, description } = errorOf(answer);
    const said = code !== undefined || description !== undefined ? `Code ${code ?? '(none)'} ${description ?? ''}`.trim() : answer.text.slice(0, 200);
    const message = `${operation}: HTTP ${answer.status} ${said}`;
    const { status } = answer;
    if (code !== undefined && MNG_TRANSIENT_CODES.has(code)) return new CarrierError(CARRIER, 'unavailable', message, code, status);
    if (status === 401 || status === 403) return new CarrierError(CARRIER, 'auth', message, code, status);
    if (status === 429) {
      const wait = retryAfterMs(answer.headers);
      // Retryable: the carrier asks for a pause, not a different request.
      return new CarrierError(CARRIER, 'unavailable', `${message}${wait !== undefined ? ` (retry after ${wait / 1000} s)` : ''}`, code, status);
    }
    if (status >= 500) return new CarrierError(CARRIER, 'unavailable', message, code, status);
    return new CarrierError(CARRIER, 'rejected', message, code, status);
  }

  async function login(): Promise<string> {
    const answer = await send('token', 'POST', '/token', {
      body: { customerNumber: options.customerNumber, password: options.password, identityType: 1 },
    });
    if (answer.status < 200 || answer.status >= 300) throw failure('token', answer);
    const jwt = isObject(answer.json) ? answer.json.jwt : undefined;
    if (typeof jwt !== 'string' || !jwt) throw new CarrierError(CARRIER, 'unavailable', `token: no jwt in the answer: ${answer.text.slice(0, 200)}`);
    // [choice] The lifetime from the JWT's own exp - iat, counted from now on this side: immune to a skew between
    // the carrier's clock and ours. Without those claims, jwtExpireDate as an instant; without that, until a 401.
    const lifetime = jwtLifetimeMs(jwt);
    const expiry = lifetime !== undefined ? now() + lifetime : mngTimeToMs(isObject(answer.json) ? answer.json.jwtExpireDate : undefined);
    // A minute's margin, so a call started just before the expiry does not carry a token that lapses in flight.
    token = { jwt, expiresAt: expiry === undefined ? undefined : expiry - 60_000 };
    return jwt;
  }

  /** The cached JWT, or a new one; concurrent callers share one login. */
  function currentJwt(): Promise<string> {
    if (token && (token.expiresAt === undefined || now() < token.expiresAt)) return Promise.resolve(token.jwt);
    token = undefined;
    pendingToken ??= login().finally(() => {
      pendingToken = undefined;
    });
    return pendingToken;
  }

  /** A Bearer call; a 401 with a cached token renews it and tries once more. */
  async function authed(operation: string, method: string, path: string, body?: unknown): Promise<Answer> {
    // Only a token reused from the cache can be stale; a 401 on a fresh one is the answer itself.
    const hadToken = token !== undefined && (token.expiresAt === undefined || now() < token.expiresAt);
    const jwt = await currentJwt();
    const answer = await send(operation, method, path, { body, jwt });
    if (answer.status !== 401 || !hadToken) return answer;
    if (token?.jwt === jwt) token = undefined;
    return send(operation, method, path, { body, jwt: await currentJwt() });
  }

  async function list(operation: string, path: string): Promise<{ code: string; name: string }[]> {
    const answer = await send(operation, 'GET', path, {});
    if (answer.status < 200 || answer.status >= 300) throw failure(operation, answer);
    if (!Array.isArray(answer.json)) throw new CarrierError(CARRIER, 'unavailable', `${operation}: not a list: ${answer.text.slice(0, 200)}`);
    return answer.json.flatMap((e) => {
      const code = isObject(e) ? str(e.code) : undefined;
      const name = isObject(e) ? str(e.name) : undefined;
      return code !== undefined && name !== undefined ? [{ code, name }] : [];
    });
  }

  /** A cached lookup that forgets a failed attempt, so the next create tries again. */
  function cached<T>(get: () => Promise<T> | undefined, set: (p: Promise<T> | undefined) => void, load: () => Promise<T>): Promise<T> {
    const hit = get();
    if (hit) return hit;
    const p = load();
    set(p);
    p.catch(() => set(undefined));
    return p;
  }

  async function resolveCodes(receiver: CreateShipmentArgs['receiver']): Promise<{ cityCode: number; districtCode: number }> {
    const cityList = await cached(
      () => cities,
      (p) => (cities = p),
      () => list('getcities', '/cbsinfoapi/getcities'),
    );
    const cityCode = findMngCode(cityList, receiver.city);
    if (cityCode === undefined) {
      throw new CarrierError(CARRIER, 'rejected', `receiver.city: "${receiver.city}" is not a city in MNG's CBS list`);
    }
    const districtList = await cached(
      () => districts.get(cityCode),
      (p) => (p ? districts.set(cityCode, p) : districts.delete(cityCode)),
      () => list('getdistricts', `/cbsinfoapi/getdistricts/${encodeURIComponent(cityCode)}`),
    );
    const districtCode = findMngCode(districtList, receiver.town);
    if (districtCode === undefined) {
      throw new CarrierError(CARRIER, 'rejected', `receiver.town: "${receiver.town}" is not a district of ${receiver.city} in MNG's CBS list`);
    }
    return { cityCode: Number(cityCode), districtCode: Number(districtCode) };
  }

  async function getStatus(referenceId: string): Promise<{ row: StatusRow } | { notFound: Answer }> {
    const answer = await authed('getshipmentstatus', 'GET', `/standardqueryapi/getshipmentstatus/${encodeURIComponent(referenceId)}`);
    if (answer.status === 404) return { notFound: answer };
    if (answer.status < 200 || answer.status >= 300) throw failure(`getshipmentstatus ${referenceId}`, answer);
    const row: unknown = Array.isArray(answer.json) ? answer.json[0] : answer.json;
    if (!isObject(row)) throw new CarrierError(CARRIER, 'unavailable', `getshipmentstatus ${referenceId}: unreadable answer: ${answer.text.slice(0, 200)}`);
    return { row };
  }

  async function movements(referenceId: string): Promise<ShipmentTrackingEvent[]> {
    const answer = await authed('trackshipment', 'GET', `/standardqueryapi/trackshipment/${encodeURIComponent(referenceId)}`);
    if (answer.status === 404) return [];
    if (answer.status < 200 || answer.status >= 300) throw failure(`trackshipment ${referenceId}`, answer);
    const rows = Array.isArray(answer.json) ? answer.json : [];
    // [choice] §4.3 does not give the movement fields; read the simulator's names with common alternatives.
    return rows.flatMap((m) => {
      if (!isObject(m)) return [];
      const at = toIso(mngTimeToMs(m.eventDateTime ?? m.eventDate));
      if (at === undefined) return [];
      return [{ code: str(m.eventCode) ?? str(m.eventStatusCode) ?? '', name: str(m.eventStatus) ?? str(m.description) ?? '', at }];
    });
  }

  const ref = (reference: string) => reference.trim().toUpperCase();

  async function queryOne(reference: string): Promise<ShipmentTracking> {
    const referenceId = ref(reference);
    const found = await getStatus(referenceId);
    if ('notFound' in found) {
      const { code, description } = errorOf(found.notFound);
      return { reference, status: 'not_found', raw: { code, text: description }, events: [] };
    }
    const { row } = found;
    const text = str(row.shipmentStatus);
    const status = statusOf(row);
    const events = status === 'canceled' ? [] : await movements(referenceId);
    const delivered = mngTimeToMs(row.deliveryDateTime);
    const at = (status === 'delivered' ? toIso(delivered) : undefined) ?? events[events.length - 1]?.at;
    return {
      reference,
      status,
      at,
      raw: {
        code: str(row.shipmentStatusCode),
        text,
        shipmentId: str(row.shipmentId),
        isDelivered: str(row.isDelivered),
        deliveryDateTime: str(row.deliveryDateTime),
      },
      events,
    };
  }

  async function createBarcode(referenceId: string, order: Record<string, unknown>, pieces: unknown[]) {
    const answer = await authed('createbarcode', 'POST', '/barcodecmdapi/createbarcode', {
      referenceId,
      billOfLandingId: order.billOfLandingId,
      isCOD: order.isCOD,
      codAmount: order.codAmount,
      packagingType: order.packagingType,
      printReferenceBarcodeOnError: 0,
      orderPieceList: pieces,
    });
    if (answer.status >= 200 && answer.status < 300) {
      const first: unknown = Array.isArray(answer.json) ? answer.json[0] : answer.json;
      const shipmentId = isObject(first) ? str(first.shipmentId) : undefined;
      const barcodes = isObject(first) && Array.isArray(first.barcodes) ? first.barcodes : [];
      const firstBarcode = isObject(barcodes[0]) ? str(barcodes[0].barcode) : undefined;
      const labelRef = shipmentId || firstBarcode;
      if (!labelRef) throw new CarrierError(CARRIER, 'unavailable', `createbarcode ${referenceId}: no shipmentId or barcode: ${answer.text.slice(0, 200)}`);
      return { labelRef, existed: false };
    }
    const error = failure(`createbarcode ${referenceId}`, answer);
    if (error.kind !== 'rejected') throw error;
    // A retry whose barcode landed the first time: the shipment exists, read its id from the status.
    const found = await getStatus(referenceId);
    const shipmentId = 'row' in found ? str(found.row.shipmentId) : undefined;
    if (!shipmentId) throw error;
    return { labelRef: shipmentId, existed: true };
  }

  async function cancelShipment(reference: string): Promise<'canceled' | 'already_canceled' | 'too_late'> {
    const referenceId = ref(reference);
    const found = await getStatus(referenceId);
    if ('notFound' in found) throw failure(`cancel ${referenceId}`, found.notFound);
    const { row } = found;
    if (statusOf(row) === 'canceled') return 'already_canceled';
    const shipmentId = str(row.shipmentId);
    const answer = shipmentId
      ? await authed('cancelshipment', 'PUT', '/barcodecmdapi/cancelshipment', { referenceId, shipmentId })
      : await authed('cancelorder', 'PUT', `/standardcmdapi/cancelorder/${encodeURIComponent(referenceId)}`);
    if (answer.status >= 200 && answer.status < 300) return 'canceled';
    const error = failure(`${shipmentId ? 'cancelshipment' : 'cancelorder'} ${referenceId}`, answer);
    if (error.kind !== 'rejected') throw error;
    // The refusal's reason is read back from the state rather than from codes §4.3 does not give.
    const after = await getStatus(referenceId);
    if ('notFound' in after) throw error;
    if (statusOf(after.row) === 'canceled') return 'already_canceled';
    // A barcode made between the status and the cancelorder: the shipment's own cancel decides.
    if (!shipmentId && str(after.row.shipmentId)) return cancelShipment(reference);
    // A shipment the carrier will not cancel: the branch has it, or (still code 0) the same-day window has passed.
    if (shipmentId) return 'too_late';
    throw error;
  }

  return {
    carrier: 'mng',
    queryPageSize,

    async createShipment(args: CreateShipmentArgs): Promise<CreatedShipment> {
      const referenceId = ref(args.reference);
      if (!referenceId) throw new CarrierError(CARRIER, 'rejected', 'reference: must not be empty');
      const pieceCount = args.pieces ?? 1;
      if (!Number.isInteger(pieceCount) || pieceCount < 1) throw new CarrierError(CARRIER, 'rejected', `pieces: must be a positive integer, got ${pieceCount}`);
      const cod = args.codAmount !== undefined ? Number(args.codAmount) : 0;
      if (!Number.isFinite(cod) || cod < 0) throw new CarrierError(CARRIER, 'rejected', `codAmount: must be a non-negative decimal, got "${args.codAmount}"`);
      const { cityCode, districtCode } = await resolveCodes(args.receiver);
      // [choice] One desi and one kg per piece: the OMS has no parcel measures yet; MNG bills by what it weighs.
      const pieces = Array.from({ length: pieceCount }, (_, i) => ({ barcode: `${referenceId}_PARCA${i + 1}`, desi: 1, kg: 1, content: args.orderReference }));
      const order = {
        referenceId,
        barcode: referenceId,
        billOfLandingId: args.orderReference,
        isCOD: cod > 0 ? 1 : 0,
        codAmount: cod,
        shipmentServiceType: 1,
        packagingType: 3,
        paymentType: 1,
        deliveryType: 1,
        content: args.orderReference,
        description: '',
        smsPreference1: 0,
        smsPreference2: 0,
        smsPreference3: 0,
        marketPlaceShortCode: '',
        marketPlaceSaleCode: '',
      };
      const answer = await authed('createOrder', 'POST', '/standardcmdapi/createOrder', {
        order,
        orderPieceList: pieces,
        recipient: {
          fullName: args.receiver.name,
          cityCode,
          districtCode,
          address: args.receiver.address,
          mobilePhoneNumber: mngPhone(args.receiver.phone ?? ''),
          email: args.receiver.email ?? '',
        },
      });
      let orderExisted = false;
      if (answer.status < 200 || answer.status >= 300) {
        const error = failure(`createOrder ${referenceId}`, answer);
        // [choice] §4.3 says only "4xx" for a duplicate referenceId [L]: a rejected answer whose Description
        // says it exists ("daha önce", "mevcut", "exists") is the idempotency signal.
        const description = errorOf(answer).description ?? '';
        if (error.kind !== 'rejected' || !/daha önce|mevcut|zaten|already|exist/i.test(description)) throw error;
        // Ours only if it carries our order reference (a retry of this very create), as with Yurtiçi's invoiceKey.
        const existing = await authed('getshipment', 'GET', `/standardqueryapi/getshipment/${encodeURIComponent(referenceId)}`);
        const first: unknown = Array.isArray(existing.json) ? existing.json[0] : existing.json;
        const theirs = isObject(first) && isObject(first.order) ? str(first.order.billOfLandingId) : undefined;
        if (existing.status === 404 || (theirs !== undefined && theirs !== args.orderReference)) {
          throw new CarrierError(
            CARRIER,
            'rejected',
            `createOrder ${referenceId}: the referenceId exists for another order (billOfLandingId ${existing.status === 404 ? 'not visible to this account' : theirs})`,
            error.errCode,
            error.status,
          );
        }
        if (existing.status < 200 || existing.status >= 300) throw failure(`getshipment ${referenceId}`, existing);
        orderExisted = true;
      }
      const barcode = await createBarcode(referenceId, order, pieces);
      return { reference: args.reference, trackingNumber: referenceId, labelRef: barcode.labelRef, alreadyCreated: orderExisted || barcode.existed };
    },

    async queryShipments(references: string[]): Promise<ShipmentTracking[]> {
      if (references.length > queryPageSize) throw new RangeError(`references: at most ${queryPageSize} per query, got ${references.length}`);
      const out: ShipmentTracking[] = [];
      // One by one, not in parallel: each reference is its own request and MNG rate-limits the application.
      for (const reference of references) out.push(await queryOne(reference));
      return out;
    },

    cancelShipment,
  };
}
