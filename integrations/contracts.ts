// One small interface per external system. The simulators implement them today; a real adapter
// (a payment provider's SDK, a carrier's web service) replaces one without touching the activities.
// Every call carries the idempotency `key` from the workflow: the same key must give the same result
// and no second effect, which is what makes activity retries safe.
import type {
  Address,
  Carrier,
  Customer,
  IdempotentCall,
  OrderStatus,
  OrderTotals,
  StockLine,
} from '../contract/types';

/** Card/bank provider. Authorization happens at the provider, which calls us back; we only capture, void or refund. */
export interface PaymentProvider {
  /**
   * Captures `amount` of the order's authorization. `final` (the default) closes it: what was not captured is
   * released. A partial capture (`final: false`) leaves the authorization open for the next one (capture per
   * fulfillment unit, as card providers' multi-capture allows).
   */
  capture(args: IdempotentCall & { amount: string; currency: string; final?: boolean | undefined }): Promise<{ captureId: string }>;
  /**
   * Releases the order's authorization (after partial captures: what is left of it); nothing to void (or voided
   * already) is a no-op.
   */
  void(args: IdempotentCall): Promise<void>;
  /** Never more than was captured for the order, across all its refunds. */
  refund(args: IdempotentCall & { amount: string; currency: string; reason: string }): Promise<{ refundId: string }>;
}

/** One cargo company (Yurtiçi, Aras, MNG). The key is the cargo key, so a retried request never makes two shipments. */
export interface CarrierGateway {
  readonly carrier: Carrier;
  createShipment(
    args: IdempotentCall & { address: Address; customer: Customer; lines: StockLine[] },
  ): Promise<{ trackingNumber: string; labelRef: string }>;
  /** Cancels `trackingNumber`, or every open shipment of the order at this carrier; none open is a no-op. */
  /** Cancels the shipment `trackingNumber`, else the one created with the key `createdWith`, else every open shipment of the order. */
  cancelShipment(args: IdempotentCall & { trackingNumber?: string | undefined; createdWith?: string | undefined }): Promise<void>;
  createReturnCode(args: IdempotentCall & { lines: StockLine[] }): Promise<{ returnCode: string }>;
}

/** Warehouse or store picking system. */
export interface WarehouseGateway {
  createPickingTask(args: IdempotentCall & { lines: StockLine[]; location: string }): Promise<{ taskId: string }>;
  /** Cancels `taskId`, or every open task of the order; none open is a no-op. */
  /** Cancels the task `taskId`, else the one created with the key `createdWith` (its answer may never have arrived), else every open task of the order. */
  cancelPickingTask(args: IdempotentCall & { taskId?: string | undefined; createdWith?: string | undefined }): Promise<void>;
}

/** Turkish e-invoice / e-archive integrator. */
export interface InvoiceProvider {
  issueInvoice(
    args: IdempotentCall & {
      customer: Customer;
      totals: OrderTotals;
      lines: { sku: string; quantity: number; unitPrice: string }[];
    },
  ): Promise<{ invoiceNumber: string; url: string }>;
  /** Return/cancellation invoice against an issued invoice. */
  issueCreditNote(
    args: IdempotentCall & { invoiceNumber: string; amount: string; currency: string },
  ): Promise<{ creditNoteNumber: string }>;
}

/** Accounting/ERP system. */
export interface ErpGateway {
  postSale(args: IdempotentCall & { totals: OrderTotals }): Promise<{ erpDocumentId: string }>;
  /** Reverses the given document, or every open sale of the order; nothing open is a no-op. */
  reverseSale(args: IdempotentCall & { erpDocumentId?: string | undefined }): Promise<void>;
}

/** Email/SMS to the customer. */
export interface CustomerNotifier {
  notifyCustomer(
    args: IdempotentCall & { customer: Customer; status: OrderStatus; detail?: string | undefined },
  ): Promise<void>;
}

/** Status write-back to the sales channel; the channel ignores a `seq` not newer than the last one it applied. */
export interface ChannelGateway {
  writeBack(
    args: IdempotentCall & { channel: string; externalOrderId: string; status: OrderStatus; seq: number },
  ): Promise<{ applied: boolean }>;
}

/** Everything the integration activities need; built once by the worker (simulators or real adapters). */
export interface Integrations {
  payment: PaymentProvider;
  carriers: Record<Carrier, CarrierGateway>;
  warehouse: WarehouseGateway;
  invoice: InvoiceProvider;
  erp: ErpGateway;
  notifier: CustomerNotifier;
  channels: ChannelGateway;
}
