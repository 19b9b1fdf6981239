import type { QueueEvents } from 'bullmq';
import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { closeAll } from '../shared/close-all.js';
import { jobOptions } from '../shared/queue-names.js';
import { apiRedisOptions, closeRedis, connectRedis, patientRedisOptions, type RedisClient } from '../shared/redis.js';
import { createAdmission } from './admission/admission.js';
import { createQueueDepthGauge } from './admission/queue-depth.js';
import { createTenantQuota } from './admission/tenant-quota.js';
import type { CancelOutcome } from './cancellation/cancel-job.js';
import { readExistingIntake, type EnqueueRequest } from './idempotency/enqueue-once.js';
import { createReplayCache, DEFAULT_REPLAY_CACHE, type ReplayCacheOptions } from './idempotency/replay-cache.js';
import { openJobShards } from './job-shards.js';
import { createJobEndWaiter } from './job-end-waiter.js';
import { createRedisGuard } from './redis-guard.js';

export type ApiServicesConfig = Pick<
  Config,
  | 'redisTarget'
  | 'QUEUE_PREFIX'
  | 'QUEUE_SHARDS'
  | 'QUEUE_SHARDS_PREVIOUS'
  | 'REDIS_TIMEOUT_MS'
  | 'JOB_ATTEMPTS'
  | 'JOB_BACKOFF_MS'
  | 'IDEMPOTENCY_TTL_SECONDS'
  | 'MAX_QUEUE_DEPTH'
  | 'TENANT_JOBS_PER_HOUR'
>;

/**
 * Opens what the API needs from Redis: a fail-fast connection for requests, a
 * patient one for the event streams that long-polls wait on, and every shard's
 * queue. Routes each job id to its shard (and, while QUEUE_SHARDS changes, to
 * the previous layout's shard too).
 */
export function openApiServices(
  config: ApiServicesConfig,
  logger: Logger,
  options: { queueDepthRefreshMs?: number; replayCache?: Partial<ReplayCacheOptions> } = {},
) {
  const connection = connectRedis(config.redisTarget, apiRedisOptions(config.REDIS_TIMEOUT_MS), 'job-intake:api');
  const eventsConnection = connectRedis(config.redisTarget, patientRedisOptions(), 'job-intake:api-events');
  // Submissions get a connection of their own that auto-pipelines: the enqueue
  // calls of one event-loop turn (one per shard and BullMQ add script) share one
  // socket write (a write per request was the largest cost in the profile;
  // docs/performance.md). Only our enqueue runs on it: ioredis 6's auto-pipelining
  // lost replies with the rate limiter's scripts, so the main connection stays plain.
  const intakeConnection = connectRedis(
    config.redisTarget,
    { ...apiRedisOptions(config.REDIS_TIMEOUT_MS), enableAutoPipelining: true },
    'job-intake:api-intake',
  );
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  connection.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));
  eventsConnection.on('error', (err: Error) => logger.warn({ err }, 'redis events connection error'));
  intakeConnection.on('error', (err: Error) => logger.warn({ err }, 'redis intake connection error'));

  const shards = openJobShards({
    layout: { count: config.QUEUE_SHARDS, previousCount: config.QUEUE_SHARDS_PREVIOUS },
    queuePrefix: config.QUEUE_PREFIX,
    connection,
    intakeConnection,
    eventsConnection,
    jobOptions: jobOptions(config),
    logger,
  });

  // BullMQ's queues wait for Redis with no deadline of their own. A request never
  // joins that wait for longer than its Redis deadline (redis-guard.ts), and
  // main.ts listens once they have started (or after STARTUP_TIMEOUT_MS).
  const queuesStarted = Promise.all(shards.all.map((shard) => shard.queue.waitUntilReady()));
  /** Settles once the queues have started, or failed to (logged); never rejects. */
  const started = queuesStarted.then(
    () => {},
    (err: unknown) => logger.error({ err }, 'queues failed to start'),
  );
  const redis = createRedisGuard({ client: connection, timeoutMs: config.REDIS_TIMEOUT_MS, starting: queuesStarted });

  /** One atomic add in the job's shard; while N changes, a key stored in the old layout replays from there. */
  async function enqueueOnce(request: EnqueueRequest) {
    const previous = shards.previous(request.jobId);
    const existing = previous && (await readExistingIntake(connection, previous.queue, request.jobId, request.fingerprint));
    return existing ?? shards.current(request.jobId).enqueueOnce(request);
  }

  async function cancelJob(jobId: string): Promise<CancelOutcome> {
    const outcome = await shards.current(jobId).cancelJob(jobId);
    const previous = outcome === 'not-found' ? shards.previous(jobId) : null;
    return previous === null ? outcome : previous.cancelJob(jobId);
  }

  const keyExists = async (queueKey: string) => (await connection.exists(queueKey)) === 1;
  const admission = createAdmission({
    jobExists: async (jobId) => {
      const previous = shards.previous(jobId);
      if (await keyExists(shards.current(jobId).queue.toKey(jobId))) return true;
      return previous !== null && (await keyExists(previous.queue.toKey(jobId)));
    },
    depth: createQueueDepthGauge({ queues: shards.all.map((shard) => shard.queue), refreshMs: options.queueDepthRefreshMs }),
    quota: createTenantQuota({ connection, prefix: config.QUEUE_PREFIX, jobsPerHour: config.TENANT_JOBS_PER_HOUR }),
    maxQueueDepth: config.MAX_QUEUE_DEPTH,
  });

  const jobEnds = createJobEndWaiter(
    shards.all.map((shard) => shard.queueEvents),
    async (queueEvents) => (await connection.xrevrange(queueEvents.keys.events!, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0',
  );
  const replays = createReplayCache({
    ...DEFAULT_REPLAY_CACHE,
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
    ...options.replayCache,
  });
  // A Redis that comes back may have come back empty (restarted without
  // persistence, or a replica promoted before it had every job): what the cache
  // remembers is then not what Redis holds. Forget it whenever a connection that
  // answers submissions drops or comes back (for a cluster, whenever a node does).
  for (const client of [connection, intakeConnection]) {
    const events = client instanceof Cluster ? ['close', 'ready', '-node', '+node'] : ['close', 'ready'];
    for (const event of events) client.on(event, () => replays.clear());
  }
  return {
    shards,
    connection,
    jobEnds,
    started,
    /** The parts buildApp() takes. */
    appDeps: { shards, connection, redis, enqueueOnce, replays, cancelJob, jobEnds, admission },
    /** Closes everything, each step even if another fails. */
    close: () =>
      closeAll([
        ...shards.all.map((shard) => [`queue events ${shard.index}`, () => closeQueueEvents(shard.queueEvents, eventsConnection)] as const),
        ...shards.all.map((shard) => [`queue ${shard.index}`, () => shard.queue.close()] as const),
        ['redis', () => closeRedis(connection)],
        ['redis events', () => closeRedis(eventsConnection)],
        ['redis intake', () => closeRedis(intakeConnection)],
      ]),
  };
}

export type ApiServices = ReturnType<typeof openApiServices>;

/**
 * QueueEvents.close() waits for an 'end' event that a reconnecting ioredis
 * client never emits (BullMQ 6.7, see its redis-queue-backend.ts on #4585), and
 * Redis may vanish while it waits. Give it QUEUE_EVENTS_CLOSE_MS, then drop the
 * socket ourselves: the close has already stopped its read loop.
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
}
