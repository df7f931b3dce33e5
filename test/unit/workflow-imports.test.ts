// Determinism guard: workflow code runs in Temporal's sandbox and is replayed from history, so what it loads may be
// only the workflow SDK, the shared contract and the pure domain rules — never Node built-ins, the ORM or the
// network. The scanner reads imports with the TypeScript parser (every form: `import 'x'`, either quote, `export …
// from`, dynamic `import()`, `require()`), follows relative imports from the workflow entry point through the whole
// graph, and ignores type-only imports, which the compiler erases. ESLint guards the same rules at edit time.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import ts from 'typescript';
import { workflowCodeRules } from '../../eslint.config.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every module specifier `source` loads at run time (type-only imports and exports left out). */
function runtimeImports(source: string, fileName = 'probe.ts'): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (!typeOnly) specs.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      if (!node.isTypeOnly) specs.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const expr = node.moduleReference.expression;
      if (ts.isStringLiteral(expr) && !node.isTypeOnly) specs.push(expr.text);
    } else if (ts.isCallExpression(node)) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if (isImport || isRequire) {
        const [arg] = node.arguments;
        // A computed specifier cannot be checked, so it is refused outright.
        specs.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return specs;
}

/** Packages workflow code may load; relative imports must stay inside these folders. */
const ALLOWED_PACKAGES = ['@temporalio/workflow', '@temporalio/common'];
const ALLOWED_FOLDERS = ['workflows', 'domain', 'contract'];
/** Contract modules that pull in zod or other server code are off limits even though the folder is allowed. */
const FORBIDDEN_FILES = ['contract/schemas.ts', 'contract/store.ts', 'contract/index.ts'];

/** Walks the run-time import graph from `entry`; returns each problem as `file: specifier (why)`. */
function scanGraph(entry: string): { files: string[]; problems: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const rel = relative(root, file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'), file)) {
      if (!spec.startsWith('.')) {
        if (!ALLOWED_PACKAGES.includes(spec)) problems.push(`${rel}: ${spec} (package not allowed in workflow code)`);
        continue;
      }
      const target = resolve(dirname(file), spec.endsWith('.ts') ? spec : `${spec}.ts`);
      const targetRel = relative(root, target);
      if (!ALLOWED_FOLDERS.includes(targetRel.split('/')[0]!) || FORBIDDEN_FILES.includes(targetRel)) {
        problems.push(`${rel}: ${spec} (outside the workflow's world)`);
        continue;
      }
      queue.push(target);
    }
  }
  return { files: [...seen].map((f) => relative(root, f)).sort(), problems };
}

describe('the import scanner', () => {
  test('sees every way a module can be loaded', () => {
    const source = [
      `import 'side-effect';`,
      `import x from "double-quoted";`,
      `import * as ns from 'namespace';`,
      `export { y } from 're-exported';`,
      `export * from "star";`,
      `import fs = require('import-equals');`,
      `const lazy = () => import('dynamic');`,
      `const old = require("required");`,
      `const computed = (name: string) => import(name);`,
      `  import   {   spaced   }   from   'spaced'  ;`,
    ].join('\n');
    expect(runtimeImports(source).sort()).toEqual(
      ['side-effect', 'double-quoted', 'namespace', 're-exported', 'star', 'import-equals', 'dynamic', 'required', '<computed>', 'spaced'].sort(),
    );
  });

  test('leaves out type-only imports, which the compiler erases', () => {
    const source = `import type { A } from 'erased';\nimport { type B } from 'erased-too';\nexport type { C } from 'erased-three';\nimport { type D, e } from 'kept';`;
    expect(runtimeImports(source)).toEqual(['kept']);
  });
});

test('the workflow bundle loads only the workflow SDK, the contract handles and the domain', () => {
  const { files, problems } = scanGraph(join(root, 'workflows', 'index.ts'));
  expect(problems).toEqual([]);
  // The walk did reach the code it guards, not an empty graph.
  expect(files).toEqual(
    expect.arrayContaining(['workflows/index.ts', 'workflows/order/workflow.ts', 'workflows/v1/order.ts', 'contract/workflow.ts']),
  );
});

describe('ESLint in workflows/ and domain/', () => {
  const linter = new Linter({ configType: 'flat' });
  const lint = (code: string) =>
    linter
      .verify(code, [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, workflowCodeRules], 'workflows/probe.ts')
      .map((m) => m.ruleId);

  test.each([
    [`import { readFileSync } from 'node:fs';`],
    [`import { readFileSync } from 'fs';`],
    [`import { randomUUID } from "crypto";`],
    [`import 'fs/promises';`],
    [`export { join } from 'path';`],
    [`const m = () => import('./anything');`],
    [`const c = require('child_process');`],
    [`import { z } from 'zod';`],
    [`import { Worker } from '@temporalio/worker';`],
    [`import { createStore } from '../entities/store';`],
  ])('refuses %s', (code) => {
    // One report from the restriction rules (a parse error would have no rule id).
    expect(lint(code)).toEqual([expect.stringMatching(/^no-restricted-(imports|syntax)$/)]);
  });

  test('accepts the workflow SDK, the contract and the domain', () => {
    expect(lint(`import { proxyActivities } from '@temporalio/workflow';\nimport { orderQuery } from '../contract/workflow';\nimport { total } from '../domain/money';`)).toEqual([]);
  });
});
