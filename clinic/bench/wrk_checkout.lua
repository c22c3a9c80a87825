-- Check-outs for `make bench`, appended to wrk_common.lua. run.py prepends:
--   PATHS     {"/staff/appointments/<reference>/check-out/", ...}: completed visits with no invoice yet
--             (from bench_data), each to be checked out once
--   FORM      the form, URL-encoded: the CSRF secret (also in COOKIE) as csrfmiddlewaretoken
--   NTHREADS  wrk threads: thread k sends PATHS[k+1], PATHS[k+1+NTHREADS], ... so no visit is sent twice
-- Success is a 302 to the new invoice: a check-out the service refuses also answers 302, but back to the
-- appointment page, and the sign-in page is a 302 too; both count as errors.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local sent = 0
exhausted = 0

function request()
  local i = tid + 1 + sent * NTHREADS
  sent = sent + 1
  local path = PATHS[i]
  if path == nil then
    -- Out of visits: stop this thread rather than check one out twice (run.py reports it).
    exhausted = 1
    wrk.thread:stop()
    path = PATHS[#PATHS]
  end
  return wrk.format("POST", path, nil, FORM)
end

local count_status = response

function response(status, headers, body)
  if status == EXPECT and not string.find(headers["Location"] or "", "/staff/invoices/", 1, true) then
    status = "302-not-to-an-invoice"
  end
  count_status(status, headers, body)
end
