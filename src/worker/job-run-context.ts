import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { CANCELED_REASON } from '../shared/cancellation.js';
import type { JobContext } from '../jobs/job-type.js';
import { createRunSteps, type RunStepsDeps } from './run-steps.js';

/** Why a run was stopped from outside its handler: a cancel, or its time limit (a TimeoutError). */
export type StopReason = typeof CANCELED_REASON | DOMException;

/**
 * The context one run's handler gets. Its child logger and AbortSignal are made
 * when first read: most handlers of short jobs use neither (docs/performance.md).
 * `progress` and `step` are bound, so a handler may take them off the context
 * (`async (payload, { step }) => ...`); `log` and `signal` are getters: read
 * them from the context itself.
 */
export class JobRunContext implements JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** The BullMQ job of this run, for the worker's own bookkeeping (handlers are typed to JobContext). */
  readonly job: Job;
  readonly #logger: Logger;
  readonly #logFields: object;
  #log: Logger | undefined;
  #controller: AbortController | undefined;
  #stopped: StopReason | undefined;
  #rejectStopped!: (reason: StopReason) => void;
  /** Rejects with the reason when the run is stopped: the runner races the handler against it. */
  readonly whenStopped = new Promise<never>((_, reject) => {
    this.#rejectStopped = reject;
  });
  readonly step: JobContext['step'];

  constructor(job: Job, logger: Logger, logFields: object, steps: Pick<RunStepsDeps, 'store' | 'maxBytes'>) {
    this.whenStopped.catch(() => {}); // a stop before the race begins is read from `stopped`
    this.jobId = job.id ?? '';
    this.attempt = job.attemptsStarted;
    this.job = job;
    this.#logger = logger;
    this.#logFields = logFields;
    this.step = createRunSteps({ ...steps, job, log: () => this.log, stopped: () => this.#stopped });
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

  readonly progress = (percent: number): Promise<void> => this.job.updateProgress(percent);

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
