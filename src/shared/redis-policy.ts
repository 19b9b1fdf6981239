import type { RedisClient } from './redis.js';
import type { Logger } from 'pino';

/**
 * BullMQ needs `maxmemory-policy noeviction`: under any other policy a full Redis
 * silently deletes keys, and a deleted job hash is a lost job and a freed
 * idempotency key. We warn loudly rather than refuse: on managed Redis the policy
 * is often not ours to change, and refusing would turn a risk into an outage.
 * Returns the policy found.
 */
export async function checkRedisPolicy(redis: RedisClient, logger: Logger): Promise<string | null> {
  try {
    const info = await redis.info('memory');
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1] ?? null;
    if (policy !== null && policy !== 'noeviction') {
      logger.error(
        { maxmemoryPolicy: policy },
        `REDIS MISCONFIGURED: maxmemory-policy is "${policy}"; set it to "noeviction" or Redis may silently drop accepted jobs and idempotency keys when full`,
      );
    }
    return policy;
  } catch (err) {
    logger.warn({ err }, 'could not read maxmemory-policy from Redis');
    return null;
  }
}
