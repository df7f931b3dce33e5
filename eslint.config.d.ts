// Types of eslint.config.js for the test that checks its workflow-code rules (test/unit/workflow-imports.test.ts).
import type { Linter } from 'eslint';

export declare const workflowCodeRules: Linter.Config;
declare const config: Linter.Config[];
export default config;
