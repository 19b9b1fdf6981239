import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startRedisServer, type RedisServer } from './redis-server.js';
import { startService, stopAll, type ServiceProcess } from './processes.js';

/**
 * Settings that make crash recovery take seconds, not a minute, in tests. The
 * Redis deadline is raised because these tests run many processes on 2 shared
 * cores, where a slow answer is load, not an outage; the outage tests set it back.
 */
export const FAST_RECOVERY_ENV = {
  REDIS_TIMEOUT_MS: '5000',
  LOCK_DURATION_MS: '2000',
  STALLED_INTERVAL_MS: '1000',
  JOB_BACKOFF_MS: '100',
  SHUTDOWN_GRACE_MS: '10000',
};

/**
 * A production-shaped deployment for fault tests: a private redis-server with
 * the append-only file (`appendfsync always`), and web/worker processes started
 * from the Procfile's commands. `stop()` kills everything and removes the data.
 */
export async function startDeployment(options: { env?: Record<string, string>; redisArgs?: string[] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'job-intake-faults-'));
  let redis: RedisServer = await startRedisServer({ dataDir, appendfsync: 'always', args: options.redisArgs });
  const env = { REDIS_URL: redis.url, QUEUE_PREFIX: `f${randomUUID().slice(0, 8)}`, ...FAST_RECOVERY_ENV, ...options.env };
  const services: ServiceProcess[] = [];

  return {
    env,
    services,
    get redis() {
      return redis;
    },
    async start(kind: 'web' | 'worker', extraEnv: Record<string, string> = {}, startOptions: { waitReady?: boolean } = {}) {
      const service = await startService(kind, { ...env, ...extraEnv }, startOptions);
      services.push(service);
      return service;
    },
    /** Starts Redis again on the same port with the same data (after a stop or a crash). */
    async restartRedis() {
      redis = await startRedisServer({ port: redis.port, dataDir, appendfsync: 'always', args: options.redisArgs });
      return redis;
    },
    async stop() {
      await stopAll(services);
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
export type Deployment = Awaited<ReturnType<typeof startDeployment>>;
