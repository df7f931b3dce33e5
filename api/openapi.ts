// Builds the OpenAPI 3.1 document from the declared routes and their zod schemas (zod 4's
// z.toJSONSchema emits JSON Schema 2020-12, which is OpenAPI 3.1's schema dialect).
import { z } from 'zod';
import {
  callbackAcceptedSchema,
  cancelOrderBodySchema,
  carrierCallbackSchema,
  createOrderBodySchema,
  errorBodySchema,
  healthSchema,
  inventoryAdjustmentBodySchema,
  inventoryViewSchema,
  locationListSchema,
  locationViewSchema,
  orderPageSchema,
  orderViewSchema,
  paymentCallbackSchema,
  productViewSchema,
  putLocationBodySchema,
  putProductBodySchema,
  refundDecisionBodySchema,
  retryStepBodySchema,
  returnRequestBodySchema,
  setInventoryBodySchema,
  skipStepBodySchema,
  warehouseCallbackSchema,
} from '../contract/schemas';
import type { RouteDoc } from './route-table';

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

/** Schemas worth a name in `components.schemas`; anything else is inlined. */
const NAMED: [string, z.ZodType, Io][] = [
  ['CreateOrderRequest', createOrderBodySchema, 'input'],
  ['CancelOrderRequest', cancelOrderBodySchema, 'input'],
  ['ReturnRequest', returnRequestBodySchema, 'input'],
  ['RetryStepRequest', retryStepBodySchema, 'input'],
  ['SkipStepRequest', skipStepBodySchema, 'input'],
  ['RefundDecisionRequest', refundDecisionBodySchema, 'input'],
  ['SetInventoryRequest', setInventoryBodySchema, 'input'],
  ['InventoryAdjustmentRequest', inventoryAdjustmentBodySchema, 'input'],
  ['PutProductRequest', putProductBodySchema, 'input'],
  ['PutLocationRequest', putLocationBodySchema, 'input'],
  ['PaymentCallback', paymentCallbackSchema, 'input'],
  ['CarrierCallback', carrierCallbackSchema, 'input'],
  ['WarehouseCallback', warehouseCallbackSchema, 'input'],
  ['Order', orderViewSchema, 'output'],
  ['OrderPage', orderPageSchema, 'output'],
  ['Inventory', inventoryViewSchema, 'output'],
  ['Product', productViewSchema, 'output'],
  ['Location', locationViewSchema, 'output'],
  ['LocationList', locationListSchema, 'output'],
  ['CallbackAccepted', callbackAcceptedSchema, 'output'],
  ['Health', healthSchema, 'output'],
  ['Error', errorBodySchema, 'output'],
];

/**
 * Requests are strict (unknown fields answer 400), so their objects keep `additionalProperties: false`; answers
 * "may carry more fields" (API.md), so theirs must not forbid them or strict clients reject real answers.
 */
function jsonSchema(schema: z.ZodType, io: Io): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    override: ({ jsonSchema: generated }) => {
      if (io === 'output' && generated.additionalProperties === false) delete generated.additionalProperties;
    },
  }) as JsonSchema;
  return rest;
}

/** Routes that read neither the database nor Temporal, so they never answer 503. */
const SELF_CONTAINED = new Set(['/openapi.json']);
/** Routes the rate limiter lets through (see app.ts). */
const NEVER_LIMITED = new Set(['/health']);

function schemaRef(schema: z.ZodType, io: Io): JsonSchema {
  const named = NAMED.find(([, s]) => s === schema);
  return named ? { $ref: `#/components/schemas/${named[0]}` } : jsonSchema(schema, io);
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

function parameters(doc: RouteDoc): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', doc.params],
    ['query', doc.query],
  ] as const) {
    if (schema === undefined) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: propertySchema,
      });
    }
  }
  return list;
}

function operation(doc: RouteDoc): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(doc.responses)) {
    responses[status] = {
      description: response.description,
      ...(response.headers
        ? {
            headers: Object.fromEntries(
              Object.entries(response.headers).map(([name, description]) => [
                name,
                { description, schema: { type: 'string' } },
              ]),
            ),
          }
        : {}),
      ...(response.schema ? { content: { 'application/json': { schema: schemaRef(response.schema, 'output') } } } : {}),
    };
  }
  if (doc.body !== undefined || doc.query !== undefined || doc.params !== undefined) {
    responses['400'] = errorResponse(
      'Malformed JSON (`invalid_json`) or invalid input (`validation_failed`, details name each field)',
    );
  }
  if (doc.auth === 'any' || doc.auth === 'operator') responses['401'] = errorResponse('Missing or unknown API key');
  if (doc.auth === 'operator') responses['403'] = errorResponse('The key is not an operator key');
  if (doc.auth === 'signature') responses['401'] = errorResponse('Signature missing, stale (over 300 s) or wrong');
  // Declared answers without a body schema are error answers: give them the error body.
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) >= 400 && response.content === undefined) {
      responses[status] = errorResponse(String(response.description));
    }
  }
  if (doc.body !== undefined) {
    responses['413'] = errorResponse('Body over the size limit');
    responses['415'] = errorResponse('The body is not JSON (`Content-Type: application/json`)');
  }
  if (!NEVER_LIMITED.has(doc.fullPath)) {
    responses['429'] = errorResponse('Rate limited (per key, or per client address without a valid key)');
  }
  responses['500'] = errorResponse('Unexpected fault (no internals in the body)');
  if (!SELF_CONTAINED.has(doc.fullPath)) {
    responses['503'] ??= errorResponse('The database or Temporal is unavailable; try again shortly');
  }

  const security =
    doc.auth === 'any'
      ? [{ channelKey: [] }, { operatorKey: [] }]
      : doc.auth === 'operator'
        ? [{ operatorKey: [] }]
        : doc.auth === 'signature'
          ? [{ callbackSignature: [] }]
          : [];
  const params = parameters(doc);
  return {
    operationId: doc.operationId,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    security,
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(doc.body !== undefined
      ? { requestBody: { required: true, content: { 'application/json': { schema: schemaRef(doc.body, 'input') } } } }
      : {}),
    responses,
  };
}

/** The served document; built once at app creation from the same declarations that route requests. */
export function buildOpenApiDocument(routes: RouteDoc[], info: { version: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const doc of routes) {
    (paths[doc.fullPath] ??= {})[doc.method] = operation(doc);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Order management system API',
      version: info.version,
      description:
        'Orders from every sales channel, each run by a durable Temporal workflow over one shared stock pool. ' +
        'Errors always have the body `{ error: { code, message, details? } }`.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(NAMED.map(([name, schema, io]) => [name, jsonSchema(schema, io)])),
      securitySchemes: {
        channelKey: { type: 'http', scheme: 'bearer', description: "A sales channel's key: sees its own orders only." },
        operatorKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'An operator key: sees every order, runs operator actions.',
        },
        callbackSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-OMS-Signature',
          description: '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`, at most 300 s old.',
        },
      },
    },
  };
}
