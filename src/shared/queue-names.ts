import type { JobsOptions } from 'bullmq';

/** The one BullMQ queue that carries every job type (the job's name is its type). */
export const JOBS_QUEUE = 'jobs';

/**
 * Options stored with every job. Retention is by age, never by count and never
 * `removeOnComplete: true`: the job *is* the idempotency record, so removing it
 * frees its key. A finished job stays `ttlSeconds` after it ends, then BullMQ
 * removes it (lazily) and the key may be used afresh.
 */
export function jobOptions(config: {
  JOB_ATTEMPTS: number;
  JOB_BACKOFF_MS: number;
  IDEMPOTENCY_TTL_SECONDS: number;
}): JobsOptions {
  return Object.freeze({
    attempts: config.JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS },
    removeOnComplete: { age: config.IDEMPOTENCY_TTL_SECONDS },
    removeOnFail: { age: config.IDEMPOTENCY_TTL_SECONDS },
  });
}
