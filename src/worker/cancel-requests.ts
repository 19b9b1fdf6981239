import { duplicateRedis, type RedisClient } from '../shared/redis.js';
import type { Logger } from 'pino';
import { cancelChannel } from '../shared/cancellation.js';

const REMEMBER_MS = 60_000;
const MAX_REMEMBERED = 10_000;

/**
 * Hears the API's cancel broadcasts. A job this worker runs has its handler's
 * signal fired at once; a request for a job it does not hold (yet) is
 * remembered for a minute, because the broadcast can overtake the worker's own
 * start of that job. Every worker hears every broadcast: only the holder acts.
 */
export function listenForCancels(deps: { connection: RedisClient; prefix: string; logger: Logger }) {
  const remembered = new Map<string, number>();
  let cancelRunning: (jobId: string) => boolean = () => false;
  const subscriber = duplicateRedis(deps.connection, 'job-intake:worker-cancels');
  subscriber.on('error', (err) => deps.logger.warn({ err }, 'cancel subscriber connection error'));
  void subscriber.subscribe(cancelChannel(deps.prefix)).catch((err: unknown) => {
    deps.logger.error({ err }, 'could not subscribe to cancel requests');
  });
  subscriber.on('message', (_channel: string, jobId: string) => {
    if (cancelRunning(jobId)) {
      deps.logger.info({ jobId }, 'cancel requested: aborting the running handler');
      return;
    }
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(jobId, Date.now() + REMEMBER_MS);
  });

  return {
    /** What stops a run this process holds (the job runner, built after this listener). */
    attach(runner: { cancel(jobId: string): boolean }) {
      cancelRunning = (jobId) => runner.cancel(jobId);
    },
    /** True (once) when a cancel for this job arrived before its run began. */
    arrivedEarly(jobId: string): boolean {
      const until = remembered.get(jobId);
      remembered.delete(jobId);
      return until !== undefined && until > Date.now();
    },
    close: async () => {
      subscriber.disconnect();
    },
  };
}

export type CancelRequests = ReturnType<typeof listenForCancels>;
