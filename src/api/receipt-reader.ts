import { readFinishedSteps } from '../bullmq/job-hash.js';
import { callbackOf } from '../bullmq/job-callback.js';
import { hasEnded, toReceipt, type Receipt } from '../shared/receipt.js';
import type { JobEndWaiter } from './job-end-waiter.js';
import type { JobStore, ShardQueue } from './job-store.js';
import type { LongPollRefusal, LongPollSlots } from './long-poll-slots.js';
import type { RedisGuard } from './redis-guard.js';

/** A receipt read for a long-poll; `skipped` says why it was read at once instead (no slot free). */
export interface WaitedReceipt {
  readonly receipt: Receipt | null;
  readonly skipped: LongPollRefusal | null;
}

/** Reads receipts, now or as soon as the job ends (long-poll, `Prefer: wait`). */
export function createReceiptReader(deps: {
  store: Pick<JobStore, 'locate'>;
  redis: RedisGuard;
  jobEnds: JobEndWaiter;
  longPolls: LongPollSlots;
}) {
  const { store, redis, jobEnds, longPolls } = deps;

  async function readIn(where: ShardQueue, jobId: string): Promise<Receipt | null> {
    // State first, then the hash: states only move forward, so a hash read after
    // an ended state already holds the result or error (the reverse order could
    // pair "failed" with a hash read before the failure was written).
    const state = await where.queue.getJobState(jobId);
    // Sent together: one round trip (ioredis pipelines commands issued at once).
    const [job, steps] = await Promise.all([where.queue.getJob(jobId), readFinishedSteps(where.queue, jobId)]);
    if (job === undefined) return null;
    // A job with a callback: its deliveries' states too (fields of its hash; none for other jobs).
    const callback = callbackOf(job);
    const deliveries = callback === undefined ? undefined : await where.readDeliveries(jobId, callback.events);
    return toReceipt(job, state, { steps, deliveries });
  }

  /** The receipt now; with `listen`, the event reader of the job's queue runs before its state is read. */
  function read(jobId: string, listen = false): Promise<Receipt | null> {
    return redis.run(async () => {
      const found = await store.locate(jobId);
      if (found === null) return null;
      if (listen) await jobEnds.listening(found.where.events());
      return readIn(found.where, jobId);
    });
  }

  /** The receipt once the job has ended, or after `waitMs`; waits on events, never by polling Redis. */
  async function readWhenEnded(jobId: string, waitMs: number, signal?: AbortSignal): Promise<Receipt | null> {
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
  }

  return {
    read: (jobId: string) => read(jobId),
    /**
     * The receipt once the job has ended, or its state after `waitMs`, or at once
     * when `signal` fires (the client left) or the process shuts down. Over the
     * long-poll caps it is read at once, as a plain poll would, and `skipped`
     * says so: a long-poll may always answer early, so clients already handle it.
     */
    async readForLongPoll(jobId: string, tenant: string, waitMs: number, signal?: AbortSignal): Promise<WaitedReceipt> {
      if (waitMs <= 0) return { receipt: await read(jobId), skipped: null };
      const slot = longPolls.take(tenant);
      if (typeof slot === 'string') return { receipt: await read(jobId), skipped: slot };
      try {
        return { receipt: await readWhenEnded(jobId, waitMs, signal), skipped: null };
      } finally {
        slot.release();
      }
    },
  };
}

export type ReceiptReader = ReturnType<typeof createReceiptReader>;
