// Replays histories of real runs (recorded by `npm run record-histories` on the real stack) against the current
// workflow code: a change that would break orders already in flight fails here, before it ships.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { quietRuntime, workflowBundle } from '../helpers/workflow-env';

const dir = fileURLToPath(new URL('../histories', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

beforeAll(() => quietRuntime());

test('histories cover the main paths of the spec', () => {
  expect(files.length).toBeGreaterThanOrEqual(8);
});

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
});
