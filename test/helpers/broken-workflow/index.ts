// An order workflow whose every workflow task fails, as when a worker runs a broken build: the fault behind
// Temporal's "Workflow Task in failed state" refusal of updates. Only test/integration/faults.test.ts runs it.

/** Registered under the order workflow's type name; a plain Error fails the task (not the workflow), retried forever. */
export async function orderWorkflow(): Promise<void> {
  throw new Error('broken build: this order workflow fails every workflow task');
}
