// Replays histories of real runs (recorded by `npm run record-histories` on the real stack) against the current
// workflow code: a change that would break orders already in flight fails here, before it ships.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { LEGACY_ORDER_WORKFLOW_TYPES, ORDER_WORKFLOW_TYPE } from '../../contract/workflow';
import { quietRuntime, workflowBundle } from '../helpers/workflow-env';

const dir = fileURLToPath(new URL('../histories', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();

beforeAll(() => quietRuntime());

const typeOf = (file: string): string =>
  JSON.parse(readFileSync(join(dir, file), 'utf8')).events[0].workflowExecutionStartedEventAttributes.workflowType.name;

/** The paths of the spec every registered order workflow version must have a recorded history of. */
const MAIN_PATHS = ['card-return', 'marketplace-window-closed', 'cancel-after-label', 'out-of-stock', 'payment-timeout', 'damaged-return-operator', 'compensation-skipped', 'in-flight-picking'];

test.each([ORDER_WORKFLOW_TYPE, ...LEGACY_ORDER_WORKFLOW_TYPES])('histories of %s cover the main paths of the spec', (type) => {
  const ofType = files.filter((f) => typeOf(f) === type);
  for (const path of MAIN_PATHS) expect({ path, recorded: ofType.some((f) => f.endsWith(`-${path}.json`)) }).toEqual({ path, recorded: true });
});

test.each(files)('%s replays without non-determinism', async (file) => {
  const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, file);
});
