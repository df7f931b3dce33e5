// `npm run bench:scale -- --quick --layouts 2+2` end to end, small: two API and two worker processes against one
// Temporal server and a fresh PostgreSQL database, the bench's lifecycles sent round-robin across the APIs, then the
// script's own checks (nothing lost, nothing doubled, the stock pool exact). A smoke test of what it runs and checks,
// never of how fast anything was.
import { runBench, type BenchRun } from '../helpers/bench-run';

interface ScaleJson {
  options: { orders: number; rounds: number; layouts: string[] };
  results: {
    layout: string;
    processes: { role: string; peakRssMb: number }[];
    rounds: { lifecyclesPerSecond: number; bareLifecyclesPerSecond: number; ratio: number }[];
    failures: string[];
    checks: { name: string; ok: boolean; detail: string }[];
  }[];
}

describe('npm run bench:scale -- --quick --layouts 2+2', () => {
  let run: BenchRun;
  let json: ScaleJson;

  beforeAll(async () => {
    run = await runBench(['--quick', '--layouts', '2+2', '--orders', '12', '--warmup', '2', '--timeout-seconds', '240'], {}, 300_000, 'scripts/bench-scale.ts');
    const last = run.stdout.trim().split('\n').findLast((line) => line.startsWith('{')) ?? '';
    try {
      json = JSON.parse(last) as ScaleJson;
    } catch {
      throw new Error(`bench:scale printed no JSON line (exit ${run.code}); stderr ends:\n${run.stderr.slice(-3000)}`);
    }
  }, 310_000);

  test('runs two API and two worker processes, every lifecycle completes and the script exits 0', () => {
    expect({ code: run.code, failures: json.results[0]?.failures }).toEqual({ code: 0, failures: [] });
    expect(json.results.map((r) => r.layout)).toEqual(['2+2']);
    expect(json.results[0]!.processes.map((p) => p.role).sort()).toEqual(['api', 'api', 'worker', 'worker']);
    expect(json.results[0]!.processes.every((p) => p.peakRssMb > 0)).toBe(true);
    const [round] = json.results[0]!.rounds;
    expect(round!.lifecyclesPerSecond).toBeGreaterThan(0);
    expect(round!.bareLifecyclesPerSecond).toBeGreaterThan(0);
  });

  test('checks that no order was lost or doubled, every order was delivered and the stock pool is exact', () => {
    expect(json.results[0]!.checks.map((c) => [c.name, c.ok])).toEqual([
      ['no order lost', true],
      ['no order doubled', true],
      ['every order delivered', true],
      ['stock pool exact', true],
    ]);
    // 2 warm-up + 12 measured lifecycles, all of them in the read model.
    expect(json.results[0]!.checks[0]!.detail).toBe('14 created, 0 missing');
    expect(run.stdout).toMatch(/^2 API \+ 2 worker processes\s+[\d.]+ lifecycles\/s, bare [\d.]+\/s, ratio [\d.]+/m);
  });
});
