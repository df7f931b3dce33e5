// Determinism guard: workflow code runs in Temporal's sandbox and is replayed from history, so it may import only
// the workflow SDK, the shared contract and the pure domain rules — never Node built-ins, the ORM or the network.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ALLOWED = [/^@temporalio\/workflow$/, /^@temporalio\/common$/, /^\.\.\/contract\/(workflow|types|activities|config)$/, /^\.\.\/domain\/[a-z-]+$/, /^\.\/[a-z-]+$/];

function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  return [...source.matchAll(/^\s*(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
}

const files = [
  ...readdirSync(join(root, 'workflows')).map((f) => join(root, 'workflows', f)),
  ...readdirSync(join(root, 'domain')).map((f) => join(root, 'domain', f)),
].filter((f) => f.endsWith('.ts'));

test.each(files)('%s imports only deterministic modules', (file) => {
  const imports = importsOf(file);
  for (const spec of imports) {
    expect({ spec, allowed: ALLOWED.some((re) => re.test(spec)) }).toEqual({ spec, allowed: true });
  }
});

test('the contract handles module pulls in no zod or Node code', () => {
  for (const spec of importsOf(join(root, 'contract', 'workflow.ts'))) {
    expect(['@temporalio/workflow', '@temporalio/common', './types']).toContain(spec);
  }
});
