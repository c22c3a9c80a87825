-- Booking submissions for `make bench`, appended to wrk_common.lua. run.py prepends:
--   SLOTS     {"who=...&start=...", ...}: free times that can each be booked once (from bench_data)
--   FORM      the rest of the form, URL-encoded, with the CSRF secret as csrfmiddlewaretoken
--   NTHREADS  wrk threads: thread k sends SLOTS[k+1], SLOTS[k+1+NTHREADS], ... so no time is sent twice
-- Each request books a different free time as a new visitor (a new email address each time).

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local sent = 0
exhausted = 0

function request()
  local i = tid + 1 + sent * NTHREADS
  sent = sent + 1
  local slot = SLOTS[i]
  if slot == nil then
    -- Out of free times: stop this thread rather than send a time twice (run.py reports it).
    exhausted = 1
    wrk.thread:stop()
    slot = SLOTS[#SLOTS]
  end
  local body = slot .. "&p-email=bench.load." .. tid .. "." .. sent .. "%40example.com&" .. FORM
  return wrk.format(nil, nil, nil, body)
end
