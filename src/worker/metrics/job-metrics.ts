import type { Job, Worker } from 'bullmq';
import { Counter, Histogram, type Registry } from 'prom-client';
import { CANCELED_REASON } from '../../shared/cancellation.js';
import type { JobTypeRegistry } from '../../jobs/job-type.js';

/** From a blink to an hour: job types range from no-ops to long batch work. */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
const OUTCOMES = ['succeeded', 'retrying', 'failed', 'canceled'] as const;

/**
 * Job metrics of one worker process, from BullMQ's worker events (emitted after
 * the outcome is stored in Redis):
 * - `job_intake_job_runs_total{type, outcome}` and
 *   `job_intake_job_run_duration_seconds{type, outcome}`, where outcome is the
 *   job's status after the run, as a receipt tells it: `succeeded`, `retrying`
 *   (the run failed, another attempt will follow), `failed` (for good) or
 *   `canceled` (a DELETE stopped it while it ran);
 * - `job_intake_stalled_jobs_recovered_total`: jobs whose worker died or froze,
 *   found by this worker's stall check and put back in line.
 * `type` is bounded by the registry: a name it does not know counts as `unknown`.
 */
export function observeJobMetrics(registry: Registry, deps: { workers: readonly Worker[]; jobTypes: JobTypeRegistry }): void {
  const labelNames = ['type', 'outcome'] as const;
  const runs = new Counter({
    name: 'job_intake_job_runs_total',
    help: 'Job runs by type and the status they left the job in (succeeded, retrying, failed, canceled).',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'job_intake_job_run_duration_seconds',
    help: 'How long one run of a job took, by type and outcome.',
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const stalled = new Counter({
    name: 'job_intake_stalled_jobs_recovered_total',
    help: 'Jobs found stalled (their worker died or froze) and put back in line by this worker.',
    registers: [registry],
  });
  // Start every series at 0, so rate() and alerts see the first event.
  stalled.inc(0);
  for (const type of deps.jobTypes.keys()) {
    for (const outcome of OUTCOMES) runs.inc({ type, outcome }, 0);
  }

  const record = (job: Job, outcome: (typeof OUTCOMES)[number]) => {
    const labels = { type: deps.jobTypes.has(job.name) ? job.name : 'unknown', outcome };
    runs.inc(labels);
    if (job.processedOn) duration.observe(labels, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  };
  // One BullMQ Worker per shard this process consumes.
  for (const worker of deps.workers) {
    worker.on('completed', (job) => record(job, 'succeeded'));
    worker.on('failed', (job) => {
      // BullMQ sets finishedOn only when the job has failed for good (attempts
      // spent, or an UnrecoverableError); a run that will be retried has none.
      if (job === undefined) return;
      if (!job.finishedOn) record(job, 'retrying');
      else record(job, job.failedReason === CANCELED_REASON ? 'canceled' : 'failed');
    });
    worker.on('stalled', () => stalled.inc());
  }
}
