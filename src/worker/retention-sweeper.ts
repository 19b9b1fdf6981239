import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import { type RedisClient, settledOrOffline } from '../shared/redis.js';

const BATCH = 1000;
const MAX_INTERVAL_MS = 60_000;

/**
 * Removes finished jobs once IDEMPOTENCY_TTL_SECONDS have passed since they
 * ended. BullMQ's own age retention runs only when another job finishes, so in
 * a quiet queue an expired key would stay used indefinitely; this sweep makes
 * "the key is free again" happen within a minute of the window's end.
 */
export function startRetentionSweeper(deps: {
  queue: Queue;
  /** The queue's connection: whether it is up decides if stop() waits for a pass. */
  connection: RedisClient;
  ttlSeconds: number;
  logger: Logger;
  /** Then the age trim of the shard's tenant indexes (bullmq/tenant-index.ts): entries created before the cutoff whose job is gone. */
  trimTenantIndexes?: (cutoffMs: number) => Promise<number>;
}) {
  const graceMs = deps.ttlSeconds * 1000;
  const intervalMs = Math.min(graceMs, MAX_INTERVAL_MS);
  let sweeping: Promise<void> | null = null;

  const sweep = async () => {
    for (const state of ['completed', 'failed'] as const) {
      let removed: string[];
      do {
        removed = await deps.queue.clean(graceMs, BATCH, state);
        if (removed.length > 0) deps.logger.info({ state, removed: removed.length }, 'expired jobs removed; their keys are free again');
      } while (removed.length === BATCH);
    }
    // A finished job is removed no sooner than the window after it ended, so no later than its creation plus the window.
    const dropped = (await deps.trimTenantIndexes?.(Date.now() - graceMs)) ?? 0;
    if (dropped > 0) deps.logger.info({ dropped }, 'tenant index entries of removed jobs dropped');
  };
  const timer = setInterval(() => {
    sweeping ??= sweep()
      .catch((err: unknown) => deps.logger.warn({ err }, 'retention sweep failed; BullMQ still removes expired jobs lazily'))
      .finally(() => {
        sweeping = null;
      });
  }, intervalMs);
  timer.unref();

  return {
    /** Waits for a pass in flight, unless Redis is away (settledOrOffline). */
    async stop() {
      clearInterval(timer);
      await settledOrOffline(deps.connection, sweeping);
    },
  };
}
