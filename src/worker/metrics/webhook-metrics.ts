import type { Job, Worker } from 'bullmq';
import { Counter, type Registry } from 'prom-client';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../../shared/callback.js';

const OUTCOMES = ['delivered', 'retrying', 'failed'] as const;

/**
 * `job_intake_webhook_deliveries_total{event, outcome}`: the webhook POSTs this
 * worker made, by the job event they carried and what became of the delivery:
 * `delivered` (a 2xx), `retrying` (another try follows, per
 * WEBHOOK_RETRY_SCHEDULE) or `failed` (for good: a 4xx, a refused address, the
 * schedule spent). From BullMQ's events on the shards' delivery queues.
 */
export function observeWebhookMetrics(registry: Registry, deps: { workers: readonly Worker[] }): void {
  const deliveries = new Counter({
    name: 'job_intake_webhook_deliveries_total',
    help: 'Webhook delivery tries by event and what became of the delivery (delivered, retrying, failed).',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  for (const event of WEBHOOK_EVENTS) for (const outcome of OUTCOMES) deliveries.inc({ event, outcome }, 0);

  // The job name is `job.<event>` (delivery-jobs.ts); anything else is not ours to count.
  const eventOf = (job: Job): WebhookEvent | undefined => WEBHOOK_EVENTS.find((event) => job.name === `job.${event}`);
  const record = (job: Job | undefined, outcome: (typeof OUTCOMES)[number]) => {
    const event = job === undefined ? undefined : eventOf(job);
    if (event !== undefined) deliveries.inc({ event, outcome });
  };
  for (const worker of deps.workers) {
    worker.on('completed', (job) => record(job, 'delivered'));
    // As for jobs: finishedOn is set only when the delivery has failed for good.
    worker.on('failed', (job) => record(job, job?.finishedOn ? 'failed' : 'retrying'));
  }
}
