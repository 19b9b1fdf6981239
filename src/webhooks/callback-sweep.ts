import type { Logger } from 'pino';
import { endedWatchedJobsScript } from '../bullmq/webhook-scripts.js';
import type { WebhookEvent } from '../shared/callback.js';
import { CANCELED_REASON } from '../shared/cancellation.js';
import { tenantOfJobId } from '../shared/job-id.js';
import { type RedisClient, settledOrOffline } from '../shared/redis.js';
import { webhookWatchKey } from '../shared/shards.js';
import type { WebhookEmitter } from './webhook-emitter.js';

const COMMAND = 'jobIntakeEndedWatchedJobs';
const PAGE = 200;
type EndedCommand = (watchKey: string, canceledReason: string, ...members: string[]) => Promise<Array<[string, WebhookEvent, string]>>;

/**
 * The safety net between a job's end and its webhook: a worker emits the end
 * of a job it ran right after BullMQ stored it, but a worker killed in between
 * leaves an ended job in the shard's watch set with nothing emitted. Every
 * `intervalMs` (and once at start) this walks the watch set (ZSCAN: each member
 * present throughout is seen) and emits the end of each ended job in it. An
 * emit is idempotent (webhook-scripts.ts), so a sweep racing the worker that
 * ran the job, or another worker's sweep, adds nothing twice.
 *
 * The watch set holds only jobs with a callback that have started a run and not
 * had their end emitted, so a pass costs about one call per running callback
 * job, whatever the queue's depth.
 */
export function startCallbackSweep(deps: { connection: RedisClient; prefix: string; emitter: WebhookEmitter; intervalMs: number; logger: Logger }) {
  if (!(COMMAND in deps.connection)) deps.connection.defineCommand(COMMAND, { numberOfKeys: 1, lua: endedWatchedJobsScript });
  const ended = (deps.connection as unknown as Record<typeof COMMAND, EndedCommand>)[COMMAND].bind(deps.connection);
  const watchKey = webhookWatchKey(deps.prefix);

  async function sweep(): Promise<void> {
    let cursor = '0';
    do {
      const [next, flat] = await deps.connection.zscan(watchKey, cursor, 'COUNT', PAGE);
      cursor = next;
      const members = flat.filter((_, index) => index % 2 === 0); // member, score, member, score ...
      if (members.length === 0) continue;
      for (const [jobKey, event, timestamp] of await ended(watchKey, CANCELED_REASON, ...members)) {
        const code = await deps.emitter.emitEnded(jobKey, event, Number(timestamp));
        const jobId = jobKey.slice(jobKey.lastIndexOf(':') + 1);
        if (code === 1) deps.logger.info({ jobId, tenant: tenantOfJobId(jobId), event }, 'webhook emitted by the sweep (the worker that ended the job did not)');
      }
    } while (cursor !== '0');
  }

  let sweeping: Promise<void> | null = null;
  // One pass at a time: while Redis is slow or away, ticks must not pile up commands.
  const run = () => {
    sweeping ??= sweep()
      .catch((err: unknown) => deps.logger.warn({ err }, 'webhook sweep failed; the next one tries again'))
      .finally(() => {
        sweeping = null;
      });
  };
  run();
  const timer = setInterval(run, deps.intervalMs);
  timer.unref();

  return {
    /** Waits for a pass in flight, unless Redis is away (settledOrOffline). */
    async stop(): Promise<void> {
      clearInterval(timer);
      await settledOrOffline(deps.connection, sweeping);
    },
  };
}
