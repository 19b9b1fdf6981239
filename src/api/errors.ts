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

export function redisUnavailable(cause: unknown, retryAfterSeconds = 1): ProblemError {
  return new ProblemError(
    'redis-unavailable',
    'The job store cannot be reached; nothing was changed. Retry with the same Idempotency-Key.',
    { retryAfterSeconds, cause },
  );
}
