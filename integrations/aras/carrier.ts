// Aras Kargo (CONNECTORS.md §4.2) from the OMS's side, as a CarrierProtocol: SetOrder/CancelDispatch on the
// ASMX order service, GetQueryJSON on the WCF query service (its own credentials plus the customer code). Every
// non-zero ResultCode, and every error inside the query's JSON string, becomes a CarrierError carrying the
// carrier's message and code; DURUMU texts are normalized onto §4.4 by keyword with the raw code and text kept.
import { postSoap } from '../soap-call';
import type { FetchLike } from '../channel-http';
import { CarrierError, type CarrierErrorKind, type CarrierProtocol, type CreatedShipment, type ShipmentTracking, type ShipmentTrackingStatus } from '../carrier-protocol';
import { child, childText, findDeep, soapEnvelope, type XmlElement, type XmlFields, xmlElement } from '../yurtici/soap';
import {
  ARAS_NS,
  ARAS_ORDER_SERVICE_PATH,
  ARAS_QUERY_SERVICE_PATH,
  ARAS_SOAP_ACTIONS,
  type ArasOperation,
  arasTrackingUrl,
} from './protocol';

const CARRIER = 'aras';

export interface ArasCarrierOptions {
  /** The host of both services: `https://customerservicestest.araskargo.com.tr` or the simulator's URL. */
  baseUrl: string;
  /** Order service (SetOrder, CancelDispatch) credentials. */
  username: string;
  password: string;
  /** §4.2: query credentials may differ; the order credentials when omitted. */
  queryUsername?: string | undefined;
  queryPassword?: string | undefined;
  customerCode?: string | undefined;
  /**
   * Full URLs of the services, for production, where they sit on different hosts and paths
   * (`https://customerws.araskargo.com.tr/arascargoservice.asmx`, `https://customerservices.araskargo.com.tr/
   * ArasCargoCustomerIntegrationService/ArasCargoIntegrationService.svc`); default baseUrl + the test paths.
   */
  orderServiceUrl?: string | undefined;
  queryServiceUrl?: string | undefined;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/**
 * Upper-cases the Turkish way (i → İ, ı → I) and drops the marks (İ → I, Ş → S, Ğ → G…), so "Teslim edildi",
 * "TESLIM EDILDI" and the "teslim edi̇ldi̇" a non-Turkish toLowerCase() makes of "TESLİM EDİLDİ" all read alike.
 */
export function foldTurkish(value: string): string {
  return value
    .toLocaleUpperCase('tr')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * §4.4 by keyword, first match wins: a return overrides where the parcel is, a failed delivery must be read
 * before "TESLİM", İPTAL is outside the vocabulary. [choice] "VARIŞ" (at the arrival branch) reads as in transit;
 * "ÇIKIŞ ŞUBESİ" as picked up. An unreadable text falls back to DURUM_KODU "6" (delivered, per integrators),
 * then to `unknown`.
 */
const KEYWORDS: [RegExp, ShipmentTrackingStatus][] = [
  [/IADE/, 'returned_to_sender'],
  [/IPTAL/, 'canceled'],
  [/TESLIM EDILEMEDI|TESLIM EDILEMEMIS/, 'delivery_failed'],
  [/TESLIM EDILDI/, 'delivered'],
  [/DAGITIM/, 'out_for_delivery'],
  [/TRANSFER|YOLDA|VARIS/, 'in_transit'],
  [/KABUL|CIKIS SUBESI/, 'picked_up'],
];

/** The §4.4 status of one query record's DURUMU (text) and DURUM_KODU (code). */
export function normalizeArasStatus(text: string | undefined, code: string | undefined): ShipmentTrackingStatus {
  const folded = foldTurkish(text ?? '');
  for (const [pattern, status] of KEYWORDS) if (pattern.test(folded)) return status;
  return code?.trim() === '6' ? 'delivered' : 'unknown';
}

/**
 * ISLEM_TARIHI to ISO UTC: `dd.MM.yyyy HH:mm[:ss]` or `yyyy-MM-ddTHH:mm[:ss]`, Turkey time (UTC+3 all year) unless
 * it carries a zone. [choice] §4.2 names no time field or format; this is what the simulator writes.
 */
export function arasTimeToIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  const dotted = /^(\d{2})\.(\d{2})\.(\d{4})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(v);
  const iso = dotted
    ? `${dotted[3]}-${dotted[2]}-${dotted[1]}T${dotted[4] ?? '00'}:${dotted[5] ?? '00'}:${dotted[6] ?? '00'}+03:00`
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v)
      ? `${v}+03:00`
      : v;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** [choice] §4.2 gives no codes: the words of a refusal tell credentials, the service's own trouble, or a refusal. */
function kindOf(message: string): CarrierErrorKind {
  if (/kullanıcı|kullanici|şifre|sifre|parola|müşteri kodu|yetki|password|user ?name|login|unauthori/i.test(message)) return 'auth';
  if (/beklenmeyen|sistem hatası|zaman aşımı|geçici|unexpected|timeout|temporar/i.test(message)) return 'unavailable';
  return 'rejected';
}

/** "The record already exists": how a repeated IntegrationCode is answered (§4.2, [L]). */
const ALREADY_EXISTS = /zaten mevcut|daha önce (kayıt|oluştur)|already exists|kayıt mevcut/i;

type ArasRecord = Record<string, unknown>;

/** An Aras client as the OMS's CarrierProtocol. */
export function createArasCarrier(options: ArasCarrierOptions): CarrierProtocol & { readonly carrier: 'aras' } {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');
  const orderUrl = options.orderServiceUrl ?? `${base}${ARAS_ORDER_SERVICE_PATH}`;
  const queryUrl = options.queryServiceUrl ?? `${base}${ARAS_QUERY_SERVICE_PATH}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const loginInfo = xmlElement('LoginInfo', {
    UserName: options.queryUsername ?? options.username,
    Password: options.queryPassword ?? options.password,
    CustomerCode: options.customerCode ?? '',
  });

  /** One SOAP call; resolves with the `{operation}Result` element, throws CarrierError for transport, HTTP and Faults. */
  async function call(url: string, operation: ArasOperation, fields: XmlFields, what: string): Promise<XmlElement> {
    const { status, element } = await postSoap({
      carrier: CARRIER,
      fetch: fetchImpl,
      url,
      soapAction: `"${ARAS_SOAP_ACTIONS[operation]}"`,
      envelope: soapEnvelope(operation, fields, { namespace: ARAS_NS }),
      timeoutMs,
      what,
    });
    const resultName = `${operation}Result`;
    const result = findDeep(element, resultName);
    if (!result) throw new CarrierError(CARRIER, 'unavailable', `${what}: no ${resultName} in the answer`, undefined, status);
    return result;
  }

  /** ResultCode/ResultMessage of an OrderResultInfo or CancelDispatchResult; undefined when the code is 0. */
  function resultError(what: string, result: XmlElement | undefined): CarrierError | undefined {
    const code = childText(result, 'ResultCode');
    const message = childText(result, 'ResultMessage') ?? '';
    if (code === '0') return undefined;
    if (code === undefined || code === '') return new CarrierError(CARRIER, 'unavailable', `${what}: no ResultCode in the answer`);
    return new CarrierError(CARRIER, kindOf(message), `${what}: ResultCode ${code}: ${message}`, code);
  }

  async function queryOne(reference: string): Promise<ShipmentTracking> {
    const what = `GetQueryJSON ${reference}`;
    const queryInfo = xmlElement('QueryInfo', { QueryType: 1, IntegrationCode: reference });
    const result = await call(queryUrl, 'GetQueryJSON', { loginInfo, queryInfo }, what);
    let parsed: unknown;
    try {
      parsed = JSON.parse(result.text);
    } catch {
      throw new CarrierError(CARRIER, 'unavailable', `${what}: GetQueryJSONResult is not JSON: ${result.text.slice(0, 200)}`);
    }
    const queryResult = (parsed as { QueryResult?: unknown } | null)?.QueryResult;
    if (typeof queryResult !== 'object' || queryResult === null) {
      throw new CarrierError(CARRIER, 'unavailable', `${what}: no QueryResult in ${result.text.slice(0, 200)}`);
    }
    const error = (queryResult as { Error?: { Code?: unknown; Message?: unknown } }).Error;
    if (error) {
      const message = String(error.Message ?? '');
      const code = error.Code === undefined ? undefined : String(error.Code);
      throw new CarrierError(CARRIER, kindOf(message), `${what}: ${code ? `error ${code}: ` : ''}${message}`, code);
    }
    // A single record may come as an object, several as an array (XML→JSON conversion).
    const cargo = (queryResult as { Cargo?: unknown }).Cargo;
    const records = (Array.isArray(cargo) ? cargo : cargo ? [cargo] : []).filter(
      (r): r is ArasRecord =>
        typeof r === 'object' &&
        r !== null &&
        // Records of another code, if the service ever sent them, are not this reference's.
        ((r as ArasRecord).MUSTERI_OZEL_KODU === undefined || String((r as ArasRecord).MUSTERI_OZEL_KODU) === reference),
    );
    const str = (r: ArasRecord, field: string) => (r[field] === undefined || r[field] === null ? undefined : String(r[field]));
    // The latest record decides; every record with a readable time is an event.
    const events = records
      .map((r) => ({ code: str(r, 'DURUM_KODU') ?? '', name: str(r, 'DURUMU') ?? '', at: arasTimeToIso(str(r, 'ISLEM_TARIHI')) }))
      .filter((e): e is { code: string; name: string; at: string } => e.at !== undefined)
      .sort((a, b) => a.at.localeCompare(b.at));
    const latest = records.reduce<ArasRecord | undefined>((best, r) => {
      if (!best) return r;
      return (arasTimeToIso(str(r, 'ISLEM_TARIHI')) ?? '') >= (arasTimeToIso(str(best, 'ISLEM_TARIHI')) ?? '') ? r : best;
    }, undefined);
    if (!latest) {
      // §4.4: SetOrder done, no query record yet (no first scan).
      return { reference, status: 'label_created', raw: {}, events: [] };
    }
    const trackingNo = str(latest, 'KARGO_TAKIP_NO');
    return {
      reference,
      status: normalizeArasStatus(str(latest, 'DURUMU'), str(latest, 'DURUM_KODU')),
      at: arasTimeToIso(str(latest, 'ISLEM_TARIHI')),
      raw: {
        code: str(latest, 'DURUM_KODU'),
        text: str(latest, 'DURUMU'),
        trackingNo,
        invoiceNumber: str(latest, 'FATURA_NO'),
        time: str(latest, 'ISLEM_TARIHI'),
      },
      events,
      trackingUrl: trackingNo ? arasTrackingUrl(trackingNo) : undefined,
    };
  }

  const credentials = { userName: options.username, password: options.password };

  return {
    carrier: CARRIER,
    /**
     * [choice] QueryType 1 takes one IntegrationCode per call, so a page is that many calls in a row; kept small so a
     * page stays well inside an activity's timeout.
     */
    queryPageSize: 5,

    async createShipment(args): Promise<CreatedShipment> {
      const { reference, orderReference, receiver } = args;
      const pieces = args.pieces ?? 1;
      const refuse = (message: string) => new CarrierError(CARRIER, 'rejected', `SetOrder ${reference}: ${message}`);
      if (!reference.trim()) throw refuse('reference must not be empty');
      if (!Number.isInteger(pieces) || pieces < 1) throw refuse(`pieces must be a positive integer, got ${pieces}`);
      if (args.codAmount !== undefined && !/^\d+(\.\d{1,2})?$/.test(args.codAmount)) {
        throw refuse(`codAmount must be a decimal string with at most two decimals, got ${JSON.stringify(args.codAmount)}`);
      }
      // One PieceDetail per parcel, each its own barcode (§4.2: unique per piece), derived from the reference so a
      // retried create sends the same ones.
      const barcodes = Array.from({ length: pieces }, (_, i) => `${reference}-${i + 1}`);
      const created = { reference, trackingNumber: reference, labelRef: barcodes[0] as string };
      const result = await call(
        orderUrl,
        'SetOrder',
        {
          orderInfo: {
            Order: {
              UserName: options.username,
              Password: options.password,
              IntegrationCode: reference,
              // [choice] The order's reference is both the waybill and the invoice number; §4.2 caps the waybill at 16.
              TradingWaybillNumber: orderReference,
              InvoiceNumber: orderReference,
              ReceiverName: receiver.name,
              ReceiverAddress: receiver.address,
              ReceiverPhone1: receiver.phone ?? '',
              ReceiverCityName: receiver.city,
              ReceiverTownName: receiver.town,
              // [choice] One desi and one kg per parcel: the OMS does not weigh parcels yet.
              VolumetricWeight: pieces,
              Weight: pieces,
              PieceCount: pieces,
              PayorTypeCode: 1,
              IsWorldWide: 0,
              IsCod: args.codAmount !== undefined ? 1 : 0,
              CodAmount: args.codAmount ?? '',
              // [choice] Cash collection, billed to the sender.
              CodCollectionType: args.codAmount !== undefined ? 0 : '',
              CodBillingType: args.codAmount !== undefined ? 0 : '',
              PieceDetails: {
                PieceDetail: barcodes.map((barcode, i) => ({
                  VolumetricWeight: 1,
                  Weight: 1,
                  BarcodeNumber: barcode,
                  ProductNumber: orderReference,
                  Description: `${i + 1}/${pieces}`,
                })),
              },
            },
          },
          ...credentials,
        },
        `SetOrder ${reference}`,
      );
      const error = resultError(`SetOrder ${reference}`, child(result, 'OrderResultInfo') ?? result);
      if (!error) return { ...created, alreadyCreated: false };
      if (error.kind === 'rejected' && ALREADY_EXISTS.test(error.message)) {
        // Idempotency: the IntegrationCode exists under our account, i.e. a retry of this very create landed. A
        // query confirms it where it can: once scanned, its record carries our order reference as FATURA_NO;
        // before the first scan there is no record to compare, and the existence under our account is the proof.
        const existing = await queryOne(reference);
        const theirs = existing.raw.invoiceNumber;
        if (theirs !== undefined && theirs !== orderReference) {
          throw new CarrierError(
            CARRIER,
            'rejected',
            `SetOrder ${reference}: the IntegrationCode exists for another order (FATURA_NO ${theirs}, not ${orderReference})`,
            error.errCode,
          );
        }
        return { ...created, alreadyCreated: true };
      }
      throw error;
    },

    async queryShipments(references) {
      const results: ShipmentTracking[] = [];
      // One at a time: the service answers one IntegrationCode per call.
      for (const reference of references) results.push(await queryOne(reference));
      return results;
    },

    async cancelShipment(reference) {
      const what = `CancelDispatch ${reference}`;
      const result = await call(orderUrl, 'CancelDispatch', { ...credentials, integrationCode: reference }, what);
      const error = resultError(what, result);
      if (!error) return 'canceled';
      if (error.kind !== 'rejected') throw error;
      // §4.2 gives no codes for "too late" or "already cancelled": the shipment's own record tells.
      const now = await queryOne(reference);
      if (now.status === 'canceled') return 'already_canceled';
      if (now.status !== 'label_created' && now.status !== 'not_found' && now.status !== 'unknown') return 'too_late';
      throw error;
    },
  };
}

