import { Queue, QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { JOBS_QUEUE, type jobOptions } from '../shared/queue-names.js';
import type { RedisClient } from '../shared/redis.js';
import { allShardIndexes, shardIndex, shardPrefix, type ShardLayout } from '../shared/shards.js';
import { createCancelJob, type CancelJob } from './cancellation/cancel-job.js';
import { createEnqueueOnce, type EnqueueOnce } from './idempotency/enqueue-once.js';

/** One BullMQ queue of the sharded layout, with what the API does on it. */
export interface JobShard {
  readonly index: number;
  readonly queue: Queue;
  readonly queueEvents: QueueEvents;
  readonly enqueueOnce: EnqueueOnce;
  readonly cancelJob: CancelJob;
}

/**
 * Opens every shard a layout can hold jobs in, and routes a job id to its shard:
 * `current` is where a new job goes; `previous` is where it went before a change
 * of QUEUE_SHARDS (null when there is no change under way or it is the same).
 */
export function openJobShards(deps: {
  layout: ShardLayout;
  queuePrefix: string;
  connection: RedisClient;
  /** The auto-pipelined connection the one-script enqueue runs on. */
  intakeConnection: RedisClient;
  eventsConnection: RedisClient;
  jobOptions: ReturnType<typeof jobOptions>;
  logger: Logger;
}) {
  const shards: JobShard[] = allShardIndexes(deps.layout).map((index) => {
    const prefix = shardPrefix(deps.queuePrefix, index);
    const queue = new Queue(JOBS_QUEUE, { connection: deps.connection, prefix });
    queue.on('error', (err) => deps.logger.warn({ err, shard: index }, 'queue error'));
    // Read from the first long-poll on (job-end-waiter.ts), not from start-up.
    const queueEvents = new QueueEvents(JOBS_QUEUE, { connection: deps.eventsConnection, prefix, autorun: false });
    queueEvents.on('error', (err) => deps.logger.warn({ err, shard: index }, 'queue events error'));
    return {
      index,
      queue,
      queueEvents,
      enqueueOnce: createEnqueueOnce({ queue, connection: deps.intakeConnection, jobOptions: deps.jobOptions }),
      cancelJob: createCancelJob({ queue, connection: deps.connection, prefix: deps.queuePrefix }),
    };
  });
  const { count, previousCount } = deps.layout;

  return {
    all: shards,
    current: (jobId: string): JobShard => shards[shardIndex(jobId, count)]!,
    previous(jobId: string): JobShard | null {
      if (previousCount === 0) return null;
      const index = shardIndex(jobId, previousCount);
      return index === shardIndex(jobId, count) ? null : shards[index]!;
    },
  };
}

export type JobShards = ReturnType<typeof openJobShards>;
