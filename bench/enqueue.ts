import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { freePort } from '../src/dev/free-port.js';
import { intakeApiEntry } from './paths.js';
import { startNode, waitForOk } from './process.js';
import { BENCH_TOKEN } from './subjects/http-subjects.js';

const HTTP_CONCURRENCY = 32;
const BULK_CHUNK = 1000;

export type JobBody = { readonly type: string; readonly payload: Record<string, unknown> };

/**
 * Submits `count` jobs through job-intake's real API process (so Redis holds
 * exactly what production stores: job options, fingerprint, ids), keys
 * `<prefix>-0` ... The API is stopped before the caller times the drain, so it
 * competes with nothing.
 */
export async function enqueueThroughIntake(redisUrl: string, queuePrefix: string, count: number, body: (i: number) => JobBody) {
  const port = await freePort();
  const api = startNode(intakeApiEntry, {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    API_KEYS: `bench:${BENCH_TOKEN}`,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  });
  try {
    await waitForOk(`http://127.0.0.1:${port}/readyz`);
    let next = 0;
    const submitOne = async (i: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': `e2e-${i}`, authorization: `Bearer ${BENCH_TOKEN}` },
        body: JSON.stringify(body(i)),
      });
      await res.arrayBuffer();
      if (res.status !== 202) throw new Error(`job-intake answered ${res.status} to job ${i}`);
    };
    const lane = async () => {
      while (next < count) await submitOne(next++);
    };
    await Promise.all(Array.from({ length: HTTP_CONCURRENCY }, lane));
  } finally {
    await api.stop();
  }
}

/** Adds `count` jobs straight into BullMQ, the way a bare BullMQ user would (job id = the key). */
export async function enqueueBare(redisUrl: string, queuePrefix: string, count: number, body: (i: number) => JobBody) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('jobs', { connection, prefix: queuePrefix });
  try {
    for (let start = 0; start < count; start += BULK_CHUNK) {
      const chunk = Array.from({ length: Math.min(BULK_CHUNK, count - start) }, (_, offset) => {
        const { type, payload } = body(start + offset);
        return { name: type, data: payload, opts: { jobId: `e2e-${start + offset}` } };
      });
      await queue.addBulk(chunk);
    }
  } finally {
    await queue.close();
    await connection.quit();
  }
}
