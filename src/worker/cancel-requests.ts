import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { duplicateRedis, type RedisClient } from '../shared/redis.js';
import { cancelChannel } from '../shared/cancellation.js';

const REMEMBER_MS = 60_000;
const MAX_REMEMBERED = 10_000;
/** The field the API's cancel script sets on the job hash (cancel-job-script.ts). */
const CANCEL_FLAG = 'cx';

/** The job hash's key, where the cancel flag lives. */
const hashKeyOf = (job: Job) => `${job.queueQualifiedName}:${job.id}`;

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
    /**
     * True when the job was canceled before this run began: a broadcast heard
     * early, or the flag on its hash. The flag is read before every run, not
     * only reruns: a canceled job can come back through a retry from the
     * dashboard or any BullMQ client.
     */
    async canceledBeforeStart(job: Job): Promise<boolean> {
      const until = remembered.get(job.id ?? '');
      remembered.delete(job.id ?? '');
      if (until !== undefined && until > Date.now()) return true;
      return (await deps.connection.hexists(hashKeyOf(job), CANCEL_FLAG)) === 1;
    },
    close: async () => {
      subscriber.disconnect();
    },
  };
}

export type CancelRequests = ReturnType<typeof listenForCancels>;
