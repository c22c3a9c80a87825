"""Two series racing for the same times, against real Postgres: one is booked whole, the other not at all."""

from __future__ import annotations

import pytest

from booking.courses import services as courses
from booking.courses.models import CourseVisit
from booking.courses.series import Preference
from booking.models import Appointment
from tests.booking.billing.test_concurrency import run_together
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_series_sharing_times_book_one_whole_and_nothing_of_the_other():
    follow_up = make_service("ims-follow-up")
    # One free follow-up time a week for this practitioner: Tuesdays 10:00-10:30 (plus the assessments).
    practitioner = make_practitioner("Maya Chen", services_=[make_service(), follow_up], hours=((9, 11),),
                                     weekdays=[1])
    series = []
    for hour in (9, 10):  # two assessments on Tuesday 1 December; later Tuesdays have room for one visit at 10
        assessment, _ = book(start=local(2026, 12, 1, hour), practitioner=practitioner, patient=make_patient(),
                             source=Appointment.Source.STAFF)
        course = courses.open_course(appointment=assessment, area="Neck", planned_visits=4, actor=None, now=NOW)
        proposal = courses.propose(course=course, preference=Preference(every_days=7), now=NOW)
        series.append((course, [p.start for p in proposal if p.placed]))
    assert series[0][1] and set(series[0][1]) & set(series[1][1])  # they want some of the same times

    def book_it(i: int):
        course, starts = series[i]
        return courses.book_series(course=course, starts=starts, actor=None, now=NOW)

    results = run_together(book_it, 2)
    winners = [r for r in results if isinstance(r, list)]
    losers = [r for r in results if isinstance(r, courses.SeriesTaken)]
    assert len(winners) == 1 and len(losers) == 1, results
    counts = sorted(CourseVisit.objects.filter(course=c).count() for c, _ in series)
    assert counts == [1, 1 + len(winners[0])]  # the loser still has only its assessment


def test_the_same_series_sent_by_two_desks_books_once_and_the_second_hears_why():
    practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
    assessment, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, source=Appointment.Source.STAFF)
    course = courses.open_course(appointment=assessment, area="Neck", planned_visits=4, actor=None, now=NOW)
    starts = [p.start for p in courses.propose(course=course, preference=Preference(every_days=7), now=NOW)
              if p.placed]
    assert len(starts) == 3
    results = run_together(lambda i: courses.book_series(course=course, starts=starts, actor=None, now=NOW), 2)
    refused = [str(r) for r in results if isinstance(r, courses.BookingError)]
    assert refused == ["All 4 planned visits of this course are booked already."], results
    assert CourseVisit.objects.filter(course=course).count() == 4


@pytest.mark.parametrize("off", [{"minutes": 7}, {"microseconds": 5}])
def test_a_series_time_off_the_grid_is_refused_as_not_offered_not_as_taken(off):
    from datetime import timedelta

    from booking.services import BookingError

    practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
    assessment, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, source=Appointment.Source.STAFF)
    course = courses.open_course(appointment=assessment, area="Neck", planned_visits=4, actor=None, now=NOW)
    with pytest.raises(BookingError, match="is not one of the times offered") as refused:
        courses.book_series(course=course, starts=[local(2026, 12, 8, 10) + timedelta(**off)], actor=None, now=NOW)
    assert not isinstance(refused.value, courses.SeriesTaken)
    assert CourseVisit.objects.filter(course=course).count() == 1
