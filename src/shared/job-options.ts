import type { JobsOptions, KeepJobs } from 'bullmq';
import type { JobType } from '../jobs/job-type.js';

/**
 * The backoff types of HTTP job types: BullMQ's exponential and fixed, made
 * custom so that BullMQ asks the worker's backoffStrategy (it never does for its
 * built-in types), which waits no less than the endpoint's Retry-After
 * (worker/retry-after-backoff.ts).
 */
export const HTTP_BACKOFF_TYPES = Object.freeze({ exponential: 'http-exponential', fixed: 'http-fixed' } as const);

/**
 * Options stored with every job (a type's own attempts and backoff, or
 * JOB_ATTEMPTS and JOB_BACKOFF_MS) (BullMQ keeps them, JSON, in the job hash).
 * Kept short on purpose: Redis stores a hash compactly (listpack) only while
 * every value is at most `hash-max-listpack-value` (64) bytes; one longer value
 * turns the whole hash into a hash table, about 3x the memory per job
 * (docs/performance.md). So no `jobId` (BullMQ takes the id from its own
 * argument) and no retention here: see `retention`.
 */
export function jobOptions(
  defaults: { JOB_ATTEMPTS: number; JOB_BACKOFF_MS: number },
  jobType?: Pick<JobType, 'attempts' | 'backoff' | 'http'>,
): JobsOptions {
  const backoff = jobType?.backoff ?? { type: 'exponential', delayMs: defaults.JOB_BACKOFF_MS };
  return Object.freeze({
    attempts: jobType?.attempts ?? defaults.JOB_ATTEMPTS,
    backoff: { type: jobType?.http === undefined ? backoff.type : HTTP_BACKOFF_TYPES[backoff.type], delay: backoff.delayMs },
  });
}

/**
 * How long finished jobs are kept, set on every worker: BullMQ applies a
 * worker's `removeOnComplete`/`removeOnFail` to each job that ends there
 * without options of its own. Retention is by age, never by count and never
 * `true`: the job *is* the idempotency record, so removing it frees its key. A
 * finished job stays IDEMPOTENCY_TTL_SECONDS after it ends, then BullMQ removes
 * it (lazily, when a later job ends) and the key may be used afresh.
 */
export function retention(config: { IDEMPOTENCY_TTL_SECONDS: number }): { removeOnComplete: KeepJobs; removeOnFail: KeepJobs } {
  return Object.freeze({
    removeOnComplete: { age: config.IDEMPOTENCY_TTL_SECONDS },
    removeOnFail: { age: config.IDEMPOTENCY_TTL_SECONDS },
  });
}
