// Yurtiçi's client (carrier.ts) as the OMS's carrier protocol (../carrier-protocol.ts): the reference is the cargoKey,
// the order's reference the invoiceKey, and a tracking row becomes one normalized status with its raw codes.
import { CarrierError, type CarrierProtocol, type ShipmentTracking } from '../carrier-protocol';
import type { YurticiClient, YurticiTracking } from './carrier';

/** [choice] §4.1 gives no limit on `keys` per queryShipment; 20 keeps one answer small and one failure cheap. */
const QUERY_PAGE_SIZE = 20;

function toTracking(t: YurticiTracking): ShipmentTracking {
  const latest = t.events[t.events.length - 1];
  return {
    reference: t.cargoKey,
    status: t.status,
    // The carrier's time of what it reports: the delivery time once delivered, else its latest event's.
    at: t.status === 'delivered' ? (t.deliveredAt ?? latest?.at) : latest?.at,
    raw: {
      code: t.raw.operationStatus,
      text: t.raw.operationMessage ?? latest?.name,
      ...(t.raw.rejectStatus ? { rejectStatus: t.raw.rejectStatus } : {}),
      ...(t.raw.returnStatus ? { returnStatus: t.raw.returnStatus } : {}),
      ...(t.raw.errCode ? { errCode: t.raw.errCode } : {}),
      ...(latest ? { event: `${latest.code} ${latest.name}${latest.reason ? ` (${latest.reason})` : ''}` } : {}),
    },
    events: t.events.map((e) => ({ code: e.code, name: e.name, at: e.at })),
    trackingUrl: t.trackingUrl,
  };
}

export function yurticiProtocol(client: YurticiClient): CarrierProtocol {
  return {
    carrier: 'yurtici',
    queryPageSize: QUERY_PAGE_SIZE,
    async createShipment(args) {
      const created = await client.createShipment({
        cargoKey: args.reference,
        invoiceKey: args.orderReference,
        receiver: args.receiver,
        cargoCount: args.pieces ?? 1,
        codAmount: args.codAmount,
      });
      // The cargoKey is what is printed as the barcode and what the customer tracks with (§4.1).
      return { reference: args.reference, trackingNumber: args.reference, labelRef: created.jobId ?? args.reference, alreadyCreated: created.alreadyCreated };
    },
    async queryShipments(references) {
      return (await client.queryShipments(references)).map(toTracking);
    },
    async cancelShipment(reference) {
      try {
        return await client.cancelShipment(reference);
      } catch (err) {
        // 82519: Yurtiçi never had it (a create that did not land): nothing to cancel.
        if (err instanceof CarrierError && err.errCode === '82519') return 'not_found';
        throw err;
      }
    },
  };
}
