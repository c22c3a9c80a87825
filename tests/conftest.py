"""Shared fixtures: a real Chromium through Playwright, and an axe-core checker."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by the
# test itself (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (make test does, as root)."
        if os.environ.get("CI"):
            pytest.fail(message)  # on CI a missing browser is a failure, never a silent skip
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def viewport(request):
    return request.param


@pytest.fixture
def page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    checker = Axe()

    def check(page) -> None:
        results = checker.run(page)
        assert results.violations_count == 0, f"axe-core on {page.url}:\n{results.generate_report()}"

    return check


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """The database cache (rate-limit counters) is not a model table, so Django's flush leaves it:
    clear it so one test's submissions never count against another's."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    from django.core.cache import cache

    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    cache.clear()
    yield


@pytest.fixture
def staff_roles(django_db_blocker):
    """The role groups, as the migration creates them.

    Transactional tests (browser, races) flush every table afterwards, migration-made rows
    included, so tests that need the groups ask for this fixture to run the same function again.
    """
    import importlib

    from django.apps import apps

    importlib.import_module("booking.migrations.0004_staff_roles").create_roles(apps, None)
