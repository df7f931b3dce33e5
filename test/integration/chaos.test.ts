// CI's short version of the resilience suite: `npm run chaos -- --quick` on both databases, as a user runs it: the
// oversell race, triplicated callbacks, Temporal killed and restarted, PostgreSQL stopped in immediate mode. The
// checks are the script's own (every order at its expected final status, the stock ledger exact, each external
// effect once per key, no notification or write-back doubled, no 500); this test holds CI to them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

test('npm run chaos -- --quick: every check passes on SQLite and PostgreSQL', () => {
  const run = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/chaos.ts', '--quick', '--outage-seconds', '5', '--timeout-seconds', '600'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 700_000,
    env: { ...process.env, OMS_LOG_LEVEL: 'error' },
  });
  const lines = run.stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
  const failed = lines.filter((l) => l.startsWith('FAIL'));
  // Every scenario on each database reported its checks, and none failed.
  expect({ failed, stderrTail: failed.length ? run.stderr.slice(-2000) : '' }).toEqual({ failed: [], stderrTail: '' });
  for (const db of ['sqlite', 'postgres']) {
    for (const scenario of ['oversell', 'duplicate-callbacks', 'temporal-restart', ...(db === 'postgres' ? ['postgres-restart'] : [])]) {
      expect({ scenario, db, reported: lines.some((l) => l.includes(`${scenario} on ${db}: no 5xx but 503`)) }).toEqual({ scenario, db, reported: true });
    }
  }
  expect(run.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  expect(run.status).toBe(0);
}, 720_000);
