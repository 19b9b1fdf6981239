import type { Job, JobState } from 'bullmq';
import { z } from 'zod';
import { callbackOf } from '../bullmq/job-callback.js';
import { WEBHOOK_EVENTS, deliverySchema, type Callback, type Delivery, type DeliveryRecord, type WebhookEvent } from './callback.js';
import { CANCELED_REASON } from './cancellation.js';
import { decodeJobId } from './job-id.js';
import { jsonValueSchema } from './json-value.js';

export const receiptStatusSchema = z.enum(['queued', 'running', 'retrying', 'succeeded', 'failed', 'canceled']);
export type ReceiptStatus = z.infer<typeof receiptStatusSchema>;

export const receiptSchema = z.object({
  id: z.string().meta({ description: 'The job id: tenant and key, encoded.' }),
  key: z.string(),
  type: z.string(),
  status: receiptStatusSchema,
  attempts: z.number().int().meta({ description: 'Runs started so far, including ones cut short by a crash.' }),
  progress: jsonValueSchema.meta({ description: 'Last progress the handler reported (0..100).' }),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
  options: z
    .object({ delayMs: z.number().int().optional(), priority: z.number().int().optional() })
    .optional()
    .meta({ description: 'The scheduling the job was submitted with, when any.' }),
  callback: z
    .object({ url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)) })
    .optional()
    .meta({ description: 'The callback the job was submitted with, when any.' }),
  deliveries: z
    .array(deliverySchema)
    .optional()
    .meta({ description: "Each webhook delivery of the job's events so far (with a callback only)." }),
  result: jsonValueSchema.optional(),
  error: z.object({ message: z.string() }).optional(),
  steps: z
    .array(z.object({ name: z.string(), finishedAt: z.iso.datetime() }))
    .optional()
    .meta({ description: "The handler's durable steps (ctx.step) that have finished, in the order they finished; a rerun skips them." }),
});
export type Receipt = z.infer<typeof receiptSchema>;

const ENDED: ReadonlySet<ReceiptStatus> = new Set(['succeeded', 'failed', 'canceled']);

export function hasEnded(status: ReceiptStatus): boolean {
  return ENDED.has(status);
}

/** BullMQ's state, told the way a client thinks of it; null when the job is gone. */
export function receiptStatus(job: Job, state: JobState | 'unknown'): ReceiptStatus | null {
  switch (state) {
    case 'completed':
      return 'succeeded';
    case 'failed':
      return job.failedReason === CANCELED_REASON ? 'canceled' : 'failed';
    case 'active':
      return 'running';
    case 'delayed':
    case 'waiting':
    case 'prioritized':
    case 'waiting-children':
      // Back in line after a failed attempt (backoff) or a crash (stall recovery): it
      // has run. A retry by key clears processedOn (attempts go on counting): queued again.
      return job.processedOn ? 'retrying' : 'queued';
    default:
      return null;
  }
}

const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : undefined);

/** A finished durable step, as read from the job (src/bullmq/job-hash.ts). */
export interface ReceiptStep {
  readonly name: string;
  readonly finishedAtMs: number;
}

/**
 * The receipt a client sees for a stored job, or null when the job is gone.
 * `steps` (job-hash.ts) lists its finished durable steps; `deliveries`, read
 * from the job hash (job-callback.ts), adds the delivery of each emitted
 * event; without it (a webhook's own body) the receipt has none.
 */
export function toReceipt(
  job: Job,
  state: JobState | 'unknown',
  extra: { steps?: readonly ReceiptStep[]; deliveries?: ReadonlyMap<WebhookEvent, DeliveryRecord | null> } = {},
): Receipt | null {
  const { steps = [], deliveries } = extra;
  const status = receiptStatus(job, state);
  if (status === null || job.id === undefined) return null;
  const receipt: Receipt = {
    id: job.id,
    key: decodeJobId(job.id).key,
    type: job.name,
    status,
    attempts: job.attemptsStarted,
    progress: (job.progress ?? 0) as Receipt['progress'],
    createdAt: iso(job.timestamp)!,
  };
  const options = submittedOptions(job);
  if (options !== undefined) receipt.options = options;
  const startedAt = iso(job.processedOn);
  if (startedAt !== undefined) receipt.startedAt = startedAt;
  if (hasEnded(status)) receipt.finishedAt = iso(job.finishedOn) ?? new Date().toISOString();
  if (status === 'succeeded') receipt.result = (job.returnvalue ?? null) as Receipt['result'];
  if (status === 'failed') receipt.error = { message: job.failedReason || 'failed' };
  if (steps.length > 0) receipt.steps = steps.map((step) => ({ name: step.name, finishedAt: new Date(step.finishedAtMs).toISOString() }));
  const callback = callbackOf(job);
  if (callback !== undefined) {
    receipt.callback = callback;
    if (deliveries !== undefined) receipt.deliveries = deliveryList(callback, status, deliveries);
  }
  return receipt;
}

/**
 * The deliveries emitted so far, in event order. An end the callback asks for
 * that has no delivery yet (the worker that ended the job died before emitting
 * it; a sweep will) shows as pending: it is on its way.
 */
function deliveryList(callback: Callback, status: ReceiptStatus, records: ReadonlyMap<WebhookEvent, DeliveryRecord | null>): Delivery[] {
  return callback.events.flatMap((event): Delivery[] => {
    const record = records.get(event) ?? null;
    if (record !== null) return [{ event, ...record }];
    return event === status ? [{ event, status: 'pending', attempts: 0 }] : [];
  });
}

function submittedOptions(job: Job): Receipt['options'] {
  const delayMs = job.opts.delay ?? 0;
  const priority = job.opts.priority ?? 0;
  if (delayMs === 0 && priority === 0) return undefined;
  return { ...(delayMs > 0 ? { delayMs } : {}), ...(priority > 0 ? { priority } : {}) };
}
