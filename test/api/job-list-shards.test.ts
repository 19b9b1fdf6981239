import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListJobs } from '../../src/api/job-list/list-jobs.js';
import type { IndexPosition } from '../../src/bullmq/tenant-index.js';
import { shardIndex } from '../../src/shared/shards.js';
import { startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const SHARDS = 4;
const redis = useRedisServer();
let api: TestApi;
/** Every job submitted, newest first, as the list must give them. */
let expected: Array<{ id: string; key: string; type: string }>;

beforeAll(async () => {
  api = await startApi(testConfig(redis.url, { QUEUE_SHARDS: String(SHARDS), API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}` }));
  const made: Array<{ id: string; key: string; type: string; createdAt: string }> = [];
  // In small concurrent batches: many jobs share a millisecond, so ids order them.
  for (let batch = 0; batch < 12; batch += 1) {
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) => {
        const n = batch * 5 + i;
        const body = n % 3 === 0 ? { type: 'checksum', payload: { sizeBytes: 1 } } : { type: 'sleep', payload: { ms: 0 } };
        return submit(api, { key: `job-${n}`, token: TOKENS.acme, body });
      }),
    );
    made.push(...answers.map((res) => res.json()));
    await submit(api, { key: `other-${batch}`, token: TOKENS.globex });
  }
  expected = made
    .sort((a, b) => (a.createdAt !== b.createdAt ? b.createdAt.localeCompare(a.createdAt) : b.id < a.id ? -1 : 1))
    .map(({ id, key, type }) => ({ id, key, type }));
});
afterAll(() => api?.close());

describe(`the job list over ${SHARDS} shards`, () => {
  it('spreads the jobs over every shard', () => {
    expect(new Set(expected.map((job) => shardIndex(job.id, SHARDS))).size).toBe(SHARDS);
  });

  it.each([1, 7, 60, 200])('merges the shards newest first, every job once, in pages of %i', async (limit) => {
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const query = `?limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
      const res = await api.app.inject({ method: 'GET', url: `/v1/jobs${query}`, headers: { authorization: `Bearer ${TOKENS.acme}` } });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { items: Array<{ key: string }>; nextCursor?: string };
      expect(page.items.length).toBeLessThanOrEqual(limit);
      keys.push(...page.items.map((item) => item.key));
      cursor = page.nextCursor;
    } while (cursor !== undefined);

    expect(keys).toEqual(expected.map((job) => job.key));
  });

  it.each([
    [1, 1],
    [3, 4],
    [5, 2],
  ])('keeps the order when each shard looks at only %i entries a page (limit %i) and the filter skips most', async (budget, limit) => {
    const listJobs = createListJobs({ tenantIndexes: () => api.services.store.tenantIndexes(), budget });
    const keys: string[] = [];
    let after: IndexPosition | null = null;
    let pages = 0;
    do {
      const page = await listJobs('acme', { type: 'checksum', limit, after });
      keys.push(...page.items.map((item) => item.key));
      after = page.next;
      pages += 1;
    } while (after !== null && pages < 500);

    expect(keys).toEqual(expected.filter((job) => job.type === 'checksum').map((job) => job.key));
  });
});
