// Lint: the two rules that guard what tests cannot see. Unawaited promises lose errors (and in a workflow, ordering);
// workflow code is replayed from history in a sandbox, so it must not reach Node, the ORM or the network.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const NOT_IN_WORKFLOWS = 'workflow code is deterministic: no Node built-ins';

/**
 * What workflow and domain code may not import: Node built-ins in either spelling (`node:fs` and bare `fs`,
 * `fs/promises`, as the Temporal samples' lint config bans both), server-side packages, the non-workflow layers, and
 * any dynamic `import()` / `require()`, which no-restricted-imports does not see. Exported for the test that
 * checks the rules catch each form.
 */
export const workflowCodeRules = {
  files: ['workflows/**/*.ts', 'domain/**/*.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: builtinModules.filter((name) => !name.startsWith('_')).map((name) => ({ name, message: NOT_IN_WORKFLOWS })),
        patterns: [
          { group: ['node:*'], message: NOT_IN_WORKFLOWS },
          { group: ['@mikro-orm/*', 'express', 'zod', 'pino', 'prom-client', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'not in workflow code' },
          { group: ['../activities*', '../entities*', '../integrations*', '../api*', '../workers*'], message: 'workflow code imports the contract and the domain only' },
        ],
      },
    ],
    'no-restricted-syntax': [
      'error',
      { selector: 'ImportExpression', message: 'no dynamic import() in workflow code: the bundle must hold everything' },
      { selector: "CallExpression[callee.name='require']", message: 'no require() in workflow code' },
    ],
  },
};


export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'dist/**', 'test/histories/**'] },
  // Comments may name rules of the wider recommended set, which this config does not turn on.
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { projectService: true } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
    },
  },
  workflowCodeRules,
  // The bench's bare reference workflow is bundled and replayed like the order workflow: the same rules.
  { ...workflowCodeRules, files: ['scripts/bench-bare-workflow.ts', 'scripts/unit-structure-workflow.ts'] },
);
