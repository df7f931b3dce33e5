// The pure halves of the Hepsiburada and n11 intake: how lines and packages become POST /orders bodies (and which
// fields a bad one is refused on), HB's Turkey-time dates, and n11's overlapping 14-day slices.
import { formatHepsiburadaDate, readHepsiburadaLines } from '../../integrations/hepsiburada/orders';
import { n11Slices, readN11Package } from '../../integrations/n11/orders';
import { parseHepsiburadaDate } from '../../integrations/sim/hepsiburada';

const DAY = 24 * 3600_000;

function line(orderNumber: string, merchantSKU: string, quantity: number, amount: number, id: string) {
  return {
    id,
    orderNumber,
    merchantSKU,
    quantity,
    unitPrice: { amount, currency: 'TRY' },
    customerName: 'Ayşe Yılmaz',
    shippingAddress: { name: 'Ayşe Yılmaz', address: 'Bağdat Cd. 10', town: 'Kadıköy', district: 'Caddebostan', city: 'İstanbul', email: 'not-an-email' },
  };
}

describe('readHepsiburadaLines', () => {
  test('groups lines by orderNumber, sums a SKU repeated on two lines, and keeps the line ids in the metadata', () => {
    const { orders, problems } = readHepsiburadaLines([
      line('A', 'S1', 1, 10, 'l1'),
      line('B', 'S2', 1, 5.5, 'l2'),
      line('A', 'S1', 2, 10, 'l3'),
      line('A', 'S3', 1, 7, 'l4'),
    ]);
    expect(problems).toEqual([]);
    expect(orders.map((o) => o.orderNumber)).toEqual(['A', 'B']);
    const a = orders[0]!.body;
    expect(a.lines).toEqual([
      { sku: 'S1', quantity: 3, unitPrice: '10.00' },
      { sku: 'S3', quantity: 1, unitPrice: '7.00' },
    ]);
    expect(a.metadata).toMatchObject({ hepsiburadaOrderNumber: 'A', hepsiburadaLineItemIds: 'l1,l3,l4' });
    // HB's town is the ilçe; an unusable e-mail becomes the channel's placeholder.
    expect(a.shippingAddress).toMatchObject({ district: 'Kadıköy', line2: 'Caddebostan', city: 'İstanbul', country: 'TR' });
    expect(a.customer.email).toBe('A@hepsiburada.invalid');
  });

  test('a bad line withholds its whole order and is named by index and field; other orders still read', () => {
    const bad = { ...line('A', 'S1', 1, 10, 'l2'), unitPrice: { currency: 'TRY' } };
    const { orders, problems } = readHepsiburadaLines([line('A', 'S2', 1, 10, 'l1'), bad, line('B', 'S1', 1, 10, 'l3')]);
    expect(problems).toEqual([{ path: 'items[1].unitPrice.amount', message: 'is required' }]);
    expect(orders.map((o) => o.orderNumber)).toEqual(['B']);
  });
});

describe('readN11Package', () => {
  const pkg = (status: string) => ({
    id: 200000001,
    orderNumber: 205000001,
    shipmentPackageStatus: status,
    customerfullName: 'Ayşe Yılmaz',
    customerEmail: 'ayse@example.com',
    shippingAddress: { address: 'Bağdat Cd. 10', city: 'İstanbul', district: 'Kadıköy', gsm: '5551112233', postalCode: '34710' },
    lines: [{ orderLineId: 426659001, stockCode: 'S1', quantity: 3, price: 10, totalSellerDiscountPrice: 1, sellerInvoiceAmount: 29 }],
  });

  test('Created and Picking make an order priced at what the seller invoices per unit; Shipped is ignored', () => {
    const created = readN11Package(pkg('Created'));
    expect(created.kind).toBe('order');
    if (created.kind !== 'order') return;
    expect(created.body).toMatchObject({
      externalOrderId: '205000001',
      lines: [{ sku: 'S1', quantity: 3, unitPrice: '9.67' }],
      metadata: { n11PackageId: '200000001', n11OrderLineIds: '426659001' },
    });
    expect(readN11Package(pkg('Picking')).kind).toBe('order');
    expect(readN11Package(pkg('Shipped')).kind).toBe('ignored');
  });

  test('a location delivery (id null) makes an order without a package id; a line without stockCode is named', () => {
    const located = readN11Package({ ...pkg('Created'), id: null });
    expect(located.kind === 'order' && located.body.metadata).toEqual({ n11OrderLineIds: '426659001' });
    const bad = pkg('Created');
    (bad.lines[0] as { stockCode?: string }).stockCode = undefined;
    expect(readN11Package(bad)).toEqual({ kind: 'invalid', problems: [{ path: 'lines.0.stockCode', message: 'is required' }] });
  });
});

describe("HB's dates and n11's slices", () => {
  test('HB dates are Turkey time to the minute, both ways', () => {
    const ms = Date.UTC(2026, 11, 2, 21, 30, 45);
    expect(formatHepsiburadaDate(ms)).toBe('2026-12-03 00:30');
    expect(parseHepsiburadaDate('2026-12-03 00:30')).toBe(Date.UTC(2026, 11, 2, 21, 30));
    expect(parseHepsiburadaDate('2026-12-02T21:30:00Z')).toBeNull();
  });

  test('n11 slices cover the whole range, none longer than 14 days, each overlapping the one before by an hour', () => {
    const since = Date.UTC(2026, 10, 1);
    const until = since + 31 * DAY;
    const slices = n11Slices(since, until);
    expect(slices[0]!.start).toBe(since);
    expect(slices.at(-1)!.end).toBe(until);
    for (const s of slices) expect(s.end - s.start).toBeLessThanOrEqual(14 * DAY);
    for (let i = 1; i < slices.length; i++) expect(slices[i - 1]!.end - slices[i]!.start).toBe(3600_000);
    expect(n11Slices(since, since + DAY)).toEqual([{ start: since, end: since + DAY }]);
  });
});
