// `npm run bench -- --quick` end to end, as a reader runs it: its own embedded Temporal server, a fresh SQLite file,
// the OMS driven over HTTP and the bare reference workflow on the same server. A smoke test of what the bench prints,
// never of how fast anything was: the machine's speed drifts too much for that.
import { runBench, type BenchRun } from '../helpers/bench-run';

interface RoundFigures {
  round: number;
  omsLifecyclesPerSecond: number;
  bareLifecyclesPerSecond: number;
  ratio: number;
}

interface BenchJson {
  throughput: { completed: number; failed: number; rounds: number; lifecyclesPerSecond: number };
  bare: { completed: number; failed: number; lifecyclesPerSecond: number };
  relative: {
    ratio: { median: number; min: number; max: number; rounds: number };
    cpuRatio: { median: number; min: number; max: number };
    rounds: RoundFigures[];
    shape: {
      matches: boolean;
      oms: Record<string, number>;
      bare: Record<string, number>;
    };
  };
  split: {
    share: number;
    units: number;
    rounds: number;
    orders: number;
    splitOrders: number;
    completed: number;
    failed: number;
    ratio: { median: number; rounds: number };
    cpuVersusSingleUnit: number;
    shape: { oms: Record<string, number>; bare: Record<string, number> } | null;
  } | null;
  latencyUnderLoad: {
    capacity: number;
    rate: number;
    rateFrom: string;
    seconds: number;
    oms: { lifecycles: number; failed: number; postOrdersMs: Spread; callbacksMs: Spread; byKindMs: Record<string, Spread> };
    bare: { lifecycles: number; failed: number; startMs: Spread; signalMs: Spread };
    ratios: { postOrders: { p99Ratio: number; within: boolean }; callbacks: { p99Ratio: number; within: boolean } };
    acceptance: { sampled: number; serverMs: number; workflowTasks: number } | null;
  } | null;
  targets: Record<string, { want: string; got: number; met: boolean }>;
  calibrationMs: number;
  failures: string[];
}

interface Spread {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

describe('npm run bench -- --quick', () => {
  let run: BenchRun;
  let json: BenchJson;

  beforeAll(async () => {
    run = await runBench(['--quick'], {}, 170_000);
    const last = run.stdout.trim().split('\n').at(-1) ?? '';
    try {
      json = JSON.parse(last) as BenchJson;
    } catch {
      throw new Error(`the bench printed no JSON line (exit ${run.code}); stderr ends:\n${run.stderr.slice(-3000)}`);
    }
  }, 180_000);

  test('runs two rounds of OMS and bare lifecycles without a failure and exits 0', () => {
    expect({ code: run.code, failures: json.failures }).toEqual({ code: 0, failures: [] });
    expect(json.throughput).toMatchObject({ completed: 20, failed: 0, rounds: 2 });
    expect(json.bare).toMatchObject({ completed: 20, failed: 0 });
  });

  test('prints the ratio line with the median and spread the JSON line carries', () => {
    const ratioLine = /^OMS \/ bare lifecycles\/s ratio\s+median (\S+) \(min (\S+) – max (\S+), 2 rounds\)$/m;
    const line = ratioLine.exec(run.stdout);
    expect(line).not.toBeNull();
    const [, median, min, max] = line!.map(Number);
    expect({ median, min, max }).toEqual({
      median: json.relative.ratio.median,
      min: json.relative.ratio.min,
      max: json.relative.ratio.max,
    });
    expect(json.relative.ratio.median).toBeGreaterThan(0);
    expect(json.relative.ratio.min).toBeLessThanOrEqual(json.relative.ratio.median);
    expect(json.relative.ratio.median).toBeLessThanOrEqual(json.relative.ratio.max);
    expect(json.calibrationMs).toBeGreaterThan(0);
    expect(json.relative.cpuRatio.median).toBeGreaterThan(0);
    expect(run.stdout).toMatch(/^ {2}bare \/ OMS CPU per lifecycle\s+median \S+ \(min \S+ – max \S+\)$/m);
  });

  test("each round's ratio is that round's OMS lifecycles/s over the bare workflow's", () => {
    expect(json.relative.rounds.map((r) => r.round)).toEqual([1, 2]);
    for (const r of json.relative.rounds) {
      expect(r.omsLifecyclesPerSecond).toBeGreaterThan(0);
      expect(r.bareLifecyclesPerSecond).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.omsLifecyclesPerSecond / r.bareLifecyclesPerSecond, 1);
    }
    const sorted = json.relative.rounds.map((r) => r.ratio).sort((a, b) => a - b);
    expect(json.relative.ratio.median).toBeCloseTo((sorted[0]! + sorted[1]!) / 2, 1);
  });

  test('the bare workflow runs as many activities, local activities, signals, updates as an order, by history', () => {
    const { shape } = json.relative;
    expect(shape.matches).toBe(true);
    for (const key of ['activities', 'localActivities', 'signals', 'updates'] as const) {
      expect({ key, bare: shape.bare[key] }).toEqual({ key, bare: shape.oms[key] });
    }
    // The counts come from real histories, not from the plan: an order runs activities and receives signals.
    expect(shape.oms.activities).toBeGreaterThanOrEqual(4);
    expect(shape.oms.signals).toBeGreaterThanOrEqual(3);
    expect(shape.oms.updates).toBe(1);
    for (const key of ['events', 'workflowTasks', 'timers', 'searchAttributeUpserts']) {
      expect(typeof shape.oms[key]).toBe('number');
      expect(typeof shape.bare[key]).toBe('number');
    }
    expect(run.stdout).toMatch(/^shape per lifecycle, OMS \/ bare \(\d+ \/ \d+ histories\)\s+same activities/m);
  });

  test('runs a round of the split mix: a third of the orders in two units, packed and carried unit by unit', () => {
    expect(json.split).toMatchObject({ share: 0.33, units: 2, rounds: 1, orders: 10, completed: 10, failed: 0 });
    // every third order of 10: the 3rd, 6th and 9th
    expect(json.split!.splitOrders).toBe(3);
    expect(json.split!.ratio.rounds).toBe(1);
    expect(json.split!.cpuVersusSingleUnit).toBeGreaterThan(0);
    // From the split orders' own histories: one picking task and one label per unit besides invoice and ERP sale,
    // and a packed, picked-up and delivered signal per unit.
    const { shape } = json.split!;
    expect(shape!.oms.activities).toBe(6);
    expect(shape!.bare.activities).toBe(6);
    expect(shape!.oms.signals).toBe(shape!.bare.signals);
    expect(shape!.oms.signals).toBeGreaterThanOrEqual(6);
    expect(run.stdout).toMatch(/^split mix \(10\/10 in 1 rounds, 3 of them in 2 units\)\s+OMS \S+\/s, bare \S+\/s$/m);
  });

  test("runs phase d at half phase b's lifecycles/s: every POST /orders and callback against the bare start and signal", () => {
    const d = json.latencyUnderLoad!;
    expect(d).not.toBeNull();
    // --quick: 4 s at half of what phase b measured in this run
    expect(d.capacity).toBe(json.throughput.lifecyclesPerSecond);
    expect(d.rate).toBe(Math.round((d.capacity / 2) * 100) / 100);
    expect({ rateFrom: d.rateFrom, seconds: d.seconds }).toEqual({ rateFrom: 'half of phase b', seconds: 4 });
    const lifecycles = Math.max(1, Math.round(d.rate * 4));
    expect(d.oms).toMatchObject({ lifecycles, failed: 0 });
    expect(d.bare).toMatchObject({ lifecycles, failed: 0 });
    // Even lifecycles are card (payment, packed, picked_up, delivered), odd ones marketplace (no payment callback).
    const card = Math.ceil(lifecycles / 2);
    const callbacks = 4 * card + 3 * (lifecycles - card);
    expect(d.oms.postOrdersMs.count).toBe(lifecycles);
    expect(d.oms.callbacksMs.count).toBe(callbacks);
    expect(d.oms.byKindMs['POST /callbacks/payments']!.count).toBe(card);
    expect(d.bare.startMs.count).toBe(lifecycles);
    expect(d.bare.signalMs.count).toBe(callbacks);
    for (const x of [d.oms.postOrdersMs, d.oms.callbacksMs, d.bare.startMs, d.bare.signalMs]) {
      expect(x.p50).toBeGreaterThan(0);
      expect(x.p50).toBeLessThanOrEqual(x.p99);
      expect(x.p99).toBeLessThanOrEqual(x.max);
    }
    expect(d.ratios.postOrders.p99Ratio).toBeCloseTo(d.oms.postOrdersMs.p99 / d.bare.startMs.p99, 1);
    expect(d.ratios.callbacks.p99Ratio).toBeCloseTo(d.oms.callbacksMs.p99 / d.bare.signalMs.p99, 1);
    expect(d.ratios.postOrders.within).toBe(d.ratios.postOrders.p99Ratio <= 3);
    expect(d.ratios.callbacks.within).toBe(d.ratios.callbacks.p99Ratio <= 3);
    expect(json.targets.postOrdersP99VersusBareStart).toEqual({
      want: '<= 3× at half capacity',
      got: d.ratios.postOrders.p99Ratio,
      met: d.ratios.postOrders.within,
    });
    expect(d.acceptance!.sampled).toBeGreaterThan(0);
    expect(d.acceptance!.serverMs).toBeGreaterThan(0);
  });

  test("prints phase d's lines: the two p99 ratios and whether each is within 3×", () => {
    const d = json.latencyUnderLoad!;
    const header = new RegExp(`^latency under load \\(${d.rate} lifecycles/s, half of ${d.capacity}/s, 4 s\\)\\s+OMS \\d+/\\d+, bare \\d+/\\d+ lifecycles$`, 'm');
    expect(run.stdout).toMatch(header);
    const verdict = (label: string, r: { p99Ratio: number; within: boolean }) =>
      new RegExp(`^ {2}${label}\\s+${r.p99Ratio.toString().replace('.', '\\.')}× \\(${r.within ? 'within' : 'NOT within'} 3×\\)$`, 'm');
    expect(run.stdout).toMatch(verdict('POST /orders p99 / bare p99', d.ratios.postOrders));
    expect(run.stdout).toMatch(verdict('callbacks p99 / bare signal p99', d.ratios.callbacks));
    expect(run.stdout).toMatch(/^ {2}bare start \+ update after 1 local activity\s+p50 \S+ ms {2}p99 \S+ ms {2}max \S+ ms \(\d+\)$/m);
    expect(run.stdout).toMatch(/^ {2}bare signal\s+p50 \S+ ms {2}p99 \S+ ms {2}max \S+ ms \(\d+\)$/m);
  });
});
