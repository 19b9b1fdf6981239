import { validatorCompiler, type FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { queueOf, type JobTypeRegistry } from '../../jobs/job-type.js';
import { callbackSchema } from '../../shared/callback.js';
import { encodeJobId } from '../../shared/job-id.js';
import { hasEnded, receiptSchema } from '../../shared/receipt.js';
import { preferredWaitSeconds } from '../prefer-wait.js';
import { LONG_POLL_SKIPPED } from '../long-poll-slots.js';
import type { ReceiptReader } from '../receipt-reader.js';
import type { Admission } from '../admission/admission.js';
import type { CallbackCheck } from '../callback-check.js';
import { ProblemError } from '../problems.js';
import { acceptedBody, acceptedSchema } from '../idempotency/accepted-response.js';
import type { EnqueueOnce } from '../idempotency/enqueue-once.js';
import { requestFingerprint } from '../idempotency/fingerprint.js';
import { idempotencyKeyHeaderSchema } from '../idempotency/idempotency-key.js';
import { createIntake } from '../idempotency/intake.js';
import type { ReplayCache } from '../idempotency/replay-cache.js';
import type { RedisGuard } from '../redis-guard.js';
import { problemResponses } from './problem-responses.js';

const MAX_DELAY_MS = 30 * 86_400_000;

export const submissionOptionsSchema = z
  .strictObject({
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional().meta({ description: 'Run no earlier than this many ms from now.' }),
    // BullMQ's range: 1 is the highest priority; jobs without one run before prioritized ones.
    priority: z.number().int().min(1).max(2_097_152).optional().meta({ description: '1 (highest) to 2097152.' }),
  })
  .meta({ description: 'Scheduling; part of the request fingerprint.' });

/** `{ type, payload, options?, callback? }` where the payload schema is the one of that type. */
export function submissionSchema(registry: JobTypeRegistry) {
  const variants = [...registry.values()].map((jobType) =>
    z
      .strictObject({
        type: z.literal(jobType.type),
        payload: jobType.payloadSchema,
        options: submissionOptionsSchema.optional(),
        callback: callbackSchema.optional(),
      })
      .meta({ title: jobType.type, description: jobType.description }),
  );
  const knownTypes = [...registry.keys()].map((type) => JSON.stringify(type)).join(', ');
  return z.discriminatedUnion('type', variants as [(typeof variants)[0], ...typeof variants], {
    error: (issue) =>
      issue.code === 'invalid_union' ? `unknown job type; expected one of ${knownTypes}` : undefined,
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The Idempotency-Key of a submission, parsed (RFC 8941 quotes removed). */
    idempotencyKey: string;
  }
}

export const jobsRoutes: FastifyPluginAsyncZod<{
  registry: JobTypeRegistry;
  enqueueOnce: EnqueueOnce;
  redis: RedisGuard;
  admission: Admission;
  receipts: ReceiptReader;
  /** Refuses a callback that cannot be signed or whose URL may not be contacted. */
  checkCallback: CallbackCheck;
  /** Answers retries of recently seen keys from memory; none means every request asks Redis. */
  replays?: ReplayCache;
}> = async (app, { registry, enqueueOnce, redis, admission, receipts, checkCallback, replays }) => {
  const intake = createIntake({ redis, admission, enqueueOnce, replays });
  app.decorateRequest('idempotencyKey', '');
  app.post(
    '/v1/jobs',
    {
      schema: {
        operationId: 'submitJob',
        summary: 'Submit a job, once per Idempotency-Key',
        headers: z.looseObject({
          'idempotency-key': idempotencyKeyHeaderSchema,
          prefer: z
            .string()
            .optional()
            .meta({ description: 'RFC 7240 `wait=N` (N ≤ 30): answer 200 with the final receipt if the job ends within N s.' }),
        }),
        body: submissionSchema(registry),
        response: { 200: receiptSchema, 202: acceptedSchema, ...problemResponses(400, 401, 413, 415, 422, 429, 503) },
      },
      // The key is read (once) before the body: a bad key is the first thing to report.
      preValidation: (request, _reply, done) => {
        const parsed = idempotencyKeyHeaderSchema.safeParse(request.headers['idempotency-key']);
        if (!parsed.success) {
          return done(new ProblemError('invalid-idempotency-key', `The Idempotency-Key header ${parsed.error.issues[0]!.message}.`));
        }
        request.idempotencyKey = parsed.data;
        done();
      },
      // The headers schema documents them; preValidation has read the key, and
      // preferredWaitSeconds reads Prefer leniently (RFC 7240: ignore what you don't understand).
      validatorCompiler: (route) =>
        route.httpPart === 'headers' ? () => true : validatorCompiler(route as unknown as Parameters<typeof validatorCompiler>[0]),
    },
    async (request, reply) => {
      const key = request.idempotencyKey;
      const { type, payload, options, callback } = request.body;
      const { tenant } = request;
      if (callback !== undefined) await checkCallback(tenant, callback); // before anything is created
      const jobId = encodeJobId(tenant, key);
      const fingerprint = requestFingerprint(type, payload, options, callback);
      const queue = queueOf(registry.get(type)!);
      const { outcome, fromCache } = await intake(tenant, { jobId, type, queue, payload, fingerprint, options, callback }, request.log);
      request.logFields = { jobId, outcome: outcome.kind, fromCache };

      if (outcome.kind === 'mismatch') {
        throw new ProblemError(
          'idempotency-key-reused',
          `Idempotency-Key "${key}" was already used for a different request (type, payload, options or callback differ). Use a new key for a new request.`,
        );
      }
      if (outcome.kind === 'replayed') {
        reply.header('idempotent-replayed', 'true'); // and the original 202, whatever Prefer says
      } else {
        const waitSeconds = preferredWaitSeconds(request.headers.prefer);
        if (waitSeconds > 0) {
          const gone = new AbortController();
          reply.raw.once('close', () => gone.abort());
          try {
            const { receipt, skipped } = await receipts.readForLongPoll(jobId, tenant, waitSeconds * 1000, gone.signal);
            // RFC 7240 §3: a preference the server did not honour gets no Preference-Applied.
            if (skipped === null) reply.header('preference-applied', `wait=${waitSeconds}`);
            else reply.header(LONG_POLL_SKIPPED, skipped);
            if (receipt !== null && hasEnded(receipt.status)) return reply.code(200).send(receipt);
          } catch (err) {
            // The job exists: its 202 is the answer we have. A 503 here would tell
            // the client nothing was created, and a corrected retry would get a 422.
            request.log.warn({ err, jobId }, 'Prefer: wait could not read the job; answering 202');
            reply.removeHeader('preference-applied');
          }
        }
      }
      const body = acceptedBody(outcome.stored, key, type);
      return reply
        .code(202)
        .header('location', body.receiptUrl)
        .header('retry-after', '1')
        .type('application/json; charset=utf-8')
        .send(body.json as never); // pre-serialised: replays must be the same bytes
    },
  );
};
