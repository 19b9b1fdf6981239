import { Cluster } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { queuesOf, type JobTypeRegistry } from '../jobs/job-type.js';
import { closeAll } from '../shared/close-all.js';
import { jobOptions } from '../shared/job-options.js';
import { apiRedisOptions, closeRedis, connectRedis, patientRedisOptions } from '../shared/redis.js';
import { createAdmission } from './admission/admission.js';
import { createQueueDepths } from './admission/queue-depth.js';
import { createTenantQuota } from './admission/tenant-quota.js';
import type { CancelOutcome } from '../bullmq/cancel-job.js';
import { classifyExisting, type EnqueueRequest } from './idempotency/enqueue-once.js';
import { createReplayCache, DEFAULT_REPLAY_CACHE, type ReplayCacheOptions } from './idempotency/replay-cache.js';
import { createJobEndWaiter } from './job-end-waiter.js';
import { createListJobs } from './job-list/list-jobs.js';
import { createLongPollSlots } from './long-poll-slots.js';
import { openJobStore } from './job-store.js';
import { createReceiptReader } from './receipt-reader.js';
import { createRedisGuard } from './redis-guard.js';
import type { RetryOutcome } from '../bullmq/retry-job.js';
import { createAddressGuard } from '../outbound/address-guard.js';
import { createRetrySchedule } from '../outbound/retry-schedule.js';
import { createCallbackCheck } from './callback-check.js';

export type ApiRedisConfig = Pick<
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
  | 'API_KEYS'
  | 'MAX_LONG_POLLS'
  | 'MAX_LONG_POLLS_PER_TENANT'
  | 'WEBHOOK_RETRY_SCHEDULE'
  | 'OUTBOUND_ALLOW_HOSTS'
  | 'webhookSecrets'
>;

/**
 * The API's side of Redis: its connections (a fail-fast one for requests and
 * the enqueue script, a patient one the event readers are duplicated from),
 * the job store (every queue of every shard), and what requests do there:
 * enqueue once, read receipts, cancel, admission. buildApp() takes `appDeps`;
 * close() lets go of all of it.
 */
export function connectApi(
  config: ApiRedisConfig,
  registry: JobTypeRegistry,
  logger: Logger,
  options: { queueDepthRefreshMs?: number; replayCache?: Partial<ReplayCacheOptions> } = {},
) {
  const connection = connectRedis(config.redisTarget, apiRedisOptions(config.REDIS_TIMEOUT_MS), 'job-intake:api');
  const eventsConnection = connectRedis(config.redisTarget, { ...patientRedisOptions(), lazyConnect: true }, 'job-intake:api-events');
  // ioredis emits 'error' on every failed reconnect; without a listener Node would crash.
  connection.on('error', (err: Error) => logger.warn({ err }, 'redis connection error'));
  eventsConnection.on('error', (err: Error) => logger.warn({ err }, 'redis events connection error'));

  const jobEnds = createJobEndWaiter(
    async (queueEvents) => (await connection.xrevrange(queueEvents.keys.events!, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0',
  );
  const optionsByType = new Map([...registry.values()].map((jobType) => [jobType.type, jobOptions(config, jobType)]));
  const store = openJobStore({
    layout: { count: config.QUEUE_SHARDS, previousCount: config.QUEUE_SHARDS_PREVIOUS },
    queuePrefix: config.QUEUE_PREFIX,
    queueNames: queuesOf(registry),
    connection,
    eventsConnection,
    jobOptionsFor: (type) => optionsByType.get(type) ?? jobOptions(config),
    deliveryAttempts: createRetrySchedule(config.WEBHOOK_RETRY_SCHEDULE).attempts,
    onEvents: (queueEvents) => jobEnds.watch(queueEvents),
    logger,
  });

  // BullMQ's queues wait for Redis with no deadline of their own. A request never
  // joins that wait for longer than its Redis deadline (redis-guard.ts), and
  // the API listens once they have started (or after STARTUP_TIMEOUT_MS).
  const queuesStarted = Promise.all(store.queues().map((shardQueue) => shardQueue.queue.waitUntilReady()));
  /** Settles once the queues have started, or failed to (logged); never rejects. */
  const started = queuesStarted.then(
    () => {},
    (err: unknown) => logger.error({ err }, 'queues failed to start'),
  );
  const redis = createRedisGuard({ client: connection, timeoutMs: config.REDIS_TIMEOUT_MS, starting: queuesStarted });

  /** One atomic add in the queue of the job's type and shard; while N changes, a key stored in the old layout replays from there. */
  async function enqueueOnce(request: EnqueueRequest) {
    const inPreviousLayout = await store.locateInPrevious(request.jobId);
    if (inPreviousLayout !== null) return classifyExisting(inPreviousLayout.stored, request.fingerprint);
    return store.placeFor(request.jobId, request.queue).enqueueOnce(request);
  }

  async function cancelJob(jobId: string): Promise<CancelOutcome> {
    const found = await store.locate(jobId);
    return found === null ? 'not-found' : found.where.cancelJob(jobId, found.stored.createdAtMs);
  }

  async function retryJob(jobId: string): Promise<RetryOutcome> {
    const found = await store.locate(jobId);
    return found === null ? 'not-found' : found.where.retryJob(jobId);
  }

  const admission = createAdmission({
    jobExists: async (jobId) => (await store.locate(jobId)) !== null,
    depths: createQueueDepths({ queues: store.queues(), refreshMs: options.queueDepthRefreshMs }),
    quota: createTenantQuota({ connection, prefix: config.QUEUE_PREFIX, jobsPerHour: config.TENANT_JOBS_PER_HOUR }),
    maxQueueDepth: config.MAX_QUEUE_DEPTH,
  });
  const replays = createReplayCache({
    ...DEFAULT_REPLAY_CACHE,
    idempotencyTtlMs: config.IDEMPOTENCY_TTL_SECONDS * 1000,
    ...options.replayCache,
  });
  // A Redis that comes back may have come back empty (restarted without
  // persistence, or a replica promoted before it had every job): what the cache
  // remembers is then not what Redis holds. Forget it whenever a connection that
  // answers submissions drops or comes back (for a cluster, whenever a node does).
  const events = connection instanceof Cluster ? ['close', 'ready', '-node', '+node'] : ['close', 'ready'];
  for (const event of events) connection.on(event, () => replays.clear());
  // With auth off every request is tenant `default`: a per-tenant cap would only be a lower process cap.
  const perTenant = config.API_KEYS === null ? Infinity : config.MAX_LONG_POLLS_PER_TENANT;
  const longPolls = createLongPollSlots({ perProcess: config.MAX_LONG_POLLS, perTenant });
  const receipts = createReceiptReader({ store, redis, jobEnds, longPolls });
  const listJobs = createListJobs({ tenantIndexes: () => store.tenantIndexes() });
  const checkCallback = createCallbackCheck({
    secrets: config.webhookSecrets,
    guard: createAddressGuard({ allowHosts: config.OUTBOUND_ALLOW_HOSTS }),
  });

  return {
    store,
    connection,
    jobEnds,
    started,
    /** The parts buildApp() takes. */
    appDeps: { registry, store, connection, redis, enqueueOnce, replays, cancelJob, retryJob, listJobs, checkCallback, receipts, longPolls, jobEnds, admission },
    /** Closes everything, each step even if another fails. */
    close: () =>
      closeAll([
        ['job store', () => store.close()],
        ['redis', () => closeRedis(connection)],
        ['redis events', () => closeRedis(eventsConnection)],
      ]),
  };
}

export type ApiConnections = ReturnType<typeof connectApi>;
