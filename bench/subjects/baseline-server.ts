import { Queue } from 'bullmq';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';

/** What every baseline subject reads from its environment (set by the bench). */
export function baselineEnv() {
  const { PORT, REDIS_URL, QUEUE_PREFIX } = process.env;
  if (PORT === undefined || REDIS_URL === undefined || QUEUE_PREFIX === undefined) {
    throw new Error('baseline subjects need PORT, REDIS_URL and QUEUE_PREFIX');
  }
  return { port: Number(PORT), redisUrl: REDIS_URL, prefix: QUEUE_PREFIX };
}

/** The `jobs` queue a baseline adds to, under the bench's prefix, on a connection of its own. */
export function baselineQueue(redisUrl: string, prefix: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('jobs', { connection, prefix });
  return {
    connection,
    queue,
    ready: () => queue.waitUntilReady(),
    close: async () => {
      await queue.close();
      await connection.quit();
    },
  };
}

/**
 * A bare fastify: no logger, no hooks, the default JSON parser. Baselines are
 * what a user would write in an afternoon, so they get nothing job-intake has.
 */
export function baselineApp(): FastifyInstance {
  return Fastify({ logger: false });
}

/** Adds /readyz (the bench waits on it), listens on 127.0.0.1 and closes on SIGTERM. */
export async function serveBaseline(app: FastifyInstance, port: number, ready: () => Promise<unknown>, close: () => Promise<unknown>) {
  app.get('/readyz', async () => {
    await ready();
    return { ready: true };
  });
  await app.listen({ port, host: '127.0.0.1' });
  process.once('SIGTERM', () => {
    void app
      .close()
      .then(close)
      .finally(() => process.exit(0));
  });
}
