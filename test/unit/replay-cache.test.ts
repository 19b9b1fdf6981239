import { describe, expect, it } from 'vitest';
import { createReplayCache } from '../../src/api/idempotency/replay-cache.js';

const DAY_MS = 86_400_000;

function cacheAt(start: number, options: { maxEntries?: number; ttlMs?: number; idempotencyTtlMs?: number } = {}) {
  let now = start;
  const cache = createReplayCache({ maxEntries: 3, ttlMs: 1000, idempotencyTtlMs: DAY_MS, ...options, now: () => now });
  return { cache, advance: (ms: number) => (now += ms) };
}

const stored = (jobId: string, createdAtMs: number) => ({ jobId, fingerprint: `fp-${jobId}`, createdAtMs });

describe('replay cache', () => {
  it('serves an entry until its TTL runs out', () => {
    const { cache, advance } = cacheAt(1_000_000);
    cache.remember(stored('a', 1_000_000));
    advance(999);
    expect(cache.get('a')).toEqual(stored('a', 1_000_000));
    advance(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('keeps at most maxEntries, starting over when full, and holds the newest', () => {
    const { cache } = cacheAt(0, { maxEntries: 4 });
    for (let i = 0; i < 1000; i++) {
      cache.remember(stored(`k${i}`, 0));
      expect(cache.size).toBeLessThanOrEqual(4);
    }
    expect(cache.get('k0')).toBeUndefined();
    expect(cache.get('k999')).toBeDefined();
  });

  it('serves the newest answer for a key remembered twice', () => {
    const { cache } = cacheAt(0, { maxEntries: 4 });
    cache.remember(stored('a', 0));
    cache.remember(stored('b', 0));
    cache.remember({ ...stored('a', 0), fingerprint: 'newer' });
    expect(cache.get('a')?.fingerprint).toBe('newer');
  });

  it('never serves a job older than half the idempotency window, which Redis may have removed', () => {
    const { cache, advance } = cacheAt(DAY_MS / 2 - 500);
    cache.remember(stored('old', 0));
    expect(cache.get('old')).toBeDefined();
    advance(500);
    expect(cache.get('old')).toBeUndefined();
    cache.remember(stored('old', 0));
    expect(cache.get('old')).toBeUndefined();
  });

  it('caches nothing with a TTL of 0', () => {
    const { cache } = cacheAt(0, { ttlMs: 0 });
    cache.remember(stored('a', 0));
    expect(cache.get('a')).toBeUndefined();
  });
});
