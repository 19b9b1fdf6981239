import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import { bullmqAddScripts } from '../bullmq/add-call.js';
import { emitWebhookScript } from '../bullmq/webhook-scripts.js';
import type { Callback, WebhookEvent } from '../shared/callback.js';
import { tenantOfJobId } from '../shared/job-id.js';
import { toReceipt } from '../shared/receipt.js';
import { type RedisClient, settledOrOffline } from '../shared/redis.js';
import { webhookWatchKey } from '../shared/shards.js';
import { webhookBody, type DeliveryCalls, type DeliverySource } from './delivery-jobs.js';
import { jobHashKey } from '../bullmq/job-hash.js';

const COMMAND = 'jobIntakeEmitWebhook';
type EmitCommand = (numberOfKeys: number, ...keysThenArgs: Array<string | number | Buffer>) => Promise<number>;

// A delivery has no delay or priority: BullMQ's plain add script adds it.
const deliveryAddScript = bullmqAddScripts.get('addStandardJob')!;

/** The job's hash, where its callback's delivery records live (the layout BullMQ keeps; contract-tested). */
const sourceOf = (job: Job): DeliverySource => ({ queue: job.queueName, jobId: job.id ?? '', createdAtMs: job.timestamp });

/**
 * The worker's side of emitting webhook events for one shard: each emit is one
 * script call that adds the delivery and marks the event emitted together
 * (src/bullmq/webhook-scripts.ts), and keeps the shard's watch set: a job joins
 * it as a run starts and leaves it once its end is emitted.
 */
export function createWebhookEmitter(deps: { connection: RedisClient; prefix: string; deliveries: DeliveryCalls; logger: Logger }) {
  // No numberOfKeys: BullMQ's key count comes first in each call.
  if (!(COMMAND in deps.connection)) deps.connection.defineCommand(COMMAND, { lua: emitWebhookScript(deliveryAddScript.content) });
  const command = (deps.connection as unknown as Record<typeof COMMAND, EmitCommand>)[COMMAND].bind(deps.connection);
  const watchKey = webhookWatchKey(deps.prefix);
  const inFlight = new Set<Promise<unknown>>();

  async function emit(jobKey: string, source: DeliverySource, event: WebhookEvent, mode: 'start' | 'end', message?: { url: string; body: string }) {
    const call = deps.deliveries.addCall(source, event, message);
    if (call.script !== deliveryAddScript) throw new Error(`a delivery is added by ${call.script.name}, not addStandardJob`);
    const code = await command(call.keys.length + 2, ...call.keys, jobKey, watchKey, call.keys.length, event, mode, Date.now(), ...call.args);
    if (code < 0) throw new Error(`BullMQ refused to add the ${event} delivery of job ${source.jobId} (code ${code})`);
    return code;
  }

  return {
    /**
     * Before a run of a job with a callback: the job joins the watch set (from
     * now on, if this worker dies after the job ended, the sweep emits its end)
     * and, when asked for, `started` is emitted, its body fixed now (the
     * receipt of the job as it starts running).
     */
    async started(job: Job, callback: Callback): Promise<void> {
      const message = callback.events.includes('started')
        ? { url: callback.url, body: webhookBody('started', toReceipt(job, 'active'), job.processedOn) }
        : undefined;
      await emit(jobHashKey(job), sourceOf(job), 'started', 'start', message);
    },
    /**
     * After a job with a callback ended here: emits its end, without holding the
     * worker up. A failure is logged; the job is still in the watch set, so the
     * sweep emits it.
     */
    ended(job: Job, event: WebhookEvent): void {
      const emitting = emit(jobHashKey(job), sourceOf(job), event, 'end').catch((err: unknown) => {
        deps.logger.warn({ err, jobId: job.id, tenant: tenantOfJobId(job.id), event }, 'could not emit the webhook; the sweep will');
      });
      inFlight.add(emitting);
      void emitting.finally(() => inFlight.delete(emitting));
    },
    /** The sweep's emit of an ended job it found in the watch set (`jobKey` is `<prefix>:<queue>:<id>`). */
    emitEnded(jobKey: string, event: WebhookEvent, createdAtMs: number): Promise<number> {
      const rest = jobKey.slice(deps.prefix.length + 1);
      const separator = rest.indexOf(':');
      const source = { queue: rest.slice(0, separator), jobId: rest.slice(separator + 1), createdAtMs };
      return emit(jobKey, source, event, 'end');
    },
    /**
     * Waits for the emits in flight (a closing worker lets them finish before
     * its connection goes), unless Redis is away: a job whose emit is cut short
     * stays in the watch set, and the sweep emits its end.
     */
    async close(): Promise<void> {
      await settledOrOffline(deps.connection, Promise.allSettled([...inFlight]));
    },
  };
}

export type WebhookEmitter = ReturnType<typeof createWebhookEmitter>;
