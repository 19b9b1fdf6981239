import type { Queue } from 'bullmq';
import { RETRY_JOB_KEYS, retryJobCall, retryJobScript } from '../../bullmq/retry-job-script.js';
import { CANCELED_REASON } from '../../shared/cancellation.js';
import type { RedisClient } from '../../shared/redis.js';

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

/** Puts a failed job back in line, in place and in one atomic step (see retry-job-script.ts for every case). */
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
