import { z } from 'zod';
import { problemCatalogue } from '../problems.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ in: z.string(), pointer: z.string(), detail: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

/**
 * Declares problem+json answers for OpenAPI, under their own media type (RFC 9457
 * §3); the bodies come from the one error handler. Every route can answer 500.
 */
export function problemResponses(...statuses: number[]) {
  const all = [...new Set([...statuses, 500])];
  return Object.fromEntries(
    all.map((status) => [
      status,
      { description: describeStatus(status), content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } },
    ]),
  );
}

/** "Problem: invalid-idempotency-key, validation-failed, ..." for the slugs with this status. */
function describeStatus(status: number): string {
  const slugs = Object.entries(problemCatalogue)
    .filter(([, entry]) => entry.status === status)
    .map(([slug]) => slug);
  return `Problem (RFC 9457): ${slugs.join(', ') || 'see /problems'}`;
}
