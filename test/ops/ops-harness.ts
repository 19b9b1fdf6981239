import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../../src/config.js';
import { closeAll, DEFAULT_STEP_TIMEOUT_MS } from '../../src/shared/close-all.js';
import { createMetricsRegistry } from '../../src/shared/metrics/metrics-registry.js';
import { closeRedis, connectRedis, patientRedisOptions } from '../../src/shared/redis.js';
import { demoJobTypes } from '../../src/jobs/demo/index.js';
import { createRegistry } from '../../src/jobs/job-type.js';
import { buildMetricsServer } from '../../src/worker/metrics-server.js';
import { registerWorkerMetrics } from '../../src/worker/metrics/worker-metrics.js';
import { createWorker } from '../../src/worker/worker.js';
import { silentLogger } from '../helpers/harness.js';

/** A worker as worker/main.ts wires it: the worker, its metrics, and its /metrics + /healthz server (not listening). */
export async function startObservedWorker(config: Config, options: { logger?: Logger } = {}) {
  const logger = options.logger ?? silentLogger;
  const connection = connectRedis(config.redisTarget, patientRedisOptions(), 'test:observed-worker');
  connection.on('error', () => {}); // tests stop Redis on purpose
  const worker = createWorker({ config, connection, registry: createRegistry(demoJobTypes), logger });
  await worker.waitUntilReady();
  const registry = createMetricsRegistry();
  registerWorkerMetrics(registry, {
    workers: worker.workers,
    deliveryWorkers: worker.deliveryWorkers,
    connection,
    jobTypes: createRegistry(demoJobTypes),
    redisTimeoutMs: config.REDIS_TIMEOUT_MS,
  });
  const server = await buildMetricsServer({ registry, logger });
  await server.ready();
  return {
    worker: worker.workers[0]!,
    server,
    close: () =>
      closeAll([
        ['worker', () => worker.close(), { timeoutMs: config.SHUTDOWN_GRACE_MS + DEFAULT_STEP_TIMEOUT_MS }],
        ['metrics server', () => server.close()],
        ['redis', () => closeRedis(connection)],
      ]),
  };
}

export async function scrape(app: FastifyInstance): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  return res.body;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The value of the sample `name` whose labels include `labels` (summed when
 * several match), or undefined when there is none: what a PromQL selector reads.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let total: number | undefined;
  for (const line of text.split('\n')) {
    const match = SAMPLE.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(LABEL)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) total = (total ?? 0) + Number(match[3]);
  }
  return total;
}

/** Listens on a free loopback port and returns the base URL. */
export async function listenLocally(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}
