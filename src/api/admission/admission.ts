import { ProblemError } from '../problems.js';
import type { QueueDepths } from './queue-depth.js';
import type { TenantQuota } from './tenant-quota.js';

const QUEUE_FULL_RETRY_AFTER_SECONDS = 5;

/**
 * Decides whether a submission may create a job: refuses new jobs when their
 * queue is too deep (503; each queue on its own, so a flood of one job type
 * does not stop the others) or the tenant's quota is spent (429), but always
 * lets a replay of an existing key through, so retries keep getting their answer.
 */
export function createAdmission(deps: {
  /** True when the key's job exists (in either shard layout). */
  jobExists: (jobId: string) => Promise<boolean>;
  depths: QueueDepths;
  quota: TenantQuota;
  maxQueueDepth: number;
}) {
  return {
    async admit(tenant: string, jobId: string, queueName: string): Promise<void> {
      const queueFull = deps.maxQueueDepth > 0 && (await deps.depths.current(queueName)) >= deps.maxQueueDepth;
      const quotaRetryAfter = deps.quota.enabled ? await deps.quota.retryAfter(tenant) : 0;
      if (!queueFull && quotaRetryAfter === 0) return;
      if (await deps.jobExists(jobId)) return; // a replay (or a 422): never refused for capacity
      if (queueFull) {
        throw new ProblemError('queue-full', `More than ${deps.maxQueueDepth} jobs are waiting in queue "${queueName}"; nothing was created.`, {
          retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS,
        });
      }
      throw new ProblemError('quota-exceeded', `Tenant "${tenant}" has used its job quota for this hour.`, {
        retryAfterSeconds: quotaRetryAfter,
      });
    },
    /** Called once per job actually created. */
    async created(tenant: string): Promise<void> {
      if (deps.quota.enabled) await deps.quota.charge(tenant);
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;
