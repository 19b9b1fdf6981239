import type { QueueEvents, QueueEventsOptions } from 'bullmq';

/**
 * Makes a QueueEvents reader that has not run yet start after `eventId`
 * (BullMQ reads `opts.lastEventId` when `run()` begins; its constructor takes it,
 * but a reader made before the long-poll knows the stream's end needs it set later).
 * Contract test: test/bullmq/contracts.test.ts.
 */
export function setLastEventId(queueEvents: QueueEvents, eventId: string): void {
  (queueEvents.opts as QueueEventsOptions).lastEventId = eventId;
}
