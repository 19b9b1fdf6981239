import { Job, type JobsOptions, type Queue } from 'bullmq';
import type { RedisClient } from '../../shared/redis.js';
import { claimFingerprintScript } from './claim-fingerprint-script.js';

const CLAIM_COMMAND = 'jobIntakeClaimFingerprint';

/** What Redis holds for a key after the enqueue: always the first request's facts. */
export interface StoredIntake {
  readonly jobId: string;
  readonly fingerprint: string;
  readonly createdAtMs: number;
}

export type EnqueueOutcome =
  | { readonly kind: 'created'; readonly stored: StoredIntake }
  | { readonly kind: 'replayed'; readonly stored: StoredIntake }
  | { readonly kind: 'mismatch'; readonly stored: StoredIntake };

export interface EnqueueRequest {
  /** From encodeJobId(tenant, key). */
  readonly jobId: string;
  readonly type: string;
  readonly payload: unknown;
  readonly fingerprint: string;
  readonly options?: SubmissionOptions;
}

/** What a client may ask of a job's scheduling (part of the fingerprint). */
export interface SubmissionOptions {
  readonly delayMs?: number;
  readonly priority?: number;
}

type ClaimReply = [created: number, fingerprint: string, timestamp: string] | null;
type MultiWithClaim = { [CLAIM_COMMAND](jobKey: string, fingerprint: string): unknown };

/**
 * Adds a job under its (tenant, key) id and learns, in the same Redis round trip,
 * whether it was new and which fingerprint the stored job carries.
 *
 * One MULTI holds BullMQ's own add script (which leaves an existing id untouched)
 * and our claim script (which stamps the fingerprint on a job that has none and
 * reads back what is stored). MULTI runs both with nothing in between, so two
 * API processes racing on one key see one `created` and one `replayed`.
 * Never trust the Job that add returns: it holds *our* arguments.
 */
export function createEnqueueOnce(deps: {
  queue: Queue;
  /** The raw connection the queue was built on (BullMQ's scripts are defined on it). */
  connection: RedisClient;
  jobOptions: JobsOptions;
}) {
  if (!(CLAIM_COMMAND in deps.connection)) {
    deps.connection.defineCommand(CLAIM_COMMAND, { numberOfKeys: 1, lua: claimFingerprintScript });
  }

  return async function enqueueOnce(request: EnqueueRequest): Promise<EnqueueOutcome> {
    const { jobId } = request;
    const client = await deps.queue.backend.client;
    const multi = client.multi();
    const scheduling: JobsOptions = {};
    if (request.options?.delayMs) scheduling.delay = request.options.delayMs;
    if (request.options?.priority) scheduling.priority = request.options.priority;
    const job = new Job(deps.queue, request.type, request.payload, { ...deps.jobOptions, ...scheduling, jobId }, jobId);
    // addJob queues its script on the MULTI synchronously and settles after exec.
    const added = job.addJob(multi as never);
    (multi as unknown as MultiWithClaim)[CLAIM_COMMAND](deps.queue.toKey(jobId), request.fingerprint);
    const results = await multi.exec();
    await added;
    const [claimError, claim] = (results?.[1] ?? [new Error('MULTI was discarded'), null]) as [
      Error | null,
      ClaimReply,
    ];
    if (claimError) throw claimError;
    if (claim === null) throw new Error(`job ${jobId} is missing right after its add`);

    const [created, fingerprint, timestamp] = claim;
    const stored: StoredIntake = { jobId, fingerprint, createdAtMs: Number(timestamp) };
    return created === 1 ? { kind: 'created', stored } : classifyExisting(stored, request.fingerprint);
  };
}

function classifyExisting(stored: StoredIntake, fingerprint: string): EnqueueOutcome {
  return { kind: stored.fingerprint === fingerprint ? 'replayed' : 'mismatch', stored };
}

/**
 * What a queue holds for a job id, without adding anything: for the previous
 * shard layout while QUEUE_SHARDS changes (see docs/scaling.md). Null when absent.
 */
export async function readExistingIntake(
  connection: RedisClient,
  queue: Queue,
  jobId: string,
  fingerprint: string,
): Promise<EnqueueOutcome | null> {
  const [storedFingerprint, timestamp] = await connection.hmget(queue.toKey(jobId), 'fp', 'timestamp');
  if (storedFingerprint === null || storedFingerprint === undefined || timestamp === null || timestamp === undefined) return null;
  return classifyExisting({ jobId, fingerprint: storedFingerprint, createdAtMs: Number(timestamp) }, fingerprint);
}

export type EnqueueOnce = ReturnType<typeof createEnqueueOnce>;
