import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from '../helpers/harness.js';
import { startApi, submit, testConfig, TOKENS } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { listenLocally, sample, scrape } from '../ops/ops-harness.js';

// Caps: 2 long-polls per tenant, 3 per process. No worker runs, so every job
// stays queued and every applied long-poll is held until its client leaves.
const redis = useRedisServer();
let api: TestApi;
let base: string;

beforeAll(async () => {
  const config = testConfig(redis.url, {
    API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`,
    MAX_LONG_POLLS: '3',
    MAX_LONG_POLLS_PER_TENANT: '2',
  });
  api = await startApi(config);
  base = await listenLocally(api.app);
  for (const [tenant, token] of Object.entries(TOKENS)) {
    expect((await submit(api, { key: `held-${tenant}`, token, body: { type: 'sleep', payload: { ms: 1 } } })).statusCode).toBe(202);
  }
});
afterAll(async () => {
  await api?.close();
});

const held: Array<{ abort(): void; settled: () => boolean }> = [];
afterEach(async () => {
  for (const poll of held.splice(0)) poll.abort();
  await expect.poll(async () => sample(await scrape(api.app), 'job_intake_long_polls')).toBe(0);
});

const auth = (tenant: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[tenant]}` });

/** A client long-polling `?wait=30` until the test aborts it (as a client that goes away). */
async function holdLongPoll(tenant: keyof typeof TOKENS, on = { api, base }) {
  const before = on.api.services.jobEnds.waiting;
  const controller = new AbortController();
  let settled = false;
  void fetch(`${on.base}/v1/receipts/held-${tenant}?wait=30`, { headers: auth(tenant), signal: controller.signal })
    .then((res) => res.arrayBuffer())
    .catch(() => undefined)
    .finally(() => (settled = true));
  const poll = { abort: () => controller.abort(), settled: () => settled };
  held.push(poll);
  await expect.poll(() => on.api.services.jobEnds.waiting).toBe(before + 1); // the API is holding it
  return poll;
}

/** A long-poll that must be answered at once: it fails after 5 s instead of waiting its 30. */
function longPollNow(tenant: keyof typeof TOKENS, on = { base }) {
  return fetch(`${on.base}/v1/receipts/held-${tenant}?wait=30`, { headers: auth(tenant), signal: AbortSignal.timeout(5000) });
}

describe('long-poll caps', () => {
  it('answers a tenant over MAX_LONG_POLLS_PER_TENANT at once with the current receipt and Long-Poll-Skipped: tenant-limit', async () => {
    await holdLongPoll('acme');
    await holdLongPoll('acme');

    const res = await longPollNow('acme');

    expect(res.status).toBe(202);
    expect(res.headers.get('long-poll-skipped')).toBe('tenant-limit');
    expect(res.headers.get('retry-after')).toBe('1');
    expect(await res.json()).toMatchObject({ key: 'held-acme', status: 'queued' });
  });

  it("still holds another tenant's long-poll while one tenant is at its cap", async () => {
    await holdLongPoll('acme');
    await holdLongPoll('acme');

    const globex = await holdLongPoll('globex'); // resolves only once the API holds it

    expect(globex.settled()).toBe(false);
  });

  it('answers at once with Long-Poll-Skipped: process-limit once the process holds MAX_LONG_POLLS', async () => {
    await holdLongPoll('acme');
    await holdLongPoll('acme');
    await holdLongPoll('globex');

    const res = await longPollNow('globex');

    expect(res.status).toBe(202);
    expect(res.headers.get('long-poll-skipped')).toBe('process-limit');
    expect(await res.json()).toMatchObject({ key: 'held-globex', status: 'queued' });
  });

  it('holds a long-poll again once a client holding one has gone away', async () => {
    const first = await holdLongPoll('acme');
    await holdLongPoll('acme');
    first.abort();
    await expect.poll(async () => sample(await scrape(api.app), 'job_intake_long_polls')).toBe(1);

    const again = await holdLongPoll('acme');

    expect(again.settled()).toBe(false);
  });

  it('answers Prefer: wait over the cap with the plain 202, without Preference-Applied', async () => {
    await holdLongPoll('acme');
    await holdLongPoll('acme');

    const res = await fetch(`${base}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth('acme'), 'content-type': 'application/json', 'idempotency-key': 'prefer-over-cap', prefer: 'wait=30' },
      body: JSON.stringify({ type: 'sleep', payload: { ms: 1 } }),
      signal: AbortSignal.timeout(5000),
    });

    expect(res.status).toBe(202);
    expect(res.headers.get('preference-applied')).toBeNull();
    expect(res.headers.get('long-poll-skipped')).toBe('tenant-limit');
    expect(res.headers.get('location')).toBe('/v1/receipts/prefer-over-cap');
  });

  it('reports the long-polls held and those skipped, by reason, on /metrics', async () => {
    const before = await scrape(api.app);
    await holdLongPoll('acme');
    await holdLongPoll('acme');
    await (await longPollNow('acme')).arrayBuffer();

    const text = await scrape(api.app);

    expect(sample(text, 'job_intake_long_polls')).toBe(2);
    const skipped = (scraped: string) => sample(scraped, 'job_intake_long_polls_skipped_total', { reason: 'tenant-limit' }) ?? 0;
    expect(skipped(text) - skipped(before)).toBe(1);
  });
});

describe('long-poll caps with AUTH=off', () => {
  it('applies only MAX_LONG_POLLS, since every request is the one tenant default', async () => {
    const open = await startApi(testConfig(redis.url, { MAX_LONG_POLLS: '3', MAX_LONG_POLLS_PER_TENANT: '1' }));
    try {
      const on = { api: open, base: await listenLocally(open.app) };
      // Without a token the tenant is `default`; the auth header is ignored with auth off.
      expect((await submit(open, { key: 'held-acme', body: { type: 'sleep', payload: { ms: 1 } } })).statusCode).toBe(202);
      for (let i = 0; i < 3; i += 1) await holdLongPoll('acme', on);

      const res = await longPollNow('acme', on);

      expect(res.headers.get('long-poll-skipped')).toBe('process-limit');
    } finally {
      for (const poll of held.splice(0)) poll.abort();
      await open.close();
    }
  });
});
