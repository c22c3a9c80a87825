"""Front-desk actions through real URLs: status, slot, history (with the acting user), queued email."""

import re
import threading
from contextlib import contextmanager
from datetime import UTC, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from booking import emails, schedules, services
from booking.models import Appointment, EmailNotice, Screening
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service


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


def iso(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def at(client, user, moment, tick=True):
    """The clock at ``moment``, signed in again (staff sessions end within a working day)."""
    with time_machine.travel(moment, tick=tick):
        client.force_login(user)
        yield


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
def test_offering_a_request_its_own_time_moves_nothing_and_still_confirms_it(client, desk):
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    response = client.post(f"/staff/appointments/{appointment.reference}/reschedule/",
                           {"start": "2026-12-01T16:00:00Z", "practitioner": practitioner.slug, "then_confirm": "on"},
                           follow=True)  # 9:00 in BC (UTC-7)
    assert f"{appointment.reference} is already at that time: nothing was moved." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"
    assert [e.action for e in appointment.events.all()] == ["requested", "confirmed"]


@pytest.mark.django_db
def test_arrived_completed_and_no_show(client, desk):
    practitioner = make_practitioner()
    first, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, source="staff")
    second, _ = book(start=local(2026, 12, 1, 13), practitioner=practitioner, source="staff")
    with at(client, desk, local(2026, 12, 1, 8, 50), tick=True):  # the patient is early
        client.post(f"/staff/appointments/{first.reference}/arrived/")
    with at(client, desk, local(2026, 12, 1, 9, 45), tick=True):
        client.post(f"/staff/appointments/{first.reference}/completed/")
    with at(client, desk, local(2026, 12, 1, 13, 20), tick=True):
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


@pytest.mark.django_db
def test_a_refused_move_keeps_the_typed_date_time_and_override(client, desk):
    maya = make_practitioner("Maya Chen")
    patient = make_patient()
    book(start=local(2026, 12, 7, 10), practitioner=maya, patient=patient, source="staff")
    visit, _ = book(start=local(2026, 12, 16, 10), practitioner=maya, patient=patient, source="staff")
    response = client.post(f"/staff/appointments/{visit.reference}/reschedule/", {
        "practitioner": maya.slug, "date": "2026-12-09", "time": "18:00", "override": "on", "manual": "1"})
    html = response.content.decode()
    assert response.status_code == 400 and "7 days" in html  # too close to the visit of 7 December
    assert 'value="2026-12-09"' in html and 'value="18:00"' in html
    assert re.search(r'name="override" id="override" checked', html)


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


# --- arrival, completion and no-show: only at the visit, undone the same day (issue 13, item 3) ----------
def detail(client, appointment) -> str:
    return client.get(f"/staff/appointments/{appointment.reference}/").content.decode()


def mark(client, appointment, what: str):
    return client.post(f"/staff/appointments/{appointment.reference}/{what}/", follow=True).content.decode()


@pytest.mark.django_db
def test_visits_days_ahead_offer_no_attendance_buttons_and_the_marks_are_refused(client, desk):
    appointment, _ = book(start=local(2026, 12, 3, 9), practitioner=make_practitioner(), source="staff")
    page = detail(client, appointment)
    assert "Mark arrived" not in page and "Mark completed" not in page and "Mark no-show" not in page
    assert "from 30 minutes before the start" in page
    assert f"{appointment.patient.full_name}</bdi></a></td>" not in client.get("/staff/").content.decode()
    for what, message in (("arrived", "too early to record arrival"), ("completed", "too early to record completion"),
                          ("no-show", "A no-show can be marked only after the start")):
        assert message in mark(client, appointment, what)
    appointment.refresh_from_db()
    assert appointment.status == "confirmed" and appointment.arrived_at is None
    assert [e.action for e in appointment.events.all()] == ["booked"]
    assert not is_free(appointment)  # the time is still held


@pytest.mark.django_db
def test_arrival_and_completion_open_30_minutes_before_the_start_and_a_no_show_only_after_it(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    with at(client, desk, local(2026, 12, 1, 8, 29), tick=False):
        assert "too early to record arrival" in mark(client, appointment, "arrived")
    with at(client, desk, local(2026, 12, 1, 8, 30), tick=False):
        page = detail(client, appointment)
        assert "Mark arrived" in page and "Mark completed" in page and "Mark no-show" not in page
        assert "only after the start" in mark(client, appointment, "no-show")
        assert "marked as arrived" in mark(client, appointment, "arrived")
    with at(client, desk, local(2026, 12, 1, 9, 5), tick=False):
        assert "undo the arrival first" in mark(client, appointment, "no-show")  # here, so not a no-show
    appointment.refresh_from_db()
    assert appointment.arrived_at == local(2026, 12, 1, 8, 30) and appointment.status == "confirmed"

    other, _ = book(start=local(2026, 12, 1, 13), practitioner=appointment.practitioner, source="staff")
    with at(client, desk, local(2026, 12, 1, 13, 1), tick=False):
        assert "Mark no-show" in detail(client, other)
        assert "marked as a no-show" in mark(client, other, "no-show")
    other.refresh_from_db()
    assert other.status == "no_show" and is_free(other)


@pytest.mark.django_db
def test_a_status_change_is_undone_the_same_day_as_its_own_history_event(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    with at(client, desk, local(2026, 12, 1, 8, 55), tick=True):
        mark(client, appointment, "arrived")
        mark(client, appointment, "completed")
        appointment.refresh_from_db()
        assert appointment.status == "completed" and is_free(appointment)
        assert "Undo: completed" in detail(client, appointment)
        assert "put back as it was" in mark(client, appointment, "undo")
        appointment.refresh_from_db()
        assert appointment.status == "confirmed" and appointment.arrived_at is not None
        assert not is_free(appointment)  # holds its time again
        assert "Undo: arrived" in detail(client, appointment)
        mark(client, appointment, "undo")
        appointment.refresh_from_db()
        assert appointment.arrived_at is None
        assert "nothing to undo" in mark(client, appointment, "undo")
    events = list(appointment.events.all())
    assert [e.action for e in events] == ["booked", "arrived", "completed", "undid completion", "undid arrival"]
    undo = events[3]
    assert (undo.actor, undo.from_status, undo.to_status) == (desk, "completed", "confirmed")
    assert undo.details["undid"] == events[2].pk


@pytest.mark.django_db
def test_a_status_change_cannot_be_undone_the_next_day(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    with at(client, desk, local(2026, 12, 1, 9, 10), tick=True):
        mark(client, appointment, "no-show")
    with at(client, desk, local(2026, 12, 2, 8, 0), tick=True):
        assert "Undo" not in detail(client, appointment)
        assert "nothing to undo" in mark(client, appointment, "undo")
    appointment.refresh_from_db()
    assert appointment.status == "no_show"


@pytest.mark.django_db
def test_undoing_a_no_show_whose_time_was_booked_again_is_refused(client, desk):
    practitioner = make_practitioner()
    missed, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, source="staff")
    with at(client, desk, local(2026, 12, 1, 9, 10), tick=True):
        mark(client, missed, "no-show")
        walk_in, _ = book(start=local(2026, 12, 1, 9, 15), practitioner=practitioner, source="staff",
                          now=local(2026, 12, 1, 9, 10))
        assert "booked for someone else since" in mark(client, missed, "undo")
    missed.refresh_from_db()
    assert missed.status == "no_show" and [e.action for e in missed.events.all()] == ["booked", "marked no-show"]


@pytest.mark.django_db
def test_practitioners_mark_and_undo_their_own_visits_but_nobody_elses(client, django_user_model, staff_roles):
    practitioner, colleague = make_practitioner(), make_practitioner()
    user = django_user_model.objects.create_user("maya", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Practitioner"))
    practitioner.user = user
    practitioner.save()
    own, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, source="staff")
    theirs, _ = book(start=local(2026, 12, 1, 9), practitioner=colleague, source="staff")
    with time_machine.travel(local(2026, 12, 1, 8, 50), tick=True):
        client.force_login(user)
        page = detail(client, own)
        assert "Mark arrived" in page and "Confirm</button>" not in page and "Cancel appointment" not in page
        assert "Arrived<span" in client.get("/staff/").content.decode()  # on their Today list too
        mark(client, own, "arrived")
        for action in ("arrived", "completed", "no-show", "undo"):
            assert client.post(f"/staff/appointments/{theirs.reference}/{action}/").status_code == 403
    with time_machine.travel(local(2026, 12, 1, 9, 40), tick=True):
        mark(client, own, "completed")
        assert "Undo: completed" in detail(client, own)
        mark(client, own, "undo")
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.status == "confirmed" and own.arrived_at is not None
    assert theirs.status == "confirmed" and theirs.arrived_at is None
    assert [e.actor_label for e in own.events.exclude(action="booked")] == ["maya"] * 3
    services.cancel_appointment(appointment=own, now=timezone.now(), actor=None, reason="Unwell")
    page = detail(client, own)  # nothing left to do: the Actions heading says so rather than stand empty
    assert "Nothing to mark: this visit is cancelled." in page and "Mark arrived" not in page


@pytest.mark.django_db
def test_a_new_time_email_dropped_while_the_visit_was_marked_is_sent_after_the_undo(client, desk, mailoutbox):
    """The patient must never be left with the old time: a queued "rescheduled" email that the sender dropped
    (the visit looked over) is queued again when the mark is undone, and then says the new time."""
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 2, 10), practitioner=practitioner, source="staff")
    with at(client, desk, local(2026, 12, 1, 8, 0), tick=True):
        client.post(f"/staff/appointments/{appointment.reference}/reschedule/",
                    {"start": iso(local(2026, 12, 1, 9)), "practitioner": practitioner.slug})
        moved = appointment.email_notices.get(kind="rescheduled")
        assert moved.sent_at is None  # queued; the mail server is slow today
    with at(client, desk, local(2026, 12, 1, 8, 40), tick=True):
        mark(client, appointment, "completed")  # the wrong patient's line, 20 minutes before the start
        assert emails.deliver(moved.pk, now=timezone.now()) is None
        moved.refresh_from_db()
        assert moved.last_error == emails.NOT_AHEAD and mailoutbox == []
        assert "not sent (the visit is no longer ahead)" in detail(client, appointment)  # not silent
        mark(client, appointment, "undo")
        again = appointment.email_notices.filter(kind="rescheduled", sent_at=None).get()
        emails.deliver(again.pk, now=timezone.now())
    [message] = mailoutbox
    assert "9:00" in message.body and "10:00" not in message.body
    assert appointment.email_notices.filter(kind="rescheduled").count() == 2


@pytest.mark.django_db
def test_a_mark_refused_days_ahead_leaves_a_pending_new_time_email_to_be_sent(client, desk, mailoutbox):
    practitioner = make_practitioner()
    appointment, _ = book(start=local(2026, 12, 2, 10), practitioner=practitioner, source="staff")
    client.post(f"/staff/appointments/{appointment.reference}/reschedule/",
                {"start": iso(local(2026, 12, 3, 9)), "practitioner": practitioner.slug})
    for what in ("arrived", "completed", "no-show"):
        mark(client, appointment, what)
    moved = appointment.email_notices.get(kind="rescheduled")
    emails.deliver(moved.pk, now=timezone.now())
    moved.refresh_from_db()
    assert moved.sent_at is not None and moved.last_error == "" and len(mailoutbox) == 1


# --- safety screening recorded after a phone booking (item 2) --------------------------------------------
def screening_post(**answers) -> dict:
    data = {f"s-{name}": "no" for name, _, _ in Screening.QUESTIONS}
    data.update({f"s-{name}": value for name, value in answers.items()})
    return data


@pytest.mark.django_db
def test_a_visit_booked_without_the_questions_says_not_asked_yet_until_the_answers_are_recorded(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    page = detail(client, appointment)
    assert "Safety screening: not asked yet — ask before needling" in page
    assert "No to every question" not in page and "Record the patient's answers" in page

    response = client.post(f"/staff/appointments/{appointment.reference}/screening/",
                           {**screening_post(blood_thinners="yes"), "s-details": "Warfarin"})
    assert response.status_code == 302
    screening = Screening.objects.get(appointment=appointment)
    assert screening.asked and screening.blood_thinners and not screening.pregnant
    assert screening.details == "Warfarin"
    event = appointment.events.get(action="recorded screening")
    assert event.actor == desk and event.details["yes"] == ["blood_thinners"]
    page = detail(client, appointment)
    assert "not asked yet" not in page
    assert "Yes: Do you take blood thinners, or do you have a bleeding disorder? (precaution)" in page


@pytest.mark.django_db
def test_screening_answers_need_every_question(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(), source="staff")
    data = screening_post(pregnant="yes")
    del data["s-fear_of_needles"]
    response = client.post(f"/staff/appointments/{appointment.reference}/screening/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in page and "Answer yes or no." in page
    assert not Screening.objects.get(appointment=appointment).asked
    assert not appointment.events.filter(action="recorded screening").exists()


@pytest.mark.django_db
def test_changing_recorded_answers_keeps_the_earlier_ones_in_the_history(client, desk):
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=make_practitioner(),
                          screening={"pregnant": False})
    assert Screening.objects.get(appointment=appointment).asked  # answered online with the request
    assert "Change the answers" in detail(client, appointment)
    client.post(f"/staff/appointments/{appointment.reference}/screening/", screening_post(pregnant="yes"))
    event = appointment.events.get(action="changed screening")
    assert (event.details["yes_before"], event.details["yes"]) == ([], ["pregnant"])
    assert Screening.objects.get(appointment=appointment).pregnant


# --- times people read are BC time (item 11) --------------------------------------------------------------
@pytest.mark.django_db
def test_the_history_shows_a_reschedule_in_bc_time_while_storing_utc(client, desk):
    practitioner = make_practitioner("Maya Chen")
    appointment, _ = book(start=local(2026, 12, 3, 10), practitioner=practitioner)
    client.post(f"/staff/appointments/{appointment.reference}/reschedule/",
                {"start": iso(local(2026, 12, 4, 9)), "practitioner": practitioner.slug})
    page = detail(client, appointment)
    assert ("from Thursday 3 December 2026 at 10:00 a.m. (<bdi>Maya Chen</bdi>) to "
            "Friday 4 December 2026 at 9:00 a.m. (<bdi>Maya Chen</bdi>)") in page
    assert "+00:00" not in page and "T17:00" not in page
    assert "times in BC time" in page
    event = appointment.events.get(action="rescheduled")
    assert event.details["old"]["start"] == "2026-12-03T17:00:00+00:00"  # stored as it was: ISO, UTC


@pytest.mark.django_db
def test_appointment_titles_in_the_admin_are_bc_time(client, django_user_model):
    appointment, _ = book(start=local(2026, 12, 3, 10), practitioner=make_practitioner())
    title = f"{appointment.reference} IMS initial assessment and treatment 2026-12-03 10:00 a.m. BC time"
    assert str(appointment) == title  # 17:00 UTC
    client.force_login(django_user_model.objects.create_superuser("boss", password="a-long-test-password"))
    page = client.get(f"/admin/booking/appointment/{appointment.pk}/change/").content.decode()
    assert title in page and "17:00" not in page
    assert title in client.get("/admin/booking/appointment/").content.decode()


# --- right-to-left names (item 12) ------------------------------------------------------------------------
@pytest.mark.django_db
def test_what_people_type_is_isolated_on_the_staff_pages(client, desk):
    """Names, notes, emails and reasons are wrapped in <bdi>: text in Arabic script then cannot pull the
    booking reference, a time or punctuation next to it into its own right-to-left order."""
    from tests.factories import make_patient

    practitioner = make_practitioner("Maya Chen")
    patient = make_patient(first_name="مريم", last_name="حداد", email="maryam@example.com", phone="+1 604 555 0100")
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient,
                          patient_note="ألم في الرقبة", insurance={"kind": "extended_health", "insurer": "شركة"})
    page = detail(client, appointment)
    heading = '<h1 class="h2"><bdi>مريم حداد</bdi> <span class="text-body-secondary fs-5">'
    assert heading + appointment.reference in page
    for isolated in ("<bdi>ألم في الرقبة</bdi>", "<bdi>maryam@example.com</bdi>", "<bdi>+1 604 555 0100</bdi>",
                     "<bdi>شركة</bdi>", "<bdi>Maya Chen</bdi>"):
        assert isolated in page, isolated
    today = client.get("/staff/").content.decode()
    assert "<bdi>مريم حداد</bdi></a>" in today and "“<bdi>ألم في الرقبة</bdi>”" in today
    assert "<bdi>Extended health: شركة (patient pays and claims)</bdi>" in today
    patient_page = client.get(f"/staff/patients/{patient.pk}/").content.decode()
    assert '<h1 class="h2"><bdi>مريم حداد</bdi></h1>' in patient_page
    listing = client.get("/staff/patients/").content.decode()
    assert "<bdi>حداد</bdi>, <bdi>مريم</bdi>" in listing


@pytest.mark.django_db
def test_a_warning_naming_a_patient_waits_in_the_session_not_in_a_cookie(client, desk):
    maya = make_practitioner("Maya Chen")
    book(start=local(2026, 12, 10, 10), practitioner=maya, patient=make_patient(last_name="Kowalczyk"),
         source=Appointment.Source.STAFF)
    response = client.post("/staff/schedules/time-off/", {
        "off-practitioner": maya.pk, "off-start_date": "2026-12-10", "off-end_date": "2026-12-10",
        "off-reason": "", "off-submission": "0b7e4c1e-9f62-4a8e-9d0e-3a4f1c2b5d6e"})
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert all("Kowalczyk" not in morsel.value for morsel in response.cookies.values())
    assert "Kowalczyk" in client.get(response["Location"]).content.decode()  # shown on the next page


@pytest.mark.django_db
def test_a_request_whose_time_has_passed_says_so_in_the_queue(client, desk):
    practitioner = make_practitioner()
    passed, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner)
    coming, _ = book(start=local(2026, 12, 2, 9), practitioner=practitioner)
    with at(client, desk, local(2026, 12, 1, 12)):
        page = client.get("/staff/").content.decode()
    items = {a.reference: page[page.index(a.reference):page.index("</li>", page.index(a.reference))]
             for a in (passed, coming)}
    assert "This time has passed." in items[passed.reference]
    assert "This time has passed." not in items[coming.reference]
