import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { encodeJobId } from '../../shared/job-id.js';
import { hasEnded, receiptSchema, type Receipt } from '../../shared/receipt.js';
import { receiptUrl } from '../idempotency/accepted-response.js';
import { ProblemError } from '../problems.js';
import { parseIdempotencyKey } from '../idempotency/idempotency-key.js';
import type { CancelJob } from '../../bullmq/cancel-job.js';
import { LONG_POLL_SKIPPED } from '../long-poll-slots.js';
import type { ReceiptReader } from '../receipt-reader.js';
import type { RedisGuard } from '../redis-guard.js';
import type { RetryJob } from '../../bullmq/retry-job.js';
import { problemResponses } from './problem-responses.js';

const MAX_WAIT_SECONDS = 30;

export const receiptsRoutes: FastifyPluginAsyncZod<{
  receipts: ReceiptReader;
  cancelJob: CancelJob;
  retryJob: RetryJob;
  redis: RedisGuard;
}> = async (app, { receipts, cancelJob, retryJob, redis }) => {
  app.get(
    '/v1/receipts/:key',
    {
      schema: {
        operationId: 'getReceipt',
        summary: 'Read a job receipt: its state while it runs, its result once it has ended',
        params: z.object({ key: z.string().meta({ description: 'The Idempotency-Key, URL-encoded.' }) }),
        querystring: z.object({
          wait: z.coerce
            .number()
            .min(0)
            .max(MAX_WAIT_SECONDS)
            .default(0)
            .meta({ description: 'Long-poll: answer as soon as the job ends, or after this many seconds.' }),
        }),
        response: { 200: receiptSchema, 202: receiptSchema, ...problemResponses(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const key = keyFromPath(request.params.key);
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort()); // the client went away
      const jobId = encodeJobId(request.tenant, key);
      const { receipt, skipped } = await receipts.readForLongPoll(jobId, request.tenant, request.query.wait * 1000, gone.signal);
      if (skipped !== null) reply.header(LONG_POLL_SKIPPED, skipped);
      return sendReceipt(reply, receipt, key);
    },
  );

  app.delete(
    '/v1/receipts/:key',
    {
      schema: {
        operationId: 'cancelJob',
        summary: 'Cancel a job: a queued one at once, a running one through its abort signal',
        params: z.object({ key: z.string().meta({ description: 'The Idempotency-Key, URL-encoded.' }) }),
        response: { 200: receiptSchema, 202: receiptSchema, ...problemResponses(400, 401, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const key = keyFromPath(request.params.key);
      const jobId = encodeJobId(request.tenant, key);
      const outcome = await redis.run(() => cancelJob(jobId));
      request.log.info({ jobId, tenant: request.tenant, outcome }, 'cancel');
      if (outcome === 'ended') {
        throw new ProblemError('job-ended', `The job with key "${key}" has already ended; there is nothing to cancel.`);
      }
      // 200 once canceled; 202 (running, abort signalled) until its handler stops.
      return sendReceipt(reply, outcome === 'not-found' ? null : await receipts.read(jobId), key);
    },
  );

  app.post(
    '/v1/receipts/:key/retry',
    {
      schema: {
        operationId: 'retryJob',
        summary: 'Retry a failed job: the same key and job, back in line with a fresh set of attempts',
        description:
          'Only a job that ended `failed` is put back (its payload, fingerprint and finished steps kept; `attempts` on the receipt goes on counting). ' +
          'Repeating the call while the job is queued or running changes nothing and answers the same 202. ' +
          'A succeeded or canceled job answers 409 `job-not-failed`: a canceled job never runs again.',
        params: z.object({ key: z.string().meta({ description: 'The Idempotency-Key, URL-encoded.' }) }),
        response: { 202: receiptSchema, ...problemResponses(400, 401, 404, 409, 503) },
      },
    },
    async (request, reply) => {
      const key = keyFromPath(request.params.key);
      const jobId = encodeJobId(request.tenant, key);
      const outcome = await redis.run(() => retryJob(jobId));
      request.log.info({ jobId, tenant: request.tenant, outcome }, 'retry');
      if (outcome === 'succeeded' || outcome === 'canceled') {
        const why = outcome === 'succeeded' ? 'succeeded' : 'was canceled, and a canceled job never runs again';
        throw new ProblemError('job-not-failed', `The job with key "${key}" ${why}; only a failed job can be retried.`);
      }
      const receipt = outcome === 'not-found' ? null : await receipts.read(jobId);
      if (receipt === null) throw new ProblemError('not-found', `No job with key "${key}" for this tenant.`);
      // 202 whatever the receipt says by now: the job is in line (or was already), as after a submission.
      return reply.code(202).header('location', receiptUrl(key)).header('retry-after', '1').send(receipt);
    },
  );
};

/** The key in a receipt path: the raw key, URL-decoded (no quoted form here). */
export function keyFromPath(raw: string): string {
  const key = parseIdempotencyKey(raw);
  if (key === null || key !== raw) {
    throw new ProblemError('invalid-idempotency-key', 'The key in the path must be 1 to 255 visible ASCII characters.');
  }
  return key;
}

/** 200 once ended, 202 + Retry-After while not, 404 when the tenant has no such key. */
export function sendReceipt(reply: FastifyReply, receipt: Receipt | null, key: string) {
  if (receipt === null) throw new ProblemError('not-found', `No job with key "${key}" for this tenant.`);
  if (hasEnded(receipt.status)) return reply.code(200).send(receipt);
  return reply.code(202).header('retry-after', '1').send(receipt);
}
