import type { Job, JobsOptions, Queue } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import { WEBHOOK_EVENTS, type Callback, type DeliveryRecord, type WebhookEvent } from '../shared/callback.js';

// Where a job's callback lives: in the options BullMQ stores with the job (its
// `opts` hash field), under a key BullMQ does not use. BullMQ keeps an option it
// does not know both ways (optsAsJSON when adding, optsFromJSON when reading), so
// the worker finds it on the Job it is handed and the receipt on the Job it
// reads, without another Redis read; our Lua reads it with cjson. Contract test:
// test/bullmq/contracts.test.ts. The payload (`data`) stays the handler's alone.
const CALLBACK_OPTION = 'cb';

/** Where each event's delivery state is kept: a field of the job's own hash, gone with the job. */
export const deliveryField = (event: WebhookEvent): string => `wh:${event}`;

/** The job options with the callback added (the job then goes through BullMQ's own add-call builder). */
export function withCallback(options: JobsOptions, callback: Callback): JobsOptions {
  return { ...options, [CALLBACK_OPTION]: { url: callback.url, events: [...callback.events] } } as JobsOptions;
}

/** The callback a job was submitted with, or undefined. */
export function callbackOf(job: Job): Callback | undefined {
  const stored = (job.opts as Record<string, unknown>)[CALLBACK_OPTION];
  if (typeof stored !== 'object' || stored === null) return undefined;
  const { url, events } = stored as { url?: unknown; events?: unknown };
  if (typeof url !== 'string' || !Array.isArray(events)) return undefined;
  return { url, events: WEBHOOK_EVENTS.filter((event) => events.includes(event)) };
}

/** The delivery state of each of the callback's events, as the worker last recorded it (null: not emitted yet). */
export async function readDeliveryRecords(
  connection: RedisClient,
  queue: Queue,
  jobId: string,
  events: readonly WebhookEvent[],
): Promise<Map<WebhookEvent, DeliveryRecord | null>> {
  const values = await connection.hmget(queue.toKey(jobId), ...events.map(deliveryField));
  return new Map(events.map((event, index) => [event, parseRecord(values[index] ?? null)]));
}

function parseRecord(text: string | null): DeliveryRecord | null {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as DeliveryRecord;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.status === 'string' ? parsed : null;
  } catch {
    return null; // not ours: shown as not emitted rather than failing the receipt
  }
}
