import type { Queue } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import { CANCELED_REASON, cancelChannel } from '../../shared/cancellation.js';
import { webhookWatchKey } from '../../shared/shards.js';
import { bullmqAddScripts } from '../../bullmq/add-call.js';
import { CANCEL_SCRIPT_OWN_KEYS, cancelJobScript } from '../../bullmq/cancel-job-script.js';
import type { DeliveryCalls } from '../../webhooks/delivery-jobs.js';

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
  [COMMAND](...args: Array<string | number | Buffer>): Promise<number>;
};

// A delivery has no delay or priority: BullMQ's plain add script adds it.
const deliveryAddScript = bullmqAddScripts.get('addStandardJob')!;

/**
 * Cancels a job in one atomic step (see cancel-job-script.ts for every case),
 * emitting its `canceled` webhook in that step when the job was queued and its
 * callback asks for it.
 */
export function createCancelJob(deps: { queue: Queue; connection: RedisClient; prefix: string; deliveries: DeliveryCalls }) {
  if (!(COMMAND in deps.connection)) {
    deps.connection.defineCommand(COMMAND, {
      numberOfKeys: CANCEL_SCRIPT_OWN_KEYS + deliveryAddScript.keys,
      lua: cancelJobScript(deliveryAddScript.content),
    });
  }
  const keys = deps.queue.keys;
  const shardPrefix = deps.queue.opts.prefix!;

  /** `createdAtMs`: the job's creation time, part of its deliveries' ids (delivery-jobs.ts). */
  return async function cancelJob(jobId: string, createdAtMs: number): Promise<CancelOutcome> {
    const delivery = deps.deliveries.addCall({ queue: deps.queue.name, jobId, createdAtMs }, 'canceled');
    if (delivery.script !== deliveryAddScript) throw new Error(`a delivery is added by ${delivery.script.name}, not addStandardJob`);
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
      webhookWatchKey(shardPrefix),
      ...delivery.keys,
      jobId,
      Date.now(),
      CANCELED_REASON,
      cancelChannel(deps.prefix),
      ...delivery.args,
    );
    const outcome = OUTCOMES[code];
    if (outcome === undefined) throw new Error(`cancel script answered ${code}`);
    return outcome;
  };
}

/** Cancels a job of one queue, given its creation time (job-store.ts finds both). */
export type CancelInQueue = ReturnType<typeof createCancelJob>;

/** Cancels a tenant's job wherever it is (connect-api.ts). */
export type CancelJob = (jobId: string) => Promise<CancelOutcome>;
