import { Queue, UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { callbackOf, deliveryField } from '../bullmq/job-callback.js';
import { recordDeliveryScript } from '../bullmq/webhook-scripts.js';
import type { AddressGuard } from '../outbound/address-guard.js';
import { postJson } from '../outbound/http-post.js';
import { BODY_START_BYTES, type PostOutcome } from '../outbound/post-outcome.js';
import type { RetrySchedule } from '../outbound/retry-schedule.js';
import type { WebhookSecrets } from '../outbound/webhook-secrets.js';
import { signWebhook } from '../outbound/webhook-signature.js';
import type { DeliveryRecord } from '../shared/callback.js';
import { closeAll } from '../shared/close-all.js';
import { decodeJobId } from '../shared/job-id.js';
import { toReceipt } from '../shared/receipt.js';
import type { RedisClient } from '../shared/redis.js';
import { webhookBody, webhookMessageId, type DeliveryData } from './delivery-jobs.js';

/** Deliveries one worker process runs at once per shard: POSTs mostly wait on the network. */
export const DELIVERY_CONCURRENCY = 20;
/** One try, connecting to the answer's head (Standard Webhooks: receivers should answer within seconds). */
export const DELIVERY_TIMEOUT_MS = 10_000;

const RECORD_COMMAND = 'jobIntakeRecordDelivery';
type RecordCommand = (jobKey: string, field: string, record: string) => Promise<number>;

/** A try worth repeating (408, 429, 5xx, timeout, network error); BullMQ hands it to deliveryBackoff. */
class DeliveryRetryError extends Error {
  override name = 'DeliveryRetryError';
  constructor(
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/** BullMQ's backoffStrategy for deliveries: WEBHOOK_RETRY_SCHEDULE, never sooner than the answer's Retry-After. */
export function deliveryBackoff(schedule: RetrySchedule) {
  return (attemptsMade: number, _type?: string, err?: Error): number =>
    schedule.nextDelay(attemptsMade, err instanceof DeliveryRetryError ? err.retryAfterMs : undefined) ?? -1;
}

/**
 * The processor of a shard's delivery queue: one signed POST per try. The URL
 * and body are fixed at the first try (or when `started` was emitted) and kept
 * in the delivery's data, so every retry sends the same bytes under the same
 * `webhook-id`, each signed anew (fresh `webhook-timestamp`, the tenant's
 * secrets of the moment: a rotation applies to retries). After each try the
 * delivery's state is recorded on the job's hash for its receipt.
 */
export function createWebhookDelivery(deps: {
  connection: RedisClient;
  prefix: string;
  secrets: WebhookSecrets;
  guard: AddressGuard;
  logger: Logger;
  timeoutMs?: number;
}) {
  if (!(RECORD_COMMAND in deps.connection)) deps.connection.defineCommand(RECORD_COMMAND, { numberOfKeys: 1, lua: recordDeliveryScript });
  const recordOnJob = (deps.connection as unknown as Record<typeof RECORD_COMMAND, RecordCommand>)[RECORD_COMMAND].bind(deps.connection);
  // The queues the delivered jobs live in (any queue of the shard, served here or not), opened as met.
  const sources = new Map<string, Queue>();
  const sourceQueue = (name: string): Queue => {
    let queue = sources.get(name);
    if (queue === undefined) {
      queue = new Queue(name, { connection: deps.connection, prefix: deps.prefix });
      queue.on('error', (err) => deps.logger.warn({ err, queue: name }, 'queue error'));
      sources.set(name, queue);
    }
    return queue;
  };

  /** The URL and body of this delivery: fixed already, or now, from the job's receipt (it has ended: it no longer changes). */
  async function message(delivery: Job<DeliveryData>): Promise<{ url: string; body: string }> {
    const { url, body, queue, jobId, event } = delivery.data;
    if (url !== undefined && body !== undefined) return { url, body };
    const source = sourceQueue(queue);
    const state = await source.getJobState(jobId); // state first, then the hash (receipt-reader.ts: why)
    const job = await source.getJob(jobId);
    const callback = job === undefined ? undefined : callbackOf(job);
    if (job === undefined || callback === undefined) throw new UnrecoverableError('the job expired or was removed before its webhook was built');
    const fixed = { url: callback.url, body: webhookBody(event, toReceipt(job, state), event === 'started' ? job.processedOn : job.finishedOn) };
    await delivery.updateData({ ...delivery.data, ...fixed });
    return fixed;
  }

  async function record(data: DeliveryData, state: DeliveryRecord): Promise<void> {
    await recordOnJob(sourceQueue(data.queue).toKey(data.jobId), deliveryField(data.event), JSON.stringify(state));
  }

  async function deliver(delivery: Job<DeliveryData>): Promise<{ status: number }> {
    const { data } = delivery;
    const id = webhookMessageId(delivery.id ?? '');
    const log = deps.logger.child({ jobId: data.jobId, tenant: decodeJobId(data.jobId).tenant, event: data.event, webhookId: id, attempt: delivery.attemptsStarted });
    const { url, body } = await message(delivery);
    const secrets = deps.secrets.secretsFor(decodeJobId(data.jobId).tenant);
    const outcome: PostOutcome =
      secrets.length === 0
        ? { kind: 'fail', reason: 'no webhook secret for this tenant (WEBHOOK_SECRET, WEBHOOK_SECRETS)' }
        : await postJson(
            {
              url,
              body,
              headers: signWebhook({ id, timestamp: Math.floor(Date.now() / 1000), body }, secrets),
              timeoutMs: deps.timeoutMs ?? DELIVERY_TIMEOUT_MS,
              maxResponseBytes: BODY_START_BYTES,
              responseJson: 'ignored',
            },
            deps.guard,
          );
    // This try included; BullMQ retries while tries remain and the outcome is worth it.
    const lastTry = outcome.kind === 'fail' || delivery.attemptsMade + 1 >= (delivery.opts.attempts ?? 1);
    const status = outcome.kind === 'ok' ? 'delivered' : lastTry ? 'failed' : 'pending';
    const lastStatus = outcome.status === undefined ? {} : { lastStatus: outcome.status };
    const lastError = outcome.kind === 'ok' ? {} : { lastError: outcome.reason };
    await record(data, { status, attempts: delivery.attemptsStarted, ...lastStatus, ...lastError });

    if (outcome.kind === 'ok') {
      log.info({ status: outcome.status }, 'webhook delivered');
      return { status: outcome.status };
    }
    if (lastTry) {
      log.warn({ reason: outcome.reason, status: outcome.status }, 'webhook delivery failed for good');
      throw new UnrecoverableError(outcome.reason);
    }
    log.warn({ reason: outcome.reason, status: outcome.status }, 'webhook delivery failed; it will be tried again');
    throw new DeliveryRetryError(outcome.reason, outcome.kind === 'retry' ? outcome.retryAfterMs : undefined);
  }

  return {
    /** BullMQ's processor for the shard's delivery queue (one parameter: no AbortController per job). */
    deliver,
    close: () => closeAll([...sources].map(([name, queue]) => [`queue ${name}`, () => queue.close()] as const)),
  };
}
