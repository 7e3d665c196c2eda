-- wrk script for bench/load/run.py: GET /me with `Authorization: Bearer <token>`,
-- the tokens read from the file named by LOAD_TOKENS (one a line) and cycled,
-- each thread from its own offset. Counts the answers by status and, at the
-- end, prints one line "LOAD_RESULT {json}" for run.py to read (wrk's own
-- report counts only non-2xx/3xx together).

local function read_tokens()
  local tokens = {}
  for line in io.lines(os.getenv("LOAD_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  return tokens
end

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  tokens = read_tokens()
  requests = {}
  statuses = {}
  -- Threads start apart in the list so that they do not send the same tokens in step.
  at = math.floor(id * #tokens / 2)
end

function request()
  at = at % #tokens + 1
  local formatted = requests[at]
  if formatted == nil then
    formatted = wrk.format("GET", "/me", { ["Authorization"] = "Bearer " .. tokens[at] })
    requests[at] = formatted
  end
  return formatted
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local counts = {}
  for status, n in pairs(merged) do
    counts[#counts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'LOAD_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "statuses": {%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, table.concat(counts, ", ")))
end
