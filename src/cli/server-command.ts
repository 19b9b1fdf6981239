import { parseArgs } from 'node:util';
import { loadConfigOrExit } from '../config.js';
import { assertHttpEndpointsAllowed } from '../jobs/http-endpoints.js';
import { loadJobTypes } from '../jobs/load-job-types.js';
import { createLogger } from '../shared/logger.js';
import { exitOnSignals } from '../shared/signals.js';

/** Flags of `job-intake api` and `job-intake worker`, and the variable each stands for. */
const FLAGS = {
  api: { jobs: 'JOB_TYPES_MODULE' },
  worker: { jobs: 'JOB_TYPES_MODULE', queues: 'WORKER_QUEUES', concurrency: 'WORKER_CONCURRENCY' },
} as const;

export type ServerCommand = keyof typeof FLAGS;

/**
 * `job-intake api [--jobs FILE]` and `job-intake worker [--jobs FILE]
 * [--queues A,B] [--concurrency N]`: each flag wins over the environment
 * variable it stands for (JOB_TYPES_MODULE, WORKER_QUEUES, WORKER_CONCURRENCY),
 * then the configuration is read once, as for any process: a bad flag or
 * variable, or a job types module that cannot be loaded, stops it with exit 2.
 * Runs until SIGTERM or SIGINT, then stops gracefully.
 */
export async function runServerCommand(name: ServerCommand, argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const flags = FLAGS[name];
  const fail = (message: string): never => {
    process.stderr.write(`job-intake ${name}: ${message}\n`);
    process.exit(2);
  };
  let values: Record<string, string | undefined> = {};
  try {
    const options = Object.fromEntries(Object.keys(flags).map((flag) => [flag, { type: 'string' as const }]));
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }) as { values: Record<string, string> });
  } catch (err) {
    fail(`${(err as Error).message} (job-intake --help lists the flags)`);
  }
  const fromFlags = Object.fromEntries(
    Object.entries(flags).flatMap(([flag, variable]) => (values[flag] === undefined ? [] : [[variable, values[flag]]])),
  );
  const config = loadConfigOrExit({ ...env, ...fromFlags }, `job-intake ${name}`, name);
  const registry = await loadJobTypes(config.JOB_TYPES_MODULE).catch((err: Error) => fail(err.message));
  try {
    assertHttpEndpointsAllowed(registry, config.OUTBOUND_ALLOW_HOSTS);
  } catch (err) {
    fail((err as Error).message);
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: `job-intake-${name}` });

  if (name === 'api') {
    const { startApi } = await import('../api/start-api.js');
    const api = await startApi({ config, registry, logger });
    exitOnSignals({ logger, graceMs: config.SHUTDOWN_GRACE_MS, shutdown: () => api.close() });
  } else {
    const { startWorker } = await import('../worker/start-worker.js');
    const worker = await startWorker({ config, registry, logger }).catch((err: Error) => fail(err.message));
    exitOnSignals({ logger, graceMs: config.SHUTDOWN_GRACE_MS, deadlineMs: worker.closeDeadlineMs, shutdown: () => worker.close() });
  }
}
