/**
 * Lua that stores one durable step's result in its job's hash (job-hash.ts has
 * the layout): one atomic step, so a result is stored whole or not at all, and
 * two runs of one job (a stalled worker still going while another took over)
 * agree on the first result stored.
 *
 * KEYS[1] the job hash
 * ARGV[1] the step's name  ARGV[2] its result as JSON  ARGV[3] when it finished (ms)
 * ARGV[4] the most bytes of step results the job may hold (MAX_STEP_BYTES)
 *
 * Returns
 *   {1}               stored
 *   {0, result}       already stored by another run: that result
 *   {-1}              no such job (removed meanwhile): nothing is written, so no
 *                     half-made hash is left behind to look like a job
 *   {-2, usedBytes}   storing it would pass the limit; nothing is written
 */
export const storeStepScript = `
local jobKey = KEYS[1]
if redis.call('EXISTS', jobKey) == 0 then return {-1} end
local field = 'step:' .. ARGV[1]
local stored = redis.call('HGET', jobKey, field)
if stored then return {0, stored} end
local listed = redis.call('HGET', jobKey, 'steps')
local steps = {}
if listed then steps = cjson.decode(listed) end
local used = 0
for _, step in ipairs(steps) do used = used + step[3] end
local bytes = string.len(ARGV[2])
if used + bytes > tonumber(ARGV[4]) then return {-2, used} end
steps[#steps + 1] = {ARGV[1], tonumber(ARGV[3]), bytes}
redis.call('HSET', jobKey, field, ARGV[2], 'steps', cjson.encode(steps))
return {1}
`;
