import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A standalone Redis or a Redis Cluster: everything above this layer takes either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one URL, or the seed nodes of a cluster (REDIS_CLUSTER_NODES). */
export type RedisTarget = { readonly url: string } | { readonly clusterNodes: ReadonlyArray<{ host: string; port: number }> };

/**
 * API connections fail fast: no offline queue (a command while disconnected is
 * refused at once, so the API answers 503 instead of hanging), a command timeout,
 * and one retry per request. They keep reconnecting in the background.
 */
export function apiRedisOptions(timeoutMs: number): RedisOptions {
  return {
    enableOfflineQueue: false,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    connectTimeout: Math.max(timeoutMs, 2000),
    retryStrategy: (times) => Math.min(times * 100, 1000),
  };
}

/**
 * Worker and event-listener connections wait out outages: BullMQ needs
 * `maxRetriesPerRequest: null` for its blocking commands, and a worker has
 * nobody to answer 503 to.
 */
export function patientRedisOptions(): RedisOptions {
  return {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  };
}

export function connectRedis(target: RedisTarget, options: RedisOptions, connectionName: string): RedisClient {
  if ('url' in target) return new Redis(target.url, { ...options, connectionName });
  return new Cluster([...target.clusterNodes], {
    redisOptions: { ...options, connectionName },
    // The cluster client keeps its own queue while it (re)discovers slots.
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    clusterRetryStrategy: (times) => Math.min(times * 100, 2000),
    ...(options.maxRetriesPerRequest === null ? {} : { retryDelayOnTryAgain: 50, retryDelayOnClusterDown: 100 }),
  });
}

/** A second connection with the same settings (for pub/sub, which takes a connection over). */
export function duplicateRedis(client: RedisClient, connectionName: string): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, { redisOptions: { ...client.options.redisOptions, connectionName } });
  }
  return client.duplicate({ connectionName });
}

/** QUIT when connected (lets replies in flight arrive), else drop the socket: never waits on an outage. */
export async function closeRedis(connection: RedisClient): Promise<void> {
  if (connection.status === 'ready') {
    await connection.quit().catch(() => connection.disconnect());
  } else {
    connection.disconnect();
  }
}

/**
 * Waits for `work` (commands already sent, say a sweep's pass) while
 * `connection` is up, and stops waiting once it is not: during an outage a
 * worker connection queues its commands until Redis is back, so waiting on them
 * would hold a shutdown up for as long as the outage lasts. Only for work that
 * is safe to cut short (the next pass, here or in another worker, redoes it).
 */
export async function settledOrOffline(connection: RedisClient, work: Promise<unknown> | null | undefined): Promise<void> {
  if (work == null || connection.status !== 'ready') return;
  let gone: () => void = () => {};
  const offline = new Promise<void>((resolve) => (gone = resolve));
  connection.once('close', gone);
  try {
    await Promise.race([work.then(() => {}, () => {}), offline]);
  } finally {
    connection.off('close', gone);
  }
}
