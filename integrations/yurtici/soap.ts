// The little XML that Yurtiçi's SOAP 1.1 service (CONNECTORS.md §4.1) needs, shared by the connector and the
// simulator: a builder for envelopes from plain objects, and a small strict parser for what comes back. Strict on
// purpose: no DOCTYPE (so no entity expansion), well-formed nesting only, namespace prefixes must be bound. It is
// not a general XML library: no mixed content beyond concatenated text, attributes are kept but never needed.

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const YURTICI_NS = 'http://yurticikargo.com.tr/ShippingOrderDispatcherServices';
/** The service's path on its host (`ws.yurticikargo.com`, `testws.yurticikargo.com`, or the simulator). */
export const YURTICI_SERVICE_PATH = '/KOPSWebServices/ShippingOrderDispatcherServices';

/** A parsed element: local name, its namespace URI (if any), attributes, child elements, and its own text. */
export interface XmlElement {
  name: string;
  ns: string | undefined;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** What the builder takes: a leaf value, a nested object, or an array (the element repeated once per item). */
export type XmlValue = string | number | boolean | null | undefined | XmlFields | XmlValue[];
export interface XmlFields {
  [name: string]: XmlValue;
}

export class XmlParseError extends Error {
  override name = 'XmlParseError';
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

const ESCAPES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ESCAPES[c] ?? c);
}

/** `<name>…</name>` for each value; arrays repeat the element, undefined/null leave it out. */
export function xmlElement(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => xmlElement(name, item)).join('');
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([child, v]) => xmlElement(child, v))
      .join('');
    return `<${name}>${inner}</${name}>`;
  }
  const text = String(value);
  return text === '' ? `<${name}/>` : `<${name}>${escapeXml(text)}</${name}>`;
}

/**
 * A SOAP 1.1 envelope whose body is `<ship:{operation}>` with unqualified children (the service is JAX-WS,
 * elementFormDefault unqualified, which is how §4.1's sample writes `<wsUserName/>` without a prefix).
 * With `target`, the operation element declares that namespace instead: as the default namespace when no prefix
 * is given (`<SetOrder xmlns="http://tempuri.org/">`, so the children are qualified too, as .NET services expect).
 */
export function soapEnvelope(operation: string, fields: XmlFields, target?: { namespace: string; prefix?: string }): string {
  if (!target) {
    return (
      '<?xml version="1.0" encoding="UTF-8"?>' +
      `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns:ship="${YURTICI_NS}">` +
      '<soapenv:Body>' +
      xmlElement(`ship:${operation}`, fields) +
      '</soapenv:Body></soapenv:Envelope>'
    );
  }
  const tag = target.prefix ? `${target.prefix}:${operation}` : operation;
  const declaration = target.prefix ? `xmlns:${target.prefix}` : 'xmlns';
  const inner = Object.entries(fields)
    .map(([name, value]) => xmlElement(name, value))
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}"><soapenv:Body>` +
    `<${tag} ${declaration}="${escapeXml(target.namespace)}">${inner}</${tag}>` +
    '</soapenv:Body></soapenv:Envelope>'
  );
}

/** A SOAP 1.1 Fault body; `Client` for what the caller sent wrong, `Server` for the service's own failure. */
export function soapFault(code: 'Client' | 'Server', message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}"><soapenv:Body><soapenv:Fault>` +
    `<faultcode>soapenv:${code}</faultcode><faultstring>${escapeXml(message)}</faultstring>` +
    '</soapenv:Fault></soapenv:Body></soapenv:Envelope>'
  );
}

const NAME = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;
const MAX_DEPTH = 64;

/** Parses one XML document into its root element; throws XmlParseError on anything not well-formed. */
export function parseXml(source: string): XmlElement {
  let pos = source.charCodeAt(0) === 0xfeff ? 1 : 0;

  const fail = (what: string): never => {
    throw new XmlParseError(`${what} at offset ${pos}`);
  };
  const skipSpace = () => {
    while (pos < source.length && /\s/.test(source[pos] as string)) pos += 1;
  };
  const skipUntil = (end: string, what: string) => {
    const at = source.indexOf(end, pos);
    if (at < 0) fail(`unterminated ${what}`);
    pos = at + end.length;
  };
  const readName = (): string => {
    NAME.lastIndex = pos;
    const m = NAME.exec(source);
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) return fail(`bare '&' in text`);
      if (ref.startsWith('#x') && /^#x[0-9a-fA-F]+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (ref.startsWith('#') && /^#\d+$/.test(ref)) return String.fromCodePoint(parseInt(ref.slice(1), 10));
      const char = ENTITIES[ref];
      return char ?? fail(`unknown entity &${ref};`);
    });
  // Comments, processing instructions and whitespace between top-level nodes.
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<!--', pos)) skipUntil('-->', 'comment');
      else if (source.startsWith('<?', pos)) skipUntil('?>', 'processing instruction');
      else return;
    }
  };

  function element(scope: Map<string, string>, depth: number): XmlElement {
    if (depth > MAX_DEPTH) fail('nesting too deep');
    if (source[pos] !== '<') fail(`expected '<'`);
    pos += 1;
    const qname = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = pos;
      skipSpace();
      if (source.startsWith('/>', pos) || source[pos] === '>') break;
      if (pos === before) fail('expected whitespace before an attribute');
      const attr = readName();
      skipSpace();
      if (source[pos] !== '=') fail(`expected '=' after ${attr}`);
      pos += 1;
      skipSpace();
      const quote = source[pos];
      if (quote !== '"' && quote !== "'") return fail('expected a quoted attribute value');
      const end = source.indexOf(quote, pos + 1);
      if (end < 0) fail('unterminated attribute value');
      const raw = source.slice(pos + 1, end);
      if (raw.includes('<')) fail(`'<' in an attribute value`);
      if (attr in attrs) fail(`duplicate attribute ${attr}`);
      attrs[attr] = decode(raw);
      pos = end + 1;
    }
    let inner = scope;
    for (const [attr, value] of Object.entries(attrs)) {
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
        if (inner === scope) inner = new Map(scope);
        inner.set(attr === 'xmlns' ? '' : attr.slice(6), value);
      }
    }
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const name = colon < 0 ? qname : qname.slice(colon + 1);
    if (prefix && !inner.has(prefix)) fail(`unbound namespace prefix ${prefix}`);
    const ns = inner.get(prefix) || undefined;
    const node: XmlElement = { name, ns, attrs, children: [], text: '' };
    if (source.startsWith('/>', pos)) {
      pos += 2;
      return node;
    }
    pos += 1;
    for (;;) {
      if (pos >= source.length) fail(`unclosed <${qname}>`);
      if (source.startsWith('</', pos)) {
        pos += 2;
        const closing = readName();
        if (closing !== qname) fail(`</${closing}> closes <${qname}>`);
        skipSpace();
        if (source[pos] !== '>') fail(`expected '>'`);
        pos += 1;
        return node;
      }
      if (source.startsWith('<!--', pos)) skipUntil('-->', 'comment');
      else if (source.startsWith('<![CDATA[', pos)) {
        const end = source.indexOf(']]>', pos);
        if (end < 0) fail('unterminated CDATA');
        node.text += source.slice(pos + 9, end);
        pos = end + 3;
      } else if (source.startsWith('<!', pos)) fail('DOCTYPE and declarations are not accepted');
      else if (source.startsWith('<?', pos)) skipUntil('?>', 'processing instruction');
      else if (source[pos] === '<') node.children.push(element(inner, depth + 1));
      else {
        const next = source.indexOf('<', pos);
        const end = next < 0 ? source.length : next;
        const raw = source.slice(pos, end);
        if (raw.includes(']]>')) fail(`']]>' in text`);
        node.text += decode(raw);
        pos = end;
      }
    }
  }

  skipMisc();
  if (source.startsWith('<!', pos)) fail('DOCTYPE and declarations are not accepted');
  const root = element(new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), 0);
  skipMisc();
  if (pos < source.length) fail('content after the root element');
  return root;
}

/** The first child element with this local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Every child element with this local name, in document order. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The trimmed text of the first child with this name; undefined when absent, '' when empty. */
export function childText(el: XmlElement | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c ? c.text.trim() : undefined;
}

/** The first element named `name` at any depth (depth-first), for answers whose wrapping may vary. */
export function findDeep(el: XmlElement, name: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.name === name) return c;
    const found = findDeep(c, name);
    if (found) return found;
  }
  return undefined;
}

/** A SOAP 1.1 envelope's body: the operation (or answer) element, or the Fault it carries. */
export type SoapBody = { kind: 'element'; element: XmlElement } | { kind: 'fault'; code: string; message: string };

/** Parses a SOAP 1.1 envelope; throws XmlParseError when it is not XML or not an envelope with one body element. */
export function parseSoapEnvelope(source: string): SoapBody {
  const root = parseXml(source);
  if (root.name !== 'Envelope' || root.ns !== SOAP_ENV_NS) throw new XmlParseError('root is not a SOAP 1.1 Envelope');
  const bodies = root.children.filter((c) => c.name === 'Body' && c.ns === SOAP_ENV_NS);
  const body = bodies[0];
  if (!body || bodies.length > 1) throw new XmlParseError('the envelope must have exactly one Body');
  if (body.children.length !== 1) throw new XmlParseError('the Body must hold exactly one element');
  const element = body.children[0] as XmlElement;
  if (element.name === 'Fault' && element.ns === SOAP_ENV_NS) {
    return { kind: 'fault', code: childText(element, 'faultcode') ?? '', message: childText(element, 'faultstring') ?? '' };
  }
  return { kind: 'element', element };
}
