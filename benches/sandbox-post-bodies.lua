-- wrk script: posts the customers of a JSON-lines file (one create body per line), in turn, to
-- POST .../api/customer/post: the importer's own workload without the importer.
-- Usage: BODIES=target/bench/bodies-10000c.jsonl wrk -s benches/sandbox-post-bodies.lua URL
-- The key comes from the SANDBOX_KEY environment variable (default sandbox-key).
wrk.method = "POST"
wrk.headers["Authorization"] = os.getenv("SANDBOX_KEY") or "sandbox-key"
wrk.headers["Content-Type"] = "application/json"

-- Each request made once, with the headers above.
local requests = {}
for line in io.lines(os.getenv("BODIES")) do
  requests[#requests + 1] = wrk.format(nil, nil, nil, line)
end
local next_request = 0

function request()
  next_request = next_request % #requests + 1
  return requests[next_request]
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
