import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { CANCELED_REASON } from '../shared/cancellation.js';
import type { JobContext } from '../jobs/job-type.js';

/** Why a run was stopped from outside its handler: a cancel, or its time limit (a TimeoutError). */
export type StopReason = typeof CANCELED_REASON | DOMException;

/**
 * The context one run's handler gets. Its child logger and AbortSignal are made
 * on first read: most handlers of short jobs use neither, and each cost more
 * per job than BullMQ's own bookkeeping (docs/performance.md). The accessors
 * are shared functions, put on each instance so that a copy (`{ ...ctx }`)
 * keeps them; an object literal with getters, closures made per job, cost
 * more than the laziness saved.
 */
export class JobRunContext implements JobContext {
  readonly jobId: string;
  readonly attempt: number;
  #job: Job;
  #logger: Logger;
  #logFields: object;
  #log: Logger | undefined;
  #controller: AbortController | undefined;
  #stopped: StopReason | undefined;
  #rejectStopped!: (reason: StopReason) => void;
  /** Rejects with the reason when the run is stopped: the runner races the handler against it. */
  readonly whenStopped = new Promise<never>((_, reject) => {
    this.#rejectStopped = reject;
  });

  constructor(job: Job, logger: Logger, logFields: object) {
    this.whenStopped.catch(() => {}); // a stop before the race begins is read from `stopped`
    this.jobId = job.id ?? '';
    this.attempt = job.attemptsStarted;
    this.#job = job;
    this.#logger = logger;
    this.#logFields = logFields;
    // Own, enumerable accessors, so a handler's `{ ...ctx }` still carries them.
    Object.defineProperties(this, COPIED_ACCESSORS);
  }

  get log(): Logger {
    return (this.#log ??= this.#logger.child(this.#logFields));
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#stopped !== undefined) this.#controller.abort(this.#stopped);
    }
    return this.#controller.signal;
  }

  /** The BullMQ job of this run, for the worker's own bookkeeping (handlers are typed to JobContext). */
  get job(): Job {
    return this.#job;
  }

  /** Bound, so a handler may pass `ctx.progress` around. */
  readonly progress = (percent: number): Promise<void> => this.#job.updateProgress(percent);

  /** Why the run was stopped, if it was. */
  get stopped(): StopReason | undefined {
    return this.#stopped;
  }

  /** Fires the signal (now, or when it is first read) and `whenStopped`; the first reason wins. */
  stop(reason: StopReason): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = reason;
    this.#controller?.abort(reason);
    this.#rejectStopped(reason);
  }
}

/** `log` and `signal` as own properties of each context (see the constructor). */
const COPIED_ACCESSORS: PropertyDescriptorMap = Object.fromEntries(
  (['log', 'signal'] as const).map((name) => [name, { ...Object.getOwnPropertyDescriptor(JobRunContext.prototype, name), enumerable: true }]),
);
