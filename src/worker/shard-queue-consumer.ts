import { Queue, Worker, type AdvancedOptions, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { closeAll, DEFAULT_STEP_TIMEOUT_MS } from '../shared/close-all.js';
import { tenantOfJobId } from '../shared/job-id.js';
import { retention } from '../shared/job-options.js';
import type { RedisClient } from '../shared/redis.js';
import { shardPrefix } from '../shared/shards.js';
import { startRetentionSweeper } from './retention-sweeper.js';

export type ConsumerConfig = Pick<
  Config,
  'QUEUE_PREFIX' | 'SHUTDOWN_GRACE_MS' | 'LOCK_DURATION_MS' | 'STALLED_INTERVAL_MS' | 'MAX_STALLED_COUNT' | 'IDEMPOTENCY_TTL_SECONDS'
>;

/**
 * One BullMQ Worker on one queue of one shard (a job type's queue, or the
 * shard's webhook delivery queue), with the retention sweep of that queue, and
 * a close() that lets its active jobs finish within the grace period.
 */
export function consumeShardQueue(deps: {
  config: ConsumerConfig;
  connection: RedisClient;
  logger: Logger;
  index: number;
  queueName: string;
  processor: (job: Job) => Promise<unknown>;
  concurrency: number;
  /** BullMQ's advanced settings, e.g. a custom backoffStrategy. */
  settings?: AdvancedOptions;
  /** Trims the shard's tenant indexes after each retention sweep (one queue of a shard does it). */
  trimTenantIndexes?: Parameters<typeof startRetentionSweeper>[0]['trimTenantIndexes'];
}) {
  const { config, queueName } = deps;
  const logger = deps.logger.child({ shard: deps.index, queue: queueName });
  const prefix = shardPrefix(config.QUEUE_PREFIX, deps.index);
  const worker = new Worker(queueName, deps.processor, {
    connection: deps.connection,
    prefix,
    concurrency: deps.concurrency,
    lockDuration: config.LOCK_DURATION_MS,
    stalledInterval: config.STALLED_INTERVAL_MS,
    // BullMQ fails a job that stalls more than this, whatever attempts remain;
    // the default of 1 would fail a job on a second worker crash.
    maxStalledCount: config.MAX_STALLED_COUNT,
    // Every finished job is kept IDEMPOTENCY_TTL_SECONDS (job-options.ts: why here, not per job).
    ...retention(config),
    ...(deps.settings === undefined ? {} : { settings: deps.settings }),
  });
  worker.on('error', (err) => logger.error({ err }, 'worker error'));
  worker.on('stalled', (jobId) =>
    logger.warn({ jobId, tenant: tenantOfJobId(jobId) }, 'job stalled (its worker died or froze); running it again'),
  );
  const retentionQueue = new Queue(queueName, { connection: deps.connection, prefix });
  retentionQueue.on('error', (err) => logger.warn({ err }, 'retention queue error'));
  const sweeper = startRetentionSweeper({
    queue: retentionQueue,
    connection: deps.connection,
    ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
    logger,
    trimTenantIndexes: deps.trimTenantIndexes,
  });

  return {
    worker,
    logger,
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

export type ShardQueueConsumer = ReturnType<typeof consumeShardQueue>;
