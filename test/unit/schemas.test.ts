// The request schemas against hostile input (security review D1, D2, D4, D6, D7): no pattern whose run time grows
// faster than its input, totals that cannot be represented refused by field, huge arrays refused on their length,
// and no control character in any text field of any request schema.
import { z } from 'zod';
import * as schemas from '../../contract/schemas';
import {
  EMAIL_PATTERN,
  MONEY_PATTERN,
  POSITIVE_MONEY_PATTERN,
  cancelOrderBodySchema,
  carrierCallbackSchema,
  createOrderBodySchema,
  customerSchema,
  inventoryAdjustmentBodySchema,
  listOrdersQuerySchema,
  paymentCallbackSchema,
  putLocationBodySchema,
  putProductBodySchema,
  refundDecisionBodySchema,
  retryStepBodySchema,
  returnRequestBodySchema,
  setInventoryBodySchema,
  skipStepBodySchema,
  warehouseCallbackSchema,
} from '../../contract/schemas';
import { MAX_MONEY } from '../../domain/money';
import { issueProblems } from '../../api/route-table';

/** Milliseconds `run` takes. Used only as a generous sanity bound: the patterns fixed here took seconds. */
function millis(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

const N = 100_000;
/** Shapes that make a backtracking pattern try every split: long runs, alternations, and a bad last character. */
const PATHOLOGICAL = [
  `a@${'.'.repeat(N)}@`,
  `a@${'b.'.repeat(N / 2)}@`,
  `a@b${'.b'.repeat(N / 2)} `,
  `${'a'.repeat(N)}@`,
  '@'.repeat(N),
  `${'1'.repeat(N)}.`,
  `+${'1 '.repeat(N / 2)}x`,
  `${'a-'.repeat(N / 2)}:`,
  `2025-01-31T10:00:00${'0'.repeat(N)}`,
  ' '.repeat(N),
];

describe('patterns run in linear time (D1)', () => {
  it('checks a 100 000-character pathological email in well under a second, and still reads real ones', () => {
    for (const input of PATHOLOGICAL) {
      let matched = true;
      const took = millis(() => (matched = EMAIL_PATTERN.test(input)));
      expect({ input: input.slice(0, 12), matched, fast: took < 1000 }).toEqual({
        input: input.slice(0, 12),
        matched: false,
        fast: true,
      });
    }
    for (const good of ['ayse@example.com', 'a.b+c@mail.example.com.tr', 'x@y.z']) expect(EMAIL_PATTERN.test(good)).toBe(true);
    for (const bad of ['a@b', 'a@@b.c', 'a b@c.d', 'a@b..c', 'a@.b.c', 'a@b.c.', '@b.c']) {
      expect({ bad, matched: EMAIL_PATTERN.test(bad) }).toEqual({ bad, matched: false });
    }
  });

  it('refuses a 120 KB email on its length without running the pattern', () => {
    const email = `a@${'.'.repeat(120_000)}@`;
    let issues: z.core.$ZodIssue[] = [];
    const took = millis(() => (issues = customerSchema.safeParse({ name: 'x', email }).error?.issues ?? []));
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([['email', 'must be at most 254 characters']]);
    expect(took).toBeLessThan(1000);
  });

  it.each(Object.entries(schemas).filter(([name]) => name.endsWith('_PATTERN')))(
    '%s stays fast on 100 000-character inputs',
    (_name, pattern) => {
      const took = millis(() => PATHOLOGICAL.forEach((input) => (pattern as RegExp).test(input)));
      expect(took).toBeLessThan(1000);
    },
  );
});

// ---- one valid sample per request schema, with every optional field, so every text field is exercised ----

const at = '2025-01-31T10:00:00Z';
const SAMPLES: [string, z.ZodType, Record<string, unknown>][] = [
  [
    'POST /orders',
    createOrderBodySchema,
    {
      channel: 'webstore',
      externalOrderId: 'WS-1',
      customer: { name: 'Ayşe Yılmaz', email: 'ayse@example.com', phone: '+905551112233' },
      shippingAddress: {
        line1: 'Bağdat Cd. 10',
        line2: 'Daire 3',
        district: 'Kadıköy',
        city: 'İstanbul',
        postalCode: '34710',
        country: 'TR',
      },
      lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: '149.90' }],
      currency: 'TRY',
      payment: { method: 'card' },
      carrier: 'aras',
      metadata: { packageId: 'PKG-1' },
    },
  ],
  [
    'POST /orders/{id}/cancel',
    cancelOrderBodySchema,
    { reason: 'customer_request', lines: [{ sku: 'SKU-1', quantity: 1 }] },
  ],
  ['POST /orders/{id}/returns', returnRequestBodySchema, { lines: [{ sku: 'SKU-1', quantity: 1 }], reason: 'changed_mind' }],
  ['POST /orders/{id}/retry', retryStepBodySchema, { reason: 'carrier is back' }],
  ['POST /orders/{id}/skip', skipStepBodySchema, { reason: 'label made by hand' }],
  ['POST /orders/{id}/refund-decision', refundDecisionBodySchema, { refundDamaged: true, reason: 'goodwill' }],
  ['PUT /inventory/{sku}', setInventoryBodySchema, { onHand: 5, location: 'main', reason: 'recount' }],
  ['POST /inventory/{sku}/adjustments', inventoryAdjustmentBodySchema, { delta: -1, reason: 'damaged', location: 'main' }],
  ['PUT /products/{sku}', putProductBodySchema, { name: 'Kupa', price: '149.90', active: true }],
  [
    'PUT /locations/{id}',
    putLocationBodySchema,
    { name: 'Kadıköy store', kind: 'store', priority: 1, city: 'İstanbul', region: 'Kadıköy', active: true },
  ],
  [
    'POST /callbacks/payments',
    paymentCallbackSchema,
    { eventId: 'pay-1', orderId: 'webstore:WS-1', type: 'captured', amount: '10.00', currency: 'TRY', at },
  ],
  [
    'POST /callbacks/carriers/{carrier}',
    carrierCallbackSchema,
    { eventId: 'yk-1', trackingNumber: 'YK123', status: 'delivered', at },
  ],
  [
    'POST /callbacks/warehouse',
    warehouseCallbackSchema,
    {
      eventId: 'wh-1',
      orderId: 'webstore:WS-1',
      type: 'return_received',
      fulfillmentId: 'webstore:WS-1/1',
      lines: [{ sku: 'SKU-1', quantity: 1, condition: 'sellable' }],
      at,
    },
  ],
  [
    'POST /callbacks/warehouse',
    warehouseCallbackSchema,
    {
      eventId: 'wh-2',
      orderId: 'webstore:WS-1',
      type: 'rejected',
      fulfillmentId: 'webstore:WS-1/2',
      lines: [{ sku: 'SKU-1', quantity: 1 }],
      reason: 'shelf_empty',
      at,
    },
  ],
  [
    'GET /orders (query)',
    listOrdersQuerySchema,
    {
      status: 'new',
      channel: 'webstore',
      needsAttention: 'true',
      limit: '10',
      cursor: 'abc',
      sort: 'waiting_longest',
      step: 'create_shipment',
      location: 'store-kadikoy',
      externalOrderId: 'WS-1',
      email: 'ayse@example.com',
      trackingNumber: 'YK4839948250',
    },
  ],
];

type Json = Record<string, unknown>;

/** Paths of the sample's string values, e.g. `customer.name`, `lines.0.sku`, `metadata.packageId`. */
function stringPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value === 'string') return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => stringPaths(item, [...path, i]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => stringPaths(item, [...path, key]));
  }
  return [];
}

/** Properties the JSON Schema declares that the sample lacks: the samples must cover every field. */
function uncovered(schema: Json, sample: unknown, path = ''): string[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const missing: string[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const value = (sample as Json)[name];
    if (value === undefined) missing.push(`${path}${name}`);
    else if (property.type === 'object') missing.push(...uncovered(property, value, `${path}${name}.`));
    else if (property.type === 'array') {
      missing.push(...uncovered(property.items as Json, (value as unknown[])[0], `${path}${name}.0.`));
    }
  }
  return missing;
}

function withValue(sample: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(sample) as Json;
  let target: Json = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Json;
  target[path[path.length - 1]!] = value;
  return copy;
}

/** The samples grouped by schema: a schema whose fields exclude each other (warehouse types) has several. */
const SAMPLES_BY_SCHEMA = [...new Set(SAMPLES.map(([, schema]) => schema))].map((schema) => {
  const own = SAMPLES.filter(([, s]) => s === schema);
  return [own[0]![0], schema, own.map(([, , sample]) => sample)] as const;
});

describe('every text field of every request schema (D6)', () => {
  it.each(SAMPLES)('the %s sample is valid', (_name, schema, sample) => {
    expect(schema.safeParse(sample).error?.issues ?? []).toEqual([]);
  });

  it.each(SAMPLES_BY_SCHEMA)('the %s samples together name every field of the schema', (_name, schema, samples) => {
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
    const missedByAll = samples
      .map((sample) => uncovered(json, sample))
      .reduce((left, missed) => left.filter((field) => missed.includes(field)));
    expect(missedByAll).toEqual([]);
  });

  // Tab and newline too: every text here is one line (see NO_CONTROL_PATTERN), and PostgreSQL refuses NUL outright.
  const CONTROLS = ['\u0000', '\u0001', '\u0007', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f'];

  it.each(SAMPLES)('%s refuses a control character in each text field, naming the field', (_name, schema, sample) => {
    for (const path of stringPaths(sample)) {
      const value = String(path.reduce<unknown>((v, k) => (v as Json)[k], sample));
      for (const control of CONTROLS) {
        const bad = withValue(sample, path, `${value.slice(0, 1)}${control}${value.slice(1)}`);
        // One field may fail two rules (an email with a tab fails its pattern too): the field is what counts.
        const paths = [...new Set((schema.safeParse(bad).error?.issues ?? []).map((i) => i.path.join('.')))];
        expect({ field: path.join('.'), control, paths }).toEqual({
          field: path.join('.'),
          control,
          paths: [path.join('.')],
        });
      }
    }
  });

  it.each(SAMPLES)('%s parses a 100 000-character value in any text field quickly', (_name, schema, sample) => {
    for (const path of stringPaths(sample)) {
      for (const input of PATHOLOGICAL) {
        const took = millis(() => schema.safeParse(withValue(sample, path, input)));
        expect({ field: path.join('.'), fast: took < 1000 }).toEqual({ field: path.join('.'), fast: true });
      }
    }
  });

  it('refuses a lone surrogate in free text', () => {
    const issues = putProductBodySchema.safeParse({ name: 'Kupa \ud800', price: '1.00' }).error?.issues ?? [];
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['name', 'must be well-formed Unicode (no lone surrogates)'],
    ]);
  });
});

// ---- money and array bounds ----

const order = (lines: { sku: string; quantity: number; unitPrice: string }[]) => ({
  externalOrderId: 'OVF-1',
  customer: { name: 'X' },
  shippingAddress: { line1: 'a', city: 'b', country: 'TR' },
  lines,
  currency: 'TRY',
  payment: { method: 'card' },
});
const problems = (schema: z.ZodType, value: unknown) =>
  (schema.safeParse(value).error?.issues ?? []).map((i) => [i.path.join('.'), i.message]);

describe('money maximum (D2)', () => {
  it('refuses a line total past MAX_MONEY at the line and the order total at `lines`, exactly', () => {
    const lineMessage = `line total (quantity × unitPrice) must be at most ${MAX_MONEY}`;
    const totalMessage = `order total (sum of the lines) must be at most ${MAX_MONEY}`;
    // 100 × 999999999999.99 is past 2^53 minor units: it poisoned the workflow before.
    expect(problems(createOrderBodySchema, order([{ sku: 'A', quantity: 100, unitPrice: MAX_MONEY }]))).toEqual([
      ['lines.0', lineMessage],
      ['lines', totalMessage],
    ]);
    // 13 integer digits: it made the ghost order that held stock.
    expect(problems(createOrderBodySchema, order([{ sku: 'A', quantity: 2, unitPrice: MAX_MONEY }]))).toEqual([
      ['lines.0', lineMessage],
      ['lines', totalMessage],
    ]);
    // Each line fits; their sum does not.
    const halves = [
      { sku: 'A', quantity: 1, unitPrice: '500000000000.00' },
      { sku: 'B', quantity: 1, unitPrice: '500000000000.00' },
    ];
    expect(problems(createOrderBodySchema, order(halves))).toEqual([['lines', totalMessage]]);
    // Exactly the maximum is fine, in one line or summed from two.
    expect(problems(createOrderBodySchema, order([{ sku: 'A', quantity: 1, unitPrice: MAX_MONEY }]))).toEqual([]);
    const exact = [
      { sku: 'A', quantity: 1, unitPrice: '999999999999.98' },
      { sku: 'B', quantity: 1, unitPrice: '0.01' },
    ];
    expect(problems(createOrderBodySchema, order(exact))).toEqual([]);
    const many = [{ sku: 'A', quantity: 100_000, unitPrice: '9999999.99' }];
    expect(problems(createOrderBodySchema, order(many))).toEqual([]);
  });

  it('caps every single amount at MAX_MONEY: unit price, product price, payment amount', () => {
    expect(MONEY_PATTERN.test(MAX_MONEY)).toBe(true);
    expect(POSITIVE_MONEY_PATTERN.test(MAX_MONEY)).toBe(true);
    for (const over of ['1000000000000', '1000000000000.00']) {
      expect(MONEY_PATTERN.test(over)).toBe(false);
      expect(problems(putProductBodySchema, { name: 'x', price: over }).map(([p]) => p)).toEqual(['price']);
      expect(
        problems(paymentCallbackSchema, { eventId: 'e', orderId: 'o', type: 'captured', amount: over }).map(([p]) => p),
      ).toEqual(['amount']);
      expect(
        problems(createOrderBodySchema, order([{ sku: 'A', quantity: 1, unitPrice: over }])).map(([p]) => p),
      ).toEqual(['lines.0.unitPrice']);
    }
  });
});

describe('array length before elements (D4)', () => {
  const huge = Array.from({ length: 100_000 }, () => ({}));

  it.each([
    ['POST /orders', createOrderBodySchema, { ...order([]), lines: huge }, 'must have at most 100 lines'],
    ['returns', returnRequestBodySchema, { lines: huge, reason: 'x' }, 'must have at most 100 lines'],
    [
      'warehouse callback',
      warehouseCallbackSchema,
      { eventId: 'e', orderId: 'o', type: 'return_received', lines: huge },
      'must have at most 200 lines',
    ],
    ['partial cancel', cancelOrderBodySchema, { reason: 'x', lines: huge }, 'must have at most 100 lines'],
    [
      'warehouse rejected',
      warehouseCallbackSchema,
      { eventId: 'e', orderId: 'o', type: 'rejected', reason: 'x', lines: huge },
      'must have at most 200 lines',
    ],
  ])('%s: 100 000 lines give one issue, on `lines`', (_name, schema, body, message) => {
    expect(problems(schema as z.ZodType, body)).toEqual([['lines', message]]);
  });
});

// ---- issue 6: partial cancel, locations, warehouse rejections; each refusal names its field as the API does ----

/** `[path, message]` as the API's 400 lists them (unknown fields named themselves). */
const fieldProblems = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? [] : issueProblems(result.error, 'body').map((p) => [p.path, p.message]);
};
const manyLines = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1 }));

describe('POST /orders/{id}/cancel with lines', () => {
  const cancel = (lines: unknown) => fieldProblems(cancelOrderBodySchema, { reason: 'customer_request', lines });

  it('takes a reason alone (the whole order, as before) or with lines, and keeps them as sent', () => {
    expect(cancelOrderBodySchema.parse({ reason: 'customer_request' })).toEqual({ reason: 'customer_request' });
    const lines = [
      { sku: 'SKU-1', quantity: 1 },
      { sku: 'SKU-2', quantity: 3 },
    ];
    expect(cancelOrderBodySchema.parse({ reason: 'customer_request', lines })).toEqual({ reason: 'customer_request', lines });
    expect(cancel(manyLines(100))).toEqual([]);
  });

  it('refuses each bad line by its field', () => {
    expect(cancel([])).toEqual([['lines', 'must have at least one line']]);
    expect(cancel([{ sku: 'SKU-1', quantity: 0 }])).toEqual([['lines.0.quantity', 'must be at least 1']]);
    expect(cancel([{ sku: 'SKU-1', quantity: -2 }])).toEqual([['lines.0.quantity', 'must be at least 1']]);
    expect(cancel([{ sku: 'SKU-1', quantity: 1.5 }])).toEqual([['lines.0.quantity', 'must be a whole number']]);
    expect(cancel([{ sku: 'SKU-1', quantity: '1' }]).map(([path]) => path)).toEqual(['lines.0.quantity']);
    expect(cancel([{ sku: 'bad sku', quantity: 1 }]).map(([path]) => path)).toEqual(['lines.0.sku']);
    expect(cancel([{ quantity: 1 }]).map(([path]) => path)).toEqual(['lines.0.sku']);
    expect(cancel([{ sku: 'SKU-1', quantity: 1, unitPrice: '1.00' }])).toEqual([
      ['lines.0.unitPrice', 'is not a known field'],
    ]);
    expect(cancel({ sku: 'SKU-1', quantity: 1 }).map(([path]) => path)).toEqual(['lines']);
  });

  it('refuses a SKU named twice at the repeat, and more lines than an order can have', () => {
    expect(
      cancel([
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-2', quantity: 1 },
        { sku: 'SKU-1', quantity: 2 },
      ]),
    ).toEqual([['lines.2.sku', 'duplicate SKU "SKU-1" (already on line 0); put the total quantity on one line']]);
    expect(cancel(manyLines(101))).toEqual([['lines', 'must have at most 100 lines']]);
  });
});

describe('PUT /locations/{id}', () => {
  const store = { name: 'Kadıköy store', kind: 'store', priority: 1, city: 'İstanbul', active: true };

  it('takes a warehouse or a store, region optional, and keeps the values as sent', () => {
    expect(putLocationBodySchema.parse(store)).toEqual(store);
    const warehouse = { name: 'Central', kind: 'warehouse', priority: 0, city: 'Gebze', region: 'Kocaeli', active: false };
    expect(putLocationBodySchema.parse(warehouse)).toEqual(warehouse);
    expect(fieldProblems(putLocationBodySchema, { ...store, priority: 1_000_000 })).toEqual([]);
  });

  it('names every missing field of an empty body', () => {
    expect(fieldProblems(putLocationBodySchema, {}).map(([path]) => path)).toEqual([
      'name',
      'kind',
      'priority',
      'city',
      'active',
    ]);
  });

  it('refuses each bad value by its field', () => {
    const bad = (patch: Record<string, unknown>) => fieldProblems(putLocationBodySchema, { ...store, ...patch });
    expect(bad({ kind: 'depot' }).map(([path]) => path)).toEqual(['kind']);
    expect(bad({ priority: -1 })).toEqual([['priority', 'must be 0 or more']]);
    expect(bad({ priority: 0.5 })).toEqual([['priority', 'must be a whole number']]);
    expect(bad({ priority: 1_000_001 })).toEqual([['priority', 'must be at most 1000000']]);
    expect(bad({ priority: '1' }).map(([path]) => path)).toEqual(['priority']);
    expect(bad({ active: 'yes' }).map(([path]) => path)).toEqual(['active']);
    expect(bad({ name: '   ' })).toEqual([['name', 'must not be empty']]);
    expect(bad({ city: 'x'.repeat(101) })).toEqual([['city', 'must be at most 100 characters']]);
    expect(bad({ region: '' })).toEqual([['region', 'must not be empty']]);
    expect(bad({ address: 'Bağdat Cd.' })).toEqual([['address', 'is not a known field']]);
  });
});

describe('POST /callbacks/warehouse: fulfillmentId and rejected', () => {
  const base = { eventId: 'wh-1', orderId: 'webstore:WS-1' };
  const warehouse = (body: Record<string, unknown>) => fieldProblems(warehouseCallbackSchema, { ...base, ...body });

  it('takes fulfillmentId on every type, and packed and return_received as before', () => {
    const sellable = [{ sku: 'SKU-1', quantity: 1, condition: 'sellable' }];
    expect(warehouse({ type: 'packed' })).toEqual([]);
    expect(warehouse({ type: 'packed', fulfillmentId: 'webstore:WS-1/2' })).toEqual([]);
    expect(warehouse({ type: 'return_received', lines: sellable })).toEqual([]);
    expect(warehouse({ type: 'return_received', lines: sellable, fulfillmentId: 'webstore:WS-1/1' })).toEqual([]);
    expect(warehouse({ type: 'rejected', reason: 'shelf_empty', fulfillmentId: 'webstore:WS-1/1' })).toEqual([]);
    expect(warehouse({ type: 'packed', fulfillmentId: 'x'.repeat(201) })).toEqual([
      ['fulfillmentId', 'must be at most 200 characters'],
    ]);
    expect(warehouse({ type: 'packed', fulfillmentId: '' })).toEqual([['fulfillmentId', 'must not be empty']]);
    expect(warehouse({ type: 'shipped' }).map(([path]) => path)).toEqual(['type']);
  });

  it('needs a reason for rejected, and takes one with rejected only', () => {
    expect(warehouse({ type: 'rejected' })).toEqual([['reason', 'is required for rejected']]);
    expect(warehouse({ type: 'rejected', reason: 'x'.repeat(201) })).toEqual([
      ['reason', 'must be at most 200 characters'],
    ]);
    expect(warehouse({ type: 'packed', reason: 'shelf_empty' })).toEqual([['reason', 'is taken with type rejected only']]);
  });

  it('takes rejected lines as quantities only, each SKU once, at most an order’s lines', () => {
    const rejected = (lines: unknown) => warehouse({ type: 'rejected', reason: 'shelf_empty', lines });
    expect(rejected([{ sku: 'SKU-1', quantity: 2 }])).toEqual([]);
    expect(rejected(manyLines(100))).toEqual([]);
    expect(rejected([{ sku: 'SKU-1', quantity: 1, condition: 'damaged' }])).toEqual([
      ['lines.0.condition', 'is not taken with type rejected'],
    ]);
    expect(rejected([{ sku: 'SKU-1', quantity: 0 }])).toEqual([['lines.0.quantity', 'must be at least 1']]);
    expect(
      rejected([
        { sku: 'SKU-1', quantity: 1 },
        { sku: 'SKU-1', quantity: 1 },
      ]),
    ).toEqual([['lines.1.sku', 'duplicate SKU "SKU-1" (already on line 0); put the total quantity on one line']]);
    expect(rejected(manyLines(101))).toEqual([['lines', 'must have at most 100 lines for rejected']]);
    expect(rejected([])).toEqual([['lines', 'must have at least one line']]);
  });

  it('still needs a condition on each returned (and packed) line', () => {
    expect(warehouse({ type: 'return_received', lines: [{ sku: 'SKU-1', quantity: 1 }] })).toEqual([
      ['lines.0.condition', 'is required for return_received'],
    ]);
    expect(warehouse({ type: 'packed', lines: [{ sku: 'SKU-1', quantity: 1 }] })).toEqual([
      ['lines.0.condition', 'is required for packed'],
    ]);
  });
});
