import type { Queue } from 'bullmq';
import { hasEnded, toReceipt, type Receipt } from '../shared/receipt.js';
import type { JobEndWaiter } from './job-end-waiter.js';
import type { RedisGuard } from './redis-guard.js';

/** Reads receipts, now or as soon as the job ends (long-poll, `Prefer: wait`). */
export function createReceiptReader(deps: {
  /** The queues a job id may live in, most likely first (current shard, then the previous layout's). */
  queuesFor: (jobId: string) => readonly Queue[];
  redis: RedisGuard;
  jobEnds: JobEndWaiter;
}) {
  const { redis, jobEnds } = deps;

  function read(jobId: string): Promise<Receipt | null> {
    return redis.run(async () => {
      for (const queue of deps.queuesFor(jobId)) {
        // State first, then the hash: states only move forward, so a hash read after
        // an ended state already holds the result or error (the reverse order could
        // pair "failed" with a hash read before the failure was written).
        const state = await queue.getJobState(jobId);
        const job = await queue.getJob(jobId);
        if (job !== undefined) return toReceipt(job, state);
      }
      return null;
    });
  }

  return {
    read,
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
          if (waiting !== null) await redis.run(() => jobEnds.listening());
          const receipt = await read(jobId);
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
