import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { closeRedis, connectRedis, patientRedisOptions } from '../../src/shared/redis.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry } from '../../src/jobs/job-type.js';
import { createWorker } from '../../src/worker/worker.js';
import { silentLogger, testConfig } from '../helpers/harness.js';
import { startRedisServer, useRedisServer } from '../helpers/redis-server.js';

const redis = useRedisServer();

/** The names of the clients connected to the test's Redis, other than the one asking. */
async function connectedClients(): Promise<string[]> {
  const client = new Redis(redis.url);
  try {
    const lines = ((await client.client('LIST')) as string).trim().split('\n');
    return lines.filter((line) => !/ cmd=client\|list /.test(line)).map((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? '');
  } finally {
    client.disconnect();
  }
}

describe('closing a worker', () => {
  it('closes every shard and the cancel listener when one shard fails to close, and reports that shard', async () => {
    const config = testConfig(redis.url, { QUEUE_SHARDS: '2' });
    const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'test:worker');
    const worker = createWorker({ config, connection, registry: createRegistry(demoJobTypes), logger: silentLogger });
    await worker.waitUntilReady();
    expect(await connectedClients()).toContain('job-intake:worker-cancels');
    // A fault in shard 0's first close step (what a lost Redis reply would do).
    worker.workers[0]!.pause = () => Promise.reject(new Error('pause failed'));

    const closed = await worker.close().then(
      () => undefined,
      (err: unknown) => err,
    );

    expect(closed).toBeInstanceOf(AggregateError);
    expect((closed as AggregateError).errors.map((err: Error) => err.message)).toEqual(['closing queue "default" of shard 0 failed']);
    // Only the connection the test passed in is left: both BullMQ workers' blocking
    // connections, and the cancel subscriber, are gone.
    expect(await connectedClients()).toEqual(['test:worker']);
    await closeRedis(connection);
  });

  it('closes cleanly within its grace when Redis goes away while its periodic sweeps wait on it', async () => {
    const own = await startRedisServer();
    const config = testConfig(own.url, { SHUTDOWN_GRACE_MS: '200' });
    const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'test:worker');
    connection.on('error', () => {}); // Redis goes away on purpose
    const worker = createWorker({ config, connection, registry: createRegistry(demoJobTypes), logger: silentLogger });
    await worker.waitUntilReady();
    // Redis stops answering, then dies: the webhook sweep's next pass (every
    // STALLED_INTERVAL_MS) is left waiting in the connection's offline queue.
    const pauser = new Redis(own.url);
    await pauser.client('PAUSE', 60_000, 'ALL');
    await new Promise((resolve) => setTimeout(resolve, Number(config.STALLED_INTERVAL_MS) + 300));
    await own.kill();
    pauser.disconnect();

    const started = Date.now();
    await expect(worker.close()).resolves.toBeUndefined();
    // Not the 5 s backstop of a close step waiting on Redis: the grace, and a little.
    expect(Date.now() - started).toBeLessThan(2500);
    connection.disconnect();
  });
});
