// `npm run bench -- --park 30,12` end to end, small: the bench's phase b, then 30 orders parked delivered and 12 in
// earlier states, phase b again beside them, then every parked order read back and a sample returned to the end.
// A smoke test of what the park stage prints and checks, never of how fast anything was or how much memory it held.
import { runBench, type BenchRun } from '../helpers/bench-run';

interface ParkJson {
  delivered: { asked: number; parked: number; failed: number };
  earlier: { asked: number; parked: number; failed: number; byState: Record<string, number> };
  ratioAfterParking: { median: number; min: number; max: number; rounds: number };
  get: { checked: number; ok: number; failed: number };
  returns: { asked: number; ok: number; failed: number };
  failures: string[];
  rss: { stage: string; selfMb: number; childrenMb: number; cachedWorkflows: number | null; samples: number }[];
}

describe('npm run bench -- --park 30,12', () => {
  let run: BenchRun;
  let park: ParkJson;
  let ratio: { median: number; rounds: number };

  beforeAll(async () => {
    run = await runBench(
      // --quick's own deadline (120 s) is for a quiet machine; this one is shared, so the run gets 240 s.
      [
        '--quick',
        '--rounds',
        '1',
        '--park',
        '30,12',
        '--park-returns',
        '6',
        '--latency-seconds',
        '0',
        '--split-rounds',
        '0',
        '--profile-sample',
        '0',
        '--timeout-seconds',
        '240',
      ],
      // Set here so the test sees the variable reach the worker (the bench prints what the worker runs with).
      { OMS_WORKER_CACHED_WORKFLOWS: '120', OMS_WORKER_STICKY_TIMEOUT: '7s' },
      300_000,
    );
    // The SDK core may log a warning to stdout after the JSON line (a slow workflow task on a busy machine).
    const last = run.stdout.trim().split('\n').findLast((line) => line.startsWith('{')) ?? '';
    try {
      const json = JSON.parse(last) as { park: ParkJson; relative: { ratio: { median: number; rounds: number } } };
      park = json.park;
      ratio = json.relative.ratio;
    } catch {
      throw new Error(`the bench printed no JSON line (exit ${run.code}); stderr ends:\n${run.stderr.slice(-3000)}`);
    }
  }, 310_000);

  test('parks 30 delivered and 12 in earlier states, a third each, without a failure, and exits 0', () => {
    expect({ code: run.code, failures: park.failures }).toEqual({ code: 0, failures: [] });
    expect(park.delivered).toMatchObject({ asked: 30, parked: 30, failed: 0 });
    expect(park.earlier).toMatchObject({ asked: 12, parked: 12, failed: 0, byState: { awaiting_payment: 4, picking: 4, shipped: 4 } });
    expect(run.stdout).toMatch(/^park: parked\s+30\/30 delivered in \d+ s, 12\/12 earlier \(awaiting_payment 4, picking 4, shipped 4\)/m);
  });

  test('every parked order answers GET /orders/{id} with its parked status, and the sample of returns completes', () => {
    expect(park.get).toEqual({ checked: 42, ok: 42, failed: 0 });
    expect(park.returns).toEqual({ asked: 6, ok: 6, failed: 0 });
    expect(run.stdout).toMatch(/^park check GET\s+42\/42 parked orders answered GET \/orders\/\{id\} with their parked status OK$/m);
    expect(run.stdout).toMatch(/^park check returns\s+6\/6 delivered parked orders returned to return_completed OK$/m);
  });

  test('measures phase b again beside the parked orders and prints both ratios', () => {
    expect(ratio.rounds).toBe(1);
    expect(park.ratioAfterParking.rounds).toBe(1);
    expect(park.ratioAfterParking.median).toBeGreaterThan(0);
    const line = /^park: ratio\s+before parking median (\S+) \(.*\); beside the parked orders median (\S+) \(/m.exec(run.stdout);
    expect(line?.slice(1).map(Number)).toEqual([ratio.median, park.ratioAfterParking.median]);
  });

  test('the worker runs with the cache size and sticky timeout the environment names', () => {
    expect(run.stdout).toMatch(/^park: worker cache\s+maxCachedWorkflows 120, stickyQueueScheduleToStartTimeout 7000 ms$/m);
  });

  test('samples RSS every second through every stage, the whole run last', () => {
    expect(park.rss.map((p) => p.stage)).toEqual([
      'start',
      'bench before parking',
      'parking',
      'bench beside the parked orders',
      'checks',
      'end',
      'whole run',
    ]);
    const whole = park.rss.at(-1)!;
    expect(whole.samples).toBe(park.rss.slice(0, -1).reduce((n, p) => n + p.samples, 0));
    expect(whole.selfMb).toBe(Math.max(...park.rss.slice(0, -1).map((p) => p.selfMb)));
    expect(whole.selfMb).toBeGreaterThan(0);
    // The worker's cache is read while it runs: the parked orders and the bench's are in it, never more than its size.
    expect(whole.cachedWorkflows).toBeGreaterThan(0);
    expect(whole.cachedWorkflows).toBeLessThanOrEqual(120);
  });
});
