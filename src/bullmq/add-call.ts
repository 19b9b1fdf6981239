import { Job, type JobsOptions, type Queue } from 'bullmq';
import { addDelayedJob, addPrioritizedJob, addStandardJob } from 'bullmq/dist/cjs/scripts/index.js';

/** One of BullMQ's Lua scripts, includes resolved, as its package ships them (scripts.d.ts). */
export interface RawScript {
  readonly name: string;
  readonly content: string;
  readonly keys: number;
}

/** The add scripts BullMQ picks from for a job without a parent: by delay, by priority, or plain. */
export const bullmqAddScripts: ReadonlyMap<string, RawScript> = new Map(
  [addStandardJob, addDelayedJob, addPrioritizedJob].map((script) => [script.name, script]),
);

/** Which BullMQ add script a job needs, and the keys and arguments BullMQ builds for it. */
export interface BullmqAddCall {
  readonly script: RawScript;
  readonly keys: ReadonlyArray<string>;
  readonly args: ReadonlyArray<string | Buffer>;
}

/** One job to add, as the enqueue knows it. */
export interface AddCallRequest {
  readonly jobId: string;
  readonly type: string;
  readonly payload: unknown;
  /** Options of this job's own (BullMQ's `delay` / `priority`, a callback); empty for most jobs. */
  readonly scheduling: JobsOptions;
}

/**
 * Lets BullMQ build its add call for `job` (script choice, keys, msgpack-encoded
 * arguments and options, exactly as `Queue.add` would) without sending it:
 * `Job.addJob` hands the call to the transaction it is given, synchronously, and
 * this one only records it. So the arguments stay BullMQ's own, however it
 * encodes them, and we send them inside our enqueue-once script.
 */
export function recordBullmqAddCall(job: Job): BullmqAddCall {
  let recorded: { name: string; args: Array<string | Buffer> } | undefined;
  const recorder = {
    runCommand(name: string, args: Array<string | Buffer>) {
      recorded = { name, args };
      return recorder;
    },
  };
  void job.addJob(recorder as never).catch(() => {}); // settles on the recorder; nothing is sent
  if (recorded === undefined) throw new Error('BullMQ did not build its add call synchronously');
  const script = bullmqAddScripts.get(recorded.name.split(':')[0]!);
  if (script === undefined) throw new Error(`unexpected BullMQ add script ${recorded.name}`);
  return { script, keys: recorded.args.slice(0, script.keys) as string[], args: recorded.args.slice(script.keys) };
}

/**
 * BullMQ's add call for one job with these stored options: a BullMQ `Job`,
 * recorded as above (script choice, keys, msgpack-encoded arguments and
 * options, exactly as `Queue.add` would send them).
 */
export function buildBullmqAddCall(queue: Queue, jobOptions: JobsOptions, request: AddCallRequest): BullmqAddCall {
  // The id goes in as BullMQ's own argument, not in the stored options (src/shared/job-options.ts: why).
  return recordBullmqAddCall(new Job(queue, request.type, request.payload, { ...jobOptions, ...request.scheduling }, request.jobId));
}

/** True when two add calls name the same keys, in order (the same array, or equal ones). */
export function sameKeys(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a === b || (a.length === b.length && a.every((key, i) => key === b[i]));
}
