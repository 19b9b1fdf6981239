import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { CANCELED_REASON } from '../shared/cancellation.js';
import type { JobContext } from '../jobs/job-type.js';
import { createRunSteps, type RunStepsDeps } from './run-steps.js';

/**
 * The context one run's handler gets. Its signal fires when the run is stopped
 * from outside the handler: a cancel (BullMQ's signal for the run, which
 * `Worker.cancelJob` aborts with CANCELED_REASON) or the run's time limit (a
 * TimeoutError). `progress` and `step` are bound, so a handler may take them
 * off the context (`async (payload, { step }) => ...`); `log` is a getter: read
 * it from the context itself.
 */
export class JobRunContext implements JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** The BullMQ job of this run, for the worker's own bookkeeping (handlers are typed to JobContext). */
  readonly job: Job;
  readonly signal: AbortSignal;
  /** Rejects with the reason when the run is stopped: the runner races the handler against it. */
  readonly whenStopped: Promise<never>;
  readonly step: JobContext['step'];
  /** The runner's own stops: the time limit, and a cancel found before the handler began. */
  readonly #stops = new AbortController();
  readonly #logger: Logger;
  readonly #logFields: object;
  #log: Logger | undefined;

  constructor(job: Job, bullmqSignal: AbortSignal, logger: Logger, logFields: object, steps: Pick<RunStepsDeps, 'store' | 'maxBytes'>) {
    this.jobId = job.id ?? '';
    this.attempt = job.attemptsStarted;
    this.job = job;
    this.signal = AbortSignal.any([bullmqSignal, this.#stops.signal]); // the first reason wins
    this.whenStopped = new Promise<never>((_, reject) => {
      if (this.signal.aborted) reject(this.signal.reason);
      else this.signal.addEventListener('abort', () => reject(this.signal.reason), { once: true });
    });
    this.whenStopped.catch(() => {}); // a stop before the race begins is read from `stopped`
    this.#logger = logger;
    this.#logFields = logFields;
    this.step = createRunSteps({ ...steps, job, log: () => this.log, stopped: () => this.stopped });
  }

  get log(): Logger {
    return (this.#log ??= this.#logger.child(this.#logFields));
  }

  readonly progress = (percent: number): Promise<void> => this.job.updateProgress(percent);

  /** Why the run was stopped (CANCELED_REASON, or a TimeoutError), if it was. */
  get stopped(): unknown {
    return this.signal.aborted ? (this.signal.reason as unknown) : undefined;
  }

  /** Fires the signal and `whenStopped`, unless the run was stopped before: the first reason wins. */
  stop(reason: typeof CANCELED_REASON | DOMException): void {
    this.#stops.abort(reason);
  }
}
