import { Queue, Worker } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { closeAll, DEFAULT_STEP_TIMEOUT_MS } from '../shared/close-all.js';
import { tenantOfJobId } from '../shared/job-id.js';
import { retention } from '../shared/job-options.js';
import { allShardIndexes, shardPrefix } from '../shared/shards.js';
import { assertHttpEndpointsAllowed, httpJobTypes } from '../jobs/http-endpoints.js';
import { queueOf, queuesOf, type JobTypeRegistry } from '../jobs/job-type.js';
import { createStepStore } from '../bullmq/job-hash.js';
import { createTenantIndexTrim } from '../bullmq/tenant-index.js';
import { createAddressGuard } from '../outbound/address-guard.js';
import { listenForCancels } from './cancel-requests.js';
import { createHttpJobRunner } from './http-job.js';
import { retryAfterBackoff } from './retry-after-backoff.js';
import { startRetentionSweeper } from './retention-sweeper.js';
import { createJobRunner, type JobRunner } from './run-job.js';

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
 * them again.
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
  const runner = createJobRunner({
    registry: deps.registry,
    limits: { timeoutMs: config.JOB_TIMEOUT_MS, maxResultBytes: config.MAX_RESULT_BYTES, maxStepBytes: config.MAX_STEP_BYTES },
    logger,
    stepStore: createStepStore(deps.connection),
    canceledBeforeStart: (job) => cancels.canceledBeforeStart(job),
    runHttp: createHttpJobRunner({
      guard: createAddressGuard({ allowHosts: config.OUTBOUND_ALLOW_HOSTS }),
      secrets: config.webhookSecrets,
      maxResultBytes: config.MAX_RESULT_BYTES,
    }),
  });
  const shardIndexes = config.WORKER_SHARDS ?? allShardIndexes({ count: config.QUEUE_SHARDS, previousCount: config.QUEUE_SHARDS_PREVIOUS });
  cancels.attach(runner);
  const shards = shardIndexes.flatMap((index) =>
    queues.map((queueName) => consumeShardQueue({ ...deps, index, queueName, queueNames: queues, runJob: runner.run })),
  );

  let closing: Promise<void> | undefined;
  return {
    workers: shards.map((shard) => shard.worker),
    shardIndexes,
    queues,
    waitUntilReady: () => Promise.all(shards.map((shard) => shard.worker.waitUntilReady())),
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
        const shardsClosed = await Promise.allSettled(shards.map((shard) => shard.close(graceOver)));
        clearTimeout(timer);
        const failures = shardsClosed.flatMap((outcome, index) =>
          outcome.status === 'rejected' ? [new Error(`closing ${shards[index]!.name} failed`, { cause: outcome.reason })] : [],
        );
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

function consumeShardQueue(deps: {
  config: WorkerConfig;
  connection: RedisClient;
  logger: Logger;
  index: number;
  queueName: string;
  /** Every queue this worker serves. */
  queueNames: readonly string[];
  runJob: JobRunner['run'];
}) {
  const { config, queueName } = deps;
  const logger = deps.logger.child({ shard: deps.index, queue: queueName });
  const prefix = shardPrefix(config.QUEUE_PREFIX, deps.index);
  const worker = new Worker(queueName, deps.runJob, {
    connection: deps.connection,
    prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    // BullMQ fails a job that stalls more than this, whatever attempts remain;
    // the default of 1 would fail a job on a second worker crash.
    maxStalledCount: config.MAX_STALLED_COUNT,
    // Every finished job is kept IDEMPOTENCY_TTL_SECONDS (job-options.ts: why here, not per job).
    ...retention(config),
    // Asked only for HTTP job types' backoff types: waits out an endpoint's Retry-After.
    settings: { backoffStrategy: retryAfterBackoff },
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) =>
    logger.warn({ jobId, tenant: tenantOfJobId(jobId) }, 'job stalled (its worker died or froze); running it again'),
  );
  worker.on('failed', (job, err) => {
    // BullMQ sets finishedOn only on the last failure (attempts spent or an
    // UnrecoverableError); earlier ones are retried.
    if (job?.finishedOn && job.failedReason !== CANCELED_REASON) {
      logger.warn({ jobId: job.id, tenant: tenantOfJobId(job.id), type: job.name, err }, 'job failed for good');
    }
  });
  const retentionQueue = new Queue(queueName, { connection: deps.connection, prefix });
  retentionQueue.on('error', (err) => logger.warn({ err }, 'retention queue error'));
  // The tenant indexes are the shard's, not the queue's: one queue's sweeper trims them.
  const trimTenantIndexes =
    queueName === deps.queueNames[0] ? createTenantIndexTrim({ connection: deps.connection, prefix, queueNames: deps.queueNames }) : undefined;
  const sweeper = startRetentionSweeper({ queue: retentionQueue, ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS, logger, trimTenantIndexes });

  return {
    worker,
    name: `queue "${queueName}" of shard ${deps.index}`,
    /**
     * BullMQ's close() is memoised, so a waiting close() could not be turned
     * into close(true) when the grace runs out: pause() does the waiting instead.
     * Every step runs even when an earlier one fails (closeAll reports them all).
     */
    async close(graceOver: Promise<'grace-over'>) {
      let drained = false;
      await closeAll([
        [
          'active jobs',
          async () => {
            const outcome = await Promise.race([worker.pause().then(() => 'drained' as const), graceOver]);
            drained = outcome === 'drained';
            if (!drained) {
              logger.warn({ graceMs: config.SHUTDOWN_GRACE_MS }, 'active jobs outlived the grace period; leaving them to another worker');
            }
          },
          // graceOver ends this step at SHUTDOWN_GRACE_MS; its timeout is only a backstop past that.
          { timeoutMs: config.SHUTDOWN_GRACE_MS + DEFAULT_STEP_TIMEOUT_MS },
        ],
        // Not drained (grace over, or pause failed): force, so close() does not wait on the jobs again.
        ['bullmq worker', () => worker.close(!drained)],
        ['retention sweeper', () => sweeper.stop()],
        ['retention queue', () => retentionQueue.close()],
      ]);
    },
  };
}
