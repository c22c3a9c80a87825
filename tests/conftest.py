"""Shared fixtures: a real Chromium through Playwright, an axe-core checker, and test-run settings
(a fast password hasher, Hypothesis profiles, the browser marker)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property-based tests: fewer examples on a developer's machine, more on CI (CI=true). A test's
# own @settings may still add to these (deadline, health checks) but no longer sets the count.
hypothesis_settings.register_profile(
    "dev", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
hypothesis_settings.register_profile(
    "ci", max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

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


def pytest_collection_modifyitems(items):
    """Everything under tests/browser/ drives Chromium: ``make test-fast`` leaves it out by this marker."""
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """For speed (as healthchecks does): the production hasher spends ~0.2 s of CPU per password on
    purpose, and the suite creates staff users and signs in hundreds of times. What a test checks about
    sign-in (wrong password refused, throttling) does not depend on the hash's cost."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    importlib.import_module("booking.migrations.0008_front_desk_removes_closures").grant_front_desk(apps, None)
    importlib.import_module("booking.billing.migrations.0002_counter_and_role").counter_and_role(apps, None)
    importlib.import_module("booking.migrations.0010_visit_notes_attendance_receipts").grant_roles(apps, None)
    importlib.import_module("booking.billing.migrations.0003_fee_policy_reports").grant_roles(apps, None)
    importlib.import_module("booking.courses.migrations.0001_courses").grant_roles(apps, None)
    importlib.import_module("booking.courses.migrations.0005_payer_limits").rules_and_roles(apps, None)
