// `npm run profile -- <bench options>`: runs `npm run bench` under V8's CPU profiler (node --cpu-prof, one profile per
// thread) and prints where each thread's CPU went, by category (scripts/cpu-profile-summary.ts) and by function.
// The bench's own output goes to <dir>/bench.out; the profiles stay in <dir> (printed) for Chrome DevTools or
// speedscope. Threads: the main thread (API, activities, the worker's Node side, the simulators, the bench client),
// one workflow thread per Temporal Worker (the OMS's bundle and the bare reference's bundle apart), the rest.
// Profiling slows the run by itself: read the shares, not the bench's speed figures.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarizeProfile, type CpuProfile, type ProfileSummary } from './cpu-profile-summary';

/** Which thread a profile is: the workflow bundle it ran, or the main thread (thread id 0 in the file name). */
function threadName(file: string, profile: CpuProfile): string {
  const tid = /\.\d+\.(\d+)\.\d+\.cpuprofile$/.exec(file)?.[1];
  if (tid === '0') return 'main thread';
  const inBundle = profile.nodes.filter((n) => /workflow-bundle-[0-9a-f]+\.js$/.test(n.callFrame.url));
  if (inBundle.length > 0) {
    // The bundle's module functions are named by their source path: the OMS's has workflows/, the bare one none.
    const oms = inBundle.some((n) => n.callFrame.functionName.startsWith('./workflows/'));
    return `workflow thread (${oms ? 'OMS' : 'bare reference'} bundle)`;
  }
  return `thread ${tid ?? '?'}`;
}

function print(name: string, s: ProfileSummary): void {
  console.log(`\n${name}: ${(s.busyMs / 1000).toFixed(1)} s busy, ${(s.idleMs / 1000).toFixed(1)} s idle`);
  for (const c of s.categories.filter((x) => x.share >= 0.005)) {
    console.log(`  ${(100 * c.share).toFixed(1).padStart(5)} %  ${(c.ms / 1000).toFixed(1).padStart(7)} s  ${c.category}`);
  }
  console.log('  top functions:');
  for (const f of s.functions.slice(0, 12)) console.log(`  ${(100 * f.share).toFixed(1).padStart(5)} %  ${f.name}`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'oms-profile-'));
  const out = createWriteStream(join(dir, 'bench.out'));
  const args = ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', 'scripts/bench.ts', ...process.argv.slice(2)];
  console.log(`profiling: node ${args.join(' ')}\n(bench output in ${join(dir, 'bench.out')})`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  // 'close': the child has exited and its output is drained; each thread wrote its profile as it ended.
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => out.end(resolve));
  const summaryLine = readFileSync(join(dir, 'bench.out'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('{"bench"'));
  if (summaryLine) {
    const r = JSON.parse(summaryLine) as { throughput?: { completed?: number }; bare?: { completed?: number } };
    console.log(`bench exited ${code}: ${r.throughput?.completed ?? 0} OMS lifecycles, ${r.bare?.completed ?? 0} bare lifecycles completed`);
  } else {
    console.log(`bench exited ${code} without its summary line`);
  }
  // The main thread's profile is written last, as the process ends: give it a moment to appear.
  const profiles = () => readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (let i = 0; i < 50 && !profiles().some((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)); i++) await new Promise((r) => setTimeout(r, 200));
  const files = profiles();
  const summaries = files
    .map((f) => {
      const profile = JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile;
      return { file: f, name: threadName(f, profile), summary: summarizeProfile(profile) };
    })
    .sort((a, b) => b.summary.busyMs - a.summary.busyMs);
  for (const s of summaries.filter((x) => x.summary.busyMs >= 1000)) print(`${s.name} [${s.file}]`, s.summary);
  console.log(`\nprofiles: ${dir}`);
  process.exitCode = code ?? 1;
}

await main();
