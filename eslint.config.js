// Lint: the two rules that guard what tests cannot see. Unawaited promises lose errors (and in a workflow, ordering);
// workflow code is replayed from history in a sandbox, so it must not reach Node, the ORM or the network.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.data/**', 'test/histories/**'] },
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
  {
    // The bench's bare reference workflow is bundled and replayed like the order workflow: the same rules.
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'scripts/bench-bare-workflow.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'workflow code is deterministic: no Node built-ins' },
            { group: ['@mikro-orm/*', 'express', 'zod', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'not in workflow code' },
            { group: ['../activities*', '../entities*', '../integrations*', '../api*', '../workers*'], message: 'workflow code imports the contract and the domain only' },
          ],
        },
      ],
    },
  },
);
