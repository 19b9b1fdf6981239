import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { receipt, startApi, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.js';
import { startObservedWorker } from './ops-harness.js';

/** Collects what pino writes, one parsed JSON object per line. */
function captureLogs(name: string) {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', name }, { write: (line: string) => void lines.push(line) });
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const token = TOKENS.acme;
const wrongToken = 'wrong-token-fedcba9876543210';
const adminToken = 'admin-token-0123456789abcdef';
let redis: RedisServer;
let api: TestApi;
let apiLogs: ReturnType<typeof captureLogs>;
let workerLogs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  redis = await startRedisServer();
  apiLogs = captureLogs('job-intake-api');
  workerLogs = captureLogs('job-intake-worker');
  const config = testConfig(redis.url, { API_KEYS: `acme:${token}`, ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info' });
  api = await startApi(config, { logger: apiLogs.logger });
  const worker = await startObservedWorker(config, { logger: workerLogs.logger });
  try {
    const accepted = await submit(api, {
      key: 'log-me',
      token,
      headers: { 'x-request-id': 'req-log-1' },
      body: { type: 'sleep', payload: { ms: 50, result: { answer: 42 } } },
    });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['x-request-id']).toBe('req-log-1');
    expect((await receipt(api, 'log-me', { token, wait: 10 })).json().status).toBe('succeeded');
    expect((await submit(api, { key: 'log-me', token: wrongToken })).statusCode).toBe(401);
    const invalid = { key: 'log-bad', token, headers: { 'x-request-id': 'req-log-bad' }, body: { type: 'sleep', payload: { ms: -1 } } };
    expect((await submit(api, invalid)).statusCode).toBe(400);
    const board = await api.app.inject({ method: 'GET', url: '/admin/queues', headers: { authorization: `Bearer ${adminToken}` } });
    expect(board.statusCode).toBe(200);
  } finally {
    await worker.close();
  }
});
afterAll(async () => {
  await api?.close();
  await redis?.stop();
});

describe('the logs', () => {
  it('never show a bearer token, valid or not, nor the admin token', () => {
    const all = [...apiLogs.lines, ...workerLogs.lines].join('');

    expect(apiLogs.lines.length).toBeGreaterThan(3);
    expect(all).not.toContain(token);
    expect(all).not.toContain(wrongToken);
    expect(all).not.toContain(adminToken);
  });

  it('are one JSON object per line, with level, time, name and msg', () => {
    for (const record of [...apiLogs.records(), ...workerLogs.records()]) {
      expect(record).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
      expect(['job-intake-api', 'job-intake-worker']).toContain(record.name);
    }
  });

  it('tie the intake line to the request id, the tenant, the job id and the outcome', () => {
    const intake = apiLogs.records().find((record) => record.reqId === 'req-log-1');

    expect(intake).toMatchObject({
      msg: 'request completed',
      tenant: 'acme',
      jobId: 'acme~log-me',
      outcome: 'created',
      req: { method: 'POST', url: '/v1/jobs' },
      res: { statusCode: 202 },
      responseTime: expect.any(Number),
    });
  });

  it('write one line per request, each field once', () => {
    const lines = apiLogs.lines.filter((line) => line.includes('"reqId":"req-log-1"'));

    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(['request completed']);
    for (const line of lines) {
      const keys = [...line.matchAll(/"([^"]+)":/g)].map((m) => m[1]!);
      expect(keys.length, line).toBe(new Set(keys).size); // a duplicate key would break strict log pipelines
    }
  });

  it('leave out probes and scrapes, which would otherwise be most of the log', async () => {
    const before = apiLogs.lines.length;
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      expect((await api.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    }
    expect(apiLogs.lines.slice(before)).toEqual([]);
  });

  it('name the problem and the tenant on a refused request', () => {
    const refused = apiLogs.records().find((record) => record.reqId === 'req-log-bad');

    expect(refused).toMatchObject({
      msg: 'request completed',
      res: { statusCode: 400 },
      problem: 'validation-failed',
      tenant: 'acme',
      detail: expect.stringContaining('/payload/ms'),
    });
  });

  it('follow the job through the worker to its result with the same job id and tenant', () => {
    const jobLines = workerLogs.records().filter((record) => record.jobId === 'acme~log-me');

    // One line per run at info, like one per request; `job started` is a debug line.
    expect(jobLines).toEqual([
      expect.objectContaining({ msg: 'job succeeded', tenant: 'acme', type: 'sleep', attempt: 1, durationMs: expect.any(Number) }),
    ]);
  });

  it('redact an authorization header or cookie that a log call passes by mistake', () => {
    const { logger, records } = captureLogs('redaction');
    logger.info({ req: { headers: { authorization: `Bearer ${token}`, cookie: `job_intake_admin=${adminToken}` } } }, 'oops');

    expect(records()[0]).toMatchObject({ req: { headers: { authorization: '[redacted]', cookie: '[redacted]' } } });
  });
});
