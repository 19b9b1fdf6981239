import { beforeEach, describe, expect, it } from 'vitest';
import { openInspector, testConfig } from '../helpers/harness.js';
import { FAST_RECOVERY_ENV, startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { receiptFrom, submitTo, type HttpAnswer, type ServiceProcess } from '../helpers/processes.js';

let deployment: Deployment;
beforeEach(async () => {
  deployment = await startDeployment();
  return () => deployment.stop();
});

async function jobCount(): Promise<number> {
  const inspector = await openInspector(testConfig(deployment.redis.url, { QUEUE_PREFIX: deployment.env.QUEUE_PREFIX }));
  try {
    return await inspector.jobCount();
  } finally {
    await inspector.close();
  }
}

/** SIGTERM, then the exit: logs are written in batches, and the last one at exit. */
async function stopped(service: ServiceProcess): Promise<void> {
  service.kill('SIGTERM');
  expect(await service.exited).toEqual({ code: 0, signal: null });
}

/** Each run of a handler logs `job started`, at debug. */
const DEBUG_LOGS = { LOG_LEVEL: 'debug' };

function runsOf(workers: ServiceProcess[], jobId: string) {
  return workers.flatMap((worker) => worker.logs).filter((entry) => entry.msg === 'job started' && entry.jobId === jobId);
}

describe('an API process killed mid-request', () => {
  it('loses no job and doubles none when clients retry on the other process', async () => {
    const [doomed, survivor] = await Promise.all([deployment.start('web'), deployment.start('web')]);
    const worker = await deployment.start('worker', DEBUG_LOGS);
    const keys = Array.from({ length: 300 }, (_, i) => `crash-${i}`);
    const body = (key: string) => ({ type: 'sleep', payload: { ms: 20, result: key } });

    // 100 clients, each sending its keys one after another; the process is killed
    // as soon as the first answer arrives, so about 100 requests are in flight
    // (some enqueued, unanswered) and the rest find it gone. Not on a log line:
    // lines are written in batches, and by the time one arrived every request
    // could have been answered.
    const CLIENTS = 100;
    const firstTries: HttpAnswer[] = [];
    let killed = false;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = client; i < keys.length; i += CLIENTS) {
          firstTries[i] = await submitTo(doomed, keys[i]!, body(keys[i]!), 10_000);
          if (!killed) doomed.kill('SIGKILL');
          killed = true;
        }
      }),
    );
    const lost = firstTries.filter((res) => res.status !== 202).length;
    expect(lost).toBeGreaterThan(0); // the kill really cut requests off

    // Clients retry every request that did not get its 202, with the same key, on the other process.
    const retries = await Promise.all(
      keys.map(async (key, i) => (firstTries[i]!.status === 202 ? null : submitTo(survivor, key, body(key)))),
    );
    expect(retries.filter((res) => res !== null && res.status !== 202)).toEqual([]);

    const receipts = await Promise.all(keys.map((key) => receiptFrom(survivor, key, 20)));
    expect(receipts.map((res) => JSON.parse(res.body).status)).toEqual(keys.map(() => 'succeeded'));
    expect(receipts.map((res) => JSON.parse(res.body).result)).toEqual(keys);
    expect(await jobCount()).toBe(keys.length);
    await stopped(worker); // its last log lines are out once it has exited
    for (const key of keys) expect(runsOf([worker], `default~${key}`)).toHaveLength(1);
  });
});

describe('a worker process killed mid-job', () => {
  it('has its jobs finished by another worker within the lock and stall bound, even after a second crash', async () => {
    const bound = Number(FAST_RECOVERY_ENV.LOCK_DURATION_MS) + Number(FAST_RECOVERY_ENV.STALLED_INTERVAL_MS) + 2000;
    const api = await deployment.start('web');
    const first = await deployment.start('worker', DEBUG_LOGS);
    const keys = ['long-0', 'long-1', 'long-2'];
    for (const key of keys) await submitTo(api, key, { type: 'sleep', payload: { ms: 2500, result: key } });
    for (const key of keys) await first.waitForLog((e) => e.msg === 'job started' && e.jobId === `default~${key}`);

    first.kill('SIGKILL');
    const killedAt = Date.now();
    const second = await deployment.start('worker', DEBUG_LOGS);
    for (const key of keys) {
      const rerun = await second.waitForLog((e) => e.msg === 'job started' && e.jobId === `default~${key}`, bound + 5000);
      expect(rerun.attempt).toBe(2);
    }
    expect(Date.now() - killedAt).toBeLessThan(bound + 2000);

    second.kill('SIGKILL'); // a second crash, while the jobs run again
    const third = await deployment.start('worker', DEBUG_LOGS);
    const receipts = await Promise.all(keys.map((key) => receiptFrom(api, key, 25)));
    for (const [i, res] of receipts.entries()) {
      expect(JSON.parse(res.body)).toMatchObject({ status: 'succeeded', attempts: 3, result: keys[i] });
    }
    await stopped(third);
    for (const key of keys) expect(runsOf([first, second, third], `default~${key}`)).toHaveLength(3);
  });
});
