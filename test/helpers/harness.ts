import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import type { ReplayCacheOptions } from '../../src/api/idempotency/replay-cache.js';
import { connectApi } from '../../src/api/connect-api.js';
import { loadConfig, type Config } from '../../src/config.js';
import { closeAll, DEFAULT_STEP_TIMEOUT_MS } from '../../src/shared/close-all.js';
import { closeRedis, connectRedis, patientRedisOptions } from '../../src/shared/redis.js';
import { allShardIndexes, shardIndex, shardPrefix } from '../../src/shared/shards.js';
import { DEFAULT_QUEUE } from '../../src/jobs/job-type.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry } from '../../src/jobs/job-type.js';
import type { JobTypeRegistry } from '../../src/jobs/job-type.js';
import { createWorker } from '../../src/worker/worker.js';
import { useRedisServer } from './redis-server.js';

export const TOKENS = {
  acme: 'acme-token-0123456789abcdef',
  globex: 'globex-token-0123456789abcdef',
} as const;

/** A config as main.ts would load it, over a test's own Redis and a fresh prefix. */
export function testConfig(redisUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'silent',
    JOB_BACKOFF_MS: '50',
    LOCK_DURATION_MS: '2000',
    STALLED_INTERVAL_MS: '1000',
    SHUTDOWN_GRACE_MS: '5000',
    // The API refuses to start without API_KEYS unless AUTH=off is said.
    ...(env.API_KEYS === undefined ? { AUTH: 'off' } : {}),
    ...env,
  });
}

export const silentLogger: Logger = pino({ level: 'silent' });

/** An API instance (no listen) with its own Redis connections; close() releases them. */
export async function startApi(
  config: Config,
  options: { registry?: JobTypeRegistry; logger?: Logger; replayCache?: Partial<ReplayCacheOptions> } = {},
) {
  const logger = options.logger ?? silentLogger;
  // Tests read the queue depth fresh each time, so backpressure is exact there.
  const services = connectApi(config, options.registry ?? createRegistry(demoJobTypes), logger, {
    queueDepthRefreshMs: 0,
    replayCache: options.replayCache,
  });
  await Promise.race([services.started, new Promise((resolve) => setTimeout(resolve, 2000))]);
  const app = await buildApp({ config, logger, ...services.appDeps });
  await app.ready();
  return {
    app,
    services,
    close: () => closeAll([['app', () => app.close()], ['services', () => services.close()]]),
  };
}
export type TestApi = Awaited<ReturnType<typeof startApi>>;

/** A worker in this process, as worker/main.ts builds it. */
export async function startWorker(config: Config, options: { registry?: JobTypeRegistry; logger?: Logger } = {}) {
  const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'test:worker');
  connection.on('error', () => {});
  const worker = createWorker({
    config,
    connection,
    registry: options.registry ?? createRegistry(demoJobTypes),
    logger: options.logger ?? silentLogger,
  });
  await worker.waitUntilReady();
  return {
    ...worker,
    // As worker/main.ts does: the worker's step may take the grace period plus a margin.
    close: () =>
      closeAll([
        ['worker', () => worker.close(), { timeoutMs: config.SHUTDOWN_GRACE_MS + DEFAULT_STEP_TIMEOUT_MS }],
        ['redis', () => closeRedis(connection)],
      ]),
  };
}

/** What Redis holds, read the way an operator would (BullMQ's own counts, over every shard of the named queues). */
export async function openInspector(config: Config, queueNames: readonly string[] = [DEFAULT_QUEUE]) {
  const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'test:inspector');
  const shardIndexes = allShardIndexes({ count: config.QUEUE_SHARDS, previousCount: config.QUEUE_SHARDS_PREVIOUS });
  const queues = queueNames.flatMap((name) =>
    shardIndexes.map((index) => new Queue(name, { connection, prefix: shardPrefix(config.QUEUE_PREFIX, index) })),
  );
  return {
    connection,
    /** Shard 0's queue of the first name: the only one unless QUEUE_SHARDS > 1. */
    queue: queues[0]!,
    queues,
    /** The queue (of the first name) a job id lives in under the current layout. */
    queueOf: (jobId: string) => queues[shardIndex(jobId, config.QUEUE_SHARDS)]!,
    async jobCount(): Promise<number> {
      const perShard = await Promise.all(
        queues.map((queue) => queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized', 'waiting-children')),
      );
      return perShard.flatMap((counts) => Object.values(counts)).reduce((sum, n) => sum + n, 0);
    },
    close: () => closeAll([...queues.map((queue) => ['queue', () => queue.close()] as const), ['redis', () => closeRedis(connection)]]),
  };
}

export function submit(
  api: TestApi,
  options: { key?: string; body?: unknown; payload?: string; token?: string; headers?: Record<string, string> },
) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return api.app.inject({
    method: 'POST',
    url: '/v1/jobs',
    headers,
    payload: options.payload ?? JSON.stringify(options.body ?? { type: 'sleep', payload: { ms: 0 } }),
  });
}

export function receipt(api: TestApi, key: string, options: { wait?: number; token?: string } = {}) {
  const query = options.wait === undefined ? '' : `?wait=${options.wait}`;
  return api.app.inject({
    method: 'GET',
    url: `/v1/receipts/${encodeURIComponent(key)}${query}`,
    headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
  });
}

/**
 * A private redis-server, an API and a worker shared by a whole test file
 * (started in beforeAll, closed in afterAll). Read `api` inside tests and hooks.
 */
export function useApiAndWorker(options: { env?: Record<string, string>; registry?: JobTypeRegistry } = {}) {
  const redis = useRedisServer();
  let started: { api: TestApi; worker: Awaited<ReturnType<typeof startWorker>> } | undefined;
  beforeAll(async () => {
    const config = testConfig(redis.url, options.env);
    const api = await startApi(config, { registry: options.registry });
    started = { api, worker: await startWorker(config, { registry: options.registry }) };
  });
  afterAll(async () => {
    await started?.worker.close();
    await started?.api.close();
  });
  return {
    get api(): TestApi {
      if (started === undefined) throw new Error('useApiAndWorker: read it inside a test or hook');
      return started.api;
    },
  };
}
