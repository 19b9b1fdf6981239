import type { Queue } from 'bullmq';
import type { FastifyRequest } from 'fastify';
import { CANCELED_REASON } from '../../shared/cancellation.js';

const BYPASSES_INTAKE = 'It would bypass the intake: a retried key would replay a request that no longer matches its job.';
const ERASES_KEYS = 'It would erase the jobs of keys whose clients are still waiting on their receipts.';
const CHANGES_REQUEST = 'A job runs as its request asked (options.delayMs, options.priority): a change would make its receipt and the replayed request disagree.';
const RETRIES_ALL =
  'A bulk retry would also rerun canceled jobs, which sit among the failed ones. Retry jobs one at a time (a canceled job is refused).';

/**
 * bull-board 9.10.1 actions the dashboard refuses, by route pattern (its
 * routes.js), each with the reason it gives. Adding a job or editing its data
 * would leave a job whose stored fingerprint (or lack of one) no longer matches
 * its payload; obliterate and empty erase idempotency records; a new delay or
 * priority is not what the client asked for; a bulk retry (of failed or of
 * completed jobs) is refused whole, as among failed jobs it would rerun
 * canceled ones. Per-job retry (except of a canceled job), promote,
 * remove and clean stay.
 */
const REFUSED_ACTIONS = new Map([
  ['POST /api/queues/:queueName/add', BYPASSES_INTAKE],
  ['PATCH /api/queues/:queueName/:jobId/update-data', BYPASSES_INTAKE],
  ['PUT /api/queues/:queueName/obliterate', ERASES_KEYS],
  ['PUT /api/queues/:queueName/empty', ERASES_KEYS],
  ['PATCH /api/queues/:queueName/:jobId/delay', CHANGES_REQUEST],
  ['PATCH /api/queues/:queueName/:jobId/priority', CHANGES_REQUEST],
  ['PUT /api/queues/:queueName/retry/:queueStatus', RETRIES_ALL],
]);

const RETRY_ONE = 'PUT /api/queues/:queueName/:jobId/retry';

/**
 * Why the dashboard refuses this request, or undefined when it may go ahead.
 * `queues` maps bull-board's queue names to the queues, so that a per-job
 * retry can look at the job first: a canceled one is refused (the worker
 * would refuse to run it anyway, by its cancel flag).
 */
export function dashboardRefusal(deps: { basePath: string; queues: ReadonlyMap<string, Queue> }) {
  return async (request: FastifyRequest): Promise<string | undefined> => {
    const action = `${request.method} ${request.routeOptions.url?.slice(deps.basePath.length)}`;
    const refused = REFUSED_ACTIONS.get(action);
    if (refused !== undefined) return `The dashboard does not offer this action. ${refused}`;
    if (action !== RETRY_ONE) return undefined;
    const { queueName, jobId } = request.params as { queueName: string; jobId: string };
    const queue = deps.queues.get(queueName);
    if (queue === undefined) return undefined; // bull-board answers 404
    const job = await queue.getJob(jobId);
    if (job?.failedReason === CANCELED_REASON) {
      return 'This job was canceled (DELETE /v1/receipts/{key}): its client asked for it not to run, so it is not retried. Submit it again under a new key.';
    }
    return undefined;
  };
}
