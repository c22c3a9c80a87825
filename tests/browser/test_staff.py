"""A front-desk member signs in, finds a new online request in the queue and confirms it."""

import pytest
import time_machine
from django.contrib.auth.models import Group

from booking.models import Appointment
from tests.factories import NOW, book, local, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "front-desk-password-2026"


@pytest.fixture
def request_waiting(django_user_model, staff_roles):
    with time_machine.travel(NOW, tick=True):
        user = django_user_model.objects.create_user("sam", password=PASSWORD)
        user.groups.add(Group.objects.get(name="Front desk"))
        appointment, _ = book(start=local(2026, 12, 1, 10), practitioner=make_practitioner("Maya Chen"),
                              patient_note="Neck pain since the summer")
        yield appointment


def sign_in(page, next_path="/staff/"):
    page.goto(f"/staff/login/?next={next_path}")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_front_desk_confirms_an_online_request(page, axe, request_waiting):
    page.goto("/staff/")
    assert "/staff/login/" in page.url
    axe(page)
    sign_in(page)
    page.wait_for_url("**/staff/")
    queue = page.get_by_role("region", name="Requests to answer 1")
    assert request_waiting.patient.full_name in queue.inner_text()
    assert "Neck pain since the summer" in queue.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]  # no sideways page
    axe(page)

    queue.get_by_role("button", name=f"Confirm {request_waiting.patient.full_name}").click()
    page.wait_for_url("**/staff/")
    assert f"{request_waiting.reference} confirmed" in page.inner_text("main")
    request_waiting.refresh_from_db()
    assert request_waiting.status == Appointment.Status.CONFIRMED

    page.goto("/staff/day/?date=2026-12-01")
    block = page.locator(f'a.cal-appt[href="/staff/appointments/{request_waiting.reference}/"]')
    assert "confirmed" in block.inner_text().lower() and request_waiting.patient.full_name in block.inner_text()
    axe(page)

    block.click()
    page.wait_for_url(f"**/staff/appointments/{request_waiting.reference}/")
    assert "Confirmed" in page.inner_text(".status")
    assert "confirmed by sam" in page.inner_text("main")
    axe(page)
