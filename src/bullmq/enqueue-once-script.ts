/**
 * Lua for enqueue-once: BullMQ's own add script, verbatim, wrapped in a function,
 * followed by our claim step, for each job of a batch, so the whole enqueue of
 * every job is one script call (atomic per job, and one command however many
 * requests arrived together).
 *
 * BullMQ's script reads the globals KEYS and ARGV; as parameters of the wrapping
 * function they are shadowed, so each job of the batch gets its own.
 *
 * One key is one job across every queue of a shard: before the add, the job id
 * is looked up in the shard's other queues (those of the caller's job types,
 * and the set of queue names the shard has held jobs in, kept beside them), and
 * a job found there is answered as it stands, without adding. All queues of a shard share its hash tag, so those
 * keys are in the same slot as the declared ones (as BullMQ's own scripts
 * build keys from a prefix, e.g. a parent's).
 *
 * A job this call creates is added to its tenant's index in the shard
 * (`<shard prefix>~tenant:<the job id up to its bare ~>`, score = its creation
 * time) and the tenant to the shard's set of indexed tenants (`~tenants`), in
 * the same step, so GET /v1/jobs never misses a job that exists.
 *
 * KEYS  BullMQ's keys for that add script (the queue's: the same for every job
 *       of the batch), the shard's set of queue names, then each job's hash
 *       (<shard prefix><queue>:<jobId>)
 * ARGV  the number of BullMQ's keys and of its arguments, the shard prefix
 *       (`{ji-0}:`), the queue's name, the names of the caller's other queues
 *       (comma-separated), then per job BullMQ's arguments for that add script
 *       and the request fingerprint
 *
 * Returns one reply per job, in order:
 *   { created, fingerprint, timestamp, queue }
 *               created is 1 when this call's add created the job (the hash had
 *               no fingerprint yet), 0 when the job was already there, in this
 *               queue or another (a replay or a mismatch); fingerprint,
 *               timestamp and queue are what is stored (the first request's)
 *   code        BullMQ's negative error code when its add refused
 *   false       the job hash does not exist after the add
 * An error raised by a Redis command (OOM, READONLY ...) fails the whole call:
 * the jobs added before it stay, and their clients' retries replay them.
 */
export function enqueueOnceScript(bullmqAddScript: string): string {
  return `
local function bullmqAdd(KEYS, ARGV)
${bullmqAddScript}
end
local keyCount = tonumber(ARGV[1])
local argCount = tonumber(ARGV[2])
local shardPrefix = ARGV[3]
local queueName = ARGV[4]
local queuesKey = KEYS[keyCount + 1]
redis.call('SADD', queuesKey, queueName)
local otherQueues = {}
local seen = { [queueName] = true }
local function consider(name)
  if not seen[name] then
    seen[name] = true
    otherQueues[#otherQueues + 1] = name
  end
end
for name in string.gmatch(ARGV[5], '[^,]+') do consider(name) end
for _, name in ipairs(redis.call('SMEMBERS', queuesKey)) do consider(name) end
local idStart = #shardPrefix + #queueName + 2
local replies = {}
local job = 0
for first = 6, #ARGV, argCount + 1 do
  job = job + 1
  local jobKey = KEYS[keyCount + 1 + job]
  local foundIn = nil
  for _, name in ipairs(otherQueues) do
    local otherKey = shardPrefix .. name .. ':' .. string.sub(jobKey, idStart)
    if redis.call('EXISTS', otherKey) == 1 then
      foundIn = name
      jobKey = otherKey
      break
    end
  end
  if foundIn then
    local stored = redis.call('HMGET', jobKey, 'fp', 'timestamp')
    replies[job] = { 0, stored[1], stored[2], foundIn }
  else
    local keys = {}
    for i = 1, keyCount do keys[i] = KEYS[i] end
    local args = {}
    for i = 1, argCount do args[i] = ARGV[first + i - 1] end
    local added = bullmqAdd(keys, args)
    if type(added) == 'number' and added < 0 then
      replies[job] = added
    elseif redis.call('EXISTS', jobKey) == 0 then
      replies[job] = false
    else
      local created = redis.call('HSETNX', jobKey, 'fp', ARGV[first + argCount])
      local stored = redis.call('HMGET', jobKey, 'fp', 'timestamp')
      if created == 1 then
        -- The tenant's index (shards.ts: tenantIndexKey), in the same step as the job.
        local jobId = string.sub(jobKey, idStart)
        local tenant = string.match(jobId, '^[^~]+')
        if tenant then
          redis.call('ZADD', shardPrefix .. '~tenant:' .. tenant, stored[2], jobId)
          redis.call('SADD', shardPrefix .. '~tenants', tenant)
        end
      end
      replies[job] = { created, stored[1], stored[2], queueName }
    end
  end
end
return replies
`;
}

/**
 * Lua that finds the queue of a shard holding a job id (receipts, cancel, and
 * the previous shard layout while QUEUE_SHARDS changes).
 *
 * KEYS[1] the shard's set of queue names
 * ARGV[1] the shard prefix (`{ji-0}:`)  ARGV[2] the job id
 * ARGV[3] the caller's queue names, comma-separated, looked at first (a job
 *         added behind the intake's back is in none of the set's)
 *
 * Returns { queue, fingerprint, timestamp } for the job, or false when no queue holds it.
 */
export const findJobScript = `
local names = {}
for name in string.gmatch(ARGV[3], '[^,]+') do names[#names + 1] = name end
for _, name in ipairs(redis.call('SMEMBERS', KEYS[1])) do names[#names + 1] = name end
for _, name in ipairs(names) do
  local jobKey = ARGV[1] .. name .. ':' .. ARGV[2]
  if redis.call('EXISTS', jobKey) == 1 then
    local stored = redis.call('HMGET', jobKey, 'fp', 'timestamp')
    return { name, stored[1], stored[2] }
  end
end
return false
`;
