// Where the CPU of a run goes: reads V8 `.cpuprofile` files (node --cpu-prof writes one per thread) and sums each
// sample's self time by what its code is: the SQLite driver, MikroORM, Kysely, the Temporal SDK (worker, core bridge,
// workflow sandbox), the workflow bundle, each OMS folder, the built-in simulators (which stand in for external
// services and would not run in the OMS's process in production), HTTP, GC and idle. Pure: `scripts/profile.ts`
// runs the bench under the profiler and prints this.

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Milliseconds the thread ran anything (all samples but idle). */
  busyMs: number;
  idleMs: number;
  /** Self time by category, most first. */
  categories: { category: string; ms: number; share: number }[];
  /** Self time by function (name, file, line), most first, at most `top`. */
  functions: { name: string; ms: number; share: number }[];
}

/** The category of a frame's code, by its URL (and, for V8's own entries, its function name). */
export function categoryOf(url: string, functionName: string): string {
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'v8 (program)';
  if (!url) return 'native';
  const path = url.replace(/^file:\/\//, '');
  if (/\/entities\/sqlite-dialect\.[jt]s$/.test(path)) return 'sqlite (node:sqlite, prepare and run)';
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
  if (pkg) {
    if (pkg.startsWith('@mikro-orm/')) return 'mikro-orm';
    if (pkg === 'kysely') return 'kysely';
    if (pkg === '@temporalio/core-bridge') return 'temporal core bridge';
    if (pkg === '@temporalio/worker') return 'temporal worker (incl. workflow sandbox)';
    if (pkg.startsWith('@temporalio/')) return 'temporal common/client/proto';
    if (pkg === '@grpc/grpc-js' || pkg === 'protobufjs' || pkg === 'long') return 'grpc + protobuf';
    if (['express', 'router', 'body-parser', 'raw-body', 'send', 'finalhandler', 'on-finished'].includes(pkg)) return 'express';
    if (pkg === 'pino' || pkg.startsWith('pino-') || pkg === 'sonic-boom') return 'logging (pino)';
    if (pkg === 'zod') return 'zod';
    if (pkg === 'rxjs') return 'rxjs (temporal worker)';
    if (['webpack', 'webpack-sources', 'esbuild', 'tsx', 'source-map', 'terser'].includes(pkg)) return 'bundling / source maps';
    return `other package: ${pkg}`;
  }
  if (/workflow-bundle-[0-9a-f]+\.js$/.test(path) || url.startsWith('evalmachine.')) return 'workflow code (bundle)';
  if (/\/integrations\/sim\/|\/integrations\/simulators\.[jt]s$|\/integrations\/callLog\.[jt]s$/.test(path)) return 'simulators (external services)';
  if (/\/scripts\//.test(path)) return 'bench client (scripts/)';
  const folder = /\/(activities|api|entities|integrations|workers|domain|contract|workflows)\//.exec(path)?.[1];
  if (folder) return `oms ${folder}/`;
  if (url.startsWith('node:')) return 'node internals';
  return 'other';
}

/** Sums a profile's self time by category and by function. */
export function summarizeProfile(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const category = categoryOf(url, functionName);
    if (category === 'idle') {
      idleUs += us;
      continue;
    }
    categories.set(category, (categories.get(category) ?? 0) + us);
    const file = url.split('/').pop() ?? '';
    const name = `${functionName || '(anonymous)'} ${file}${file ? `:${lineNumber + 1}` : ''}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const busyUs = [...categories.values()].reduce((a, b) => a + b, 0);
  const rank = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: Math.round(us / 100) / 10, share: busyUs > 0 ? Math.round((1000 * us) / busyUs) / 1000 : 0 }));
  return {
    busyMs: Math.round(busyUs / 1000),
    idleMs: Math.round(idleUs / 1000),
    categories: rank(categories).map(({ name, ms, share }) => ({ category: name, ms, share })),
    functions: rank(functions).slice(0, top),
  };
}
