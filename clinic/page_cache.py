"""Copies of public pages for plain visits, kept correct across app servers by a version token.

A ``VisitorPageCache`` keeps rendered pages in each app server's memory; a version token in the shared
database (``clinic.models.PageVersion``) says which copies are current. A change to any model the pages
are built from sets a new token (signals, or an explicit ``invalidate()`` after a bulk write), and every
server stops serving its older copies at its next request: invalidation across processes and machines
with no broker, for one query per visit.

Only "plain" visits are served copies: no session (nobody signed in, no booking in progress), no
pending messages, no open transaction. Everyone else gets the page rendered for them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from functools import wraps
from typing import TypeVar

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, router, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
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

    def _new_version(self) -> bool:
        """Store a new token; True when it was stored. Inside a transaction the write has a savepoint
        of its own: a token that cannot be written (a lock timeout, a deadlock) must not break the
        change being saved."""
        try:
            with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
                PageVersion.objects.renew(self.name)
            stored = True
        except DatabaseError:
            logger.warning("%s page cache: could not store a new version", self.name)
            stored = False
        self.pages.clear()  # this process's copies are stale now: free the memory at once
        return stored

    def invalidate(self, sender=None, action: str = "post_", using: str | None = None, **kwargs) -> None:
        """Stop every app server from serving its copies (also a signal receiver)."""
        if not action.startswith("post_"):  # m2m_changed fires before and after: once is enough
            return
        using = using or DEFAULT_DB_ALIAS
        # When the token lives in the database that holds the change, the new token commits (or rolls
        # back) together with it, so no visit can see the new token with the old rows. Elsewhere, or if
        # that write failed, it is written only after the commit: earlier, a page rendered from the old
        # rows meanwhile would carry the new token.
        if not (self._token_commits_with(using) and self._new_version()):
            transaction.on_commit(self._new_version, using=using)

    @staticmethod
    def _token_commits_with(using: str) -> bool:
        return router.db_for_write(PageVersion) == using

    def invalidate_on_change(self, models: Iterable, m2m: Iterable = ()) -> None:
        """Any save or delete of these models (and any change to these many-to-many tables)
        invalidates. Bulk writes (``update()``, ``bulk_create()``) send no signals: call
        ``invalidate()`` after them."""
        for model in models:
            uid = f"{self.name}-pages-{model._meta.label}"
            post_save.connect(self.invalidate, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(self.invalidate, sender=model, dispatch_uid=f"{uid}-delete")
        for through in m2m:
            m2m_changed.connect(self.invalidate, sender=through,
                                dispatch_uid=f"{self.name}-pages-m2m-{through._meta.label}")

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
