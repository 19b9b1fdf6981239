import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobTypeRegistry } from '../../worker/handlers/job-type.js';
import { encodeJobId } from '../../shared/job-id.js';
import type { Admission } from '../admission/admission.js';
import { ProblemError } from '../errors.js';
import { acceptedBody, acceptedSchema } from '../idempotency/accepted-response.js';
import type { EnqueueOnce } from '../idempotency/enqueue-once.js';
import { requestFingerprint } from '../idempotency/fingerprint.js';
import { idempotencyKeyHeaderSchema } from '../idempotency/idempotency-key.js';
import type { RedisGuard } from '../redis-guard.js';
import { problemResponses } from './problem-responses.js';

/** `{ type, payload }` where the payload schema is the one of that type. */
export function submissionSchema(registry: JobTypeRegistry) {
  const variants = [...registry.values()].map((jobType) =>
    z
      .strictObject({ type: z.literal(jobType.type), payload: jobType.payloadSchema })
      .meta({ title: jobType.type, description: jobType.description }),
  );
  const knownTypes = [...registry.keys()].map((type) => JSON.stringify(type)).join(', ');
  return z.discriminatedUnion('type', variants as [(typeof variants)[0], ...typeof variants], {
    error: (issue) =>
      issue.code === 'invalid_union' ? `unknown job type; expected one of ${knownTypes}` : undefined,
  });
}

export const jobsRoutes: FastifyPluginAsyncZod<{
  registry: JobTypeRegistry;
  enqueueOnce: EnqueueOnce;
  redis: RedisGuard;
  admission: Admission;
}> = async (app, { registry, enqueueOnce, redis, admission }) => {
  app.post(
    '/v1/jobs',
    {
      schema: {
        summary: 'Submit a job, once per Idempotency-Key',
        headers: z.looseObject({ 'idempotency-key': idempotencyKeyHeaderSchema }),
        body: submissionSchema(registry),
        response: { 202: acceptedSchema, ...problemResponses(400, 401, 413, 415, 422, 429, 503) },
      },
      // Read the key before the body: a bad key is the first thing to report.
      preValidation: async (request) => {
        const parsed = idempotencyKeyHeaderSchema.safeParse(request.headers['idempotency-key']);
        if (!parsed.success) {
          throw new ProblemError('invalid-idempotency-key', `The Idempotency-Key header ${parsed.error.issues[0]!.message}.`);
        }
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      const { type, payload } = request.body;
      const { tenant } = request;
      const jobId = encodeJobId(tenant, key);
      const fingerprint = requestFingerprint(type, payload);
      const outcome = await redis.run(async () => {
        await admission.admit(tenant, jobId);
        const result = await enqueueOnce({ jobId, type, payload, fingerprint });
        if (result.kind === 'created') await admission.created(tenant);
        return result;
      });
      request.log.info({ jobId, tenant, outcome: outcome.kind }, 'job intake');

      if (outcome.kind === 'mismatch') {
        throw new ProblemError(
          'idempotency-key-reused',
          `Idempotency-Key "${key}" was already used for a different request (type or payload differ). Use a new key for a new request.`,
        );
      }
      const body = acceptedBody({ ...outcome.stored, key, type });
      if (outcome.kind === 'replayed') reply.header('idempotent-replayed', 'true');
      return reply
        .code(202)
        .header('location', body.receiptUrl)
        .header('retry-after', '1')
        .type('application/json; charset=utf-8')
        .send(body.json as never); // pre-serialised: replays must be the same bytes
    },
  );
};
