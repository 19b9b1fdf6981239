import { describe, expect, it } from 'vitest';
import { isRetryableStatus, parseRetryAfter, retryDelay, retryPolicy } from '../../src/client/retry-policy.js';

describe('retry policy', () => {
  it('retries 408, 429 and every 5xx, and no other status', () => {
    expect([408, 429, 500, 502, 503, 504, 599].every(isRetryableStatus)).toBe(true);
    expect([200, 202, 400, 401, 403, 404, 405, 409, 413, 415, 422].some(isRetryableStatus)).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-11-23T13:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 23 Nov 2026 13:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 12:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('picks a pause between 0 and a cap that doubles each retry up to maxDelayMs (full jitter)', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    const almostOne = () => 0.999_999;
    expect([1, 2, 3, 4, 5].map((retry) => retryDelay(policy, retry, undefined, almostOne))).toEqual([99, 199, 399, 799, 999]);
    expect(retryDelay(policy, 3, undefined, () => 0)).toBe(0);
  });

  it('never pauses less than the Retry-After the service asked for', () => {
    const policy = retryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });
    expect(retryDelay(policy, 1, 2000, () => 0.5)).toBe(2000);
    expect(retryDelay(policy, 5, 0, () => 0.5)).toBe(500);
  });

  it('refuses options that would make no sense, when the client is made', () => {
    expect(() => retryPolicy({ maxAttempts: 0 })).toThrow('retry.maxAttempts must be a finite number >= 1, got 0');
    expect(() => retryPolicy({ budgetMs: Number.NaN })).toThrow(RangeError);
    expect(retryPolicy({})).toEqual({ maxAttempts: 6, budgetMs: 60_000, baseDelayMs: 250, maxDelayMs: 10_000 });
  });
});
