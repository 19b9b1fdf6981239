/**
 * Lua over a tenant's index of its jobs in one shard (shards.ts: tenantIndexKey;
 * the enqueue script adds to it). Both scripts find an indexed job in the
 * shard's queues as findJobScript does (`<shard prefix><queue>:<job id>`, the
 * caller's queue names and the shard's set of them), and drop an entry whose
 * job is gone (removed by retention, or by hand). All of a shard's keys share
 * its hash tag, so the keys built here are in the declared keys' slot.
 */

/** Sets `names` to the shard's queue names: the caller's (ARGV[2]) and those in the set KEYS[2]. */
const QUEUE_NAMES = `
local names = {}
local seenName = {}
local function consider(name)
  if not seenName[name] then
    seenName[name] = true
    names[#names + 1] = name
  end
end
for name in string.gmatch(ARGV[2], '[^,]+') do consider(name) end
for _, name in ipairs(redis.call('SMEMBERS', KEYS[2])) do consider(name) end
local function queueOf(jobId)
  for _, name in ipairs(names) do
    if redis.call('EXISTS', ARGV[1] .. name .. ':' .. jobId) == 1 then return name end
  end
  return nil
end
`;

/**
 * One page of a tenant's jobs in a shard, newest first, from a position on.
 *
 * KEYS[1] the tenant's index  KEYS[2] the shard's set of queue names
 * ARGV[1] the shard prefix (`{ji-0}:`)  ARGV[2] the caller's queue names, comma-separated
 * ARGV[3] ARGV[4] the position to start after: the score and member of the last
 *         entry seen ('' and '': from the newest)
 * ARGV[5] at most this many jobs  ARGV[6] look at no more than this many entries
 * ARGV[7] only this status ('' for any)  ARGV[8] only this type ('' for any)
 * ARGV[9] the failedReason of a canceled job
 *
 * The status is the receipt's (src/shared/receipt.ts), read in O(log n) of the
 * queue's sets, never by walking the wait or active lists: succeeded and failed
 * from the completed and failed sets, running while a worker holds the job's
 * lock, otherwise waiting (wait, delayed, prioritized, or stalled until the stall
 * check moves it): `retrying` once it has run (processedOn), else `queued`.
 *
 * Returns { done, score, member, jobs }: done is 1 when the index has no entry
 * after the last one looked at; score and member are that entry (the position
 * to go on from); jobs are { id, score, queue, state, name, timestamp, processedOn,
 * finishedOn, failedReason, atm, ats, progress, opts }, state being BullMQ's
 * (completed, failed, active or waiting), the rest the job hash's fields.
 */
export const tenantJobsPageScript = `${QUEUE_NAMES}
local index = KEYS[1]
local afterScore = tonumber(ARGV[3])
local afterMember = ARGV[4]
local limit = tonumber(ARGV[5])
local budget = tonumber(ARGV[6])
local wantedStatus = ARGV[7]
local wantedType = ARGV[8]

local function statusOf(queueKey, jobId, failedReason, processedOn)
  if redis.call('ZSCORE', queueKey .. 'completed', jobId) then return 'succeeded', 'completed' end
  if redis.call('ZSCORE', queueKey .. 'failed', jobId) then
    if failedReason == ARGV[9] then return 'canceled', 'failed' end
    return 'failed', 'failed'
  end
  if redis.call('EXISTS', queueKey .. jobId .. ':lock') == 1 then return 'running', 'active' end
  if processedOn then return 'retrying', 'waiting' end
  return 'queued', 'waiting'
end

local jobs = {}
local lastScore, lastMember = ARGV[3], ARGV[4]
local looked = 0
local offset = 0
local top = afterScore and ARGV[3] or '+inf'
while true do
  local window = redis.call('ZREVRANGEBYSCORE', index, top, '-inf', 'WITHSCORES', 'LIMIT', offset, 100)
  if #window == 0 then return { 1, lastScore, lastMember, jobs } end
  local dropped = 0
  for i = 1, #window, 2 do
    local jobId, score = window[i], window[i + 1]
    -- Entries at the start position's score up to its member were on an earlier page.
    if not (afterScore and tonumber(score) == afterScore and jobId >= afterMember) then
      looked = looked + 1
      lastScore, lastMember = score, jobId
      local queue = queueOf(jobId)
      if queue == nil then
        redis.call('ZREM', index, jobId)
        dropped = dropped + 1
      else
        local queueKey = ARGV[1] .. queue .. ':'
        local f = redis.call('HMGET', queueKey .. jobId, 'name', 'timestamp', 'processedOn', 'finishedOn',
          'failedReason', 'atm', 'ats', 'progress', 'opts')
        if wantedType == '' or f[1] == wantedType then
          local status, state = statusOf(queueKey, jobId, f[5], f[3])
          if wantedStatus == '' or status == wantedStatus then
            jobs[#jobs + 1] = { jobId, score, queue, state, f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9] }
            if #jobs == limit then return { 0, lastScore, lastMember, jobs } end
          end
        end
      end
      if looked == budget then return { 0, lastScore, lastMember, jobs } end
    end
  end
  offset = offset + #window / 2 - dropped
end
`;

/**
 * The age trim of a tenant's index: entries of jobs created before a cutoff
 * whose job is gone are dropped (a finished job outlives its creation by at
 * least IDEMPOTENCY_TTL_SECONDS, so younger entries are not looked at). An
 * index left empty leaves the shard's set of indexed tenants too.
 *
 * KEYS[1] the tenant's index  KEYS[2] the shard's set of queue names
 * KEYS[3] the shard's set of indexed tenants
 * ARGV[1] the shard prefix  ARGV[2] the caller's queue names, comma-separated
 * ARGV[3] the cutoff (ms)  ARGV[4] skip this many old entries (kept by earlier calls of this sweep)
 * ARGV[5] look at this many  ARGV[6] the tenant, as in KEYS[3]
 *
 * Returns { looked at, kept }.
 */
export const trimTenantIndexScript = `${QUEUE_NAMES}
local entries = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3], 'LIMIT', ARGV[4], ARGV[5])
local kept = 0
for _, jobId in ipairs(entries) do
  if queueOf(jobId) == nil then
    redis.call('ZREM', KEYS[1], jobId)
  else
    kept = kept + 1
  end
end
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('SREM', KEYS[3], ARGV[6]) end
return { #entries, kept }
`;
