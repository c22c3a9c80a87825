"""Races around one freed time: ten patients claim the same offer at once, and two workers offer the
same freed time at once. Exactly one booking, and one round of offers, comes out of each.

Real concurrency: the claimers are real HTTP requests to the live server, each thread with its own
session (cookie jar) and database connection; the workers are threads with their own connections.
Barriers release them together.
"""

import http.cookiejar
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date

import pytest
import time_machine
from django.core import mail
from django.db import connection

from booking import services
from booking.models import HOLDING_STATUSES, Appointment, EmailNotice, FreedTime, WaitlistEntry, WaitlistOffer
from booking.waitlist import services as waitlist
from tests.factories import NOW, book, details_data, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db(transaction=True)
RACERS = 10
WEDNESDAY_10 = local(2026, 12, 2, 10)  # NOW is Monday 30 November, 8 a.m.
DETAILS = "/book/ims-assessment/details/"
OFFER_PATH = re.compile(r"/book/waitlist/offer/[^/\s]+/")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):  # ticking: the server threads see time pass normally
        yield


@pytest.fixture
def maya():
    make_service()
    return make_practitioner("Maya Chen")


def join(n: int) -> WaitlistEntry:
    return waitlist.join(service=make_service(), practitioner=None, earliest=date(2026, 11, 30),
                         latest=date(2026, 12, 31), weekdays=[0, 1, 2, 3, 4], parts_of_day=["morning"],
                         first_name="Sam", last_name=f"Waiting{n}", email=f"waiting{n}@example.com")


def offer_links() -> dict[str, str]:
    """{recipient: the offer link's path}, from the offer emails sent so far."""
    return {m.to[0]: OFFER_PATH.search(m.body).group(0) for m in mail.outbox if "A time has opened" in m.subject}


# --- ten patients claim the same offered time ------------------------------------------------------
def claim_race(live_server, links: list[str], who: str) -> list[dict]:
    """Each racer opens their offer link (session draft + CSRF), then all send the details at once."""
    barrier = threading.Barrier(len(links))
    results: list[dict] = [{} for _ in links]

    def racer(i: int) -> None:
        result = results[i]
        try:
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            response = opener.open(live_server.url + links[i], timeout=30)  # redirects to the details step
            form_url, html = response.geturl(), response.read().decode()
            result["form"] = (urllib.parse.urlsplit(form_url).path, html)
            csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            data = {**details_data(WEDNESDAY_10, who=who, action="confirm"), "csrfmiddlewaretoken": csrf,
                    "p-email": f"racer{i}@example.com"}
            request = urllib.request.Request(live_server.url + DETAILS, data=urllib.parse.urlencode(data).encode(),
                                             headers={"Referer": form_url})
        except BaseException:
            barrier.abort()  # the others fail fast instead of waiting for a racer that never comes
            raise
        barrier.wait(timeout=30)
        try:
            response = opener.open(request, timeout=60)
            status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            response, status, body = error, error.code, error.read().decode()
        result["answer"] = (status, urllib.parse.urlsplit(response.geturl()).path, body)

    threads = [threading.Thread(target=racer, args=(i,)) for i in range(len(links))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_ten_patients_claiming_one_offered_time_at_once_make_exactly_one_booking(live_server, maya, settings):
    settings.WAITLIST_OFFER_COUNT = RACERS
    settings.BOOKING_RATE_LIMIT_PER_HOUR = 1000  # every racer comes from 127.0.0.1
    entries = [join(n) for n in range(RACERS)]
    staff_visit, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    mail.outbox.clear()
    services.cancel_appointment(appointment=staff_visit, now=NOW)  # commits: the offers go out
    offers = WaitlistOffer.objects.filter(start=WEDNESDAY_10, practitioner=maya)
    assert offers.count() == RACERS and offers.filter(claimed_at=None).count() == RACERS
    links = offer_links()
    assert sorted(links) == sorted(e.email for e in entries)

    results = claim_race(live_server, [links[e.email] for e in entries], who=maya.slug)

    assert all("answer" in r for r in results), [sorted(r) for r in results]
    # Every claim link opened the details step with what the patient gave when joining.
    for entry, result in zip(entries, results, strict=True):
        path, html = result["form"]
        assert path == DETAILS and f'value="{entry.email}"' in html
    answers = [r["answer"] for r in results]
    assert not [status for status, _, _ in answers if status >= 500]
    won = [i for i, (status, path, _) in enumerate(answers) if status == 200 and path == "/book/requested/"]
    lost = [i for i, (status, path, body) in enumerate(answers)
            if status == 200 and path == DETAILS and "no longer free" in body
            and "You are still on the waitlist" in body]
    assert len(won) == 1, [(status, path) for status, path, _ in answers]
    assert sorted(won + lost) == list(range(RACERS))

    [holder] = Appointment.objects.filter(start=WEDNESDAY_10, practitioner=maya, status__in=HOLDING_STATUSES)
    winner = entries[won[0]]
    assert holder.patient.email == f"racer{won[0]}@example.com"
    assert list(WaitlistEntry.objects.filter(status="booked").values_list("pk", "booked")) == [(winner.pk, holder.pk)]
    assert WaitlistEntry.objects.filter(status="waiting").count() == RACERS - 1
    assert [o.entry_id for o in offers.exclude(claimed_at=None)] == [winner.pk]


# --- two workers offer the same freed time ---------------------------------------------------------
def test_two_workers_offering_the_same_freed_time_at_once_offer_it_once(maya, monkeypatch, settings):
    count = settings.WAITLIST_OFFER_COUNT
    entries = [join(n) for n in range(count + 2)]  # more waiting than are offered a time
    staff_visit, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    # The cancellation writes its FreedTime; its task is held back here and run by two workers below.
    held: list[int] = []
    monkeypatch.setattr(waitlist, "_enqueue", held.append)
    services.cancel_appointment(appointment=staff_visit, now=NOW)
    [freed_id] = held
    assert FreedTime.objects.get(pk=freed_id).offered_at is None and not WaitlistOffer.objects.exists()
    mail.outbox.clear()

    # The winning worker holds the claim for a moment, so the other one certainly arrives meanwhile.
    real_offer = waitlist._offer

    def slow_offer(freed, *, now):
        time.sleep(0.3)
        return real_offer(freed, now=now)

    monkeypatch.setattr(waitlist, "_offer", slow_offer)
    barrier = threading.Barrier(2)
    results: list[tuple[int, float, float] | None] = [None, None]

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            began = time.perf_counter()
            sent = waitlist.offer_freed(freed_id, now=NOW)
            results[i] = (sent, began, time.perf_counter())
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert None not in results
    assert sorted(sent for sent, _, _ in results) == [0, count]
    assert max(began for _, began, _ in results) < min(ended for _, _, ended in results)  # they did overlap
    offers = WaitlistOffer.objects.filter(freed_id=freed_id)
    assert sorted(offers.values_list("entry_id", flat=True)) == [e.pk for e in entries[:count]]
    assert offers.filter(start=WEDNESDAY_10).count() == count
    assert EmailNotice.objects.filter(kind=EmailNotice.Kind.WAITLIST_OFFER).count() == count
    assert sorted(offer_links()) == sorted(e.email for e in entries[:count])
    assert FreedTime.objects.get(pk=freed_id).offered_at == NOW


def test_the_same_join_form_sent_many_times_at_once_makes_one_entry():
    """One form, one key: ten sends at the same moment (an impatient patient, a flaky connection)."""
    import uuid

    from tests.booking.billing.test_concurrency import run_together

    service, key = make_service(), uuid.uuid4()
    make_practitioner("Maya Chen", services_=[service])
    results = run_together(lambda i: waitlist.join(
        service=service, practitioner=None, earliest=date(2026, 11, 30), latest=date(2026, 12, 31),
        weekdays=[0, 1, 2], parts_of_day=["morning"], first_name="Sam", last_name="Lee",
        email="sam@example.com", submission=key), RACERS)
    made = [r for r in results if isinstance(r, WaitlistEntry)]
    assert len(made) == 1 and WaitlistEntry.objects.count() == 1
    assert all(waitlist.sent_before(r, key) == made[0] for r in results if not isinstance(r, WaitlistEntry)), results
    assert EmailNotice.objects.filter(waitlist_entry=made[0]).count() == 1
