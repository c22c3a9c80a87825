"""Manage-link tokens, patient details and typed sign-in names never reach the logs, and every record
is one line."""

import io
import logging
import re

import pytest
import time_machine

from clinic.logging import MaskTokensFilter, mask
from tests.factories import NOW, book, details_data, local, make_practitioner

pytestmark = pytest.mark.django_db


def test_mask_hides_manage_tokens_in_paths():
    line = '"GET /book/manage/AbC-123_xyz/cancel/ HTTP/1.1" 404'
    assert mask(line) == '"GET /book/manage/[token]/cancel/ HTTP/1.1" 404'


def token_routes(resolver=None, prefix="/"):
    """Every URL pattern of the site that takes a ``token``, as a path with a sample token in it."""
    from django.urls import URLPattern, get_resolver
    for entry in (resolver or get_resolver()).url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLPattern):
            if "<str:token>" in route:
                yield prefix + re.sub(r"<int:\w+>", "7", route.replace("<str:token>", SAMPLE_TOKEN))
        else:
            yield from token_routes(entry, prefix + route)


SAMPLE_TOKEN = "Zq3xS9kP0aLwM4nV8bR2cT6yU1eI5oH7jG0fD3sA9kQ"


def test_every_link_with_a_token_is_masked():
    paths = list(token_routes())
    assert any("/waitlist/offer/" in p for p in paths) and any("/manage/" in p for p in paths)
    for path in paths:
        assert SAMPLE_TOKEN not in mask(f"GET {path} 200"), path


@pytest.mark.parametrize("path", [f"/book/waitlist/entry/{SAMPLE_TOKEN}/", f"/book/waitlist/offer/{SAMPLE_TOKEN}/",
                                  f"/book/waitlist/entry/{SAMPLE_TOKEN}/leave/"])
def test_waitlist_links_leave_no_token_in_the_log(client, console, path):
    client.get(path)  # an unknown token: the request line and django.request's "Not Found" both name the path
    written = console.getvalue()
    assert "/book/waitlist/" in written and SAMPLE_TOKEN not in written


def test_a_booking_and_a_bad_manage_link_log_no_token_and_no_personal_data(client, caplog):
    caplog.set_level(logging.DEBUG)
    console = [h for h in logging.getLogger().handlers if any(isinstance(f, MaskTokensFilter) for f in h.filters)]
    assert console, "the console handler must mask tokens"
    handler_filter = MaskTokensFilter()
    with time_machine.travel(NOW, tick=False):
        make_practitioner()
        data = details_data(local(2026, 12, 1, 9), action="confirm", **{
            "p-first_name": "Philippa", "p-last_name": "Quintero-Lamb", "p-email": "philippa.q@example.com",
            "p-phone": "778-555-0123", "p-phn": "9876543210", "p-patient_note": "hip pain after a fall",
            "s-pregnant": "yes"})
        assert client.post("/book/ims-assessment/details/", data).status_code == 302
        _, token = book(start=local(2026, 12, 2, 9))
        client.get(f"/book/manage/{token}x/")  # 404: django.request logs the path
        client.get("/book/ims-assessment/details/?start=" + "9" * 500)
    records = [r for r in caplog.records if handler_filter.filter(r)]
    text = "\n".join(r.getMessage() for r in records)
    assert "/book/manage/[token]/" in text  # the 404 was logged, masked
    for secret in (token, "Philippa", "Quintero", "philippa.q@example.com", "778-555-0123", "9876543210",
                   "hip pain"):
        assert secret not in text


# --- typed sign-in names and forged lines (issue 13, item 15) ------------------------------------------
@pytest.fixture
def console():
    """What the console handler writes, as settings.LOGGING configures it (its filter and formatter):
    caplog's own handler skips both, so a test on caplog alone would miss what the log file holds."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


@pytest.mark.parametrize("typed", ["patient@example.com", "Hunter2-correct-horse-battery!"])
def test_failed_sign_ins_leave_no_trace_of_the_typed_username_or_the_address(client, console, caplog, typed):
    """django-axes logs each failure (and the lockout) at WARNING: a patient types their email into the
    staff sign-in, or a member of staff their password into the username field."""
    caplog.set_level(logging.DEBUG, logger="axes")
    for _ in range(6):  # five failures, then the lockout
        client.post("/staff/login/", {"username": typed, "password": "not-the-password-1"})
    written = console.getvalue()
    assert "AXES" in written and "Locking out" in written  # the failures are still logged
    for text in (written, caplog.text):
        assert typed not in text and typed.split("@")[0] not in text
        assert "127.0.0.1" not in text  # the address is personal information too


def test_a_path_with_cr_lf_is_one_log_line_with_them_escaped(client, console, caplog):
    caplog.set_level(logging.INFO, logger="clinic.requests")
    client.get("/staff/appointments/%0D%0ASet-Cookie:%20evil=1/")  # anonymous: a redirect, one record
    lines = console.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "GET /staff/appointments/\\r\\nSet-Cookie: evil=1/ 302 " in lines[0]


def test_every_record_of_a_hostile_request_is_one_line(client, console, caplog):
    caplog.set_level(logging.INFO, logger="clinic.requests")
    client.get("/%0D%0ASet-Cookie:%20evil=1%E2%80%A8x%1B[31m")  # a 404: the request line and "Not Found"
    lines = console.getvalue().splitlines()
    assert len(lines) == len([r for r in caplog.records if r.levelno >= logging.INFO]) == 2, lines
    assert not any(line.startswith(("Set-Cookie", "x")) for line in lines)
    assert all("\x1b" not in line and "\u2028" not in line for line in lines)


def test_the_filter_and_the_formatter_escape_every_control_character_in_message_args_and_traceback(console):
    log = logging.getLogger("clinic.test")
    log.warning("one %s two %r", "a\r\nb\x00c\x1b[2J\u2028d\x85e", "f\ng")
    try:
        raise ValueError("line one\nline two")
    except ValueError:
        log.exception("failed for %s", "x\ny")
    lines = console.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "one a\\r\\nb\\x00c\\x1b[2J\\u2028d\\x85e two 'f\\ng'" in lines[0]
    assert "failed for x\\ny" in lines[1] and "Traceback" in lines[1] and "line one\\nline two" in lines[1]


def test_a_database_error_in_a_traceback_names_no_values(console, django_user_model):
    """An unexpected IntegrityError's message says which values clashed ("Key (email)=(...)")."""
    from django.db import IntegrityError, transaction

    typed = "taken@example.com"
    django_user_model.objects.create_user(typed)
    try:
        with transaction.atomic():
            django_user_model.objects.create_user(typed)  # (the traceback quotes this line, not the value)
    except IntegrityError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", "/staff/")
    written = console.getvalue()
    assert "Key (username)=([values])" in written and "taken@example.com" not in written
    assert len(written.splitlines()) == 1
