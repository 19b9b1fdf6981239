import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { connectApi } from '../../src/api/connect-api.js';
import { startRedisCluster, type RedisCluster } from '../../src/dev/redis-cluster.js';
import { closeAll } from '../../src/shared/close-all.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry } from '../../src/jobs/job-type.js';
import { assertBuilt } from '../helpers/built-dist.js';
import { FAST_RECOVERY_ENV } from '../helpers/fault-cluster.js';
import { silentLogger, testConfig } from '../helpers/harness.js';
import { startService, stopAll, submitTo, type HttpAnswer, type ServiceProcess } from '../helpers/processes.js';

// A freshly started API process on Redis Cluster: its queues start a moment
// after the connection is up. It must not take traffic before it can serve it.

let cluster: RedisCluster;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
}, 60_000);
afterAll(async () => {
  await stopAll(services);
  await cluster?.stop();
});

/** A `web` process from the Procfile, not waited for: the test sees it from its first answer on. */
async function startApi(): Promise<ServiceProcess> {
  assertBuilt('api'); // the process runs dist/, as in production
  const env = { ...FAST_RECOVERY_ENV, REDIS_CLUSTER_NODES: cluster.nodeList, QUEUE_SHARDS: '3', QUEUE_PREFIX: `c${randomUUID().slice(0, 8)}` };
  const api = await startService('web', env, { waitReady: false });
  services.push(api);
  return api;
}

/** The first answer the API gives to a submission: knocks until it listens (a refused connection is status 0). */
async function firstAnswer(api: ServiceProcess, key: string): Promise<HttpAnswer> {
  let answer: HttpAnswer | undefined;
  await expect
    .poll(async () => (answer = await submitTo(api, key, { type: 'sleep', payload: { ms: 0 } })).status, { timeout: 15_000, interval: 20 })
    .not.toBe(0);
  return answer!;
}

describe('an API process started on a 3-master Redis Cluster with 3 shards', () => {
  it('answers its very first submission with a 202', async () => {
    const api = await startApi();

    const first = await firstAnswer(api, 'first');

    expect(first.status, first.body).toBe(202);
    expect(first.headers.get('location')).toBe('/v1/receipts/first');
  });

  it('answers its very first submission with a 202 when the cluster is slow to answer as it starts', async () => {
    // Every node holds all commands for a second: the connection and the queues start late.
    await Promise.all(cluster.nodes.map((node) => cluster.redisCli('-p', String(node.port), 'client', 'pause', '1000', 'all')));
    const api = await startApi();

    const first = await firstAnswer(api, 'slow-start');

    expect(first.status, first.body).toBe(202);
  });
});

describe('a submission that reaches an API whose connection is up but whose queues are still starting', () => {
  it('waits for them within REDIS_TIMEOUT_MS and gets its 202', async () => {
    const config = testConfig('redis://unused:1', { REDIS_CLUSTER_NODES: cluster.nodeList, QUEUE_SHARDS: '3' });
    const apiServices = connectApi(config, createRegistry(demoJobTypes), silentLogger);
    const app = await buildApp({ config, logger: silentLogger, ...apiServices.appDeps });
    try {
      if (apiServices.connection.status !== 'ready') await once(apiServices.connection, 'ready');

      const res = await app.inject({
        method: 'POST',
        url: '/v1/jobs',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'early' },
        payload: JSON.stringify({ type: 'sleep', payload: { ms: 0 } }),
      });

      expect(res.statusCode, res.body).toBe(202);
    } finally {
      await closeAll([['app', () => app.close()], ['services', () => apiServices.close()]]);
    }
  });
});
