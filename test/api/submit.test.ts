import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, startApi, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;
let inspector: Awaited<ReturnType<typeof openInspector>>;

beforeEach(async () => {
  config = testConfig(redis.url);
  api = await startApi(config);
  inspector = await openInspector(config);
  return async () => {
    await api.close();
    await inspector.close();
  };
});

const sleepJob = { type: 'sleep', payload: { ms: 10, result: { answer: 42 } } };

describe('POST /v1/jobs, first request for a key', () => {
  it('answers 202 with a receipt URL in the body and Location, and Retry-After: 1', async () => {
    const res = await submit(api, { key: 'order-1', body: sleepJob });

    expect(res.statusCode).toBe(202);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json();
    expect(body).toEqual({
      id: 'default~order-1',
      key: 'order-1',
      type: 'sleep',
      status: 'queued',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      receiptUrl: '/v1/receipts/order-1',
    });
    expect(res.headers.location).toBe('/v1/receipts/order-1');
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('stores exactly one job, holding the payload and the type as its name', async () => {
    await submit(api, { key: 'order-2', body: sleepJob });

    expect(await inspector.jobCount()).toBe(1);
    const job = await inspector.queue.getJob('default~order-2');
    expect(job?.name).toBe('sleep');
    expect(job?.data).toEqual({ ms: 10, result: { answer: 42 }, failAttempts: 0 });
  });

  it('URL-encodes a key with reserved characters in the receipt URL', async () => {
    const res = await submit(api, { key: 'a/b?c:d{e}%', body: sleepJob });

    expect(res.statusCode).toBe(202);
    expect(res.headers.location).toBe('/v1/receipts/a%2Fb%3Fc%3Ad%7Be%7D%25');
    expect(res.json().key).toBe('a/b?c:d{e}%');
  });
});

describe('POST /v1/jobs, repeated', () => {
  it('replays the first answer byte for byte, with Idempotent-Replayed: true, and adds no job', async () => {
    const first = await submit(api, { key: 'k-replay', body: sleepJob });
    const again = await submit(api, { key: 'k-replay', body: sleepJob });

    expect(again.statusCode).toBe(202);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(first.headers.location);
    expect(again.headers['retry-after']).toBe('1');
    expect(await inspector.jobCount()).toBe(1);
  });

  it('treats a reordered, re-spaced payload as the same request', async () => {
    const first = await submit(api, { key: 'k-canon', payload: '{"type":"sleep","payload":{"ms":10,"result":{"a":1,"b":[1,2]}}}' });
    const again = await submit(api, {
      key: 'k-canon',
      payload: '{ "payload" : { "result": { "b": [1, 2], "a": 1 }, "ms": 10 },\n "type": "sleep" }',
    });

    expect(again.statusCode).toBe(202);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('reads the quoted structured-field form "abc" as the same key as abc', async () => {
    const first = await submit(api, { key: 'abc', body: sleepJob });
    const quoted = await submit(api, { key: '"abc"', body: sleepJob });

    expect(quoted.statusCode).toBe(202);
    expect(quoted.body).toBe(first.body);
    expect(quoted.headers['idempotent-replayed']).toBe('true');
    expect(await inspector.jobCount()).toBe(1);
  });

  it('collapses 50 concurrent duplicates into one job and one answer', async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => submit(api, { key: 'k-storm', body: sleepJob })));

    expect(new Set(answers.map((res) => res.statusCode))).toEqual(new Set([202]));
    expect(new Set(answers.map((res) => res.body)).size).toBe(1);
    expect(answers.filter((res) => res.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(await inspector.jobCount()).toBe(1);
  });

  it('collapses duplicates racing on two API instances into one job', async () => {
    const second = await startApi(config);
    try {
      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) => submit(i % 2 === 0 ? api : second, { key: 'k-two-apis', body: sleepJob })),
      );
      expect(new Set(answers.map((res) => res.statusCode))).toEqual(new Set([202]));
      expect(new Set(answers.map((res) => res.body)).size).toBe(1);
      expect(answers.filter((res) => res.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect(await inspector.jobCount()).toBe(1);
    } finally {
      await second.close();
    }
  });
});

describe('POST /v1/jobs, same key with a different request', () => {
  it('answers 422 problem+json and leaves the first job as it was', async () => {
    await submit(api, { key: 'k-mismatch', body: sleepJob });
    const other = await submit(api, { key: 'k-mismatch', body: { type: 'sleep', payload: { ms: 11 } } });

    expect(other.statusCode).toBe(422);
    expect(other.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(other.json()).toMatchObject({
      type: '/problems/idempotency-key-reused',
      title: 'Idempotency-Key reused for a different request',
      status: 422,
      detail: expect.stringContaining('k-mismatch'),
    });
    expect(await inspector.jobCount()).toBe(1);
    expect((await inspector.queue.getJob('default~k-mismatch'))?.data).toMatchObject({ ms: 10 });
  });

  it('answers 422 when only the job type differs', async () => {
    await submit(api, { key: 'k-type', body: { type: 'checksum', payload: { sizeBytes: 10 } } });
    const other = await submit(api, { key: 'k-type', body: { type: 'sleep', payload: { ms: 10 } } });

    expect(other.statusCode).toBe(422);
    expect(await inspector.jobCount()).toBe(1);
  });
});
