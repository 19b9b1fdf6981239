import type { Queue } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { reprocessJob } from 'bullmq/dist/cjs/scripts/index.js';
import { CANCEL_FLAG } from './cancel-job.js';

/**
 * Lua for POST /v1/receipts/{key}/retry: "only if failed, and never if
 * canceled", then BullMQ's own reprocessJob script (the one Job.retry('failed')
 * runs), verbatim, wrapped in a function, so the check and the move back to
 * `wait` are one atomic step. BullMQ's script reads the globals KEYS and ARGV;
 * as parameters of the wrapping function they are shadowed.
 *
 * KEYS[1..9] BullMQ's keys for reprocessJob: the job hash, events stream, failed
 *            set, wait, meta, active, marker, prioritized, priority counter
 * KEYS[10]   the completed set
 * ARGV[1..6] BullMQ's arguments for reprocessJob (job id, push command, the
 *            field to clear, the previous state, reset attemptsMade, reset
 *            attemptsStarted)
 * ARGV[7]    the failedReason of a canceled job
 *
 * Returns
 *   1  retried: the job was in the failed set; it is back in line
 *   2  not ended (waiting, delayed, prioritized, active): nothing done
 *   0  succeeded: nothing done
 *   3  canceled (the cancel flag `cx`, or the canceled reason): nothing done,
 *      ever, whatever state the job is in
 *  -1  no such job
 *  or BullMQ's own negative code, should its script refuse.
 *
 * A fresh set of attempts: `atm` (attempts made, what BullMQ compares with
 * `attempts` and feeds the backoff) is reset by BullMQ's script; `ats` (runs
 * started, the receipt's `attempts`) is kept, so the receipt counts runs across
 * retries. `stc` (stalls) and `defa` (the failure BullMQ defers to the next run
 * of a job that stalled too often) are cleared too: left there, a job failed
 * for stalling would fail again at once. Every other field (the fingerprint,
 * the payload, finished steps) stays: the job is retried in place.
 */
export const retryJobScript = `
local function bullmqReprocess(KEYS, ARGV)
${reprocessJob.content}
end
local jobKey = KEYS[1]
local jobId = ARGV[1]
if redis.call('EXISTS', jobKey) == 0 then return -1 end
if redis.call('HEXISTS', jobKey, '${CANCEL_FLAG}') == 1 or redis.call('HGET', jobKey, 'failedReason') == ARGV[7] then return 3 end
if redis.call('ZSCORE', KEYS[3], jobId) then
  redis.call('HDEL', jobKey, 'stc', 'defa')
  return bullmqReprocess({ KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9] },
    { ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6] })
end
if redis.call('ZSCORE', KEYS[10], jobId) then return 0 end
return 2
`;

/** The keys and arguments of retryJobScript for a job of `queue`, as BullMQ builds reprocessJob's (RedisQueueBackend.retryFinishedJob). */
export function retryJobCall(queue: Queue, jobId: string, canceledReason: string): Array<string | number> {
  const keys = queue.keys;
  return [
    queue.toKey(jobId),
    keys.events!,
    keys.failed!,
    keys.wait!,
    keys.meta!,
    keys.active!,
    keys.marker!,
    keys.prioritized!,
    keys.pc!,
    keys.completed!,
    jobId,
    'LPUSH', // job-intake sets no `lifo`
    'failedReason',
    'failed',
    '1', // reset attemptsMade: a fresh set of attempts
    '0', // keep attemptsStarted: the receipt counts runs across retries
    canceledReason,
  ];
}

export const RETRY_JOB_KEYS = 10;

const COMMAND = 'jobIntakeRetryJob';

export type RetryOutcome = 'retried' | 'not-ended' | 'succeeded' | 'canceled' | 'not-found';

const OUTCOMES: Record<number, RetryOutcome> = {
  1: 'retried',
  2: 'not-ended',
  0: 'succeeded',
  3: 'canceled',
  [-1]: 'not-found',
};

type WithRetryCommand = {
  [COMMAND](...args: Array<string | number>): Promise<number>;
};

/** Puts a failed job back in line, in place and in one atomic step (see the script above for every case). */
export function createRetryJob(deps: { queue: Queue; connection: RedisClient }) {
  if (!(COMMAND in deps.connection)) deps.connection.defineCommand(COMMAND, { numberOfKeys: RETRY_JOB_KEYS, lua: retryJobScript });

  return async function retryJob(jobId: string): Promise<RetryOutcome> {
    const code = await (deps.connection as unknown as WithRetryCommand)[COMMAND](...retryJobCall(deps.queue, jobId, CANCELED_REASON));
    const outcome = OUTCOMES[code];
    if (outcome === undefined) throw new Error(`retry script answered ${code}`);
    return outcome;
  };
}

export type RetryJob = ReturnType<typeof createRetryJob>;
