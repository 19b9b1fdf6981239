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
