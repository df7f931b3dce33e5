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
      method: 'put',
      path: '/{sku}',
      operationId: 'setInventory',
      summary: 'Operator: set on-hand stock (creates the SKU if needed)',
      auth: 'operator',
      params: skuParams,
      body: setInventoryBodySchema,
      responses: { 200: inventoryResponse('Stock after the change') },
    },
    async ({ res, params, body, principal }) => {
      res.json(
        await store.setOnHand({
          sku: params.sku,
          onHand: body.onHand,
          location: body.location,
          actor: principal.actor,
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
        409: { description: 'The change would take on-hand below zero (or below what is reserved)' },
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

  return table;
}
