/**
 * Sharding: jobs spread over QUEUE_SHARDS BullMQ queues. Each queue's prefix
 * carries a Redis Cluster hash tag (`{ji-3}`), so all keys of one queue live in
 * one slot and BullMQ's Lua scripts (and our MULTI) stay legal in a cluster.
 * A job's shard is a stable hash of its id, i.e. of (tenant, key): every
 * duplicate of a key reaches the same queue and the same atomic add.
 */

/** `{<prefix>-<index>}`: the hash tag is the whole prefix. */
export function shardPrefix(queuePrefix: string, index: number): string {
  return `{${queuePrefix}-${index}}`;
}

/**
 * The set of queue names a shard has held jobs in (`{ji-0}:~queues`), kept by
 * the enqueue script: one key is one job across every queue of a shard, so the
 * script looks a job id up in each. `~` never appears in a queue name, so this
 * key can never be one of BullMQ's (`{ji-0}:<queue>:...`).
 */
export function shardQueuesKey(prefix: string): string {
  return `${prefix}:~queues`;
}

/**
 * A tenant's index of its jobs in a shard (`{ji-0}:~tenant:<encoded tenant>`,
 * the tenant encoded as in its job ids): a sorted set, score = creation time
 * (ms), member = job id. The enqueue script adds a job to it as it creates the
 * job; GET /v1/jobs reads it, so a page costs what the caller's own jobs cost.
 */
export function tenantIndexKey(prefix: string, encodedTenant: string): string {
  return `${prefix}:~tenant:${encodedTenant}`;
}

/** The encoded tenants that have an index in a shard (`{ji-0}:~tenants`): what the workers' trim walks. */
export function shardTenantsKey(prefix: string): string {
  return `${prefix}:~tenants`;
}

/**
 * The shard's set of jobs with a callback whose end has not been emitted yet
 * (`{ji-0}:~webhook-watch`; src/bullmq/webhook-scripts.ts). `~`, as above: never
 * one of BullMQ's keys.
 */
export function webhookWatchKey(prefix: string): string {
  return `${prefix}:~webhook-watch`;
}

/** FNV-1a (32 bit) over the UTF-8 bytes: stable across processes, versions and languages. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function shardIndex(jobId: string, shardCount: number): number {
  return shardCount === 1 ? 0 : fnv1a(jobId) % shardCount;
}

export interface ShardLayout {
  /** QUEUE_SHARDS: where new jobs go. */
  readonly count: number;
  /** QUEUE_SHARDS_PREVIOUS while a change of N is under way (0 = none): still searched for keys. */
  readonly previousCount: number;
}

/** Every shard index a layout can hold jobs in (the union of both layouts). */
export function allShardIndexes(layout: ShardLayout): number[] {
  return Array.from({ length: Math.max(layout.count, layout.previousCount) }, (_, index) => index);
}
