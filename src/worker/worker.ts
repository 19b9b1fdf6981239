import type { Job } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { callbackOf } from '../bullmq/job-callback.js';
import { createAddressGuard } from '../outbound/address-guard.js';
import { createRetrySchedule } from '../outbound/retry-schedule.js';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { tenantOfJobId } from '../shared/job-id.js';
import { allShardIndexes, shardPrefix } from '../shared/shards.js';
import { assertHttpEndpointsAllowed, httpJobTypes } from '../jobs/http-endpoints.js';
import { queueOf, queuesOf, type JobTypeRegistry } from '../jobs/job-type.js';
import { createStepStore } from '../bullmq/job-hash.js';
import { createTenantIndexTrim } from '../bullmq/tenant-index.js';
import { listenForCancels } from './cancel-requests.js';
import { createHttpJobRunner } from './http-job.js';
import { retryAfterBackoff } from './retry-after-backoff.js';
import { createJobRunner, type JobRunner } from './run-job.js';
import { consumeShardQueue, type ShardQueueConsumer } from './shard-queue-consumer.js';
import { serveShardWebhooks } from './shard-webhooks.js';
import type { WebhookEmitter } from '../webhooks/webhook-emitter.js';

export type WorkerConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'WORKER_CONCURRENCY'
  | 'JOB_TIMEOUT_MS'
  | 'MAX_RESULT_BYTES'
  | 'MAX_STEP_BYTES'
  | 'SHUTDOWN_GRACE_MS'
  | 'LOCK_DURATION_MS'
  | 'STALLED_INTERVAL_MS'
  | 'MAX_STALLED_COUNT'
  | 'IDEMPOTENCY_TTL_SECONDS'
  | 'QUEUE_SHARDS'
  | 'QUEUE_SHARDS_PREVIOUS'
  | 'WORKER_SHARDS'
  | 'WORKER_QUEUES'
  | 'WEBHOOK_RETRY_SCHEDULE'
  | 'OUTBOUND_ALLOW_HOSTS'
  | 'webhookSecrets'
>;

/** The queues a worker serves: WORKER_QUEUES (`--queues`), or every queue of its job types. */
export function servedQueues(registry: JobTypeRegistry, asked: readonly string[] | null): string[] {
  const known = queuesOf(registry);
  if (asked === null) return known;
  const unknown = asked.filter((queue) => !known.includes(queue));
  if (unknown.length > 0) {
    throw new Error(`WORKER_QUEUES: no job type uses ${unknown.map((q) => `"${q}"`).join(', ')}; the job types' queues are ${known.map((q) => `"${q}"`).join(', ')}`);
  }
  return [...new Set(asked)];
}

/**
 * Refuses to start a worker that could not send a single request of the HTTP
 * job types it serves: a URL the outbound guard refuses, or no secret to sign
 * with. Better at start (exit 2) than failing every job.
 */
function assertHttpJobTypesRunnable(config: WorkerConfig, registry: JobTypeRegistry, queues: readonly string[]): void {
  assertHttpEndpointsAllowed(registry, config.OUTBOUND_ALLOW_HOSTS);
  const served = httpJobTypes(registry).filter((jobType) => queues.includes(queueOf(jobType)));
  if (served.length > 0 && !config.webhookSecrets.configured) {
    const names = served.map((jobType) => `"${jobType.type}"`).join(', ');
    throw new Error(`WEBHOOK_SECRET: required to sign the requests of HTTP job type(s) ${names} (whsec_ and base64 of 24 to 64 random bytes)`);
  }
}

/**
 * Consumes the queues it serves (WORKER_QUEUES, or every queue of its job
 * types) in its shards (WORKER_SHARDS, or all of them): one BullMQ Worker per
 * queue and shard, each running up to WORKER_CONCURRENCY jobs. A job waits in
 * its queue until a worker serving that queue takes it. A killed worker's jobs
 * are found by BullMQ's stall check once their lock lapses: within
 * LOCK_DURATION_MS + STALLED_INTERVAL_MS (15 s by default) another worker runs
 * them again. In each of its shards it also delivers webhooks (shard-webhooks.ts),
 * whatever queues it serves.
 */
export function createWorker(deps: { config: WorkerConfig; connection: RedisClient; registry: JobTypeRegistry; logger: Logger }) {
  const { config, logger } = deps;
  const queues = servedQueues(deps.registry, config.WORKER_QUEUES); // before anything starts
  assertHttpJobTypesRunnable(config, deps.registry, queues);
  const cancels = listenForCancels({
    connection: deps.connection,
    prefix: config.QUEUE_PREFIX,
    // BullMQ renews a running job's lock every half lock duration: the same pace for its cancel flag.
    recheckMs: config.LOCK_DURATION_MS / 2,
    logger,
  });
  // One guard for every outbound request of this worker: HTTP job types and webhooks.
  const guard = createAddressGuard({ allowHosts: config.OUTBOUND_ALLOW_HOSTS });
  const runner = createJobRunner({
    registry: deps.registry,
    limits: { timeoutMs: config.JOB_TIMEOUT_MS, maxResultBytes: config.MAX_RESULT_BYTES, maxStepBytes: config.MAX_STEP_BYTES },
    logger,
    stepStore: createStepStore(deps.connection),
    canceledBeforeStart: (job) => cancels.canceledBeforeStart(job),
    runHttp: createHttpJobRunner({
      guard,
      secrets: config.webhookSecrets,
      maxResultBytes: config.MAX_RESULT_BYTES,
    }),
  });
  const shardIndexes = config.WORKER_SHARDS ?? allShardIndexes({ count: config.QUEUE_SHARDS, previousCount: config.QUEUE_SHARDS_PREVIOUS });
  cancels.attach(runner);
  const schedule = createRetrySchedule(config.WEBHOOK_RETRY_SCHEDULE);
  const webhooks = shardIndexes.map((index) => serveShardWebhooks({ config, connection: deps.connection, logger, index, schedule, guard }));
  const shards = shardIndexes.flatMap((index, i) =>
    queues.map((queueName) => {
      const emitter = webhooks[i]!.emitter;
      const consumer = consumeShardQueue({
        ...deps,
        index,
        queueName,
        processor: withWebhookStart(runner.run, emitter),
        concurrency: config.WORKER_CONCURRENCY,
        // Asked only for HTTP job types' backoff types: waits out an endpoint's Retry-After.
        settings: { backoffStrategy: retryAfterBackoff },
        // The tenant indexes are the shard's, not a queue's: one queue's sweeper trims them.
        trimTenantIndexes:
          queueName === queues[0]
            ? createTenantIndexTrim({ connection: deps.connection, prefix: shardPrefix(config.QUEUE_PREFIX, index), queueNames: queues })
            : undefined,
      });
      emitEndsOf(consumer, emitter);
      return consumer;
    }),
  );
  const consumers: ShardQueueConsumer[] = [...shards, ...webhooks.map((shard) => shard.consumer)];

  let closing: Promise<void> | undefined;
  return {
    workers: shards.map((shard) => shard.worker),
    /** The BullMQ Workers of the shards' webhook delivery queues (not job types': kept out of the job metrics). */
    deliveryWorkers: webhooks.map((shard) => shard.consumer.worker),
    shardIndexes,
    queues,
    waitUntilReady: () => Promise.all(consumers.map((consumer) => consumer.worker.waitUntilReady())),
    /**
     * Stops taking jobs and lets active ones finish, results stored, for up to
     * SHUTDOWN_GRACE_MS. Past that it lets go of them: their locks lapse and
     * another worker takes them over (no attempt is spent). Every shard and the
     * cancel listener are closed even when one fails; the failures are reported
     * together. Safe to call twice.
     */
    close(): Promise<void> {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'grace-over'>((resolve) => {
          timer = setTimeout(() => resolve('grace-over'), config.SHUTDOWN_GRACE_MS);
        });
        const shardsClosed = await Promise.allSettled(consumers.map((consumer) => consumer.close(graceOver)));
        clearTimeout(timer);
        const failures = shardsClosed.flatMap((outcome, index) =>
          outcome.status === 'rejected' ? [new Error(`closing ${consumers[index]!.name} failed`, { cause: outcome.reason })] : [],
        );
        // After the job queues: a job that ended during the grace has its end emitted first.
        const webhooksClosed = await Promise.allSettled(webhooks.map((shard) => shard.close()));
        webhooksClosed.forEach((outcome, index) => {
          if (outcome.status === 'rejected') failures.push(new Error(`closing the webhooks of shard ${shardIndexes[index]} failed`, { cause: outcome.reason }));
        });
        try {
          await cancels.close();
        } catch (err) {
          failures.push(new Error('closing the cancel listener failed', { cause: err }));
        }
        if (failures.length > 0) throw new AggregateError(failures, `${failures.length} part(s) of the worker failed to close`);
      })();
      return closing;
    },
  };
}

/**
 * The processor of a job queue: before a run of a job with a callback, the job
 * joins its shard's watch set and `started` is emitted (webhook-emitter.ts);
 * other jobs go straight to the runner, with no Redis call of ours.
 */
function withWebhookStart(run: JobRunner['run'], emitter: WebhookEmitter) {
  return (job: Job): Promise<unknown> => {
    const callback = callbackOf(job);
    return callback === undefined ? run(job) : emitter.started(job, callback).then(() => run(job));
  };
}

/** Emits the end of each job with a callback that ends here; logs jobs that failed for good. */
function emitEndsOf(consumer: ShardQueueConsumer, emitter: WebhookEmitter): void {
  consumer.worker.on('completed', (job) => {
    if (callbackOf(job) !== undefined) emitter.ended(job, 'succeeded');
  });
  consumer.worker.on('failed', (job, err) => {
    // BullMQ sets finishedOn only on the last failure (attempts spent or an
    // UnrecoverableError); earlier ones are retried.
    if (!job?.finishedOn) return;
    const canceled = job.failedReason === CANCELED_REASON;
    if (!canceled) consumer.logger.warn({ jobId: job.id, tenant: tenantOfJobId(job.id), type: job.name, err }, 'job failed for good');
    if (callbackOf(job) !== undefined) emitter.ended(job, canceled ? 'canceled' : 'failed');
  });
}
