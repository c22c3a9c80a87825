"""Payer limits counted at their edges: ICBC's 25th visit, day 84 against day 85 after the crash,
MSP supplementary visits per calendar year with visits used elsewhere, limits entered per course."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.courses import services as courses
from booking.courses.limits import count, payer_status
from booking.courses.models import CourseVisit, PayerRule
from booking.models import Appointment, InsuranceNote
from tests.factories import NOW, book, local, make_practitioner, make_service

CRASH = date(2026, 9, 1)


def icbc(visit_dates, upcoming=(), on=date(2026, 11, 1)):
    return count(name="ICBC", window=PayerRule.Window.AFTER_INCIDENT, window_days=84, limit=25,
                 visit_dates=visit_dates, on=on, incident=CRASH, upcoming=upcoming)


def test_the_25th_visit_is_within_the_limit_and_the_26th_is_past_it():
    dates = [CRASH + timedelta(days=n) for n in range(24)]
    assert icbc(dates).used == 24 and icbc(dates).left == 1
    assert icbc(dates, upcoming=[CRASH + timedelta(days=30)]).warnings == []
    two = icbc(dates, upcoming=[CRASH + timedelta(days=30), CRASH + timedelta(days=31)])
    assert two.warnings == ["Fri 02 Oct would be visit 26, past the 25 allowed."]


def test_day_84_after_the_crash_is_inside_the_window_and_day_85_is_not():
    assert icbc([CRASH + timedelta(days=84)]).used == 1
    assert icbc([CRASH + timedelta(days=85)]).used == 0
    assert icbc([], upcoming=[CRASH + timedelta(days=84)]).warnings == []
    assert icbc([], upcoming=[CRASH + timedelta(days=85)]).warnings == [
        "Wed 25 Nov is after the window ends on Tue 24 Nov 2026."]
    assert icbc([]).window_ends == CRASH + timedelta(days=84)


def test_without_the_crash_date_nothing_can_be_counted_and_staff_are_told():
    result = count(name="ICBC", window=PayerRule.Window.AFTER_INCIDENT, window_days=84, limit=25,
                   visit_dates=[date(2026, 9, 2)], on=date(2026, 9, 3), incident=None)
    assert result.warnings == ["Enter the date of the crash or injury to count."]


def test_msp_counts_the_calendar_year_with_visits_used_elsewhere():
    result = count(name="MSP", window=PayerRule.Window.CALENDAR_YEAR, window_days=None, limit=10,
                   visit_dates=[date(2025, 12, 30), date(2026, 1, 2), date(2026, 3, 3)], on=date(2026, 3, 10),
                   incident=None, used_elsewhere=6)
    assert (result.used, result.left, result.warnings) == (8, 2, ["2 visits left."])


@pytest.mark.django_db
def test_the_course_page_shows_icbc_visits_used_and_left_and_the_series_warns_past_the_window(client, staff_roles):
    with time_machine.travel(NOW, tick=False):
        practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
        crash = date(2026, 10, 1)
        assessment, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, source=Appointment.Source.STAFF,
                             insurance={"kind": InsuranceNote.Kind.ICBC, "claim_number": "X1",
                                        "incident_date": crash})
        course = courses.open_course(appointment=assessment, area="Neck", planned_visits=6, actor=None, now=NOW)
        assert course.payer == "icbc"
        status = payer_status(course, on=date(2026, 12, 1))
        assert (status.used, status.limit, status.left, status.window_ends) == (1, 25, 24, date(2026, 12, 24))
        user = User.objects.create_user(username="desk", password="x")
        user.groups.add(Group.objects.get(name="Front desk"))
        client.force_login(user)
        page = client.get(f"/staff/courses/{course.pk}/").content.decode()
        assert "1 visit used of 25, 24 left; the window ends Thursday 24 December 2026" in page
        series = client.get(f"/staff/courses/{course.pk}/series/").content.decode()
        assert "is after the window ends on Thu 24 Dec 2026" in series  # weekly visits run into January
        response = client.post(f"/staff/courses/{course.pk}/limits/", {"limit_visits": "-3", "used_elsewhere": "0"})
        assert response.status_code == 400 and 'id="error-summary"' in response.content.decode()
        client.post(f"/staff/courses/{course.pk}/limits/", {"limit_visits": "2", "used_elsewhere": "0",
                                                           "limit_amount": ""})
        course.refresh_from_db()
        assert course.limit_visits == 2 and payer_status(course, on=date(2026, 12, 1)).warnings == ["1 visit left."]
        assert CourseVisit.objects.filter(course=course).count() == 1


@pytest.mark.django_db
def test_clinic_admins_edit_the_payer_rules_in_the_admin_and_the_front_desk_cannot(client, staff_roles):
    rule = PayerRule.objects.get(payer="icbc")
    assert (rule.max_visits, rule.window_days) == (25, 84)  # from the facts file, as data
    for role, allowed in (("Clinic admin", True), ("Front desk", False)):
        user = User.objects.create_user(username=role.replace(" ", ""), password="x", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        client.force_login(user)
        response = client.get(f"/admin/courses/payerrule/{rule.pk}/change/")
        assert (response.status_code == 200) is allowed, role


@pytest.mark.django_db
def test_the_phone_booking_form_warns_before_booking_past_a_limit(client, staff_roles):
    with time_machine.travel(NOW, tick=False):
        practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
        assessment, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner, source=Appointment.Source.STAFF,
                             insurance={"kind": InsuranceNote.Kind.WORKSAFEBC, "incident_date": date(2026, 11, 20)})
        course = courses.open_course(appointment=assessment, area="Back", planned_visits=6, actor=None, now=NOW)
        course.limit_visits = 1
        course.save()
        user = User.objects.create_user(username="desk", password="x")
        user.groups.add(Group.objects.get(name="Front desk"))
        client.force_login(user)
        page = client.get("/staff/appointments/new/", {"patient": assessment.patient.pk, "day": "2026-12-08"})
        assert "would be visit 2, past the 1 allowed" in page.content.decode()


def test_a_january_visit_booked_in_december_starts_the_new_years_count():
    used_2026 = [date(2026, m, 5) for m in range(2, 12)]  # all 10 of 2026's visits used
    result = count(name="MSP", window=PayerRule.Window.CALENDAR_YEAR, window_days=None, limit=10,
                   visit_dates=used_2026, on=date(2026, 12, 2), incident=None, used_elsewhere=0,
                   upcoming=[date(2026, 12, 16), date(2027, 1, 6), date(2027, 1, 13)])
    assert result.warnings == ["Wed 16 Dec would be visit 11, past the 10 allowed."]
    nearly = count(name="MSP", window=PayerRule.Window.CALENDAR_YEAR, window_days=None, limit=2,
                   visit_dates=[date(2027, 1, 4)], on=date(2026, 12, 2), incident=None, used_elsewhere=2,
                   upcoming=[date(2027, 1, 6), date(2027, 1, 13)])  # one of 2027's already booked
    assert nearly.warnings == ["Wed 13 Jan would be visit 3, past the 2 allowed."]


def test_visits_used_elsewhere_count_in_the_year_they_were_entered_for():
    entered_2026 = {"name": "MSP", "window": PayerRule.Window.CALENDAR_YEAR, "window_days": None, "limit": 10,
                    "incident": None, "used_elsewhere": 6, "used_elsewhere_year": 2026}
    assert count(visit_dates=[date(2026, 11, 3)], on=date(2026, 12, 2), **entered_2026).used == 7
    assert count(visit_dates=[date(2027, 1, 6)], on=date(2027, 1, 7), **entered_2026).used == 1  # a new year


@pytest.mark.django_db
def test_the_limits_form_stamps_the_year_visits_used_elsewhere_were_entered_for(staff_roles):
    from booking.courses.forms import LimitsForm

    with time_machine.travel(local(2026, 12, 31, 23, 30), tick=False):  # 07:30 UTC on 1 January
        practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
        assessment, _ = book(start=local(2027, 1, 4, 10), practitioner=practitioner, source=Appointment.Source.STAFF,
                             insurance={"kind": InsuranceNote.Kind.MSP_SUPPLEMENTARY})
        course = courses.open_course(appointment=assessment, area="Neck", planned_visits=6, actor=None,
                                     now=local(2026, 12, 31, 23, 30))
        form = LimitsForm({"limit_visits": "", "limit_amount": "", "used_elsewhere": "3"}, instance=course)
        assert form.is_valid(), form.errors
        form.save()
    course.refresh_from_db()
    assert (course.used_elsewhere, course.used_elsewhere_year) == (3, 2026)  # BC's year, not UTC's
    with time_machine.travel(local(2027, 1, 2, 9), tick=False):
        hint = LimitsForm(instance=course).fields["used_elsewhere"].help_text
    assert hint == "The 3 entered were for 2026: they no longer count. Enter the visits used elsewhere in 2027."


@pytest.mark.django_db
def test_the_dashboard_lists_the_courses_close_to_a_payer_limit_in_queries_that_do_not_grow_with_them(
        client, staff_roles):
    from booking.billing.services import check_out

    with time_machine.travel(NOW, tick=False):
        practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
        crash = date(2026, 11, 20)

        def insured(day, hour, insurance=None, **limits):
            visit, _ = book(start=local(2026, 12, day, hour), practitioner=practitioner,
                            source=Appointment.Source.STAFF, insurance=insurance)
            course = courses.open_course(appointment=visit, area="Neck", planned_visits=6, actor=None, now=NOW)
            for name, value in limits.items():
                setattr(course, name, value)
            course.save()
            return course, visit

        icbc_note = {"kind": InsuranceNote.Kind.ICBC, "claim_number": "X1", "incident_date": crash}
        near, _ = insured(1, 9, icbc_note, limit_visits=2)
        far, _ = insured(1, 10, icbc_note)  # 1 of ICBC's 25, the window open until February
        self_pay, _ = insured(1, 11)
        capped, capped_visit = insured(2, 10, {"kind": InsuranceNote.Kind.WORKSAFEBC, "incident_date": crash},
                                       limit_amount=Decimal("100.00"))
        Appointment.objects.filter(pk=capped_visit.pk).update(status=Appointment.Status.COMPLETED)
        check_out(appointment=capped_visit, actor=None, now=NOW)  # $140 invoiced this year
        user = User.objects.create_user(username="desk", password="x")
        user.groups.add(Group.objects.get(name="Front desk"))
        client.force_login(user)

        def payer_section():
            client.get("/staff/")
            with CaptureQueriesContext(connection) as queries:
                page = client.get("/staff/").content.decode()
            start = page.index('id="payer-heading"')
            return page[start:page.index("</section>", start)], len(queries)

        section, queries = payer_section()
        assert f"{near.patient.full_name}</bdi></a>: <bdi>" in section and "1 of 2 used · 1 visit left." in section
        assert capped.patient.full_name in section and "The $100.00 maximum is reached." in section
        assert far.patient.full_name not in section and self_pay.patient.full_name not in section
        more = [insured(3, hour, icbc_note, limit_visits=2)[0] for hour in (9, 10, 11)]
        section, queries_with_more = payer_section()
        assert all(course.patient.full_name in section for course in more)
        assert queries_with_more == queries


@pytest.mark.django_db
def test_counted_together_each_course_gets_what_it_gets_counted_alone(staff_roles):
    """The dashboard counts many courses in one batch: no payer's rule, visits or invoices may leak into
    another course's count. Mixed payers, rules chosen by the day a course started, two MSP courses of
    one patient, a course with no visits, dollar maximums, a day in the next year."""
    from dataclasses import astuple

    from booking.billing.services import check_out
    from booking.courses.limits import payer_statuses
    from booking.courses.models import Course
    from tests.factories import make_patient

    with time_machine.travel(NOW, tick=False):
        practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
        PayerRule.objects.filter(payer="extended_health").delete()  # the shipped one applies on any day
        PayerRule.objects.create(payer="extended_health", name="Plan before December", max_visits=3,
                                 window="none", valid_until=date(2026, 11, 30))
        PayerRule.objects.create(payer="extended_health", name="Plan from December", max_visits=7, window="none",
                                 valid_from=date(2026, 12, 1))
        hours = iter([9, 10, 11, 13, 14, 15, 16, 9, 10])
        shared = make_patient()

        def course(day, kind, patient=None, **limits):
            note = {"kind": kind, "incident_date": date(2026, 11, 1), "claim_number": "X1"}
            visit, _ = book(start=local(2026, 12, day, next(hours)), practitioner=practitioner,
                            patient=patient or make_patient(), source=Appointment.Source.STAFF, insurance=note,
                            spacing_override="Test")
            made = courses.open_course(appointment=visit, area="Neck", planned_visits=6, actor=None, now=NOW)
            Course.objects.filter(pk=made.pk).update(**limits)
            return visit

        course(1, "msp_supplementary", shared)
        msp_two = course(2, "msp_supplementary", shared, limit_amount=Decimal("50"))
        older_plan = course(3, "extended_health", limit_amount=Decimal("100"))
        Course.objects.filter(visits__appointment=older_plan).update(started_on=date(2026, 11, 15))
        course(4, "extended_health")
        worksafe = course(7, "worksafebc", limit_visits=5, limit_amount=Decimal("10"))
        course(8, "icbc")
        no_visits = course(9, "icbc", limit_visits=4)
        CourseVisit.objects.filter(appointment=no_visits).delete()
        for visit in (older_plan, worksafe, msp_two):
            Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.COMPLETED)
            check_out(appointment=visit, actor=None, now=NOW)
        everyone = list(Course.objects.all())
        names = {c.payer + str(c.started_on): payer_status(c, on=date(2026, 12, 10)).name for c in everyone}
        assert names["extended_health2026-11-15"] == "Plan before December"
        assert names["extended_health2026-12-04"] == "Plan from December"
        for on in (date(2026, 12, 10), date(2027, 1, 5)):
            for upcoming in ((), (date(2026, 12, 20),)):
                together = payer_statuses(everyone, on=on, upcoming=upcoming)
                for c in everyone:
                    alone = payer_status(c, on=on, upcoming=upcoming)
                    assert together[c.pk] is not None and astuple(together[c.pk]) == astuple(alone), (c.payer, on)
        msp = payer_statuses(everyone, on=date(2026, 12, 10))
        assert {msp[c.pk].used for c in everyone if c.payer == "msp_supplementary"} == {2}  # the patient's two
