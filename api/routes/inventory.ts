// /inventory: the shared stock pool. Reading is open to every key; writing is an operator's job.
import { z } from 'zod';
import {
  inventoryAdjustmentBodySchema,
  inventoryViewSchema,
  setInventoryBodySchema,
  skuSchema,
} from '../../contract/schemas';
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { RouteTable } from '../route-table';

const skuParams = z.object({ sku: skuSchema });
const inventoryResponse = (description: string) => ({ description, schema: inventoryViewSchema });

const repairResultSchema = z
  .object({
    sku: z.string(),
    changed: z
      .array(
        z.object({
          location: z.string(),
          reservedBefore: z.number().describe('Reserved units the counter said.'),
          reservedAfter: z.number().describe('Reserved units of the live reservations: what the counter says now.'),
        }),
      )
      .describe('One entry per location whose counter was wrong; empty when nothing needed repair.'),
    message: z.string(),
    inventory: inventoryViewSchema,
  })
  .describe('What the ledger repair changed.');

const movementsQuery = z.object({
  limit: z.coerce
    .number('must be a number')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(200, 'must be at most 200')
    .default(50)
    .describe('How many, 1-200 (newest first).'),
});
const movementSchema = z.object({
  at: z.string(),
  location: z.string(),
  delta: z.number().int().describe('Change of on-hand (0 for a ledger repair, which changes reserved)'),
  reason: z.string().describe('`set`, an adjustment\'s own reason, `return_restock`, `release` or `ledger_repair`'),
  actor: z.string(),
  orderId: z.string().nullable(),
});
const reservationSchema = z.object({
  orderId: z.string(),
  fulfillment: z.number().int().describe('The fulfillment unit number within the order'),
  location: z.string(),
  quantity: z.number().int(),
  since: z.string(),
});

/** Routes under /inventory. */
export function inventoryRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { store } = deps;
  const table = new RouteTable('/inventory', 'inventory', keys);

  table.add(
    {
      method: 'get',
      path: '/{sku}',
      operationId: 'getInventory',
      summary: 'Stock of a SKU',
      auth: 'any',
      params: skuParams,
      responses: { 200: inventoryResponse('Stock per SKU and location'), 404: { description: 'Unknown SKU' } },
    },
    async ({ res, params }) => {
      const view = await store.getInventory(params.sku);
      if (view === null) throw new ApiError('not_found', `No stock record for SKU ${params.sku}`);
      res.json(view);
    },
  );

  table.add(
    {
      method: 'get',
      path: '/{sku}/movements',
      operationId: 'listStockMovements',
      summary: 'Operator: recent changes of a SKU\'s on-hand, newest first',
      auth: 'operator',
      params: skuParams,
      query: movementsQuery,
      responses: {
        200: { description: 'The movements', schema: z.object({ items: z.array(movementSchema) }) },
        404: { description: 'Unknown SKU' },
      },
    },
    async ({ res, params, query }) => {
      if ((await store.getInventory(params.sku)) === null) throw new ApiError('not_found', `No stock record for SKU ${params.sku}`);
      res.json({ items: await store.listStockMovements({ sku: params.sku, limit: query.limit }) });
    },
  );

  table.add(
    {
      method: 'get',
      path: '/{sku}/reservations',
      operationId: 'listOpenReservations',
      summary: 'Operator: the open orders holding units of a SKU, per location, oldest first',
      auth: 'operator',
      params: skuParams,
      responses: {
        200: { description: 'The open reservations (at most 200)', schema: z.object({ items: z.array(reservationSchema) }) },
        404: { description: 'Unknown SKU' },
      },
    },
    async ({ res, params }) => {
      if ((await store.getInventory(params.sku)) === null) throw new ApiError('not_found', `No stock record for SKU ${params.sku}`);
      res.json({ items: await store.listOpenReservations(params.sku) });
    },
  );

  table.add(
    {
      method: 'put',
      path: '/{sku}',
      operationId: 'setInventory',
      summary: 'Operator: set on-hand stock (creates the SKU if needed)',
      auth: 'operator',
      params: skuParams,
      body: setInventoryBodySchema,
      responses: {
        200: inventoryResponse('Stock after the change'),
        409: { description: 'On-hand would be less than what is reserved at the location, or past 1,000,000,000' },
      },
    },
    async ({ res, params, body, principal }) => {
      res.json(
        await store.setOnHand({
          sku: params.sku,
          onHand: body.onHand,
          location: body.location,
          actor: principal.actor,
          reason: body.reason,
        }),
      );
    },
  );

  table.add(
    {
      method: 'post',
      path: '/{sku}/adjustments',
      operationId: 'adjustInventory',
      summary: 'Operator: relative change of on-hand stock',
      auth: 'operator',
      params: skuParams,
      body: inventoryAdjustmentBodySchema,
      responses: {
        200: inventoryResponse('Stock after the change'),
        409: { description: 'The change would take on-hand below what is reserved (so also below zero), or past 1,000,000,000' },
      },
    },
    async ({ res, params, body, principal }) => {
      res.json(
        await store.adjustOnHand({
          sku: params.sku,
          delta: body.delta,
          reason: body.reason,
          location: body.location,
          actor: principal.actor,
        }),
      );
    },
  );

  table.add(
    {
      method: 'post',
      path: '/{sku}/repair',
      operationId: 'repairInventory',
      summary: 'Operator: recompute reserved from the live reservations',
      description:
        'Sets each location\'s reserved count to the sum of the SKU\'s open reservations there, in one transaction, ' +
        'and records a stock movement (reason ledger_repair) per location it changed, with the counts before and after. ' +
        'For counters left wrong by a step an operator skipped; when nothing was wrong it changes nothing and says so.',
      auth: 'operator',
      params: skuParams,
      responses: { 200: { description: 'What changed (possibly nothing)', schema: repairResultSchema }, 404: { description: 'Unknown SKU' } },
    },
    async ({ res, params, principal }) => {
      const result = await store.repairReserved({ sku: params.sku, actor: principal.actor });
      if (result === null) throw new ApiError('not_found', `No stock record for SKU ${params.sku}`);
      res.json(result);
    },
  );

  return table;
}
