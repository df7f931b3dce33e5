// `npm run build`: the production build, run with plain Node (no tsx):
//   1. tsc -p tsconfig.build.json emits the production code to dist/ (and type-checks it);
//   2. every relative import in the emitted JavaScript gets the extension Node's ESM loader needs (the sources
//      import './x' without one, as moduleResolution "bundler" allows) — each rewrite is checked against the file
//      it names, so a specifier that resolves to nothing fails the build instead of the first start;
//   3. the workflow code is bundled ahead of time into dist/workflow-bundle.js, which the worker loads with
//      `workflowBundle: { codePath }` instead of bundling at every start.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], {
  cwd: root,
  stdio: 'inherit',
});

/** `from './x'`, `import './x'`, `import('./x')`, `export … from './x'`: the specifier forms tsc emits. */
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.{1,2}\/[^'"]*)\2/g;

function* jsFiles(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* jsFiles(path);
    else if (name.endsWith('.js')) yield path;
  }
}

const unresolved = [];
let rewritten = 0;
for (const file of jsFiles(dist)) {
  const source = readFileSync(file, 'utf8');
  const output = source.replace(SPECIFIER, (whole, lead, quote, spec) => {
    if (/\.(c|m)?js$|\.json$/.test(spec)) return whole;
    const base = resolve(dirname(file), spec);
    const target = existsSync(`${base}.js`) ? `${spec}.js` : existsSync(join(base, 'index.js')) ? `${spec}/index.js` : null;
    if (target === null) {
      unresolved.push(`${relative(root, file)}: ${spec}`);
      return whole;
    }
    rewritten += 1;
    return `${lead}${quote}${target}${quote}`;
  });
  if (output !== source) writeFileSync(file, output);
}
if (unresolved.length > 0) {
  console.error(`build: relative imports that name no emitted file:\n  ${unresolved.join('\n  ')}`);
  process.exit(1);
}

// The operator console is static files served as they are (api/console.ts looks beside dist/api/).
cpSync(join(root, 'console'), join(dist, 'console'), { recursive: true, filter: (src) => !src.endsWith('.d.ts') });

const { bundleWorkflowCode } = await import('@temporalio/worker');
const quiet = () => undefined;
const { code } = await bundleWorkflowCode({
  workflowsPath: join(root, 'workflows', 'index.ts'),
  logger: { trace: quiet, debug: quiet, info: quiet, warn: console.warn, error: console.error, log: quiet },
});
writeFileSync(join(dist, 'workflow-bundle.js'), code);
console.log(`build: dist/ written (${rewritten} imports given their extension), workflow bundle ${Math.round(code.length / 1024)} KiB`);
