-- The benchmark's scenarios for wrk (LuaJIT). Arguments after "--":
--   mode slug tag seconds [token_file nthreads | campaign_path statement_path]
-- mode: bare | page | counter | get | sign | confirm | viral. `tag` makes every signer's email
-- unique. For "get", `slug` is the path to read (another public page); "confirm" takes the
-- token file, "viral" the campaign's and a statement's page paths.
-- After `seconds` no new request is sent (delay() holds every connection) while those in flight
-- are answered and counted, so the client's counts match what the server committed.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_usec; } bench_timeval;
int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) + tonumber(tv.tv_usec) / 1e6
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

-- Per-thread state; globals, so that done() can read them with thread:get().
statuses, accepted, confirmed, answered, exhausted = {}, 0, 0, 0, 0
started, last_response = 0, 0

local mode, slug, tag, seconds, deadline
local page_path, api_path, form_headers, campaign_path, statement_path
local tokens, step, n = {}, 0, 0

function init(args)
  mode, slug, tag, seconds = args[1], args[2], args[3], tonumber(args[4])
  page_path = "/en/petitions/" .. slug
  api_path = "/api/v1/petitions/" .. slug
  form_headers = {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Sec-Fetch-Site"] = "same-origin",
  }
  if mode == "viral" then
    campaign_path, statement_path = args[5], args[6]
  end
  if mode == "confirm" then
    local nthreads, i = tonumber(args[6]), 0
    for line in io.lines(args[5]) do
      if i % nthreads == tid - 1 then table.insert(tokens, line) end
      i = i + 1
    end
  end
end

local function sign_form()
  n = n + 1
  local body = "name=Bench+Signer&email=" .. tag .. "-" .. tid .. "-" .. n ..
      "%40bench.example&country=FR&consent=y"
  return wrk.format("POST", page_path, form_headers, body)
end

function request()
  if deadline == nil then
    started = now()
    deadline = started + seconds
  end
  if mode == "bare" then
    return wrk.format("GET", "/__bench/bare")
  elseif mode == "page" then
    return wrk.format("GET", page_path)
  elseif mode == "counter" then
    return wrk.format("GET", api_path)
  elseif mode == "get" then
    return wrk.format("GET", slug)
  elseif mode == "sign" then
    -- A browser's flow: the page, then the form posted back to it.
    step = step + 1
    if step % 2 == 1 then return wrk.format("GET", page_path) end
    return sign_form()
  elseif mode == "confirm" then
    -- The link from the email (GET), then the button on that page (POST).
    step = step + 1
    local token = tokens[math.floor((step + 1) / 2)]
    if token == nil then
      exhausted = exhausted + 1
      return wrk.format("GET", "/__bench/bare")
    end
    if step % 2 == 1 then return wrk.format("GET", "/en/confirm/" .. token) end
    return wrk.format("POST", "/en/confirm/" .. token, form_headers, "")
  elseif mode == "viral" then
    -- Visitors arrive on the campaign or a statement, read the petition, watch the counter.
    local r = math.random()
    if r < 0.35 then return wrk.format("GET", page_path) end
    if r < 0.75 then return wrk.format("GET", api_path) end
    if r < 0.85 then return wrk.format("GET", campaign_path) end
    if r < 0.90 then return wrk.format("GET", statement_path) end
    return sign_form()
  end
  error("unknown mode " .. tostring(mode))
end

function delay()
  if deadline ~= nil and now() >= deadline then return 3600000 end
  return 0
end

function response(status, headers, body)
  last_response = now()
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  -- Only modes that sign or confirm read the body: searching every answer of a read-only
  -- scenario cost wrk 8 % of a core more on the 65 KB sitemap (23 % instead of 15 %), which
  -- the servers then lacked on a two-core machine.
  if status ~= 200 or body == nil or not (mode == "sign" or mode == "viral" or mode == "confirm") then
    return
  end
  -- A signing is answered by the "check your email" page itself, with its resend button.
  if string.find(body, 'name="resend"', 1, true) then
    accepted = accepted + 1
  end
  if mode == "confirm"
      and string.find(body, '<title>Your signature counts', 1, true) then
    confirmed = confirmed + 1
  end
end

function done(summary, latency, requests)
  local codes, total = {}, { answered = 0, accepted = 0, confirmed = 0, exhausted = 0 }
  local first, last = nil, 0
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      codes[status] = (codes[status] or 0) + count
    end
    for key, _ in pairs(total) do total[key] = total[key] + thread:get(key) end
    local t0, t1 = thread:get("started"), thread:get("last_response")
    if t0 > 0 and (first == nil or t0 < first) then first = t0 end
    if t1 > last then last = t1 end
  end
  local parts = {}
  for status, count in pairs(codes) do
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"seconds":%.3f,"accepted":%d,"confirmed":%d,"exhausted":%d,' ..
    '"latency_us":{"p50":%d,"p95":%d,"p99":%d,"max":%d},"statuses":{%s},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d}}\n',
    total.answered, first and (last - first) or 0, total.accepted, total.confirmed,
    total.exhausted, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, table.concat(parts, ","), e.connect, e.read, e.write, e.timeout))
end
