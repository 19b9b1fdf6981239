/** Lua for the claim step of enqueue-once (kept as a string so the build needs no asset copy). */
export const claimFingerprintScript = `
--[[
  Runs in the same MULTI right after BullMQ's add script, so nothing can come between.

  KEYS[1] the job hash (<prefix>:<queue>:<jobId>)
  ARGV[1] the request fingerprint

  Returns { created, fingerprint, timestamp }:
    created     1 when this MULTI's add created the job (the hash had no fingerprint yet),
                0 when the job was already there (a replay or a mismatch)
    fingerprint the stored fingerprint (the first request's)
    timestamp   the stored creation time in ms
  Returns false when the job hash does not exist (the add did not store it).
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local created = redis.call('HSETNX', KEYS[1], 'fp', ARGV[1])
local stored = redis.call('HMGET', KEYS[1], 'fp', 'timestamp')
return { created, stored[1], stored[2] }
`;
