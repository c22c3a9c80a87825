"""A form's address opened another way (a bookmark, a copied link, the browser's history) answers 405 with
a page to read and the methods it takes, never Django's empty body."""

import pytest
import time_machine
from django.contrib.auth.models import Group, User

from booking.models import Appointment
from tests.factories import NOW, book, local, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    """The visit below is on a fixed day: its reschedule page is open only until 24 hours before it, so the
    tests run on the factories' clock, not the machine's (from 9:00 BC time on 2 December they failed)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visit():
    return book(start=local(2026, 12, 3, 9), practitioner=make_practitioner(), source=Appointment.Source.STAFF)


def assert_a_page_says_so(response, allow: str):
    assert response.status_code == 405
    assert response["Allow"] == allow
    page = response.content.decode()
    assert "That address is the end of a form" in page and "Nothing was changed." in page
    assert response["Content-Security-Policy"] and response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("tail,method,allow", [
    ("cancel/", "get", "POST"), ("trial/book/", "get", "POST"), ("pain/", "get", "POST"),
    ("", "post", "GET, HEAD"), ("calendar.ics", "post", "GET, HEAD"), ("reschedule/", "put", "GET, POST"),
])
def test_a_patient_s_link_opened_the_wrong_way(client, visit, tail, method, allow):
    _, token = visit
    assert_a_page_says_so(getattr(client, method)(f"/book/manage/{token}/{tail}"), allow)


def test_a_staff_action_opened_as_a_page(client, visit, staff_roles):
    user = User.objects.create_user("desk", password="x")
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    appointment, _ = visit
    assert_a_page_says_so(client.get(f"/staff/appointments/{appointment.reference}/confirm/"), "POST")


def test_a_head_request_gets_the_same_answer_without_a_body(client, visit):
    _, token = visit
    response = client.head(f"/book/manage/{token}/cancel/")
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_message_waiting_for_the_next_page_is_not_shown_here_and_still_shown_there(client, visit):
    """The page is filled in after the messages were stored: it leaves them for the page that shows them."""
    _, token = visit
    client.post(f"/book/manage/{token}/reschedule/", {"start": "nonsense"})  # "Please choose one of the times shown."
    assert "choose one of the times" not in client.get(f"/book/manage/{token}/cancel/").content.decode()
    assert "choose one of the times" in client.get(f"/book/manage/{token}/reschedule/").content.decode()
