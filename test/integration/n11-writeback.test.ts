// The n11 write-back over real HTTP: orders come in through the pull of n11's shipment packages into the real API
// and worker on the embedded dev server, and their statuses go back to the n11 simulator in n11's own protocol
// (lines accepted as Picking; a partial cancel only inside splitPackageByQuantity, after which the package has a new
// id), from the account's write-back queue on its own task queue, SQLite and PostgreSQL.
import type { OrderView } from '../../contract/types';
import { channelWriteBackWorkflowId } from '../../contract/workflow';
import type { ChannelPackageView } from '../../entities/channel-package';
import { createN11PackageWriter } from '../../integrations/n11/packages';
import type { LoggedRequest } from '../../integrations/sim/http-kit';
import type { N11ShipmentPackage, N11SimState } from '../../integrations/sim/n11';
import { DB_KINDS } from '../helpers/db';
import { carrierEvent, eventually, getOrder, packed, seedSku, unique, waitForStatus, withSystem, type TestSystem } from '../helpers/system';

const UPDATE = '/rest/order/v1/update';
const SPLIT = '/rest/delivery/v1/splitPackageByQuantity';

describe.each(DB_KINDS)('n11 write-back on %s', (kind) => {
  let sys: TestSystem;

  withSystem(kind, (started) => (sys = started), {
    OMS_N11_PULL_INTERVAL: '300ms',
    OMS_HEPSIBURADA_PULL_INTERVAL: 'off',
    OMS_TRENDYOL_PULL_INTERVAL: 'off',
    OMS_STOCK_FEED_CHANNELS: 'none',
  });

  const n11 = (): N11SimState => sys.marketplaces.n11!.state;
  afterEach(() => n11().faults.clear());

  /** n11 holds the package; the pull makes the order. */
  async function receive(lines: { sku: string; quantity: number; price: number }[]): Promise<{ orderId: string; pkg: N11ShipmentPackage }> {
    const [pkg] = n11().addPackages([{ lines: lines.map((l) => ({ stockCode: l.sku, quantity: l.quantity, price: l.price })) }]);
    const orderId = `n11:${pkg!.orderNumber}`;
    await eventually(async () => expect((await getOrder(sys, orderId)).channel).toBe('n11'), { timeoutMs: 20_000 });
    return { orderId, pkg: pkg! };
  }

  /** The write calls that name any of these order lines, oldest first. */
  function writeRequests(lineIds: number[]): LoggedRequest[] {
    return n11().requests.entries.filter(
      (r) => (r.path === UPDATE || r.path === SPLIT) && lineIds.some((id) => new RegExp(`"(lineId|orderLineId)":${id}\\b`).test(r.body)),
    );
  }
  const writes = (lineIds: number[]) => writeRequests(lineIds).map((r) => `${r.path === UPDATE ? 'update' : 'split'} ${r.status}`);

  async function channelPackages(orderId: string): Promise<ChannelPackageView[]> {
    const res = await sys.call<{ packages: ChannelPackageView[] }>('GET', `/orders/${orderId}/channel-packages`);
    expect(res.status).toBe(200);
    return res.body.packages;
  }

  test("picking accepts the package's lines once (status Picking); shipped is n11's to set and pushes nothing", async () => {
    const a = await seedSku(sys, 5, unique('N11'), '100.00');
    const b = await seedSku(sys, 5, unique('N11'), '25.00');
    const { orderId, pkg } = await receive([
      { sku: a, quantity: 2, price: 100 },
      { sku: b, quantity: 1, price: 25 },
    ]);
    const lineIds = pkg.lines.map((l) => l.orderLineId);
    await waitForStatus(sys, orderId, 'picking');

    await eventually(() => expect(writes(lineIds)).toEqual(['update 200']), { timeoutMs: 20_000 });
    expect(JSON.parse(writeRequests(lineIds)[0]!.body)).toEqual({ lines: lineIds.map((lineId) => ({ lineId })), status: 'Picking' });
    expect(n11().packages.get(String(pkg.id))).toMatchObject({ shipmentPackageStatus: 'Picking' });
    await eventually(async () => expect((await channelPackages(orderId))[0]).toMatchObject({ packageId: String(pkg.id), status: 'Picking', pushed: { picking: expect.any(String) } }));

    await packed(sys, orderId);
    const labelled = await eventually(async () => {
      const o: OrderView = await getOrder(sys, orderId);
      expect(o.shipment?.trackingNumber).toBeDefined();
      return o;
    });
    await carrierEvent(sys, labelled, 'picked_up');
    await waitForStatus(sys, orderId, 'shipped');
    await eventually(async () => expect((await channelPackages(orderId))[0]?.pushed.notPushed).toEqual(['shipped: n11 sets it']), { timeoutMs: 20_000 });
    expect(writes(lineIds)).toEqual(['update 200']);
  });

  test('a partial cancel is a split by quantity with cancelledItems (reason 61); the new package id is recorded as its child', async () => {
    const a = await seedSku(sys, 5, unique('N11'), '40.00');
    const b = await seedSku(sys, 5, unique('N11'), '15.00');
    const { orderId, pkg } = await receive([
      { sku: a, quantity: 2, price: 40 },
      { sku: b, quantity: 1, price: 15 },
    ]);
    const [lineA, lineB] = pkg.lines.map((l) => l.orderLineId) as [number, number];
    const parent = String(pkg.id);
    await waitForStatus(sys, orderId, 'picking');
    await eventually(() => expect(writes([lineA, lineB])).toEqual(['update 200']), { timeoutMs: 20_000 });

    const cancel = await sys.call<OrderView>('POST', `/orders/${orderId}/cancel`, { body: { reason: 'customer_request', lines: [{ sku: a, quantity: 1 }] } });
    expect(cancel.status).toBe(200);

    await eventually(() => expect(writes([lineA, lineB])).toEqual(['update 200', 'split 200']), { timeoutMs: 20_000 });
    expect(JSON.parse(writeRequests([lineA])[1]!.body)).toEqual({
      packageId: pkg.id,
      packageDetails: [
        { orderLineId: lineA, quantities: 1 },
        { orderLineId: lineB, quantities: 1 },
      ],
      cancelledItems: [{ orderLineId: lineA, quantity: 1, cancelReasonId: 61 }],
    });
    const [split] = n11().splits.filter((s) => String(s.parentId) === parent);
    expect(split).toBeDefined();
    const child = String(split!.childIds[0]);
    const unsupplied = String(split!.unsuppliedId);
    expect(n11().packages.get(parent)?.shipmentPackageStatus).toBe('UnPacked');
    expect(n11().packages.get(child)).toMatchObject({ orderNumber: pkg.orderNumber, shipmentPackageStatus: 'Picking' });

    const lineage = await eventually(async () => {
      const packages = await channelPackages(orderId);
      expect(packages.map((p) => p.packageId).sort()).toEqual([parent, child, unsupplied].sort());
      // Each child is recorded with its origin in one write: once both are there, the parent lists both.
      expect(packages.find((p) => p.packageId === parent)!.supersededBy.sort()).toEqual([child, unsupplied].sort());
      return packages;
    });
    const byId = new Map(lineage.map((p) => [p.packageId, p]));
    expect(byId.get(parent)).toMatchObject({ status: 'UnPacked', current: false, pushed: { picking: expect.any(String), unsupplied: { [a]: 1 } } });
    const childLines = n11().packages.get(child)!.lines;
    expect(byId.get(child)).toMatchObject({
      current: true,
      status: 'Picking',
      createdBy: 'split',
      originPackageIds: [parent],
      lines: [
        { lineId: String(childLines[0]!.orderLineId), barcode: a, quantity: 1 },
        { lineId: String(childLines[1]!.orderLineId), barcode: b, quantity: 1 },
      ],
    });
    // New order line ids: none of the parent's.
    expect(childLines.map((l) => l.orderLineId)).not.toContain(lineA);
    expect(byId.get(unsupplied)).toMatchObject({ current: false, status: 'UnSupplied', originPackageIds: [parent] });
    // The child is accepted already (it is born Picking): nothing more is sent for it.
    expect(writes(childLines.map((l) => l.orderLineId))).toEqual([]);
  });

  test('a split whose answer was lost is read back, not sent twice', async () => {
    const sku = await seedSku(sys, 5, unique('N11'), '12.00');
    const { orderId, pkg } = await receive([{ sku, quantity: 3, price: 12 }]);
    const [line] = pkg.lines.map((l) => l.orderLineId) as [number];
    await waitForStatus(sys, orderId, 'picking');
    await eventually(() => expect(writes([line])).toEqual(['update 200']), { timeoutMs: 20_000 });
    n11().loseAnswer(SPLIT);

    const cancel = await sys.call<OrderView>('POST', `/orders/${orderId}/cancel`, { body: { reason: 'customer_request', lines: [{ sku, quantity: 2 }] } });
    expect(cancel.status).toBe(200);
    // The first split was carried out (answer lost: 502); the retry finds the parent UnPacked and splits nothing more.
    await eventually(async () => {
      const packages = await channelPackages(orderId);
      expect(packages.find((p) => p.packageId === String(pkg.id))).toMatchObject({ current: false, pushed: { unsupplied: { [sku]: 2 } } });
      expect(packages.filter((p) => p.current)).toHaveLength(1);
    }, { timeoutMs: 20_000 });
    expect(writes([line])).toEqual(['update 200', 'split 502']);
    expect(n11().splits.filter((s) => s.parentId === pkg.id)).toHaveLength(1);
  });

  test("the simulator keeps n11's rules: a Created package cannot be split (or cancelled), only Picking is accepted, a line is accepted once", async () => {
    const { appKey, appSecret } = sys.config.marketplaces.n11;
    const writer = createN11PackageWriter({ baseUrl: sys.marketplaces.n11!.url, appKey, appSecret });
    // Its SKU is in no catalog, so the pull places no order of it: only this test writes to the package.
    const [pkg] = n11().addPackages([{ shipmentPackageStatus: 'Created', lines: [{ stockCode: unique('N11X'), quantity: 2, price: 5 }] }]);
    const line = String(pkg!.lines[0]!.orderLineId);
    await expect(writer.splitCancel({ packageId: String(pkg!.id), keep: [{ lineId: line, quantity: 1 }], cancel: [{ lineId: line, quantity: 1 }], cancelReasonId: 61 })).rejects.toThrow(
      'only a Picking package can be split',
    );
    const res = await fetch(`${sys.marketplaces.n11!.url}${UPDATE}`, {
      method: 'PUT',
      headers: { appkey: appKey, appsecret: appSecret, 'content-type': 'application/json' },
      body: JSON.stringify({ lines: [{ lineId: Number(line) }], status: 'Shipped' }),
    });
    expect(res.status).toBe(400);
    expect(await writer.picking([line])).toEqual([{ lineId: line, status: 'SUCCESS', reason: null }]);
    expect(await writer.picking([line])).toEqual([{ lineId: line, status: 'FAIL', reason: `Order line ${line} is Picking, not Created` }]);
    await expect(writer.splitCancel({ packageId: String(pkg!.id), keep: [], cancel: [{ lineId: line, quantity: 1 }], cancelReasonId: 61 })).rejects.toThrow(
      '1 units given, the line has 2',
    );
    const wrong = createN11PackageWriter({ baseUrl: sys.marketplaces.n11!.url, appKey, appSecret: 'not-the-secret' });
    await expect(wrong.packagesOf(pkg!.orderNumber)).rejects.toMatchObject({ kind: 'auth', status: 401 });
  });

  test('the write-back activity runs on the task queue oms-writeback-n11, from the queue workflow channel-writeback:n11', async () => {
    const sku = await seedSku(sys, 5, unique('N11'), '9.90');
    const { orderId, pkg } = await receive([{ sku, quantity: 1, price: 9.9 }]);
    await waitForStatus(sys, orderId, 'picking');
    await eventually(() => expect(writes(pkg.lines.map((l) => l.orderLineId))).toEqual(['update 200']), { timeoutMs: 20_000 });

    const handle = sys.temporal.client.workflow.getHandle(channelWriteBackWorkflowId('n11'));
    const { events } = await handle.fetchHistory();
    const scheduled = (events ?? []).filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'pushChannelStatus');
    expect(scheduled.length).toBeGreaterThan(0);
    expect([...new Set(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.taskQueue?.name))]).toEqual(['oms-writeback-n11']);
    expect((events ?? []).some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    expect((await handle.describe()).type).toBe('channelWriteBackWorkflow');
  });
});
