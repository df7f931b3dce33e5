// Runs a bench script as a reader does (`npm run bench -- <args>`, `npm run bench:scale -- <args>`), in a child
// process, for the benches' smoke tests.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

export interface BenchRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The bench with `args` and `env` on top of this process's environment, killed after `timeoutMs`. Only the flags
 * under test count: the caller's BENCH_* and OMS_WORKER_* variables would change the run, so they are left out.
 */
export function runBench(args: string[], env: Record<string, string>, timeoutMs: number, script = 'scripts/bench.ts'): Promise<BenchRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('BENCH_') && !k.startsWith('OMS_WORKER_')),
  );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsx, script, ...args], { cwd: root, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
