import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { tenantOfJobId } from '../shared/job-id.js';
import type { JobType, JobTypeRegistry } from '../jobs/job-type.js';
import type { StepStore } from '../bullmq/job-hash.js';
import type { HttpJobRunner } from './http-job.js';
import { JobRunContext } from './job-run-context.js';

export interface RunJobLimits {
  /** Default time limit per run (0 = none); a job type may set its own. */
  readonly timeoutMs: number;
  readonly maxResultBytes: number;
  /** MAX_STEP_BYTES: the results of a job's durable steps, all together. */
  readonly maxStepBytes: number;
}

/** Anything a handler throws becomes an Error with a message a receipt can show. */
function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = String(thrown);
  }
  return new Error(`handler threw a non-Error value: ${text.slice(0, 500)}`);
}

/** The result as JSON, or an UnrecoverableError: retrying cannot make it storable. */
function storableResult(result: unknown, maxBytes: number): unknown {
  let json: string;
  try {
    json = JSON.stringify(result ?? null);
  } catch (err) {
    throw new UnrecoverableError(`handler returned a result that is not JSON: ${(err as Error).message}`);
  }
  const bytes = Buffer.byteLength(json);
  if (bytes > maxBytes) {
    throw new UnrecoverableError(`handler returned ${bytes} bytes of result; MAX_RESULT_BYTES is ${maxBytes}`);
  }
  return JSON.parse(json) as unknown;
}

/** The result as stored, checked against the type's resultSchema when it has one: a mismatch is a bug, not bad luck. */
function checkedResult(stored: unknown, jobType: JobType): unknown {
  if (jobType.resultSchema === undefined) return stored;
  const checked = jobType.resultSchema.safeParse(stored);
  if (!checked.success) {
    throw new UnrecoverableError(`handler returned a result that does not match its resultSchema: ${z.prettifyError(checked.error)}`);
  }
  return stored;
}

/**
 * The payload as its schema reads it, or an UnrecoverableError: no retry can fix
 * a payload, not even one the validator itself chokes on (a stack overflow on a
 * payload nested thousands deep that reached the queue by another way than the API).
 */
function parsePayload(jobType: JobType, data: unknown): unknown {
  let parsed;
  try {
    parsed = jobType.payloadSchema.safeParse(data);
  } catch (err) {
    throw new UnrecoverableError(`invalid payload: it could not be validated (${asError(err).message})`);
  }
  if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * BullMQ's processor: finds the job's handler, validates the payload with the
 * same schema the API used, runs it under a time limit, and returns a result
 * that is known to be storable. `cancel(jobId)` stops a run this process holds.
 *
 * Per-job costs are kept off the no-op path (docs/performance.md): the
 * processor takes one parameter, so BullMQ makes no AbortController per job;
 * the handler's signal and child logger are made only when it reads them; and
 * the run ends with one info line (`job started` is at debug).
 */
export function createJobRunner(deps: {
  registry: JobTypeRegistry;
  limits: RunJobLimits;
  logger: Logger;
  /** Where handlers' durable steps (`ctx.step`) are read and stored. */
  stepStore: StepStore;
  /** True when a cancel for the job came before this run began. */
  canceledBeforeStart?: (job: Job) => Promise<boolean>;
  /** Runs the jobs of HTTP job types (`http`, no `run`): POSTs them to their endpoints. */
  runHttp?: HttpJobRunner;
}) {
  const runningByJobId = new Map<string, JobRunContext>();

  async function runJob(job: Job): Promise<unknown> {
    const jobId = job.id ?? '';
    // jobId and tenant tie these lines to the API's `request completed` line that accepted the job.
    const fields = { jobId, tenant: tenantOfJobId(jobId), type: job.name, attempt: job.attemptsStarted };
    const jobType = deps.registry.get(job.name);
    if (jobType === undefined) throw new UnrecoverableError(`no handler for job type "${job.name}"`);
    // A stop (cancel or timeout) fires the handler's signal and ends the race
    // below, so a handler that ignores its signal is still cut off. Registered
    // before the early-cancel check, which may wait on Redis: a cancel that
    // arrives meanwhile must find the run.
    const context = new JobRunContext(job, deps.logger, fields, { store: deps.stepStore, maxBytes: deps.limits.maxStepBytes });
    runningByJobId.set(jobId, context);
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    try {
      const payload = parsePayload(jobType, job.data);
      if (await deps.canceledBeforeStart?.(job)) context.stop(CANCELED_REASON);
      if (context.stopped !== undefined) throw new Error('stopped before the handler began', { cause: context.stopped });
      const timeoutMs = jobType.timeoutMs ?? deps.limits.timeoutMs;
      if (timeoutMs > 0) timer = setTimeout(() => context.stop(new DOMException(`job timed out after ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
      deps.logger.debug(fields, 'job started');
      const run = startRun(jobType, payload, context);
      run.catch(() => {}); // its failure is reported through the race below
      const result = await Promise.race([run, context.whenStopped]);
      const stored = checkedResult(storableResult(result, deps.limits.maxResultBytes), jobType);
      deps.logger.info({ durationMs: Date.now() - started, ...fields }, 'job succeeded');
      return stored;
    } catch (thrown) {
      const stopped = context.stopped;
      if (stopped === CANCELED_REASON) {
        deps.logger.info({ durationMs: Date.now() - started, ...fields }, 'job canceled');
        throw new UnrecoverableError(CANCELED_REASON); // no retries for a canceled job
      }
      const err = stopped !== undefined && thrown === stopped ? new Error(stopped.message) : asError(thrown);
      deps.logger.warn({ err, durationMs: Date.now() - started, ...fields }, 'job attempt failed');
      throw err;
    } finally {
      clearTimeout(timer);
      if (runningByJobId.get(jobId) === context) runningByJobId.delete(jobId);
    }
  }

  /** The handler's run, or the endpoint's for an HTTP job type. */
  function startRun(jobType: JobType, payload: unknown, context: JobRunContext): Promise<unknown> {
    if (jobType.http === undefined) return jobType.run(payload, context);
    if (deps.runHttp === undefined) return Promise.reject(new UnrecoverableError(`job type "${jobType.type}" runs by HTTP; this runner has no HTTP client`));
    return deps.runHttp(jobType, payload, context);
  }

  return {
    /** The processor for BullMQ's Worker (one parameter: see above). */
    run: runJob,
    /** Stops the run of `jobId` if this process holds it; false when it does not. */
    cancel(jobId: string): boolean {
      const running = runningByJobId.get(jobId);
      running?.stop(CANCELED_REASON);
      return running !== undefined;
    },
    /** The jobs this process runs now (the cancel listener re-checks their cancel flags). */
    runningJobs: (): Job[] => [...runningByJobId.values()].map((context) => context.job),
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
