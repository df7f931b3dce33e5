// Which of Hepsiburada's lines the write-back cancels for the units the OMS canceled (planHepsiburadaCancels):
// lines not packed first, whole only (cancelbymerchant); then units of packed lines, any number (a split's
// cancelledItems), by package; lines in packages HB holds with the carrier never.
import { planHepsiburadaCancels } from '../../activities/writeback-hepsiburada';
import type { HepsiburadaLineState } from '../../integrations/hepsiburada/packages';

const line = (lineItemId: string, merchantSku: string, quantity: number, packageNumber: string | null = null, status = packageNumber ? 'Packed' : 'Open'): HepsiburadaLineState => ({
  lineItemId,
  merchantSku,
  quantity,
  status,
  packageNumber,
});

const ids = (plan: ReturnType<typeof planHepsiburadaCancels>) => plan.lines.map((l) => l.lineItemId);
const packed = (plan: ReturnType<typeof planHepsiburadaCancels>) => Object.fromEntries([...plan.packed].map(([p, units]) => [p, Object.fromEntries(units)]));

test('a wholly canceled line in a package is cancelled in its package (a split); the other line of the package is not', () => {
  const plan = planHepsiburadaCancels([line('L1', 'A', 1, 'P1'), line('L2', 'B', 1, 'P1')], new Map([['A', 1]]));
  expect(ids(plan)).toEqual([]);
  expect(packed(plan)).toEqual({ P1: { L1: 1 } });
  expect(plan.left).toEqual(new Map());
});

test('lines not packed come before packed ones, whole and smaller first; packed lines give any number of units, smaller lines first', () => {
  const lines = [line('L1', 'A', 1, 'P1'), line('L2', 'A', 2), line('L3', 'A', 1), line('L4', 'A', 3, 'P2')];
  const one = planHepsiburadaCancels(lines, new Map([['A', 1]]));
  expect([ids(one), packed(one)]).toEqual([['L3'], {}]);
  const three = planHepsiburadaCancels(lines, new Map([['A', 3]]));
  expect([ids(three), packed(three)]).toEqual([['L3', 'L2'], {}]);
  const five = planHepsiburadaCancels(lines, new Map([['A', 5]]));
  expect([ids(five), packed(five)]).toEqual([['L3', 'L2'], { P1: { L1: 1 }, P2: { L4: 1 } }]);
  const all = planHepsiburadaCancels(lines, new Map([['A', 7]]));
  expect([ids(all), packed(all), all.left]).toEqual([['L3', 'L2'], { P1: { L1: 1 }, P2: { L4: 3 } }, new Map()]);
});

test('a line in a package HB holds past packed is never chosen: its units are left, naming the package', () => {
  const plan = planHepsiburadaCancels([line('L1', 'A', 1, 'P1'), line('L2', 'B', 1, 'P1')], new Map([['A', 1]]), new Set(['P1']));
  expect(plan.lines).toEqual([]);
  expect(plan.packed).toEqual(new Map());
  expect(plan.left).toEqual(new Map([['A', { units: 1, held: ['P1'] }]]));
});

test('units already cancelled at HB count; part of a packed line is planned in its package, part of a line not packed is left', () => {
  const lines = [line('L1', 'A', 1, null, 'CancelledByMerchant'), line('L2', 'A', 3, 'P1'), line('L3', 'B', 2)];
  expect(planHepsiburadaCancels(lines, new Map([['A', 1]]))).toEqual({ lines: [], packed: new Map(), left: new Map() });
  const partial = planHepsiburadaCancels(lines, new Map([['A', 2], ['B', 1]]));
  expect(partial.lines).toEqual([]);
  expect(packed(partial)).toEqual({ P1: { L2: 1 } });
  expect(partial.left).toEqual(new Map([['B', { units: 1, held: [] }]]));
});

test('canceled units that are not a non-negative integer are a clear error', () => {
  expect(() => planHepsiburadaCancels([line('L1', 'A', 1)], new Map([['A', 1.5]]))).toThrow('canceled units of A must be a non-negative integer, not 1.5');
  expect(() => planHepsiburadaCancels([line('L1', 'A', 1)], new Map([['A', -1]]))).toThrow(RangeError);
});
