import type { Queue } from 'bullmq';

const DEFAULT_REFRESH_MS = 250;

/**
 * How many jobs wait to be run (wait list + prioritized, over all shards), read at most every
 * `refreshMs` (250) per process and shared by every request: backpressure must not
 * add a Redis round trip to each submission.
 */
export function createQueueDepthGauge(deps: { queues: readonly Queue[]; refreshMs?: number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const refreshMs = deps.refreshMs ?? DEFAULT_REFRESH_MS;
  let depth = 0;
  let readAt = -Infinity;
  let reading: Promise<number> | null = null;

  const read = async () => {
    const perShard = await Promise.all(deps.queues.map((queue) => queue.getJobCounts('wait', 'prioritized')));
    depth = perShard.reduce((sum, counts) => sum + (counts.wait ?? 0) + (counts.prioritized ?? 0), 0);
    readAt = now();
    return depth;
  };

  return {
    /** The waiting depth, at most `refreshMs` old. */
    async current(): Promise<number> {
      if (now() - readAt < refreshMs) return depth;
      reading ??= read().finally(() => {
        reading = null;
      });
      return reading;
    },
  };
}

export type QueueDepthGauge = ReturnType<typeof createQueueDepthGauge>;
