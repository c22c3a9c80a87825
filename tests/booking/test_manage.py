"""The patient's private manage link: view, cancel, reschedule, and everything it must refuse."""

from datetime import timedelta

import pytest
import time_machine

from booking.models import Appointment
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booked():
    practitioner = make_practitioner()
    appointment, token = book(start=local(2026, 12, 3, 9), practitioner=practitioner)
    return appointment, token


def url(token, action=""):
    return f"/book/manage/{token}/" + (f"{action}/" if action else "")


def test_a_nul_byte_in_a_manage_link_is_a_plain_400(client, booked):
    assert client.get("/book/manage/abc%00def/").status_code == 400


def test_the_link_shows_the_appointment_and_is_never_cached(client, booked):
    appointment, token = booked
    response = client.get(url(token))
    assert response.status_code == 200
    assert appointment.reference in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("bad", ["wrong", "x" * 43, "x" * 500, "%27%20OR%201%3D1"])
def test_a_wrong_token_finds_nothing(client, booked, bad):
    for path in (url(bad), url(bad, "reschedule")):
        assert client.get(path).status_code == 404
    assert client.post(url(bad, "cancel")).status_code == 404
    assert Appointment.objects.get().status == "requested"


def test_cancel_frees_the_time_and_the_spent_link_cannot_be_reused(client, booked):
    appointment, token = booked
    response = client.post(url(token, "cancel"), {"reason": "Feeling better"})
    assert response.status_code == 200 and "cancelled" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and appointment.status_reason == "Feeling better"
    assert appointment.events.filter(action="cancelled", actor_label="patient").exists()
    # the same time can be booked again
    book(start=local(2026, 12, 3, 9), practitioner=appointment.practitioner)
    # the spent link acts no more and shows no details
    for response in (client.get(url(token)), client.post(url(token, "cancel")), client.get(url(token, "reschedule"))):
        assert response.status_code == 410
        assert appointment.reference not in response.content.decode()


def test_the_link_expires_once_the_visit_has_started(client, booked, frozen_clock):
    appointment, token = booked
    frozen_clock.move_to(appointment.start + timedelta(minutes=1))
    assert client.get(url(token)).status_code == 410
    assert client.post(url(token, "cancel")).status_code == 410
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_cancelling_online_is_refused_inside_the_cutoff(client, booked, frozen_clock):
    appointment, token = booked
    frozen_clock.move_to(appointment.start - timedelta(hours=23))
    page = client.get(url(token)).content.decode()
    assert "can no longer be changed online" in page and "Cancel this appointment" not in page
    response = client.post(url(token, "cancel"), follow=True)
    assert "too late to cancel online" in response.content.decode()
    assert client.get(url(token, "reschedule")).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_reschedule_moves_the_visit_and_frees_the_old_time(client, booked):
    appointment, token = booked
    week = client.get(url(token, "reschedule")).content.decode()
    assert "?from=2026-11-30&amp;day=2026-12-04#times" in week  # a day picker, not every time at once
    day = client.get(url(token, "reschedule"), {"from": "2026-11-30", "day": "2026-12-04"}).content.decode()
    assert "BC time (UTC−7)" in day and "start=2026-12-04T20%3A00%3A00Z#confirm" in day  # Fri 13:00 local
    confirm = client.get(url(token, "reschedule"), {"from": "2026-11-30", "day": "2026-12-04",
                                                    "start": "2026-12-04T20:00:00Z"}).content.decode()
    assert "Move your visit?" in confirm and 'name="start" value="2026-12-04T20:00:00Z"' in confirm
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 3, 9)  # choosing a time moves nothing: only the confirmation does
    response = client.post(url(token, "reschedule"), {"start": "2026-12-04T20:00:00Z"})
    assert response.status_code == 302 and response["Location"] == url(token) + "#appointment"  # a refresh is safe
    assert "has moved" in client.get(response["Location"]).content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 4, 13) and appointment.sequence == 1
    book(start=local(2026, 12, 3, 9), practitioner=appointment.practitioner)  # the old time is free again


def test_reschedule_to_a_taken_or_invalid_time_keeps_the_old_one(client, booked):
    appointment, token = booked
    book(start=local(2026, 12, 4, 13), practitioner=appointment.practitioner)
    for start, message in (("2026-12-04T20:00:00Z", "just taken"), ("nonsense", "choose one of the times"),
                           ("2026-12-05T20:00:00Z", "just taken")):  # taken, junk, a Saturday
        response = client.post(url(token, "reschedule"), {"start": start}, follow=True)
        assert response.status_code == 200 and message in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 3, 9)


def test_the_patient_cannot_reschedule_within_seven_days_of_another_ims_visit(client):
    practitioner = make_practitioner()
    patient = make_patient()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient)
    appointment, token = book(start=local(2026, 12, 10, 9), practitioner=practitioner, patient=patient)
    response = client.post(url(token, "reschedule"), {"start": "2026-12-03T16:00:00Z"}, follow=True)
    assert "at least 7 days apart" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 10, 9)


def test_rescheduling_offers_only_days_the_patient_can_take(client):
    """Days within 7 days of the patient's other IMS visit are not offered (they would be refused)."""
    practitioner = make_practitioner()
    patient = make_patient()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient)  # a Tuesday
    appointment, token = book(start=local(2026, 12, 10, 9), practitioner=practitioner, patient=patient)
    week = client.get(url(token, "reschedule"), {"from": "2026-12-01"}).content.decode()
    for blocked in ("2026-12-02", "2026-12-03", "2026-12-04", "2026-12-07"):  # less than 7 days from 1 December
        assert f"day={blocked}" not in week
    assert "There are no free times you can take in these days" in week
    tuesday = client.get(url(token, "reschedule"), {"from": "2026-12-02", "day": "2026-12-08"}).content.decode()
    assert "start=2026-12-08T16%3A00%3A00Z" in tuesday  # 9:00, exactly 7 days later: allowed


def test_state_changing_manage_actions_reject_get(client, booked):
    _, token = booked
    assert client.get(url(token, "cancel")).status_code == 405


def test_the_calendar_file_has_a_stable_uid_the_utc_start_and_a_rising_sequence(client, booked):
    from icalendar import Calendar

    appointment, token = booked
    first = Calendar.from_ical(client.get(url(token, "calendar.ics").rstrip("/")).content)
    event = first.walk("VEVENT")[0]
    assert event.decoded("dtstart") == local(2026, 12, 3, 9) and str(event["dtstart"].to_ical().decode()).endswith("Z")
    assert int(event["sequence"]) == 0 and str(first["method"]) == "PUBLISH"
    client.post(url(token, "reschedule"), {"start": "2026-12-04T20:00:00Z"})
    moved = Calendar.from_ical(client.get(url(token, "calendar.ics").rstrip("/")).content).walk("VEVENT")[0]
    assert str(moved["uid"]) == str(event["uid"]) and int(moved["sequence"]) == 1
    assert moved.decoded("dtstart") == local(2026, 12, 4, 13)
    client.post(url(token, "cancel"))
    cancelled = Calendar.from_ical(client.get(url(token, "calendar.ics").rstrip("/")).content)
    assert str(cancelled["method"]) == "CANCEL" and str(cancelled.walk("VEVENT")[0]["status"]) == "CANCELLED"


def test_the_cancelled_page_has_no_double_period_after_the_time(client, booked):
    _, token = booked
    html = client.post(url(token, "cancel")).content.decode()
    assert "We have cancelled" in html and "a.m.." not in html and "p.m.." not in html
