import type { Queue } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import { CANCELED_REASON, cancelChannel } from '../../shared/cancellation.js';
import { cancelJobScript } from '../../bullmq/cancel-job-script.js';

const COMMAND = 'jobIntakeCancelJob';

export type CancelOutcome = 'canceled' | 'cancel-requested' | 'already-canceled' | 'ended' | 'not-found';

const OUTCOMES: Record<number, CancelOutcome> = {
  1: 'canceled',
  2: 'cancel-requested',
  3: 'already-canceled',
  0: 'ended',
  [-1]: 'not-found',
};

type WithCancelCommand = {
  [COMMAND](...args: Array<string | number>): Promise<number>;
};

/** Cancels a job in one atomic step (see cancel-job-script.ts for every case). */
export function createCancelJob(deps: { queue: Queue; connection: RedisClient; prefix: string }) {
  if (!(COMMAND in deps.connection)) deps.connection.defineCommand(COMMAND, { numberOfKeys: 9, lua: cancelJobScript });
  const keys = deps.queue.keys;

  return async function cancelJob(jobId: string): Promise<CancelOutcome> {
    const code = await (deps.connection as unknown as WithCancelCommand)[COMMAND](
      keys.wait!,
      keys.paused!,
      keys.prioritized!,
      keys.delayed!,
      keys.active!,
      keys.failed!,
      deps.queue.toKey(jobId),
      keys.events!,
      keys.meta!,
      jobId,
      Date.now(),
      CANCELED_REASON,
      cancelChannel(deps.prefix),
    );
    const outcome = OUTCOMES[code];
    if (outcome === undefined) throw new Error(`cancel script answered ${code}`);
    return outcome;
  };
}

export type CancelJob = ReturnType<typeof createCancelJob>;
