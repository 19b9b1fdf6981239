import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { startRedisCluster, type RedisCluster } from '../../src/dev/redis-cluster.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry, defineJobType } from '../../src/jobs/job-type.js';
import { shardIndex } from '../../src/shared/shards.js';
import { z } from 'zod';
import { openInspector, receipt, startApi, startWorker, submit, testConfig, TOKENS, type TestApi } from '../helpers/harness.js';

const SHARDS = 6;
let cluster: RedisCluster;
let config: Config;
let api: TestApi;
let worker: Awaited<ReturnType<typeof startWorker>>;
let inspector: Awaited<ReturnType<typeof openInspector>>;

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  config = testConfig('redis://unused:1', {
    REDIS_CLUSTER_NODES: cluster.nodeList,
    QUEUE_SHARDS: String(SHARDS),
    API_KEYS: `acme:${TOKENS.acme},globex:${TOKENS.globex}`,
  });
  api = await startApi(config);
  worker = await startWorker(config);
  inspector = await openInspector(config);
}, 60_000);
afterAll(async () => {
  await inspector?.close();
  await worker?.close();
  await api?.close();
  await cluster?.stop();
});

const sleep = (result: unknown) => ({ type: 'sleep', payload: { ms: 5, result } });
const acme = TOKENS.acme;

describe(`job-intake on a 3-master Redis Cluster with ${SHARDS} shards`, () => {
  it('accepts, replays byte for byte, refuses a mismatch, and runs every job to its result', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `order-${i}`);
    const firsts = await Promise.all(keys.map((key) => submit(api, { key, token: acme, body: sleep(key) })));
    expect(firsts.map((res) => res.statusCode)).toEqual(keys.map(() => 202));

    const replays = await Promise.all(keys.map((key) => submit(api, { key, token: acme, body: sleep(key) })));
    expect(replays.map((res) => res.body)).toEqual(firsts.map((res) => res.body));
    expect(replays.every((res) => res.headers['idempotent-replayed'] === 'true')).toBe(true);
    expect((await submit(api, { key: 'order-0', token: acme, body: sleep('other') })).statusCode).toBe(422);

    const receipts = await Promise.all(keys.map((key) => receipt(api, key, { token: acme, wait: 20 })));
    expect(receipts.map((res) => res.json().result)).toEqual(keys);
    expect(await inspector.jobCount()).toBe(keys.length);
    // The keys really spread: every shard got jobs, and the shards sit on more than one master.
    const usedShards = new Set(keys.map((key) => shardIndex(`acme~${key}`, SHARDS)));
    expect(usedShards.size).toBe(SHARDS);
    const owners = new Set(
      await Promise.all([...usedShards].map(async (index) => (await cluster.ownerOf(await keySlot(`{${config.QUEUE_PREFIX}-${index}}`))).port)),
    );
    expect(owners.size).toBeGreaterThan(1);
  });

  it('keeps tenants apart: the same key is two jobs, and neither tenant sees the other', async () => {
    const a = await submit(api, { key: 'shared', token: TOKENS.acme, body: sleep('a') });
    const b = await submit(api, { key: 'shared', token: TOKENS.globex, body: sleep('b') });

    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(a.json().id).not.toBe(b.json().id);
    expect((await receipt(api, 'shared', { token: TOKENS.globex, wait: 20 })).json().result).toBe('b');
    expect((await receipt(api, 'only-acme', { token: TOKENS.globex })).statusCode).toBe(404);
  });

  it('collapses a duplicate storm over two API instances into one job', async () => {
    const second = await startApi(config);
    try {
      const answers = await Promise.all(
        Array.from({ length: 300 }, (_, i) => submit(i % 2 ? api : second, { key: 'storm', token: acme, body: sleep('once') })),
      );
      expect(new Set(answers.map((res) => res.statusCode))).toEqual(new Set([202]));
      expect(new Set(answers.map((res) => res.body)).size).toBe(1);
      expect(answers.filter((res) => res.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
      expect((await receipt(api, 'storm', { token: acme, wait: 20 })).json()).toMatchObject({ status: 'succeeded', attempts: 1 });
      const queue = inspector.queueOf('acme~storm');
      expect(await queue.getJob('acme~storm')).toBeDefined();
    } finally {
      await second.close();
    }
  });

  it('cancels a queued job through its shard, and long-polls and Prefer: wait work there', async () => {
    const delayed = await submit(api, { key: 'to-cancel', token: acme, body: { ...sleep('never'), options: { delayMs: 60_000 } } });
    expect(delayed.statusCode).toBe(202);
    const canceled = await api.app.inject({ method: 'DELETE', url: '/v1/receipts/to-cancel', headers: { authorization: `Bearer ${acme}` } });
    expect(canceled.json()).toMatchObject({ status: 'canceled' });

    const quick = await submit(api, { key: 'sync', token: acme, body: sleep('now'), headers: { prefer: 'wait=10' } });
    expect(quick.statusCode).toBe(200);
    expect(quick.json()).toMatchObject({ status: 'succeeded', result: 'now' });
  });

  it('retries a failed job by key in its shard: it runs again with a fresh set of attempts', async () => {
    const failing = { type: 'sleep', payload: { ms: 1, failAttempts: 3, result: 'fourth run' } };
    await submit(api, { key: 'retry-me', token: acme, body: failing });
    expect((await receipt(api, 'retry-me', { token: acme, wait: 20 })).json()).toMatchObject({ status: 'failed', attempts: 3 });

    const retried = await api.app.inject({ method: 'POST', url: '/v1/receipts/retry-me/retry', headers: { authorization: `Bearer ${acme}` } });
    expect(retried.statusCode).toBe(202);
    expect((await receipt(api, 'retry-me', { token: acme, wait: 20 })).json()).toMatchObject({ status: 'succeeded', attempts: 4, result: 'fourth run' });
    const again = await api.app.inject({ method: 'POST', url: '/v1/receipts/retry-me/retry', headers: { authorization: `Bearer ${acme}` } });
    expect(again.statusCode).toBe(409);
  });

  it("lists a tenant's jobs from every shard, newest first, each once, and never another tenant's", async () => {
    const listConfig = { ...config, QUEUE_PREFIX: `${config.QUEUE_PREFIX}l` };
    const listApi = await startApi(listConfig);
    try {
      const made = [];
      for (let i = 0; i < 30; i += 1) made.push((await submit(listApi, { key: `listed-${i}`, token: acme, body: sleep(i) })).json());
      for (let i = 0; i < 5; i += 1) await submit(listApi, { key: `theirs-${i}`, token: TOKENS.globex, body: sleep(i) });
      const listAll = async (token: string) => {
        const keys: string[] = [];
        let cursor: string | undefined;
        do {
          const query = `?limit=7${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
          const page = (await listApi.app.inject({ method: 'GET', url: `/v1/jobs${query}`, headers: { authorization: `Bearer ${token}` } })).json();
          keys.push(...page.items.map((item: { key: string }) => item.key));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        return keys;
      };

      const newestFirst = [...made].sort((a, b) => (a.createdAt !== b.createdAt ? b.createdAt.localeCompare(a.createdAt) : b.id < a.id ? -1 : 1));
      expect(new Set(made.map((job) => shardIndex(job.id, SHARDS))).size).toBe(SHARDS);
      expect(await listAll(acme)).toEqual(newestFirst.map((job) => job.key));
      expect((await listAll(TOKENS.globex)).sort()).toEqual(['theirs-0', 'theirs-1', 'theirs-2', 'theirs-3', 'theirs-4']);
    } finally {
      await listApi.close();
    }
  });

  it('keeps one key one job across the queues of a shard, each queue in its shard\'s slot, and runs both queues', async () => {
    const render = defineJobType({
      type: 'render',
      description: 'A job of a queue of its own.',
      queue: 'gpu',
      payloadSchema: z.strictObject({ frame: z.number() }),
      run: async ({ frame }) => ({ frame }),
    });
    const registry = createRegistry([...demoJobTypes, render]);
    const queuesConfig = { ...config, QUEUE_PREFIX: `${config.QUEUE_PREFIX}q` };
    const queuesApi = await startApi(queuesConfig, { registry });
    const queuesWorker = await startWorker(queuesConfig, { registry });
    const queuesInspector = await openInspector(queuesConfig, ['default', 'gpu']);
    try {
      const keys = Array.from({ length: 24 }, (_, i) => `mixed-${i}`);
      const bodyOf = (i: number) => (i % 2 ? { type: 'render', payload: { frame: i } } : sleep(i));
      const firsts = await Promise.all(keys.map((key, i) => submit(queuesApi, { key, token: acme, body: bodyOf(i) })));
      expect(firsts.map((res) => res.statusCode)).toEqual(keys.map(() => 202));
      // The same keys for the other type: 422 each, in whichever queue the key lives.
      const crossed = await Promise.all(keys.map((key, i) => submit(queuesApi, { key, token: acme, body: bodyOf(i + 1) })));
      expect(crossed.map((res) => res.statusCode)).toEqual(keys.map(() => 422));

      const receipts = await Promise.all(keys.map((key) => receipt(queuesApi, key, { token: acme, wait: 20 })));
      expect(receipts.map((res) => res.json().result)).toEqual(keys.map((_, i) => (i % 2 ? { frame: i } : i)));
      expect(await queuesInspector.jobCount()).toBe(keys.length);
    } finally {
      await queuesInspector.close();
      await queuesWorker.close();
      await queuesApi.close();
    }
  });

  it("stores durable steps in each job's slot: a retry after a later step failed skips the finished step, on every shard", async () => {
    const charges = new Map<string, number>();
    const checkout = defineJobType({
      type: 'checkout',
      description: 'Charges, then ships; shipping fails on the first attempt.',
      payloadSchema: z.strictObject({}),
      attempts: 2,
      run: async (_payload, { jobId, attempt, step }) => {
        await step('charge', () => void charges.set(jobId, (charges.get(jobId) ?? 0) + 1));
        return step('ship', () => {
          if (attempt === 1) throw new Error('carrier down');
          return 'shipped';
        });
      },
    });
    const registry = createRegistry([checkout]);
    const stepsConfig = { ...config, QUEUE_PREFIX: `${config.QUEUE_PREFIX}s` };
    const stepsApi = await startApi(stepsConfig, { registry });
    const stepsWorker = await startWorker(stepsConfig, { registry });
    try {
      const keys = Array.from({ length: 12 }, (_, i) => `checkout-${i}`);
      await Promise.all(keys.map((key) => submit(stepsApi, { key, token: acme, body: { type: 'checkout', payload: {} } })));
      const receipts = await Promise.all(keys.map(async (key) => (await receipt(stepsApi, key, { token: acme, wait: 20 })).json()));

      expect(receipts.map((ended) => [ended.status, ended.attempts, ended.steps.map((step: { name: string }) => step.name)])).toEqual(
        keys.map(() => ['succeeded', 2, ['charge', 'ship']]),
      );
      expect(keys.map((key) => charges.get(`acme~${key}`))).toEqual(keys.map(() => 1));
      expect(new Set(keys.map((key) => shardIndex(`acme~${key}`, SHARDS))).size).toBeGreaterThan(1);
    } finally {
      await stepsWorker.close();
      await stepsApi.close();
    }
  });

  it("loses no accepted job while a shard's slot migrates to another master", async () => {
    const slot = await keySlot(`{${config.QUEUE_PREFIX}-0}`);
    const from = await cluster.ownerOf(slot);
    const to = cluster.nodes.find((node) => node !== from)!;
    const keys = Array.from({ length: 200 }, (_, i) => `migrating-${i}`).filter((key) => shardIndex(`acme~${key}`, SHARDS) === 0);

    // Submit while the slot moves; a 503 during the move is retried with the same key, as clients do.
    const submitUntilAccepted = async (key: string) => {
      for (let tries = 0; tries < 50; tries += 1) {
        const res = await submit(api, { key, token: acme, body: sleep(key) });
        if (res.statusCode === 202) return res;
        expect(res.statusCode).toBe(503);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`${key} never accepted`);
    };
    const [answers] = await Promise.all([Promise.all(keys.map(submitUntilAccepted)), cluster.migrateSlot(slot, to)]);
    expect(answers).toHaveLength(keys.length);
    expect(await cluster.ownerOf(slot)).toBe(to);

    const receipts = await Promise.all(keys.map((key) => receipt(api, key, { token: acme, wait: 20 })));
    expect(receipts.map((res) => res.json().status)).toEqual(keys.map(() => 'succeeded'));
    expect(receipts.map((res) => res.json().result)).toEqual(keys);
  });
});

async function keySlot(key: string): Promise<number> {
  return Number((await cluster.redisCli('-p', String(cluster.nodes[0]!.port), 'cluster', 'keyslot', key)).trim());
}
