// The bench's history counting (scripts/bench-shape.ts) on a recorded order history: where an order's lifecycle ends
// and what it ran, so the OMS/bare shape comparison the bench prints rests on counts that are right.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { lifecycleEvents, meanShape, shapeOf, upsertedStatus } from '../../scripts/bench-shape';

const file = fileURLToPath(new URL('../histories/01-card-return.json', import.meta.url));
const events = historyFromJSON(JSON.parse(readFileSync(file, 'utf8'))).events ?? [];
const delivered = (e: (typeof events)[number]) => upsertedStatus(e).includes('delivered');

describe('bench history shape', () => {
  test('a lifecycle ends with the workflow task that upserts delivered, its local activities included', () => {
    const lifecycle = lifecycleEvents(events, delivered);
    // Event 79 upserts `delivered`; 80–83 are the same task's timer and read-model, notification, write-back
    // markers; 84 schedules the next task (the return request).
    expect(lifecycle.length).toBe(83);
    expect(lifecycle.at(-1)?.markerRecordedEventAttributes?.markerName).toBe('core_local_activity');
    expect(events[83]?.workflowTaskScheduledEventAttributes).toBeTruthy();
    expect(lifecycleEvents(events).length).toBe(events.length);
  });

  test('counts the card lifecycle of the recording: activities, local activities by type, signals, update', () => {
    const { shape, calls } = shapeOf(lifecycleEvents(events, delivered));
    expect(shape).toEqual({
      events: 83,
      workflowTasks: 10,
      activities: 5,
      localActivities: 19,
      signals: 4,
      updates: 1,
      timers: 4,
      searchAttributeUpserts: 5,
    });
    expect(calls.activityTypes).toEqual({
      issueInvoice: 1,
      postErpSale: 1,
      createPickingTask: 1,
      createShipment: 1,
      capturePayment: 1,
    });
    expect(calls.localActivityTypes).toEqual({
      validateOrder: 1,
      reserveStock: 1,
      notifyCustomer: 5,
      writeBackChannel: 5,
      recordOrder: 6,
      commitStock: 1,
    });
  });

  test('means per lifecycle are to one decimal', () => {
    const { shape } = shapeOf(lifecycleEvents(events, delivered));
    const mean = meanShape([shape, { ...shape, localActivities: 18, signals: 3 }]);
    expect(mean).toMatchObject({ localActivities: 18.5, signals: 3.5, activities: 5 });
  });
});
