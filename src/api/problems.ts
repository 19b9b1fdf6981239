/**
 * The catalogue of every problem the API answers with (RFC 9457), and the error
 * that carries one: the one place a status, title or type is written. Each has
 * a stable slug; its `type` URI is `/problems/<slug>`, which the API also
 * serves as docs.
 */
export const problemCatalogue = {
  'invalid-idempotency-key': {
    status: 400,
    title: 'Invalid Idempotency-Key',
    description: 'The Idempotency-Key header is missing, empty, longer than 255 characters, or holds characters other than visible ASCII.',
  },
  'validation-failed': {
    status: 400,
    title: 'Request validation failed',
    description: 'The body, a header or a parameter does not match the schema, or the body holds JSON that would not survive parsing intact (nested deeper than MAX_JSON_DEPTH, a number a 64-bit float cannot keep exactly, a member name given twice); `errors` lists each problem with its location.',
  },
  'malformed-json': {
    status: 400,
    title: 'Malformed JSON body',
    description: 'The body is not valid JSON, is empty where JSON was declared, or has a `__proto__` key (or `constructor.prototype`).',
  },
  'callback-url-not-allowed': {
    status: 400,
    title: 'Callback URL not allowed',
    description: 'The callback URL is not http(s), holds credentials, does not resolve, or names (or resolves to) an address the service does not contact: loopback, private, link-local (cloud metadata included), unique-local, carrier-grade NAT, multicast, unspecified or other special-purpose ranges, unless its operator listed the host in OUTBOUND_ALLOW_HOSTS. Nothing was created.',
  },
  'callbacks-not-configured': {
    status: 400,
    title: 'Callbacks not configured',
    description: 'The submission asks for a callback, but the service has no webhook secret for this tenant (WEBHOOK_SECRET or WEBHOOK_SECRETS) to sign it with. Nothing was created.',
  },
  'bad-request': {
    status: 400,
    title: 'Bad request',
    description: 'The HTTP request could not be read.',
  },
  'header-fields-too-large': {
    status: 431,
    title: 'Request header fields too large',
    description: "The request's header fields are larger than the HTTP server reads; the connection is closed. Nothing was changed.",
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    description: 'Send `Authorization: Bearer <token>` with a token from API_KEYS.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    description:
      'The dashboard does not offer this action: it would bypass the intake (adding a job, editing its data, delay or priority, retrying a canceled job, or retrying every failed job at once, canceled ones included) or erase idempotency records (obliterate, empty).',
  },
  'not-found': {
    status: 404,
    title: 'Not found',
    description: 'No such resource for this tenant.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method not allowed',
    description: 'The resource exists but does not accept this method.',
  },
  'request-timeout': {
    status: 408,
    title: 'Request timeout',
    description: 'The request (headers and body) did not arrive whole within REQUEST_TIMEOUT_MS; the connection is closed. Nothing was changed.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Payload too large',
    description: 'The body is larger than MAX_BODY_BYTES.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported media type',
    description: 'Send the body as `Content-Type: application/json`.',
  },
  'job-ended': {
    status: 409,
    title: 'Job already ended',
    description: 'The job has already succeeded or failed, so it cannot be canceled.',
  },
  'job-not-failed': {
    status: 409,
    title: 'Job not failed',
    description:
      'Only a job that ended failed (its attempts spent) can be retried by key. This one succeeded, or was canceled: a canceled job never runs again. A job still queued or running needs no retry (that call answers 202 and changes nothing).',
  },
  'idempotency-key-reused': {
    status: 422,
    title: 'Idempotency-Key reused for a different request',
    description: 'This key was already used with a different job type or payload. Use a new key for a new request.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too many requests',
    description: 'This tenant sent more than RATE_LIMIT_PER_MINUTE requests in the current minute. Retry after `Retry-After` seconds.',
  },
  'quota-exceeded': {
    status: 429,
    title: 'Job quota exceeded',
    description: 'This tenant created TENANT_JOBS_PER_HOUR jobs in the current hour. Replays of existing keys are still answered.',
  },
  'too-many-login-attempts': {
    status: 429,
    title: 'Too many wrong admin tokens',
    description: 'Too many wrong admin tokens came from this address, or from all addresses together, in 15 minutes: the dashboard checks no token until `Retry-After` seconds have passed. Sessions already signed in keep working.',
  },
  'queue-full': {
    status: 503,
    title: 'Queue full',
    description: 'More than MAX_QUEUE_DEPTH jobs are waiting. Nothing was changed; retry after `Retry-After` seconds. Replays of existing keys are still answered.',
  },
  'redis-unavailable': {
    status: 503,
    title: 'Service unavailable',
    description: 'The job store (Redis) cannot be reached right now; retry after `Retry-After` seconds (a submission with the same Idempotency-Key). A submission answered with this problem created no job.',
  },
  'outcome-unknown': {
    status: 503,
    title: 'Submission outcome unknown',
    description: 'The enqueue was sent to the job store (Redis), which did not answer in time: the job may have been accepted. Retry after `Retry-After` seconds with the same Idempotency-Key and body: you get the 202 of the job (replayed) if it was created, or it is created now.',
  },
  'shutting-down': {
    status: 503,
    title: 'Shutting down',
    description: 'This API process is stopping; retry, and another process will answer.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal server error',
    description: 'An unexpected error; it has been logged. Retrying with the same Idempotency-Key is safe.',
  },
} as const satisfies Record<string, { status: number; title: string; description: string }>;

export type ProblemSlug = keyof typeof problemCatalogue;

export function problemTypeUri(slug: ProblemSlug): string {
  return `/problems/${slug}`;
}

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
