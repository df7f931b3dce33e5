// MNG Kargo / DHL eCommerce Türkiye's REST API on IBM API Connect (base path `/mngapi/api`) as far as the OMS
// uses it: a JWT from /token, the CBS city/district codes, createOrder, createbarcode (which turns the order into a
// shipment), status, movements and detail, and the two cancels. Every call needs the IBM client headers; all but CBS info
// need the Bearer JWT. Errors are HTTP 4xx/5xx with `{ "error": { "Code", "Description" } }`. A shipment moves
// through shipmentStatusCode 0..5 on the simulator's clock from its barcode on, with hooks for 6 and 7.
// CONNECTORS.md §4.3, §4.4, §5. Where the document is uncertain the choice is marked [choice] below.
import { createHash } from 'node:crypto';
import {
  FixedWindowLimiter,
  HttpFaults,
  injected,
  parseJson,
  type RateLimit,
  RequestLog,
  type RunningSimulator,
  serve,
  sharedAdmin,
  shipmentAdmin,
  type SimClock,
  type SimRequest,
  type SimResponse,
  systemClock,
} from './http-kit';

export const MNG_BASE_PATH = '/mngapi/api';

/**
 * The error codes the simulator answers with. Only 20001 is from §4.3; [choice] the others are the simulator's
 * own (the real service's codes are not in the material read). Connectors read the HTTP status first and use
 * these codes only where §4.3 gives a meaning (20001) or for idempotency (the two "exists" codes).
 */
export const MNG_ERR = {
  clientRejected: '40100',
  tokenMissing: '40101',
  tokenExpired: '40102',
  loginFailed: '40103',
  invalidBody: '40000',
  validation: '40001',
  unknownCity: '40002',
  unknownDistrict: '40003',
  /** [choice] A createOrder whose referenceId exists: HTTP 400 with this code (§4.3 only says "4xx" [L]). */
  orderExists: '40009',
  /** A createbarcode for an order that already has its shipment. */
  barcodeExists: '40010',
  orderCanceled: '40011',
  /** cancelorder after the barcode: the shipment must be cancelled with cancelshipment. */
  hasBarcode: '40012',
  /** cancelshipment before a barcode exists, or with another shipmentId. */
  noShipment: '40013',
  /** cancelshipment after the branch accepted the parcel (first scan), or on a later day. */
  cannotCancel: '40014',
  alreadyCanceled: '40015',
  notFound: '40400',
  rateLimited: '42900',
  /** §4.3: createbarcode may fail transiently until the destination branch is resolved. */
  branchNotFound: '20001',
} as const;

export const MNG_BRANCH_NOT_FOUND = 'VARIŞ ŞUBESİ BULUNAMADI';

/** §4.3's shipmentStatusCode meanings [L], with the text the simulator writes next to each. */
export const MNG_STATUS_TEXT: Record<number, string> = {
  0: 'Kargo_Bekleniyor',
  1: 'Kargoya_Verildi',
  2: 'Transfer_Surecinde',
  3: 'Teslimat_Biriminde',
  4: 'Dagitimda',
  5: 'Teslim_Edildi',
  6: 'Teslim_Edilemedi',
  7: 'Gondericiye_Iade_Edildi',
  8: 'Iptal_Edildi',
};
/**
 * [choice] §4.3 gives no status for a cancelled order or shipment (§4.4 puts cancellation outside the set); the
 * simulator answers getshipmentstatus with this code and "Iptal_Edildi".
 */
export const MNG_CANCELED_STATUS_CODE = 8;

/** The CBS table the simulator knows: a few cities, a few districts each, with Turkish names as CBS writes them. */
export const MNG_CITIES: { code: string; name: string; districts: { code: string; name: string }[] }[] = [
  {
    code: '34',
    name: 'İSTANBUL',
    districts: [
      { code: '1421', name: 'KADIKÖY' },
      { code: '1183', name: 'BEŞİKTAŞ' },
      { code: '1708', name: 'ÜSKÜDAR' },
      { code: '2004', name: 'BAĞCILAR' },
      { code: '1663', name: 'ŞİŞLİ' },
    ],
  },
  {
    code: '6',
    name: 'ANKARA',
    districts: [
      { code: '1231', name: 'ÇANKAYA' },
      { code: '1302', name: 'KEÇİÖREN' },
      { code: '1723', name: 'YENİMAHALLE' },
    ],
  },
  {
    code: '35',
    name: 'İZMİR',
    districts: [
      { code: '2006', name: 'KONAK' },
      { code: '1449', name: 'KARŞIYAKA' },
      { code: '1203', name: 'BORNOVA' },
    ],
  },
];

export interface MngAccount {
  customerNumber: string;
  password: string;
}

/** [choice] Offsets from the barcode (not gaps between steps): code 1 at +pickedUp, 2 at +inTransfer, and so on. */
export interface MngProgressMs {
  pickedUp: number;
  inTransfer: number;
  atDeliveryUnit: number;
  outForDelivery: number;
  delivered: number;
  /** From returnToSender() to the parcel being back at the sender (code 7). */
  returned?: number;
}

export interface MngSimulatorOptions {
  port?: number;
  /** The IBM API Connect application's credentials (X-IBM-Client-Id / X-IBM-Client-Secret). */
  clientId: string;
  clientSecret: string;
  accounts: MngAccount[];
  clock?: SimClock;
  /** [choice] How long a JWT lives; §4.3 says ≈8 h [L]. */
  tokenTtlMs?: number;
  progressMs?: MngProgressMs;
  /** [choice] §4.3 gives no limit; 600 requests per minute per client application unless set (low, to test 429). */
  rateLimit?: RateLimit;
}

export interface MngPiece {
  barcode: string;
  desi: number;
  kg: number;
  content: string;
}

export interface MngOrder {
  referenceId: string;
  orderInvoiceId: string;
  customerNumber: string;
  billOfLandingId: string;
  isCOD: number;
  codAmount: number;
  paymentType: number;
  pieces: MngPiece[];
  recipient: { fullName: string; cityCode: string; districtCode: string; address: string; mobilePhoneNumber: string; email: string };
  createdAt: number;
  shipment?: { shipmentId: string; barcodes: { pieceNumber: number; barcode: string; value: string }[]; createdAt: number };
  canceledAt?: number;
  failDelivery: boolean;
  returnStartedAt?: number;
}

export interface MngMovement {
  eventSequence: number;
  eventCode: string;
  eventStatus: string;
  /** dd-MM-yyyy HH:mm, Turkey time. */
  eventDateTime: string;
  location: string;
  city: string;
  district: string;
  /** Internal: epoch ms, for the admin view. */
  at: number;
}

/** What a shipment looks like at a given time: derived from its record and the clock, never stored. */
export interface MngShipmentView {
  shipmentStatusCode: number;
  movements: MngMovement[];
  deliveredAt?: number;
}

export interface MngSimState {
  clock: SimClock;
  orders: Map<string, MngOrder>;
  requests: RequestLog;
  faults: HttpFaults;
  view(referenceId: string): MngShipmentView | undefined;
  /** The next `times` createbarcode calls fail with HTTP 500, Code 20001 "VARIŞ ŞUBESİ BULUNAMADI". */
  failBarcode(times?: number): void;
  /** The delivery attempt ends in code 6 (not delivered) instead of 5. */
  failDelivery(referenceId: string): void;
  /** Starts the return now: code 2 with a return movement, then 7 after `progressMs.returned`. */
  returnToSender(referenceId: string): void;
}

const TURKEY_OFFSET_MS = 3 * 3600_000;

/** [choice] Turkey time (UTC+3 all year since 2016): §4.3 gives the formats, not the zone. */
function turkeyParts(ms: number): { dd: string; MM: string; yyyy: string; HH: string; mm: string; ss: string } {
  const iso = new Date(ms + TURKEY_OFFSET_MS).toISOString();
  return { yyyy: iso.slice(0, 4), MM: iso.slice(5, 7), dd: iso.slice(8, 10), HH: iso.slice(11, 13), mm: iso.slice(14, 16), ss: iso.slice(17, 19) };
}

/** `dd-MM-yyyy HH:mm` in Turkey time, as deliveryDateTime is written. */
export function mngDateTime(ms: number): string {
  const p = turkeyParts(ms);
  return `${p.dd}-${p.MM}-${p.yyyy} ${p.HH}:${p.mm}`;
}

/** `dd.MM.yyyy HH:mm:ss` in Turkey time, as the token's expiry dates are written. */
export function mngTokenDate(ms: number): string {
  const p = turkeyParts(ms);
  return `${p.dd}.${p.MM}.${p.yyyy} ${p.HH}:${p.mm}:${p.ss}`;
}

/** The request log with the client secret and the token password masked. */
class MngRequestLog extends RequestLog {
  override record(...[req, body, status, at]: Parameters<RequestLog['record']>): void {
    super.record(req, body.replace(/("password"\s*:\s*)"(?:[^"\\]|\\.)*"/g, '$1"***"'), status, at);
    const entry = this.entries[this.entries.length - 1];
    if (entry && 'x-ibm-client-secret' in entry.headers) entry.headers['x-ibm-client-secret'] = '***';
  }
}

const ORIGIN = { location: 'GÜNEŞLİ AKTARMA', city: 'İSTANBUL', district: 'BAĞCILAR' };
const HUB = { location: 'ANKARA AKTARMA MERKEZİ', city: 'ANKARA', district: 'YENİMAHALLE' };

/**
 * [choice] The movements a shipment goes through: §4.3 says trackshipment answers "a list of movements" without
 * their fields; these names and codes are the simulator's own, the texts Turkish.
 */
const STEPS = [
  { code: 1, eventCode: 'KBL', eventStatus: 'Kargo kabul edildi' },
  { code: 2, eventCode: 'TRF', eventStatus: 'Transfer merkezinden çıkış yaptı' },
  { code: 3, eventCode: 'VRS', eventStatus: 'Teslimat birimine ulaştı' },
  { code: 4, eventCode: 'DGT', eventStatus: 'Dağıtıma çıkarıldı' },
  { code: 5, eventCode: 'TSL', eventStatus: 'Teslim edildi' },
] as const;
const NOT_DELIVERED = { code: 6, eventCode: 'TED', eventStatus: 'Teslim edilemedi - alıcı adreste bulunamadı' } as const;
const RETURN_STARTED = { code: 2, eventCode: 'IAD', eventStatus: 'İade sürecinde' } as const;
const RETURNED = { code: 7, eventCode: 'IDT', eventStatus: 'Göndericiye iade edildi' } as const;

function error(status: number, code: string, description: string, headers?: Record<string, string>): SimResponse {
  return { status, body: { error: { Code: code, Description: description } }, ...(headers ? { headers } : {}) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A code given as an integer or a string of digits, as a string; undefined otherwise. */
function codeOf(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return String(Number(v.trim()));
  return undefined;
}

/** Starts the simulator on loopback; `state` is the in-process view and the test controls. */
export async function startMngSimulator(options: MngSimulatorOptions): Promise<RunningSimulator & { state: MngSimState }> {
  const clock = options.clock ?? systemClock();
  const tokenTtlMs = options.tokenTtlMs ?? 8 * 3600_000;
  const progress = options.progressMs ?? { pickedUp: 1000, inTransfer: 2000, atDeliveryUnit: 3000, outForDelivery: 4000, delivered: 5000 };
  const returnedMs = progress.returned ?? progress.pickedUp;
  const offsets = [progress.pickedUp, progress.inTransfer, progress.atDeliveryUnit, progress.outForDelivery, progress.delivered];
  if (offsets.some((o, i) => !(o >= 0) || (i > 0 && o < (offsets[i - 1] as number)))) {
    throw new Error(`progressMs must be non-negative and non-decreasing: ${JSON.stringify(progress)}`);
  }
  const accounts = new Map(options.accounts.map((a) => [a.customerNumber, a]));
  const limiter = new FixedWindowLimiter(options.rateLimit ?? { requests: 600, perMs: 60_000 }, clock);
  const faults = new HttpFaults();
  const tokens = new Map<string, { customerNumber: string; expiresAt: number }>();
  const orders = new Map<string, MngOrder>();
  let tokenSeq = 0;
  let orderSeq = 0;
  let shipmentSeq = 0;
  let barcodeFailures = 0;

  function movement(seq: number, step: { eventCode: string; eventStatus: string }, at: number, place: typeof ORIGIN): MngMovement {
    return { eventSequence: seq, eventCode: step.eventCode, eventStatus: step.eventStatus, eventDateTime: mngDateTime(at), ...place, at };
  }

  function view(o: MngOrder, now: number): MngShipmentView {
    if (o.canceledAt !== undefined) return { shipmentStatusCode: MNG_CANCELED_STATUS_CODE, movements: [] };
    const out: MngShipmentView = { shipmentStatusCode: 0, movements: [] };
    if (!o.shipment) return out;
    const t0 = o.shipment.createdAt;
    const city = MNG_CITIES.find((c) => c.code === o.recipient.cityCode);
    const dest = {
      location: `${city?.districts.find((d) => d.code === o.recipient.districtCode)?.name ?? ''} ŞUBE`.trim(),
      city: city?.name ?? '',
      district: city?.districts.find((d) => d.code === o.recipient.districtCode)?.name ?? '',
    };
    const places = [ORIGIN, HUB, dest, dest, dest];
    STEPS.forEach((base, i) => {
      const at = t0 + (offsets[i] as number);
      // The forward flow stops where a return starts.
      if (at > now || (o.returnStartedAt !== undefined && at > o.returnStartedAt)) return;
      const step = base.code === 5 && o.failDelivery ? NOT_DELIVERED : base;
      out.shipmentStatusCode = step.code;
      out.movements.push(movement(out.movements.length + 1, step, at, places[i] as typeof ORIGIN));
      if (step.code === 5) out.deliveredAt = at;
    });
    if (o.returnStartedAt !== undefined && o.returnStartedAt <= now) {
      out.shipmentStatusCode = RETURN_STARTED.code;
      out.movements.push(movement(out.movements.length + 1, RETURN_STARTED, o.returnStartedAt, dest));
      const back = o.returnStartedAt + returnedMs;
      if (back <= now) {
        out.shipmentStatusCode = RETURNED.code;
        out.movements.push(movement(out.movements.length + 1, RETURNED, back, ORIGIN));
      }
    }
    return out;
  }

  const mustFind = (referenceId: string): MngOrder => {
    const o = orders.get(referenceId);
    if (!o) throw new Error(`no order with referenceId ${referenceId}`);
    return o;
  };
  const state: MngSimState = {
    clock,
    orders,
    requests: new MngRequestLog(),
    faults,
    view: (referenceId) => {
      const o = orders.get(referenceId);
      return o ? view(o, clock.now()) : undefined;
    },
    failBarcode(times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
      barcodeFailures += times;
    },
    failDelivery(referenceId) {
      const o = mustFind(referenceId);
      const code = view(o, clock.now()).shipmentStatusCode;
      if (!o.shipment || code === 5 || code === MNG_CANCELED_STATUS_CODE || o.returnStartedAt !== undefined) {
        throw new Error(`shipment ${referenceId} has status ${code}${o.shipment ? '' : ' (no barcode)'}: no delivery to fail`);
      }
      o.failDelivery = true;
    },
    returnToSender(referenceId) {
      const o = mustFind(referenceId);
      const code = view(o, clock.now()).shipmentStatusCode;
      if (code < 1 || code > 6 || code === 5 || o.returnStartedAt !== undefined) {
        throw new Error(`shipment ${referenceId} has status ${code}: only a parcel in the network (1-4, 6, not returning) can be returned`);
      }
      o.returnStartedAt = clock.now();
    },
  };

  /** The customer the Bearer JWT was issued to, or the 401 to answer. */
  function bearer(req: SimRequest): { customerNumber: string } | SimResponse {
    const header = String(req.headers.authorization ?? '');
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m?.[1]) return error(401, MNG_ERR.tokenMissing, 'Authorization: Bearer <jwt> başlığı eksik');
    const token = tokens.get(m[1]);
    if (!token) return error(401, MNG_ERR.tokenExpired, 'Geçersiz token');
    if (clock.now() >= token.expiresAt) return error(401, MNG_ERR.tokenExpired, 'Token süresi dolmuş');
    return { customerNumber: token.customerNumber };
  }

  function json(req: SimRequest): { ok: true; value: Record<string, unknown> } | { ok: false; response: SimResponse } {
    const parsed = parseJson(req.body);
    if (!parsed.ok || !isObject(parsed.value)) return { ok: false, response: error(400, MNG_ERR.invalidBody, 'İstek gövdesi geçerli bir JSON nesnesi olmalıdır') };
    return { ok: true, value: parsed.value };
  }

  function token(req: SimRequest): SimResponse {
    const body = json(req);
    if (!body.ok) return body.response;
    const { customerNumber, password, identityType } = body.value;
    if (typeof customerNumber !== 'string' || !customerNumber) return error(400, MNG_ERR.validation, 'customerNumber alanı zorunludur');
    if (typeof password !== 'string' || !password) return error(400, MNG_ERR.validation, 'password alanı zorunludur');
    if (identityType !== 1) return error(400, MNG_ERR.validation, 'identityType alanı 1 olmalıdır');
    const account = accounts.get(customerNumber);
    if (!account || account.password !== password) return error(401, MNG_ERR.loginFailed, 'Müşteri numarası veya şifre hatalı');
    const now = clock.now();
    const seq = ++tokenSeq;
    // A JWT-shaped token, deterministic per run: header.payload.signature (base64url), never verified by anyone.
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const payload = { sub: customerNumber, iat: Math.floor(now / 1000), exp: Math.floor((now + tokenTtlMs) / 1000), jti: seq };
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`;
    const jwt = `${unsigned}.${createHash('sha256').update(unsigned).digest('base64url')}`;
    tokens.set(jwt, { customerNumber, expiresAt: now + tokenTtlMs });
    return {
      status: 200,
      body: {
        jwt,
        refreshToken: createHash('sha256').update(`refresh:${jwt}`).digest('hex'),
        // [choice] §4.3 names refreshTokenExpireDate; jwtExpireDate beside it is the JWT's own expiry, and the
        // refresh token [choice] lasts a day (the OMS logs in again rather than refreshing).
        jwtExpireDate: mngTokenDate(now + tokenTtlMs),
        refreshTokenExpireDate: mngTokenDate(now + 24 * 3600_000),
      },
    };
  }

  function cities(): SimResponse {
    return { status: 200, body: MNG_CITIES.map(({ code, name }) => ({ code, name })) };
  }

  function districts(cityCode: string): SimResponse {
    const city = MNG_CITIES.find((c) => c.code === codeOf(cityCode));
    if (!city) return error(404, MNG_ERR.unknownCity, `${cityCode} kodlu il bulunamadı`);
    return { status: 200, body: city.districts.map((d) => ({ cityCode: city.code, code: d.code, name: d.name })) };
  }

  function createOrder(req: SimRequest, customerNumber: string): SimResponse {
    const body = json(req);
    if (!body.ok) return body.response;
    const invalid = (field: string, why: string) => error(400, MNG_ERR.validation, `${field}: ${why}`);
    const order = body.value.order;
    if (!isObject(order)) return invalid('order', 'zorunludur');
    const referenceId = typeof order.referenceId === 'string' ? order.referenceId.trim() : '';
    if (!referenceId) return invalid('order.referenceId', 'zorunludur');
    const isCOD = order.isCOD ?? 0;
    if (isCOD !== 0 && isCOD !== 1) return invalid('order.isCOD', '0 veya 1 olmalıdır');
    const codAmount = order.codAmount ?? 0;
    if (typeof codAmount !== 'number' || !(codAmount >= 0)) return invalid('order.codAmount', 'sıfır veya pozitif bir sayı olmalıdır');
    if (isCOD === 1 && !(codAmount > 0)) return invalid('order.codAmount', 'tahsilatlı gönderide sıfırdan büyük olmalıdır');
    const paymentType = order.paymentType ?? 1;
    if (paymentType !== 1 && paymentType !== 2 && paymentType !== 3) return invalid('order.paymentType', '1, 2 veya 3 olmalıdır');

    const list = body.value.orderPieceList;
    if (!Array.isArray(list) || list.length === 0) return invalid('orderPieceList', 'en az bir parça içermelidir');
    const pieces: MngPiece[] = [];
    for (const [i, piece] of list.entries()) {
      const at = `orderPieceList[${i}]`;
      if (!isObject(piece)) return invalid(at, 'nesne olmalıdır');
      // §4.3: desi and kg are integers.
      for (const field of ['desi', 'kg'] as const) {
        const v = piece[field];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return invalid(`${at}.${field}`, 'sıfır veya pozitif bir tam sayı olmalıdır');
      }
      pieces.push({
        barcode: typeof piece.barcode === 'string' && piece.barcode ? piece.barcode : `${referenceId}_PARCA${i + 1}`,
        desi: piece.desi as number,
        kg: piece.kg as number,
        content: typeof piece.content === 'string' ? piece.content : '',
      });
    }

    const recipient = body.value.recipient;
    if (!isObject(recipient)) return invalid('recipient', 'zorunludur');
    for (const field of ['fullName', 'address'] as const) {
      const v = recipient[field];
      if (typeof v !== 'string' || !v.trim()) return invalid(`recipient.${field}`, 'zorunludur');
    }
    const phone = recipient.mobilePhoneNumber;
    if (typeof phone !== 'string' || !phone) return invalid('recipient.mobilePhoneNumber', 'zorunludur');
    // §4.3: the phone has no leading 0 or 90; ten digits, a Turkish mobile/landline number.
    if (/^(0|90)/.test(phone)) return invalid('recipient.mobilePhoneNumber', 'başında 0 veya 90 olmadan yazılmalıdır');
    if (!/^[1-9]\d{9}$/.test(phone)) return invalid('recipient.mobilePhoneNumber', '10 haneli olmalıdır');
    const cityCode = codeOf(recipient.cityCode);
    if (cityCode === undefined) return invalid('recipient.cityCode', 'tam sayı bir il kodu olmalıdır');
    const city = MNG_CITIES.find((c) => c.code === cityCode);
    if (!city) return error(400, MNG_ERR.unknownCity, `recipient.cityCode: ${cityCode} kodlu il bulunamadı`);
    const districtCode = codeOf(recipient.districtCode);
    if (districtCode === undefined) return invalid('recipient.districtCode', 'tam sayı bir ilçe kodu olmalıdır');
    if (!city.districts.some((d) => d.code === districtCode)) {
      return error(400, MNG_ERR.unknownDistrict, `recipient.districtCode: ${districtCode} kodlu ilçe ${city.name} ilinde bulunamadı`);
    }

    // [choice] referenceIds are one space across customers (the barcode printed on the parcel), like Yurtiçi's cargoKey.
    if (orders.has(referenceId)) {
      return error(400, MNG_ERR.orderExists, `${referenceId} referans numarası ile daha önce sipariş oluşturulmuş`);
    }
    const orderInvoiceId = String(90_000_000 + ++orderSeq);
    orders.set(referenceId, {
      referenceId,
      orderInvoiceId,
      customerNumber,
      billOfLandingId: typeof order.billOfLandingId === 'string' ? order.billOfLandingId : '',
      isCOD,
      codAmount,
      paymentType,
      pieces,
      recipient: {
        fullName: recipient.fullName as string,
        cityCode,
        districtCode,
        address: recipient.address as string,
        mobilePhoneNumber: phone,
        email: typeof recipient.email === 'string' ? recipient.email : '',
      },
      createdAt: clock.now(),
      failDelivery: false,
    });
    return { status: 200, body: [{ orderInvoiceId, referenceId }] };
  }

  /** The customer's own order, or the 404 (another customer's order is not theirs to see). */
  function own(referenceId: string, customerNumber: string): MngOrder | SimResponse {
    const o = orders.get(referenceId);
    if (!o || o.customerNumber !== customerNumber) return error(404, MNG_ERR.notFound, `${referenceId} referans numaralı kayıt bulunamadı`);
    return o;
  }

  function zpl(o: MngOrder, barcode: string, pieceNumber: number): string {
    const city = MNG_CITIES.find((c) => c.code === o.recipient.cityCode);
    return (
      `^XA^CI28^FO40,40^A0N,36,36^FDMNG KARGO^FS^FO40,100^BCN,120,Y,N,N^FD${barcode}^FS` +
      `^FO40,270^A0N,30,30^FD${o.recipient.fullName}^FS^FO40,310^A0N,26,26^FD${city?.name ?? ''}^FS` +
      `^FO40,350^A0N,26,26^FDREF ${o.referenceId} PARCA ${pieceNumber}/${o.pieces.length}^FS^XZ`
    );
  }

  function createBarcode(req: SimRequest, customerNumber: string): SimResponse {
    const body = json(req);
    if (!body.ok) return body.response;
    const referenceId = typeof body.value.referenceId === 'string' ? body.value.referenceId.trim() : '';
    if (!referenceId) return error(400, MNG_ERR.validation, 'referenceId: zorunludur');
    const o = own(referenceId, customerNumber);
    if (!('referenceId' in o)) return o;
    if (o.canceledAt !== undefined) return error(400, MNG_ERR.orderCanceled, `${referenceId} referans numaralı sipariş iptal edilmiş`);
    if (o.shipment) {
      return error(400, MNG_ERR.barcodeExists, `${referenceId} için barkod daha önce oluşturulmuş (shipmentId ${o.shipment.shipmentId})`);
    }
    if (barcodeFailures > 0) {
      barcodeFailures -= 1;
      // §4.3/§5: a 500 with Code 20001 until the destination branch resolves.
      return error(500, MNG_ERR.branchNotFound, MNG_BRANCH_NOT_FOUND);
    }
    const shipmentId = String(614_118_700_000 + ++shipmentSeq);
    // [choice] Piece barcodes are the shipmentId and a three-digit piece number; the ZPL label prints it.
    const barcodes = o.pieces.map((_, i) => {
      const barcode = `${shipmentId}${String(i + 1).padStart(3, '0')}`;
      return { pieceNumber: i + 1, barcode, value: zpl(o, barcode, i + 1) };
    });
    o.shipment = { shipmentId, barcodes, createdAt: clock.now() };
    return { status: 200, body: [{ shipmentId, barcodes: barcodes.map(({ pieceNumber, value, barcode }) => ({ pieceNumber, value, barcode })) }] };
  }

  function status(o: MngOrder): SimResponse {
    const v = view(o, clock.now());
    return {
      status: 200,
      body: [
        {
          referenceId: o.referenceId,
          // [choice] Before the barcode there is no shipment yet: code 0 and shipmentId null.
          shipmentId: o.shipment?.shipmentId ?? null,
          shipmentStatusCode: v.shipmentStatusCode,
          shipmentStatus: MNG_STATUS_TEXT[v.shipmentStatusCode] ?? '',
          isDelivered: v.deliveredAt !== undefined ? 1 : 0,
          deliveryDateTime: v.deliveredAt !== undefined ? mngDateTime(v.deliveredAt) : null,
        },
      ],
    };
  }

  /** [choice] §4.3 shows only `[ { "shipment": { "finalTotal", … } } ]`; the order and recipient beside it are the simulator's. */
  function detail(o: MngOrder): SimResponse {
    return {
      status: 200,
      body: [
        {
          order: { referenceId: o.referenceId, orderInvoiceId: o.orderInvoiceId, billOfLandingId: o.billOfLandingId, isCOD: o.isCOD, codAmount: o.codAmount, paymentType: o.paymentType },
          orderPieceList: o.pieces,
          recipient: o.recipient,
          // [choice] A flat price per desi; the OMS does not read it.
          shipment: o.shipment ? { shipmentId: o.shipment.shipmentId, finalTotal: 50 + 10 * o.pieces.reduce((sum, p) => sum + p.desi, 0) } : null,
        },
      ],
    };
  }

  function track(o: MngOrder): SimResponse {
    return { status: 200, body: view(o, clock.now()).movements.map(({ at: _at, ...wire }) => wire) };
  }

  function byShipmentId(shipmentId: string, customerNumber: string): MngOrder | SimResponse {
    const o = [...orders.values()].find((x) => x.shipment?.shipmentId === shipmentId && x.customerNumber === customerNumber);
    return o ?? error(404, MNG_ERR.notFound, `${shipmentId} numaralı gönderi bulunamadı`);
  }

  function cancelOrder(referenceId: string, customerNumber: string): SimResponse {
    const o = own(referenceId, customerNumber);
    if (!('referenceId' in o)) return o;
    if (o.canceledAt !== undefined) return error(400, MNG_ERR.alreadyCanceled, `${referenceId} daha önce iptal edilmiş`);
    // §4.3: cancelorder only before the barcode; afterwards the shipment is cancelled with cancelshipment.
    if (o.shipment) return error(400, MNG_ERR.hasBarcode, `${referenceId} için barkod oluşturulmuş; cancelshipment kullanılmalıdır`);
    o.canceledAt = clock.now();
    return { status: 200, body: { referenceId, result: 'İptal edildi' } };
  }

  function cancelShipment(req: SimRequest, customerNumber: string): SimResponse {
    const body = json(req);
    if (!body.ok) return body.response;
    const referenceId = typeof body.value.referenceId === 'string' ? body.value.referenceId.trim() : '';
    const shipmentId = typeof body.value.shipmentId === 'string' ? body.value.shipmentId.trim() : '';
    if (!referenceId) return error(400, MNG_ERR.validation, 'referenceId: zorunludur');
    if (!shipmentId) return error(400, MNG_ERR.validation, 'shipmentId: zorunludur');
    const o = own(referenceId, customerNumber);
    if (!('referenceId' in o)) return o;
    if (o.canceledAt !== undefined) return error(400, MNG_ERR.alreadyCanceled, `${referenceId} daha önce iptal edilmiş`);
    if (!o.shipment || o.shipment.shipmentId !== shipmentId) {
      return error(400, MNG_ERR.noShipment, `${referenceId} için ${shipmentId} numaralı gönderi yok`);
    }
    const now = clock.now();
    // §4.3: valid until branch acceptance (the first scan, code 1) and only on the barcode's day (Turkey time).
    const sameDay = mngDateTime(now).slice(0, 10) === mngDateTime(o.shipment.createdAt).slice(0, 10);
    if (view(o, now).shipmentStatusCode !== 0 || !sameDay) {
      return error(400, MNG_ERR.cannotCancel, `${referenceId} şube tarafından kabul edildiği için iptal edilemez`);
    }
    o.canceledAt = now;
    return { status: 200, body: { referenceId, shipmentId, result: 'İptal edildi' } };
  }

  function api(req: SimRequest, path: string): SimResponse {
    // Every call goes through the IBM gateway first: the application's client id and secret.
    if (req.headers['x-ibm-client-id'] !== options.clientId || req.headers['x-ibm-client-secret'] !== options.clientSecret) {
      return error(401, MNG_ERR.clientRejected, 'X-IBM-Client-Id / X-IBM-Client-Secret eksik veya hatalı');
    }
    const quota = limiter.take();
    if (!quota.allowed) {
      // [choice] §4.3 gives no limit or body; 429 with Retry-After (seconds), as IBM API Connect's rate limits do.
      return error(429, MNG_ERR.rateLimited, 'Rate Limit Exceeded', { 'retry-after': String(Math.max(1, Math.ceil(quota.resetMs / 1000))) });
    }
    const { method } = req;
    if (method === 'POST' && path === '/token') return token(req);
    if (method === 'GET' && path === '/cbsinfoapi/getcities') return cities();
    const districtMatch = /^\/cbsinfoapi\/getdistricts\/([^/]+)$/.exec(path);
    if (method === 'GET' && districtMatch?.[1]) return districts(decodeURIComponent(districtMatch[1]));

    const routes: { method: string; pattern: RegExp; run: (who: string, arg: string) => SimResponse }[] = [
      { method: 'POST', pattern: /^\/standardcmdapi\/createOrder$/, run: (who) => createOrder(req, who) },
      { method: 'POST', pattern: /^\/barcodecmdapi\/createbarcode$/, run: (who) => createBarcode(req, who) },
      {
        method: 'GET',
        pattern: /^\/standardqueryapi\/getshipmentstatus\/([^/]+)$/,
        run: (who, ref) => {
          const o = own(ref, who);
          return 'referenceId' in o ? status(o) : o;
        },
      },
      {
        method: 'GET',
        pattern: /^\/standardqueryapi\/getshipmentstatusByShipmentId\/([^/]+)$/,
        run: (who, id) => {
          const o = byShipmentId(id, who);
          return 'referenceId' in o ? status(o) : o;
        },
      },
      {
        method: 'GET',
        pattern: /^\/standardqueryapi\/getshipment\/([^/]+)$/,
        run: (who, ref) => {
          const o = own(ref, who);
          return 'referenceId' in o ? detail(o) : o;
        },
      },
      {
        method: 'GET',
        pattern: /^\/standardqueryapi\/trackshipment\/([^/]+)$/,
        run: (who, ref) => {
          const o = own(ref, who);
          return 'referenceId' in o ? track(o) : o;
        },
      },
      {
        method: 'GET',
        pattern: /^\/standardqueryapi\/trackshipmentByShipmentId\/([^/]+)$/,
        run: (who, id) => {
          const o = byShipmentId(id, who);
          return 'referenceId' in o ? track(o) : o;
        },
      },
      { method: 'PUT', pattern: /^\/standardcmdapi\/cancelorder\/([^/]+)$/, run: (who, ref) => cancelOrder(ref, who) },
      { method: 'PUT', pattern: /^\/barcodecmdapi\/cancelshipment$/, run: (who) => cancelShipment(req, who) },
    ];
    const known = routes.filter((r) => r.pattern.test(path));
    const route = known.find((r) => r.method === method);
    if (!route) {
      return known.length > 0 ? error(405, '40500', `${method} bu kaynakta desteklenmiyor`) : error(404, MNG_ERR.notFound, `${path} bulunamadı`);
    }
    const who = bearer(req);
    if (!('customerNumber' in who)) return who;
    const arg = route.pattern.exec(path)?.[1];
    return route.run(who.customerNumber, arg === undefined ? '' : decodeURIComponent(arg));
  }

  function admin(req: SimRequest): SimResponse {
    const shared = sharedAdmin(req, { clock, log: state.requests, faults });
    if (shared) return shared;
    if (req.method === 'POST' && req.path === '/__admin/barcode-failures') {
      const parsed = parseJson(req.body);
      const times = parsed.ok && isObject(parsed.value) ? parsed.value.times : undefined;
      if (typeof times !== 'number' || !Number.isInteger(times) || times < 1) return { status: 400, body: { message: 'body must be { "times": >= 1 }' } };
      state.failBarcode(times);
      return { status: 204 };
    }
    const one = shipmentAdmin(req, {
      collection: 'orders',
      keyName: 'referenceId',
      noun: 'order',
      find: (key) => orders.get(key),
      view: (record) => view(record, clock.now()),
      failDelivery: (key) => state.failDelivery(key),
      returnToSender: (key) => state.returnToSender(key),
    });
    if (one) return one;
    return { status: 404, body: { message: 'unknown admin route' } };
  }

  function handle(req: SimRequest): SimResponse {
    if (req.path.startsWith('/__admin/')) return admin(req);
    const fault = faults.take(req.path);
    if (fault) return injected(fault);
    if (req.path.startsWith(`${MNG_BASE_PATH}/`)) return api(req, req.path.slice(MNG_BASE_PATH.length));
    return error(404, MNG_ERR.notFound, `${req.path} bulunamadı`);
  }

  const server = await serve(options.port ?? 0, state.requests, clock, handle);
  return { ...server, state };
}
