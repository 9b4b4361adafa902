-- Shared by the bench scripts (loaded with dofile). wrk's own summary has no count per status,
-- so each thread counts the answers it gets by status, and `done` writes the totals, the
-- latency percentiles and wrk's socket errors as JSON to $BENCH_OUT.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

statuses = {}

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

-- Form posts carry the Origin a browser sends: the public forms refuse cross-site posts.
form_headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["Origin"] = os.getenv("BENCH_ORIGIN"),
}

function split(list)
  local items = {}
  for item in string.gmatch(list or "", "[^,]+") do
    table.insert(items, item)
  end
  return items
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      table.insert(counts, string.format('"%d": %d', status, n))
    end
  end
  local e = summary.errors
  local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
  out:write(string.format(
    '{"requests": %d, "duration_us": %d, "statuses": [{%s}], "socket_errors": %d,'
      .. ' "timeouts": %d, "p50_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, table.concat(counts, ", "),
    e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
  out:close()
end
