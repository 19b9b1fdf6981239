import { beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { call, receiptFrom, submitTo, type ServiceProcess } from '../helpers/processes.js';

let deployment: Deployment;
beforeEach(async () => {
  deployment = await startDeployment();
  return () => deployment.stop();
});

/** Submits `count` one-second jobs and waits for each to end; returns their receipts. */
async function runJobs(api: ServiceProcess, count: number, prefix: string) {
  const keys = Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
  await Promise.all(keys.map((key) => submitTo(api, key, { type: 'sleep', payload: { ms: 1000, result: key } })));
  return Promise.all(keys.map(async (key) => JSON.parse((await receiptFrom(api, key, 20)).body) as Record<string, unknown>));
}

describe('several workers from the Procfile on one host', () => {
  it.each([2, 3])('runs %i workers started as a process manager starts them: all stay up and all take jobs', async (count) => {
    const api = await deployment.start('web');
    // One job at a time each, so the jobs spread over every worker.
    const workers = await Promise.all(Array.from({ length: count }, () => deployment.start('worker', { WORKER_CONCURRENCY: '1' })));

    const receipts = await runJobs(api, 2 * count, 'scaled');

    expect(receipts.map((receipt) => receipt.status)).toEqual(Array(2 * count).fill('succeeded'));
    for (const worker of workers) {
      await worker.waitForLog((entry) => entry.msg === 'job succeeded');
      expect(worker.logs).toContainEqual(expect.objectContaining({ level: 30, msg: 'worker metrics off: METRICS_PORT is unset' }));
      expect(worker.child.exitCode).toBeNull();
    }
  });

  it('a worker whose METRICS_PORT another worker holds warns, serves no metrics, and runs jobs all the same', async () => {
    const api = await deployment.start('web');
    const port = await freePort();
    const first = await deployment.start('worker', { METRICS_PORT: String(port) });
    const second = await deployment.start('worker', { METRICS_PORT: String(port), WORKER_CONCURRENCY: '1' });

    const warning = await second.waitForLog((entry) => entry.level === 40 && String(entry.msg).startsWith('worker metrics off'));
    expect(warning.msg).toBe(`worker metrics off: cannot listen on METRICS_PORT ${port} (EADDRINUSE); jobs run as usual`);
    expect(first.logs).toContainEqual(expect.objectContaining({ msg: `worker metrics at http://127.0.0.1:${port}/metrics` }));
    const scrape = await call(`http://127.0.0.1:${port}/metrics`);
    expect(scrape.status).toBe(200);
    expect(scrape.body).toContain('job_intake_job_runs_total');

    // The first worker stops, so the second must run the jobs.
    first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const receipts = await runJobs(api, 2, 'after-warning');
    expect(receipts.map((receipt) => receipt.status)).toEqual(['succeeded', 'succeeded']);
    expect(second.child.exitCode).toBeNull();
  });
});
