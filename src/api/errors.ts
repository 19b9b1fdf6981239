import { problemCatalogue, problemTypeUri, type ProblemSlug } from './problems.js';

export interface FieldProblem {
  /** Where the problem is: `body`, `header`, `params` or `query`. */
  readonly in: string;
  /** JSON Pointer (RFC 6901) into that location, e.g. `/payload/ms`. */
  readonly pointer: string;
  readonly detail: string;
}

/** An error that the API answers as problem+json with its catalogue status. */
export class ProblemError extends Error {
  readonly status: number;
  readonly title: string;
  readonly type: string;

  constructor(
    readonly slug: ProblemSlug,
    readonly detail: string,
    readonly extra: {
      errors?: readonly FieldProblem[];
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {},
  ) {
    super(detail, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'ProblemError';
    const entry = problemCatalogue[slug];
    this.status = entry.status;
    this.title = entry.title;
    this.type = problemTypeUri(slug);
  }
}

/**
 * Redis cannot be reached or did not answer. Says nothing about what changed: a
 * submission says more (see noJobCreated and outcomeUnknown).
 */
export function redisUnavailable(cause: unknown, retryAfterSeconds = 1): ProblemError {
  return new ProblemError('redis-unavailable', 'The job store cannot be reached right now; retry after Retry-After seconds.', {
    retryAfterSeconds,
    cause,
  });
}

/** A submission refused before its enqueue script was sent (or refused by Redis unrun): no job exists. */
export function noJobCreated(cause: unknown): ProblemError {
  return new ProblemError(
    'redis-unavailable',
    'The job store cannot be reached; no job was created. Retry with the same Idempotency-Key.',
    { retryAfterSeconds: 1, cause },
  );
}

/**
 * A submission whose enqueue script was sent but not answered (deadline, lost
 * connection): it may have run, and may run still. Only a retry can tell.
 */
export function outcomeUnknown(cause: unknown): ProblemError {
  return new ProblemError(
    'outcome-unknown',
    'The job store did not answer in time; the job may have been accepted. Retry with the same Idempotency-Key and body: you get its 202 if it was created, or it is created now.',
    { retryAfterSeconds: 1, cause },
  );
}
