-- wrk script for POST /v1/jobs: one Idempotency-Key per request, unique or
-- duplicate-heavy, and a JSON summary the bench parses (wrk's own report is for people).
--
-- Environment:
--   BENCH_KEYS        "unique" (every request a new key) or "duplicate-heavy"
--                     (90% of requests repeat one of BENCH_HOT_KEYS keys)
--   BENCH_KEY_PREFIX  makes this run's keys its own
--   BENCH_HOT_PREFIX  prefix of the hot keys (default BENCH_KEY_PREFIX): several
--                     wrk processes with their own key prefixes can share one hot set
--   BENCH_HOT_KEYS    how many keys the duplicate-heavy load repeats
--   BENCH_BODY        the JSON body, the same for every request
--   BENCH_TOKEN       bearer token, or empty for none

local mode = os.getenv("BENCH_KEYS") or "unique"
local prefix = os.getenv("BENCH_KEY_PREFIX") or "k"
local hot_prefix = os.getenv("BENCH_HOT_PREFIX") or prefix
local hot_keys = tonumber(os.getenv("BENCH_HOT_KEYS") or "300")
local body = os.getenv("BENCH_BODY") or "{}"
local token = os.getenv("BENCH_TOKEN") or ""

local headers = { ["Content-Type"] = "application/json" }
if token ~= "" then headers["Authorization"] = "Bearer " .. token end

local counter = 0
math.randomseed(os.time())

request = function()
  counter = counter + 1
  local key
  if mode == "duplicate-heavy" and math.random() < 0.9 then
    key = hot_prefix .. "-hot-" .. math.random(hot_keys)
  else
    key = prefix .. "-" .. counter
  end
  headers["Idempotency-Key"] = key
  return wrk.format("POST", "/v1/jobs", headers, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"durationUs":%d,"non2xx":%d,"socketErrors":%d,"timeouts":%d,' ..
    '"latencyUs":{"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
