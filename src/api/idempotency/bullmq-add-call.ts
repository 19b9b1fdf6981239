import type { Job } from 'bullmq';
import { addDelayedJob, addPrioritizedJob, addStandardJob, type RawScript } from 'bullmq/dist/cjs/scripts/index.js';

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

/**
 * Lets BullMQ build its add call for `job` (script choice, keys, msgpack-encoded
 * arguments and options, exactly as `Queue.add` would) without sending it:
 * `Job.addJob` hands the call to the transaction it is given, synchronously, and
 * this one only records it. So the arguments stay BullMQ's own, however it
 * encodes them, and we send them inside our enqueue-once script.
 */
export function bullmqAddCall(job: Job): BullmqAddCall {
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
