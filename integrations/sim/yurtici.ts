// Yurtiçi Kargo's ShippingOrderDispatcherServices (SOAP 1.1) as far as the OMS uses it: createShipment,
// queryShipment, cancelShipment. Every business error comes back inside HTTP 200 (`outFlag` 1/2 and a per-row
// `errCode`); only a malformed envelope gets the HTTP 500 SOAP Fault a JAX-WS service gives. A shipment moves
// NOP → ISR → IND → DLV on the simulator's clock, appending events to `invDocCargoVOArray`.
// CONNECTORS.md §4.1, §5. Where the document is uncertain the choice is marked [choice] below.
import {
  HttpFaults,
  injected,
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
import {
  childrenNamed,
  childText,
  parseSoapEnvelope,
  soapFault,
  xmlElement,
  type XmlElement,
  type XmlFields,
  XmlParseError,
  YURTICI_NS,
  YURTICI_SERVICE_PATH,
  SOAP_ENV_NS,
} from '../yurtici/soap';

export { YURTICI_SERVICE_PATH };

/** §4.1's error codes, as the simulator uses them. */
export const YURTICI_ERR = {
  cargoKeyExists: '60020',
  cargoKeyNotFound: '82519',
  alreadyCancelled: '82520',
  keysMissing: '82526',
  keyTypeMissing: '82527',
  unexpected: '936',
  cargoKeyMissing: '80859',
  cargoKeyTooLong: '82500',
  invoiceKeyMissing: '60017',
  receiverNameMissing: '60018',
  receiverAddressMissing: '60019',
  /**
   * [choice] §4.1 says cancellation works only before the branch issues the shipment but gives no code for the
   * refusal; this one is the simulator's own. Connectors should read the row's operationStatus (ISR/IND/DLV, not
   * CNL/ISC), which is what the simulator's refusal row carries too.
   */
  cannotCancel: '82521',
  /**
   * [choice] §4.1 binds credentials to a payment type but gives no code for a collection (ttInvoiceAmount) sent
   * with a sender-pays account, nor for an unreadable amount; these two are the simulator's own.
   */
  collectionNotAllowed: '60031',
  collectionAmountInvalid: '60032',
} as const;

/** [choice] §4.1 gives no text for unknown credentials; the outResult the simulator answers with. */
export const YURTICI_AUTH_FAILED = 'Kullanıcı adı veya şifre hatalı (invalid wsUserName/wsPassword)';

export const YURTICI_MAX_CARGO_KEY = 20;

export type YurticiOperationStatus = 'NOP' | 'IND' | 'ISR' | 'CNL' | 'ISC' | 'DLV' | 'BI';
/** §4.1: operationStatus and its operationCode. */
export const YURTICI_OPERATION_CODES: Record<YurticiOperationStatus, number> = {
  NOP: 0,
  IND: 1,
  ISR: 2,
  CNL: 3,
  ISC: 4,
  DLV: 5,
  BI: 6,
};
const OPERATION_MESSAGES: Record<YurticiOperationStatus, string> = {
  NOP: 'Kargo işlem görmemiş.',
  IND: 'Kargo teslimattadır.',
  ISR: 'Kargo işlem görmüş, faturası henüz düzenlenmemiştir.',
  CNL: 'Kargo çıkışı engellendi.',
  ISC: 'Kargo daha önce iptal edilmiştir.',
  DLV: 'Kargo teslim edilmiştir.',
  BI: 'Kargo YK şubesi tarafından iptal edildi.',
};

/**
 * [choice] The events a shipment goes through. §4.1 names the fields of `invDocCargoVOArray` but not Yurtiçi's
 * event ids or wording; these ids are the simulator's own, the names are Turkish as the real service writes them,
 * and the out-for-delivery one contains "dağıtım" (§4.4 normalizes IND + a "dağıtım" event to out_for_delivery).
 * Only a failed delivery carries a reasonName; every other event has none (§4.4: reasonName ≠ ok while IND means
 * delivery_failed).
 */
export const YURTICI_EVENTS = {
  accepted: { eventId: 'KBL', eventName: 'Kargo Kabul Edildi' },
  transfer: { eventId: 'TRF', eventName: 'Transfer Merkezinden Çıkış' },
  outForDelivery: { eventId: 'DGT', eventName: 'Kargo Dağıtıma Çıkarıldı' },
  delivered: { eventId: 'TSL', eventName: 'Teslim Edildi' },
  notDelivered: { eventId: 'TED', eventName: 'Teslim Edilemedi', reasonId: '12', reasonName: 'Alıcı adreste bulunamadı' },
  returnStarted: { eventId: 'IAD', eventName: 'İade Sürecinde' },
  returned: { eventId: 'IDT', eventName: 'Göndericiye İade Edildi' },
} as const;

export interface YurticiAccount {
  user: string;
  password: string;
  /** §4.1: credentials are bound to a payment type; a shipment records the one of the account that created it. */
  paymentType: 'sender' | 'receiver';
}

/** [choice] Offsets from creation (not gaps between steps): issued at +issue, IND at +inDelivery, and so on. */
export interface YurticiProgressMs {
  issue: number;
  inDelivery: number;
  /** When the "dağıtım" event comes; defaults to halfway between inDelivery and delivered. */
  outForDelivery?: number;
  delivered: number;
  /** From returnToSender() to the parcel being back at the sender (rejectStatus 9, returnStatus 3). */
  returned?: number;
}

export interface YurticiSimulatorOptions {
  port?: number;
  accounts: YurticiAccount[];
  clock?: SimClock;
  progressMs?: YurticiProgressMs;
}

export interface YurticiEvent {
  unitId: string;
  unitName: string;
  eventId: string;
  eventName: string;
  reasonId: string;
  reasonName: string;
  eventDate: string;
  eventTime: string;
  cityName: string;
  townName: string;
  /** Internal: epoch ms, for the admin view. */
  at: number;
}

export interface YurticiShipment {
  cargoKey: string;
  invoiceKey: string;
  user: string;
  paymentType: 'sender' | 'receiver';
  receiverCustName: string;
  receiverAddress: string;
  receiverPhone1: string;
  cityName: string;
  townName: string;
  cargoCount: number;
  /** Cash on delivery: what the courier collects (ttInvoiceAmount) and how (ttCollectionType), as sent. */
  collection?: { type: string; amount: string; documentId: string };
  jobId: string;
  docId: string;
  createdAt: number;
  canceledAt?: number;
  cancelCalls: number;
  failDelivery: boolean;
  returnStartedAt?: number;
}

/** What a shipment looks like at a given time: derived from its record and the clock, never stored. */
export interface YurticiShipmentView {
  cargoKey: string;
  invoiceKey: string;
  operationStatus: YurticiOperationStatus;
  docId?: string;
  events: YurticiEvent[];
  deliveredAt?: number;
  rejectStatus?: number;
  returnStatus?: number;
}

export interface YurticiSimState {
  clock: SimClock;
  shipments: Map<string, YurticiShipment>;
  requests: RequestLog;
  faults: HttpFaults;
  /** The shipment as a query would show it now. */
  view(cargoKey: string): YurticiShipmentView | undefined;
  /** The delivery attempt fails (a "Teslim Edilemedi" event, status stays IND) instead of DLV. */
  failDelivery(cargoKey: string): void;
  /** Starts the return now: rejectStatus 1, then after `progressMs.returned` rejectStatus 9 and returnStatus 3. */
  returnToSender(cargoKey: string): void;
}

const TURKEY_OFFSET_MS = 3 * 3600_000;

/** [choice] eventDate/eventTime in Turkey time (UTC+3 all year since 2016); §4.1 gives only the formats. */
export function yurticiDateTime(ms: number): { date: string; time: string } {
  const iso = new Date(ms + TURKEY_OFFSET_MS).toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/** The request log with the body's wsPassword masked: credentials travel in the SOAP body, not in a header. */
class YurticiRequestLog extends RequestLog {
  override record(...[req, body, status, at]: Parameters<RequestLog['record']>): void {
    super.record(req, body.replace(/(<(?:\w+:)?wsPassword>)[^<]*(<\/)/g, '$1***$2'), status, at);
  }
}

const ORIGIN = { unitId: '1010', unitName: 'GÜNEŞLİ ŞUBE', cityName: 'İSTANBUL', townName: 'BAĞCILAR' };
const HUB = { unitId: '9000', unitName: 'İSTANBUL AVRUPA TRANSFER MERKEZİ', cityName: 'İSTANBUL', townName: 'ESENYURT' };

/** Starts the simulator on loopback; `state` is the in-process view and the test controls. */
export async function startYurticiSimulator(
  options: YurticiSimulatorOptions,
): Promise<RunningSimulator & { state: YurticiSimState }> {
  const clock = options.clock ?? systemClock();
  const progress = options.progressMs ?? { issue: 1000, inDelivery: 2000, delivered: 3000 };
  const outForDeliveryMs = progress.outForDelivery ?? (progress.inDelivery + progress.delivered) / 2;
  const returnedMs = progress.returned ?? progress.issue;
  if (!(progress.issue <= progress.inDelivery && progress.inDelivery <= outForDeliveryMs && outForDeliveryMs <= progress.delivered)) {
    throw new Error(`progressMs must be non-decreasing: ${JSON.stringify(progress)}`);
  }
  const accounts = new Map(options.accounts.map((a) => [a.user, a]));
  const faults = new HttpFaults();
  let jobSeq = 0;
  let docSeq = 0;

  function event(
    kind: (typeof YURTICI_EVENTS)[keyof typeof YURTICI_EVENTS],
    at: number,
    unit: { unitId: string; unitName: string; cityName: string; townName: string },
  ): YurticiEvent {
    const { date, time } = yurticiDateTime(at);
    return {
      ...unit,
      eventId: kind.eventId,
      eventName: kind.eventName,
      reasonId: 'reasonId' in kind ? kind.reasonId : '',
      reasonName: 'reasonName' in kind ? kind.reasonName : '',
      eventDate: date,
      eventTime: time,
      at,
    };
  }

  function view(s: YurticiShipment, now: number): YurticiShipmentView {
    const base = { cargoKey: s.cargoKey, invoiceKey: s.invoiceKey };
    if (s.canceledAt !== undefined) return { ...base, operationStatus: 'CNL', events: [] };
    const dest = { unitId: '3420', unitName: `${s.townName.toLocaleUpperCase('tr')} ŞUBE`, cityName: s.cityName, townName: s.townName };
    const t0 = s.createdAt;
    const steps: { at: number; status: YurticiOperationStatus; event: YurticiEvent }[] = [
      { at: t0 + progress.issue, status: 'ISR', event: event(YURTICI_EVENTS.accepted, t0 + progress.issue, ORIGIN) },
      { at: t0 + progress.inDelivery, status: 'IND', event: event(YURTICI_EVENTS.transfer, t0 + progress.inDelivery, HUB) },
      { at: t0 + outForDeliveryMs, status: 'IND', event: event(YURTICI_EVENTS.outForDelivery, t0 + outForDeliveryMs, dest) },
      s.failDelivery
        ? { at: t0 + progress.delivered, status: 'IND', event: event(YURTICI_EVENTS.notDelivered, t0 + progress.delivered, dest) }
        : { at: t0 + progress.delivered, status: 'DLV', event: event(YURTICI_EVENTS.delivered, t0 + progress.delivered, dest) },
    ];
    const out: YurticiShipmentView = { ...base, operationStatus: 'NOP', events: [] };
    for (const step of steps) {
      // The forward flow stops where a return starts.
      if (step.at > now || (s.returnStartedAt !== undefined && step.at > s.returnStartedAt)) break;
      out.operationStatus = step.status;
      out.events.push(step.event);
      if (step.status === 'DLV') out.deliveredAt = step.at;
    }
    // §4.1: docId appears once the branch processes the parcel.
    if (out.operationStatus !== 'NOP') out.docId = s.docId;
    if (s.returnStartedAt !== undefined && s.returnStartedAt <= now) {
      // [choice] operationStatus stays where the parcel was (ISR/IND); the return is told by rejectStatus
      // (1 = in progress, 9 = done, §4.1) and returnStatus 3 once it is back at the sender.
      out.events.push(event(YURTICI_EVENTS.returnStarted, s.returnStartedAt, dest));
      out.rejectStatus = 1;
      const back = s.returnStartedAt + returnedMs;
      if (back <= now) {
        out.events.push(event(YURTICI_EVENTS.returned, back, ORIGIN));
        out.rejectStatus = 9;
        out.returnStatus = 3;
      }
    }
    return out;
  }

  const shipments = new Map<string, YurticiShipment>();
  const mustFind = (cargoKey: string): YurticiShipment => {
    const s = shipments.get(cargoKey);
    if (!s) throw new Error(`no shipment with cargoKey ${cargoKey}`);
    return s;
  };
  const state: YurticiSimState = {
    clock,
    shipments,
    requests: new YurticiRequestLog(),
    faults,
    view: (cargoKey) => {
      const s = shipments.get(cargoKey);
      return s ? view(s, clock.now()) : undefined;
    },
    failDelivery(cargoKey) {
      const s = mustFind(cargoKey);
      const now = view(s, clock.now());
      if (['CNL', 'DLV'].includes(now.operationStatus) || s.returnStartedAt !== undefined) {
        throw new Error(`shipment ${cargoKey} is ${now.operationStatus}${s.returnStartedAt !== undefined ? ' (returning)' : ''}: no delivery to fail`);
      }
      s.failDelivery = true;
    },
    returnToSender(cargoKey) {
      const s = mustFind(cargoKey);
      const now = view(s, clock.now());
      if (!['ISR', 'IND'].includes(now.operationStatus) || s.returnStartedAt !== undefined) {
        throw new Error(`shipment ${cargoKey} is ${now.operationStatus}: only a parcel in the network (ISR/IND, not returning) can be returned`);
      }
      s.returnStartedAt = clock.now();
    },
  };

  function soap(status: number, xml: string): SimResponse {
    return { status, body: xml, headers: { 'content-type': 'text/xml; charset=utf-8' } };
  }
  function answer(operation: string, fields: XmlFields): SimResponse {
    return soap(
      200,
      '<?xml version="1.0" encoding="UTF-8"?>' +
        `<env:Envelope xmlns:env="${SOAP_ENV_NS}"><env:Body>` +
        `<ns1:${operation}Response xmlns:ns1="${YURTICI_NS}">${xmlElement(resultElement[operation] ?? 'return', fields)}</ns1:${operation}Response>` +
        '</env:Body></env:Envelope>',
    );
  }
  // [choice] The answer element names, from §4.1's response comments; the real service may wrap them in
  // `<return>` like most JAX-WS services. The connector looks for these names at any depth, so either works.
  const resultElement: Record<string, string> = {
    createShipment: 'ShippingOrderResultVO',
    queryShipment: 'ShippingDeliveryVO',
    cancelShipment: 'ShippingOrderResultVO',
  };

  function authenticate(op: XmlElement): YurticiAccount | undefined {
    const account = accounts.get(childText(op, 'wsUserName') ?? '');
    return account && account.password === childText(op, 'wsPassword') ? account : undefined;
  }

  function createShipment(op: XmlElement, account: YurticiAccount): SimResponse {
    const orders = childrenNamed(op, 'ShippingOrderVO');
    const now = clock.now();
    let jobId: string | undefined;
    const rows = orders.map((vo) => {
      const cargoKey = childText(vo, 'cargoKey') ?? '';
      const invoiceKey = childText(vo, 'invoiceKey') ?? '';
      const refuse = (errCode: string, errMessage: string) => ({ cargoKey, invoiceKey, errCode, errMessage });
      if (!cargoKey) return refuse(YURTICI_ERR.cargoKeyMissing, 'cargoKey alanı boş olamaz.');
      if (cargoKey.length > YURTICI_MAX_CARGO_KEY) return refuse(YURTICI_ERR.cargoKeyTooLong, `cargoKey en fazla ${YURTICI_MAX_CARGO_KEY} karakter olabilir.`);
      if (!invoiceKey) return refuse(YURTICI_ERR.invoiceKeyMissing, 'invoiceKey alanı boş olamaz.');
      if (!childText(vo, 'receiverCustName')) return refuse(YURTICI_ERR.receiverNameMissing, 'receiverCustName alanı boş olamaz.');
      if (!childText(vo, 'receiverAddress')) return refuse(YURTICI_ERR.receiverAddressMissing, 'receiverAddress alanı boş olamaz.');
      // [choice] cargoKeys are one space across accounts (the key is a barcode on a parcel), so a key another
      // account used is 60020 too; query and cancel only see the account's own shipments.
      if (shipments.has(cargoKey)) return refuse(YURTICI_ERR.cargoKeyExists, `${cargoKey} cargoKey daha önce kullanılmış.`);
      const amount = childText(vo, 'ttInvoiceAmount') ?? '';
      let collection: YurticiShipment['collection'];
      if (amount !== '' && Number(amount) !== 0) {
        if (!/^\d+(\.\d{1,2})?$/.test(amount)) return refuse(YURTICI_ERR.collectionAmountInvalid, `ttInvoiceAmount geçersiz: ${amount}`);
        // §4.1: a sender-pays account cannot ship cash on delivery; the collection account can.
        if (account.paymentType !== 'receiver') {
          return refuse(YURTICI_ERR.collectionNotAllowed, 'Tahsilatlı teslimat bu kullanıcı ile gönderilemez (gönderici ödemeli hesap).');
        }
        collection = { type: childText(vo, 'ttCollectionType') ?? '', amount, documentId: childText(vo, 'ttDocumentId') ?? '' };
      }
      // [choice] Rows are independent: the good rows of a request are created even when another row fails.
      jobId ??= String(7_000_000 + ++jobSeq);
      const count = Number(childText(vo, 'cargoCount') ?? '1');
      shipments.set(cargoKey, {
        cargoKey,
        invoiceKey,
        user: account.user,
        paymentType: account.paymentType,
        receiverCustName: childText(vo, 'receiverCustName') ?? '',
        receiverAddress: childText(vo, 'receiverAddress') ?? '',
        receiverPhone1: childText(vo, 'receiverPhone1') ?? '',
        cityName: childText(vo, 'cityName') ?? '',
        townName: childText(vo, 'townName') ?? '',
        cargoCount: Number.isInteger(count) && count > 0 ? count : 1,
        ...(collection ? { collection } : {}),
        jobId,
        docId: String(110_000_000_000 + ++docSeq),
        createdAt: now,
        cancelCalls: 0,
        failDelivery: false,
      });
      return { cargoKey, invoiceKey, errCode: undefined, errMessage: undefined };
    });
    const failed = rows.filter((r) => r.errCode !== undefined).length;
    return answer('createShipment', {
      // [choice] outFlag 1 when any row failed (its errCode says which), 0 when all were created.
      outFlag: failed > 0 ? 1 : 0,
      outResult: failed > 0 ? `${failed} kayıt hatalı.` : 'Başarılı',
      count: rows.length,
      jobId,
      shippingOrderDetailVO: rows,
    });
  }

  function queryShipment(op: XmlElement, account: YurticiAccount): SimResponse {
    const keys = childrenNamed(op, 'keys').map((k) => k.text.trim()).filter(Boolean);
    const keyType = childText(op, 'keyType');
    const historical = childText(op, 'addHistoricalData') !== 'false';
    const topError = (errCode: string, errMessage: string) =>
      answer('queryShipment', { outFlag: 1, outResult: errMessage, count: 0, shippingDeliveryDetailVO: [{ errCode, errMessage }] });
    if (keys.length === 0) return topError(YURTICI_ERR.keysMissing, 'keys alanı boş olamaz.');
    if (keyType !== '0' && keyType !== '1') return topError(YURTICI_ERR.keyTypeMissing, 'keyType alanı 0 veya 1 olmalıdır.');
    const now = clock.now();
    const rows: XmlFields[] = [];
    for (const key of keys) {
      const mine = [...shipments.values()].filter(
        (s) => s.user === account.user && (keyType === '0' ? s.cargoKey === key : s.invoiceKey === key),
      );
      if (mine.length === 0) {
        // §5 allows NOP or an error row for an unknown key; the simulator answers the error row.
        rows.push({
          ...(keyType === '0' ? { cargoKey: key } : { invoiceKey: key }),
          errCode: YURTICI_ERR.cargoKeyNotFound,
          errMessage: `${key} için kayıt bulunamadı.`,
        });
        continue;
      }
      for (const s of mine) {
        const v = view(s, now);
        const { date: documentDate } = yurticiDateTime(s.createdAt);
        const delivered = v.deliveredAt !== undefined ? yurticiDateTime(v.deliveredAt) : undefined;
        rows.push({
          cargoKey: s.cargoKey,
          invoiceKey: s.invoiceKey,
          operationCode: YURTICI_OPERATION_CODES[v.operationStatus],
          operationStatus: v.operationStatus,
          operationMessage: OPERATION_MESSAGES[v.operationStatus],
          shippingDeliveryItemDetailVO: {
            docId: v.docId,
            // [choice] The public tracking page with the waybill number, as Yurtiçi's site links it.
            trackingUrl: v.docId ? `https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=${v.docId}` : undefined,
            receiverCustName: s.receiverCustName,
            departureUnitName: v.docId ? ORIGIN.unitName : undefined,
            documentDate,
            deliveryDate: delivered?.date,
            deliveryTime: delivered?.time,
            totalDesiKg: 1,
            rejectStatus: v.rejectStatus,
            returnStatus: v.returnStatus,
            invDocCargoVOArray: historical ? v.events.map(({ at: _at, ...wire }) => wire as unknown as XmlFields) : undefined,
          },
        });
      }
    }
    const failed = rows.filter((r) => r.errCode !== undefined).length;
    return answer('queryShipment', {
      // [choice] outFlag 0 as long as one key was found; rows for unknown keys still carry their errCode.
      outFlag: failed === rows.length ? 1 : 0,
      outResult: failed === rows.length ? 'Kayıt bulunamadı.' : 'Başarılı',
      count: rows.length,
      shippingDeliveryDetailVO: rows,
    });
  }

  function cancelShipment(op: XmlElement, account: YurticiAccount): SimResponse {
    const keys = childrenNamed(op, 'cargoKeys').map((k) => k.text.trim()).filter(Boolean);
    if (keys.length === 0) {
      return answer('cancelShipment', {
        outFlag: 1,
        outResult: 'cargoKeys alanı boş olamaz.',
        count: 0,
        shippingCancelDetailVO: [{ errCode: YURTICI_ERR.keysMissing, errMessage: 'cargoKeys alanı boş olamaz.' }],
      });
    }
    const now = clock.now();
    const rows = keys.map((cargoKey): XmlFields => {
      const s = shipments.get(cargoKey);
      if (!s || s.user !== account.user) {
        return { cargoKey, errCode: YURTICI_ERR.cargoKeyNotFound, errMessage: `${cargoKey} için kayıt bulunamadı.` };
      }
      const common = { cargoKey, invoiceKey: s.invoiceKey, jobId: s.jobId };
      const v = view(s, now);
      s.cancelCalls += 1;
      if (s.canceledAt !== undefined) {
        return {
          ...common,
          operationCode: YURTICI_OPERATION_CODES.ISC,
          operationStatus: 'ISC',
          operationMessage: OPERATION_MESSAGES.ISC,
          errCode: YURTICI_ERR.alreadyCancelled,
          errMessage: 'Kargo daha önce iptal edilmiştir.',
        };
      }
      if (v.operationStatus !== 'NOP') {
        // §4.1: cancellation works only before the shipment is issued at a branch.
        return {
          ...common,
          docId: v.docId,
          operationCode: YURTICI_OPERATION_CODES[v.operationStatus],
          operationStatus: v.operationStatus,
          operationMessage: OPERATION_MESSAGES[v.operationStatus],
          errCode: YURTICI_ERR.cannotCancel,
          errMessage: 'Kargo işlem gördüğü için iptal edilemez.',
        };
      }
      s.canceledAt = now;
      return { ...common, operationCode: YURTICI_OPERATION_CODES.CNL, operationStatus: 'CNL', operationMessage: OPERATION_MESSAGES.CNL };
    });
    const failed = rows.filter((r) => r.errCode !== undefined).length;
    return answer('cancelShipment', {
      outFlag: failed > 0 ? 1 : 0,
      outResult: failed > 0 ? `${failed} kayıt iptal edilemedi.` : 'Başarılı',
      // [choice] senderCustId is the account's customer number at Yurtiçi; the simulator has none, so the user.
      senderCustId: account.user,
      count: rows.length,
      shippingCancelDetailVO: rows,
    });
  }

  const operations: Record<string, (op: XmlElement, account: YurticiAccount) => SimResponse> = {
    createShipment,
    queryShipment,
    cancelShipment,
  };

  function service(req: SimRequest): SimResponse {
    if (req.method !== 'POST') return soap(405, soapFault('Client', 'only POST is served'));
    const contentType = String(req.headers['content-type'] ?? '');
    // SOAP 1.1 is text/xml; a JAX-WS endpoint answers anything else with 415 before reading the body.
    if (!/^text\/xml\b/i.test(contentType)) return { status: 415, body: `Unsupported Content-Type: ${contentType || '(none)'}` };
    let body;
    try {
      body = parseSoapEnvelope(req.body);
    } catch (err) {
      if (err instanceof XmlParseError) return soap(500, soapFault('Client', `Malformed SOAP envelope: ${err.message}`));
      throw err;
    }
    if (body.kind === 'fault') return soap(500, soapFault('Client', 'a Fault is not a request'));
    const op = body.element;
    const handler = op.ns === YURTICI_NS ? operations[op.name] : undefined;
    if (!handler) return soap(500, soapFault('Client', `Cannot find dispatch method for {${op.ns ?? ''}}${op.name}`));
    const account = authenticate(op);
    if (!account) {
      // §5: unknown credentials → outFlag 1 inside a 200. [choice] No detail rows and no errCode: §4.1 gives no code.
      return answer(op.name, { outFlag: 1, outResult: YURTICI_AUTH_FAILED, count: 0 });
    }
    return handler(op, account);
  }

  function admin(req: SimRequest): SimResponse {
    const shared = sharedAdmin(req, { clock, log: state.requests, faults });
    if (shared) return shared;
    const one = shipmentAdmin(req, {
      collection: 'shipments',
      keyName: 'cargoKey',
      noun: 'shipment',
      find: (key) => shipments.get(key),
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
    if (req.path === YURTICI_SERVICE_PATH) return service(req);
    return { status: 404, body: 'Not Found' };
  }

  const server = await serve(options.port ?? 0, state.requests, clock, handle);
  return { ...server, state };
}
