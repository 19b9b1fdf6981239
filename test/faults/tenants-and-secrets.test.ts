import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';

// Tenant names chosen so that naive `tenant + key` joins collide: "ac"+"mex" = "acme"+"x".
const TOKENS = { ac: 'ac-secret-token-AAAAAAAAAAAAAAAA', acme: 'acme-secret-token-BBBBBBBBBBBBBBBB' };

let redis: RedisServer;
let config: Config;
let api: TestApi;
const logLines: string[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  config = testConfig(redis.url, { API_KEYS: `ac:${TOKENS.ac},acme:${TOKENS.acme}` });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: 'trace', name: 'test' }, sink);
  api = await startApi(config, { logger });
  const worker = await startWorker(config, { logger });
  await submit(api, { key: 'logged', token: TOKENS.acme, body: { type: 'sleep', payload: { ms: 1 } } });
  await receipt(api, 'logged', { token: TOKENS.acme, wait: 10 });
  await worker.close();
});
afterAll(async () => {
  await api.close();
  await redis.stop();
});

describe('tenants', () => {
  it('keeps keys apart that a naive tenant+key join would merge', async () => {
    const inspector = await openInspector(config);
    try {
      const a = await submit(api, { key: 'mex', token: TOKENS.ac, body: { type: 'sleep', payload: { ms: 1 } } });
      const b = await submit(api, { key: 'x', token: TOKENS.acme, body: { type: 'sleep', payload: { ms: 2 } } });
      const c = await submit(api, { key: 'me~x', token: TOKENS.ac, body: { type: 'sleep', payload: { ms: 3 } } });

      expect([a.statusCode, b.statusCode, c.statusCode]).toEqual([202, 202, 202]);
      expect(new Set([a.json().id, b.json().id, c.json().id]).size).toBe(3);
      expect((await receipt(api, 'x', { token: TOKENS.ac })).statusCode).toBe(404);
      expect((await receipt(api, 'mex', { token: TOKENS.acme })).statusCode).toBe(404);
      expect((await receipt(api, 'mex', { token: TOKENS.ac })).json().id).toBe(a.json().id);
    } finally {
      await inspector.close();
    }
  });

  it("refuses a token that differs from a tenant's token in its last character", async () => {
    const nearMiss = `${TOKENS.acme.slice(0, -1)}C`;
    const res = await submit(api, { key: 'k', token: nearMiss });
    expect(res.statusCode).toBe(401);
  });
});

describe('logs', () => {
  it('never contain a token or the Authorization header', async () => {
    await submit(api, { key: 'k', token: 'a-wrong-token-CCCCCCCCCCCCCCCC' });
    await api.app.inject({ method: 'GET', url: '/nope', headers: { authorization: `Bearer ${TOKENS.ac}` } });

    const all = logLines.join('\n');
    expect(logLines.length).toBeGreaterThan(5);
    for (const secret of [...Object.values(TOKENS), 'a-wrong-token-CCCCCCCCCCCCCCCC']) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/Bearer\s+[\x21-\x7e]{16,}/i);
  });

  it('carry the request id, tenant and job id from intake through the worker to the result', () => {
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const intake = entries.find((e) => e.msg === 'request completed' && e.jobId === 'acme~logged');
    expect(intake).toMatchObject({ tenant: 'acme', outcome: 'created', reqId: expect.any(String) });
    const workerLines = entries.filter((e) => e.jobId === 'acme~logged' && e.type === 'sleep');
    expect(workerLines.map((e) => e.msg)).toEqual(expect.arrayContaining(['job started', 'job succeeded']));
  });
});
