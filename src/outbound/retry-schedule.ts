// When to try a failed delivery again. Standard Webhooks, "Deliverability and
// reliability": retry on a schedule spanning a long time, with exponential backoff
// and some random jitter; respect Retry-After when the answer has one.
// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md

/**
 * The default delays between tries: the first retry after about 2 s (a blip), then
 * growing, 23.6 h in all (about a day, as the issue asks), 10 tries. A receiver
 * down for longer than that has its delivery failed.
 */
export const DEFAULT_RETRY_SCHEDULE = '2s,10s,1m,5m,30m,2h,5h,8h,8h';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const ENTRY = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m|h|d)$/;
const MAX_ENTRIES = 100;

/**
 * Parses `2s,10s,1m,5m,30m,2h,5h,8h,8h` into delays in ms (units ms, s, m, h, d;
 * a unit is required). Pure, for a zod transform or loadConfig. Throws an Error
 * naming the bad entry.
 */
export function parseRetrySchedule(text: string): readonly number[] {
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.length > MAX_ENTRIES) throw new Error(`at most ${MAX_ENTRIES} delays`);
  return Object.freeze(
    entries.map((entry, index) => {
      const match = ENTRY.exec(entry);
      if (match === null) {
        throw new Error(`entry ${index + 1} ("${entry.slice(0, 20)}") is not a delay like 500ms, 2s, 1m, 5h or 1d`);
      }
      return Math.round(Number(match[1]) * UNIT_MS[match[2]!]!);
    }),
  );
}

export interface RetryScheduleOptions {
  /**
   * Each delay is stretched by up to this fraction at random, never shortened, so
   * deliveries that failed together (a receiver's outage) do not all come back in
   * the same second. 0.1 by default; 0 for exact delays.
   */
  jitter?: number;
  /** A Retry-After longer than this is cut to it; by default the schedule's whole span. */
  maxRetryAfterMs?: number;
  /** For tests: a number in [0, 1). */
  random?: () => number;
}

export interface RetrySchedule {
  readonly delaysMs: readonly number[];
  /** Tries in all, the first included (BullMQ's `attempts`): one more than the delays. */
  readonly attempts: number;
  /**
   * The wait before the next try, given how many tries were made so far (1 after
   * the first failure: BullMQ's backoffStrategy `attemptsMade`) and the last
   * answer's Retry-After; never sooner than that Retry-After (up to
   * maxRetryAfterMs). Undefined when the schedule is used up: give up.
   */
  nextDelay(triesMade: number, retryAfterMs?: number): number | undefined;
}

export function createRetrySchedule(delaysMs: readonly number[], options: RetryScheduleOptions = {}): RetrySchedule {
  const jitter = options.jitter ?? 0.1;
  const random = options.random ?? Math.random;
  const maxRetryAfterMs = options.maxRetryAfterMs ?? delaysMs.reduce((sum, delay) => sum + delay, 0);
  if (!(jitter >= 0 && jitter <= 1)) throw new Error('jitter must be between 0 and 1');
  if (delaysMs.some((delay) => !Number.isFinite(delay) || delay < 0)) throw new Error('delays must be finite and not negative');

  return Object.freeze({
    delaysMs: Object.freeze([...delaysMs]),
    attempts: delaysMs.length + 1,
    nextDelay(triesMade: number, retryAfterMs?: number) {
      const scheduled = delaysMs[triesMade - 1];
      if (scheduled === undefined) return undefined;
      const stretched = Math.round(scheduled * (1 + jitter * random()));
      return Math.max(stretched, Math.min(retryAfterMs ?? 0, maxRetryAfterMs));
    },
  });
}
