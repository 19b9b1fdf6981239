import { createHash } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import type { AddressGuard } from '../outbound/address-guard.js';
import { postJson } from '../outbound/http-post.js';
import type { PostOutcome } from '../outbound/post-outcome.js';
import type { WebhookSecrets } from '../outbound/webhook-secrets.js';
import { signWebhook } from '../outbound/webhook-signature.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type HttpJobType, type JobContext } from '../jobs/job-type.js';
import { decodeJobId, tenantOfJobId } from '../shared/job-id.js';
import { RetryLaterError } from './retry-after-backoff.js';

/** The headers that tell the endpoint which job and which try a request is (README: HTTP job types). */
export const HTTP_JOB_HEADERS = Object.freeze({
  type: 'job-intake-type',
  key: 'job-intake-key',
  tenant: 'job-intake-tenant',
  attempt: 'job-intake-attempt',
} as const);

/**
 * `webhook-id` of a job's requests: the same on every try (Standard Webhooks: the
 * receiver's idempotency key), derived from the job id, which may be longer than
 * the 255 characters an id may have and may hold a `.`, which an id may not.
 */
export function webhookIdOfJob(jobId: string): string {
  return `job_${createHash('sha256').update(jobId).digest('base64url')}`;
}

/** What the runner of one HTTP job type's jobs needs. */
export interface HttpJobDeps {
  /** The outbound guard (OUTBOUND_ALLOW_HOSTS): refuses private addresses before connecting. */
  guard: AddressGuard;
  /** WEBHOOK_SECRET / WEBHOOK_SECRETS: the keys that sign each request, by the job's tenant. */
  secrets: WebhookSecrets;
  /** MAX_RESULT_BYTES: a longer answer fails the job unread past that. */
  maxResultBytes: number;
}

export type HttpJobRunner = (jobType: HttpJobType, payload: unknown, ctx: JobContext) => Promise<unknown>;

/**
 * Runs an HTTP job type's job: one POST of the payload to its endpoint, signed,
 * with the job id as Idempotency-Key (the same on every try, so the endpoint can
 * dedupe: delivery is at least once). A 2xx's JSON is the result; 408, 429, 5xx,
 * a timeout or a network error throws a RetryLaterError (retried with the job's
 * backoff, never sooner than Retry-After); anything else an UnrecoverableError
 * with the status and the start of the answer. The context's signal (cancel, the
 * job's time limit) aborts the request in flight.
 */
export function createHttpJobRunner(deps: HttpJobDeps): HttpJobRunner {
  return async (jobType, payload, ctx) => {
    const tenant = tenantOfJobId(ctx.jobId) ?? '';
    const secrets = deps.secrets.secretsFor(tenant);
    if (secrets.length === 0) {
      throw new UnrecoverableError(`no webhook secret signs requests for tenant "${tenant}": set WEBHOOK_SECRET, or list the tenant in WEBHOOK_SECRETS`);
    }
    const body = JSON.stringify(payload ?? null);
    const signature = signWebhook({ id: webhookIdOfJob(ctx.jobId), timestamp: Math.floor(Date.now() / 1000), body }, secrets);
    const outcome = await postJson(
      {
        url: jobType.http.url,
        body,
        headers: { 'idempotency-key': ctx.jobId, ...jobHeaders(jobType.type, ctx, tenant), ...signature },
        timeoutMs: jobType.http.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
        maxResponseBytes: deps.maxResultBytes,
        responseJson: 'required',
        signal: ctx.signal,
      },
      deps.guard,
    );
    if (outcome.kind === 'ok') return outcome.json;
    const message = `endpoint: ${outcome.reason}${answerStart(outcome)}`;
    if (outcome.kind === 'retry') throw new RetryLaterError(message, outcome.retryAfterMs);
    throw new UnrecoverableError(message);
  };
}

function jobHeaders(type: string, ctx: JobContext, tenant: string): Record<string, string> {
  const headers: Record<string, string> = { [HTTP_JOB_HEADERS.type]: type, [HTTP_JOB_HEADERS.attempt]: String(ctx.attempt) };
  if (tenant !== '') headers[HTTP_JOB_HEADERS.tenant] = tenant;
  try {
    headers[HTTP_JOB_HEADERS.key] = decodeJobId(ctx.jobId).key;
  } catch {
    // A job added behind the intake (not tenant~key) has no key to name: the Idempotency-Key still is its id.
  }
  return headers;
}

/** `; answer: <first bytes>` when the endpoint said anything, so the receipt shows why. */
function answerStart(outcome: Exclude<PostOutcome, { kind: 'ok' }>): string {
  const start = outcome.bodyStart?.trim() ?? '';
  return start === '' ? '' : `; answer: ${start}`;
}
