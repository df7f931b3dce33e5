// The activities that talk to external systems. They stay thin: the idempotency key goes through
// unchanged (the gateways de-duplicate by it), errors propagate as thrown (a plain Error is retried
// by Temporal, an `IntegrationRejected` ApplicationFailure is not), and inputs/outputs are plain JSON.
import { ApplicationFailure } from '@temporalio/common';
import type {
  CarrierActivities,
  ErpActivities,
  InvoiceActivities,
  NotificationActivities,
  PaymentActivities,
  WarehouseActivities,
} from '../contract/activities';
import { CARRIERS, type Carrier } from '../contract/types';
import { FailureType } from '../contract/workflow';
import type { CarrierGateway, Integrations } from '../integrations/contracts';
import type { ChannelWriteBackRouter } from './channel-writeback';

export type IntegrationActivities = PaymentActivities &
  InvoiceActivities &
  ErpActivities &
  WarehouseActivities &
  CarrierActivities &
  NotificationActivities;

/**
 * Built once by the worker with simulators or real adapters; the workflow reaches them only through here.
 * `writeBack` routes the write-back of channels with a marketplace connector to their queue workflow.
 */
export function createIntegrationActivities(integrations: Integrations, writeBack?: ChannelWriteBackRouter): IntegrationActivities {
  const { payment, invoice, erp, warehouse, notifier, channels } = integrations;

  // A carrier the order names but we have no gateway for is bad input, not an outage: do not retry it.
  const carrierFor = (carrier: Carrier): CarrierGateway => {
    const gateway = (CARRIERS as readonly string[]).includes(carrier) ? integrations.carriers[carrier] : undefined;
    if (!gateway) {
      throw ApplicationFailure.nonRetryable(
        `carrier must be one of ${CARRIERS.join(', ')}, got ${JSON.stringify(carrier)}`,
        FailureType.InvalidInput,
      );
    }
    return gateway;
  };

  return {
    capturePayment: (args) => payment.capture(args),
    voidPayment: (args) => payment.void(args),
    refundPayment: (args) => payment.refund(args),

    issueInvoice: (args) => invoice.issueInvoice(args),
    issueCreditNote: (args) => invoice.issueCreditNote(args),

    postErpSale: (args) => erp.postSale(args),
    reverseErpSale: (args) => erp.reverseSale(args),

    createPickingTask: (args) => warehouse.createPickingTask(args),
    cancelPickingTask: (args) => warehouse.cancelPickingTask(args),

    async createShipment({ carrier, ...args }) {
      const { trackingNumber, labelRef } = await carrierFor(carrier).createShipment(args);
      return { carrier, trackingNumber, labelRef };
    },
    cancelShipment: async ({ carrier, ...args }) => carrierFor(carrier).cancelShipment(args),
    createReturnCode: async ({ carrier, ...args }) => carrierFor(carrier).createReturnCode(args),

    notifyCustomer: (args) => notifier.notifyCustomer(args),
    async writeBackChannel(args) {
      // A marketplace with a connector gets the status in its own protocol, from its account's queue (rate-limited,
      // in order per order); the activity only hands the request over, so the order's signature stays the same.
      if (writeBack?.handles(args.channel)) {
        await writeBack.enqueue({ ...args, reason: 'status' });
        return;
      }
      await channels.writeBack(args);
    },
  };
}
