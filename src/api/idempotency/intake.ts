import type { FastifyBaseLogger } from 'fastify';
import { ReplyError } from 'ioredis';
import type { Admission } from '../admission/admission.js';
import { noJobCreated, outcomeUnknown, ProblemError } from '../problems.js';
import type { RedisGuard } from '../redis-guard.js';
import type { EnqueueOnce, EnqueueOutcome, EnqueueRequest } from './enqueue-once.js';
import type { ReplayCache } from './replay-cache.js';

export interface IntakeResult {
  readonly outcome: EnqueueOutcome;
  /** Answered from the replay cache, without Redis. */
  readonly fromCache: boolean;
}

/**
 * A submission's step in Redis: admission, the one-script enqueue, the quota
 * charge; and, when it fails, only what is known about the job:
 * - the enqueue was never sent (or Redis refused it unrun): no job was created
 *   (`redis-unavailable`);
 * - it was sent and not answered (the deadline passed, the connection broke):
 *   it may have run, or may run still (`outcome-unknown`); a retry tells;
 * - it answered: the job exists, and its client gets the 202 whatever fails after.
 */
export function createIntake(deps: {
  redis: RedisGuard;
  admission: Admission;
  enqueueOnce: EnqueueOnce;
  /** Answers retries of recently seen keys from memory; none means every request asks Redis. */
  replays?: ReplayCache;
}) {
  const { redis, admission, enqueueOnce, replays } = deps;

  return async function intake(tenant: string, request: Omit<EnqueueRequest, 'handover'>, log: FastifyBaseLogger): Promise<IntakeResult> {
    // A retry of a key this process saw moments ago is answered from memory
    // (replay-cache.ts: why that is what Redis would say). A different request
    // under the key, or Redis being down, still goes the usual way.
    const cached = redis.isReady() ? replays?.get(request.jobId) : undefined;
    if (cached !== undefined && cached.fingerprint === request.fingerprint) {
      return { outcome: { kind: 'replayed', stored: cached }, fromCache: true };
    }

    let handedOver = false;
    let known: EnqueueOutcome | undefined;
    try {
      await redis.run(async (deadline) => {
        await admission.admit(tenant, request.jobId, request.queue);
        // A deadline that passes before its call is sent withdraws the job.
        const handover = { deadline, onHandedOver: () => (handedOver = true) };
        const outcome = await enqueueOnce({ ...request, handover });
        known = outcome;
        // Now, in the turn its reply came in: a connection that closes after this
        // clears the cache (connect-api.ts), so no answer of a Redis that is gone stays.
        replays?.remember(outcome.stored);
        if (outcome.kind === 'created') await admission.created(tenant);
      });
    } catch (err) {
      if (known === undefined) throw explainFailure(err, handedOver);
      // The job exists: its client must hear so. The hour's quota count is one short.
      log.warn({ err, jobId: request.jobId }, 'job created, but its tenant quota was not charged');
    }
    return { outcome: known!, fromCache: false };
  };
}


/** What a failed step may say about the job: nothing created, or perhaps created. */
function explainFailure(err: unknown, handedOver: boolean): unknown {
  if (!(err instanceof ProblemError) || err.slug !== 'redis-unavailable') return err; // queue-full, quota, bugs: as they are
  // A refusal Redis answered with (OOM, LOADING, READONLY ...) comes before the
  // script runs or at its first write, which Redis then denies: nothing was written.
  const refusedByRedis = err.cause instanceof ReplyError;
  return handedOver && !refusedByRedis ? outcomeUnknown(err.cause) : noJobCreated(err.cause);
}
