// Where the Temporal dev server (CLI) and the time-skipping test server come from: an explicit path from the
// environment, else the pinned PyPI install under .tools/ (npm's postinstall), else the SDK's own download.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EphemeralServerExecutable } from '@temporalio/testing';

// This file runs from <root>/workers/ (tsx) or, built, from <root>/dist/workers/: both find the same root.
const parent = join(dirname(fileURLToPath(import.meta.url)), '..');
const projectRoot = basename(parent) === 'dist' ? dirname(parent) : parent;

function resolve(envVar: string, binary: string, env: NodeJS.ProcessEnv): EphemeralServerExecutable {
  const fromEnv = env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${envVar}=${fromEnv}: no such file`);
    return { type: 'existing-path', path: fromEnv };
  }
  const local = join(projectRoot, '.tools', 'venv', 'bin', binary);
  if (existsSync(local)) return { type: 'existing-path', path: local };
  return { type: 'cached-download' };
}

/** The `temporal` CLI that runs the dev server with its UI (env TEMPORAL_CLI_PATH overrides). */
export function devServerExecutable(env: NodeJS.ProcessEnv = process.env): EphemeralServerExecutable {
  return resolve('TEMPORAL_CLI_PATH', 'temporal', env);
}

/** The time-skipping test server for workflow tests (env TEMPORAL_TEST_SERVER_PATH overrides). */
export function testServerExecutable(env: NodeJS.ProcessEnv = process.env): EphemeralServerExecutable {
  return resolve('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server', env);
}

export { projectRoot };
