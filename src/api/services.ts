import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { JOBS_QUEUE, jobOptions } from '../shared/queue-names.js';
import { apiRedisOptions, closeRedis, connectRedis, patientRedisOptions } from '../shared/redis.js';
import { closeAll } from '../shared/close-all.js';
import { createAdmission } from './admission/admission.js';
import { createQueueDepthGauge } from './admission/queue-depth.js';
import { createTenantQuota } from './admission/tenant-quota.js';
import { createCancelJob } from './cancellation/cancel-job.js';
import { createEnqueueOnce } from './idempotency/enqueue-once.js';
import { createReplayCache, DEFAULT_REPLAY_CACHE, type ReplayCacheOptions } from './idempotency/replay-cache.js';
import { createJobEndWaiter } from './job-end-waiter.js';
import { createRedisGuard } from './redis-guard.js';

/**
 * Opens what the API needs from Redis: a fail-fast connection for requests and a
 * patient one for the event stream that long-polls wait on.
 */
export function openApiServices(
  config: Pick<
    Config,
    | 'REDIS_URL'
    | 'QUEUE_PREFIX'
    | 'REDIS_TIMEOUT_MS'
    | 'JOB_ATTEMPTS'
    | 'JOB_BACKOFF_MS'
    | 'IDEMPOTENCY_TTL_SECONDS'
    | 'MAX_QUEUE_DEPTH'
    | 'TENANT_JOBS_PER_HOUR'
  >,
  logger: Logger,
  options: { queueDepthRefreshMs?: number; replayCache?: Partial<ReplayCacheOptions> } = {},
) {
  const connection = connectRedis(config.REDIS_URL, apiRedisOptions(config.REDIS_TIMEOUT_MS), 'job-intake:api');
  const eventsConnection = connectRedis(config.REDIS_URL, patientRedisOptions(), 'job-intake:api-events');
  // Submissions get a connection of their own that auto-pipelines: the enqueue
  // scripts of every request in one event-loop turn share one socket write (a
  // write per request was the largest cost in the profile; docs/performance.md).
  // Only our one-command enqueue runs on it: ioredis 6's auto-pipelining lost
  // replies with the rate limiter's scripts, so the main connection stays plain.
  const intakeConnection = connectRedis(
    config.REDIS_URL,
    { ...apiRedisOptions(config.REDIS_TIMEOUT_MS), enableAutoPipelining: true },
    'job-intake:api-intake',
  );
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  connection.on('error', (err) => logger.warn({ err }, 'redis connection error'));
  eventsConnection.on('error', (err) => logger.warn({ err }, 'redis events connection error'));
  intakeConnection.on('error', (err) => logger.warn({ err }, 'redis intake connection error'));

  const queue = new Queue(JOBS_QUEUE, { connection, prefix: config.QUEUE_PREFIX });
  queue.on('error', (err) => logger.warn({ err }, 'queue error'));
  const queueEvents = new QueueEvents(JOBS_QUEUE, { connection: eventsConnection, prefix: config.QUEUE_PREFIX });
  queueEvents.on('error', (err) => logger.warn({ err }, 'queue events error'));

  // BullMQ's queue waits for Redis with no deadline of its own; until it has
  // finished starting, requests get a fast 503 instead of joining that wait.
  let queueStarted = false;
  const started = queue.waitUntilReady().then(
    () => {
      queueStarted = true;
    },
    (err: unknown) => logger.error({ err }, 'queue failed to start'),
  );

  const redis = createRedisGuard({ client: connection, timeoutMs: config.REDIS_TIMEOUT_MS, ready: () => queueStarted });
  const enqueueOnce = createEnqueueOnce({ queue, connection: intakeConnection, jobOptions: jobOptions(config) });
  const replays = createReplayCache({
    ...DEFAULT_REPLAY_CACHE,
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
    ...options.replayCache,
  });
  const jobEnds = createJobEndWaiter(queueEvents);
  const admission = createAdmission({
    queue,
    connection,
    depth: createQueueDepthGauge({ queue, refreshMs: options.queueDepthRefreshMs }),
    quota: createTenantQuota({ connection, prefix: config.QUEUE_PREFIX, jobsPerHour: config.TENANT_JOBS_PER_HOUR }),
    maxQueueDepth: config.MAX_QUEUE_DEPTH,
  });

  return {
    queue,
    queueEvents,
    connection,
    redis,
    enqueueOnce,
    replays,
    jobEnds,
    admission,
    cancelJob: createCancelJob({ queue, connection, prefix: config.QUEUE_PREFIX }),
    started,
    /** Closes everything, each step even if another fails. */
    close: () =>
      closeAll([
        ['queue events', () => closeQueueEvents(queueEvents, eventsConnection)],
        ['queue', () => queue.close()],
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
async function closeQueueEvents(queueEvents: QueueEvents, connection: Redis): Promise<void> {
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
