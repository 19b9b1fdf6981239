/**
 * Lua for DELETE /v1/receipts/{key}: one atomic look at where the job is.
 *
 * KEYS[1] wait  KEYS[2] paused  KEYS[3] prioritized  KEYS[4] delayed
 * KEYS[5] active  KEYS[6] failed  KEYS[7] the job hash  KEYS[8] events stream
 * KEYS[9] the queue's meta hash (where BullMQ keeps the events stream's length, opts.maxLenEvents)
 * ARGV[1] job id  ARGV[2] now (ms)  ARGV[3] the canceled reason  ARGV[4] cancel channel
 *
 * Returns
 *   1  canceled now: it was waiting; it is moved to `failed` with the canceled
 *      reason (the hash stays, so its key stays used and replays)
 *   2  running: flagged (`cx`) and announced on the cancel channel, so the worker
 *      holding it fires the handler's abort signal
 *   3  already canceled
 *   0  already ended (succeeded or failed)
 *  -1  no such job
 */
export const cancelJobScript = `
local jobId = ARGV[1]
if redis.call('EXISTS', KEYS[7]) == 0 then return -1 end
if redis.call('HGET', KEYS[7], 'failedReason') == ARGV[3] then return 3 end
local removed = redis.call('LREM', KEYS[1], 0, jobId) + redis.call('LREM', KEYS[2], 0, jobId)
  + redis.call('ZREM', KEYS[3], jobId) + redis.call('ZREM', KEYS[4], jobId)
if removed > 0 then
  redis.call('HSET', KEYS[7], 'finishedOn', ARGV[2], 'failedReason', ARGV[3], 'cx', ARGV[2])
  redis.call('ZADD', KEYS[6], ARGV[2], jobId)
  local maxEvents = tonumber(redis.call('HGET', KEYS[9], 'opts.maxLenEvents')) or 10000
  redis.call('XADD', KEYS[8], 'MAXLEN', '~', maxEvents, '*', 'event', 'failed', 'jobId', jobId,
    'failedReason', ARGV[3], 'prev', 'waiting')
  return 1
end
if redis.call('LPOS', KEYS[5], jobId) then
  redis.call('HSET', KEYS[7], 'cx', ARGV[2])
  redis.call('PUBLISH', ARGV[4], jobId)
  return 2
end
return 0
`;
