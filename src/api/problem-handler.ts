import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ProblemError, redisUnavailable, type FieldProblem } from './problems.js';
import type { ProblemSlug } from './problems.js';
import { MAX_PATH_PARAM_LENGTH } from './idempotency/idempotency-key.js';
import { isRedisOutage } from './redis-guard.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The problem this request was answered with, if any (for metrics); null otherwise. */
    problemSlug: ProblemSlug | null;
  }
}

/** Fastify's own errors, by code, mapped to our catalogue. */
const FASTIFY_CODES: Record<string, ProblemSlug> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-request',
};

function toProblem(err: FastifyError | Error): ProblemError {
  if (err instanceof ProblemError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const errors: FieldProblem[] = err.validation.map((issue) => ({
      in: err.validationContext ?? 'body',
      // RFC 6901: the whole document is "", not "/".
      pointer: issue.instancePath === '/' ? '' : issue.instancePath,
      detail: issue.message ?? 'is invalid',
    }));
    const summary = errors.map((e) => `${e.in}${e.pointer || ' (whole)'}: ${e.detail}`).join('; ');
    return new ProblemError('validation-failed', summary, { errors });
  }
  const code = (err as FastifyError).code;
  const slug = code === undefined ? undefined : FASTIFY_CODES[code];
  if (slug !== undefined) return new ProblemError(slug, err.message, { cause: err });
  if (isRedisOutage(err)) return redisUnavailable(err);
  const status = (err as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new ProblemError('bad-request', err.message, { cause: err });
  }
  return new ProblemError('internal-error', 'An unexpected error occurred; it has been logged.', { cause: err });
}

/** RFC 9457 body for a problem. */
export function problemBody(problem: ProblemError, request: FastifyRequest) {
  return {
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance: request.url,
    requestId: request.id,
    ...(problem.extra.errors === undefined ? {} : { errors: problem.extra.errors }),
  };
}

export function sendProblem(problem: ProblemError, request: FastifyRequest, reply: FastifyReply) {
  request.problemSlug = problem.slug;
  // On the request's one log line (request-logging.ts).
  request.logFields = { ...request.logFields, problem: problem.slug, detail: problem.detail };
  if (problem.extra.retryAfterSeconds !== undefined) {
    reply.header('retry-after', String(problem.extra.retryAfterSeconds));
  }
  // RFC 9110 §11.6.1: a 401 names the scheme it wants.
  if (problem.status === 401) reply.header('www-authenticate', 'Bearer realm="job-intake"');
  return reply
    .code(problem.status)
    .type('application/problem+json; charset=utf-8')
    .send(JSON.stringify(problemBody(problem, request)));
}

/** The one error handler: every failure leaves as application/problem+json. */
export function problemErrorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const problem = toProblem(err);
  // A 5xx also gets a line of its own, with the error.
  if (problem.status >= 500) request.log.error({ err: problem.slug === 'internal-error' ? err : problem }, problem.detail);
  return sendProblem(problem, request, reply);
}

/** What fastify's router says when it refuses a URL, put the way a client can act on it. */
const FRAMEWORK_DETAILS: Record<string, string> = {
  FST_ERR_BAD_URL: 'The URL path is not valid: each "%" must start a percent-encoded UTF-8 byte (%XX).',
  FST_ERR_MAX_PARAM_LENGTH: `A path segment is longer than ${MAX_PATH_PARAM_LENGTH} characters; no key is that long (1 to 255 characters, percent-encoded).`,
};

/**
 * fastify's `frameworkErrors`: the router's own refusals (a path that is not
 * valid percent-encoding, a path segment over maxParamLength), which come
 * before any route or hook, so the request id header is set here.
 */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  const detail = FRAMEWORK_DETAILS[err.code];
  void problemErrorHandler(detail === undefined ? err : new ProblemError('bad-request', detail, { cause: err }), request, reply);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(
    new ProblemError('not-found', `No route for ${request.method} ${request.url.split('?')[0]}`),
    request,
    reply,
  );
}

