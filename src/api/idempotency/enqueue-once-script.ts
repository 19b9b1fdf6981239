/**
 * Lua for enqueue-once: BullMQ's own add script, verbatim, wrapped in a function,
 * followed by our claim step, so the whole enqueue is one script (atomic, and one
 * command that ioredis can auto-pipeline with other requests' commands).
 *
 * KEYS  BullMQ's keys for that add script, then the job hash (<prefix>:<queue>:<jobId>)
 * ARGV  BullMQ's arguments for that add script, then the request fingerprint
 *
 * Returns { created, fingerprint, timestamp }:
 *   created     1 when this call's add created the job (the hash had no fingerprint yet),
 *               0 when the job was already there (a replay or a mismatch)
 *   fingerprint the stored fingerprint (the first request's)
 *   timestamp   the stored creation time in ms
 * Returns BullMQ's negative error code when its add refused, and false when the
 * job hash does not exist after the add.
 */
export function enqueueOnceScript(bullmqAddScript: string): string {
  return `
local function bullmqAdd()
${bullmqAddScript}
end
local added = bullmqAdd()
if type(added) == 'number' and added < 0 then
  return added
end
local jobKey = KEYS[#KEYS]
if redis.call('EXISTS', jobKey) == 0 then
  return false
end
local created = redis.call('HSETNX', jobKey, 'fp', ARGV[#ARGV])
local stored = redis.call('HMGET', jobKey, 'fp', 'timestamp')
return { created, stored[1], stored[2] }
`;
}
