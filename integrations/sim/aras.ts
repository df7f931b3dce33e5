// Aras Kargo's two SOAP 1.1 services on one loopback server (CONNECTORS.md §4.2, §5): the ASMX order service
// (SetOrder, CancelDispatch) and the WCF query service (GetQueryJSON, whose arguments are escaped XML strings and
// whose answer is a JSON string). Every business error, wrong credentials included, comes back inside HTTP 200 as
// a non-zero ResultCode (order service) or an error inside the JSON string (query service); only a request the
// service cannot dispatch gets an HTTP 500 SOAP Fault. A shipment has no query record until its first scan, then
// moves KABUL → TRANSFER → DAĞITIMDA → TESLİM EDİLDİ on the simulator's clock.
// §4.2 is [M] for shapes and [L] for status codes: every guess is marked [choice] below.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  HttpFaults,
  injected,
  readBody,
  RequestLog,
  type RunningSimulator,
  send,
  sharedAdmin,
  shipmentAdmin,
  type SimClock,
  type SimRequest,
  type SimResponse,
  systemClock,
} from './http-kit';
import {
  child,
  childrenNamed,
  childText,
  parseSoapEnvelope,
  parseXml,
  SOAP_ENV_NS,
  soapFault,
  xmlElement,
  type XmlElement,
  type XmlFields,
  XmlParseError,
} from '../yurtici/soap';
import {
  ARAS_MAX_WAYBILL,
  ARAS_NS,
  ARAS_ORDER_SERVICE_PATH,
  ARAS_QUERY_SERVICE_PATH,
  ARAS_SOAP_ACTIONS,
  type ArasOperation,
} from '../aras/protocol';

export { ARAS_ORDER_SERVICE_PATH, ARAS_QUERY_SERVICE_PATH };

/**
 * [choice] ResultCodes. §4.2 says only "0 = ok, errors non-zero"; the numbers are the simulator's own, one per
 * kind of refusal so tests can tell them apart. The messages name the field, in Turkish as the service writes them.
 */
export const ARAS_RESULT = {
  ok: '0',
  authFailed: '1',
  fieldMissing: '2',
  waybillTooLong: '3',
  pieceCountMismatch: '4',
  barcodeUsed: '5',
  alreadyExists: '6',
  notFound: '7',
  cannotCancel: '8',
  alreadyCancelled: '9',
  unexpected: '999',
} as const;

/** [choice] The texts of wrong credentials (no published wording). */
export const ARAS_AUTH_FAILED = 'Kullanıcı adı veya şifre hatalı.';
export const ARAS_QUERY_AUTH_FAILED = 'Kullanıcı adı, şifre veya müşteri kodu hatalı.';

/**
 * [choice] The status records' DURUM_KODU and DURUMU. §4.2/§4.4 give only keywords (KABUL, TRANSFER/YOLDA,
 * DAĞITIM, TESLİM EDİLDİ, TESLİM EDİLEMEDİ, İADE) and "6 = delivered" from integrators; the other codes are ours.
 */
export const ARAS_STATUSES = {
  accepted: { code: '1', text: 'KARGO KABUL EDİLDİ' },
  transfer: { code: '2', text: 'TRANSFER MERKEZİNDE - YOLDA' },
  outForDelivery: { code: '3', text: 'DAĞITIMDA' },
  delivered: { code: '6', text: 'TESLİM EDİLDİ' },
  notDelivered: { code: '7', text: 'TESLİM EDİLEMEDİ - ALICI ADRESTE YOK' },
  returned: { code: '8', text: 'İADE - GÖNDERİCİYE TESLİM EDİLDİ' },
  canceled: { code: '0', text: 'İPTAL EDİLDİ' },
} as const;
export type ArasStatusName = keyof typeof ARAS_STATUSES;

export interface ArasAccount {
  /** Order service (SetOrder, CancelDispatch) credentials. */
  username: string;
  password: string;
  /** §4.2: the query service has credentials of its own, plus the customer code. */
  queryUsername: string;
  queryPassword: string;
  customerCode: string;
}

export interface ArasSimulatorOptions {
  port?: number;
  accounts: ArasAccount[];
  clock?: SimClock;
  /**
   * Simulated ms between steps: first scan (KABUL) at creation + stepMs, TRANSFER at 2×, DAĞITIMDA at 3×,
   * TESLİM EDİLDİ (or EDİLEMEDİ) at 4×; İADE stepMs after returnToSender(). Default 1000.
   */
  stepMs?: number;
}

export interface ArasPiece {
  barcode: string;
  weight: string;
  volumetricWeight: string;
  productNumber: string;
  description: string;
}

export interface ArasShipment {
  integrationCode: string;
  /** The order-service username of the account that created it. */
  account: string;
  invoiceNumber: string;
  tradingWaybillNumber: string;
  receiverName: string;
  receiverAddress: string;
  receiverPhone1: string;
  city: string;
  town: string;
  pieceCount: number;
  pieces: ArasPiece[];
  isCod: boolean;
  codAmount: string;
  /** Aras's own KARGO_TAKIP_NO, deterministic by creation order. */
  trackingNo: string;
  createdAt: number;
  canceledAt?: number;
  failDelivery: boolean;
  returnStartedAt?: number;
}

export interface ArasStatusRecord {
  code: string;
  text: string;
  /** Epoch ms. */
  at: number;
}

/** The shipment as the query service shows it now: derived from its record and the clock, never stored. */
export interface ArasShipmentView {
  integrationCode: string;
  trackingNo: string;
  /** undefined until the first scan (the query has no record yet). */
  current?: ArasStatusRecord;
  history: ArasStatusRecord[];
}

export interface ArasSetOrderFailure {
  resultCode: string;
  resultMessage: string;
}

export interface ArasSimState {
  clock: SimClock;
  /** By `${username}/${IntegrationCode}`: IntegrationCodes are the merchant's, so one space per account. */
  shipments: Map<string, ArasShipment>;
  requests: RequestLog;
  faults: HttpFaults;
  /** The shipment with this IntegrationCode (of `account`, or of any account when omitted). */
  shipment(integrationCode: string, account?: string): ArasShipment | undefined;
  view(integrationCode: string, account?: string): ArasShipmentView | undefined;
  /** The delivery attempt ends TESLİM EDİLEMEDİ instead of TESLİM EDİLDİ. */
  failDelivery(integrationCode: string): void;
  /** The parcel goes back: the forward flow stops now, İADE a step later. */
  returnToSender(integrationCode: string): void;
  /** The next `times` SetOrder calls answer this ResultCode/ResultMessage inside an HTTP 200, creating nothing. */
  failNext(failure: ArasSetOrderFailure, times?: number): void;
  /** The next `times` requests to `path` are held without an answer (until the simulator closes): a timeout. */
  hangNext(path: string, times?: number): void;
}

const TURKEY_OFFSET_MS = 3 * 3600_000;

/** [choice] The record's time field ISLEM_TARIHI as `dd.MM.yyyy HH:mm:ss` Turkey time (UTC+3 all year). */
export function arasDateTime(ms: number): string {
  const iso = new Date(ms + TURKEY_OFFSET_MS).toISOString();
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)} ${iso.slice(11, 19)}`;
}

/** The request log with passwords masked: credentials travel in the body, also inside the escaped loginInfo. */
class ArasRequestLog extends RequestLog {
  override record(...[req, body, status, at]: Parameters<RequestLog['record']>): void {
    const masked = body
      .replace(/(<(?:\w+:)?[Pp]assword>)[^<]*(<\/)/g, '$1***$2')
      .replace(/(&lt;Password&gt;)(?:(?!&lt;).)*(&lt;\/)/g, '$1***$2');
    super.record(req, masked, status, at);
  }
}

function soap(status: number, xml: string): SimResponse {
  return { status, body: xml, headers: { 'content-type': 'text/xml; charset=utf-8' } };
}

/** An answer as .NET writes it: `<{operation}Response xmlns="http://tempuri.org/">` with qualified children. */
function answer(envPrefix: 'soap' | 's', operation: ArasOperation, inner: string): SimResponse {
  return soap(
    200,
    '<?xml version="1.0" encoding="utf-8"?>' +
      `<${envPrefix}:Envelope xmlns:${envPrefix}="${SOAP_ENV_NS}"><${envPrefix}:Body>` +
      `<${operation}Response xmlns="${ARAS_NS}">${inner}</${operation}Response>` +
      `</${envPrefix}:Body></${envPrefix}:Envelope>`,
  );
}

const text = (el: XmlElement | undefined, name: string) => childText(el, name) ?? '';

/** Starts both services on one loopback port; `state` is the in-process view and the test controls. */
export async function startArasSimulator(options: ArasSimulatorOptions): Promise<RunningSimulator & { state: ArasSimState }> {
  const clock = options.clock ?? systemClock();
  const stepMs = options.stepMs ?? 1000;
  if (!(stepMs > 0)) throw new Error(`stepMs must be > 0, got ${stepMs}`);
  const byUser = new Map(options.accounts.map((a) => [a.username, a]));
  const faults = new HttpFaults();
  const requests = new ArasRequestLog();
  const shipments = new Map<string, ArasShipment>();
  const failures: { failure: ArasSetOrderFailure; times: number }[] = [];
  const hangs = new Map<string, number>();
  let seq = 0;

  const keyOf = (account: string, integrationCode: string) => `${account}/${integrationCode}`;
  const find = (integrationCode: string, account?: string) =>
    account !== undefined
      ? shipments.get(keyOf(account, integrationCode))
      : [...shipments.values()].find((s) => s.integrationCode === integrationCode);
  const mustFind = (integrationCode: string) => {
    const s = find(integrationCode);
    if (!s) throw new Error(`no shipment with IntegrationCode ${integrationCode}`);
    return s;
  };

  function view(s: ArasShipment, now: number): ArasShipmentView {
    const base = { integrationCode: s.integrationCode, trackingNo: s.trackingNo };
    if (s.canceledAt !== undefined) {
      // [choice] A cancelled dispatch shows one İPTAL record, so a poller learns of it (§4.2 says nothing).
      const current = { ...ARAS_STATUSES.canceled, at: s.canceledAt };
      return { ...base, current, history: [current] };
    }
    const forward: ArasStatusName[] = ['accepted', 'transfer', 'outForDelivery', s.failDelivery ? 'notDelivered' : 'delivered'];
    const history: ArasStatusRecord[] = [];
    forward.forEach((name, i) => {
      const at = s.createdAt + (i + 1) * stepMs;
      // The forward flow stops where a return starts.
      if (at > now || (s.returnStartedAt !== undefined && at > s.returnStartedAt) || history.length < i) return;
      history.push({ ...ARAS_STATUSES[name], at });
    });
    if (s.returnStartedAt !== undefined && s.returnStartedAt + stepMs <= now) {
      history.push({ ...ARAS_STATUSES.returned, at: s.returnStartedAt + stepMs });
    }
    const current = history[history.length - 1];
    return current ? { ...base, current, history } : { ...base, history };
  }

  const state: ArasSimState = {
    clock,
    shipments,
    requests,
    faults,
    shipment: find,
    view(integrationCode, account) {
      const s = find(integrationCode, account);
      return s ? view(s, clock.now()) : undefined;
    },
    failDelivery(integrationCode) {
      const s = mustFind(integrationCode);
      const current = view(s, clock.now()).current;
      // Once the attempt is over (TESLİM EDİLDİ or EDİLEMEDİ), there is nothing left to fail.
      const attempted = current?.code === ARAS_STATUSES.delivered.code || current?.code === ARAS_STATUSES.notDelivered.code;
      if (s.canceledAt !== undefined || s.returnStartedAt !== undefined || attempted) {
        throw new Error(`shipment ${integrationCode} is ${current?.text ?? 'not scanned'}${s.returnStartedAt !== undefined ? ' (returning)' : ''}: no delivery to fail`);
      }
      s.failDelivery = true;
    },
    returnToSender(integrationCode) {
      const s = mustFind(integrationCode);
      const current = view(s, clock.now()).current;
      if (!current || s.canceledAt !== undefined || s.returnStartedAt !== undefined || current.code === ARAS_STATUSES.delivered.code) {
        throw new Error(`shipment ${integrationCode} is ${current?.text ?? 'not scanned'}: only a scanned parcel not delivered nor returning can be returned`);
      }
      s.returnStartedAt = clock.now();
    },
    failNext(failure, times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
      if (!failure.resultCode || failure.resultCode === ARAS_RESULT.ok) throw new Error('failNext needs a non-zero resultCode');
      failures.push({ failure, times });
    },
    hangNext(path, times = 1) {
      if (!Number.isInteger(times) || times < 1) throw new Error(`times must be a positive integer, got ${times}`);
      hangs.set(path, (hangs.get(path) ?? 0) + times);
    },
  };

  function takeFailure(): ArasSetOrderFailure | undefined {
    const head = failures[0];
    if (!head) return undefined;
    head.times -= 1;
    if (head.times === 0) failures.shift();
    return head.failure;
  }

  // ---- order service (ASMX) ----

  const orderResult = (resultCode: string, resultMessage: string, extra: XmlFields = {}): XmlFields => ({
    ResultCode: resultCode,
    ResultMessage: resultMessage,
    ...extra,
  });

  function setOrderOne(order: XmlElement, account: ArasAccount, now: number): XmlFields {
    if (text(order, 'UserName') !== account.username || text(order, 'Password') !== account.password) {
      return orderResult(ARAS_RESULT.authFailed, ARAS_AUTH_FAILED);
    }
    const code = text(order, 'IntegrationCode');
    const missing = (field: string) => orderResult(ARAS_RESULT.fieldMissing, `${field} alanı boş olamaz.`);
    if (!code) return missing('IntegrationCode');
    if (find(code, account.username)) {
      return orderResult(ARAS_RESULT.alreadyExists, `${code} IntegrationCode ile kayıt zaten mevcut (record already exists).`);
    }
    for (const field of ['ReceiverName', 'ReceiverAddress', 'ReceiverCityName', 'ReceiverTownName']) {
      if (!text(order, field)) return missing(field);
    }
    const waybill = text(order, 'TradingWaybillNumber');
    if (waybill.length > ARAS_MAX_WAYBILL) {
      return orderResult(ARAS_RESULT.waybillTooLong, `TradingWaybillNumber en fazla ${ARAS_MAX_WAYBILL} karakter olabilir (${waybill.length}).`);
    }
    const pieceCountText = text(order, 'PieceCount');
    const pieceCount = Number(pieceCountText);
    if (!/^\d+$/.test(pieceCountText) || pieceCount < 1) {
      return orderResult(ARAS_RESULT.fieldMissing, `PieceCount 1 veya daha büyük bir tam sayı olmalıdır (${pieceCountText || 'boş'}).`);
    }
    const details = childrenNamed(child(order, 'PieceDetails'), 'PieceDetail');
    // [choice] PieceDetails may be left out (Aras then numbers the pieces itself); when given, one per piece.
    if (details.length > 0 && details.length !== pieceCount) {
      return orderResult(ARAS_RESULT.pieceCountMismatch, `PieceCount (${pieceCount}) ile PieceDetails sayısı (${details.length}) uyuşmuyor.`);
    }
    const pieces: ArasPiece[] = [];
    const used = new Set([...shipments.values()].flatMap((s) => s.pieces.map((p) => p.barcode)));
    for (const detail of details) {
      const barcode = text(detail, 'BarcodeNumber');
      if (!barcode) return missing('PieceDetail.BarcodeNumber');
      // A barcode is a sticker on one parcel: unique across every piece of every order, of every account.
      if (used.has(barcode) || pieces.some((p) => p.barcode === barcode)) {
        return orderResult(ARAS_RESULT.barcodeUsed, `${barcode} BarcodeNumber daha önce başka bir parça için kullanılmış.`);
      }
      pieces.push({
        barcode,
        weight: text(detail, 'Weight'),
        volumetricWeight: text(detail, 'VolumetricWeight'),
        productNumber: text(detail, 'ProductNumber'),
        description: text(detail, 'Description'),
      });
    }
    seq += 1;
    const shipment: ArasShipment = {
      integrationCode: code,
      account: account.username,
      invoiceNumber: text(order, 'InvoiceNumber'),
      tradingWaybillNumber: waybill,
      receiverName: text(order, 'ReceiverName'),
      receiverAddress: text(order, 'ReceiverAddress'),
      receiverPhone1: text(order, 'ReceiverPhone1'),
      city: text(order, 'ReceiverCityName'),
      town: text(order, 'ReceiverTownName'),
      pieceCount,
      pieces,
      isCod: text(order, 'IsCod') === '1',
      codAmount: text(order, 'CodAmount'),
      trackingNo: String(3_513_000_000_000 + seq),
      createdAt: now,
      failDelivery: false,
    };
    shipments.set(keyOf(account.username, code), shipment);
    // [choice] InvoiceKey echoes the IntegrationCode (the key the record is kept under); OrgReceiverCustId is ours.
    return orderResult(ARAS_RESULT.ok, 'Başarılı', { InvoiceKey: code, OrgReceiverCustId: String(90_000_000 + seq) });
  }

  function setOrder(op: XmlElement): SimResponse {
    const respond = (results: XmlFields[]) => answer('soap', 'SetOrder', xmlElement('SetOrderResult', { OrderResultInfo: results }));
    const account = byUser.get(text(op, 'userName'));
    if (!account || account.password !== text(op, 'password')) return respond([orderResult(ARAS_RESULT.authFailed, ARAS_AUTH_FAILED)]);
    const orders = childrenNamed(child(op, 'orderInfo'), 'Order');
    if (orders.length === 0) return respond([orderResult(ARAS_RESULT.fieldMissing, 'orderInfo içinde Order bulunamadı.')]);
    const failure = takeFailure();
    if (failure) return respond(orders.map(() => orderResult(failure.resultCode, failure.resultMessage)));
    const now = clock.now();
    return respond(orders.map((order) => setOrderOne(order, account, now)));
  }

  function cancelDispatch(op: XmlElement): SimResponse {
    const respond = (code: string, message: string) =>
      answer('soap', 'CancelDispatch', xmlElement('CancelDispatchResult', orderResult(code, message)));
    const account = byUser.get(text(op, 'userName'));
    if (!account || account.password !== text(op, 'password')) return respond(ARAS_RESULT.authFailed, ARAS_AUTH_FAILED);
    const code = text(op, 'integrationCode');
    if (!code) return respond(ARAS_RESULT.fieldMissing, 'integrationCode alanı boş olamaz.');
    const s = find(code, account.username);
    if (!s) return respond(ARAS_RESULT.notFound, `${code} IntegrationCode ile kayıt bulunamadı.`);
    if (s.canceledAt !== undefined) return respond(ARAS_RESULT.alreadyCancelled, `${code} daha önce iptal edilmiş.`);
    // §4.2/§5: CancelDispatch only before acceptance, i.e. the first scan.
    if (view(s, clock.now()).current) return respond(ARAS_RESULT.cannotCancel, `${code} kargo işlem gördüğü için iptal edilemez.`);
    s.canceledAt = clock.now();
    return respond(ARAS_RESULT.ok, 'İptal işlemi başarılı.');
  }

  // ---- query service (WCF) ----

  function queryJson(value: unknown): SimResponse {
    return answer('s', 'GetQueryJSON', xmlElement('GetQueryJSONResult', JSON.stringify(value)));
  }
  /** [choice] §4.2 does not show the JSON of an error; the simulator answers `{"QueryResult":{"Error":{Code,Message}}}`. */
  const queryError = (code: string, message: string) => queryJson({ QueryResult: { Error: { Code: code, Message: message } } });

  function parseArgument(op: XmlElement, name: string, root: string): XmlElement | string {
    const raw = childText(op, name);
    if (!raw) return `${name} alanı boş olamaz.`;
    try {
      const parsed = parseXml(raw);
      return parsed.name === root ? parsed : `${name} bir <${root}> belgesi olmalıdır.`;
    } catch (err) {
      if (err instanceof XmlParseError) return `${name} okunamadı: ${err.message}`;
      throw err;
    }
  }

  function getQueryJson(op: XmlElement): SimResponse {
    const login = parseArgument(op, 'loginInfo', 'LoginInfo');
    if (typeof login === 'string') return queryError(ARAS_RESULT.fieldMissing, login);
    const account = [...byUser.values()].find(
      (a) => a.queryUsername === text(login, 'UserName') && a.queryPassword === text(login, 'Password') && a.customerCode === text(login, 'CustomerCode'),
    );
    if (!account) return queryError(ARAS_RESULT.authFailed, ARAS_QUERY_AUTH_FAILED);
    const query = parseArgument(op, 'queryInfo', 'QueryInfo');
    if (typeof query === 'string') return queryError(ARAS_RESULT.fieldMissing, query);
    // [choice] Only QueryType 1 (by IntegrationCode, one code per call) is served; §4.2 names no other.
    if (text(query, 'QueryType') !== '1') return queryError(ARAS_RESULT.fieldMissing, `QueryType ${text(query, 'QueryType') || '(boş)'} desteklenmiyor; 1 kullanınız.`);
    const code = text(query, 'IntegrationCode');
    if (!code) return queryError(ARAS_RESULT.fieldMissing, 'IntegrationCode alanı boş olamaz.');
    const s = find(code, account.username);
    const current = s ? view(s, clock.now()).current : undefined;
    // §4.4: nothing until the first scan. [choice] No record reads as an empty QueryResult, as an XML→JSON
    // conversion of an empty result writes it.
    if (!s || !current) return queryJson({ QueryResult: {} });
    // [choice] One record per shipment with its current status; a single record is an object, not an array (the
    // XML→JSON conversion integrators describe), so the connector must accept both.
    return queryJson({
      QueryResult: {
        Cargo: {
          MUSTERI_OZEL_KODU: s.integrationCode,
          KARGO_TAKIP_NO: s.trackingNo,
          FATURA_NO: s.invoiceNumber,
          ALICI_ADI: s.receiverName,
          PARCA_SAYISI: String(s.pieceCount),
          DURUM_KODU: current.code,
          DURUMU: current.text,
          ISLEM_TARIHI: arasDateTime(current.at),
        },
      },
    });
  }

  // ---- dispatch ----

  const services: Record<string, { envPrefix: 'soap' | 's'; operations: Partial<Record<ArasOperation, (op: XmlElement) => SimResponse>> }> = {
    [ARAS_ORDER_SERVICE_PATH]: { envPrefix: 'soap', operations: { SetOrder: setOrder, CancelDispatch: cancelDispatch } },
    [ARAS_QUERY_SERVICE_PATH]: { envPrefix: 's', operations: { GetQueryJSON: getQueryJson } },
  };

  function service(req: SimRequest, svc: (typeof services)[string]): SimResponse {
    if (req.method !== 'POST') return soap(405, soapFault('Client', 'only POST is served'));
    const contentType = String(req.headers['content-type'] ?? '');
    if (!/^text\/xml\b/i.test(contentType)) {
      return { status: 415, body: `Cannot process the message because the content type '${contentType}' was not the expected type 'text/xml; charset=utf-8'.` };
    }
    const action = String(req.headers['soapaction'] ?? '').replace(/^"|"$/g, '');
    const operation = (Object.keys(svc.operations) as ArasOperation[]).find((name) => ARAS_SOAP_ACTIONS[name] === action);
    const handler = operation ? svc.operations[operation] : undefined;
    if (!operation || !handler) {
      return soap(
        500,
        svc.envPrefix === 'soap'
          ? soapFault('Client', `Server did not recognize the value of HTTP Header SOAPAction: ${action}.`)
          : soapFault('Client', `The message with Action '${action}' cannot be processed at the receiver, due to a ContractFilter mismatch at the EndpointDispatcher.`),
      );
    }
    let body;
    try {
      body = parseSoapEnvelope(req.body);
    } catch (err) {
      if (err instanceof XmlParseError) return soap(500, soapFault('Client', `Server was unable to read request: ${err.message}`));
      throw err;
    }
    if (body.kind === 'fault' || body.element.name !== operation || body.element.ns !== ARAS_NS) {
      const got = body.kind === 'fault' ? 'Fault' : `{${body.element.ns ?? ''}}${body.element.name}`;
      return soap(500, soapFault('Client', `The body element ${got} does not match SOAPAction ${action}.`));
    }
    return handler(body.element);
  }

  function admin(req: SimRequest): SimResponse {
    const shared = sharedAdmin(req, { clock, log: requests, faults });
    if (shared) return shared;
    if (req.method === 'POST' && req.path === '/__admin/fail-next') {
      let parsed: { resultCode?: unknown; resultMessage?: unknown; times?: unknown } | undefined;
      try {
        parsed = JSON.parse(req.body) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed.resultCode !== 'string' || typeof parsed.resultMessage !== 'string') {
        return { status: 400, body: { message: 'body must be { "resultCode": non-zero string, "resultMessage": string, "times"? }' } };
      }
      try {
        state.failNext({ resultCode: parsed.resultCode, resultMessage: parsed.resultMessage }, typeof parsed.times === 'number' ? parsed.times : 1);
      } catch (err) {
        return { status: 400, body: { message: err instanceof Error ? err.message : String(err) } };
      }
      return { status: 204 };
    }
    if (req.method === 'POST' && req.path === '/__admin/hang') {
      let parsed: { path?: unknown; times?: unknown } | undefined;
      try {
        parsed = JSON.parse(req.body) as typeof parsed;
      } catch {
        parsed = undefined;
      }
      if (!parsed || typeof parsed.path !== 'string' || (parsed.times !== undefined && typeof parsed.times !== 'number')) {
        return { status: 400, body: { message: 'body must be { "path": string, "times"?: number }' } };
      }
      try {
        state.hangNext(parsed.path, typeof parsed.times === 'number' ? parsed.times : 1);
      } catch (err) {
        return { status: 400, body: { message: err instanceof Error ? err.message : String(err) } };
      }
      return { status: 204 };
    }
    const one = shipmentAdmin(req, {
      collection: 'shipments',
      keyName: 'IntegrationCode',
      noun: 'shipment',
      find: (key) => find(key),
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
    const svc = services[req.path];
    return svc ? service(req, svc) : { status: 404, body: 'Not Found' };
  }

  // Not http-kit's serve(): this one can also hold a request without answering (hangNext), to test timeouts.
  const held = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readBody(req).then(
      (body) => {
        const url = new URL(req.url ?? '/', 'http://sim.local');
        const isAdmin = url.pathname.startsWith('/__admin/');
        const hang = isAdmin ? 0 : (hangs.get(url.pathname) ?? 0);
        if (hang > 0) {
          if (hang === 1) hangs.delete(url.pathname);
          else hangs.set(url.pathname, hang - 1);
          // [choice] Logged with status 0: the request arrived and got no answer.
          requests.record(req, body, 0, clock.now());
          held.add(res);
          res.on('close', () => held.delete(res));
          return;
        }
        let response: SimResponse;
        try {
          response = handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        } catch (err) {
          response = { status: 500, body: `simulator error: ${err instanceof Error ? err.message : String(err)}` };
        }
        if (!isAdmin) requests.record(req, body, response.status, clock.now());
        send(res, response);
      },
      (err: unknown) => send(res, { status: 413, body: err instanceof Error ? err.message : String(err) }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        held.clear();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
    state,
  };
}

