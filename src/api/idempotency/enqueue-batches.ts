import type { RawScript } from '../../bullmq/add-call.js';
import { sameKeys, type BullmqAddCall } from '../../bullmq/add-call.js';
import type { Deadline } from '../redis-guard.js';

/** What the enqueue-once script answers for one job (enqueue-once-script.ts). */
export type JobReply = [created: number, fingerprint: string, timestamp: string, queue: string] | number | null;

/** What every call of one enqueue carries besides BullMQ's keys and each job's (enqueue-once-script.ts). */
export interface CallFrame {
  /** Keys after BullMQ's, before the jobs'. */
  readonly keys: readonly string[];
  /** Arguments after the key and argument counts, before the jobs'. */
  readonly args: ReadonlyArray<string | number>;
}

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

/** One caller's job in an open call. */
interface QueuedJob {
  readonly key: string;
  readonly args: ReadonlyArray<string | Buffer>;
  readonly fingerprint: string;
  readonly handover: Handover;
  readonly resolve: (reply: JobReply) => void;
  readonly reject: (err: unknown) => void;
}

/** What a caller learns about its job's call before the reply. */
export interface Handover {
  /** Passed once the caller has given up (answered 503): its job is then left out of the call. */
  readonly deadline?: Deadline;
  /** Called once the call holding the job is handed to ioredis: from then on the script may run, whatever the caller does. */
  readonly onHandedOver?: () => void;
}

interface OpenBatch {
  readonly script: RawScript;
  readonly bullmqKeys: ReadonlyArray<string>;
  readonly argCount: number;
  readonly jobs: QueuedJob[];
  bytes: number;
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
 * a job it added before the failure replays when its client retries. A job whose
 * caller gave up before the call left is not sent at all: that caller has told
 * its client that no job was created, and it must stay true.
 */
export function createEnqueueBatches(send: SendBatch, frame: CallFrame = { keys: [], args: [] }) {
  const open = new Map<string, OpenBatch>();
  let flushScheduled = false;

  const dispatch = (batch: OpenBatch) => {
    const jobs = batch.jobs.filter((job) => {
      const gaveUpWith = job.handover.deadline?.passedWith;
      if (gaveUpWith === undefined) return true;
      job.reject(gaveUpWith);
      return false;
    });
    if (jobs.length === 0) return;
    const fail = (err: unknown) => jobs.forEach((job) => job.reject(err));
    let replies: Promise<JobReply[]>;
    try {
      const keys = [...batch.bullmqKeys, ...frame.keys, ...jobs.map((job) => job.key)];
      const args = jobs.flatMap((job) => [...job.args, job.fingerprint]);
      replies = send(batch.script, keys, [batch.bullmqKeys.length, batch.argCount, ...frame.args, ...args]);
    } catch (err) {
      fail(err); // thrown, not rejected: it would otherwise escape setImmediate and end the process
      return;
    }
    for (const job of jobs) job.handover.onHandedOver?.();
    replies.then((answers) => jobs.forEach((job, i) => job.resolve(answers[i] ?? null)), fail);
  };
  const flushAll = () => {
    flushScheduled = false;
    for (const batch of open.values()) dispatch(batch);
    open.clear();
  };

  return {
    /** Adds a job (BullMQ's call for it, its hash key, its fingerprint) to this turn's call. */
    add(call: BullmqAddCall, jobKey: string, fingerprint: string, handover: Handover = {}): Promise<JobReply> {
      let batch = open.get(call.script.name);
      if (batch !== undefined && (batch.argCount !== call.args.length || !sameKeys(batch.bullmqKeys, call.keys))) {
        // Never for one queue's jobs (BullMQ's add keys are the queue's); if it were, the
        // open call goes now and this job begins the next one.
        open.delete(call.script.name);
        dispatch(batch);
        batch = undefined;
      }
      if (batch === undefined) {
        batch = { script: call.script, bullmqKeys: call.keys, argCount: call.args.length, jobs: [], bytes: 0 };
        open.set(call.script.name, batch);
      }
      const joined = batch;
      const reply = new Promise<JobReply>((resolve, reject) =>
        joined.jobs.push({ key: jobKey, args: call.args, fingerprint, handover, resolve, reject }),
      );
      for (const arg of call.args) joined.bytes += arg.length;
      if (joined.jobs.length >= MAX_BATCH_JOBS || joined.bytes >= MAX_BATCH_BYTES) {
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
