import type { JobsOptions, Queue } from 'bullmq';
import type { RawScript } from '../../bullmq/add-call.js';
import { bullmqAddScripts, createBullmqAddCalls, type BullmqAddCalls } from '../../bullmq/add-call.js';
import { enqueueOnceScript } from '../../bullmq/enqueue-once-script.js';
import { withCallback } from '../../bullmq/job-callback.js';
import type { Callback } from '../../shared/callback.js';
import type { RedisClient } from '../../shared/redis.js';
import { shardQueuesKey } from '../../shared/shards.js';
import { RedisNotReadyError } from '../redis-guard.js';
import { createEnqueueBatches, type Handover, type JobReply } from './enqueue-batches.js';

/** What Redis holds for a key after the enqueue: always the first request's facts. */
export interface StoredIntake {
  readonly jobId: string;
  readonly fingerprint: string;
  readonly createdAtMs: number;
}

export type EnqueueOutcome =
  | { readonly kind: 'created'; readonly stored: StoredIntake }
  | { readonly kind: 'replayed'; readonly stored: StoredIntake }
  | { readonly kind: 'mismatch'; readonly stored: StoredIntake };

export interface EnqueueRequest {
  /** From encodeJobId(tenant, key). */
  readonly jobId: string;
  readonly type: string;
  /** The queue of its type: where it waits for a worker. */
  readonly queue: string;
  readonly payload: unknown;
  readonly fingerprint: string;
  readonly options?: SubmissionOptions;
  /** Stored with the job (in the options BullMQ keeps), so the worker and the receipt find it. */
  readonly callback?: Callback;
  /** Lets the caller withdraw the job until its script call is sent, and learn when it was (enqueue-batches.ts). */
  readonly handover?: Handover;
}

/** What a client may ask of a job's scheduling (part of the fingerprint). */
export interface SubmissionOptions {
  readonly delayMs?: number;
  readonly priority?: number;
}

/** The options BullMQ stores with a job of this type (attempts, backoff: the type's own or the defaults). */
export type JobOptionsFor = (type: string) => JobsOptions;

type EnqueueCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>) => Promise<JobReply[]>;

const commandName = (script: RawScript) => `jobIntakeEnqueueOnce_${script.name}`;

/**
 * Adds a job to one queue of a shard under its (tenant, key) id and learns, in
 * the same Redis call, whether it was new and which fingerprint the stored job
 * carries, in this queue or any other of the shard.
 *
 * One Lua script (src/bullmq/enqueue-once-script.ts) looks the id up in the
 * shard's other queues, runs BullMQ's own add script (which leaves an existing
 * id untouched) and then our claim step (which stamps the fingerprint on a job
 * that has none and reads back what is stored), for every job of a batch
 * (enqueue-batches.ts: the requests of one event-loop turn). A script runs with
 * nothing in between, so two API processes racing on one key, or one key twice
 * in a batch, or in two queues, see one `created` and one `replayed` (or `mismatch`).
 */
export function createEnqueueOnce(deps: {
  queue: Queue;
  /** The connection the enqueue script runs on (need not be the queue's). */
  connection: RedisClient;
  jobOptionsFor: JobOptionsFor;
  /** The shard's other queues this process knows of: looked up with those the shard has recorded. */
  otherQueues: readonly string[];
}) {
  for (const script of bullmqAddScripts.values()) {
    // One definition per connection, however many shards share it.
    if (commandName(script) in deps.connection) continue;
    // No numberOfKeys: a batch has one key per job, so each call says how many.
    deps.connection.defineCommand(commandName(script), { lua: enqueueOnceScript(script.content) });
  }
  const commands = deps.connection as unknown as Record<string, EnqueueCommand>;
  // Each type's add calls, built with that type's stored options.
  const addCallsByType = new Map<string, BullmqAddCalls>();
  const addCallsFor = (type: string) => {
    let addCalls = addCallsByType.get(type);
    if (addCalls === undefined) addCallsByType.set(type, (addCalls = createBullmqAddCalls(deps.queue, deps.jobOptionsFor(type))));
    return addCalls;
  };
  const shardPrefix = deps.queue.opts.prefix!;
  const frame = { keys: [shardQueuesKey(shardPrefix)], args: [`${shardPrefix}:`, deps.queue.name, deps.otherQueues.join(',')] };
  const batches = createEnqueueBatches((script, keys, args) => {
    // Without a ready connection ioredis (no offline queue) refuses the call unsent;
    // refuse it here, so it never counts as handed over (its callers know no job was made).
    if (deps.connection.status !== 'ready') throw new RedisNotReadyError(`redis connection is ${deps.connection.status}`);
    return commands[commandName(script)]!(keys.length, ...keys, ...args);
  }, frame);

  return async function enqueueOnce(request: EnqueueRequest): Promise<EnqueueOutcome> {
    const { jobId } = request;
    let scheduling: JobsOptions = {};
    if (request.options?.delayMs) scheduling.delay = request.options.delayMs;
    if (request.options?.priority) scheduling.priority = request.options.priority;
    if (request.callback !== undefined) scheduling = withCallback(scheduling, request.callback);
    const add = addCallsFor(request.type).build({ jobId, type: request.type, payload: request.payload, scheduling });
    const claim = await batches.add(add, deps.queue.toKey(jobId), request.fingerprint, request.handover);
    if (typeof claim === 'number') throw new Error(`BullMQ refused to add job ${jobId} (code ${claim})`);
    if (claim === null) throw new Error(`job ${jobId} is missing right after its add`);

    const [created, fingerprint, timestamp] = claim; // and the queue that holds it
    const stored: StoredIntake = { jobId, fingerprint, createdAtMs: Number(timestamp) };
    return created === 1 ? { kind: 'created', stored } : classifyExisting(stored, request.fingerprint);
  };
}

/** A job that was already there: the same request (a replay) or another one under its key (a mismatch). */
export function classifyExisting(stored: StoredIntake, fingerprint: string): EnqueueOutcome {
  return { kind: stored.fingerprint === fingerprint ? 'replayed' : 'mismatch', stored };
}

export type EnqueueOnce = ReturnType<typeof createEnqueueOnce>;
