import type { StoredIntake } from './enqueue-once.js';

export interface ReplayCacheOptions {
  /** Entries kept at most; when full, the cache starts over. */
  readonly maxEntries: number;
  /** How long an entry is served before Redis is asked again. */
  readonly ttlMs: number;
  /** IDEMPOTENCY_TTL_SECONDS in ms: how long a finished job is kept. */
  readonly idempotencyTtlMs: number;
  readonly now?: () => number;
}

export const DEFAULT_REPLAY_CACHE = { maxEntries: 10_000, ttlMs: 2_000 } as const;

/**
 * Remembers, per API process, what Redis holds for recently seen keys (job id,
 * fingerprint, creation time), so a storm of retries is answered without a
 * Redis round trip.
 *
 * Why a cached answer is the answer Redis would give: those three facts never
 * change while the job hash exists, and the hash exists for at least
 * IDEMPOTENCY_TTL_SECONDS after the job's creation (it is kept that long after
 * the job *ends*). An entry is served only within half that window of the
 * creation (the other half absorbs clock skew between hosts) and for at most
 * `ttlMs` after Redis last confirmed it, which bounds how long a job an operator
 * deletes by hand can still be replayed from here.
 *
 * The hash may also vanish with the whole Redis: a restart without persistence,
 * or a replica promoted before it had the job. connect-api.ts clears the cache
 * whenever a connection closes or comes back, so a retry after that asks Redis.
 */
export function createReplayCache(options: ReplayCacheOptions) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { stored: StoredIntake; expiresAt: number }>();

  return {
    /** What Redis holds for `jobId`, when a cached copy may still be served. */
    get(jobId: string): StoredIntake | undefined {
      const entry = entries.get(jobId);
      return entry !== undefined && now() < entry.expiresAt ? entry.stored : undefined;
    },
    /** Records what Redis just answered for a key. */
    remember(stored: StoredIntake): void {
      const at = now();
      const expiresAt = Math.min(at + options.ttlMs, stored.createdAtMs + options.idempotencyTtlMs / 2);
      if (options.ttlMs <= 0 || expiresAt <= at) return;
      // Full: start over. Entries live 2 s, so a full cache is mostly expired
      // ones; the keys dropped with it are asked of Redis again.
      if (entries.size >= options.maxEntries && !entries.has(stored.jobId)) entries.clear();
      entries.set(stored.jobId, { stored, expiresAt });
    },
    /** Forgets everything: Redis may no longer hold what was remembered. */
    clear(): void {
      entries.clear();
    },
    get size(): number {
      return entries.size;
    },
  };
}

export type ReplayCache = ReturnType<typeof createReplayCache>;
