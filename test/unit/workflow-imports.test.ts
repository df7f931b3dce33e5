// Determinism guard: workflow code runs in Temporal's sandbox and is replayed from history, so it may import only
// the workflow SDK, the shared contract and the pure domain rules — never Node built-ins, the ORM or the network.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];
/** Project files workflow code may reach, relative to the root: itself, the pure domain, the handles and types. */
const ALLOWED_FILES = [/^workflows\/[a-z0-9/-]+$/, /^domain\/[a-z-]+$/, /^contract\/(workflow|types|activities|config|sinks)$/];

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

function allowed(file: string, spec: string): boolean {
  if (!spec.startsWith('.')) return ALLOWED_PACKAGES.includes(spec);
  const target = relative(root, join(dirname(file), spec));
  return ALLOWED_FILES.some((re) => re.test(target));
}

const tsFilesUnder = (dir: string): string[] =>
  readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, dir, f));
const files = [...tsFilesUnder('workflows'), ...tsFilesUnder('domain')];

test.each(files)('%s imports only deterministic modules', (file) => {
  const imports = importsOf(file);
  for (const spec of imports) {
    expect({ spec, allowed: allowed(file, spec) }).toEqual({ spec, allowed: true });
  }
});

test('the contract handles module pulls in no zod or Node code', () => {
  for (const spec of importsOf(join(root, 'contract', 'workflow.ts'))) {
    expect(['@temporalio/workflow', '@temporalio/common', './types']).toContain(spec);
  }
});
