"""The IMS course in Chromium: the desk books the trial as a series; the course page with its chart."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from booking.courses import services as courses
from booking.courses.models import CourseVisit, VisitScore
from booking.models import Appointment
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def assessment(staff_roles):
    with time_machine.travel(NOW, tick=True):
        practitioner = make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])
        visit, _ = book(start=local(2026, 12, 1, 10), practitioner=practitioner,
                        patient=make_patient(first_name="Robin", last_name="Okafor"), source=Appointment.Source.STAFF)
        for name, role in (("frontdesk", "Front desk"), ("maya", "Practitioner")):
            user = User.objects.create_user(username=name, password="a-long-test-password")
            user.groups.add(Group.objects.get(name=role))
            if name == "maya":
                practitioner.user = user
                practitioner.save(update_fields=["user"])
        yield visit


def sign_in(page, name):
    page.goto("/staff/login/")
    page.fill("#id_username", name)
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_desk_opens_a_course_and_books_the_trial_as_a_series(browser, live_server, assessment, axe):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "frontdesk")
    page.goto(f"/staff/appointments/{assessment.reference}/")
    page.get_by_role("link", name="Open an IMS course from this visit").click()
    page.fill("#id_area", "Left shoulder")
    axe(page)
    page.get_by_role("button", name="Open the course").click()
    page.wait_for_url("**/series/")
    assert page.get_by_role("group", name="Visit 6 of 6").is_visible()
    axe(page)
    page.get_by_role("button", name="Book these visits").click()
    page.wait_for_url("**/staff/courses/*/")
    assert "Booked 5 visits" in page.content()
    assert CourseVisit.objects.count() == 6
    axe(page)
    context.close()


def test_the_course_page_with_its_pain_chart_fits_a_phone(browser, live_server, assessment, axe):
    course = courses.open_course(appointment=assessment, area="Left shoulder", planned_visits=6, actor=None, now=NOW)
    visits = [assessment]
    for n in (1, 2, 3):
        visit, _ = book(start=assessment.start + timedelta(days=7 * n), practitioner=assessment.practitioner,
                        patient=assessment.patient, service=make_service("ims-follow-up"),
                        source=Appointment.Source.STAFF)
        CourseVisit.objects.create(course=course, appointment=visit)
        visits.append(visit)
    Appointment.objects.filter(pk__in=[v.pk for v in visits]).update(status=Appointment.Status.COMPLETED)
    for visit, pain in zip(visits, (7, 7, 6, 7), strict=True):
        VisitScore.objects.create(appointment=visit, pain=pain, recorded_at=NOW)
    context = browser.new_context(viewport={"width": 320, "height": 700}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page, "maya")
    page.goto(f"/staff/courses/{course.pk}/")
    chart = page.get_by_role("img", name="Pain score at each visit")
    assert chart.is_visible()
    assert page.get_by_role("table", name="Scores at each visit").is_visible()
    assert "Review due" in page.content()
    axe(page)
    assert no_sideways_scroll(page)
    page.get_by_label("Stop IMS").check()
    page.fill("#id_note", "No change by visit 4")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(f"**/staff/courses/{course.pk}/")
    assert "Stopped" in page.content()
    context.close()


def test_the_patient_books_their_trial_from_the_manage_link_on_a_phone(browser, live_server, assessment, axe):
    token = assessment.issue_manage_token()
    Appointment.objects.filter(pk=assessment.pk).update(manage_token_hash=assessment.manage_token_hash)
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/book/manage/{token}/")
    page.get_by_role("link", name="Choose my visits").click()
    page.wait_for_url("**/trial/")
    assert page.get_by_role("group", name="Visit 6 of 6").is_visible()
    axe(page)
    assert no_sideways_scroll(page)
    page.get_by_role("button", name="Book these visits").click()
    page.wait_for_url(f"**/book/manage/{token}/")
    assert "Your 5 visits are booked" in page.content()
    assert "This is visit 1 of 6." in page.content()
    axe(page)
    assert CourseVisit.objects.count() == 6
    context.close()
