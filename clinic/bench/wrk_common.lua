-- Shared by every endpoint of `make bench` (clinic/bench/run.py prepends the settings):
--   EXPECT   the one status that counts as success (200 for pages, 302 for a booking or a check-out)
--   COOKIE   optional Cookie header (the staff session, the CSRF cookie)
-- A response with any other status is an error, so a redirect to the sign-in page or a
-- "that time was just taken" page can never pass as a fast success.
-- done() prints one line, "BENCH-RESULT {json}", that run.py reads.

local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

if COOKIE then
  wrk.headers["Cookie"] = COOKIE
end
if CLOSE then
  wrk.headers["Connection"] = "close"
end

bad = 0
badcodes = ""

function response(status, headers, body)
  if status ~= EXPECT then
    bad = bad + 1
    if #badcodes < 40 and not string.find("," .. badcodes .. ",", "," .. status .. ",", 1, true) then
      badcodes = (badcodes == "" and "" or badcodes .. ",") .. status
    end
  end
end

function done(summary, latency, requests)
  local wrong, codes, exhausted = 0, {}, 0
  for _, thread in ipairs(threads) do
    wrong = wrong + (thread:get("bad") or 0)
    local c = thread:get("badcodes") or ""
    if c ~= "" then table.insert(codes, c) end
    exhausted = exhausted + (thread:get("exhausted") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, '
    .. '"max_us": %d, "mean_us": %.1f, "wrong_status": %d, "wrong_codes": "%s", "connect": %d, '
    .. '"read": %d, "write": %d, "timeout": %d, "status_errors": %d, "exhausted": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, latency.mean, wrong, table.concat(codes, ","), e.connect,
    e.read, e.write, e.timeout, e.status, exhausted))
end
