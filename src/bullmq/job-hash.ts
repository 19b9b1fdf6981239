import type { Job, Queue } from 'bullmq';
import type { ReceiptStep } from '../shared/receipt.js';
import type { RedisClient } from '../shared/redis.js';

/**
 * Lua that stores one durable step's result in its job's hash (job-hash.ts has
 * the layout): one atomic step, so a result is stored whole or not at all, and
 * two runs of one job (a stalled worker still going while another took over)
 * agree on the first result stored.
 *
 * KEYS[1] the job hash
 * ARGV[1] the step's name  ARGV[2] its result as JSON  ARGV[3] when it finished (ms)
 * ARGV[4] the most bytes of step results the job may hold (MAX_STEP_BYTES)
 *
 * Returns
 *   {1}               stored
 *   {0, result}       already stored by another run: that result
 *   {-1}              no such job (removed meanwhile): nothing is written, so no
 *                     half-made hash is left behind to look like a job
 *   {-2, usedBytes}   storing it would pass the limit; nothing is written
 */
const storeStepScript = `
local jobKey = KEYS[1]
if redis.call('EXISTS', jobKey) == 0 then return {-1} end
local field = 'step:' .. ARGV[1]
local stored = redis.call('HGET', jobKey, field)
if stored then return {0, stored} end
local listed = redis.call('HGET', jobKey, 'steps')
local steps = {}
if listed then steps = cjson.decode(listed) end
local used = 0
for _, step in ipairs(steps) do used = used + step[3] end
local bytes = string.len(ARGV[2])
if used + bytes > tonumber(ARGV[4]) then return {-2, used} end
steps[#steps + 1] = {ARGV[1], tonumber(ARGV[3]), bytes}
redis.call('HSET', jobKey, field, ARGV[2], 'steps', cjson.encode(steps))
return {1}
`;

/**
 * Durable steps live in BullMQ's job hash, beside BullMQ's own fields:
 *
 *   step:<name>  the step's result, as JSON
 *   steps        JSON list of [name, finishedAt (ms), result bytes], in the order they finished
 *
 * So they are in the job's Cluster slot, and BullMQ deletes them with the job
 * (retention, removal). BullMQ leaves fields it does not know alone as it moves
 * a job (to active, failed, delayed, back to wait, completed; `Job.retry`):
 * test/bullmq/contracts.test.ts holds it to that. Whatever re-queues a job
 * (a retry by key) keeps these fields: that is how a rerun skips finished steps.
 */
const STEP_FIELD_PREFIX = 'step:';
const STEP_LIST_FIELD = 'steps';
const COMMAND = 'jobIntakeStoreStep';

export type StoreStepOutcome =
  | { readonly kind: 'stored' }
  /** Another run of the job stored this step first: its result (JSON). */
  | { readonly kind: 'stored-before'; readonly json: string }
  | { readonly kind: 'job-gone' }
  | { readonly kind: 'over-limit'; readonly usedBytes: number };

type StoreStepReply = [1] | [0, string] | [-1] | [-2, number];
type WithStoreStepCommand = { [COMMAND](jobKey: string, ...args: Array<string | number>): Promise<StoreStepReply> };

/**
 * The hash BullMQ keeps a job in: `<prefix>:<queue>:<jobId>` (what Queue.toKey
 * builds; test/bullmq/contracts.test.ts holds BullMQ to it). Workers read and
 * write our own fields there: steps, the cancel flag, webhook deliveries.
 */
export const jobHashKey = (job: Job): string => `${job.queueQualifiedName}:${job.id}`;

/** Reads and stores the durable steps of the jobs a worker runs, on its connection. */
export function createStepStore(connection: RedisClient) {
  if (!(COMMAND in connection)) connection.defineCommand(COMMAND, { numberOfKeys: 1, lua: storeStepScript });
  const commands = connection as unknown as WithStoreStepCommand;

  return {
    /** The stored result (JSON) of the job's step `name`, or null when it has not finished in any run. */
    read: (job: Job, name: string): Promise<string | null> => connection.hget(jobHashKey(job), STEP_FIELD_PREFIX + name),

    /** Stores a step's result unless another run stored it first, within `maxBytes` of step results for the job. */
    async store(job: Job, step: { name: string; json: string; finishedAtMs: number; maxBytes: number }): Promise<StoreStepOutcome> {
      const reply = await commands[COMMAND](jobHashKey(job), step.name, step.json, step.finishedAtMs, step.maxBytes);
      switch (reply[0]) {
        case 1:
          return { kind: 'stored' };
        case 0:
          return { kind: 'stored-before', json: reply[1] };
        case -1:
          return { kind: 'job-gone' };
        case -2:
          return { kind: 'over-limit', usedBytes: reply[1] };
        default:
          throw new Error(`store-step script answered ${JSON.stringify(reply)}`);
      }
    },
  };
}

export type StepStore = ReturnType<typeof createStepStore>;

/** The finished steps of a job, in the order they finished; [] when it has none (or is gone). */
export async function readFinishedSteps(queue: Queue, jobId: string): Promise<ReceiptStep[]> {
  // The queue's own connection (as Queue.getJob reads the hash), so a receipt's two reads leave together.
  const client = await queue.backend.client;
  const listed = await client.hget(queue.toKey(jobId), STEP_LIST_FIELD);
  if (listed === null) return [];
  const steps = JSON.parse(listed) as Array<[string, number, number]>;
  return steps.map(([name, finishedAtMs]) => ({ name, finishedAtMs }));
}
