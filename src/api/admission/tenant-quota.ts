import type { RedisClient } from '../../shared/redis.js';

const HOUR_MS = 3_600_000;

/**
 * Counts jobs *created* per tenant per clock hour (a replay is not a new job, so
 * it is never charged). The check and the charge are separate steps, so many
 * first requests racing at the edge may overshoot by their number.
 */
export function createTenantQuota(deps: { connection: RedisClient; prefix: string; jobsPerHour: number; now?: () => number }) {
  const now = deps.now ?? Date.now;
  const keyOf = (tenant: string) => `${deps.prefix}:quota:${encodeURIComponent(tenant)}:${Math.floor(now() / HOUR_MS)}`;
  const secondsLeftInHour = () => Math.ceil((HOUR_MS - (now() % HOUR_MS)) / 1000);

  return {
    enabled: deps.jobsPerHour > 0,
    /** Seconds until the quota frees up, or 0 when the tenant may create a job. */
    async retryAfter(tenant: string): Promise<number> {
      const used = Number((await deps.connection.get(keyOf(tenant))) ?? 0);
      return used >= deps.jobsPerHour ? secondsLeftInHour() : 0;
    },
    async charge(tenant: string): Promise<void> {
      const key = keyOf(tenant);
      await deps.connection.multi().incr(key).pexpire(key, HOUR_MS * 2).exec();
    },
  };
}

export type TenantQuota = ReturnType<typeof createTenantQuota>;
