// What the bench's modules share to drive many lifecycles at once.

/** Runs `count` tasks with at most `limit` in flight; failures are collected, never thrown. */
export async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>) {
  const results: T[] = [];
  const failures: string[] = [];
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, count) }, async () => {
    while (next < count) {
      const i = next++;
      try {
        results.push(await task(i));
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  });
  await Promise.all(lanes);
  return { results, failures };
}
