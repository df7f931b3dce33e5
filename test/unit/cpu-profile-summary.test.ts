import { categoryOf, summarizeProfile, type CpuProfile } from '../../scripts/cpu-profile-summary';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url, lineNumber: id },
  children,
});

describe('cpu profile summary', () => {
  test('categories by where the code lives', () => {
    expect(categoryOf('file:///srv/oms/entities/sqlite-dialect.ts', 'prepare')).toBe('sqlite (node:sqlite, prepare and run)');
    expect(categoryOf('file:///srv/oms/node_modules/@mikro-orm/core/EntityManager.js', 'find')).toBe('mikro-orm');
    expect(categoryOf('file:///srv/oms/node_modules/@temporalio/core-bridge/index.js', '')).toBe('temporal core bridge');
    expect(categoryOf('file:///srv/oms/integrations/sim/n11.ts', 'handle')).toBe('simulators (external services)');
    expect(categoryOf('file:///srv/oms/integrations/n11/stock.ts', 'submit')).toBe('oms integrations/');
    expect(categoryOf('file:///srv/oms/activities/read-model.ts', 'recordOrder')).toBe('oms activities/');
    expect(categoryOf('file:///srv/oms/workflow-bundle-5090e239.js', 'toPayload')).toBe('workflow code (bundle)');
    expect(categoryOf('node:internal/streams/writable', 'write')).toBe('node internals');
    expect(categoryOf('', '(garbage collector)')).toBe('gc');
    expect(categoryOf('', '(idle)')).toBe('idle');
  });

  test('self time is summed per category and per function; idle is kept apart from busy', () => {
    const profile: CpuProfile = {
      nodes: [
        frame(1, '(root)', '', [2, 3, 4]),
        frame(2, '(idle)', ''),
        frame(3, 'recordOrder', 'file:///srv/oms/activities/read-model.ts', [5]),
        frame(4, '(garbage collector)', ''),
        frame(5, '', 'file:///srv/oms/entities/sqlite-dialect.ts'),
      ],
      // 4 ms idle, 1 ms recordOrder itself, 3 ms in SQLite below it, 2 ms GC (time deltas in µs)
      samples: [2, 3, 5, 5, 4, 2, 5, 4],
      timeDeltas: [3000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    };
    const s = summarizeProfile(profile);
    expect(s.busyMs).toBe(6);
    expect(s.idleMs).toBe(4);
    expect(s.categories).toEqual([
      { category: 'sqlite (node:sqlite, prepare and run)', ms: 3, share: 0.5 },
      { category: 'gc', ms: 2, share: 0.333 },
      { category: 'oms activities/', ms: 1, share: 0.167 },
    ]);
    expect(s.functions[0]).toEqual({ name: '(anonymous) sqlite-dialect.ts:6', ms: 3, share: 0.5 });
    expect(s.functions.map((f) => f.name)).toContain('recordOrder read-model.ts:4');
  });
});
