// PUT /locations/{id} and GET /locations over real HTTP, on the real app and a real store on SQLite and PostgreSQL.
// No workflow is involved: the gateway refuses every call, so a test that reached Temporal would fail with a 500.
//
// The store side (OrderStore.putLocation / listLocations in entities/store.ts) comes from the issue6-data branch:
// until it is merged, the tests that read or write a location answer 500 ("store.putLocation is not a function");
// the auth and validation tests pass either way, since they never reach the store.
import Ajv2020 from 'ajv/dist/2020.js';
import type { Logger } from '../../api/errors';
import type { OrderGateway } from '../../api/gateway';
import { startApiServer, type RunningApi } from '../../api/server';
import type { OrderStore } from '../../contract/store';
import type { LocationView } from '../../contract/types';
import { createStore } from '../../entities/store';
import { DEV_API_KEYS, DEV_OPERATOR_KEY, loadConfig } from '../../workers/config';
import { DB_KINDS, createTestDb, type TestDb } from '../helpers/db';

const WEBSTORE = DEV_API_KEYS.webstore!;
const OPERATOR = DEV_OPERATOR_KEY;

const noGateway = new Proxy({}, { get: () => () => Promise.reject(new Error('no gateway here')) }) as OrderGateway;
const errors: unknown[] = [];
const logger: Logger = { error: (message, meta) => errors.push({ message, meta }), warn: () => undefined, info: () => undefined };

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
}

describe.each(DB_KINDS)('locations API on %s', (kind) => {
  let db: TestDb;
  let api: RunningApi;
  const puts: Parameters<OrderStore['putLocation']>[0][] = [];

  async function call(method: string, path: string, options: { key?: string; json?: unknown } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.key !== undefined) headers.authorization = `Bearer ${options.key}`;
    if (options.json !== undefined) headers['content-type'] = 'application/json';
    const body = options.json === undefined ? undefined : JSON.stringify(options.json);
    const res = await fetch(`${api.url}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: text === '' ? null : JSON.parse(text) };
  }

  const kadikoy = { name: 'Kadıköy store', kind: 'store', priority: 2, city: 'İstanbul', region: 'Kadıköy', active: true };

  beforeAll(async () => {
    db = await createTestDb(kind);
    const real = createStore(db.orm);
    // The store as it is, with its location writes recorded (to see the actor the API passes).
    const store: OrderStore = {
      ...real,
      putLocation: (args) => {
        puts.push(args);
        return real.putLocation(args);
      },
    };
    api = await startApiServer({ config: loadConfig({}), store, orders: noGateway, logger }, { port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await api?.close();
    await db?.cleanup();
  });

  beforeEach(() => {
    puts.length = 0;
    errors.length = 0;
  });

  it('needs a key to read and an operator key to write', async () => {
    expect((await call('GET', '/locations')).status).toBe(401);
    expect((await call('GET', '/locations', { key: 'not-a-key' })).status).toBe(401);
    const channel = await call('PUT', '/locations/store-kadikoy', { key: WEBSTORE, json: kadikoy });
    expect(channel.status).toBe(403);
    expect(channel.body).toEqual({ error: { code: 'forbidden', message: 'This action needs an operator key' } });
    expect(puts).toEqual([]);
  });

  it('refuses a bad id and a bad body by field, storing nothing', async () => {
    const badId = await call('PUT', '/locations/store%20kadikoy', { key: OPERATOR, json: kadikoy });
    expect(badId.status).toBe(400);
    expect(badId.body.error.details).toEqual([
      { path: 'id', message: 'must be 1-64 characters of A-Z, a-z, 0-9, ., _ or -' },
    ]);
    const badBody = await call('PUT', '/locations/store-kadikoy', {
      key: OPERATOR,
      json: { name: '', kind: 'depot', priority: -1, region: 'x'.repeat(101), active: 'yes', bins: 40 },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
      ['active', 'bins', 'city', 'kind', 'name', 'priority', 'region'].sort(),
    );
    expect(badBody.body.error.details.find((d: { path: string }) => d.path === 'priority').message).toBe('must be 0 or more');
    const empty = await call('PUT', '/locations/store-kadikoy', { key: OPERATOR });
    expect(empty.body.error.details.map((d: { path: string }) => d.path)).toEqual(['name', 'kind', 'priority', 'city', 'active']);
    expect(puts).toEqual([]);
  });

  it('answers 201 with the location when it is created and 200 when it is replaced, every field replaced', async () => {
    const created = await call('PUT', '/locations/store-kadikoy', { key: OPERATOR, json: kadikoy });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 'store-kadikoy', ...kadikoy });
    expect(puts.map((p) => p.actor)).toEqual(['operator:operator']);

    const { region: _dropped, ...withoutRegion } = kadikoy;
    const replaced = await call('PUT', '/locations/store-kadikoy', {
      key: OPERATOR,
      json: { ...withoutRegion, name: 'Kadıköy (closed for stocktaking)', priority: 7, active: false },
    });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({
      id: 'store-kadikoy',
      name: 'Kadıköy (closed for stocktaking)',
      kind: 'store',
      priority: 7,
      city: 'İstanbul',
      active: false,
    });
    const listed = await call('GET', '/locations', { key: OPERATOR });
    expect(listed.body.items.find((l: LocationView) => l.id === 'store-kadikoy')).toEqual(replaced.body);
    expect(errors).toEqual([]);
  });

  it('lists every location by priority then id, a channel key included, stock without a record as a warehouse', async () => {
    const put = (id: string, body: Record<string, unknown>) => call('PUT', `/locations/${id}`, { key: OPERATOR, json: body });
    expect((await put('central', { name: 'Central', kind: 'warehouse', priority: 0, city: 'Gebze', active: true })).status).toBe(201);
    expect((await put('b-store', { ...kadikoy, name: 'B', priority: 1 })).status).toBe(201);
    expect((await put('a-store', { ...kadikoy, name: 'A', priority: 1 })).status).toBe(201);
    // Stock at a location nobody described: it still exists for sourcing, as a warehouse of priority 100.
    expect((await call('PUT', '/inventory/SKU-LOC-1', { key: OPERATOR, json: { onHand: 3, location: 'dock-7' } })).status).toBe(200);

    const listed = await call('GET', '/locations', { key: WEBSTORE });
    expect(listed.status).toBe(200);
    const items = listed.body.items as LocationView[];
    expect(items.map((l) => l.id)).toEqual(['central', 'a-store', 'b-store', 'store-kadikoy', 'dock-7']);
    expect(items.find((l) => l.id === 'dock-7')).toMatchObject({ kind: 'warehouse', priority: 100, city: '', active: true });

    // The answer is what the served document says it is.
    const doc = (await call('GET', '/openapi.json')).body;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'oms', components: doc.components });
    const listSchema = ajv.getSchema('oms#/components/schemas/LocationList')!;
    expect(listSchema(listed.body) ? [] : listSchema.errors).toEqual([]);
    expect(doc.paths['/locations/{id}'].put.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/PutLocationRequest',
    });
  });
});
