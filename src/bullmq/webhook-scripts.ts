/**
 * Lua for completion webhooks. A delivery is a job in the shard's delivery queue
 * (`_webhooks`), added with BullMQ's own add script, verbatim, wrapped in a
 * function (as the enqueue script does), in the same script call that marks
 * the event as emitted on the job's hash (`wh:<event>`, a pending delivery
 * record): so an event is emitted at most once per job, whoever emits it and
 * however often, and never lost between "added" and "marked".
 *
 * The shard's watch set (`{ji-0}:~webhook-watch`, scored by when the job began
 * a run) holds the jobs with a callback that have started running and whose end
 * has not been emitted yet. The worker that ends a job emits its end at once;
 * when that worker dies first, the sweep finds the ended job in the watch set
 * and emits it (docs/guarantees.md). A job canceled while queued never ran: the
 * cancel script emits its `canceled` itself, in the step that cancels it.
 *
 * All keys a script touches share the shard's hash tag, so, as in the enqueue
 * script, the job hashes named by the watch set are in the declared keys' slot.
 */

/** The record a delivery starts with; the worker rewrites it after each try. */
const PENDING = '{"status":"pending","attempts":0}';

/**
 * The functions both emitting scripts share: BullMQ's add script as
 * `bullmqAdd(KEYS, ARGV)`, `callbackEvents(jobKey)` (the events the job's
 * callback asks for, from the options BullMQ stores; nil without a callback)
 * and `emitWebhook(...)`: 1 added now, 2 already emitted, 0 not asked for,
 * BullMQ's negative code when its add refused.
 */
export function emitWebhookFunctions(bullmqAddScript: string): string {
  return `
local function bullmqAdd(KEYS, ARGV)
${bullmqAddScript}
end
local function callbackEvents(jobKey)
  local opts = redis.call('HGET', jobKey, 'opts')
  if not opts then return nil end
  local ok, decoded = pcall(cjson.decode, opts)
  if not ok or type(decoded) ~= 'table' or type(decoded['cb']) ~= 'table' then return nil end
  local events = decoded['cb']['events']
  if type(events) ~= 'table' then return nil end
  return events
end
local function emitWebhook(jobKey, events, event, addKeys, addArgs)
  local wanted = false
  for _, name in ipairs(events) do
    if name == event then wanted = true end
  end
  if not wanted then return 0 end
  local field = 'wh:' .. event
  if redis.call('HEXISTS', jobKey, field) == 1 then return 2 end
  local added = bullmqAdd(addKeys, addArgs)
  if type(added) == 'number' and added < 0 then return added end
  redis.call('HSET', jobKey, field, '${PENDING}')
  return 1
end
`;
}

/**
 * The worker's emit: as a job starts a run (`start`: the job joins the watch set,
 * and `started` is emitted if asked for) or once it has ended (`end`: it leaves
 * the watch set, and its end event is emitted if asked for).
 *
 * KEYS  BullMQ's keys for adding to the delivery queue (ARGV[1] of them), then
 *       the job hash, then the shard's watch set
 * ARGV  [1] BullMQ's key count  [2] the event  [3] `start` or `end`
 *       [4] now (ms, the watch set's score)  then BullMQ's add arguments
 * Returns what emitWebhook returns; 0 also when the job (or its callback) is gone.
 */
export function emitWebhookScript(bullmqAddScript: string): string {
  return `${emitWebhookFunctions(bullmqAddScript)}
local keyCount = tonumber(ARGV[1])
local jobKey = KEYS[keyCount + 1]
local watchKey = KEYS[keyCount + 2]
local events = nil
if redis.call('EXISTS', jobKey) == 1 then events = callbackEvents(jobKey) end
if events == nil or ARGV[3] ~= 'start' then
  redis.call('ZREM', watchKey, jobKey)
else
  redis.call('ZADD', watchKey, 'NX', ARGV[4], jobKey)
end
if events == nil then return 0 end
local addKeys = {}
for i = 1, keyCount do addKeys[i] = KEYS[i] end
local addArgs = {}
for i = 5, #ARGV do addArgs[#addArgs + 1] = ARGV[i] end
return emitWebhook(jobKey, events, ARGV[2], addKeys, addArgs)
`;
}

/**
 * The sweep's look at some members of the watch set: which of those jobs have
 * ended (BullMQ's completed or failed set holds them) and how. A member whose
 * job hash is gone (removed by hand, or expired) leaves the set.
 *
 * KEYS[1] the watch set  ARGV[1] the canceled reason  ARGV[2..] members (job hash keys)
 * Returns { jobKey, event, timestamp } for each ended job.
 */
export const endedWatchedJobsScript = `
local found = {}
for i = 2, #ARGV do
  local jobKey = ARGV[i]
  if redis.call('EXISTS', jobKey) == 0 then
    redis.call('ZREM', KEYS[1], jobKey)
  else
    local base, id = string.match(jobKey, '^(.*:)([^:]+)$')
    local event = nil
    if base and redis.call('ZSCORE', base .. 'completed', id) then
      event = 'succeeded'
    elseif base and redis.call('ZSCORE', base .. 'failed', id) then
      if redis.call('HGET', jobKey, 'failedReason') == ARGV[1] then event = 'canceled' else event = 'failed' end
    end
    if event then found[#found + 1] = { jobKey, event, redis.call('HGET', jobKey, 'timestamp') } end
  end
end
return found
`;

/**
 * Records a delivery's state on the job hash, unless the job is gone (a HSET
 * would bring back a hash holding nothing but this field, and its key would
 * then look used).
 *
 * KEYS[1] the job hash  ARGV[1] the field  ARGV[2] the record (JSON)
 */
export const recordDeliveryScript = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;
