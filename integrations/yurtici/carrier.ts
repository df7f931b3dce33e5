// Yurtiçi Kargo's ShippingOrderDispatcherServices (CONNECTORS.md §4.1) from the OMS's side: create, track and
// cancel shipments by the cargoKey the OMS chooses. Business errors arrive inside HTTP 200 (`outFlag`, per-row
// `errCode`) and are turned into CarrierError kinds here; tracking is normalized onto §4.4's vocabulary with the
// raw codes kept next to it. The worker reaches it as a carrier protocol (protocol.ts) behind the carrier gateway.
import { postSoap } from '../soap-call';
import type { FetchLike } from '../channel-http';
import {
  child,
  childrenNamed,
  childText,
  findDeep,
  soapEnvelope,
  type XmlElement,
  type XmlFields,
  YURTICI_SERVICE_PATH,
} from './soap';

const CARRIER = 'yurtici';

import { CarrierError, TRACKING_STATUSES, type CarrierErrorKind, type TrackingStatus } from '../carrier-protocol';

export { CarrierError, TRACKING_STATUSES, type CarrierErrorKind, type TrackingStatus };
/**
 * What a query can say of one key: the vocabulary, `canceled` (CNL/ISC/BI, outside the set per §4.4),
 * `not_found` (error row 82519) or `unknown` (a code this client does not know: keep the last state, flag it).
 */
export type YurticiTrackingStatus = TrackingStatus | 'canceled' | 'not_found' | 'unknown';

export interface YurticiClientOptions {
  /** The host: `https://ws.yurticikargo.com`, `https://testws.yurticikargo.com`, or the simulator's URL. */
  baseUrl: string;
  /** Credentials of one payment type (§4.1: sender-pays and receiver-pays accounts are separate). */
  user: string;
  password: string;
  /**
   * The receiver-pays / collection account (§4.1: credentials are bound to a payment type), for cash-on-delivery
   * shipments; without it a shipment with a collection is refused before it is sent.
   */
  cod?: { user: string; password: string } | undefined;
  fetch?: FetchLike;
  timeoutMs?: number;
}

export interface YurticiReceiver {
  name: string;
  address: string;
  phone?: string | undefined;
  city: string;
  town: string;
}

export interface YurticiTrackingEvent {
  /** Yurtiçi's eventId, raw. */
  code: string;
  /** Yurtiçi's eventName, raw. */
  name: string;
  /** The carrier's time of the event (ISO, UTC). */
  at: string;
  unit?: string | undefined;
  /** reasonName, when the carrier gave one (a failed delivery's reason). */
  reason?: string | undefined;
}

export interface YurticiTracking {
  cargoKey: string;
  invoiceKey?: string | undefined;
  status: YurticiTrackingStatus;
  /** The carrier's own codes, stored next to the normalized value (§4.4). */
  raw: {
    operationStatus?: string | undefined;
    operationCode?: string | undefined;
    operationMessage?: string | undefined;
    rejectStatus?: string | undefined;
    returnStatus?: string | undefined;
    errCode?: string | undefined;
    errMessage?: string | undefined;
  };
  events: YurticiTrackingEvent[];
  docId?: string | undefined;
  trackingUrl?: string | undefined;
  deliveredAt?: string | undefined;
}

export interface YurticiClient {
  /**
   * Creates the shipment under `cargoKey`. 60020 (the key exists) is success, because that is how a retried
   * create learns its first attempt landed; the client checks by a query that the existing shipment has the
   * same invoiceKey, otherwise it is a rejected 60020. `jobId` is undefined then (only the first answer has it).
   */
  createShipment(args: {
    cargoKey: string;
    invoiceKey: string;
    receiver: YurticiReceiver;
    cargoCount?: number;
    /** Cash on delivery: the amount (decimal string) the courier collects, sent with the collection account. */
    codAmount?: string | undefined;
  }): Promise<{ cargoKey: string; jobId: string | undefined; alreadyCreated: boolean }>;
  /** One result per key, in the order asked; keys of either account (main, collection) are found. */
  queryShipments(cargoKeys: string[]): Promise<YurticiTracking[]>;
  cancelShipment(cargoKey: string): Promise<'canceled' | 'already_canceled' | 'too_late'>;
}

const ERR_EXISTS = '60020';
const ERR_NOT_FOUND = '82519';
const ERR_ALREADY_CANCELLED = '82520';
const ERR_UNEXPECTED = '936';
const CANCELED_CODES = new Set(['CNL', 'ISC', 'BI']);

/** A stable id for one tracking event, so a poll and a callback of the same event deduplicate. */
export function yurticiEventId(cargoKey: string, status: string, at: string): string {
  const ms = Date.parse(at);
  // The instant, not its spelling: `…+03:00` and its UTC form are the same event.
  return `${CARRIER}:${cargoKey}:${status}:${Number.isNaN(ms) ? at : new Date(ms).toISOString()}`;
}

/**
 * yyyyMMdd + HHmmss as Turkey time (UTC+3 all year since 2016) to ISO UTC; undefined when unreadable.
 * [choice] §4.1 gives the formats only, not the zone; Turkey time is what a Turkish branch system writes.
 */
export function yurticiTimeToIso(date: string | undefined, time: string | undefined): string | undefined {
  if (!date || !/^\d{8}$/.test(date)) return undefined;
  const t = time && /^\d{6}$/.test(time) ? time : time && /^\d{4}$/.test(time) ? `${time}00` : '000000';
  const iso = `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}+03:00`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const lowerTr = (s: string) => s.toLocaleLowerCase('tr');

/**
 * [choice] §4.4 says "reasonName ≠ ok" without naming the ok values; an empty reason, or one reading like
 * "ok"/"normal"/"teslim edildi", is ok, any other reason on the latest event of an IND shipment is a failed attempt.
 */
function isFailureReason(reason: string | undefined): boolean {
  if (!reason) return false;
  return !/^(ok|normal|-|0|teslim edildi)$/.test(lowerTr(reason.trim()));
}

/** §4.4 for one detail row: return first (it overrides where the parcel is), then the operationStatus. */
export function normalizeYurticiStatus(row: {
  operationStatus?: string | undefined;
  rejectStatus?: string | undefined;
  returnStatus?: string | undefined;
  events: { name: string; reason?: string | undefined }[];
}): YurticiTrackingStatus {
  if (row.rejectStatus === '9' || row.rejectStatus === '10' || row.returnStatus === '3') return 'returned_to_sender';
  const status = row.operationStatus ?? '';
  if (CANCELED_CODES.has(status)) return 'canceled';
  const last = row.events[row.events.length - 1];
  switch (status) {
    case 'DLV':
      return 'delivered';
    case 'IND':
      if (last && isFailureReason(last.reason)) return 'delivery_failed';
      // [choice] The latest event decides: a "dağıtım" (distribution) event means out for delivery, any other
      // (transfer, arrival at a branch) in transit.
      return last && lowerTr(last.name).includes('dağıtım') ? 'out_for_delivery' : 'in_transit';
    case 'ISR':
      return 'picked_up';
    case 'NOP':
      // §4.4: NOP is label_created, but a first scan already means the parcel was picked up.
      return row.events.length > 0 ? 'picked_up' : 'label_created';
    default:
      return 'unknown';
  }
}

/** A Yurtiçi client over the SOAP service at `baseUrl`. */
export function createYurticiClient(options: YurticiClientOptions): YurticiClient {
  const fetchImpl = options.fetch ?? fetch;
  const url = `${options.baseUrl.replace(/\/+$/, '')}${YURTICI_SERVICE_PATH}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const credentials = { wsUserName: options.user, wsPassword: options.password };
  const codCredentials = options.cod ? { wsUserName: options.cod.user, wsPassword: options.cod.password } : undefined;

  /** One operation; resolves with the result VO when outFlag is 0, or 1 with rows to read. */
  async function call(operation: string, fields: XmlFields, resultName: string): Promise<XmlElement> {
    // SOAP 1.1: text/xml and a SOAPAction header; [choice] empty, which document/literal JAX-WS accepts.
    const { status, element } = await postSoap({
      carrier: CARRIER,
      fetch: fetchImpl,
      url,
      soapAction: '""',
      envelope: soapEnvelope(operation, fields),
      timeoutMs,
      what: operation,
    });
    const result = element.name === resultName ? element : findDeep(element, resultName);
    if (!result) throw new CarrierError(CARRIER, 'unavailable', `${operation}: no ${resultName} in the answer`, undefined, status);
    const outFlag = childText(result, 'outFlag');
    const outResult = childText(result, 'outResult') ?? '';
    if (outFlag === '2') throw new CarrierError(CARRIER, 'unavailable', `${operation}: unexpected error (outFlag 2): ${outResult}`, undefined, status);
    if (outFlag === '1' && result.children.every((c) => !c.name.endsWith('DetailVO'))) {
      // [choice] A refusal of the request as a whole carries no row and, in §4.1, no code: the words decide
      // between credentials (§5: unknown credentials → outFlag 1) and anything else.
      const kind = /kullanıcı|şifre|sifre|user|password|yetki/i.test(outResult) ? 'auth' : 'rejected';
      throw new CarrierError(CARRIER, kind, `${operation} refused (outFlag 1): ${outResult}`, undefined, status);
    }
    if (outFlag !== '0' && outFlag !== '1') {
      throw new CarrierError(CARRIER, 'unavailable', `${operation}: outFlag ${outFlag ?? '(missing)'}`, undefined, status);
    }
    return result;
  }

  function rowError(operation: string, row: XmlElement | undefined, cargoKey: string): CarrierError | undefined {
    const errCode = childText(row, 'errCode');
    if (!errCode || errCode === '0') return undefined;
    const message = `${operation} ${cargoKey}: errCode ${errCode} ${childText(row, 'errMessage') ?? ''}`.trim();
    return new CarrierError(CARRIER, errCode === ERR_UNEXPECTED ? 'unavailable' : 'rejected', message, errCode);
  }

  function tracking(row: XmlElement, cargoKey: string): YurticiTracking {
    const item = child(row, 'shippingDeliveryItemDetailVO');
    const events = childrenNamed(item, 'invDocCargoVOArray').flatMap((e): YurticiTrackingEvent[] => {
      const at = yurticiTimeToIso(childText(e, 'eventDate'), childText(e, 'eventTime'));
      // [choice] An event without a readable time cannot be deduplicated (its id includes the time): dropped.
      if (!at) return [];
      const reason = childText(e, 'reasonName') || undefined;
      return [{ code: childText(e, 'eventId') ?? '', name: childText(e, 'eventName') ?? '', at, unit: childText(e, 'unitName') || undefined, reason }];
    });
    // In time order: the latest event decides IND's sub-state.
    events.sort((a, b) => a.at.localeCompare(b.at));
    const raw = {
      operationStatus: childText(row, 'operationStatus') || undefined,
      operationCode: childText(row, 'operationCode') || undefined,
      operationMessage: childText(row, 'operationMessage') || undefined,
      rejectStatus: childText(item, 'rejectStatus') || undefined,
      returnStatus: childText(item, 'returnStatus') || undefined,
      errCode: childText(row, 'errCode') || undefined,
      errMessage: childText(row, 'errMessage') || undefined,
    };
    const errCode = raw.errCode && raw.errCode !== '0' ? raw.errCode : undefined;
    return {
      cargoKey,
      invoiceKey: childText(row, 'invoiceKey') || undefined,
      status: errCode ? (errCode === ERR_NOT_FOUND ? 'not_found' : 'unknown') : normalizeYurticiStatus({ ...raw, events }),
      raw,
      events: errCode ? [] : events,
      docId: childText(item, 'docId') || undefined,
      trackingUrl: childText(item, 'trackingUrl') || undefined,
      deliveredAt: yurticiTimeToIso(childText(item, 'deliveryDate'), childText(item, 'deliveryTime')),
    };
  }

  /**
   * Each account sees only its own shipments (§4.1), so keys the main account does not know are asked again of
   * the collection account: one call in the usual case, two when cash-on-delivery shipments are among the keys.
   */
  async function queryShipments(cargoKeys: string[]): Promise<YurticiTracking[]> {
    const found = await queryAs(credentials, cargoKeys);
    const missing = found.filter((t) => t.status === 'not_found').map((t) => t.cargoKey);
    if (!codCredentials || missing.length === 0) return found;
    const again = new Map((await queryAs(codCredentials, missing)).map((t) => [t.cargoKey, t]));
    return found.map((t) => again.get(t.cargoKey) ?? t);
  }

  async function queryAs(account: typeof credentials, cargoKeys: string[]): Promise<YurticiTracking[]> {
    if (cargoKeys.length === 0) return [];
    const result = await call(
      'queryShipment',
      { ...account, wsLanguage: 'TR', keys: cargoKeys, keyType: 0, addHistoricalData: true, onlyTracking: false },
      'ShippingDeliveryVO',
    );
    const rows = childrenNamed(result, 'shippingDeliveryDetailVO');
    if (rows.some((r) => childText(r, 'errCode') === ERR_UNEXPECTED)) {
      throw new CarrierError(CARRIER, 'unavailable', 'queryShipment: unexpected error (936)', ERR_UNEXPECTED);
    }
    return cargoKeys.map((key) => {
      const row = rows.find((r) => childText(r, 'cargoKey') === key);
      // A key the answer does not mention at all: nothing to say of it, so unknown rather than not_found.
      return row ? tracking(row, key) : { cargoKey: key, status: 'unknown', raw: {}, events: [] };
    });
  }

  return {
    async createShipment({ cargoKey, invoiceKey, receiver, cargoCount, codAmount }) {
      if (codAmount !== undefined && !codCredentials) {
        throw new CarrierError(
          CARRIER,
          'rejected',
          `createShipment ${cargoKey}: cash on delivery (${codAmount}) needs Yurtiçi's collection account; set YURTICI_COD_USERNAME and YURTICI_COD_PASSWORD`,
        );
      }
      const result = await call(
        'createShipment',
        {
          ...(codAmount !== undefined && codCredentials ? codCredentials : credentials),
          userLanguage: 'TR',
          ShippingOrderVO: {
            cargoKey,
            invoiceKey,
            receiverCustName: receiver.name,
            receiverAddress: receiver.address,
            receiverPhone1: receiver.phone,
            cityName: receiver.city,
            townName: receiver.town,
            cargoCount: cargoCount ?? 1,
            // [choice] §4.1 names the collection fields without their values: ttCollectionType 0 (cash at the
            // door), the amount with a dot, the order's reference as the document, ttDocumentSaveType 0.
            ...(codAmount !== undefined
              ? { ttCollectionType: 0, ttInvoiceAmount: codAmount, ttDocumentId: invoiceKey, ttDocumentSaveType: 0 }
              : {}),
          },
        },
        'ShippingOrderResultVO',
      );
      const rows = childrenNamed(result, 'shippingOrderDetailVO');
      const row = rows.find((r) => childText(r, 'cargoKey') === cargoKey) ?? rows[0];
      const error = rowError('createShipment', row, cargoKey);
      if (error?.errCode === ERR_EXISTS) {
        // Idempotency: the key exists. Ours only if it carries our invoiceKey (a retry of this very create).
        const [existing] = await queryShipments([cargoKey]);
        if (existing?.invoiceKey === invoiceKey) return { cargoKey, jobId: undefined, alreadyCreated: true };
        throw new CarrierError(
          CARRIER,
          'rejected',
          `createShipment ${cargoKey}: the cargoKey exists for another shipment (invoiceKey ${existing?.invoiceKey ?? 'not visible to this account'})`,
          ERR_EXISTS,
        );
      }
      if (error) throw error;
      if (!row && childText(result, 'outFlag') !== '0') {
        throw new CarrierError(CARRIER, 'unavailable', `createShipment ${cargoKey}: no result row`);
      }
      return { cargoKey, jobId: childText(result, 'jobId') || undefined, alreadyCreated: false };
    },

    queryShipments,

    async cancelShipment(cargoKey) {
      try {
        return await cancelAs(credentials, cargoKey);
      } catch (err) {
        // Not the main account's: a cash-on-delivery shipment lives under the collection account.
        if (codCredentials && err instanceof CarrierError && err.errCode === ERR_NOT_FOUND) return cancelAs(codCredentials, cargoKey);
        throw err;
      }
    },
  };

  async function cancelAs(account: typeof credentials, cargoKey: string): Promise<'canceled' | 'already_canceled' | 'too_late'> {
    const result = await call('cancelShipment', { ...account, userLanguage: 'TR', cargoKeys: [cargoKey] }, 'ShippingOrderResultVO');
    const row = childrenNamed(result, 'shippingCancelDetailVO').find((r) => childText(r, 'cargoKey') === cargoKey);
    if (!row) throw new CarrierError(CARRIER, 'unavailable', `cancelShipment ${cargoKey}: no result row`);
    const operationStatus = childText(row, 'operationStatus');
    const errCode = childText(row, 'errCode');
    if (errCode === ERR_ALREADY_CANCELLED || operationStatus === 'ISC') return 'already_canceled';
    if (!errCode || errCode === '0') {
      if (operationStatus === 'CNL' || operationStatus === 'BI') return 'canceled';
      throw new CarrierError(CARRIER, 'unavailable', `cancelShipment ${cargoKey}: no error, but operationStatus ${operationStatus ?? '(none)'}`);
    }
    // §4.1 gives no code for "too late"; the row's status says the branch already has the parcel.
    if (operationStatus === 'ISR' || operationStatus === 'IND' || operationStatus === 'DLV') return 'too_late';
    throw rowError('cancelShipment', row, cargoKey) as CarrierError;
  }
}
