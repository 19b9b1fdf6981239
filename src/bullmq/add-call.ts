import { Job, type JobsOptions, type Queue } from 'bullmq';
import { addDelayedJob, addPrioritizedJob, addStandardJob } from 'bullmq/dist/cjs/scripts/index.js';
import { Packr } from 'msgpackr';

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
  /** Creation time in ms; BullMQ's own default is Date.now(). */
  readonly timestamp?: number;
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

// BullMQ's own msgpack settings (redis-queue-backend.js), for the same bytes.
const packer = new Packr({ useRecords: false, encodeUndefinedAsNil: true });

/**
 * Builds BullMQ's add call for each job. A job with options of its own goes
 * through BullMQ (`new Job` and the recorder above). A job without, nearly every
 * one, is built here: of BullMQ's call only the job id, type, creation time and
 * payload change from job to job, so the keys and the encoded options are taken
 * once from a call BullMQ built, and the rest is packed as BullMQ packs it. That
 * skips a `Job`, its `asJSON()`, a promise and a second msgpack encoding per
 * request (1.06x to 1.14x unique-key requests/s in three A/B sets;
 * docs/performance.md).
 *
 * The shortcut checks itself when it is made: a sample job built both ways must
 * give the same script, keys and bytes, or every job goes through BullMQ (a
 * BullMQ version that lays its add call out differently is then only slower, and
 * a test fails on it: `direct` says which way it went).
 */
export function createBullmqAddCalls(queue: Queue, jobOptions: JobsOptions) {
  const throughBullmq = (request: AddCallRequest): BullmqAddCall => {
    // The id goes in as BullMQ's own argument, not in the stored options (src/shared/job-options.ts: why).
    const job = new Job(queue, request.type, request.payload, { ...jobOptions, ...request.scheduling }, request.jobId);
    if (request.timestamp !== undefined) job.timestamp = request.timestamp;
    return recordBullmqAddCall(job);
  };

  const sample = { jobId: 'job-intake~self-check', type: 'self-check', payload: { n: 1 }, scheduling: {}, timestamp: 1_700_000_000_000 };
  const template = throughBullmq(sample);
  const queueKey = queue.keys['']!;
  const encodedOptions = template.args[2]!;
  const direct = (request: AddCallRequest): BullmqAddCall => ({
    script: template.script,
    keys: template.keys,
    args: [
      // BullMQ's argument list for a job without parent, repeat or deduplication.
      // (Job.validateOptions is skipped: it checks options, and ours were
      // checked when the template was built; none of them, e.g. sizeLimit, looks at the data.)
      packer.pack([queueKey, request.jobId, request.type, request.timestamp ?? Date.now(), null, null, null, null, null, null]),
      JSON.stringify(typeof request.payload === 'undefined' ? {} : request.payload), // as Job.asJSON()
      encodedOptions,
    ],
  });
  const agrees = sameCall(direct(sample), template); // the argument count included

  return {
    /** True when jobs without scheduling options are built here, not through a BullMQ Job. */
    direct: agrees,
    build: (request: AddCallRequest): BullmqAddCall =>
      agrees && Object.values(request.scheduling).every((value) => value === undefined)
        ? direct(request)
        : throughBullmq(request),
  };
}

/** True when two add calls name the same keys, in order (the same array, or equal ones). */
export function sameKeys(a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean {
  return a === b || (a.length === b.length && a.every((key, i) => key === b[i]));
}

function sameCall(a: BullmqAddCall, b: BullmqAddCall): boolean {
  const same = (x: string | Buffer, y: string | Buffer) => (typeof x === 'string' ? x === y : Buffer.isBuffer(y) && x.equals(y));
  return (
    a.script === b.script &&
    sameKeys(a.keys, b.keys) &&
    a.args.length === b.args.length &&
    a.args.every((arg, i) => same(arg, b.args[i]!))
  );
}

export type BullmqAddCalls = ReturnType<typeof createBullmqAddCalls>;
