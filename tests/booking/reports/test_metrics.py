"""What the reports count, on known data: weeks in BC dates, rates, utilisation, IMS visits, money."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest

from booking import availability
from booking.billing import services as billing
from booking.billing.models import FeePolicy, Payment
from booking.models import ClinicClosure, TimeOff
from booking.reports import metrics, report
from booking.reports.metrics import Period
from tests.factories import NOW, local, make_practitioner, make_service

from .conftest import Status, cancelled, visit

pytestmark = pytest.mark.django_db


# --- the period -----------------------------------------------------------------------------------
def test_the_default_period_is_the_last_twelve_full_weeks_before_this_one():
    monday = date(2026, 11, 30)
    for today in (monday, monday + timedelta(days=6)):  # the whole week long, the same twelve weeks
        period = metrics.default_period(today)
        assert (period.first, period.last) == (date(2026, 9, 7), date(2026, 11, 29))
        assert len(period.mondays) == 12 and period.first.weekday() == 0 and period.last.weekday() == 6


def test_a_period_starting_mid_week_touches_that_week_and_lists_its_mondays():
    assert Period(date(2026, 9, 2), date(2026, 9, 14)).mondays == [date(2026, 8, 31), date(2026, 9, 7),
                                                                   date(2026, 9, 14)]


@pytest.mark.parametrize("first, last, raw_first, raw_last, field, words", [
    (None, date(2026, 11, 29), "2026-13-01", "2026-11-29", "report-from", "not “2026-13-01”"),
    (date(2026, 9, 1), None, "2026-09-01", "yesterday", "report-to", "not “yesterday”"),
    (date(2026, 11, 29), date(2026, 9, 1), "2026-11-29", "2026-09-01", "report-from", "on or before"),
    (date(2025, 1, 1), date(2026, 1, 2), "2025-01-01", "2026-01-02", "report-to", "at most 366 days"),
])
def test_a_bad_period_says_what_is_wrong_with_which_field(first, last, raw_first, raw_last, field, words):
    errors = metrics.period_errors(first, last, raw_first=raw_first, raw_last=raw_last)
    assert [f for f, _ in errors] == [field] and words in errors[0][1]


def test_a_year_and_a_day_is_allowed():
    assert metrics.period_errors(date(2024, 1, 1), date(2024, 12, 31), raw_first="", raw_last="") == []


# --- visits and attendance per week -----------------------------------------------------------
def test_a_visit_at_11_30_pm_on_sunday_bc_time_counts_in_that_sundays_week():
    practitioner = make_practitioner()
    visit(local(2026, 11, 16, 9), practitioner)
    late_sunday = local(2026, 11, 29, 23, 30)
    assert late_sunday.weekday() == 0 and late_sunday.tzinfo == UTC  # already Monday in UTC
    visit(late_sunday, practitioner)
    visit(local(2026, 11, 29, 22), practitioner)
    visit(local(2026, 11, 30, 0, 30), practitioner, status=Status.CONFIRMED)  # kept: still to come
    visit(local(2026, 12, 6, 23, 59), make_practitioner())
    visit(local(2026, 12, 7, 0, 0), practitioner)  # after the period
    weeks = metrics.weekly_attendance(Period(date(2026, 11, 16), date(2026, 12, 6)), notice_hours=24)
    assert [(w.monday, w.kept) for w in weeks] == [(date(2026, 11, 16), 1), (date(2026, 11, 23), 2),
                                                   (date(2026, 11, 30), 2)]


def test_rates_are_no_shows_and_late_cancels_out_of_kept_missed_and_late_cancelled():
    practitioner = make_practitioner()
    for hour in (9, 10, 11):
        visit(local(2026, 11, 16, hour), practitioner)
    visit(local(2026, 11, 17, 9), practitioner, status=Status.NO_SHOW)
    cancelled(local(2026, 11, 17, 10), practitioner, at=local(2026, 11, 17, 8))  # 2 hours before: late
    cancelled(local(2026, 11, 17, 11), practitioner, at=local(2026, 11, 14, 11))  # 3 days before: not late
    visit(local(2026, 11, 17, 13), practitioner, status=Status.DECLINED)
    week, empty = metrics.weekly_attendance(Period(date(2026, 11, 16), date(2026, 11, 29)), notice_hours=24)
    assert (week.kept, week.no_shows, week.late_cancels, week.counted) == (3, 1, 1, 5)
    assert week.no_show_rate == Decimal("20.0") and week.late_cancel_rate == Decimal("20.0")
    assert empty.counted == 0 and empty.no_show_rate is None and empty.late_cancel_rate is None


def test_late_means_the_fee_policys_notice_hours():
    practitioner = make_practitioner()
    cancelled(local(2026, 11, 18, 10), practitioner, at=local(2026, 11, 17, 8))  # 26 hours before
    visit(local(2026, 11, 18, 11), practitioner)
    period = Period(date(2026, 11, 16), date(2026, 11, 22))
    FeePolicy.objects.update_or_create(pk=1, defaults={"notice_hours": 24})
    assert report.build(period, money=False).weeks[0].late_cancels == 0
    FeePolicy.objects.filter(pk=1).update(notice_hours=48)
    week = report.build(period, money=False).weeks[0]
    assert (week.late_cancels, week.counted, week.late_cancel_rate) == (1, 2, Decimal("50.0"))


def test_rates_round_half_up_to_a_tenth():
    assert metrics.percent(1, 3) == Decimal("33.3") and metrics.percent(2, 3) == Decimal("66.7")
    assert metrics.percent(1, 8) == Decimal("12.5") and metrics.percent(1, 16) == Decimal("6.3")


# --- utilisation --------------------------------------------------------------------------------
def test_utilisation_leaves_out_holidays_closures_and_time_off():
    # Mon 12 Oct 2026 is Thanksgiving (a BC statutory holiday); Friday the clinic closes for training.
    practitioner = make_practitioner("Maya Chen")  # Monday to Friday 9-12 and 1-5: 7 hours a day
    ClinicClosure.objects.create(date=date(2026, 10, 16), name="Staff training")
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 10, 14, 13), end=local(2026, 10, 14, 15))
    # 11:00 to 14:00 on Thursday: 1 hour of the morning and 1 of the afternoon (the lunch hour is not work)
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 10, 15, 11), end=local(2026, 10, 15, 14))
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 10, 15, 11, 30), end=local(2026, 10, 15, 12))
    visit(local(2026, 10, 13, 9), practitioner)
    visit(local(2026, 10, 13, 10), practitioner, status=Status.CONFIRMED)
    visit(local(2026, 10, 13, 11), practitioner, status=Status.CANCELLED)
    visit(local(2026, 10, 14, 9), practitioner, status=Status.NO_SHOW)
    [row] = metrics.utilisation(Period(date(2026, 10, 12), date(2026, 10, 18)))
    # Tue 7 + Wed 7-2 + Thu 7-2 = 17 hours; two 45-minute kept visits = 1.5 hours
    assert row.name == "Maya Chen" and row.working == timedelta(hours=17) and row.booked == timedelta(minutes=90)
    assert row.rate == Decimal("8.8") and row.working_hours == Decimal("17.00") and row.booked_hours == Decimal("1.50")


def test_working_time_reads_hours_per_date_and_their_validity():
    hours = [availability.WeeklyHours(1, 0, time(9), time(17), valid_until=date(2026, 9, 13)),
             availability.WeeklyHours(1, 0, time(12), time(16), valid_from=date(2026, 9, 14)),
             availability.WeeklyHours(2, 6, time(10), time(11))]
    period = Period(date(2026, 9, 7), date(2026, 9, 20))  # two Mondays, one under each timetable
    found = metrics.working_time(practitioner_ids=[1, 2], weekly_hours=hours, time_off=[], closed=[],
                                 period=period)
    assert found == {1: timedelta(hours=12), 2: timedelta(hours=2)}


def test_an_inactive_practitioner_with_visits_still_has_a_row_and_one_with_nothing_has_none():
    gone = make_practitioner("Left in October", weekdays=())
    gone.active = False
    gone.save()
    make_practitioner("No hours", weekdays=())
    visit(local(2026, 10, 13, 9), gone)
    [row] = metrics.utilisation(Period(date(2026, 10, 12), date(2026, 10, 18)))
    assert row.name == "Left in October" and row.rate is None and row.booked == timedelta(minutes=45)


# --- IMS visits per course ---------------------------------------------------------------------
def test_ims_visits_outside_courses_count_per_patient_and_kept_ims_visits_only():
    practitioner = make_practitioner()
    follow_up, other = make_service("ims-follow-up"), make_service("massage", is_ims=False)
    first = visit(local(2026, 11, 2, 9), practitioner)
    for day in (9, 16):
        visit(local(2026, 11, day, 9), practitioner, service=follow_up, patient=first.patient)
    visit(local(2026, 11, 3, 9), practitioner)
    single = visit(local(2026, 11, 4, 9), practitioner)
    visit(local(2026, 11, 5, 9), practitioner, service=other, patient=single.patient)
    visit(local(2026, 11, 6, 9), practitioner, status=Status.NO_SHOW)
    visit(local(2026, 11, 6, 10), practitioner, service=other)
    rows = metrics.ims_visits_per_course(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert [(r.visits, r.courses, r.label) for r in rows] == [(1, 2, "1 visit"), (2, 0, "2 visits"),
                                                               (3, 1, "3 visits")]


def test_ten_or_more_ims_visits_share_one_bar():
    practitioner = make_practitioner()
    first = visit(datetime(2026, 9, 1, 16, tzinfo=UTC), practitioner)
    for week in range(1, 12):
        visit(datetime(2026, 9, 1, 16, tzinfo=UTC) + timedelta(weeks=week), practitioner, patient=first.patient)
    rows = metrics.ims_visits_per_course(Period(date(2026, 9, 1), date(2026, 12, 31)))
    assert len(rows) == 10 and rows[-1].courses == 1 and rows[-1].label == "10 or more"


# --- money ----------------------------------------------------------------------------------------
@pytest.fixture
def invoices():
    """Three visits at $33.33 and one voided invoice: paid by ICBC and debit, WorkSafeBC, and cash
    after the period (with a credit)."""
    service = make_service("ims-follow-up", price=Decimal("33.33"))
    maya, daniel = make_practitioner("Maya Chen"), make_practitioner("Daniel Okafor")
    made = []
    for practitioner, start in ((maya, local(2026, 11, 2, 9)), (maya, local(2026, 11, 3, 9)),
                                (daniel, local(2026, 11, 4, 9)), (maya, local(2026, 11, 5, 9))):
        made.append(billing.check_out(appointment=visit(start, practitioner, service=service), actor=None, now=NOW))
    pay = {"actor": None, "now": NOW}
    billing.record_payment(invoice=made[0], method="icbc", amount=Decimal("20.00"), received_on=date(2026, 11, 2),
                           **pay)
    billing.record_payment(invoice=made[0], method="debit", amount=Decimal("13.33"), received_on=date(2026, 11, 2),
                           **pay)
    billing.record_payment(invoice=made[1], method="worksafebc", amount=Decimal("33.33"),
                           received_on=date(2026, 11, 30), **pay)
    billing.add_credit(invoice=made[2], amount=Decimal("3.33"), reason="Courtesy", **pay)
    billing.record_payment(invoice=made[2], method="cash", amount=Decimal("30.00"), received_on=date(2026, 12, 1),
                           **pay)
    billing.void_invoice(invoice=made[3], reason="Checked out in error", **pay)
    return made


def test_payments_received_are_split_by_method_and_payer(invoices):
    rows = metrics.payments_by_method(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert [r.method for r in rows] == ["debit", "credit_card", "cash", "e_transfer", "insurer", "icbc", "worksafebc"]
    assert {r.method: r.amount for r in rows if r.amount} == {"debit": Decimal("13.33"), "icbc": Decimal("20.00"),
                                                              "worksafebc": Decimal("33.33")}
    assert [r.third_party for r in rows] == [r.method in Payment.THIRD_PARTY for r in rows]
    assert metrics.payment_totals(rows) == {"patient": Decimal("13.33"), "third_party": Decimal("53.33"),
                                            "all": Decimal("66.66")}


def test_invoiced_per_practitioner_is_exact_and_leaves_out_voided_invoices(invoices):
    rows = metrics.invoiced_by_practitioner(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert [(r.name, r.invoiced, r.credited, r.net) for r in rows] == [  # in the practitioners' order
        ("Daniel Okafor", Decimal("33.33"), Decimal("3.33"), Decimal("30.00")),
        ("Maya Chen", Decimal("66.66"), Decimal("0.00"), Decimal("66.66"))]
    totals = metrics.invoiced_totals(rows)
    assert totals == {"invoiced": Decimal("99.99"), "credited": Decimal("3.33"), "net": Decimal("96.66")}
    assert all(isinstance(value, Decimal) for value in totals.values())


def test_invoices_count_by_the_date_of_the_visit(invoices):
    rows = metrics.invoiced_by_practitioner(Period(date(2026, 11, 3), date(2026, 11, 3)))
    assert [(r.name, r.invoiced) for r in rows] == [("Maya Chen", Decimal("33.33"))]


def test_ims_visits_are_counted_per_course_when_a_patient_has_two():
    from booking.courses.models import Course, CourseVisit

    practitioner = make_practitioner()
    first = visit(local(2026, 11, 2, 9), practitioner)
    later = [visit(local(2026, 11, day, 9), practitioner, patient=first.patient) for day in (9, 16, 23)]
    courses = [Course.objects.create(patient=first.patient, practitioner=practitioner, area=area,
                                     started_on=date(2026, 11, 2), opened_at=first.start) for area in ("Neck", "Knee")]
    for appointment, course in zip([first, *later], [courses[0], courses[0], courses[0], courses[1]], strict=True):
        CourseVisit.objects.create(course=course, appointment=appointment)
    rows = metrics.ims_visits_per_course(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert [(r.visits, r.courses) for r in rows] == [(1, 1), (2, 0), (3, 1)]


def test_a_visit_counts_in_the_week_of_its_bc_date_across_midnight_utc_and_a_clock_change():
    """Counted in SQL between each week's bounds in UTC, not by each visit's date: the edges must be BC's,
    and a late cancellation or a no-show counts in its week like a kept visit."""
    practitioner = make_practitioner()
    visit(datetime(2025, 10, 27, 8, 0, tzinfo=UTC), practitioner)  # Monday 27 Oct 1:00 a.m. PDT (UTC-7)
    visit(datetime(2025, 11, 3, 7, 30, tzinfo=UTC), practitioner)  # Sunday 2 Nov 11:30 p.m. PST (UTC-8 since 2 a.m.)
    visit(datetime(2025, 11, 3, 8, 0, tzinfo=UTC), practitioner, status=Status.NO_SHOW)  # Monday 3 Nov 12:00 a.m.
    cancelled(datetime(2025, 11, 9, 20, 0, tzinfo=UTC), practitioner, at=datetime(2025, 11, 9, 10, 0, tzinfo=UTC))
    visit(datetime(2025, 11, 10, 8, 0, tzinfo=UTC), practitioner)  # the Monday after the period: not counted
    rows = metrics.weekly_attendance(Period(date(2025, 10, 27), date(2025, 11, 9)), notice_hours=24)
    assert [(w.monday, w.kept, w.no_shows, w.late_cancels) for w in rows] == [
        (date(2025, 10, 27), 2, 0, 0), (date(2025, 11, 3), 0, 1, 1)]

    visit(datetime(2026, 11, 30, 6, 30, tzinfo=UTC), practitioner)  # Sunday 29 Nov 11:30 p.m. (UTC-7 for good)
    visit(datetime(2026, 11, 30, 7, 0, tzinfo=UTC), practitioner)  # Monday 30 Nov at midnight
    visit(datetime(2026, 12, 7, 6, 59, tzinfo=UTC), practitioner)  # Sunday 6 Dec 11:59 p.m.
    rows = metrics.weekly_attendance(Period(date(2026, 11, 23), date(2026, 12, 6)), notice_hours=24)
    assert [(w.monday, w.kept) for w in rows] == [(date(2026, 11, 23), 1), (date(2026, 11, 30), 2)]
