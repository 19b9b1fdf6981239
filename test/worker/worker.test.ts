import { createCipheriv, createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();
let config: Config;
let api: TestApi;

beforeEach(async () => {
  config = testConfig(redis.url, { SHUTDOWN_GRACE_MS: '5000' });
  api = await startApi(config);
  return () => api.close();
});

/** The checksum job's data, made independently: AES-256-CTR keystream under sha256(seed). */
function expectedDigest(seed: string, sizeBytes: number, algorithm: string): string {
  const key = createHash('sha256').update(seed).digest();
  const keystream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(sizeBytes));
  return createHash(algorithm).update(keystream).digest('hex');
}

describe('the worker', () => {
  it('runs a checksum job to its digest and reports progress to 100', async () => {
    const worker = await startWorker(config);
    try {
      const sizeBytes = 3 * 1024 * 1024 + 17;
      await submit(api, { key: 'sum', body: { type: 'checksum', payload: { sizeBytes, seed: 'abc' } } });
      const res = await receipt(api, 'sum', { wait: 20 });

      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        status: 'succeeded',
        progress: 100,
        result: { algorithm: 'sha256', sizeBytes, digest: expectedDigest('abc', sizeBytes, 'sha256') },
      });
    } finally {
      await worker.close();
    }
  });

  it('fails a job with an invalid stored payload at once, without retries', async () => {
    const inspector = await openInspector(config);
    const worker = await startWorker(config);
    try {
      // Only something writing to Redis behind the API's back can store this.
      await inspector.queue.add('sleep', { ms: 'never' }, { jobId: 'default~bad', attempts: 3 });
      const res = await receipt(api, 'bad', { wait: 20 });

      expect(res.json()).toMatchObject({ status: 'failed', attempts: 1, error: { message: expect.stringMatching(/^invalid payload/) } });
    } finally {
      await worker.close();
      await inspector.close();
    }
  });

  it('fails a job of a type it has no handler for, without retries', async () => {
    const inspector = await openInspector(config);
    const worker = await startWorker(config);
    try {
      await inspector.queue.add('teleport', {}, { jobId: 'default~alien', attempts: 3 });
      const res = await receipt(api, 'alien', { wait: 20 });

      expect(res.json()).toMatchObject({ status: 'failed', attempts: 1, error: { message: 'no handler for job type "teleport"' } });
    } finally {
      await worker.close();
      await inspector.close();
    }
  });
});

describe('stopping a worker', () => {
  it('lets the active job finish and store its result before close() resolves', async () => {
    const worker = await startWorker(config);
    await submit(api, { key: 'finish-me', body: { type: 'sleep', payload: { ms: 1200, result: 'done' } } });
    await expect.poll(async () => (await receipt(api, 'finish-me')).json().status, { timeout: 5000, interval: 50 }).toBe('running');

    await worker.close();

    expect((await receipt(api, 'finish-me')).json()).toMatchObject({ status: 'succeeded', result: 'done' });
  });

  it('takes no new job once it is stopping', async () => {
    const worker = await startWorker(config);
    await submit(api, { key: 'first', body: { type: 'sleep', payload: { ms: 1000 } } });
    await expect.poll(async () => (await receipt(api, 'first')).json().status, { timeout: 5000, interval: 50 }).toBe('running');

    const closed = worker.close();
    await submit(api, { key: 'second', body: { type: 'sleep', payload: { ms: 0 } } });
    await closed;

    expect((await receipt(api, 'first')).json().status).toBe('succeeded');
    expect((await receipt(api, 'second')).json().status).toBe('queued');
  });

  it('lets go of a job that outlives SHUTDOWN_GRACE_MS; another worker then runs it again', async () => {
    const hasty = { ...config, SHUTDOWN_GRACE_MS: 300 };
    const first = await startWorker(hasty);
    await submit(api, { key: 'long', body: { type: 'sleep', payload: { ms: 2500, result: 'second run' } } });
    await expect.poll(async () => (await receipt(api, 'long')).json().status, { timeout: 5000, interval: 50 }).toBe('running');

    const started = Date.now();
    await first.close();
    expect(Date.now() - started).toBeLessThan(2000);

    const second = await startWorker(config);
    try {
      const res = await receipt(api, 'long', { wait: 25 });
      expect(res.json()).toMatchObject({ status: 'succeeded', attempts: 2, result: 'second run' });
    } finally {
      await second.close();
    }
  });
});
