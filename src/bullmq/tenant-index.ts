import { Job, type JobJson, type JobState, type Queue } from 'bullmq';
import type { RedisClient } from '../shared/redis.js';
import { shardQueuesKey, shardTenantsKey, tenantIndexKey } from '../shared/shards.js';
import { tenantJobsPageScript, trimTenantIndexScript } from './tenant-index-scripts.js';

/** A place in a tenant's index: an entry's score (creation time, ms, as Redis writes it) and member (job id). */
export interface IndexPosition {
  readonly score: string;
  readonly member: string;
}

/** An indexed job, read as a BullMQ Job (without data or result) and BullMQ's state, for toReceipt. */
export interface IndexedJob {
  readonly job: Job;
  readonly state: JobState;
  readonly position: IndexPosition;
}

export interface TenantIndexPage {
  /** At most `limit`, newest first. */
  readonly jobs: IndexedJob[];
  /** The last entry looked at: where the next page of this shard starts after. Null when none was. */
  readonly reached: IndexPosition | null;
  /** True when the index holds nothing after `reached`. */
  readonly done: boolean;
}

export interface PageRequest {
  readonly after: IndexPosition | null;
  readonly limit: number;
  /** Index entries to look at, at most (the filters may skip many). */
  readonly budget: number;
  readonly status?: string | undefined;
  readonly type?: string | undefined;
  readonly canceledReason: string;
}

const PAGE = 'jobIntakeTenantJobsPage';
const TRIM = 'jobIntakeTrimTenantIndex';
const TRIM_BATCH = 100;

type Field = string | null;
type PageReply = [number, string, string, Array<[string, string, string, JobState, ...Field[]]>];
type Commands = {
  [PAGE](...args: string[]): Promise<PageReply>;
  [TRIM](...args: Array<string | number>): Promise<[number, number]>;
};

/** A shard's tenant indexes (tenant-index-scripts.ts): one page of a tenant's jobs. */
export function openTenantIndexes(deps: {
  connection: RedisClient;
  /** The shard's prefix (`{ji-0}`). */
  prefix: string;
  /** The caller's queue names, looked at first. */
  queueNames: readonly string[];
  /** A queue of the shard by name, for the Job objects read. */
  queueNamed: (name: string) => Queue;
}) {
  const { connection, prefix } = deps;
  if (!(PAGE in connection)) connection.defineCommand(PAGE, { numberOfKeys: 2, lua: tenantJobsPageScript });
  const commands = connection as unknown as Commands;
  const frame = [`${prefix}:`, deps.queueNames.join(',')];

  return {
    /** Up to `limit` jobs of the tenant (its encoded form, job-id.ts) after `after`, newest first. */
    async page(encodedTenant: string, request: PageRequest): Promise<TenantIndexPage> {
      const [done, score, member, rows] = await commands[PAGE](
        tenantIndexKey(prefix, encodedTenant),
        shardQueuesKey(prefix),
        ...frame,
        request.after?.score ?? '',
        request.after?.member ?? '',
        String(request.limit),
        String(request.budget),
        request.status ?? '',
        request.type ?? '',
        request.canceledReason,
      );
      const jobs = rows.map(([id, entryScore, queueName, state, ...fields]) => ({
        job: jobFromFields(deps.queueNamed(queueName), id, fields),
        state,
        position: { score: entryScore, member: id },
      }));
      return { jobs, reached: score === '' ? null : { score, member }, done: done === 1 };
    },
  };
}

export type TenantIndexes = ReturnType<typeof openTenantIndexes>;

/**
 * The age trim of a shard's tenant indexes (workers run it after each retention
 * sweep): in every tenant index of the shard, the entries of jobs created before
 * `cutoffMs` whose job is gone are dropped. Returns how many it dropped.
 */
export function createTenantIndexTrim(deps: { connection: RedisClient; prefix: string; queueNames: readonly string[] }) {
  const { connection, prefix } = deps;
  if (!(TRIM in connection)) connection.defineCommand(TRIM, { numberOfKeys: 3, lua: trimTenantIndexScript });
  const commands = connection as unknown as Commands;
  const frame = [`${prefix}:`, deps.queueNames.join(',')];

  return async function trim(cutoffMs: number): Promise<number> {
    let dropped = 0;
    let cursor = '0';
    do {
      const [next, tenants] = await connection.sscan(shardTenantsKey(prefix), cursor, 'COUNT', 100);
      cursor = next;
      for (const tenant of tenants) {
        const keys = [tenantIndexKey(prefix, tenant), shardQueuesKey(prefix), shardTenantsKey(prefix)];
        // Entries kept (their job still exists) stay in front: the next batch skips them.
        let kept = 0;
        let looked: number;
        do {
          const [lookedNow, keptNow] = await commands[TRIM](...keys, ...frame, cutoffMs, kept, TRIM_BATCH, tenant);
          dropped += lookedNow - keptNow;
          kept += keptNow;
          looked = lookedNow;
        } while (looked === TRIM_BATCH);
      }
    } while (cursor !== '0');
    return dropped;
  };
}

/** A Job from the hash fields the page script reads, as Queue.getJob would build it (less data and result). */
function jobFromFields(queue: Queue, id: string, fields: Field[]): Job {
  const [name, timestamp, processedOn, finishedOn, failedReason, atm, ats, progress, opts] = fields;
  const json = {
    id,
    name: name ?? '',
    data: '{}',
    opts: Job.optsFromJSON(opts ?? undefined),
    progress: JSON.parse(progress ?? '0') as JobJson['progress'],
    timestamp: Number(timestamp),
    processedOn: processedOn === null ? undefined : Number(processedOn),
    finishedOn: finishedOn === null ? undefined : Number(finishedOn),
    failedReason: failedReason ?? '',
    attemptsMade: Number(atm ?? 0),
    attemptsStarted: Number(ats ?? 0),
    stalledCounter: 0,
  } as JobJson; // no returnvalue: a list item carries no result
  return Job.fromJSON(queue, json, id);
}
