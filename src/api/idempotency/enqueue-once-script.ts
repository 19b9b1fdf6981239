/**
 * Lua for enqueue-once: BullMQ's own add script, verbatim, wrapped in a function,
 * followed by our claim step, for each job of a batch, so the whole enqueue of
 * every job is one script call (atomic per job, and one command however many
 * requests arrived together).
 *
 * BullMQ's script reads the globals KEYS and ARGV; as parameters of the wrapping
 * function they are shadowed, so each job of the batch gets its own.
 *
 * KEYS  BullMQ's keys for that add script (the queue's: the same for every job
 *       of the batch), then each job's hash (<prefix>:<queue>:<jobId>)
 * ARGV  the number of BullMQ's keys and of its arguments, then per job
 *       BullMQ's arguments for that add script and the request fingerprint
 *
 * Returns one reply per job, in order, as the single-job script did:
 *   { created, fingerprint, timestamp }
 *               created is 1 when this call's add created the job (the hash had
 *               no fingerprint yet), 0 when the job was already there (a replay
 *               or a mismatch); fingerprint and timestamp are what is stored
 *               (the first request's)
 *   code        BullMQ's negative error code when its add refused
 *   false       the job hash does not exist after the add
 * An error raised by a Redis command (OOM, READONLY ...) fails the whole call,
 * as it failed the single-job script: the jobs added before it stay, and their
 * clients' retries replay them.
 */
export function enqueueOnceScript(bullmqAddScript: string): string {
  return `
local function bullmqAdd(KEYS, ARGV)
${bullmqAddScript}
end
local keyCount = tonumber(ARGV[1])
local argCount = tonumber(ARGV[2])
local replies = {}
local job = 0
for first = 3, #ARGV, argCount + 1 do
  job = job + 1
  local keys = {}
  for i = 1, keyCount do keys[i] = KEYS[i] end
  local args = {}
  for i = 1, argCount do args[i] = ARGV[first + i - 1] end
  local jobKey = KEYS[keyCount + job]
  local added = bullmqAdd(keys, args)
  if type(added) == 'number' and added < 0 then
    replies[job] = added
  elseif redis.call('EXISTS', jobKey) == 0 then
    replies[job] = false
  else
    local created = redis.call('HSETNX', jobKey, 'fp', ARGV[first + argCount])
    local stored = redis.call('HMGET', jobKey, 'fp', 'timestamp')
    replies[job] = { created, stored[1], stored[2] }
  end
end
return replies
`;
}
