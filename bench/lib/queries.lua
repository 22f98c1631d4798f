-- wrk script for bench/scale.sh and bench/extra.sh: one query per request, cycling through the file named by QUERIES
-- (each wrk thread starts at a different line). TARGET=search posts {"query", "top_k": TOP_K, "mode": MODE} to
-- /search; TARGET=embeddings posts {"input"} (and "model": MODEL when set) to /embeddings.
-- done() prints one JSON line prefixed "WRK_JSON ".
local path = os.getenv("QUERIES") or "queries.txt"
local target = os.getenv("TARGET") or "search"
local top_k = tonumber(os.getenv("TOP_K") or "10")
local mode = os.getenv("MODE") or "vector"
local model = os.getenv("MODEL")
local bodies = {}
for line in io.lines(path) do
  if #line > 0 then
    local escaped = line:gsub('\\', '\\\\'):gsub('"', '\\"')
    if target == "embeddings" then
      local named = model and (',"model":"' .. model .. '"') or ""
      bodies[#bodies + 1] = '{"input":"' .. escaped .. '"' .. named .. '}'
    else
      bodies[#bodies + 1] = string.format('{"query":"%s","top_k":%d,"mode":"%s"}', escaped, top_k, mode)
    end
  end
end

local counter = 0
local threads = {}

function setup(thread)
  thread:set("first", #threads * 97)
  threads[#threads + 1] = thread
end

function init(args)
  counter = first or 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  if os.getenv("GROUNDWORK_KEY") then
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("GROUNDWORK_KEY")
  end
end

function request()
  counter = counter + 1
  return wrk.format(nil, "/" .. target, nil, bodies[(counter % #bodies) + 1])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
