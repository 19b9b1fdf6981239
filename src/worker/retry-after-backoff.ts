import type { BackoffStrategy } from 'bullmq';
import { HTTP_BACKOFF_TYPES } from '../shared/job-options.js';

/**
 * The longest Retry-After honoured: an endpoint asking for more is tried again
 * after an hour (the longest backoff a job type may set), so one answer cannot
 * park a job for days.
 */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** An attempt that failed for a reason worth trying again, no sooner than `retryAfterMs` when it is set. */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';

  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The Worker's `settings.backoffStrategy`. BullMQ calls it only for job
 * options with a backoff type of its own (HTTP job types': job-options.ts),
 * with the error the attempt threw: the delay is the job's exponential or fixed
 * backoff, or the endpoint's Retry-After (up to MAX_RETRY_AFTER_MS) when that
 * is longer.
 */
export const retryAfterBackoff: BackoffStrategy = (attemptsMade, type, err, job) => {
  const backoff = job?.opts.backoff;
  const delayMs = typeof backoff === 'object' ? (backoff.delay ?? 0) : 0;
  let scheduledMs: number;
  if (type === HTTP_BACKOFF_TYPES.exponential) scheduledMs = Math.round(2 ** (attemptsMade - 1) * delayMs);
  else if (type === HTTP_BACKOFF_TYPES.fixed) scheduledMs = delayMs;
  else throw new Error(`unknown backoff type "${type}"`); // as BullMQ answers a type it does not know
  const retryAfterMs = err instanceof RetryLaterError ? Math.min(err.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS) : 0;
  return Math.max(scheduledMs, retryAfterMs);
};
