import type { AddressInfo } from 'node:net';
import { closeAll } from '../../src/shared/close-all.js';
import { openInspector, startApi, startWorker, testConfig } from './harness.js';

/**
 * The real service on a real port, as a client sees it: the API listening on
 * 127.0.0.1, a worker (unless `worker: false`), and an inspector to count what
 * Redis holds. A fresh queue prefix each time, over the caller's own redis-server.
 */
export async function startLiveService(redisUrl: string, options: { env?: Record<string, string>; worker?: boolean } = {}) {
  // A short grace: a test that leaves a long job running should not wait 5 s to close.
  const config = testConfig(redisUrl, { SHUTDOWN_GRACE_MS: '500', ...options.env });
  const api = await startApi(config);
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as AddressInfo;
  const worker = options.worker === false ? undefined : await startWorker(config);
  const inspector = await openInspector(config);
  return {
    config,
    url: `http://127.0.0.1:${port}`,
    inspector,
    close: () =>
      closeAll([
        ['api', () => api.close()],
        ['worker', () => worker?.close() ?? Promise.resolve()],
        ['inspector', () => inspector.close()],
      ]),
  };
}

export type LiveService = Awaited<ReturnType<typeof startLiveService>>;
