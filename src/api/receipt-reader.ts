import { hasEnded, toReceipt, type Receipt } from '../shared/receipt.js';
import type { JobEndWaiter } from './job-end-waiter.js';
import type { JobStore, ShardQueue } from './job-store.js';
import type { RedisGuard } from './redis-guard.js';

/** Reads receipts, now or as soon as the job ends (long-poll, `Prefer: wait`). */
export function createReceiptReader(deps: { store: Pick<JobStore, 'locate'>; redis: RedisGuard; jobEnds: JobEndWaiter }) {
  const { store, redis, jobEnds } = deps;

  async function readIn(where: ShardQueue, jobId: string): Promise<Receipt | null> {
    // State first, then the hash: states only move forward, so a hash read after
    // an ended state already holds the result or error (the reverse order could
    // pair "failed" with a hash read before the failure was written).
    const state = await where.queue.getJobState(jobId);
    const job = await where.queue.getJob(jobId);
    return job === undefined ? null : toReceipt(job, state);
  }

  /** The receipt now; with `listen`, the job's queue's event reader runs before its state is read. */
  function read(jobId: string, listen = false): Promise<Receipt | null> {
    return redis.run(async () => {
      const found = await store.locate(jobId);
      if (found === null) return null;
      if (listen) await jobEnds.listening(found.where.events());
      return readIn(found.where, jobId);
    });
  }

  return {
    read: (jobId: string) => read(jobId),
    /**
     * The receipt once the job has ended, or its state after `waitMs`, or at once
     * when `signal` fires (the client left) or the process shuts down. Waits on
     * events, never by polling Redis.
     */
    async readWhenEnded(jobId: string, waitMs: number, signal?: AbortSignal): Promise<Receipt | null> {
      const deadline = Date.now() + waitMs;
      for (;;) {
        const longPoll = deadline > Date.now() && signal?.aborted !== true && !jobEnds.stopped;
        // Listen before reading, so an end between the read and the wait is not missed.
        const waiting = longPoll ? jobEnds.wait(jobId, deadline - Date.now(), signal) : null;
        try {
          const receipt = await read(jobId, waiting !== null);
          if (waiting === null || receipt === null || hasEnded(receipt.status)) return receipt;
          await waiting.ended;
        } finally {
          waiting?.cancel();
        }
      }
    },
  };
}

export type ReceiptReader = ReturnType<typeof createReceiptReader>;
