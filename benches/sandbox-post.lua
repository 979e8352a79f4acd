-- wrk script: creates customers through POST .../api/customer/post.
-- Usage: wrk -s benches/sandbox-post.lua http://127.0.0.1:PORT/sites/COMPANY/api/customer/post
-- The key comes from the SANDBOX_KEY environment variable (default sandbox-key).
local key = os.getenv("SANDBOX_KEY") or "sandbox-key"
local counter = 0

wrk.method = "POST"
wrk.headers["Authorization"] = key
wrk.headers["Content-Type"] = "application/json"

function request()
  counter = counter + 1
  local body = string.format(
    '{"Name":"Bench %d","AccountNumber":"B%d","City":"Boston","State":"MA",' ..
    '"PostalCode":"02134","Email":"bench%d@example.com","Inactive":false,' ..
    '"BillingAdjustmentPercentage":0,"PricingMethod":"Distance",' ..
    '"Departments":[{"Name":"Shipping"}],"Contacts":[{"Name":"Ann","Phone":"555-0100"}]}',
    counter, counter, counter)
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
