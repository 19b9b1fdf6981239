import type { ShardQueue } from '../job-store.js';

const DEFAULT_REFRESH_MS = 250;

/**
 * How many jobs wait to be run in each queue (wait list + prioritized, summed
 * over shards), read at most every `refreshMs` (250) per process and shared by
 * every request: backpressure must not add a Redis round trip to each submission.
 */
export function createQueueDepths(deps: { queues: readonly ShardQueue[]; refreshMs?: number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const refreshMs = deps.refreshMs ?? DEFAULT_REFRESH_MS;
  let depths = new Map<string, number>();
  let readAt = -Infinity;
  let reading: Promise<Map<string, number>> | null = null;

  const read = async () => {
    const counts = await Promise.all(deps.queues.map((shardQueue) => shardQueue.queue.getJobCounts('wait', 'prioritized')));
    const fresh = new Map<string, number>();
    deps.queues.forEach((shardQueue, i) => {
      const waiting = (counts[i]!.wait ?? 0) + (counts[i]!.prioritized ?? 0);
      fresh.set(shardQueue.name, (fresh.get(shardQueue.name) ?? 0) + waiting);
    });
    depths = fresh;
    readAt = now();
    return depths;
  };

  return {
    /** The waiting depth of a queue, at most `refreshMs` old. */
    async current(queueName: string): Promise<number> {
      if (now() - readAt >= refreshMs) {
        reading ??= read().finally(() => {
          reading = null;
        });
        await reading;
      }
      return depths.get(queueName) ?? 0;
    },
  };
}

export type QueueDepths = ReturnType<typeof createQueueDepths>;
