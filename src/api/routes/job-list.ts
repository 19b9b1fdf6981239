import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobTypeRegistry } from '../../jobs/job-type.js';
import { receiptSchema, receiptStatusSchema } from '../../shared/receipt.js';
import { decodeCursor, encodeCursor } from '../job-list/list-cursor.js';
import type { ListJobs } from '../job-list/list-jobs.js';
import type { RedisGuard } from '../redis-guard.js';
import { problemResponses } from './problem-responses.js';

const MAX_LIMIT = 200;

const jobListSchema = z.object({
  items: z.array(receiptSchema.omit({ result: true })).meta({ description: 'Newest first: receipts without their results.' }),
  nextCursor: z
    .string()
    .optional()
    .meta({ description: 'There while more jobs may follow: pass it as `cursor` for the next page. A page may hold fewer than `limit` jobs, even none, and still have one.' }),
});

/** GET /v1/jobs: the caller's own jobs, newest first, filtered and paged (job-list/list-jobs.ts). */
export const jobListRoutes: FastifyPluginAsyncZod<{ registry: JobTypeRegistry; listJobs: ListJobs; redis: RedisGuard }> = async (
  app,
  { registry, listJobs, redis },
) => {
  const types = [...registry.keys()] as [string, ...string[]];
  app.get(
    '/v1/jobs',
    {
      schema: {
        operationId: 'listJobs',
        summary: "List the caller's jobs, newest first",
        description:
          "Only the caller's own jobs (its tenant's), newest first, each a receipt without its result. " +
          'Follow `nextCursor` for more: a page costs what the caller\'s own jobs cost, and may hold fewer than `limit` jobs while one is given.',
        // Strict: a misspelt filter is refused, not ignored (which would list every job).
        querystring: z.strictObject({
          status: receiptStatusSchema.optional().meta({ description: 'Only jobs in this state.' }),
          type: z.enum(types).optional().meta({ description: 'Only jobs of this type.' }),
          limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(50).meta({ description: `Jobs per page (1 to ${MAX_LIMIT}).` }),
          cursor: z.string().max(4096).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
        }),
        response: { 200: jobListSchema, ...problemResponses(400, 401, 503) },
      },
    },
    async (request) => {
      const { status, type, limit, cursor } = request.query;
      const after = cursor === undefined ? null : decodeCursor(cursor); // a bad cursor is a 400 before Redis is asked
      const { items, next } = await redis.run(() => listJobs(request.tenant, { status, type, limit, after }));
      return { items, ...(next === null ? {} : { nextCursor: encodeCursor(next) }) };
    },
  );
};
