import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';

/**
 * `job_intake_submissions_total{outcome, reason}` for POST /v1/jobs, told from
 * the response alone (the intake handler stays as it is):
 * - 202, or 200 (a new job that ended within `Prefer: wait`) → `accepted`, or
 *   `replayed` when it carries `Idempotent-Replayed`;
 * - problem `idempotency-key-reused` → `mismatched`;
 * - any other problem → `refused`, `reason` = its slug (a fixed catalogue).
 */
export function createIntakeOutcomes(registry: Registry) {
  const counter = new Counter({
    name: 'job_intake_submissions_total',
    help: 'POST /v1/jobs answers by outcome (accepted, replayed, mismatched, refused) and, when refused, the problem slug.',
    labelNames: ['outcome', 'reason'],
    registers: [registry],
  });
  // Start every outcome at 0, so rate() and alerts work before the first event.
  for (const outcome of ['accepted', 'replayed', 'mismatched']) counter.inc({ outcome }, 0);

  return function countIntake(request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode < 300) {
      counter.inc({ outcome: reply.getHeader('idempotent-replayed') === 'true' ? 'replayed' : 'accepted' });
      return;
    }
    const slug = request.problemSlug ?? `http-${reply.statusCode}`;
    if (slug === 'idempotency-key-reused') counter.inc({ outcome: 'mismatched' });
    else counter.inc({ outcome: 'refused', reason: slug });
  };
}
