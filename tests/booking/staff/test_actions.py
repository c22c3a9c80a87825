"""Front-desk actions through real URLs: status, slot, history (with the acting user), queued email."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection

from booking import schedules, services
from booking.models import Appointment, EmailNotice
from tests.factories import NOW, book, local, make_practitioner, make_service


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def desk(client, django_user_model, staff_roles):
    user = django_user_model.objects.create_user("frontdesk1", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    return user


def kinds(appointment):
    return list(appointment.email_notices.values_list("kind", flat=True))


def is_free(appointment):
    return bool(schedules.free_practitioners_at(service=appointment.service, practitioner=appointment.practitioner,
                                               start=appointment.start, now=NOW))


@pytest.mark.django_db
def test_confirm_in_one_click_from_today(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    today = client.get("/staff/").content.decode()
    assert appointment.patient.full_name in today and "Requests to answer" in today
    response = client.post(f"/staff/appointments/{appointment.reference}/confirm/", {"next": "/staff/"})
    assert response.status_code == 302 and response["Location"] == "/staff/"
    appointment.refresh_from_db()
    assert appointment.status == "confirmed" and not is_free(appointment)
    event = appointment.events.get(action="confirmed")
    assert event.actor == desk and event.from_status == "requested" and event.to_status == "confirmed"
    assert kinds(appointment) == ["request_received", "clinic_new_request", "confirmed"]


@pytest.mark.django_db
def test_decline_needs_a_reason_frees_the_slot_and_tells_the_patient(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    client.post(f"/staff/appointments/{appointment.reference}/decline/", {"reason": ""})
    appointment.refresh_from_db()
    assert appointment.status == "requested"  # no reason, no decline
    client.post(f"/staff/appointments/{appointment.reference}/decline/", {"reason": "IMS is not suitable; see GP"})
    appointment.refresh_from_db()
    assert appointment.status == "declined" and appointment.status_reason == "IMS is not suitable; see GP"
    assert is_free(appointment)
    assert appointment.events.get(action="declined").actor == desk
    assert kinds(appointment)[-1] == "declined"


@pytest.mark.django_db
def test_cancel_by_the_clinic_frees_the_slot(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    client.post(f"/staff/appointments/{appointment.reference}/cancel/", {"reason": "Practitioner ill"})
    appointment.refresh_from_db()
    assert appointment.status == "cancelled" and is_free(appointment)
    assert kinds(appointment)[-1] == "cancelled_by_clinic"
    assert appointment.events.get(action="cancelled").actor == desk


@pytest.mark.django_db
def test_offer_another_time_moves_then_confirms(client, desk):
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    old_start = appointment.start
    response = client.post(f"/staff/appointments/{appointment.reference}/reschedule/",
                           {"start": "2026-12-02T17:00:00Z", "practitioner": practitioner.slug, "then_confirm": "on"})
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 2, 10) and appointment.status == "confirmed"
    assert schedules.free_practitioners_at(service=appointment.service, practitioner=practitioner, start=old_start,
                                          now=NOW)
    assert [e.action for e in appointment.events.all()] == ["requested", "rescheduled", "confirmed"]
    assert kinds(appointment)[-2:] == ["rescheduled", "confirmed"]


@pytest.mark.django_db
def test_arrived_completed_and_no_show(client, desk):
    practitioner = make_practitioner()
    first, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, source="staff")
    second, _ = book(start=local(2026, 12, 1, 13), practitioner=practitioner, source="staff")
    client.post(f"/staff/appointments/{first.reference}/arrived/")
    client.post(f"/staff/appointments/{first.reference}/completed/")
    client.post(f"/staff/appointments/{second.reference}/no-show/")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.arrived_at is not None and first.status == "completed"
    assert second.status == "no_show" and is_free(second)
    assert [e.action for e in first.events.all()] == ["booked", "arrived", "completed"]
    assert second.events.get(action="marked no-show").actor == desk


@pytest.mark.django_db
def test_staff_note_is_saved_with_history(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    client.post(f"/staff/appointments/{appointment.reference}/note/", {"staff_note": "Prefers afternoons"})
    appointment.refresh_from_db()
    assert appointment.staff_note == "Prefers afternoons"
    assert appointment.events.get(action="edited staff note").details["new"] == "Prefers afternoons"


@pytest.mark.django_db
def test_a_practitioner_sees_their_own_patients_details_but_not_anothers(client, django_user_model, staff_roles):
    mine, other = make_practitioner("Mine"), make_practitioner("Other")
    user = django_user_model.objects.create_user("mine", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Practitioner"))
    mine.user = user
    mine.save()
    own, _ = book(start=local(2026, 12, 1, 9), practitioner=mine)
    theirs, _ = book(start=local(2026, 12, 1, 9), practitioner=other)
    client.force_login(user)
    assert client.get(f"/staff/appointments/{own.reference}/").status_code == 200
    assert client.get(f"/staff/appointments/{theirs.reference}/").status_code == 403
    today = client.get("/staff/").content.decode()
    assert own.patient.full_name in today and theirs.patient.full_name not in today
    # practitioners look; the front desk acts
    assert client.post(f"/staff/appointments/{own.reference}/confirm/").status_code == 403


@pytest.mark.django_db
def test_a_failed_action_explains_itself(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    client.post(f"/staff/appointments/{appointment.reference}/decline/", {"reason": "No"})
    response = client.post(f"/staff/appointments/{appointment.reference}/confirm/", follow=True)
    assert "cannot be confirmed" in response.content.decode()


@pytest.mark.django_db
def test_bad_reschedule_input_is_a_clear_400(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    for data in ({"start": "garbage"}, {"date": "2026-13-01", "time": "25:00"}, {}):
        response = client.post(f"/staff/appointments/{appointment.reference}/reschedule/", data)
        assert response.status_code == 400 and "That did not work" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 1, 9)


@pytest.mark.django_db(transaction=True)
def test_two_staff_moving_different_requests_into_one_time_cannot_both_succeed(django_user_model):
    """Two front-desk staff 'offer another time' to two patients at the same moment, same slot."""
    service = make_service()
    practitioner = make_practitioner(services_=[service])
    a, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    b, _ = book(start=local(2026, 12, 1, 13), practitioner=practitioner)
    target = local(2026, 12, 2, 10)
    barrier = threading.Barrier(2)
    outcomes = []

    def move(appointment):
        try:
            barrier.wait(timeout=10)
            services.reschedule_appointment(appointment=appointment, new_start=target, now=NOW)
            services.confirm_appointment(appointment=appointment, actor=None)
            outcomes.append("moved")
        except services.SlotTaken:
            outcomes.append("taken")
        finally:
            connection.close()

    threads = [threading.Thread(target=move, args=(x,)) for x in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["moved", "taken"]
    at_target = Appointment.objects.filter(start=target)
    assert at_target.count() == 1 and at_target.get().status == "confirmed"
    assert Appointment.objects.active().count() == 2  # the loser keeps its original time


@pytest.mark.django_db
def test_nothing_is_queued_when_the_transaction_rolls_back():
    from django.db import transaction

    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner())
    before = EmailNotice.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.confirm_appointment(appointment=appointment, actor=None)
        raise RuntimeError("something later in the request failed")
    assert EmailNotice.objects.count() == before
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_sign_in_is_throttled_without_revealing_whether_the_username_exists(client, django_user_model, staff_roles):
    django_user_model.objects.create_user("realuser", password="the-right-password-123")
    Group.objects.get(name="Front desk").user_set.add(django_user_model.objects.get(username="realuser"))
    wrong_real = client.post("/staff/login/", {"username": "realuser", "password": "nope"}).content.decode()
    wrong_fake = client.post("/staff/login/", {"username": "nosuchuser", "password": "nope"}).content.decode()
    for page in (wrong_real, wrong_fake):
        assert "The username or password is not right" in page
    for _ in range(4):
        client.post("/staff/login/", {"username": "realuser", "password": "nope"})
    locked = client.post("/staff/login/", {"username": "realuser", "password": "the-right-password-123"})
    assert locked.status_code == 429 and "Sign-in paused" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # another username from the same address is not locked out
    ok = client.post("/staff/login/", {"username": "other", "password": "x"})
    assert ok.status_code == 200


def test_staff_sessions_end_after_a_working_day_and_on_browser_close(settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert timedelta(seconds=settings.SESSION_COOKIE_AGE) <= timedelta(hours=12)
