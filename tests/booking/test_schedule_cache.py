"""Patients browsing free times without a session get a copy of the page rendered earlier, and never
a time that a change, or the clock, has taken away since."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from booking.models import Appointment, ClinicClosure, TimeOff, schedule_cache
from booking.staff.records import replace_weekly_hours
from clinic.models import ClinicProfile, PageVersion
from tests.factories import NOW, book, details_data, local, make_practitioner, make_service

# Pages rendered inside a database transaction are never cached (they may show rows that are then
# rolled back), so these tests run outside one, as a real server does.
pytestmark = pytest.mark.django_db(transaction=True)

DAY_PAGE = "/book/ims-assessment/?who=any&week=2026-11-30&day=2026-12-01"
NINE = "9:00 a.m."  # the first time on Tuesday 1 December


@pytest.fixture(autouse=True)
def fresh_server():
    ClinicProfile.load()  # creating it is a change too: have it before the first visit
    schedule_cache.pages.clear()  # nothing left from earlier tests: a freshly started server
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def practitioner():
    return make_practitioner("Maya Chen")


def visit(url=DAY_PAGE, client=None):
    """The page's HTML and the SQL it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = (client or Client()).get(url)
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in captured.captured_queries]


def served_from_cache(sql: list[str]) -> bool:
    return len(sql) == 1 and "clinic_pageversion" in sql[0]  # only the version check


def test_a_second_plain_visit_is_served_the_same_page_from_the_cache(practitioner):
    first, first_sql = visit()
    second, second_sql = visit()
    assert NINE in first and not served_from_cache(first_sql)
    assert served_from_cache(second_sql)
    assert second == first


def test_each_week_day_and_practitioner_choice_is_its_own_copy(practitioner):
    visit()
    other_day, sql = visit(DAY_PAGE.replace("day=2026-12-01", "day=2026-12-02"))
    assert not served_from_cache(sql)
    assert "Times on Wednesday 2 December" in other_day


def test_a_booking_takes_its_time_off_the_page_at_once(practitioner):
    assert NINE in visit()[0]
    patient = Client()  # the patient booking gets a session; the next visitor has none
    response = patient.post("/book/ims-assessment/details/", details_data(local(2026, 12, 1, 9), action="confirm"))
    assert response.status_code == 302 and Appointment.objects.count() == 1
    after, sql = visit()
    assert not served_from_cache(sql)
    # The 45-minute visit and its 15-minute buffer hold 9:00-10:00.
    assert "9:00 a.m." not in after and "9:45 a.m." not in after and "10:00 a.m." in after


def test_a_cancellation_gives_the_time_back(practitioner):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    assert NINE not in visit()[0]
    appointment.status = Appointment.Status.CANCELLED
    appointment.save()
    assert NINE in visit()[0]


@pytest.mark.parametrize("change", ["time off", "closure", "new weekly hours", "service withdrawn"])
def test_schedule_changes_made_by_staff_reach_the_page_at_once(practitioner, change):
    assert NINE in visit()[0]
    if change == "time off":
        TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 8), end=local(2026, 12, 1, 12))
    elif change == "closure":
        ClinicClosure.objects.create(date=date(2026, 12, 1), name="Staff training")
    elif change == "new weekly hours":  # bulk writes: no model signals
        replace_weekly_hours(practitioner=practitioner, effective_from=date(2026, 12, 1),
                             days={d: [(time(13), time(17))] for d in range(5)})
    else:
        practitioner.services.remove(make_service())
    html, sql = visit()
    assert not served_from_cache(sql)
    assert NINE not in html


def test_a_visit_with_a_session_gets_its_own_page(practitioner, client):
    visit()  # a copy exists
    client.cookies[settings.SESSION_COOKIE_NAME] = "someone-in-the-middle-of-a-booking"
    html, sql = visit(client=client)
    assert not served_from_cache(sql)
    assert NINE in html


def test_a_copy_is_never_served_after_its_five_minute_mark():
    """The page lists times as of the next 5-minute mark, and a copy is only used until then: a
    time never shows once it is inside the minimum notice (12 hours)."""
    make_practitioner("Maya Chen")
    # 20:57 on Monday 30 November: rounded up to 21:00, so 9:00 the next morning is exactly 12 hours off.
    with time_machine.travel(local(2026, 11, 30, 20, 57), tick=False):
        first, _ = visit()
        again, sql = visit()
    assert NINE in first and served_from_cache(sql) and again == first
    with time_machine.travel(local(2026, 11, 30, 21, 0), tick=False):  # still the same mark
        _, sql = visit()
    assert served_from_cache(sql)
    with time_machine.travel(local(2026, 11, 30, 21, 0) + timedelta(seconds=1), tick=False):
        later, sql = visit()
    assert not served_from_cache(sql)
    assert NINE not in later and "9:15 a.m." in later  # 9:15 is more than 12 hours after 21:05


class Undo(Exception):
    pass


def test_the_new_token_commits_or_rolls_back_with_the_change(practitioner):
    """The database writes the token as the change commits: no moment where one is visible without the
    other, and a change rolled back leaves the copies current."""
    before = schedule_cache.version()
    with pytest.raises(Undo), transaction.atomic():
        TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 8), end=local(2026, 12, 1, 12))
        assert schedule_cache.version() == before  # written only as the change commits
        raise Undo
    assert schedule_cache.version() == before
    with transaction.atomic():
        TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 8), end=local(2026, 12, 1, 12))
    assert schedule_cache.version() != before


def test_visitors_with_a_session_share_the_free_times_but_not_the_page(practitioner):
    first, second = Client(), Client()
    for client in (first, second):
        client.cookies[settings.SESSION_COOKIE_NAME] = "a-patient-part-way-through-a-booking"
    html, sql = visit(client=first)
    assert NINE in html and any("booking_appointment" in q for q in sql)
    html, sql = visit(client=second)
    assert NINE in html and not served_from_cache(sql)  # a page of its own...
    assert not any("booking_appointment" in q for q in sql)  # ...from the free times counted before
    book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    html, sql = visit(client=second)
    assert NINE not in html and any("booking_appointment" in q for q in sql)  # counted again after a change


def test_a_booking_sends_nothing_about_the_token_and_the_database_writes_it(practitioner):
    before = schedule_cache.version()
    with CaptureQueriesContext(connection) as captured:
        book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    assert not [q["sql"] for q in captured.captured_queries if "pageversion" in q["sql"] or "SAVEPOINT" in q["sql"]]
    assert schedule_cache.version() != before


def test_reordered_or_extra_query_parameters_share_one_copy(practitioner):
    visit()
    html, sql = visit("/book/ims-assessment/?day=2026-12-01&utm_source=newsletter&week=2026-11-30&who=any")
    assert served_from_cache(sql) and NINE in html


@pytest.mark.parametrize("junk", ["day=1999-01-01", "day=2026-12-09", "day=garbage", "who=%27%3B--"])
def test_junk_or_out_of_week_choices_share_the_copy_of_the_plain_week(practitioner, junk):
    week = "/book/ims-assessment/?who=any&week=2026-11-30"
    first, _ = visit(week)
    html, sql = visit(f"{week}&{junk}".replace("who=any&", "") if junk.startswith("who") else f"{week}&{junk}")
    assert served_from_cache(sql) and html == first
    assert "Times on Monday 30 November" not in html and "Times on Tuesday 1 December" in html  # first free day


def test_the_last_day_offers_only_times_still_within_the_horizon_when_booked(practitioner, client):
    """Times are listed as of the next 5-minute mark; the horizon (60 days) must not let that show a
    time the booking, checked at the exact moment, would refuse as too far ahead."""
    last_day = "/book/ims-assessment/?who=any&week=2027-01-25&day=2027-01-29"
    with time_machine.travel(local(2026, 11, 30, 8, 56), tick=False):
        html, _ = visit(last_day)
        assert NINE not in html
        refused = client.post("/book/ims-assessment/details/", details_data(local(2027, 1, 29, 9), action="confirm"))
        assert refused.status_code == 302 and refused["Location"].endswith("#taken")  # not sent: back to choose
        assert not Appointment.objects.filter(start=local(2027, 1, 29, 9)).exists()
    with time_machine.travel(local(2026, 11, 30, 9) + timedelta(seconds=1), tick=False):
        assert NINE in visit(last_day)[0]


def test_in_the_last_minutes_of_sunday_this_week_is_still_this_week(practitioner):
    with time_machine.travel(local(2026, 12, 6, 23, 57), tick=False):
        html, _ = visit("/book/ims-assessment/?who=any&week=2026-11-30")
    assert "Week of Monday 30 November" in html


def test_with_the_page_cache_off_every_visit_is_counted_afresh(practitioner):
    """CLINIC_PAGE_CACHE=0 (make bench's uncached rows): no copy is served and no free time is shared, so
    even a change whose token is lost (put back here by hand) is seen at once."""
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    Appointment.objects.filter(pk=appointment.pk).update(status="cancelled")
    html, _ = visit()
    assert NINE in html
    token = schedule_cache.version()
    Appointment.objects.filter(pk=appointment.pk).update(status="confirmed")  # 9:00 is taken...
    PageVersion.objects.filter(name=schedule_cache.name).update(token=token)  # ...and nobody is told
    html, sql = visit()
    assert served_from_cache(sql) and NINE in html  # the copy (what the token is there for)
    with override_settings(CLINIC_PAGE_CACHE=False):
        html, sql = visit()
    assert not served_from_cache(sql) and NINE not in html


def test_a_change_on_a_database_with_no_token_yet_makes_one_and_retires_old_copies(practitioner):
    visit()
    assert served_from_cache(visit()[1])
    PageVersion.objects.filter(name=schedule_cache.name).delete()  # a fresh database, or a cleared table
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 1, 8), end=local(2026, 12, 1, 12))
    assert PageVersion.objects.filter(name=schedule_cache.name).count() == 1
    assert NINE not in visit()[0]
