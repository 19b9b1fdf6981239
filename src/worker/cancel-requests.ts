import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { CANCEL_FLAG, canceledByRequest } from '../bullmq/cancel-job.js';
import { jobHashKey } from '../bullmq/job-hash.js';
import { duplicateRedis, type RedisClient } from '../shared/redis.js';
import { cancelChannel } from '../shared/cancellation.js';

const REMEMBER_MS = 60_000;
const MAX_REMEMBERED = 10_000;


/**
 * How cancels reach the worker. The fast way is the API's broadcast: a job
 * this worker runs has its handler's signal fired at once; a request for a job
 * it does not hold (yet) is remembered for a minute, because the broadcast can
 * overtake the worker's own start of that job. Every worker hears every
 * broadcast: only the holder acts.
 *
 * Pub/sub is at most once (a broadcast sent while the subscriber reconnects is
 * lost), so the flag the cancel script leaves on the job hash is the truth:
 * it is read before every run (a canceled job can come back through a retry
 * from the dashboard), and for all running jobs every `recheckMs` (half the
 * lock duration: BullMQ's own lock-renewal pace) and when the subscriber
 * reconnects.
 */
export function listenForCancels(deps: { connection: RedisClient; prefix: string; recheckMs: number; logger: Logger }) {
  const remembered = new Map<string, number>();
  let runner: { cancel(jobId: string): boolean; runningJobs(): Job[] } = { cancel: () => false, runningJobs: () => [] };
  const subscriber = duplicateRedis(deps.connection, 'job-intake:worker-cancels');
  subscriber.on('error', (err) => deps.logger.warn({ err }, 'cancel subscriber connection error'));
  void subscriber.subscribe(cancelChannel(deps.prefix)).catch((err: unknown) => {
    deps.logger.error({ err }, 'could not subscribe to cancel requests');
  });
  subscriber.on('message', (_channel: string, jobId: string) => {
    if (runner.cancel(jobId)) {
      deps.logger.info({ jobId }, 'cancel requested: aborting the running handler');
      return;
    }
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!);
    remembered.set(jobId, Date.now() + REMEMBER_MS);
  });

  let rechecking: Promise<void> | undefined;
  /** Stops every running job whose flag is set; one pipeline per queue (a queue lives in one cluster slot). */
  async function recheckRunning(): Promise<void> {
    const byQueue = new Map<string, Job[]>();
    for (const job of runner.runningJobs()) {
      const queued = byQueue.get(job.queueQualifiedName);
      if (queued === undefined) byQueue.set(job.queueQualifiedName, [job]);
      else queued.push(job);
    }
    for (const jobs of byQueue.values()) {
      const pipeline = deps.connection.pipeline();
      for (const job of jobs) pipeline.hexists(jobHashKey(job), CANCEL_FLAG);
      const replies = (await pipeline.exec()) ?? [];
      jobs.forEach((job, index) => {
        const [err, flagged] = replies[index] ?? [];
        if (err == null && flagged === 1 && runner.cancel(job.id ?? '')) {
          deps.logger.info({ jobId: job.id }, 'cancel flag found on a running job (its broadcast was missed): aborting the handler');
        }
      });
    }
  }
  // One at a time: while Redis is slow or away, ticks must not pile up commands.
  const recheck = () => {
    rechecking ??= recheckRunning()
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not re-check running jobs for cancels'))
      .finally(() => (rechecking = undefined));
  };
  const ticker = setInterval(recheck, deps.recheckMs);
  ticker.unref();
  // After a reconnect the subscription is back, but what was broadcast meanwhile is lost.
  let subscribedBefore = false;
  subscriber.on('ready', () => {
    if (subscribedBefore) recheck();
    subscribedBefore = true;
  });

  return {
    /** What stops a run this process holds, and lists them (the job runner, built after this listener). */
    attach(jobRunner: typeof runner) {
      runner = jobRunner;
    },
    /**
     * True when the job was canceled before this run began: a broadcast heard
     * early, or the mark the cancel script leaves in the job's options, which
     * BullMQ hands every run of it (no Redis call per run). Checked before
     * every run, not only reruns: a canceled job can come back through a retry
     * from the dashboard or any BullMQ client.
     */
    async canceledBeforeStart(job: Job): Promise<boolean> {
      const until = remembered.get(job.id ?? '');
      remembered.delete(job.id ?? '');
      return (until !== undefined && until > Date.now()) || canceledByRequest(job);
    },
    close: async () => {
      clearInterval(ticker);
      // A re-check in flight is not awaited: during an outage it would wait for Redis.
      subscriber.disconnect();
    },
  };
}
