import { hash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Logger } from 'pino';
import { createBullmqAddCalls, type BullmqAddCall } from '../bullmq/add-call.js';
import type { WebhookEvent } from '../shared/callback.js';
import type { RedisClient } from '../shared/redis.js';

/**
 * The delivery queue, one per shard (`{ji-0}:_webhooks:...`). Team queues match
 * `^[a-z0-9][a-z0-9_-]*$`, so no job type can name this one.
 */
export const WEBHOOK_QUEUE = '_webhooks';

/** The custom BullMQ backoff type of a delivery: the worker's backoffStrategy follows WEBHOOK_RETRY_SCHEDULE. */
export const DELIVERY_BACKOFF = 'webhook';

/** A delivery job's data: which job's event to deliver, and, once fixed, what to send. */
export interface DeliveryData {
  /** The job's queue (in the delivery's shard) and id. */
  readonly queue: string;
  readonly jobId: string;
  readonly event: WebhookEvent;
  /**
   * The URL and the exact body, fixed when the event is emitted (`started`) or
   * at the first try (the others: the receipt of a job that has ended does not
   * change): every retry sends the same bytes, even after the job has expired.
   */
  readonly url?: string;
  readonly body?: string;
}

/** The job whose event a delivery carries: its queue, id and creation time (a reused key makes a new job). */
export interface DeliverySource {
  readonly queue: string;
  readonly jobId: string;
  readonly createdAtMs: number;
}

/**
 * One delivery per job and event: the BullMQ id of the delivery job. With the
 * job's creation time in it, the job a key makes after the first one expired
 * gets deliveries of its own. Ids never hold `:` (job ids do not).
 */
export function deliveryJobId(source: DeliverySource, event: WebhookEvent): string {
  return `${source.jobId}~${source.createdAtMs}~${event}`;
}

/**
 * The `webhook-id` of a delivery (Standard Webhooks: unique per message, the
 * same on every retry, the receiver's key to dedupe on): a hash of the delivery
 * id, since a job id may be 800 characters and the header allows 255.
 */
export function webhookMessageId(deliveryId: string): string {
  return `msg_${hash('sha256', deliveryId, 'base64url')}`;
}

/** What BullMQ stores with each delivery job: tries in all, and our backoff. */
export function deliveryJobOptions(attempts: number): JobsOptions {
  return { attempts, backoff: { type: DELIVERY_BACKOFF } };
}

/**
 * Builds BullMQ's add call for a delivery, for a script that adds it in the
 * same step as it marks the event emitted (src/bullmq/webhook-scripts.ts). One
 * per shard; close() lets go of the Queue it reads key names from.
 */
export function createDeliveryCalls(deps: { connection: RedisClient; prefix: string; attempts: number; logger: Logger }) {
  const queue = new Queue(WEBHOOK_QUEUE, { connection: deps.connection, prefix: deps.prefix });
  queue.on('error', (err) => deps.logger.warn({ err }, 'webhook queue error'));
  const calls = createBullmqAddCalls(queue, deliveryJobOptions(deps.attempts));
  return {
    /** BullMQ's add call for the delivery of `event` of that job; `message` when the URL and body are known now. */
    addCall(source: DeliverySource, event: WebhookEvent, message?: { url: string; body: string }): BullmqAddCall {
      const data: DeliveryData = { queue: source.queue, jobId: source.jobId, event, ...message };
      return calls.build({ jobId: deliveryJobId(source, event), type: `job.${event}`, payload: data, scheduling: {} });
    },
    close: () => queue.close(),
  };
}

export type DeliveryCalls = ReturnType<typeof createDeliveryCalls>;

/**
 * The body of a webhook: Standard Webhooks' `{ type, timestamp, data }`, the
 * event's time (the run's start for `started`, the job's end for the others)
 * and the job's receipt.
 */
export function webhookBody(event: WebhookEvent, receipt: unknown, atMs: number | undefined): string {
  return JSON.stringify({ type: `job.${event}`, timestamp: new Date(atMs ?? Date.now()).toISOString(), data: receipt });
}
