// What one lifecycle costs Temporal, read from its recorded history: events, workflow tasks, activities, local
// activities (their markers), signals, updates, timers. The bench prints it for the OMS and for the bare workflow side
// by side, so a reader can check that the bare workflow does the same Temporal work with nothing else around it.
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Per-lifecycle counts of what a workflow history records. */
export interface LifecycleShape {
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  signals: number;
  updates: number;
  timers: number;
  searchAttributeUpserts: number;
}

/** Activity and local-activity type names of a lifecycle with how often each ran. */
export interface LifecycleCalls {
  activityTypes: Record<string, number>;
  localActivityTypes: Record<string, number>;
}

const EMPTY: LifecycleShape = {
  events: 0,
  workflowTasks: 0,
  activities: 0,
  localActivities: 0,
  signals: 0,
  updates: 0,
  timers: 0,
  searchAttributeUpserts: 0,
};

/** Events a completed workflow task writes (its commands and the update messages it answers). */
function isCommandEvent(event: HistoryEvent): boolean {
  return !!(
    event.markerRecordedEventAttributes ||
    event.activityTaskScheduledEventAttributes ||
    event.timerStartedEventAttributes ||
    event.timerCanceledEventAttributes ||
    event.upsertWorkflowSearchAttributesEventAttributes ||
    event.workflowExecutionUpdateAcceptedEventAttributes ||
    event.workflowExecutionUpdateCompletedEventAttributes ||
    event.workflowExecutionCompletedEventAttributes
  );
}

/** The local activity's type, from the marker's `data` payload the SDK core writes (JSON with `activity_type`). */
function localActivityType(event: HistoryEvent): string {
  const payload = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  if (!payload) return '?';
  try {
    const data = JSON.parse(Buffer.from(payload).toString('utf8')) as { activity_type?: string };
    return data.activity_type ?? '?';
  } catch {
    return '?';
  }
}

/** The order status a search-attribute upsert sets, '' when it sets none. */
export function upsertedStatus(event: HistoryEvent): string {
  const data = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.OrderStatus?.data;
  return data ? Buffer.from(data).toString('utf8') : '';
}

/**
 * The events of one lifecycle: the whole history, or, with `endsAt`, up to the end of the workflow task whose
 * commands include the event `endsAt` picks (an order's lifecycle ends with the task that upserts `delivered` and
 * writes it to the read model; the workflow then waits out the return window).
 */
export function lifecycleEvents(events: HistoryEvent[], endsAt?: (event: HistoryEvent) => boolean): HistoryEvent[] {
  if (!endsAt) return events;
  const at = events.findIndex(endsAt);
  if (at < 0) return events;
  let end = at + 1;
  while (end < events.length && isCommandEvent(events[end]!)) end += 1;
  return events.slice(0, end);
}

/** Counts what one lifecycle's events record. */
export function shapeOf(events: HistoryEvent[]): { shape: LifecycleShape; calls: LifecycleCalls } {
  const shape = { ...EMPTY };
  const calls: LifecycleCalls = { activityTypes: {}, localActivityTypes: {} };
  for (const event of events) {
    shape.events += 1;
    if (event.workflowTaskScheduledEventAttributes) shape.workflowTasks += 1;
    else if (event.activityTaskScheduledEventAttributes) {
      shape.activities += 1;
      const type = event.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
      calls.activityTypes[type] = (calls.activityTypes[type] ?? 0) + 1;
    } else if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      shape.localActivities += 1;
      const type = localActivityType(event);
      calls.localActivityTypes[type] = (calls.localActivityTypes[type] ?? 0) + 1;
    } else if (event.workflowExecutionSignaledEventAttributes) shape.signals += 1;
    else if (event.workflowExecutionUpdateAcceptedEventAttributes) shape.updates += 1;
    else if (event.timerStartedEventAttributes) shape.timers += 1;
    else if (event.upsertWorkflowSearchAttributesEventAttributes) shape.searchAttributeUpserts += 1;
  }
  return { shape, calls };
}

/** Mean per lifecycle of several lifecycles' shapes, to one decimal. */
export function meanShape(shapes: LifecycleShape[]): LifecycleShape {
  const out = { ...EMPTY };
  if (shapes.length === 0) return out;
  for (const key of Object.keys(EMPTY) as (keyof LifecycleShape)[]) {
    out[key] = Math.round((shapes.reduce((s, x) => s + x[key], 0) / shapes.length) * 10) / 10;
  }
  return out;
}

/** Mean calls per lifecycle by type, to one decimal. */
export function meanCalls(all: LifecycleCalls[]): LifecycleCalls {
  const mean = (pick: (c: LifecycleCalls) => Record<string, number>) => {
    const sums: Record<string, number> = {};
    for (const c of all) for (const [type, n] of Object.entries(pick(c))) sums[type] = (sums[type] ?? 0) + n;
    return Object.fromEntries(
      Object.entries(sums)
        .sort(([, a], [, b]) => b - a)
        .map(([type, n]) => [type, Math.round((n / Math.max(1, all.length)) * 10) / 10]),
    );
  };
  return { activityTypes: mean((c) => c.activityTypes), localActivityTypes: mean((c) => c.localActivityTypes) };
}
