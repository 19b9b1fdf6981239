import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type RedisServer } from '../../src/dev/redis-server.js';

export { startRedisServer, type RedisServer };

/**
 * A private redis-server for this test file: started before its tests, stopped
 * after them. Read `.url` inside tests and hooks (it exists once started).
 */
export function useRedisServer(): { readonly url: string; readonly server: RedisServer } {
  let server: RedisServer | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const started = () => {
    if (server === undefined) throw new Error('useRedisServer: read it inside a test or hook');
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get server() {
      return started();
    },
  };
}

/** How many clients of the test's own Redis at `url` have XREAD as their last command: BullMQ QueueEvents readers. */
export async function eventStreamReaders(url: string): Promise<number> {
  const client = new Redis(url);
  try {
    const clients = (await client.client('LIST')) as string;
    return clients.split('\n').filter((line) => / cmd=xread /.test(line)).length;
  } finally {
    client.disconnect();
  }
}
