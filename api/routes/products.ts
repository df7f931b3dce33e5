// /products: the catalog the workflow validates orders against.
import { z } from 'zod';
import { productViewSchema, putProductBodySchema, skuSchema } from '../../contract/schemas';
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { RouteTable } from '../route-table';

const skuParams = z.object({ sku: skuSchema });

/** Routes under /products. */
export function productRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { store } = deps;
  const table = new RouteTable('/products', 'products', keys);

  table.add(
    {
      method: 'get',
      path: '/{sku}',
      operationId: 'getProduct',
      summary: 'Catalog entry of a SKU',
      auth: 'any',
      params: skuParams,
      responses: {
        200: { description: 'The product', schema: productViewSchema },
        404: { description: 'Unknown SKU' },
      },
    },
    async ({ res, params }) => {
      const product = await store.getProduct(params.sku);
      if (product === null) throw new ApiError('not_found', `No product with SKU ${params.sku}`);
      res.json(product);
    },
  );

  table.add(
    {
      method: 'put',
      path: '/{sku}',
      operationId: 'putProduct',
      summary: 'Operator: create or replace a catalog entry',
      auth: 'operator',
      params: skuParams,
      body: putProductBodySchema,
      responses: { 200: { description: 'The stored product', schema: productViewSchema } },
    },
    async ({ res, params, body }) => {
      res.json(await store.upsertProduct({ sku: params.sku, name: body.name, price: body.price, active: body.active }));
    },
  );

  return table;
}
