// Aras Kargo's two SOAP services (CONNECTORS.md §4.2), the names both the connector and the simulator use: the
// ASMX order service (SetOrder, CancelDispatch) and the WCF query service (GetQueryJSON). Both are .NET
// document/literal services in the `http://tempuri.org/` namespace, dispatched by the SOAPAction header.

export const ARAS_NS = 'http://tempuri.org/';

/** The order service's path on the test host; production has it at `/arascargoservice.asmx` (see the options). */
export const ARAS_ORDER_SERVICE_PATH = '/arascargoservice/arascargoservice.asmx';
/** The query service's path on the test host; production has it under `/ArasCargoCustomerIntegrationService/`. */
export const ARAS_QUERY_SERVICE_PATH = '/ArasCargoIntegrationService.svc';

/** SOAPAction per operation, as §4.2 gives them. */
export const ARAS_SOAP_ACTIONS = {
  SetOrder: 'http://tempuri.org/SetOrder',
  CancelDispatch: 'http://tempuri.org/CancelDispatch',
  GetQueryJSON: 'http://tempuri.org/IArasCargoIntegrationService/GetQueryJSON',
} as const;
export type ArasOperation = keyof typeof ARAS_SOAP_ACTIONS;

/** §4.2: TradingWaybillNumber is at most 16 characters. */
export const ARAS_MAX_WAYBILL = 16;

/** §4.2's public tracking page for a KARGO_TAKIP_NO. */
export function arasTrackingUrl(trackingNo: string): string {
  return `https://kargotakip.araskargo.com.tr/mainpage.aspx?code=${encodeURIComponent(trackingNo)}`;
}
