import type { Queue } from 'bullmq';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { encodeJobId } from '../../shared/job-id.js';
import { hasEnded, receiptSchema, toReceipt, type Receipt } from '../../shared/receipt.js';
import { ProblemError } from '../errors.js';
import { parseIdempotencyKey } from '../idempotency/idempotency-key.js';
import type { JobEndWaiter } from '../job-end-waiter.js';
import type { RedisGuard } from '../redis-guard.js';
import { problemResponses } from './problem-responses.js';

const MAX_WAIT_SECONDS = 30;

export const receiptsRoutes: FastifyPluginAsyncZod<{
  queue: Queue;
  redis: RedisGuard;
  jobEnds: JobEndWaiter;
}> = async (app, { queue, redis, jobEnds }) => {
  async function readReceipt(jobId: string): Promise<Receipt | null> {
    return redis.run(async () => {
      // State first, then the hash: states only move forward, so a hash read after
      // an ended state already holds the result or error (the reverse order could
      // pair "failed" with a hash read before the failure was written).
      const state = await queue.getJobState(jobId);
      const job = await queue.getJob(jobId);
      return job === undefined ? null : toReceipt(job, state);
    });
  }

  app.get(
    '/v1/receipts/:key',
    {
      schema: {
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
      const key = parseIdempotencyKey(request.params.key);
      if (key === null || key !== request.params.key) {
        throw new ProblemError('invalid-idempotency-key', 'The key in the path must be 1 to 255 visible ASCII characters.');
      }
      const jobId = encodeJobId(request.tenant, key);
      const deadline = Date.now() + request.query.wait * 1000;
      const gone = new AbortController();
      reply.raw.once('close', () => gone.abort()); // the client went away

      let receipt: Receipt | null;
      for (;;) {
        const longPoll = deadline > Date.now() && !gone.signal.aborted && !jobEnds.stopped;
        // Listen before reading, so an end between the read and the wait is not missed.
        const waiting = longPoll ? jobEnds.wait(jobId, deadline - Date.now(), gone.signal) : null;
        try {
          receipt = await readReceipt(jobId);
          if (waiting === null || receipt === null || hasEnded(receipt.status)) break;
          await waiting.ended;
        } finally {
          waiting?.cancel();
        }
      }

      if (receipt === null) throw new ProblemError('not-found', `No job with key "${key}" for this tenant.`);
      if (hasEnded(receipt.status)) return reply.code(200).send(receipt);
      return reply.code(202).header('retry-after', '1').send(receipt);
    },
  );
};
