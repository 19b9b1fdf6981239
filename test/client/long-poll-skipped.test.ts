import { afterEach, describe, expect, it } from 'vitest';
import { JobIntakeClient } from '../../src/client/index.js';
import { startFlakyProxy, type FlakyProxy } from '../helpers/flaky-proxy.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('JobIntakeClient.wait against a service over its long-poll caps', () => {
  it('reads again after Retry-After when the service answers a long-poll at once, instead of asking again at once', async () => {
    // MAX_LONG_POLLS=0: every long-poll is answered at once with Long-Poll-Skipped.
    const service: LiveService = await startLiveService(redis.url, { env: { MAX_LONG_POLLS: '0' } });
    closers.push(() => service.close());
    const proxy: FlakyProxy = await startFlakyProxy(service.url, []);
    closers.push(() => proxy.close());
    const client = new JobIntakeClient({ baseUrl: proxy.url });

    const submission = await client.submit('sleep', { ms: 2500, result: 'slow' });
    const receipt = await client.wait(submission);

    expect(receipt).toMatchObject({ status: 'succeeded', result: 'slow' });
    const reads = proxy.seen.filter((request) => request.method === 'GET');
    // About one read a second over 2.5 s (Retry-After: 1); without the pause, hundreds.
    expect(reads.length).toBeGreaterThanOrEqual(2);
    expect(reads.length).toBeLessThanOrEqual(5);
  });
});
