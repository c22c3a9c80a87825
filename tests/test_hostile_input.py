"""Random and malicious input to every public page: never a 500, nothing stored when the input is
invalid, and a clear answer (the form with its errors, or the 400 page).

Which fields a page reads is derived from the code, not listed by hand (``request_fields``): the
parameters its view and the helpers it calls read from ``request.GET``/``request.POST``, plus every
field of every form they build, with its prefix. A new query parameter or form field is fuzzed
without touching this file. The staff pages (tests/booking/staff/test_hostile_input.py) use the
same machinery; cookies and headers are fuzzed here and there.
"""

from __future__ import annotations

import ast
import inspect
import re
import textwrap
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from functools import cache
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest
import time_machine
from django.apps import apps
from django.contrib.messages import constants as message_levels
from django.contrib.messages.storage.session import SessionStorage
from django.db import connection
from django.db.models import Manager, Model, QuerySet
from django.forms import BaseForm
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from booking.models import Appointment, Screening, WaitlistEntry, WaitlistOffer
from booking.waitlist import services as waitlist
from booking.waitlist.views import JOINED
from clinic.models import ClinicProfile
from tests.education.factories import make_article, make_condition
from tests.factories import NOW, book, details_data, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db
# How many examples comes from the Hypothesis profile (tests/conftest.py): 20 locally, 80 on CI.
HOSTILE = hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Edges of Python's date range, with the widest zone offsets: these once overflowed in views.
EDGE_DATES = [
    "0001-01-01", "9999-12-31", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-12:00",
    "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59.999999+14:00", "9999-12-31T23:59:59Z", "1899-12-31",
    "2200-01-01", "24:00", "23:59:60", "00:00-14:00", "9999-W52-7", "+275760-09-13",
]
NASTY = st.sampled_from([
    "", " ", "\x00", "a\x00b", "'; DROP TABLE booking_appointment; --", "\" OR 1=1 --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{ 7*7 }}", "%s%s%n",
    "２０２６-１２-０１", "2026-02-30", "0000-00-00", "9999-99-99", "1e309", "-1", "NaN", "☃" * 300,
    "\u202e\u200b\ufeff", "A" * 10_000, "../../etc/passwd", "null", "[]", "{}", "yes", "on", "\r\n\r\n",
    "9" * 40, str(2**31), str(2**63), "-0", "0x10", "٣", "//evil.example/", "/staff/\r\nSet-Cookie: x=1",
    "\U0001f600" * 50, *EDGE_DATES,
])
TEXT = st.one_of(NASTY, st.text(st.characters(blacklist_categories=("Cs",)), max_size=300))
# A field sent once, or several times (a list: the test client repeats the name).
VALUE = st.one_of(TEXT, TEXT, TEXT, st.lists(TEXT, min_size=2, max_size=3))
# An error the page shows (the error summary, an error message), and what a 400 or 409 must show.
ERROR_SHOWN = ('class="error-summary"', "alert-danger")
CLEAR_ANSWER = (*ERROR_SHOWN, "We could not read that address", 'role="alert"', "invalid-feedback")


# --- what each page reads, from the code ----------------------------------------------------------
READERS = {"GET", "POST", "data", "source"}  # request.GET / request.POST, or a view's alias for one
PROJECT = ("booking", "clinic", "education")


@dataclass(frozen=True)
class Page:
    name: str  # "booking:details", or the route for a pattern without a name
    route: str  # "book/manage/<str:token>/"
    view: object
    fields: tuple[str, ...]  # every GET parameter and POST field the page reads
    methods: tuple[str, ...]  # of GET and POST, those the view answers

    def path(self, sample: dict) -> str:
        """The address with ``sample``'s values for its parameters (``sample[page name]`` first)."""
        values = {**sample, **sample.get(self.name, {})}

        def value(match) -> str:
            if match[1] not in values:
                raise KeyError(f"add a sample value for <{match[1]}> of {self.name} to the test's sample")
            return quote(str(values[match[1]]), safe="")

        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", value, self.route)


def _followed(value) -> bool:
    """A function or class of the project that may read the request: not a model, a queryset, a choice
    list or an exception (they never do, and their sources are long)."""
    if (getattr(value, "__module__", "") or "").split(".")[0] not in PROJECT:
        return False
    if inspect.isclass(value):
        return not issubclass(value, (Model, QuerySet, Manager, BaseException, Enum))
    return inspect.isfunction(value)


def _form_fields(form_class, prefix: str | None) -> set[str]:
    """The names of a form's fields, with its prefix. A form that needs more than a prefix to be built
    (a user first, like PasswordChangeForm; a keyword such as the waitlist form's ``service``) is read
    from its declared fields."""
    for args in ((), (None,)):
        try:
            form = form_class(*args, prefix=prefix)
        except TypeError:
            continue
        return {form.add_prefix(name) for name in form.fields}
    return {f"{prefix}-{name}" if prefix else name for name in form_class.base_fields}


@cache
def _reads(obj) -> tuple[frozenset[str], frozenset[tuple[type, str | None]], tuple]:
    """What the source of ``obj`` reads from a request, the forms it builds, and what it refers to."""
    names, forms, followed = set(), set(), []
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    except (OSError, TypeError):
        return frozenset(), frozenset(), ()
    scope = vars(inspect.getmodule(obj))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and _followed(target := scope.get(node.id)):
            if not (isinstance(target, type) and issubclass(target, BaseForm)):  # forms: from the call below
                followed.append(target)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            target = scope.get(node.func.id)
            if isinstance(target, type) and issubclass(target, BaseForm):
                prefix = next((k.value.value for k in node.keywords
                               if k.arg == "prefix" and isinstance(k.value, ast.Constant)), None)
                forms.add((target, prefix))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in (
                "get", "getlist") and node.args and isinstance(node.args[0], ast.Constant):
            receiver = node.func.value
            receiver = receiver.attr if isinstance(receiver, ast.Attribute) else getattr(receiver, "id", "")
            if receiver in READERS and isinstance(node.args[0].value, str):
                names.add(node.args[0].value)
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr in (
                "GET", "POST") and isinstance(node.slice, ast.Constant):
            names.add(node.slice.value)
    return frozenset(names), frozenset(forms), tuple(followed)


@cache
def request_fields(view) -> tuple[str, ...]:
    """Every name ``view`` reads from a request: ``GET``/``POST`` ``.get("x")`` and ``["x"]`` in the view
    and in every function or class of the project it refers to (followed across modules), and every
    field of every form built there (``SomeForm(..., prefix="p")`` gives ``p-<field>``)."""
    names: set[str] = set()
    forms: set[tuple[type, str | None]] = set()
    view_class = getattr(view, "view_class", None)
    if view_class is not None:  # a class-based view: its form and its redirect field
        if getattr(view_class, "form_class", None) is not None:
            forms.add((view_class.form_class, None))
        if getattr(view_class, "redirect_field_name", None):
            names.add(view_class.redirect_field_name)
    todo, seen = [view_class or inspect.unwrap(view)], set()
    while todo:
        obj = todo.pop()
        if obj not in seen:
            seen.add(obj)
            read, built, followed = _reads(obj)
            names |= read
            forms |= built
            todo.extend(followed)
    for form_class, prefix in forms:
        names |= _form_fields(form_class, prefix)
    return tuple(sorted(names))


METHOD_DECORATORS = {"require_safe": ("GET",), "require_GET": ("GET",), "require_POST": ("POST",)}


def accepted_methods(view) -> tuple[str, ...]:
    """GET and/or POST, from the view's decorators (``require_safe``, ``require_POST``,
    ``require_http_methods([...])``) or a class-based view's handlers: a request the view would answer
    with 405 is a wasted example."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return tuple(m.upper() for m in ("get", "post") if m in view_class.http_method_names and hasattr(view_class, m))
    function = inspect.unwrap(view)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    for decorator in tree.body[0].decorator_list:
        if isinstance(decorator, ast.Name) and decorator.id in METHOD_DECORATORS:
            return METHOD_DECORATORS[decorator.id]
        if (isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "require_http_methods"
                and isinstance(decorator.args[0], ast.List)):
            return tuple(m.value for m in decorator.args[0].elts if m.value in ("GET", "POST"))
    return ("GET", "POST")


def site_pages(*, namespaces: set[str] | None = None, exclude: frozenset[str] = frozenset({"admin"})) -> list[Page]:
    """Every URL pattern of the site (Django's admin left out: it is Django's), optionally only those in
    ``namespaces`` ("" for the patterns outside any namespace)."""
    found = []

    def walk(patterns, namespace: str, route: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace in exclude:
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace, route + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield namespace, pattern, route + str(pattern.pattern)

    for namespace, pattern, route in walk(get_resolver().url_patterns, "", ""):
        if namespaces is not None and namespace not in namespaces:
            continue
        name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or route)
        found.append(Page(name, route, pattern.callback, request_fields(pattern.callback),
                          accepted_methods(pattern.callback)))
    return found


def by_fields(pages: list[Page]) -> list[list[Page]]:
    """Pages grouped by the fields they read: pages that read the same ones (the actions that read only
    ``next``, the pages that read nothing) share their examples, which keeps the suite fast."""
    groups: dict[tuple[str, ...], list[Page]] = {}
    for page in pages:
        groups.setdefault(page.fields, []).append(page)
    return list(groups.values())


def group_id(group: list[Page]) -> str:
    return "|".join(page.name.split(":")[-1] or "home" for page in group)


# --- what the site stores, and what a clear answer is -------------------------------------------
# Not what a person typed: attempts counted on purpose (the booking rate limit), the public pages'
# version tokens, and the PDFs laid out for a receipt viewed (stored under the hash of what they show).
NOT_INPUT = {"clinic.ratecounter", "clinic.pageversion", "billing.pdfcopy"}


def stored_rows() -> tuple[int, ...]:
    """Row counts of every model of the project's apps (a new app included) and of the users, in one
    query."""
    stored = [config for config in apps.get_app_configs()
              if config.name.split(".")[0] in PROJECT or config.label == "auth"]
    tables = [connection.ops.quote_name(m._meta.db_table) for config in stored for m in config.get_models()
              if m._meta.label_lower not in NOT_INPUT and not m._meta.proxy]
    # Table names from the model registry, quoted: nothing in this SQL comes from a request.
    counts = ", ".join(f"(SELECT count(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")  # noqa: S608
        return tuple(cursor.fetchone())


def seen_page(client, response):
    """The page a person sees: a redirect within the site is followed once, as a browser does."""
    location = response.get("Location", "") if response.status_code in (301, 302, 303) else ""
    if location.startswith("/") and not location.startswith("//"):
        return client.get(location)
    return response


def shows_an_error(response, *, followed: bool = False) -> bool:
    """The page refuses what was sent. (A 404 after a redirect is where a return address led, not a
    refusal: a forged ``next`` may lead there after the action was done.)"""
    if response.status_code >= 400 and not (followed and response.status_code == 404):
        return True
    body = response.content.decode(errors="replace") if not response.streaming else ""
    return any(mark in body for mark in ERROR_SHOWN)


def queued_error(response) -> bool:
    """An error message a redirect leaves for the next page (in the session), read without rendering
    that page, with the storage's own reader."""
    request = response.wsgi_request
    if not hasattr(request, "session"):
        return False
    queued, _ = SessionStorage(request)._get()
    return any(message.level >= message_levels.ERROR for message in queued or [])


def assert_clear_answer(client, response, before: tuple[int, ...], *, allowed: set[int],
                        follow: bool = True) -> None:
    """Never a 500; a 400/409 says what is wrong; and input that was refused stored nothing.

    With ``follow`` a redirect is followed, as a browser does (after post/redirect/get, the page
    redirected to shows what was typed, with its errors); without it, a redirect's error is read from
    the message it queues (the staff pages redirect to pages that read nothing of what was sent)."""
    assert response.status_code < 500, response.status_code
    assert response.status_code in allowed, response.status_code
    page = seen_page(client, response) if follow else response
    assert page.status_code < 500, page.status_code
    if page.status_code in (400, 409):
        body = page.content.decode(errors="replace")
        assert any(mark in body for mark in CLEAR_ANSWER), "a 400 must say what is wrong"
    if stored_rows() != before:
        refused = shows_an_error(response) or queued_error(response) or (
            page is not response and shows_an_error(page, followed=True))
        assert not refused, "input that was refused stored something"


def hostile_fields(names, base: dict | None = None):
    """``base`` (a valid submission, so hostile values reach past the first check) with some fields
    replaced by hostile values, some dropped, and some junk names added."""
    base = base or {}
    names = sorted(set(names) | set(base))
    picked = st.dictionaries(st.sampled_from(names), VALUE, max_size=4) if names else st.just({})
    return st.builds(
        lambda overrides, drop, junk: {**{k: v for k, v in base.items() if k not in drop}, **junk, **overrides},
        picked, st.sets(st.sampled_from(sorted(base)), max_size=3) if base else st.just(set()),
        st.dictionaries(TEXT.filter(lambda s: s not in names), TEXT, max_size=2))


# --- cookies and headers ---------------------------------------------------------------------------
def latin1(text: str) -> str:
    """A header value as a WSGI server hands it over: the bytes read as Latin-1."""
    return text.encode("utf-8").decode("latin-1")


COOKIE_NAMES = st.sampled_from(["sessionid", "csrftoken", "messages", "django_language", "_ga", "x"])
JUNK = st.one_of(NASTY, st.text(max_size=60), st.text(st.characters(max_codepoint=0x1f), min_size=1, max_size=8))
CONTROL = st.sampled_from(["\x00", "\x01", "\x08", "\x1b", "\x7f", "\r\n", "\t", "\x00" * 8])


def _within(junk, text: str = "a" * 32):
    """``junk`` put into ``text`` somewhere (a value that otherwise looks like a session key or a CSRF
    token gets as far as a lookup: session keys shorter than 8 characters are never looked up)."""
    return st.builds(lambda inserted, at: text[:at] + inserted + text[at:], junk, st.integers(0, len(text)))


COOKIE_VALUE = st.one_of(JUNK, _within(CONTROL), _within(JUNK),
                         st.just('"' + "a" * 16 + "\\000" + "a" * 16 + '"'))  # a NUL once unquoted
HEADER_VALUE = st.one_of(JUNK, _within(CONTROL, "Mozilla/5.0 (X11; Linux x86_64)")).map(latin1)


@st.composite
def hostile_cookie_header(draw) -> str:
    """A Cookie header: raw junk, or cookies quoted the way SimpleCookie quotes them (an octal escape
    such as ``\\000`` is a NUL byte once Django unquotes it)."""
    cookies = draw(st.dictionaries(COOKIE_NAMES, COOKIE_VALUE, max_size=3))
    if draw(st.booleans()):
        jar = SimpleCookie()
        for name, value in cookies.items():
            jar[name] = value
        return latin1(jar.output(header="", sep=";").strip())
    return latin1("; ".join(f"{name}={value}" for name, value in cookies.items()) + draw(JUNK))


HEADERS = {
    "HTTP_HOST": st.one_of(st.just("testserver"), HEADER_VALUE),
    "HTTP_X_FORWARDED_FOR": st.one_of(HEADER_VALUE, st.sampled_from([
        "fe80::1%eth0", "::1%\x00", "1.2.3.4, 5.6.7.8", "[::1]:99999", "999.1.1.1", "1.2.3.4:80:80", ","])),
    "HTTP_X_FORWARDED_PROTO": HEADER_VALUE,
    "HTTP_ACCEPT_LANGUAGE": st.one_of(HEADER_VALUE, st.just("fr-CA,fr;q=0.9,*;q=0.1" * 50)),
    "HTTP_REFERER": st.one_of(HEADER_VALUE, st.just("http://[::1")),
    "HTTP_USER_AGENT": HEADER_VALUE,
    "HTTP_ACCEPT": HEADER_VALUE,
    "HTTP_COOKIE": hostile_cookie_header(),
}


@st.composite
def hostile_headers(draw) -> dict[str, str]:
    names = draw(st.sets(st.sampled_from(sorted(HEADERS)), min_size=1))
    return {name: draw(HEADERS[name]) for name in names}


def header_allowed(headers: dict[str, str]) -> set[int]:
    """What a request with these headers may be answered: a bad Host or a NUL in a header (never in a
    cookie: a broken cookie is ignored) is a 400; anything else is answered as usual."""
    return {400} if "HTTP_HOST" in headers or any(
        "\x00" in value for name, value in headers.items() if name != "HTTP_COOKIE") else set()


# --- the public pages -------------------------------------------------------------------------------
PUBLIC_PAGES = site_pages(namespaces={"", "education", "booking"})
PUBLIC_ANSWERS = {200, 301, 302, 400, 404, 405, 409, 410, 429}


@pytest.fixture(autouse=True)
def clinic():
    with time_machine.travel(NOW, tick=False):
        make_practitioner()
        ClinicProfile.load()  # made on first use: not something a visitor stored
        yield


# The waitlist's links: a token of their own (``sample[page name]``), not a visit's manage token.
WAITLIST_LINKS = {"booking:waitlist-entry", "booking:waitlist-leave", "booking:waitlist-offer"}


def on_the_waitlist(*, move: bool = False) -> tuple[WaitlistEntry, dict]:
    """Someone waiting, with an offer of a free time (Wednesday 2 December, 10 a.m.), and the ``sample``
    values for the waitlist's links. ``move``: they joined from a booked visit's manage link, so taking the
    offer moves that visit. A practitioner of their own: an earlier example may have taken the time."""
    service, practitioner = make_service(), make_practitioner()
    visit = book(start=local(2026, 12, 3, 10), practitioner=practitioner)[0] if move else None
    entry = waitlist.join(service=service, practitioner=None, appointment=visit, earliest=date(2026, 11, 30),
                          latest=date(2026, 12, 31), weekdays=[0, 1, 2, 3, 4], parts_of_day=["morning"],
                          first_name="Sam", last_name="Lee", email="sam.lee@example.com")
    offer = WaitlistOffer.objects.create(entry=entry, service=service, practitioner=practitioner,
                                         start=local(2026, 12, 2, 10), created_at=NOW,
                                         expires_at=NOW + timedelta(hours=2))
    entry_token, offer_token = entry.issue_token(), offer.issue_token()  # the links the emails would carry
    entry.save(update_fields=["token_hash"])
    offer.save(update_fields=["token_hash"])
    return entry, {"booking:waitlist-entry": {"token": entry_token}, "booking:waitlist-leave": {"token": entry_token},
                   "booking:waitlist-offer": {"token": offer_token}}


@pytest.fixture
def sample(client):
    """Values for the path parameters of every public URL (an article and a condition share a slug, so
    ``slug`` opens either; the waitlist's links have tokens of their own). The session holds a waitlist
    entry just joined, so the "you are on the list" page shows it."""
    make_article(slug="hostile-input"), make_condition(slug="hostile-input")
    _, token = book(start=local(2026, 12, 3, 9))
    entry, links = on_the_waitlist()
    session = client.session
    session[JOINED] = entry.pk
    session.save()
    return {"service": "ims-assessment", "token": token, "slug": "hostile-input", "number": 1, **links}


def valid_public_data(name: str, sample: dict) -> dict:
    """A valid submission per page, so that hostile values reach past the first check."""
    start = local(2026, 12, 1, 9).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "booking:start": {"service": "ims-assessment"},
        "booking:schedule": {"who": "any", "week": "2026-11-30", "day": "2026-12-01"},
        "booking:details": details_data(local(2026, 12, 1, 9), action="review"),
        "booking:manage-reschedule": {"start": start, "from": "2026-12-01", "day": "2026-12-01"},
        "booking:manage-cancel": {"reason": "Feeling better"},
        "booking:manage-waitlist": {"practitioner": "any", "earliest": "2026-11-30", "weekdays": ["1", "2"],
                                    "parts_of_day": ["morning", "afternoon"]},
        "booking:waitlist-join": {
            "who": "any", "practitioner": "any", "earliest": "2026-11-30", "latest": "2026-12-20",
            "weekdays": ["1", "3"], "parts_of_day": ["morning", "evening"], "first_name": "Ana",
            "last_name": "Díaz", "email": "ana@example.com", "phone": "604-555-0142", "consent": "on", "website": ""},
        "booking:waitlist-offer": {"action": "move"},
        "education:search": {"q": "needle"},
    }.get(name, {})


def test_the_derived_fields_include_every_parameter_the_views_are_known_to_read():
    """If the derivation stops seeing a parameter (say a view reads it a new way), this fails."""
    known = {
        "booking:start": {"service"},
        "booking:schedule": {"who", "week", "day"},
        "booking:details": {"who", "start", "action", "p-email", "p-date_of_birth", "i-kind", "i-incident_date",
                            *(f"s-{name}" for name, _, _ in Screening.QUESTIONS)},
        "booking:manage-reschedule": {"start", "from"},
        "booking:manage-cancel": {"reason"},
        "booking:manage-waitlist": {"practitioner", "earliest", "weekdays", "parts_of_day"},
        "booking:waitlist-join": {"who", "practitioner", "earliest", "latest", "weekdays", "parts_of_day",
                                  "first_name", "last_name", "email", "phone", "consent", "website"},
        "booking:waitlist-offer": {"action"},
        "education:search": {"q"},
    }
    fields = {page.name: set(page.fields) for page in PUBLIC_PAGES}
    for name, expected in known.items():
        assert expected <= fields[name], (name, expected - fields[name])
    assert {"home", "healthz", "education:article-detail"} <= {page.name for page in PUBLIC_PAGES if not page.fields}
    methods = {page.name: page.methods for page in PUBLIC_PAGES}
    assert methods["home"] == ("GET",) and methods["booking:manage-cancel"] == ("POST",)
    assert methods["booking:details"] == methods["booking:waitlist-join"] == methods["booking:waitlist-offer"] == (
        "GET", "POST")
    assert methods["booking:waitlist-entry"] == methods["booking:waitlist-joined"] == ("GET",)
    assert methods["booking:waitlist-leave"] == ("POST",)


@pytest.mark.parametrize("group", by_fields(PUBLIC_PAGES), ids=group_id)
@HOSTILE
@given(data=st.data())
def test_every_parameter_and_field_of_a_public_page_gets_a_clear_answer(client, sample, group, data):
    page = data.draw(st.sampled_from(group), label="page")
    method = data.draw(st.sampled_from(page.methods), label="method")
    if page.name in WAITLIST_LINKS:  # an entry and offer of their own: an earlier example may have left or booked
        sample = {**sample, **on_the_waitlist(move=data.draw(st.booleans(), label="move"))[1]}
    elif "token" in page.route:  # a visit of its own: an earlier example may have cancelled the last one
        sample = {**sample, "token": book(start=local(2026, 12, 3, 10), practitioner=make_practitioner())[1]}
    fields = data.draw(hostile_fields(page.fields, valid_public_data(page.name, sample)), label="fields")
    before = stored_rows()
    response = client.get(page.path(sample), fields) if method == "GET" else client.post(page.path(sample), fields)
    assert_clear_answer(client, response, before, allowed=PUBLIC_ANSWERS)


@HOSTILE
@given(page=st.sampled_from(PUBLIC_PAGES), query=st.dictionaries(TEXT, TEXT, max_size=3), headers=hostile_headers(),
       method=st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "PUT", "DELETE"]))
def test_hostile_cookies_and_headers_on_any_public_page_never_500(client, settings, sample, page, query,
                                                                  headers, method):
    settings.CLINIC_TRUSTED_PROXIES = 1  # X-Forwarded-For is read (the test client connects from 127.0.0.1)
    before = stored_rows()
    response = client.generic(method, f"{page.path(sample)}?{urlencode(query)}", **headers)
    assert response.status_code in PUBLIC_ANSWERS | header_allowed(headers), response.status_code
    if response.status_code == 400 and not header_allowed(headers):
        assert "\x00" in "".join(query) + "".join(query.values())  # a NUL in the address: the 400 page
    if method != "POST":  # (a POST without a body may be valid: cancelling through the manage link)
        assert stored_rows() == before


@HOSTILE
@given(headers=hostile_headers(), username=TEXT)
def test_a_failed_sign_in_with_hostile_headers_never_500(client, settings, headers, username):
    """django-axes stores the address, user agent and Accept header of each failed sign-in."""
    settings.CLINIC_TRUSTED_PROXIES = 1  # the address comes from X-Forwarded-For
    response = client.post("/staff/login/", {"username": username or "x", "password": "wrong-password-1"},
                           **headers)
    assert response.status_code in {200, 403, 429} | header_allowed(headers), response.status_code


@pytest.mark.parametrize("cookie", ["abc\x00def", "\x00" * 32, "a" * 31 + "\x01", "\x7f", "ok\r\nSet-Cookie: x=1"])
def test_a_broken_session_cookie_is_treated_as_no_session(client, cookie):
    """A patient with a broken cookie is never locked out: the page answers as for a first visit."""
    for header in (f"sessionid={cookie}", SimpleCookie({"sessionid": cookie}).output(header="").strip()):
        for path in ("/", "/book/", "/book/ims-assessment/", "/ims/"):
            response = client.get(path, HTTP_COOKIE=header)
            assert response.status_code == 200, (path, header, response.status_code)
    data = details_data(local(2026, 12, 1, 9), action="confirm")
    response = client.post("/book/ims-assessment/details/", data, HTTP_COOKIE=f"sessionid={cookie}")
    assert response.status_code == 302
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize("cookie", ["csrftoken=\x00", 'csrftoken="\\000abc"', "messages=\x00x", "\x00=\x00"])
def test_junk_in_any_cookie_is_ignored(client, cookie):
    assert client.get("/book/", HTTP_COOKIE=cookie).status_code == 200
    assert client.get("/staff/login/", HTTP_COOKIE=cookie).status_code == 200


@pytest.mark.parametrize("header", ["HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_REFERER", "HTTP_ACCEPT_LANGUAGE"])
def test_a_nul_byte_in_a_header_is_a_400_even_on_a_failed_sign_in(client, header):
    """django-axes stores the user agent and Accept header of every failed sign-in: PostgreSQL refuses NUL."""
    response = client.post("/staff/login/", {"username": "someone", "password": "wrong-password-1"},
                           **{header: "Mozilla/5.0\x00"})
    assert response.status_code == 400
    assert "could not read" in response.content.decode()


# --- the manage link, the sign-in form and path segments ----------------------------------------
@HOSTILE
@given(reason=TEXT)
def test_a_hostile_cancellation_reason_never_stops_a_cancellation(client, reason):
    appointment, token = book(start=local(2026, 12, 3, 9), practitioner=make_practitioner())
    cancel = client.post(f"/book/manage/{token}/cancel/", {"reason": reason})
    assert cancel.status_code in (200, 302)
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and len(appointment.status_reason) <= 300
    assert "\x00" not in appointment.status_reason


@HOSTILE
@given(page=st.sampled_from([p for p in PUBLIC_PAGES if "<" in p.route]), segment=TEXT)
def test_hostile_path_segments_never_500(client, sample, page, segment):
    values = {name: segment for name in re.findall(r"<(?:\w+:)?(\w+)>", page.route)}
    response = client.get(page.path({**sample, **values}))
    assert response.status_code in (200, 301, 302, 400, 404, 405, 410)


@HOSTILE
@given(username=TEXT, password=TEXT, extra=st.dictionaries(TEXT, TEXT, max_size=3))
def test_the_staff_sign_in_form_survives_hostile_values(client, username, password, extra):
    response = client.post("/staff/login/", {**extra, "username": username, "password": password})
    assert response.status_code in (200, 400, 403, 429)  # the form again, never a 500, never signed in
    assert "_auth_user_id" not in client.session

