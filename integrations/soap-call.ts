// One SOAP 1.1 call over HTTP for the carriers that speak SOAP (Yurtiçi, Aras): transport failures, HTTP statuses,
// unreadable answers and Faults become CarrierError kinds; what the carrier says inside a 200 is the caller's to read.
import { CarrierError } from './carrier-protocol';
import type { FetchLike } from './channel-http';
import { parseSoapEnvelope, type XmlElement, XmlParseError } from './yurtici/soap';

export async function postSoap(args: {
  carrier: string;
  fetch: FetchLike;
  url: string;
  soapAction: string;
  envelope: string;
  timeoutMs: number;
  /** What the call is, for messages (`createShipment`, `SetOrder OMS…`). */
  what: string;
}): Promise<{ status: number; element: XmlElement }> {
  const { carrier, what } = args;
  let status: number;
  let text: string;
  try {
    const response = await args.fetch(args.url, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: args.soapAction, accept: 'text/xml' },
      body: args.envelope,
      signal: AbortSignal.timeout(args.timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (err) {
    throw new CarrierError(carrier, 'unavailable', `${what} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  let body;
  try {
    body = parseSoapEnvelope(text);
  } catch (err) {
    if (!(err instanceof XmlParseError)) throw err;
    const said = `HTTP ${status} ${text.slice(0, 200)}`;
    if (status === 401 || status === 403) throw new CarrierError(carrier, 'auth', `${what} refused: ${said}`, undefined, status);
    if (status >= 400 && status < 500) throw new CarrierError(carrier, 'rejected', `${what} refused: ${said}`, undefined, status);
    throw new CarrierError(carrier, 'unavailable', `${what}: unreadable answer (${err.message}): ${said}`, undefined, status);
  }
  if (body.kind === 'fault') {
    // A Client fault is a request the service cannot read: our bug, not worth a retry.
    const kind = /(^|:)Client$/.test(body.code) ? 'rejected' : 'unavailable';
    throw new CarrierError(carrier, kind, `${what} fault ${body.code}: ${body.message}`, undefined, status);
  }
  if (status < 200 || status >= 300) {
    const kind = status === 401 || status === 403 ? 'auth' : status >= 500 ? 'unavailable' : 'rejected';
    throw new CarrierError(carrier, kind, `${what}: HTTP ${status}`, undefined, status);
  }
  return { status, element: body.element };
}
