import { Redis, type RedisOptions } from 'ioredis';

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
    lazyConnect: false,
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

export function connectRedis(url: string, options: RedisOptions, connectionName: string): Redis {
  return new Redis(url, { ...options, connectionName });
}

/** QUIT when connected (lets replies in flight arrive), else drop the socket: never waits on an outage. */
export async function closeRedis(connection: Redis): Promise<void> {
  if (connection.status === 'ready') {
    await connection.quit().catch(() => connection.disconnect());
  } else {
    connection.disconnect();
  }
}

