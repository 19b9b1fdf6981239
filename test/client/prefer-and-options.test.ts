import { beforeEach, describe, expect, it } from 'vitest';
import { IdempotencyKeyReusedError, JobIntakeClient, JobTimeoutError, type RetryOptions } from '../../src/client/index.js';
import { startFlakyProxy, type FlakyProxy, type ProxyStep } from '../helpers/flaky-proxy.js';
import { startLiveService, type LiveService } from '../helpers/live-service.js';
import { useRedisServer } from '../helpers/redis-server.js';

/** One request as the client handed it to fetch: what goes on the wire, each retry included. */
interface SentRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | undefined;
}

const redis = useRedisServer();
let service: LiveService;
let proxy: FlakyProxy | undefined;
let sent: SentRequest[];

beforeEach(async () => {
  service = await startLiveService(redis.url, { env: { JOB_ATTEMPTS: '2' } });
  sent = [];
  return async () => {
    await proxy?.close();
    proxy = undefined;
    await service.close();
  };
});

/**
 * A client behind a proxy that counts what reaches the service (and misbehaves
 * as `plan` says), with a fetch that records the headers and body of each try.
 */
async function countingClient(plan: ProxyStep[] = [], retry: RetryOptions = { maxAttempts: 3, baseDelayMs: 20 }) {
  proxy = await startFlakyProxy(service.url, plan);
  return new JobIntakeClient({ baseUrl: proxy.url, fetch: recordingFetch, retry });
}

const recordingFetch: typeof fetch = (input, init) => {
  sent.push({
    method: init?.method ?? 'GET',
    url: String(input),
    headers: (init?.headers ?? {}) as Record<string, string>,
    body: typeof init?.body === 'string' ? init.body : undefined,
  });
  return fetch(input, init);
};

const requestLines = () => proxy!.seen.map((request) => `${request.method} ${request.url}`);

describe('submit with waitSeconds (Prefer: wait)', () => {
  it('comes back finished, with the final receipt, in one request when the job is quick', async () => {
    const client = await countingClient();
    const submitted = await client.submit('sleep', { ms: 200, result: { ok: true } }, { idempotencyKey: 'quick', waitSeconds: 10 });

    expect(submitted).toMatchObject({
      outcome: 'finished',
      key: 'quick',
      type: 'sleep',
      replayed: false,
      receiptUrl: '/v1/receipts/quick',
      receipt: { key: 'quick', status: 'succeeded', progress: 100, result: { ok: true }, finishedAt: expect.any(String) },
    });
    // wait() takes the receipt the answer already holds: still no receipt request.
    expect(await client.wait(submitted)).toMatchObject({ key: 'quick', status: 'succeeded', result: { ok: true } });
    expect(requestLines()).toEqual(['POST /v1/jobs']);
    expect(sent[0]!.headers).toMatchObject({ prefer: 'wait=10', 'idempotency-key': 'quick' });
  });

  it('comes back accepted after the wait when the job outlasts it, and wait() then long-polls to its end', async () => {
    const client = await countingClient();
    const started = Date.now();
    const submitted = await client.submit('sleep', { ms: 2500, result: 'slow' }, { waitSeconds: 1 });

    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(submitted).toMatchObject({ outcome: 'accepted', status: 'queued', replayed: false });
    const receipt = await client.wait(submitted);
    expect(receipt).toMatchObject({ key: submitted.key, status: 'succeeded', result: 'slow' });
    expect(requestLines()).toEqual(['POST /v1/jobs', `GET /v1/receipts/${submitted.key}?wait=30`]);
  });

  it('answers a failed job with its failed receipt, not an error: the job ended', async () => {
    const client = await countingClient();
    const submitted = await client.submit('sleep', { ms: 1, failAttempts: 5 }, { waitSeconds: 10 });

    expect(submitted).toMatchObject({ outcome: 'finished', receipt: { status: 'failed', attempts: 2, error: { message: expect.any(String) } } });
  });

  it('sends the same key and body again after a lost 200, and takes the replayed 202', async () => {
    // The service creates the job, waits for it, answers 200; the proxy loses that answer.
    const client = await countingClient(['forward-then-drop']);
    const submitted = await client.submit('sleep', { ms: 100, result: 1 }, { idempotencyKey: 'lost-200', waitSeconds: 10, priority: 2 });

    expect(sent).toHaveLength(2);
    expect(sent[1]!.body).toBe(sent[0]!.body);
    expect(sent.map((request) => request.headers['idempotency-key'])).toEqual(['lost-200', 'lost-200']);
    expect(submitted).toMatchObject({ outcome: 'accepted', replayed: true, key: 'lost-200' });
    expect(await service.inspector.jobCount()).toBe(1);
    expect(await client.wait(submitted, { timeoutMs: 5000 })).toMatchObject({ status: 'succeeded', result: 1 });
  });

  it('refuses a wait the service would not honour, before sending anything', async () => {
    const client = await countingClient();
    for (const waitSeconds of [-1, 2.5, 31, Number.NaN]) {
      await expect(client.submit('sleep', { ms: 1 }, { waitSeconds })).rejects.toThrow(RangeError);
    }
    expect(proxy!.seen).toEqual([]);
  });
});

describe('run', () => {
  it('finishes a quick job in the one submission request', async () => {
    const client = await countingClient();
    const result = await client.run('sleep', { ms: 200, result: { n: 7 } });

    expect(result).toEqual({ n: 7 });
    expect(requestLines()).toEqual(['POST /v1/jobs']);
    expect(sent[0]!.headers.prefer).toBe('wait=30');
  });

  it("falls back to long-polling a job that outlasts the submission's wait, within what is left of timeoutMs", async () => {
    const client = await countingClient();
    const result = await client.run('sleep', { ms: 2500, result: 'done' }, { timeoutMs: 10_000, waitSeconds: 1 });

    expect(result).toBe('done');
    expect(sent[0]!.headers.prefer).toBe('wait=1');
    // The timeout counts from the submission: about 9 s of it were left for the long-poll.
    expect(requestLines()).toEqual(['POST /v1/jobs', expect.stringMatching(/^GET \/v1\/receipts\/[^?]+\?wait=[89]$/)]);
  });

  it('never asks the service to wait past timeoutMs, and times out counting from the submission', async () => {
    // Straight to the service: the proxy would hold the long-poll cut at the deadline open upstream.
    const client = new JobIntakeClient({ baseUrl: service.url, fetch: recordingFetch });
    const started = Date.now();
    const error = await client.run('sleep', { ms: 10_000 }, { timeoutMs: 1500 }).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(JobTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 1500, message: expect.stringContaining('had not ended after 1500 ms') });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(sent[0]!.headers.prefer).toBe('wait=1');
  });

  it('with onProgress, waits one second on the submission, then reports progress as the job moves', async () => {
    const client = await countingClient();
    const seen: unknown[] = [];
    const result = await client.run('sleep', { ms: 3000, result: 'watched' }, { onProgress: (progress) => seen.push(progress) });

    expect(result).toBe('watched');
    expect(sent[0]!.headers.prefer).toBe('wait=1');
    expect(seen.at(-1)).toBe(100);
    expect((seen as number[]).some((progress) => progress > 0 && progress < 100)).toBe(true);
  });
});

describe('options: delayMs and priority', () => {
  it('sends options only when set, so a key used without them keeps replaying', async () => {
    const client = await countingClient();
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'plain' });
    const again = await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'plain', delayMs: undefined });
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'scheduled', priority: 4 });

    expect(sent.map((request) => request.body)).toEqual([
      '{"type":"sleep","payload":{"ms":1}}',
      '{"type":"sleep","payload":{"ms":1}}',
      '{"type":"sleep","payload":{"ms":1},"options":{"priority":4}}',
    ]);
    expect(again.replayed).toBe(true);
    expect(sent.some((request) => 'prefer' in request.headers)).toBe(false);
  });

  it('shows the options on the receipt, and starts a delayed job no earlier than asked', async () => {
    const client = await countingClient();
    const submitted = await client.submit('sleep', { ms: 0 }, { delayMs: 1500, priority: 3 });

    const queued = await client.receipt(submitted);
    expect(queued).toMatchObject({ status: 'queued', options: { delayMs: 1500, priority: 3 } });
    const done = await client.wait(submitted, { timeoutMs: 15_000 });
    expect(done).toMatchObject({ status: 'succeeded', options: { delayMs: 1500, priority: 3 } });
    expect(Date.parse(done.startedAt!) - Date.parse(done.createdAt)).toBeGreaterThanOrEqual(1500);
  });

  it('throws IdempotencyKeyReusedError when the same key comes with other options', async () => {
    const client = await countingClient();
    await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'opt', priority: 1 });
    const otherPriority = await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'opt', priority: 2 }).catch((err: unknown) => err);
    const noOptions = await client.submit('sleep', { ms: 1 }, { idempotencyKey: 'opt' }).catch((err: unknown) => err);

    for (const error of [otherPriority, noOptions]) {
      expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
      expect(error).toMatchObject({ status: 422, problem: { type: '/problems/idempotency-key-reused' } });
    }
    expect(await service.inspector.jobCount()).toBe(1);
  });
});
