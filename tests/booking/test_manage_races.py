"""Two things at once through one patient's manage link (two tabs, a double click, the desk meanwhile).

Real HTTP requests to the live server, released together (``tests.booking.races``): never a 500, one change
for one action (one history entry, one email), and the visit the page names is the visit as it now is.
"""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse

from booking import services
from booking.courses import services as courses
from booking.courses.models import Course, CourseVisit, VisitScore
from booking.models import Appointment, AppointmentEvent, EmailNotice, FreedTime, WaitlistEntry
from booking.waitlist import services as waitlist
from tests.booking.races import held_open, iso, race_on_link, run_together, statuses
from tests.factories import NOW, book, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db(transaction=True)

THURSDAY_9 = local(2026, 12, 3, 9)
FRIDAY_10 = local(2026, 12, 4, 10)
FRIDAY_11 = local(2026, 12, 4, 11)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def maya():
    return make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])


@pytest.fixture
def booked(maya):
    return book(start=THURSDAY_9, practitioner=maya, source=Appointment.Source.STAFF)  # confirmed


@pytest.fixture
def someone_waiting(maya):
    """Freed time is noted only while somebody waits."""
    return waitlist.join(service=make_service(), practitioner=None, earliest=date(2026, 11, 30),
                         latest=date(2026, 12, 31), weekdays=[0, 1, 2, 3, 4], parts_of_day=["morning"],
                         first_name="Sam", last_name="Waiting", email="waiting@example.com")


def events(appointment, action) -> int:
    return AppointmentEvent.objects.filter(appointment=appointment, action=action).count()


def notices(appointment, kind) -> int:
    return EmailNotice.objects.filter(appointment=appointment, kind=kind).count()


# --- cancel and move ------------------------------------------------------------------------------
def test_five_cancels_at_once_cancel_once(live_server, booked, someone_waiting):
    appointment, token = booked
    results = race_on_link(live_server, token, [("cancel/", {"reason": "Better"})] * 5)
    assert 500 not in statuses(results), statuses(results)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert events(appointment, "cancelled") == 1
    assert notices(appointment, EmailNotice.Kind.CANCELLED_BY_PATIENT) == 1
    assert sum(1 for status, _, body in results if status == 200 and "cancelled" in body) == 1, statuses(results)


def test_a_cancel_and_a_move_at_once_leave_one_consistent_story(live_server, booked, someone_waiting):
    appointment, token = booked
    results = race_on_link(live_server, token, [("cancel/", {"reason": ""}),
                                                ("reschedule/", {"start": iso(FRIDAY_10)})])
    assert 500 not in statuses(results), statuses(results)
    appointment.refresh_from_db()
    story = list(AppointmentEvent.objects.filter(appointment=appointment).order_by("at", "id")
                 .values_list("action", flat=True))
    assert story in (["booked", "cancelled"], ["booked", "rescheduled", "cancelled"]), story
    assert appointment.status == Appointment.Status.CANCELLED
    assert notices(appointment, EmailNotice.Kind.RESCHEDULED) == events(appointment, "rescheduled")


@pytest.mark.parametrize("same_session", [True, False], ids=["one-browser", "two-browsers"])
def test_a_double_click_on_the_new_time_moves_the_visit_once(live_server, booked, someone_waiting, same_session):
    appointment, token = booked
    results = race_on_link(live_server, token, [("reschedule/", {"start": iso(FRIDAY_10)})] * 2,
                           same_session=same_session)
    assert 500 not in statuses(results), statuses(results)
    appointment.refresh_from_db()
    assert appointment.start == FRIDAY_10
    assert events(appointment, "rescheduled") == 1
    assert notices(appointment, EmailNotice.Kind.RESCHEDULED) == 1


def test_the_same_move_sent_again_later_changes_nothing(client, booked, someone_waiting):
    """Back, then the button again: no second history entry or email, and the time the visit now holds is
    not offered to the waitlist as freed."""
    appointment, token = booked
    for _ in range(2):
        assert client.post(f"/book/manage/{token}/reschedule/", {"start": iso(FRIDAY_10)}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == FRIDAY_10
    assert events(appointment, "rescheduled") == 1
    assert notices(appointment, EmailNotice.Kind.RESCHEDULED) == 1
    assert not FreedTime.objects.filter(start=FRIDAY_10).exists()


def test_two_moves_to_different_times_at_once_hold_one_time(live_server, booked, someone_waiting):
    appointment, token = booked
    results = race_on_link(live_server, token, [("reschedule/", {"start": iso(FRIDAY_10)}),
                                                ("reschedule/", {"start": iso(FRIDAY_11)})])
    assert 500 not in statuses(results), statuses(results)
    appointment.refresh_from_db()
    assert appointment.start in (FRIDAY_10, FRIDAY_11) and appointment.status == Appointment.Status.CONFIRMED
    assert Appointment.objects.active().count() == 1


def test_a_move_racing_a_phone_booking_of_that_time(live_server, booked, maya):
    appointment, token = booked
    outcome = {}

    def phone():
        try:
            outcome["phone"] = book(start=FRIDAY_10, practitioner=maya, source=Appointment.Source.STAFF)[0]
        except services.BookingError as error:
            outcome["phone"] = error

    results = race_on_link(live_server, token, [("reschedule/", {"start": iso(FRIDAY_10)})], extra=[phone])
    assert 500 not in statuses(results), statuses(results)
    assert Appointment.objects.active().filter(start=FRIDAY_10).count() == 1
    appointment.refresh_from_db()
    assert appointment.start == (THURSDAY_9 if isinstance(outcome["phone"], Appointment) else FRIDAY_10)


def test_a_cancel_read_before_a_move_into_the_last_24_hours_is_refused(booked):
    """The cut-off is judged on the visit as it is once locked, not as the request first read it."""
    appointment, _ = booked
    stale = Appointment.objects.get(pk=appointment.pk)
    monday_4pm, tuesday_9 = local(2026, 11, 30, 16), local(2026, 12, 1, 9)  # 17 h later: inside the 24 h
    with time_machine.travel(monday_4pm, tick=False):
        services.reschedule_appointment(appointment=appointment, new_start=tuesday_9, now=monday_4pm, by_patient=True)
        with pytest.raises(services.BookingError, match="too late"):
            services.cancel_appointment(appointment=stale, now=monday_4pm, by_patient=True)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CONFIRMED


def test_the_cancelled_page_names_the_time_the_visit_had_when_it_was_cancelled(client, booked, monkeypatch):
    """Moved in another tab while the cancel was on its way (to a time still outside the cut-off): the page
    says the new time, which is the one cancelled."""
    from booking.views import manage as manage_views

    appointment, token = booked
    real_inactive = manage_views._inactive

    def then_moved_in_another_tab(request, appt, now, tok):
        answer = real_inactive(request, appt, now, tok)

        def other_tab():
            try:
                services.reschedule_appointment(appointment=appt, new_start=FRIDAY_10, now=now, by_patient=True)
            finally:
                connection.close()

        thread = threading.Thread(target=other_tab)
        thread.start()
        thread.join()
        return answer

    monkeypatch.setattr(manage_views, "_inactive", then_moved_in_another_tab)
    response = client.post(f"/book/manage/{token}/cancel/", {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and appointment.start == FRIDAY_10
    page = response.content.decode()
    assert "Friday 4 December" in page and "Thursday 3 December" not in page


# --- the trial ------------------------------------------------------------------------------------
@pytest.fixture
def assessment(maya):
    return book(start=local(2026, 12, 2, 10), practitioner=maya, source=Appointment.Source.STAFF)


def trial_post(token) -> dict:
    page = Client().get(reverse("booking:manage-trial", args=[token]))
    assert page.status_code == 200
    data = {"every_days": "7", "weekday": "2", "part_of_day": "", "at": "10:00"}
    data.update({f"visit-{p.number}": iso(p.start) for p in page.context["proposals"] if p.placed})
    assert len([key for key in data if key.startswith("visit-")]) == 5
    return data


def test_the_trial_booked_twice_at_once_is_one_series_and_neither_press_ends_on_a_404(live_server, assessment):
    _, token = assessment
    results = race_on_link(live_server, token, [("trial/book/", trial_post(token))] * 2)
    assert Course.objects.count() == 1 and CourseVisit.objects.count() == 6
    assert EmailNotice.objects.filter(kind=EmailNotice.Kind.SERIES_BOOKED).count() == 1
    assert 500 not in statuses(results) and 404 not in statuses(results), statuses(results)
    manage = f"/book/manage/{token}/"
    assert all(location == manage for _, location, _ in results), results  # both back on the visit's page


def test_a_second_press_after_the_trial_was_booked_says_so(client, assessment):
    _, token = assessment
    data = trial_post(token)
    assert client.post(reverse("booking:manage-trial-book", args=[token]), data).status_code == 302
    again = client.post(reverse("booking:manage-trial-book", args=[token]), data, follow=True)
    assert again.status_code == 200 and again.redirect_chain[-1][0] == f"/book/manage/{token}/"
    assert "no visits left to book from this link" in again.content.decode()
    assert CourseVisit.objects.count() == 6
    reopened = client.get(reverse("booking:manage-trial", args=[token]))  # the trial page, from history
    assert reopened.status_code == 302 and reopened["Location"] == f"/book/manage/{token}/"


def test_the_trial_booked_while_the_assessment_is_cancelled(live_server, assessment):
    appointment, token = assessment
    results = race_on_link(live_server, token, [("trial/book/", trial_post(token)), ("cancel/", {"reason": ""})])
    assert 500 not in statuses(results), statuses(results)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    follow_ups = Appointment.objects.exclude(pk=appointment.pk).filter(status=Appointment.Status.CONFIRMED).count()
    assert follow_ups in (0, 5) and Course.objects.count() == (1 if follow_ups else 0)


# --- pain scores ----------------------------------------------------------------------------------
@pytest.fixture
def course_visit(maya):
    """A confirmed course visit tomorrow (inside the 48 hours in which the patient may give their pain)."""
    appointment, token = book(start=local(2026, 12, 1, 10), practitioner=maya, source=Appointment.Source.STAFF)
    courses.open_course(appointment=appointment, area="neck", planned_visits=6, actor=None, now=NOW)
    return appointment, token


def test_the_pain_form_sent_twice_at_once_is_one_score(live_server, course_visit):
    _, token = course_visit
    results = race_on_link(live_server, token, [("pain/", {"pain": "6"}), ("pain/", {"pain": "4"})])
    assert 500 not in statuses(results), statuses(results)
    [score] = VisitScore.objects.all()
    assert score.patient_reported and score.pain in (4, 6)


def test_a_patient_s_score_never_replaces_one_the_practitioner_is_saving(course_visit, maya):
    """The practitioner's save is still in its transaction when the patient's form arrives: the patient's
    waits for it, then sees it and changes nothing (it deadlocked, or overwrote it)."""
    appointment, token = course_visit
    maya.user = User.objects.create_user("maya", password="x")
    maya.save()
    def practitioner_saves():
        return courses.record_score(appointment=appointment, pain=7, activities={}, actor=maya.user, now=NOW)

    with held_open(practitioner_saves, commit_after=0.5):  # the rest of their request before its commit
        response = Client().post(reverse("booking:manage-pain", args=[token]), {"pain": "3"})
    assert response.status_code == 302
    score = VisitScore.objects.get()
    assert (score.pain, score.patient_reported) == (7, False)


# --- the waitlist, joined from a visit ------------------------------------------------------------
def join_from(visit):
    return waitlist.join(service=visit.service, appointment=visit, practitioner=None, earliest=date(2026, 11, 30),
                         latest=visit.start.date(), weekdays=[0, 1, 2, 3, 4], parts_of_day=["morning"],
                         first_name="R", last_name="P", email=visit.patient.email)


def test_two_joins_from_one_visit_at_once_leave_one_wish(maya):
    """Two tabs, two forms: joining again from the same visit replaces the earlier wish, even at once."""
    waiting = []
    for day in (10, 11, 14):
        visit, _ = book(start=local(2026, 12, day, 9), practitioner=maya, source=Appointment.Source.STAFF)
        run_together(lambda visit=visit: join_from(visit), lambda visit=visit: join_from(visit))
        waiting.append(WaitlistEntry.objects.filter(appointment=visit, status=WaitlistEntry.Status.WAITING).count())
    assert waiting == [1, 1, 1]


def test_a_join_from_a_visit_cancelled_after_the_page_was_read_is_refused(maya):
    visit, _ = book(start=local(2026, 12, 3, 9), practitioner=maya, source=Appointment.Source.STAFF)
    stale = Appointment.objects.get(pk=visit.pk)
    services.cancel_appointment(appointment=visit, now=NOW, by_patient=True)
    with pytest.raises(waitlist.JoinRefused):
        join_from(stale)
    assert not WaitlistEntry.objects.exists()
    assert not EmailNotice.objects.filter(kind=EmailNotice.Kind.WAITLIST_JOINED).exists()


def test_a_join_racing_the_visit_s_cancel_never_500s_and_the_visit_ends_cancelled(live_server, maya):
    for day in (3, 4, 7):
        visit, token = book(start=local(2026, 12, day, 9), practitioner=maya, source=Appointment.Source.STAFF)
        html = Client().get(reverse("booking:manage-waitlist", args=[token])).content.decode()
        data = {"practitioner": "any", "earliest": "2026-11-30", "latest": "2026-12-02",
                "weekdays": ["0", "1", "2", "3", "4"], "parts_of_day": ["morning", "afternoon"], "consent": "on",
                "submission": re.search(r'name="submission" value="([^"]+)"', html).group(1)}
        results = race_on_link(live_server, token, [("waitlist/", data), ("cancel/", {"reason": ""})])
        assert 500 not in statuses(results), statuses(results)
        visit.refresh_from_db()
        assert visit.status == Appointment.Status.CANCELLED


def test_a_phone_booking_of_a_trial_time_while_the_patient_books_the_trial(maya):
    follow_up = make_service("ims-follow-up")
    for hour in (9, 10, 11):
        assessment, _ = book(start=local(2026, 12, 1, hour), practitioner=maya, source=Appointment.Source.STAFF)
        series = [assessment.start + timedelta(days=7 * (n + 1)) for n in range(3)]
        out = run_together(
            lambda a=assessment, s=series: courses.book_patient_trial(appointment=a, starts=s, now=NOW),
            lambda s=series: book(start=s[1], practitioner=maya, service=follow_up, source=Appointment.Source.STAFF))
        assert "db-error" not in [kind for kind, _ in out], out
        assert Appointment.objects.active().filter(start=series[1], practitioner=maya).count() == 1


def test_moving_a_visit_to_its_own_time_says_nothing_changed_and_sends_nothing(client, booked):
    appointment, token = booked
    response = client.post(f"/book/manage/{token}/reschedule/", {"start": iso(THURSDAY_9)}, follow=True)
    assert response.redirect_chain[-1][0] == f"/book/manage/{token}/#appointment"
    page = response.content.decode()
    assert "already at that time, so nothing was changed" in page and "has moved" not in page
    assert events(appointment, "rescheduled") == 0 and notices(appointment, EmailNotice.Kind.RESCHEDULED) == 0


def test_the_move_page_never_offers_the_visit_its_own_time(client, booked):
    appointment, token = booked
    page = client.get(f"/book/manage/{token}/reschedule/", {"from": "2026-12-03", "day": "2026-12-03"})
    offered = [time["slot"].start for time in page.context["times"]]
    assert offered and THURSDAY_9 not in offered
    assert THURSDAY_9 + timedelta(minutes=15) in offered or THURSDAY_9 + timedelta(hours=1) in offered
