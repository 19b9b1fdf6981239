import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { tenantOfJobId } from '../shared/job-id.js';
import { JOBS_QUEUE, retention } from '../shared/queue-names.js';
import type { JobTypeRegistry } from './handlers/job-type.js';
import { listenForCancels } from './cancel-requests.js';
import { startRetentionSweeper } from './retention-sweeper.js';
import { createJobRunner } from './run-job.js';

export type WorkerConfig = Pick<
  Config,
  | 'QUEUE_PREFIX'
  | 'WORKER_CONCURRENCY'
  | 'JOB_TIMEOUT_MS'
  | 'MAX_RESULT_BYTES'
  | 'SHUTDOWN_GRACE_MS'
  | 'LOCK_DURATION_MS'
  | 'STALLED_INTERVAL_MS'
  | 'MAX_STALLED_COUNT'
  | 'IDEMPOTENCY_TTL_SECONDS'
>;

/**
 * Consumes the jobs queue. A killed worker's jobs are found by BullMQ's stall
 * check once their lock lapses: within LOCK_DURATION_MS + STALLED_INTERVAL_MS
 * (15 s by default) another worker runs them again.
 */
export function createWorker(deps: { config: WorkerConfig; connection: Redis; registry: JobTypeRegistry; logger: Logger }) {
  const { config, logger } = deps;
  const cancels = listenForCancels({ connection: deps.connection, prefix: config.QUEUE_PREFIX, logger });
  const runJob = createJobRunner({
    registry: deps.registry,
    limits: { timeoutMs: config.JOB_TIMEOUT_MS, maxResultBytes: config.MAX_RESULT_BYTES },
    logger,
    // A rerun after a crash may have missed the broadcast: ask the job hash (reruns are rare).
    canceledBeforeStart: async (job) =>
      cancels.arrivedEarly(job.id ?? '') ||
      (job.attemptsStarted > 1 && (await deps.connection.hexists(worker.toKey(job.id ?? ''), 'cx')) === 1),
  });
  const worker = new Worker(JOBS_QUEUE, runJob, {
    connection: deps.connection,
    prefix: config.QUEUE_PREFIX,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    // BullMQ fails a job that stalls more than this, whatever attempts remain;
    // the default of 1 would fail a job on a second worker crash.
    maxStalledCount: config.MAX_STALLED_COUNT,
    // Every finished job is kept IDEMPOTENCY_TTL_SECONDS (queue-names.ts: why here, not per job).
    ...retention(config),
  });
  cancels.attach(worker);
  const retentionQueue = new Queue(JOBS_QUEUE, { connection: deps.connection, prefix: config.QUEUE_PREFIX });
  retentionQueue.on('error', (err) => logger.warn({ err }, 'retention queue error'));
  const sweeper = startRetentionSweeper({ queue: retentionQueue, ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS, logger });
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

  let closing: Promise<void> | undefined;
  return {
    worker,
    /**
     * Stops taking jobs and lets active ones finish, results stored, for up to
     * SHUTDOWN_GRACE_MS. Past that it lets go of them: their locks lapse and
     * another worker takes them over (no attempt is spent). Safe to call twice.
     *
     * BullMQ's close() is memoised, so a waiting close() could not be turned
     * into close(true) when the grace runs out: pause() does the waiting instead.
     */
    close(): Promise<void> {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'grace-over'>((resolve) => {
          timer = setTimeout(() => resolve('grace-over'), config.SHUTDOWN_GRACE_MS);
        });
        const outcome = await Promise.race([worker.pause().then(() => 'drained' as const), graceOver]);
        clearTimeout(timer);
        if (outcome === 'grace-over') {
          logger.warn({ graceMs: config.SHUTDOWN_GRACE_MS }, 'active jobs outlived the grace period; leaving them to another worker');
        }
        await worker.close(outcome === 'grace-over');
        await sweeper.stop();
        await retentionQueue.close();
        await cancels.close();
      })();
      return closing;
    },
  };
}
