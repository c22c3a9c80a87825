"""Copies of public pages for plain visits, kept correct across app servers by a version token.

A ``VisitorPageCache`` keeps rendered pages in each app server's memory; a version token in the shared
database (``clinic.models.PageVersion``) says which copies are current. A change to any table the pages
are built from sets a new token, and every server stops serving its older copies at its next request:
invalidation across processes and machines with no broker, for one query per visit.

The database writes the token itself (``token_trigger``): a deferred trigger on each watched table
renews it once per transaction, as that transaction commits. So the token commits or rolls back with
the change (no visit can see one without the other), no kind of write can forget it (but TRUNCATE,
see below), the change's own statements need no savepoint and no extra query, and the token's row is
locked only while the change commits, after an advisory lock every token writer queues on.

Only "plain" visits are served copies: no session (nobody signed in, no booking in progress), no
pending messages, no open transaction. Everyone else gets the page rendered for them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache.backends.locmem import LocMemCache
from django.db import DatabaseError, migrations, transaction
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from .models import PageVersion

logger = logging.getLogger(__name__)
T = TypeVar("T")


def plain_visit(request) -> bool:
    """A visit whose page is the same for everyone: no session (so nobody signed in, no booking in
    progress), no pending messages, and no open database transaction (ATOMIC_REQUESTS, or a test's),
    because a page rendered inside one may show rows that are then rolled back."""
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
        and not transaction.get_connection().in_atomic_block
    )


def shareable(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not any(word in cache_control for word in ("private", "no-store", "no-cache"))  # draft previews
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")  # the page holds a CSRF token
    )


class VisitorPageCache:
    """Rendered pages for plain visits, invalidated everywhere by a new version token."""

    def __init__(self, name: str, *, seconds: int = 10 * 60, max_entries: int = 500):
        self.name = name
        self.tables: dict[str, tuple[str, ...]] = {}  # table: the columns whose updates count (all: empty)
        # ``seconds`` only bounds memory: the version check keeps copies correct.
        self.pages = LocMemCache(f"{name}-rendered-pages", {"TIMEOUT": seconds,
                                                            "OPTIONS": {"MAX_ENTRIES": max_entries}})

    # --- the version token -----------------------------------------------------------------------
    def version(self) -> str | None:
        """The current token: one query on ``PageVersion``.

        Read it *before* rendering: a copy is tagged with a token that no change newer than its rows
        has replaced, so it can never be served after such a change.
        """
        try:
            return PageVersion.objects.current(self.name)
        except DatabaseError:  # no table yet: serve uncached rather than fail
            logger.warning("%s page cache: the version table is unreachable", self.name)
            return None

    def watch(self, models: Iterable, m2m: Iterable = (), *, columns: dict | None = None) -> None:
        """Declare the tables whose changes retire this set's copies: ``models``, the many-to-many
        tables ``m2m``, and for a model in ``columns`` only inserts, deletes and updates of those
        fields. The database does the retiring (``token_trigger``, installed by migrations): whatever
        writes the rows (``save()``, ``update()``, ``bulk_create()``, the admin, SQL typed at a prompt),
        the new token commits with them. A test checks that the database's triggers are these."""
        for model in [*models, *m2m]:
            fields = (columns or {}).get(model, ())
            self.tables[model._meta.db_table] = tuple(sorted(model._meta.get_field(f).column for f in fields))

    # --- data the pages are built from -------------------------------------------------------------
    def remember(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()``'s result, kept in this process under the current version token like the
        pages: for visits that can't share a page (a session) but can share what it is built from.
        Inside a transaction it is always computed afresh (it could include rows then rolled back)."""
        if not settings.CLINIC_PAGE_CACHE or transaction.get_connection().in_atomic_block:
            return compute()
        version = self.version()
        if version is None:
            return compute()
        name = "data:" + hashlib.sha256(key.encode()).hexdigest()
        value = self._current(name, version)
        if value is None:
            value = compute()
            self.pages.set(name, (version, value))
        return value

    def _current(self, name: str, version: str):
        """What this process keeps under ``name``, if it was made under ``version``; else None."""
        entry = self.pages.get(name)
        return entry[1] if entry is not None and entry[0] == version else None

    # --- the view decorator ------------------------------------------------------------------------
    def for_visitors(self, view=None, *, key: Callable | None = None):
        """Serve a plain visit (see ``plain_visit``) a copy of the page rendered earlier, while no
        change has happened since: one cache query instead of the page's own queries and rendering.

        ``key(request, *args, **kwargs)`` names what makes two visits' pages differ beyond the
        address; by default the path alone (query strings ignored). The host and scheme are always
        in the key: pages name their own address.
        """

        def decorator(view):
            @wraps(view)
            def wrapper(request, *args, **kwargs):
                if not settings.CLINIC_PAGE_CACHE or not plain_visit(request):
                    return view(request, *args, **kwargs)
                version = self.version()
                if version is None:
                    return view(request, *args, **kwargs)
                extra = key(request, *args, **kwargs) if key else ""
                name = hashlib.sha256(f"{request.build_absolute_uri(request.path)}\n{extra}".encode()).hexdigest()
                copy = self._current(name, version)
                if copy is not None:
                    response = HttpResponse(copy[0], content_type=copy[1])
                else:
                    response = view(request, *args, **kwargs)
                    if request.method == "GET" and shareable(request, response):
                        self.pages.set(name, (version, (response.content, response["Content-Type"])))
                patch_vary_headers(response, ["Cookie"])  # a signed-in member of staff may see another page
                return response

            return wrapper

        return decorator(view) if view is not None else decorator


# --- the database's side: the triggers that write the token ----------------------------------------
# Installed by migrations: clinic 0006 and 0007 make the function ``clinic_renew_page_version(name)``;
# each app's migration puts the triggers on its tables (``token_trigger``). The function writes a set's
# token once per transaction (a flag local to the transaction), after taking one advisory lock that
# every token writer takes first: two commits that renew both sets (a change to the clinic's details,
# say, or the demo data's one transaction) queue there instead of locking the two rows in opposite
# orders. A TRUNCATE fires no row trigger: after one at a prompt, copies last until their clock mark
# or lifetime (``manage.py flush`` empties the tokens' table too, so it is fine).


def trigger_name(name: str) -> str:
    return "page_version_" + name.replace("-", "_")


def token_trigger(name: str, table: str, columns: Iterable[str] = ()) -> migrations.RunSQL:
    """The migration operation that makes any change to ``table`` (or, with ``columns``, any insert,
    delete or update of those columns) renew the token of the set ``name`` when it commits."""
    of = " OF " + ", ".join(f'"{column}"' for column in columns) if columns else ""
    trigger = trigger_name(name)
    return migrations.RunSQL(
        f"CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT OR DELETE OR UPDATE{of} ON {table} "
        f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION clinic_renew_page_version('{name}')",
        f"DROP TRIGGER {trigger} ON {table}",
    )


def installed_triggers(cursor) -> set[tuple[str, str, tuple[str, ...]]]:
    """(trigger, table, columns) of every token trigger in the database, to compare with what the
    caches ``watch``."""
    cursor.execute("""
        SELECT t.tgname, c.relname, ARRAY(SELECT a.attname FROM pg_attribute a
                                          WHERE a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr)
                                          ORDER BY a.attname)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE t.tgname LIKE 'page\\_version\\_%' AND NOT t.tgisinternal
    """)
    return {(name, table, tuple(columns)) for name, table, columns in cursor.fetchall()}
