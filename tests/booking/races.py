"""Helpers for race tests: racers released together by a barrier, each with its own database connection
(and, over HTTP, its own cookie jar)."""

from __future__ import annotations

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

from booking import services


def iso(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def opener():
    """A browser of its own: a cookie jar, and redirects answered, not followed."""
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())


def csrf_of(browser, url: str) -> str:
    html = browser.open(url, timeout=30).read().decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def race_on_link(live_server, token: str, posts: list[tuple[str, dict]], *, same_session: bool = False,
                 extra=()) -> list[tuple[int, str, str]]:
    """Each racer opens the manage link (session and CSRF), then all POST at once to ``manage/<token>/<path>``;
    ``extra``: callables started at the same moment in threads of their own (a phone booking, say).
    Returns each POST's (status, Location, body)."""
    manage = f"{live_server.url}/book/manage/{token}/"
    barrier = threading.Barrier(len(posts) + len(extra))
    results: list = [None] * len(posts)
    shared = opener() if same_session else None
    shared_csrf = csrf_of(shared, manage) if shared else None

    def racer(i, path, data):
        browser = shared or opener()
        csrf = shared_csrf or csrf_of(browser, manage)
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}, doseq=True).encode()
        request = urllib.request.Request(manage + path, data=body, headers={"Referer": manage})
        barrier.wait(timeout=30)
        try:
            response = browser.open(request, timeout=60)
            results[i] = (response.status, response.headers.get("Location", ""), response.read().decode())
        except urllib.error.HTTPError as error:
            results[i] = (error.code, error.headers.get("Location", ""), error.read().decode())

    def side(fn):
        barrier.wait(timeout=30)
        try:
            fn()
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(i, p, d)) for i, (p, d) in enumerate(posts)]
    threads += [threading.Thread(target=side, args=(fn,)) for fn in extra]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def statuses(results) -> list[int]:
    return [status for status, _, _ in results]


def run_together(*calls) -> list[tuple[str, object]]:
    """Call each at the same moment in a thread of its own: ("ok", result), ("refused", the BookingError's
    class name) or ("db-error", the error's first line) for each."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def go(i, call):
        try:
            barrier.wait(timeout=30)
            out[i] = ("ok", call())
        except services.BookingError as error:
            out[i] = ("refused", type(error).__name__)
        except DatabaseError as error:
            out[i] = ("db-error", f"{type(error).__name__}: {str(error).splitlines()[0]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return out


@contextmanager
def held_open(change, *, commit_after: float | None = None):
    """Run ``change`` in a transaction of its own (a thread, its own connection) and keep that transaction
    open, its locks held, until the block ends; or, for a block that itself waits on those locks, until
    ``commit_after`` seconds have passed, as the rest of a request would keep it. Yields what ``change``
    returned."""
    inside, release, failed, out = threading.Event(), threading.Event(), [], []

    def run():
        try:
            with transaction.atomic():
                out.append(change())
                inside.set()
                release.wait(30 if commit_after is None else commit_after)
        except Exception as error:  # noqa: BLE001 (reported by the assertion below)
            failed.append(error)
            inside.set()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    assert inside.wait(30)
    try:
        assert not failed, failed
        yield out[0]
    finally:
        release.set()
        thread.join(30)
