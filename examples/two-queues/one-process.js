// The API and a worker in one process of your own, instead of `job-intake api`
// and `job-intake worker`: node one-process.js (REDIS_URL, AUTH or API_KEYS, PORT
// as for the binary). Stops gracefully on SIGTERM or Ctrl-C.
import { createRegistry, loadConfig, startApi, startWorker } from 'job-intake/server';
import jobs from './jobs.js';

const config = loadConfig(process.env);
const registry = createRegistry(jobs);
const api = await startApi({ config, registry });
const worker = await startWorker({ config, registry });

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await api.close(); // stop taking requests, answer those in flight
    await worker.close(); // let running jobs finish (up to SHUTDOWN_GRACE_MS)
    process.exit(0);
  });
}
