import type { StoredIntake } from './enqueue-once.js';

export interface ReplayCacheOptions {
  /** Entries kept at most; the older half goes first, all at once. */
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
 * or a replica promoted before it had the job. services.ts clears the cache
 * whenever a connection closes or comes back, so a retry after that asks Redis.
 */
export function createReplayCache(options: ReplayCacheOptions) {
  const now = options.now ?? Date.now;
  type Entry = { stored: StoredIntake; expiresAt: number };
  // Two generations instead of one Map trimmed from its oldest end: V8 walks
  // over every deleted slot to find a Map's first key, which cost 6 µs per
  // request at 10,000 entries. When the young generation is full it becomes the
  // old one and the old one is dropped whole, so at most maxEntries are held.
  const generationSize = Math.max(1, Math.ceil(options.maxEntries / 2));
  let young = new Map<string, Entry>();
  let old = new Map<string, Entry>();

  return {
    /** What Redis holds for `jobId`, when a cached copy may still be served. */
    get(jobId: string): StoredIntake | undefined {
      const entry = young.get(jobId) ?? old.get(jobId);
      return entry !== undefined && now() < entry.expiresAt ? entry.stored : undefined;
    },
    /** Records what Redis just answered for a key. */
    remember(stored: StoredIntake): void {
      const at = now();
      const expiresAt = Math.min(at + options.ttlMs, stored.createdAtMs + options.idempotencyTtlMs / 2);
      if (options.ttlMs <= 0 || expiresAt <= at) return;
      young.set(stored.jobId, { stored, expiresAt });
      if (young.size >= generationSize) {
        old = young;
        young = new Map();
      }
    },
    /** Forgets everything: Redis may no longer hold what was remembered. */
    clear(): void {
      young = new Map();
      old = new Map();
    },
    /** Entries held (a key remembered in both generations counts twice). */
    get size(): number {
      return young.size + old.size;
    },
  };
}

export type ReplayCache = ReturnType<typeof createReplayCache>;
