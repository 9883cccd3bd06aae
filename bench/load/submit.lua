-- wrk script: every request submits a new demand as the demo agency, with
-- a unique reference and Idempotency-Key, and every thread counts the
-- answers it got, so the run can be checked against what the database holds.
local counter = 0
local threads = {}
accepted, refused = 0, 0

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("WRIT_LOAD_TOKEN")
  run = os.getenv("WRIT_LOAD_RUN")
end

function request()
  counter = counter + 1
  local ref = string.format("LOAD-%s-%d-%d", run, id, counter)
  local body = string.format('{"reference":"%s","instrument":"us_subpoena","issued_by":"other",' ..
    '"data_categories":["subscriber"],"accounts":["jdoe1987@mail.example"]}', ref)
  return wrk.format("POST", "/v1/demands", {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = ref,
  }, body)
end

function response(status, headers, body)
  if status == 201 then
    accepted = accepted + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local a, r = 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted")
    r = r + t:get("refused")
  end
  io.write(string.format("accepted %d\nrefused %d\n", a, r))
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("p%d_ms %.2f\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("seconds %.2f\n", summary.duration / 1e6))
end
