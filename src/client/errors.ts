import type { ProblemDetails } from './problem-details.js';
import type { JobReceipt } from './receipts.js';

/** Every error the client throws on purpose (the caller's own abort excepted). */
export class JobIntakeError extends Error {
  override name = 'JobIntakeError';
}

/**
 * The service refused the request with a 4xx that sending it again cannot fix;
 * the client did not retry. `problem` is the service's RFC 9457 body.
 */
export class RequestRefusedError extends JobIntakeError {
  override name = 'RequestRefusedError';
  readonly status: number;
  readonly requestId: string | undefined;

  constructor(readonly problem: ProblemDetails) {
    super(`${problem.status} ${problem.title}${problem.detail === undefined ? '' : `: ${problem.detail}`}`);
    this.status = problem.status;
    this.requestId = problem.requestId;
  }
}

/** 400: the key, the JSON, the job type or the payload is invalid; `problem.errors` says where. */
export class ValidationError extends RequestRefusedError {
  override name = 'ValidationError';
}

/** 401: the token is missing or not valid. */
export class AuthenticationError extends RequestRefusedError {
  override name = 'AuthenticationError';
}

/** 404: no job with this key for this tenant (or no such route on this service). */
export class NotFoundError extends RequestRefusedError {
  override name = 'NotFoundError';
}

/** 422: the key was already used for a different request. Use a new key for a new request. */
export class IdempotencyKeyReusedError extends RequestRefusedError {
  override name = 'IdempotencyKeyReusedError';
}

/** The refusal for a problem the client will not retry, as its most specific class. */
export function refusedError(problem: ProblemDetails): RequestRefusedError {
  switch (problem.status) {
    case 400:
      return new ValidationError(problem);
    case 401:
      return new AuthenticationError(problem);
    case 404:
      return new NotFoundError(problem);
    case 422:
      return new IdempotencyKeyReusedError(problem);
    default:
      return new RequestRefusedError(problem);
  }
}

/**
 * The service could not be reached, or kept answering 429/5xx, until the retry
 * budget ran out. Safe to try again later with the same key: `key` says which.
 */
export class ServiceUnavailableError extends JobIntakeError {
  override name = 'ServiceUnavailableError';

  constructor(
    message: string,
    readonly details: {
      readonly attempts: number;
      /** The last answer's problem body, when the last attempt got an HTTP answer. */
      readonly problem?: ProblemDetails;
      /** The Idempotency-Key that was sent, for a submission. */
      readonly key?: string;
      readonly cause?: unknown;
    },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get status(): number | undefined {
    return this.details.problem?.status;
  }
}

/** `wait` ran out of time before the job ended; `receipt` is the last one read. */
export class JobTimeoutError extends JobIntakeError {
  override name = 'JobTimeoutError';

  constructor(
    readonly key: string,
    /** Undefined when no read finished before the deadline. */
    readonly receipt: JobReceipt | undefined,
    readonly timeoutMs: number,
  ) {
    super(`job ${key} had not ended after ${timeoutMs} ms${receipt === undefined ? '' : ` (last status: ${receipt.status})`}`);
  }
}

/**
 * `run` saw the job end other than succeeded: `failed` (its attempts spent;
 * `receipt.error` says why) or `canceled`.
 */
export class JobFailedError extends JobIntakeError {
  override name = 'JobFailedError';

  constructor(readonly receipt: JobReceipt) {
    super(`job ${receipt.key} ended ${receipt.status}${receipt.error === undefined ? '' : `: ${receipt.error.message}`}`);
  }
}
