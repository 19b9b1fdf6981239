import { Queue, QueueEvents } from 'bullmq';
import type { Logger } from 'pino';
import { findJobScript } from '../bullmq/enqueue-once-script.js';
import { openTenantIndexes, type TenantIndexes } from '../bullmq/tenant-index.js';
import { readDeliveryRecords } from '../bullmq/job-callback.js';
import type { DeliveryRecord, WebhookEvent } from '../shared/callback.js';
import { closeAll } from '../shared/close-all.js';
import { closeRedis, duplicateRedis, type RedisClient } from '../shared/redis.js';
import { allShardIndexes, shardIndex, shardPrefix, shardQueuesKey, type ShardLayout } from '../shared/shards.js';
import { createDeliveryCalls } from '../webhooks/delivery-jobs.js';
import { createCancelJob, type CancelInQueue } from '../bullmq/cancel-job.js';
import { createEnqueueOnce, type EnqueueOnce, type JobOptionsFor, type StoredIntake } from './idempotency/enqueue-once.js';
import { createRetryJob, type RetryJob } from '../bullmq/retry-job.js';

/** One queue of one shard, with what the API does on it. */
export interface ShardQueue {
  readonly shardIndex: number;
  readonly name: string;
  readonly queue: Queue;
  readonly enqueueOnce: EnqueueOnce;
  readonly cancelJob: CancelInQueue;
  readonly retryJob: RetryJob;
  /** The state of a job's webhook deliveries, per event its callback asks for (null: not emitted yet). */
  readDeliveries(jobId: string, events: readonly WebhookEvent[]): Promise<Map<WebhookEvent, DeliveryRecord | null>>;
  /** Its event stream's reader, made (with a blocking connection of its own) by the first long-poll that needs it. */
  events(): QueueEvents;
}

/** Where a job is, and what its hash says of the request that made it. */
export interface FoundJob {
  readonly where: ShardQueue;
  readonly stored: StoredIntake;
}

type FindCommand = (queuesKey: string, keyPrefix: string, jobId: string, queueNames: string) => Promise<[string, string | null, string | null] | null>;
const FIND_COMMAND = 'jobIntakeFindJob';

/**
 * Where jobs live: QUEUE_SHARDS shards (each a Redis Cluster hash tag), each
 * holding one BullMQ queue per queue name. A job id's shard comes from its hash;
 * its queue from its type. `locate` finds an existing job in the shard of the
 * current layout and then in the previous one (while QUEUE_SHARDS changes):
 * the one place that knows both layouts.
 */
export function openJobStore(deps: {
  layout: ShardLayout;
  queuePrefix: string;
  /** The queues of the job types: opened at start, shown in metrics and the dashboard. */
  queueNames: readonly string[];
  connection: RedisClient;
  /** Duplicated for each event stream reader: a blocking read holds its connection. */
  eventsConnection: RedisClient;
  jobOptionsFor: JobOptionsFor;
  /** Tries per webhook delivery (WEBHOOK_RETRY_SCHEDULE): stored with the `canceled` deliveries the cancel script adds. */
  deliveryAttempts: number;
  /** Called with each event stream reader when it is made. */
  onEvents: (queueEvents: QueueEvents) => void;
  logger: Logger;
}) {
  if (!(FIND_COMMAND in deps.connection)) deps.connection.defineCommand(FIND_COMMAND, { numberOfKeys: 1, lua: findJobScript });
  const commands = deps.connection as unknown as Record<typeof FIND_COMMAND, FindCommand>;
  const find: FindCommand = (...args) => commands[FIND_COMMAND](...args);
  const readers: Array<{ queueEvents: QueueEvents; connection: RedisClient }> = [];

  const shards = allShardIndexes(deps.layout).map((index) => {
    const prefix = shardPrefix(deps.queuePrefix, index);
    const queues = new Map<string, ShardQueue>();
    const deliveries = createDeliveryCalls({ connection: deps.connection, prefix, attempts: deps.deliveryAttempts, logger: deps.logger.child({ shard: index }) });
    const openQueue = (name: string): ShardQueue => {
      const logger = deps.logger.child({ shard: index, queue: name });
      const queue = new Queue(name, { connection: deps.connection, prefix });
      queue.on('error', (err) => logger.warn({ err }, 'queue error'));
      let queueEvents: QueueEvents | undefined;
      return {
        shardIndex: index,
        name,
        queue,
        enqueueOnce: createEnqueueOnce({
          queue,
          connection: deps.connection,
          jobOptionsFor: deps.jobOptionsFor,
          otherQueues: deps.queueNames.filter((other) => other !== name),
        }),
        cancelJob: createCancelJob({ queue, connection: deps.connection, prefix: deps.queuePrefix, deliveries }),
        retryJob: createRetryJob({ queue, connection: deps.connection }),
        readDeliveries: (jobId, events) => readDeliveryRecords(deps.connection, queue, jobId, events),
        events() {
          if (queueEvents === undefined) {
            const connection = duplicateRedis(deps.eventsConnection, 'job-intake:api-events');
            connection.on('error', (err: Error) => logger.warn({ err }, 'redis events connection error'));
            queueEvents = new QueueEvents(name, { connection, prefix, autorun: false });
            queueEvents.on('error', (err) => logger.warn({ err }, 'queue events error'));
            readers.push({ queueEvents, connection });
            deps.onEvents(queueEvents);
          }
          return queueEvents;
        },
      };
    };
    const queueNamed = (name: string): ShardQueue => {
      let shardQueue = queues.get(name);
      if (shardQueue === undefined) queues.set(name, (shardQueue = openQueue(name)));
      return shardQueue;
    };
    for (const name of deps.queueNames) queueNamed(name);
    return {
      index,
      deliveries,
      queueNamed,
      tenantIndexes: openTenantIndexes({
        connection: deps.connection,
        prefix,
        queueNames: deps.queueNames,
        queueNamed: (name) => queueNamed(name).queue,
      }),
      known: () => [...queues.values()],
      /** The job in any queue of this shard (queues other processes opened included), or null. */
      async find(jobId: string): Promise<FoundJob | null> {
        const found = await find(shardQueuesKey(prefix), `${prefix}:`, jobId, deps.queueNames.join(','));
        if (found === null) return null;
        const [name, fingerprint, timestamp] = found;
        return { where: queueNamed(name), stored: { jobId, fingerprint: fingerprint ?? '', createdAtMs: Number(timestamp) } };
      },
    };
  });
  const { count, previousCount } = deps.layout;
  const current = (jobId: string) => shards[shardIndex(jobId, count)]!;
  const previous = (jobId: string) => {
    if (previousCount === 0) return null;
    const index = shardIndex(jobId, previousCount);
    return index === shardIndex(jobId, count) ? null : shards[index]!;
  };

  return {
    /** Every queue of the job types, in every shard. */
    queues: (): ShardQueue[] => shards.flatMap((shard) => deps.queueNames.map((name) => shard.queueNamed(name))),
    /** Each shard's tenant indexes (both layouts' shards while QUEUE_SHARDS changes): GET /v1/jobs reads them all. */
    tenantIndexes: (): TenantIndexes[] => shards.map((shard) => shard.tenantIndexes),
    /** Where a new job with this id and queue goes (the current layout). */
    placeFor: (jobId: string, queueName: string): ShardQueue => current(jobId).queueNamed(queueName),
    /** The job in the layout the service searches: its current shard, then the previous layout's. */
    async locate(jobId: string): Promise<FoundJob | null> {
      return (await current(jobId).find(jobId)) ?? (await previous(jobId)?.find(jobId)) ?? null;
    },
    /** The job in the previous layout's shard only (null when no change of QUEUE_SHARDS is under way). */
    locateInPrevious: async (jobId: string): Promise<FoundJob | null> => (await previous(jobId)?.find(jobId)) ?? null,
    /** Closes every queue and event reader, each step even if another fails. */
    close: () =>
      closeAll([
        ...readers.map(({ queueEvents, connection }) => [`queue events ${queueEvents.name}`, () => closeQueueEvents(queueEvents, connection)] as const),
        ...shards.flatMap((shard) => shard.known().map((entry) => [`queue ${entry.name} of shard ${shard.index}`, () => entry.queue.close()] as const)),
        ...shards.map((shard) => [`webhook queue of shard ${shard.index}`, () => shard.deliveries.close()] as const),
      ]),
  };
}

export type JobStore = ReturnType<typeof openJobStore>;

/**
 * QueueEvents.close() waits for an 'end' event that a reconnecting ioredis
 * client never emits (BullMQ 6.7, see its redis-queue-backend.ts on #4585), and
 * Redis may vanish while it waits. Give it QUEUE_EVENTS_CLOSE_MS, then drop the
 * reader's own connection: the close has already stopped its read loop.
 */
const QUEUE_EVENTS_CLOSE_MS = 2000;
async function closeQueueEvents(queueEvents: QueueEvents, connection: RedisClient): Promise<void> {
  const closed = queueEvents.close().then(() => true);
  closed.catch(() => {}); // may settle late or never; the socket is dropped below
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), connection.status === 'ready' ? QUEUE_EVENTS_CLOSE_MS : 0);
  });
  const settled = await Promise.race([closed, gaveUp]).catch(() => false);
  clearTimeout(timer);
  if (!settled) connection.disconnect();
  else await closeRedis(connection);
}
