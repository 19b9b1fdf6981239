import { afterAll, beforeAll, expect, it } from 'vitest';
import { openInspector, testConfig } from '../helpers/harness.js';
import { startDeployment, type Deployment } from '../helpers/fault-cluster.js';
import { receiptFrom, submitTo, type ServiceProcess } from '../helpers/processes.js';

let deployment: Deployment;
let apis: ServiceProcess[];
let workers: ServiceProcess[];

beforeAll(async () => {
  deployment = await startDeployment();
  apis = await Promise.all([deployment.start('web'), deployment.start('web')]);
  // Each run logs 'job started', a debug line: the test counts runs by it.
  const debugLogs = { LOG_LEVEL: 'debug' };
  workers = await Promise.all([deployment.start('worker', debugLogs), deployment.start('worker', debugLogs)]);
});
afterAll(async () => {
  await deployment.stop();
});

it('turns 600 concurrent requests with one key, over two API processes, into one job run once', async () => {
  const body = { type: 'sleep', payload: { ms: 200, result: { charged: 1 } } };
  const answers = await Promise.all(Array.from({ length: 600 }, (_, i) => submitTo(apis[i % 2]!, 'storm-key', body)));

  expect(answers.filter((res) => res.status !== 202).map((res) => `${res.status} ${res.body.slice(0, 80)}`)).toEqual([]);
  expect(new Set(answers.map((res) => res.body)).size).toBe(1);
  expect(answers.filter((res) => res.headers.get('idempotent-replayed') === null)).toHaveLength(1);

  const done = await receiptFrom(apis[0]!, 'storm-key', 20);
  expect(JSON.parse(done.body)).toMatchObject({ status: 'succeeded', attempts: 1, result: { charged: 1 } });

  const inspector = await openInspector(testConfig(deployment.redis.url, { QUEUE_PREFIX: deployment.env.QUEUE_PREFIX }));
  try {
    expect(await inspector.jobCount()).toBe(1);
  } finally {
    await inspector.close();
  }
  // The handler's side effect, counted where it happens: each run logs "job started" in its worker.
  const runs = workers.flatMap((worker) => worker.logs).filter((entry) => entry.msg === 'job started' && entry.jobId === 'default~storm-key');
  expect(runs).toHaveLength(1);
});
