import type { StoredIntake } from './enqueue-once.js';

export interface ReplayCacheOptions {
  /** Entries kept at most; the oldest goes first. */
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
 */
export function createReplayCache(options: ReplayCacheOptions) {
  const now = options.now ?? Date.now;
  const entries = new Map<string, { stored: StoredIntake; expiresAt: number }>();

  return {
    /** What Redis holds for `jobId`, when a cached copy may still be served. */
    get(jobId: string): StoredIntake | undefined {
      const entry = entries.get(jobId);
      if (entry === undefined) return undefined;
      if (now() < entry.expiresAt) return entry.stored;
      entries.delete(jobId);
      return undefined;
    },
    /** Records what Redis just answered for a key. */
    remember(stored: StoredIntake): void {
      const at = now();
      const expiresAt = Math.min(at + options.ttlMs, stored.createdAtMs + options.idempotencyTtlMs / 2);
      if (options.ttlMs <= 0 || expiresAt <= at) return;
      entries.delete(stored.jobId); // re-inserting moves it to the young end
      entries.set(stored.jobId, { stored, expiresAt });
      if (entries.size > options.maxEntries) entries.delete(entries.keys().next().value!);
    },
    get size(): number {
      return entries.size;
    },
  };
}

export type ReplayCache = ReturnType<typeof createReplayCache>;
