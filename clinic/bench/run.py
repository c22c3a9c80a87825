"""`make bench`: load-test the production configuration on this machine and print one table.

Run inside ``python -m clinic.embedded_db run --`` with ``CLINIC_DB_NAME=clinic_bench`` (the Makefile
does). Steps:

1. Recreate the ``clinic_bench`` database on the embedded PostgreSQL (never the development one), then
   ``migrate`` (which loads the shipped content), ``setup_site`` and ``bench_data`` (10 practitioners,
   6 months of appointments with their invoices and payments, a staff session, a list of free times and
   one of visits to check out; see that command).
2. ``collectstatic`` into a temporary STATIC_ROOT; count each page's SQL queries (``bench_queries``).
3. Start gunicorn exactly as in production (``-c clinic/gunicorn.conf.py clinic.wsgi``, DEBUG off, a
   fresh random secret key, whitenoise) on a free port of 127.0.0.1. Plain HTTP on loopback:
   DJANGO_SECURE_SSL_REDIRECT=0, because TLS belongs to the proxy in front. The booking rate limit is
   raised for the run (every request comes from one address), and the booking horizon is 150 days
   instead of 60, so that there are free times enough for every booking POST of the run.
4. Measure page weight, then drive each endpoint with wrk from a second process: a short warm-up,
   then a fixed-length run; print requests/s, p50/p95/p99 latency, errors and queries per page,
   and PASS/MISS for each target.
5. Stop gunicorn (the embedded_db wrapper stops PostgreSQL if it started it). The bench database is
   kept for a look afterwards and recreated by the next run.

Connections: by default every request comes on a new connection (``Connection: close``), as a proxy
in front of gunicorn sends them (nginx's default towards its upstream). With ``--keepalive`` wrk reuses
its 8 connections instead, and the numbers swing by half from run to run: gunicorn's gthread worker
accepts connections while it has any free slot, so one idle worker often takes several of wrk's
connections at once and keeps them, and a Python process uses one core at most.

Exit status: 0 when every request succeeded (targets missed are reported, not failed: numbers about
speed belong in a benchmark that prints them); 1 when any request failed or the set-up broke.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote_plus

from clinic import embedded_db
from clinic.bench.pageweight import page_weight
from clinic.bench.report import ENDPOINTS, HOST, cpu_ticks, gunicorn_restarts, other_cpu, report

BASE_DIR = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

# The row printed for an endpoint left out with --only.
NOT_RUN = {"rps": 0.0, "p50_us": 0, "p95_us": 0, "p99_us": 0, "wrong_status": 0, "wrong_codes": "", "connect": 0,
           "read": 0, "write": 0, "timeout": 0, "exhausted": 0, "requests": 0, "other_cpu": 0.0, "restarts": 0}


class SetupError(Exception):
    pass


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# --- database ---------------------------------------------------------------------------------------
def vacuum_analyze(name: str) -> None:
    """Settle the fresh data as autovacuum would have long ago on a real site: planner statistics
    and the visibility map. Without it the first endpoints run on guessed plans, and autovacuum may
    start in the middle of one."""
    import psycopg

    socket_dir, port = embedded_db.connection("postgres")
    with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname=name, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def recreate_database(name: str) -> str:
    """Drop and create the bench database; return the server version."""
    import psycopg
    from psycopg import sql

    socket_dir, port = embedded_db.connection("postgres")
    with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        # FORCE: a bench run that was killed may have left connections behind.
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return conn.execute("SHOW server_version").fetchone()[0]


# --- subprocesses -----------------------------------------------------------------------------------
def manage(env: dict, *args: str, capture: bool = False) -> str:
    command = [sys.executable, "manage.py", *args]
    result = subprocess.run(command, cwd=BASE_DIR, env=env, text=True,  # noqa: S603 - our own commands
                            stdout=subprocess.PIPE if capture else None)
    if result.returncode != 0:
        raise SetupError(f"`manage.py {' '.join(args)}` failed (exit {result.returncode})")
    return result.stdout or ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict, port: int, logfile: Path) -> subprocess.Popen:
    env = {**env, "GUNICORN_BIND": f"{HOST}:{port}"}
    with logfile.open("wb") as out:
        # Its own session: Ctrl-C reaches this script, which then stops gunicorn in order.
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", "clinic/gunicorn.conf.py", "clinic.wsgi"],
            cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"gunicorn exited at start-up (exit {proc.returncode}); see {logfile}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    raise SetupError("gunicorn did not answer /healthz within 60 s")


def stop_gunicorn(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # graceful: workers finish their requests
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group gunicorn leads (start_new_session)
        proc.wait()


def gunicorn_shape(env: dict) -> tuple[int, int]:
    """(workers, threads) as clinic/gunicorn.conf.py computes them from this environment."""
    namespace: dict = {}
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        exec(compile((BASE_DIR / "clinic/gunicorn.conf.py").read_text(), "gunicorn.conf.py", "exec"),  # noqa: S102
             namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return namespace["workers"], namespace["threads"]


# --- wrk --------------------------------------------------------------------------------------------
def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid Lua string for the ASCII we put in


def wrk_script(workdir: Path, name: str, *, expect: int, cookie: str | None, booking: dict | None,
               checkout: dict | None = None, threads: int, close: bool) -> Path:
    lines = [f"EXPECT = {expect}", f"NTHREADS = {threads}", f"CLOSE = {'true' if close else 'false'}"]
    if cookie:
        lines.append(f"COOKIE = {lua_string(cookie)}")
    body = (HERE / "wrk_common.lua").read_text()
    if booking is not None:
        lines.append("SLOTS = {" + ",\n".join(lua_string(s) for s in booking["slots"]) + "}")
        lines.append(f"FORM = {lua_string(booking['form'])}")
        body += "\n" + (HERE / "wrk_book.lua").read_text()
    if checkout is not None:
        lines.append("PATHS = {" + ",\n".join(lua_string(s) for s in checkout["paths"]) + "}")
        lines.append(f"FORM = {lua_string(checkout['form'])}")
        body += "\n" + (HERE / "wrk_checkout.lua").read_text()
    path = workdir / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n" + body)
    return path


def run_wrk(url: str, script: Path, *, seconds: float, threads: int, connections: int) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "5s", "-s", str(script),
               url]
    result = subprocess.run(command, text=True, capture_output=True, timeout=seconds + 60)  # noqa: S603
    for line in result.stdout.splitlines():
        if line.startswith("BENCH-RESULT "):
            return json.loads(line.removeprefix("BENCH-RESULT "))
    raise SetupError(f"wrk printed no result for {url}:\n{result.stdout}\n{result.stderr}")


def booking_form(csrf: str) -> str:
    """The booking form without who/start/email (tests/factories.py details_data, action=confirm)."""
    questions = ["pregnant", "fever_or_infection", "skin_problem_at_site", "weakened_immune_system",
                 "blood_thinners", "pacemaker_or_implants", "lymph_nodes_removed", "recent_surgery",
                 "fear_of_needles"]
    fields = [("csrfmiddlewaretoken", csrf), ("action", "confirm"), ("p-first_name", "Alex"),
              ("p-last_name", "Rivera"), ("p-phone", "604-555-0199"), ("p-date_of_birth", "1984-02-29"),
              ("p-phn", ""), ("p-patient_note", "Sore neck for months"), ("p-consent", "on"), ("p-website", ""),
              ("i-kind", "self_pay")] + [(f"s-{q}", "no") for q in questions]
    return "&".join(f"{quote_plus(k)}={quote_plus(v)}" for k, v in fields)


def slot_field(slot: dict) -> str:
    return f"who={quote_plus(slot['who'])}&start={quote_plus(slot['start'])}"


def split_warmup(items: list) -> dict[str, list]:
    """Free times or visits for the warm-up and for the measured run: each is used once."""
    warm_count = min(len(items) // 5, 400)
    return {"warmup": items[:warm_count], "measure": items[warm_count:]}


# --- checks -----------------------------------------------------------------------------------------
def preflight(port: int, plan: dict) -> None:
    """Each GET page once, by hand: the right status and the content we mean to measure (for the
    receipt, a PDF file: it starts with "%PDF-")."""
    for endpoint in ENDPOINTS:
        if endpoint.method != "GET":
            continue
        request = urllib.request.Request(f"http://{HOST}:{port}{plan['urls'][endpoint.url_name]}")
        if cookie := session_cookie(endpoint, plan):
            request.add_header("Cookie", cookie)
        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=10) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, body = error.code, ""
        if status != endpoint.expect or endpoint.must_contain not in body:
            raise SetupError(f"{endpoint.label}: {plan['urls'][endpoint.url_name]} answered {status} "
                             f"(expected {endpoint.expect} with {endpoint.must_contain!r})")


def session_cookie(endpoint, plan: dict) -> str | None:
    if endpoint.staff:
        return f"{plan['session_cookie']}={plan['session_key']}"
    if endpoint.patient_session:
        return f"{plan['session_cookie']}={plan['patient_session_key']}"
    return None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --- main -------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per endpoint (10)")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per endpoint (2)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--only", help="comma-separated endpoints to load (default: all)")
    parser.add_argument("--keepalive", action="store_true",
                        help="reuse wrk's connections (default: a new connection per request, as from a proxy)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only.split(",")) - {e.key for e in ENDPOINTS}) if args.only else []
    if unknown:  # it used to print a row of zeros for a misspelt endpoint, as if it had been measured
        log(f"--only: no endpoint named {', '.join(unknown)}; the endpoints are "
            f"{', '.join(e.key for e in ENDPOINTS)}")
        return 2

    if os.environ.get("DATABASE_URL"):
        log("DATABASE_URL is set: the benchmark recreates its database, so it runs only on the embedded "
            "PostgreSQL. Unset DATABASE_URL.")
        return 2
    if not shutil.which("wrk"):
        log("wrk is not installed: `apt-get install wrk` (make bench does it when run as root).")
        return 2
    db_name = embedded_db.DATABASE
    if "bench" not in db_name:
        log(f"CLINIC_DB_NAME is {db_name!r}: run through `make bench` (CLINIC_DB_NAME=clinic_bench).")
        return 2

    def terminate(signum, frame):
        raise KeyboardInterrupt  # run the clean-up below, then let the wrapper stop PostgreSQL

    signal.signal(signal.SIGTERM, terminate)
    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    env = {
        **os.environ,
        "CLINIC_DB_NAME": db_name,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),  # fresh each run, never stored
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS is the proxy's job
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "BOOKING_RATE_LIMIT_PER_HOUR": "100000000",  # every request comes from 127.0.0.1
        # Every booking POST takes a free time of its own: 60 days held ~1,300, fewer than a fast
        # machine books in one run (it ran out at ~105 req/s). 150 days hold ~3,000.
        "BOOKING_HORIZON_DAYS": "150",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    quiet = {**env, "CLINIC_REQUEST_LOG_LEVEL": "WARNING"}
    gunicorn = None
    started = time.monotonic()
    try:
        log(f"recreating database {db_name} on the embedded PostgreSQL")
        pg_version = recreate_database(db_name)
        log("migrate (loads the shipped content), setup_site, bench_data")
        manage(quiet, "migrate", "--no-input", "-v0")
        manage(quiet, "setup_site")
        plan_path = workdir / "plan.json"
        manage(quiet, "bench_data", "--plan", str(plan_path))
        plan = json.loads(plan_path.read_text())
        vacuum_analyze(db_name)
        log("collectstatic into a temporary STATIC_ROOT")
        manage(quiet, "collectstatic", "--no-input", "-v0")
        log("counting queries per page (bench_queries)")
        queries = json.loads(manage(quiet, "bench_queries", "--plan", str(plan_path), capture=True))
        for name, q in queries.items():
            expected = next(e.expect for e in ENDPOINTS if e.key == name)
            if q["status"] != expected:
                raise SetupError(f"bench_queries: {name} answered {q['status']}, expected {expected}")

        port = free_port()
        log(f"starting gunicorn on {HOST}:{port}")
        gunicorn_log = workdir / "gunicorn.log"
        gunicorn = start_gunicorn(env, port, gunicorn_log)
        preflight(port, plan)
        weights = [page_weight(HOST, port, plan["urls"][k]) for k in ("home", "article")]

        csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))
        form = f"csrfmiddlewaretoken={csrf}"
        # The last two of each list went to bench_queries.
        batches = split_warmup([slot_field(s) for s in plan["free_slots"][:-2]])
        visits = split_warmup(plan["checkout_paths"][:-2])
        only = set(args.only.split(",")) if args.only else None
        results = {}
        warm = {"book": 0, "checkout": 0}

        def measure(endpoint) -> dict:
            # The check-out's script sends each request to a visit of its own; wrk needs a URL all the same.
            path = plan["checkout_paths"][0] if endpoint.key == "checkout" else plan["urls"][endpoint.url_name]
            url = f"http://{HOST}:{port}{path}"
            cookie = session_cookie(endpoint, plan)
            for phase, seconds in (("warmup", args.warmup), ("measure", args.duration)):
                booking = checkout = None
                if endpoint.key == "book":
                    cookie = f"csrftoken={csrf}"
                    booking = {"slots": batches[phase], "form": booking_form(csrf)}
                if endpoint.key == "checkout":
                    # CSRF as for the booking: the secret in the cookie and as the form's token.
                    cookie = f"{session_cookie(endpoint, plan)}; csrftoken={csrf}"
                    checkout = {"paths": visits[phase], "form": form}
                script = wrk_script(workdir, f"{endpoint.key}-{phase}", expect=endpoint.expect, cookie=cookie,
                                    booking=booking, checkout=checkout, threads=args.threads,
                                    close=not args.keepalive)
                log(f"{endpoint.key}: {phase} {seconds:g} s")
                before, log_offset = cpu_ticks(), gunicorn_log.stat().st_size
                result = run_wrk(url, script, seconds=seconds, threads=args.threads, connections=args.connections)
                result["other_cpu"] = other_cpu(before, cpu_ticks(), server_pid=gunicorn.pid, seconds=seconds)
                result["restarts"] = gunicorn_restarts(gunicorn_log, since=log_offset)
                if phase == "warmup" and endpoint.key in warm:
                    warm[endpoint.key] = result["requests"]
            result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
            return result

        chosen = [e for e in ENDPOINTS if not only or e.key in only]
        results = {e.key: dict(NOT_RUN) for e in ENDPOINTS}
        for endpoint in (e for e in chosen if not e.cache_off):
            results[endpoint.key] = measure(endpoint)
        if any(e.cache_off for e in chosen):
            # The same server started again with the page cache off: nothing shared between visits.
            stop_gunicorn(gunicorn)
            log("restarting gunicorn with CLINIC_PAGE_CACHE=0 for the rows measured without the page cache")
            gunicorn_log = workdir / "gunicorn-nocache.log"
            gunicorn = start_gunicorn({**env, "CLINIC_PAGE_CACHE": "0"}, port, gunicorn_log)
            for endpoint in (e for e in chosen if e.cache_off):
                results[endpoint.key] = measure(endpoint)
        warm_booked, warm_checked_out = warm["book"], warm["checkout"]
        wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True)  # noqa: S607
        setup = {
            "port": port, "pg_version": pg_version, "gunicorn": gunicorn_shape(env),
            "wrk_version": " ".join((wrk_version.stdout or wrk_version.stderr).split()[:2]),
            "warmup_bookings": warm_booked, "warmup_checkouts": warm_checked_out,
        }
        stop_gunicorn(gunicorn)
        gunicorn = None
        ok = report(results=results, queries=queries, weights=weights, plan=plan, setup=setup, args=args)
        log(f"finished in {time.monotonic() - started:.0f} s")
        return 0 if ok else 1
    except SetupError as error:
        log(f"FAILED: {error}")
        return 1
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if gunicorn is not None:
            stop_gunicorn(gunicorn)
            log("gunicorn stopped")
        for log_file in sorted(workdir.glob("gunicorn*.log")):
            errors = [line for line in log_file.read_text(errors="replace").splitlines()
                      if " ERROR " in line or "Traceback" in line]
            if errors:
                log(f"gunicorn logged {len(errors)} error lines in {log_file.name}, e.g. {errors[0]}")
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
