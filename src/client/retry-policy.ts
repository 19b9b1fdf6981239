/** How hard the client tries before it reports the service unavailable. */
export interface RetryOptions {
  /** Tries in all, the first included (default 6; 1 turns retries off). */
  readonly maxAttempts?: number;
  /** No retry starts later than this after the first try (default 60 000 ms). */
  readonly budgetMs?: number;
  /** The cap of the first backoff; it doubles with each retry (default 250 ms). */
  readonly baseDelayMs?: number;
  /** The largest backoff the client picks by itself (default 10 000 ms; Retry-After may ask for more). */
  readonly maxDelayMs?: number;
}

export type RetryPolicy = Readonly<Required<RetryOptions>>;

const DEFAULTS: RetryPolicy = { maxAttempts: 6, budgetMs: 60_000, baseDelayMs: 250, maxDelayMs: 10_000 };

/** Checks the options once, up front: a typo should fail at construction, not on the first outage. */
export function retryPolicy(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULTS, ...options };
  for (const [name, value] of Object.entries(policy)) {
    const min = name === 'maxAttempts' ? 1 : 0;
    if (!Number.isFinite(value) || value < min) {
      throw new RangeError(`retry.${name} must be a finite number >= ${min}, got ${String(value)}`);
    }
  }
  return Object.freeze(policy);
}

/**
 * Answers worth sending again, with the same Idempotency-Key: 408 and 429 say
 * "not now", 5xx say the service (or a proxy before it) failed. Any other 4xx
 * would come back the same, so it is not retried.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * Retry-After (RFC 9110 §10.2.3) in milliseconds from now: delay-seconds or an
 * HTTP-date. Undefined when absent or unreadable; a date in the past means 0.
 */
export function parseRetryAfter(value: string | null, nowMs: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form names a day and month in letters; Date.parse alone would take "-1" as a year.
  const date = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

/**
 * The pause before retry number `retry` (1 for the first retry). "Full jitter"
 * (a random pause between 0 and the exponential cap) spreads clients that failed
 * together, so they do not all come back at once. A Retry-After from the service
 * is a floor: the client waits at least that long.
 */
export function retryDelay(
  policy: RetryPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  const jittered = Math.floor(random() * cap);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}
