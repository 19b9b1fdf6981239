import type { DeliveryCalls } from '../webhooks/delivery-jobs.js';
import type { Job, Queue } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import { CANCELED_REASON, cancelChannel } from '../shared/cancellation.js';
import { bullmqAddScripts } from './add-call.js';
import { emitWebhookFunctions } from './webhook-scripts.js';
import { webhookWatchKey } from '../shared/shards.js';

/**
 * The cancel script's mark, in two places under one name: a field of the job
 * hash (what the worker's re-check of running jobs reads) and an option in the
 * job's stored options (an unknown option BullMQ keeps and hands every run).
 */
export const CANCEL_FLAG = 'cx';

/** True when the job was canceled by request: read from its options, as BullMQ fetched it for this run. */
export function canceledByRequest(job: Job): boolean {
  return (job.opts as Record<string, unknown>)[CANCEL_FLAG] !== undefined;
}

/** The keys before BullMQ's add keys for the delivery queue (see below). */
export const CANCEL_SCRIPT_OWN_KEYS = 10;

/**
 * Lua for DELETE /v1/receipts/{key}: one atomic look at where the job is.
 *
 * KEYS[1] wait  KEYS[2] paused  KEYS[3] prioritized  KEYS[4] delayed
 * KEYS[5] active  KEYS[6] failed  KEYS[7] the job hash  KEYS[8] events stream
 * KEYS[9] the queue's meta hash (where BullMQ keeps the events stream's length, opts.maxLenEvents)
 * KEYS[10] the shard's webhook watch set, then BullMQ's keys for adding to the
 *          shard's delivery queue
 * ARGV[1] job id  ARGV[2] now (ms)  ARGV[3] the canceled reason  ARGV[4] cancel channel
 * ARGV[5..] BullMQ's add arguments for the job's `canceled` delivery
 *
 * Returns
 *   1  canceled now: it was waiting; it is moved to `failed` with the canceled
 *      reason (the hash stays, so its key stays used and replays), and when its
 *      callback asks for `canceled`, the delivery is added in this same step
 *      (webhook-scripts.ts): no process can die between the two
 *   2  running: flagged (`cx`) and announced on the cancel channel, so the worker
 *      holding it fires the handler's abort signal (that worker emits `canceled`)
 *   3  already canceled
 *   0  already ended (succeeded or failed)
 *  -1  no such job
 */
export function cancelJobScript(bullmqAddScript: string): string {
  return `${emitWebhookFunctions(bullmqAddScript)}
-- Also in the options BullMQ stores with the job, which it hands every run of
-- it: a canceled job that comes back (Job.retry from any BullMQ client, a
-- stall) is known as canceled without a Redis call per run (canceledByRequest).
local function stampCanceled(jobKey, at)
  local opts = redis.call('HGET', jobKey, 'opts') or '{}'
  if string.find(opts, '"${CANCEL_FLAG}":', 1, true) then return end
  if opts == '{}' then opts = '{"${CANCEL_FLAG}":' .. at .. '}'
  else opts = '{"${CANCEL_FLAG}":' .. at .. ',' .. string.sub(opts, 2) end
  redis.call('HSET', jobKey, 'opts', opts)
end
local jobId = ARGV[1]
if redis.call('EXISTS', KEYS[7]) == 0 then return -1 end
if redis.call('HGET', KEYS[7], 'failedReason') == ARGV[3] then return 3 end
local removed = redis.call('LREM', KEYS[1], 0, jobId) + redis.call('LREM', KEYS[2], 0, jobId)
  + redis.call('ZREM', KEYS[3], jobId) + redis.call('ZREM', KEYS[4], jobId)
if removed > 0 then
  redis.call('HSET', KEYS[7], 'finishedOn', ARGV[2], 'failedReason', ARGV[3], '${CANCEL_FLAG}', ARGV[2])
  stampCanceled(KEYS[7], ARGV[2])
  redis.call('ZADD', KEYS[6], ARGV[2], jobId)
  local maxEvents = tonumber(redis.call('HGET', KEYS[9], 'opts.maxLenEvents')) or 10000
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', maxEvents, '*', 'event', 'failed', 'jobId', jobId,
    'failedReason', ARGV[3], 'prev', 'waiting')
  -- A job back in line after a failed run is in the watch set: its end is emitted here.
  redis.call('ZREM', KEYS[10], KEYS[7])
  local events = callbackEvents(KEYS[7])
  if events then
    local addKeys = {}
    for i = ${CANCEL_SCRIPT_OWN_KEYS} + 1, #KEYS do addKeys[#addKeys + 1] = KEYS[i] end
    local addArgs = {}
    for i = 5, #ARGV do addArgs[#addArgs + 1] = ARGV[i] end
    emitWebhook(KEYS[7], events, 'canceled', addKeys, addArgs)
  end
  return 1
end
if redis.call('LPOS', KEYS[5], jobId) then
  redis.call('HSET', KEYS[7], '${CANCEL_FLAG}', ARGV[2])
  stampCanceled(KEYS[7], ARGV[2])
  redis.call('PUBLISH', ARGV[4], jobId)
  return 2
end
return 0
`;
}

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
 * Cancels a job in one atomic step (see the script above for every case),
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
