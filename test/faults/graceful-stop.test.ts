import { beforeEach, describe, expect, it } from 'vitest';
import { startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { call, receiptFrom, submitTo } from '../helpers/processes.js';

let deployment: Deployment;
beforeEach(async () => {
  deployment = await startDeployment();
  return () => deployment.stop();
});

describe('SIGTERM to a worker', () => {
  it('lets its active job finish, takes no new one, and exits 0', async () => {
    const api = await deployment.start('web');
    const worker = await deployment.start('worker', { LOG_LEVEL: 'debug' }); // 'job started' is a debug line
    await submitTo(api, 'active', { type: 'sleep', payload: { ms: 1500, result: 'finished' } });
    await worker.waitForLog((e) => e.msg === 'job started' && e.jobId === 'default~active');

    worker.kill('SIGTERM');
    await worker.waitForLog((e) => e.msg === 'shutting down');
    await submitTo(api, 'after-sigterm', { type: 'sleep', payload: { ms: 0 } });

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse((await receiptFrom(api, 'active')).body)).toMatchObject({ status: 'succeeded', attempts: 1, result: 'finished' });
    expect(JSON.parse((await receiptFrom(api, 'after-sigterm')).body)).toMatchObject({ status: 'queued' });
    expect(worker.logs.filter((e) => e.msg === 'job started' && e.jobId === 'default~after-sigterm')).toEqual([]);
    // Lines are written in batches: the last ones must still be out after the exit.
    expect(worker.logs.at(-1)).toMatchObject({ msg: 'shut down cleanly' });
  });

  it('lets a job longer than 5 s finish within its grace period, stores its result, and exits 0', async () => {
    const api = await deployment.start('web');
    const worker = await deployment.start('worker', { LOG_LEVEL: 'debug', SHUTDOWN_GRACE_MS: '20000' });
    await submitTo(api, 'eight-seconds', { type: 'sleep', payload: { ms: 8000, result: 'all of it' } });
    await worker.waitForLog((e) => e.msg === 'job started' && e.jobId === 'default~eight-seconds');

    worker.kill('SIGTERM');

    expect(await worker.exited).toEqual({ code: 0, signal: null });
    expect(JSON.parse((await receiptFrom(api, 'eight-seconds')).body)).toMatchObject({ status: 'succeeded', attempts: 1, result: 'all of it' });
    expect(worker.logs.at(-1)).toMatchObject({ msg: 'shut down cleanly' });
  });
});

describe('SIGTERM to an API process', () => {
  it('answers requests in flight (long-polls at once, with the current state), refuses new connections, and exits 0', async () => {
    const api = await deployment.start('web', { LOG_LEVEL: 'debug' }); // 'incoming request' is a debug line
    await submitTo(api, 'pending', { type: 'sleep', payload: { ms: 1 } }); // no worker: stays queued
    const longPoll = receiptFrom(api, 'pending', 25);
    await api.waitForLog((e) => e.msg === 'incoming request' && String((e.req as { url?: string })?.url).includes('wait=25'));

    const started = Date.now();
    api.kill('SIGTERM');
    const answer = await longPoll;

    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ key: 'pending', status: 'queued' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await api.exited).toEqual({ code: 0, signal: null });
    expect(api.logs.at(-1)).toMatchObject({ msg: 'shut down cleanly' }); // the last batch of lines is out
    const after = await call(`${api.url}/healthz`, { timeoutMs: 2000 });
    expect(after.status).toBe(0);
    expect(after.body).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
