/**
 * Bare BullMQ worker: the no-op every job-intake worker is compared with. Same
 * queue, same concurrency, a processor that returns null, default options.
 */
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';

const { REDIS_URL, QUEUE_PREFIX, CONCURRENCY } = process.env;
if (REDIS_URL === undefined || QUEUE_PREFIX === undefined) throw new Error('bare-worker needs REDIS_URL and QUEUE_PREFIX');

const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
const worker = new Worker('jobs', async () => null, {
  connection,
  prefix: QUEUE_PREFIX,
  concurrency: Number(CONCURRENCY ?? 10),
});
worker.on('error', (err) => process.stderr.write(`bare worker: ${err.message}\n`));

process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => connection.quit())
    .finally(() => process.exit(0));
});
