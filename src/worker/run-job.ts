import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import { z } from 'zod';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { tenantOfJobId } from '../shared/job-id.js';
import type { JobTypeRegistry } from './handlers/job-type.js';

export interface RunJobLimits {
  /** Default time limit per run (0 = none); a job type may set its own. */
  readonly timeoutMs: number;
  readonly maxResultBytes: number;
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

/** Rejects when `signal` fires, so a handler that ignores its signal is still cut off. */
function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * BullMQ's processor: finds the job's handler, validates the payload with the
 * same schema the API used, runs it under a time limit, and returns a result
 * that is known to be storable.
 */
export function createJobRunner(deps: {
  registry: JobTypeRegistry;
  limits: RunJobLimits;
  logger: Logger;
  /** True when a cancel for the job came before this run began. */
  canceledBeforeStart?: (job: Job) => Promise<boolean>;
}) {
  return async function runJob(job: Job, _token?: string, cancel?: AbortSignal): Promise<unknown> {
    // jobId and tenant tie these lines to the API's `request completed` line that accepted the job.
    const log = deps.logger.child({
      jobId: job.id,
      tenant: tenantOfJobId(job.id),
      type: job.name,
      attempt: job.attemptsStarted,
    });
    const jobType = deps.registry.get(job.name);
    if (jobType === undefined) throw new UnrecoverableError(`no handler for job type "${job.name}"`);
    const parsed = jobType.payloadSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid payload: ${z.prettifyError(parsed.error)}`);
    if (await deps.canceledBeforeStart?.(job)) throw new UnrecoverableError(CANCELED_REASON);

    const timeoutMs = jobType.timeoutMs ?? deps.limits.timeoutMs;
    const signals = [cancel, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    // AbortSignal.any() is costly per job; without a timeout there is only the cancel signal.
    const signal = signals.length === 1 ? signals[0]! : AbortSignal.any(signals);
    const started = Date.now();
    log.info('job started');
    try {
      const run = jobType.run(parsed.data, {
        jobId: job.id ?? '',
        attempt: job.attemptsStarted,
        log,
        signal,
        progress: (percent) => job.updateProgress(percent),
      });
      run.catch(() => {}); // its failure is reported through the race below
      const result = await Promise.race([run, whenAborted(signal)]);
      const stored = storableResult(result, deps.limits.maxResultBytes);
      log.info({ durationMs: Date.now() - started }, 'job succeeded');
      return stored;
    } catch (thrown) {
      if (signal.aborted && signal.reason === CANCELED_REASON) {
        log.info({ durationMs: Date.now() - started }, 'job canceled');
        throw new UnrecoverableError(CANCELED_REASON); // no retries for a canceled job
      }
      const err =
        signal.aborted && thrown === signal.reason && (thrown as Error).name === 'TimeoutError'
          ? new Error(`job timed out after ${timeoutMs} ms`)
          : asError(thrown);
      log.warn({ err, durationMs: Date.now() - started }, 'job attempt failed');
      throw err;
    }
  };
}
