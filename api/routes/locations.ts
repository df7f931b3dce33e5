// /locations: the warehouses and stores stock is held at and sourced from. Reading is open to every key, as the
// stock per location is (GET /inventory/{sku}); writing is an operator's job.
import { z } from 'zod';
import { locationListSchema, locationSchema, locationViewSchema, putLocationBodySchema } from '../../contract/schemas';
import type { KeyRing } from '../auth';
import type { ApiDeps } from '../deps';
import { RouteTable } from '../route-table';

const idParams = z.object({ id: locationSchema.describe('Location id, as `PUT /inventory/{sku}` names it in `location`.') });

/** Routes under /locations. */
export function locationRoutes(deps: ApiDeps, keys: KeyRing): RouteTable {
  const { store } = deps;
  const table = new RouteTable('/locations', 'locations', keys);

  table.add(
    {
      method: 'get',
      path: '',
      operationId: 'listLocations',
      summary: 'Every stock location, by priority then id',
      auth: 'any',
      responses: { 200: { description: 'The locations', schema: locationListSchema } },
    },
    async ({ res }) => {
      res.json({ items: await store.listLocations() });
    },
  );

  table.add(
    {
      method: 'put',
      path: '/{id}',
      operationId: 'putLocation',
      summary: 'Operator: create or replace a stock location',
      description:
        'Replaces every field. Stock already held at the location stays; an inactive location is not sourced from.',
      auth: 'operator',
      params: idParams,
      body: putLocationBodySchema,
      responses: {
        201: { description: 'Created', schema: locationViewSchema },
        200: { description: 'Replaced', schema: locationViewSchema },
      },
    },
    async ({ res, params, body, principal }) => {
      const { location, created } = await store.putLocation({
        location: {
          id: params.id,
          name: body.name,
          kind: body.kind,
          priority: body.priority,
          city: body.city,
          ...(body.region !== undefined ? { region: body.region } : {}),
          active: body.active,
        },
        actor: principal.actor,
      });
      res.status(created ? 201 : 200).json(location);
    },
  );

  return table;
}
