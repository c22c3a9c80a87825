"""Twenty patients press "Send request" for the same time at once: exactly one gets it.

Real HTTP requests to the live server, each in its own thread with its own session and
database connection, released together by a barrier.
"""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import time_machine
from django.db import connection
from django.test import override_settings

from booking import services
from booking.models import Appointment, Patient
from tests.factories import NOW, details_data, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 20
START = local(2026, 12, 1, 10)  # a Tuesday; the clock is set to NOW (the day before) for these tests


def race(live_server, email: str | None = None) -> list[tuple[int, str]]:
    """Every racer loads the form (session + CSRF), then all submit at the same moment (each with an
    email of their own, or all with ``email``: one patient clicking again and again)."""
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, str]] = [None] * RACERS
    form_url = f"{live_server.url}/book/ims-assessment/details/?who=any&start=2026-12-01T17%3A00%3A00Z"

    def racer(i: int) -> None:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(form_url, timeout=30).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        data = {**details_data(START, action="confirm"), "csrfmiddlewaretoken": csrf,
                "p-email": email or f"racer{i}@example.com"}
        request = urllib.request.Request(f"{live_server.url}/book/ims-assessment/details/",
                                         data=urllib.parse.urlencode(data).encode(), headers={"Referer": form_url})
        barrier.wait(timeout=30)
        try:
            response = opener.open(request, timeout=60)
            results[i] = (response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            results[i] = (error.code, error.read().decode())

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):  # ticking: the server threads see time pass normally
        yield


@pytest.fixture
def one_practitioner():
    make_service()
    return make_practitioner()


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=1000)
def test_twenty_simultaneous_requests_for_one_slot_make_exactly_one_appointment(live_server, one_practitioner):
    results = race(live_server)
    winners = [body for status, body in results if status == 200 and "Request sent" in body]
    # Every POST redirects (post/redirect/get); the losers land on the "no longer free" page.
    taken = [body for status, body in results if status == 200 and "that time is no longer free" in body]
    assert len(winners) == 1, [status for status, _ in results]
    assert len(taken) == RACERS - 1
    assert Appointment.objects.count() == 1


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=1000)
def test_one_new_patient_sending_the_same_request_many_times_at_once_gets_one_record_and_no_error(
        live_server, one_practitioner):
    """A double (or twentyfold) click: the same new email in every request. The database takes one
    patient record; the requests that made a second are tried again as that patient's. No 500."""
    results = race(live_server, email="Same.Person@example.com")
    assert all(status == 200 for status, _ in results), [status for status, _ in results]
    assert sum(1 for _, body in results if "Request sent" in body) == 1
    assert sum(1 for _, body in results if "that time is no longer free" in body) == RACERS - 1
    assert Patient.objects.count() == 1 and Appointment.objects.count() == 1


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=1000)
def test_control_without_the_code_check_the_constraint_alone_still_allows_one(live_server, one_practitioner,
                                                                              monkeypatch):
    """Blind the friendly check (every racer is told the slot is free): the database still says no."""
    practitioner_ids = [one_practitioner.pk]
    monkeypatch.setattr(services, "free_practitioners_at", lambda **kwargs: practitioner_ids)
    results = race(live_server)
    assert sum(1 for status, body in results if status == 200 and "Request sent" in body) == 1
    assert sum(1 for status, body in results if status == 200 and "no longer free" in body) == RACERS - 1
    assert Appointment.objects.count() == 1
    assert Patient.objects.count() == 1  # each loser's new patient record went with their lost booking


@override_settings(BOOKING_RATE_LIMIT_PER_HOUR=1000)
def test_control_without_the_constraint_the_same_race_double_books(live_server, one_practitioner, monkeypatch):
    """Proves the race is real: with the check blinded and the constraint dropped, everyone 'wins'."""
    practitioner_ids = [one_practitioner.pk]
    monkeypatch.setattr(services, "free_practitioners_at", lambda **kwargs: practitioner_ids)
    constraint = next(c for c in Appointment._meta.constraints if c.name == "appointment_no_overlap")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Appointment, constraint)
    try:
        results = race(live_server)
        assert Appointment.objects.count() > 1
        assert sum(1 for status, _ in results if status == 200) == Appointment.objects.count()
    finally:
        Appointment.objects.all().delete()
        with connection.schema_editor() as editor:
            editor.add_constraint(Appointment, constraint)
