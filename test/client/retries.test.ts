import { beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError, JobIntakeClient, RequestRefusedError, ServiceUnavailableError, type RetryNotice, type RetryOptions } from '../../src/client/index.js';
import { startFlakyProxy, type FlakyProxy, type ProxyStep } from '../helpers/flaky-proxy.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

const unavailable = (retryAfter: string): ProxyStep => ({
  answer: 503,
  headers: { 'content-type': 'application/problem+json', 'retry-after': retryAfter },
  body: JSON.stringify({ type: '/problems/redis-unavailable', title: 'Service unavailable', status: 503 }),
});

const redis = useRedisServer();
let service: LiveService;
let proxy: FlakyProxy | undefined;
let notices: RetryNotice[];

beforeEach(async () => {
  service = await startLiveService(redis.url, { worker: false });
  notices = [];
  return async () => {
    await proxy?.close();
    proxy = undefined;
    await service.close();
  };
});

/** A client talking to the service through a proxy that follows `plan`; small backoffs keep tests quick. */
async function clientBehind(plan: ProxyStep[], retry: RetryOptions = { maxAttempts: 5, baseDelayMs: 20 }) {
  proxy = await startFlakyProxy(service.url, plan);
  return new JobIntakeClient({ baseUrl: proxy.url, retry, onRetry: (notice) => notices.push(notice) });
}

describe('JobIntakeClient retries', () => {
  it('waits out two 503s with Retry-After, then creates exactly one job under the one key it sent each time', async () => {
    const client = await clientBehind([unavailable('1'), unavailable('1')]);
    const started = Date.now();
    const submission = await client.submit('sleep', { ms: 1 });

    const posts = proxy!.seen.filter((r) => r.method === 'POST');
    expect(posts).toHaveLength(3);
    expect(new Set(posts.map((r) => r.idempotencyKey))).toEqual(new Set([submission.key]));
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(posts[2]!.at - posts[1]!.at).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(submission.replayed).toBe(false);
    expect(await service.inspector.jobCount()).toBe(1);
    expect(notices.map((n) => n.status)).toEqual([503, 503]);
  });

  it('retries when the answer is lost after the job was created, and gets the replay, not a second job', async () => {
    const client = await clientBehind(['forward-then-drop']);
    const submission = await client.submit('sleep', { ms: 1 });

    expect(proxy!.seen.map((r) => r.idempotencyKey)).toEqual([submission.key, submission.key]);
    expect(submission.replayed).toBe(true);
    expect(await service.inspector.jobCount()).toBe(1);
    expect(notices).toEqual([expect.objectContaining({ attempt: 1, status: undefined })]);
  });

  it('retries a dropped connection and a 502 with an HTML body, then succeeds', async () => {
    const client = await clientBehind(['drop', { answer: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad Gateway</h1>' }]);
    const submission = await client.submit('checksum', { sizeBytes: 10 }, { idempotencyKey: 'order-9' });

    expect(proxy!.seen.map((r) => r.idempotencyKey)).toEqual(['order-9', 'order-9', 'order-9']);
    expect(submission).toMatchObject({ key: 'order-9', replayed: false });
    expect(notices.map((n) => n.status)).toEqual([undefined, 502]);
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('honours a 429 whose Retry-After is an HTTP date', async () => {
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString(); // second precision: 1 to 2 s away
    const client = await clientBehind([{ answer: 429, headers: { 'retry-after': inTwoSeconds } }]);
    await client.submit('sleep', { ms: 1 });

    expect(notices).toHaveLength(1);
    expect(notices[0]!.delayMs).toBeGreaterThan(900);
    expect(proxy!.seen[1]!.at - proxy!.seen[0]!.at).toBeGreaterThanOrEqual(900);
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('gives up with ServiceUnavailableError naming the key once its attempts are spent, having created nothing', async () => {
    const client = await clientBehind(Array(10).fill(unavailable('0')), { maxAttempts: 3, baseDelayMs: 10 });
    const error = await client.submit('sleep', { ms: 1 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    const unavailableError = error as ServiceUnavailableError;
    expect(unavailableError.details).toMatchObject({ attempts: 3, key: proxy!.seen[0]!.idempotencyKey, problem: { status: 503 } });
    expect(unavailableError.message).toContain('failed after 3 tries');
    expect(proxy!.seen).toHaveLength(3);
    expect(await service.inspector.jobCount()).toBe(0);
  });

  it('gives up before sleeping past its time budget when Retry-After asks for longer', async () => {
    const client = await clientBehind([unavailable('120')], { maxAttempts: 5, baseDelayMs: 10, budgetMs: 5000 });
    const started = Date.now();
    const error = await client.submit('sleep', { ms: 1 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(proxy!.seen).toHaveLength(1);
  });

  it.each([400, 401, 404, 413, 415, 422])('never retries a %i', async (status) => {
    const problem = { type: '/problems/x', title: 'Refused', status, detail: 'no' };
    const client = await clientBehind([{ answer: status, headers: { 'content-type': 'application/problem+json' }, body: JSON.stringify(problem) }]);
    const error = await client.submit('sleep', { ms: 1 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(RequestRefusedError);
    expect((error as RequestRefusedError).problem).toEqual(problem);
    expect(proxy!.seen).toHaveLength(1);
    expect(notices).toEqual([]);
  });

  it("does not retry the real service's 422 for a reused key", async () => {
    const client = await clientBehind([]);
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'k' });
    await expect(client.submit('sleep', { ms: 2 }, { idempotencyKey: 'k' })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);

    expect(proxy!.seen).toHaveLength(2);
    expect(await service.inspector.jobCount()).toBe(1);
  });

  it('stops retrying at once when the caller aborts', async () => {
    const client = await clientBehind(Array(10).fill(unavailable('30')), { maxAttempts: 5, baseDelayMs: 10 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user gave up')), 200);
    const error = await client.submit('sleep', { ms: 1 }, { signal: controller.signal }).catch((err: unknown) => err);

    expect((error as Error).message).toBe('user gave up');
    expect(proxy!.seen).toHaveLength(1);
  });
});
