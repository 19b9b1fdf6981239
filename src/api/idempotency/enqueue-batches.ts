import type { RawScript } from 'bullmq/dist/cjs/scripts/index.js';
import { sameKeys, type BullmqAddCall } from './bullmq-add-call.js';

/** What the enqueue-once script answers for one job (enqueue-once-script.ts). */
export type JobReply = [created: number, fingerprint: string, timestamp: string] | number | null;

/** Sends one enqueue-once script call: KEYS, then ARGV, as enqueue-once-script.ts lays them out. */
export type SendBatch = (script: RawScript, keys: string[], args: Array<string | number | Buffer>) => Promise<JobReply[]>;

/**
 * A call is sent once it holds this many jobs, or this many bytes of arguments
 * (payloads, counted in UTF-16 units for strings), so the next job begins the
 * next call: one script call holds Redis for all of its jobs, and Redis reads
 * and copies its arguments before the script starts. Jobs are never split, so
 * a call carries at most MAX_BATCH_BYTES plus one request body.
 */
export const MAX_BATCH_JOBS = 64;
export const MAX_BATCH_BYTES = 256 * 1024;

interface OpenBatch {
  readonly script: RawScript;
  readonly bullmqKeys: ReadonlyArray<string>;
  readonly argCount: number;
  readonly jobKeys: string[];
  readonly args: Array<string | Buffer>;
  bytes: number;
  readonly waiters: Array<{ resolve: (reply: JobReply) => void; reject: (err: unknown) => void }>;
}

/**
 * Collects the enqueues that arrive in one turn of the event loop (the requests
 * whose bodies were read in the same poll) into one script call per BullMQ add
 * script, sent when the turn ends (setImmediate). Under load that is one ioredis
 * command, one promise and one reply to decode for many requests instead of one
 * each: ioredis's per-command work and what it keeps alive while the call is out
 * were the largest part of the API's Redis step (docs/performance.md). A lone
 * request waits for nothing but the end of its own turn.
 *
 * A call that fails (Redis down or full, a script error) fails every job in it;
 * a job it added before the failure replays when its client retries.
 */
export function createEnqueueBatches(send: SendBatch) {
  const open = new Map<string, OpenBatch>();
  let flushScheduled = false;

  const dispatch = (batch: OpenBatch) => {
    const fail = (err: unknown) => batch.waiters.forEach((waiter) => waiter.reject(err));
    try {
      const keys = [...batch.bullmqKeys, ...batch.jobKeys];
      send(batch.script, keys, [batch.bullmqKeys.length, batch.argCount, ...batch.args]).then(
        (replies) => batch.waiters.forEach((waiter, i) => waiter.resolve(replies[i] ?? null)),
        fail,
      );
    } catch (err) {
      fail(err); // thrown, not rejected: it would otherwise escape setImmediate and end the process
    }
  };
  const flushAll = () => {
    flushScheduled = false;
    for (const batch of open.values()) dispatch(batch);
    open.clear();
  };

  return {
    /** Adds a job (BullMQ's call for it, its hash key, its fingerprint) to this turn's call. */
    add(call: BullmqAddCall, jobKey: string, fingerprint: string): Promise<JobReply> {
      let batch = open.get(call.script.name);
      if (batch !== undefined && (batch.argCount !== call.args.length || !sameKeys(batch.bullmqKeys, call.keys))) {
        // Never for one queue's jobs (BullMQ's add keys are the queue's); if it were, the
        // open call goes now and this job begins the next one.
        open.delete(call.script.name);
        dispatch(batch);
        batch = undefined;
      }
      if (batch === undefined) {
        batch = { script: call.script, bullmqKeys: call.keys, argCount: call.args.length, jobKeys: [], args: [], bytes: 0, waiters: [] };
        open.set(call.script.name, batch);
      }
      const joined = batch;
      joined.jobKeys.push(jobKey);
      for (const arg of call.args) {
        joined.args.push(arg);
        joined.bytes += arg.length;
      }
      joined.args.push(fingerprint);
      const reply = new Promise<JobReply>((resolve, reject) => joined.waiters.push({ resolve, reject }));
      if (joined.jobKeys.length >= MAX_BATCH_JOBS || joined.bytes >= MAX_BATCH_BYTES) {
        open.delete(call.script.name);
        dispatch(joined);
      } else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
      return reply;
    },
  };
}

export type EnqueueBatches = ReturnType<typeof createEnqueueBatches>;
