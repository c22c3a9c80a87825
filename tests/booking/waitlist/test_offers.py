"""The waitlist through the front door: joining, freed time offered to exactly the first matching
entries (once), claiming through the ordinary details step, and the pages when an offer is gone."""

import re
from datetime import date, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from booking import services
from booking.models import Appointment, EmailNotice, FreedTime, TimeOff, WaitlistEntry, WaitlistOffer
from booking.staff.records import replace_weekly_hours
from booking.tasks import run_pass
from booking.waitlist import services as waitlist
from tests.factories import NOW, book, details_data, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db
WEDNESDAY_10 = local(2026, 12, 2, 10)  # NOW is Monday 30 November, 8 a.m.


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def maya():
    return make_practitioner("Maya Chen")


def wish(**overrides) -> dict:
    data = {"service": make_service(), "practitioner": None, "earliest": date(2026, 11, 30),
            "latest": date(2026, 12, 31), "weekdays": [0, 1, 2, 3, 4], "parts_of_day": ["morning"],
            "first_name": "Sam", "last_name": "Lee", "email": None, "phone": ""}
    data.update(overrides)
    return data


_n = iter(range(1, 10_000))


def join(**overrides) -> WaitlistEntry:
    data = wish(**overrides)
    data["email"] = data["email"] or f"waiting{next(_n)}@example.com"
    return waitlist.join(**data)


def offer_link(message) -> str:
    return re.search(r"http://[^\s]+/book/waitlist/offer/([^/\s]+)/", message.body).group(0).split("testserver")[-1]


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def offers_mail(mailoutbox):
    return [m for m in mailoutbox if "A time has opened" in m.subject]


def test_a_patient_joins_from_the_schedule_and_gets_a_private_link(client, maya, mailoutbox,
                                                                  django_capture_on_commit_callbacks):
    html = client.get("/book/ims-assessment/?who=any").content.decode()
    assert "/book/waitlist/join/ims-assessment/" in html
    form = {"practitioner": maya.slug, "earliest": "2026-11-30", "latest": "2026-12-20", "weekdays": ["1", "3"],
            "parts_of_day": ["morning", "evening"], "first_name": "Ana", "last_name": "Díaz",
            "email": "ana@example.com", "phone": "604-555-0142", "consent": "on", "website": ""}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/book/waitlist/join/ims-assessment/", form)
    assert response.status_code == 302 and response["Location"] == "/book/waitlist/joined/"
    entry = WaitlistEntry.objects.get()
    assert (entry.practitioner, entry.weekdays, entry.parts_of_day) == (maya, [1, 3], ["morning", "evening"])
    assert "ana@example.com" in client.get("/book/waitlist/joined/").content.decode()
    [message] = mailoutbox
    link = re.search(r"/book/waitlist/entry/[^/\s]+/", message.body).group(0)
    token = link.split("/")[-2]
    assert len(token) >= 43 and token not in entry.token_hash  # only the hash is stored
    page = client.get(link).content.decode()
    assert "You are on the waitlist" in page and "Tuesday, Thursday" in page
    client.post(link + "leave/")
    entry.refresh_from_db()
    assert entry.status == "left" and entry.ended_by == "patient"
    assert "no longer on the waitlist" in client.get(link).content.decode()


def test_the_join_form_sent_twice_joins_once_and_both_land_on_the_same_entry(client, maya, mailoutbox,
                                                                           django_capture_on_commit_callbacks):
    page = client.get("/book/waitlist/join/ims-assessment/").content.decode()
    key = re.search(r'name="submission" value="([0-9a-f-]{36})"', page).group(1)
    form = {"practitioner": "any", "earliest": "2026-11-30", "latest": "2026-12-20", "weekdays": ["1"],
            "parts_of_day": ["morning"], "first_name": "Ana", "last_name": "Díaz", "email": "ana@example.com",
            "consent": "on", "website": "", "submission": key}
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            response = client.post("/book/waitlist/join/ims-assessment/", form)
            assert response.status_code == 302 and response["Location"] == "/book/waitlist/joined/"
    entry = WaitlistEntry.objects.get()
    assert len(mailoutbox) == 1 and "ana@example.com" in client.get("/book/waitlist/joined/").content.decode()
    assert mailoutbox[0].subject == "You are on our waitlist"  # a subject seen on a lock screen names no treatment
    assert client.session["waitlist_joined"] == entry.pk
    fresh = client.get("/book/waitlist/join/ims-assessment/").content.decode()
    assert key not in fresh  # a new form, a new key: joining again with other wishes is another entry
    client.post("/book/waitlist/join/ims-assessment/",
                {**form, "parts_of_day": ["evening"],
                 "submission": re.search(r'name="submission" value="([0-9a-f-]{36})"', fresh).group(1)})
    assert WaitlistEntry.objects.count() == 2


@pytest.mark.parametrize("change", [
    {"consent": ""}, {"weekdays": []}, {"parts_of_day": []}, {"earliest": "2026-11-01"},
    {"latest": "2026-11-29"}, {"earliest": "2026-12-10", "latest": "2026-12-05"}, {"email": "not-an-email"},
    {"phone": "12"}, {"practitioner": "nobody"}, {"weekdays": ["9"]}, {"earliest": "9999-99-99"},
])
def test_a_join_form_with_a_mistake_says_what_and_keeps_what_was_typed(client, maya, change):
    form = {"practitioner": "any", "earliest": "2026-11-30", "latest": "2026-12-20", "weekdays": ["1"],
            "parts_of_day": ["morning"], "first_name": "Ana", "last_name": "Zyxwvut", "email": "ana@example.com",
            "phone": "", "consent": "on", "website": "", **change}
    response = client.post("/book/waitlist/join/ims-assessment/", form)
    assert response.status_code == 200  # the form again, with its errors (as the patient pages answer)
    html = response.content.decode()
    assert "There is a problem" in html or "There are problems" in html
    assert 'value="Zyxwvut"' in html  # nothing typed is lost
    assert not WaitlistEntry.objects.exists()


def test_the_honeypot_refuses_a_bot(client, maya):
    form = {"practitioner": "any", "earliest": "2026-11-30", "latest": "2026-12-20", "weekdays": ["1"],
            "parts_of_day": ["morning"], "first_name": "Bot", "last_name": "Bot", "email": "bot@example.com",
            "consent": "on", "website": "http://spam.example"}
    response = client.post("/book/waitlist/join/ims-assessment/", form)
    assert response.status_code == 200 and "Please leave this field empty" in response.content.decode()
    assert not WaitlistEntry.objects.exists()


def test_a_cancellation_offers_the_time_to_exactly_the_first_three_matching_entries_once(
        maya, mailoutbox, django_capture_on_commit_callbacks):
    other = make_practitioner("Other Person")
    appointment, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    not_matching = [
        join(weekdays=[0, 1, 3, 4]),                                 # not a Wednesday
        join(parts_of_day=["afternoon", "evening"]),                 # not the morning
        join(practitioner=other),                                    # someone else
        join(earliest=date(2026, 12, 3)),                            # not yet
        join(latest=date(2026, 12, 1)),                              # too late
        join(service=make_service("ims-follow-up")),                 # another visit type (Maya doesn't offer it)
    ]
    matching = [join(practitioner=maya if i % 2 else None) for i in range(5)]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, now=NOW, reason="sick")
    offers = list(WaitlistOffer.objects.order_by("entry__created_at"))
    assert [o.entry for o in offers] == matching[:3]
    assert {(o.start, o.practitioner) for o in offers} == {(WEDNESDAY_10, maya)}
    assert {m.to[0] for m in offers_mail(mailoutbox)} == {e.email for e in matching[:3]}
    assert not any(e.offers.exists() for e in not_matching)
    # the same freed time is never offered twice: the task again, the catch-up pass later
    freed = FreedTime.objects.get()
    assert freed.offered_at is not None and freed.reason == "cancelled"
    assert waitlist.offer_freed(freed.pk, now=NOW) == 0
    with time_machine.travel(NOW + timedelta(minutes=30), tick=False), django_capture_on_commit_callbacks(execute=True):
        run_pass(timezone.now())
    assert WaitlistOffer.objects.count() == 3 and len(offers_mail(mailoutbox)) == 3


def test_a_patient_with_an_open_offer_is_not_sent_another_until_it_ends(maya, settings,
                                                                      django_capture_on_commit_callbacks):
    settings.WAITLIST_OFFER_COUNT = 1
    first, second = join(), join()
    one, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    two, _ = book(start=local(2026, 12, 3, 10), practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=one, now=NOW)
        services.cancel_appointment(appointment=two, now=NOW)
    assert [o.start for o in first.offers.all()] == [WEDNESDAY_10]
    assert [o.start for o in second.offers.all()] == [local(2026, 12, 3, 10)]
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):  # both offers have ended
        assert waitlist.offer_by_hand(practitioner=maya, start=WEDNESDAY_10, end=WEDNESDAY_10 + timedelta(hours=1),
                                      now=timezone.now()) == 1
    assert first.offers.count() == 1 and second.offers.count() == 2  # the same time goes to the next person


def test_an_offer_expires_by_its_deadline_and_never_past_the_minimum_notice(maya, settings,
                                                                           django_capture_on_commit_callbacks):
    settings.WAITLIST_OFFER_HOURS = 2
    entry = join(parts_of_day=["morning", "afternoon"])
    appointment, _ = book(start=local(2026, 12, 1, 9), practitioner=maya, source="staff")  # 25 hours ahead
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, now=NOW)
    [offer] = entry.offers.all()
    assert offer.expires_at == NOW + timedelta(hours=2)
    # Monday 4 p.m. is too soon to book online at 8 a.m. (12 hours' notice): nothing to offer. At
    # 3:30 a.m. it is 12.5 hours ahead: the offer ends at 4:00 a.m., when online booking closes.
    evening = local(2026, 11, 30, 16)
    assert waitlist.offer_by_hand(practitioner=maya, start=evening, end=evening + timedelta(minutes=30),
                                  now=NOW) == 0
    early = local(2026, 11, 30, 3, 30)
    other = join(parts_of_day=["afternoon"])  # (the first entry's offer is still open: one at a time)
    assert waitlist.offer_by_hand(practitioner=maya, start=evening, end=evening + timedelta(minutes=30),
                                  now=early) == 1
    late = other.offers.get(start=evening)
    assert late.expires_at == evening - timedelta(hours=12)


def test_the_claim_link_opens_the_details_step_filled_in_and_booking_it_takes_the_patient_off_the_list(
        client, maya, mailoutbox, django_capture_on_commit_callbacks):
    entry = join(first_name="Noor", last_name="Haddad", email="noor@example.com", phone="604-555-0177")
    appointment, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, now=NOW)
    [message] = offers_mail(mailoutbox)
    assert "Wednesday 2 December" in message.subject and "10:00 a.m." in message.body
    link = path_of(re.search(r"http://\S+/book/waitlist/offer/\S+/", message.body).group(0))
    response = client.get(link)
    assert response.status_code == 302 and "/book/ims-assessment/details/" in response["Location"]
    html = client.get(response["Location"]).content.decode()
    assert 'value="Noor"' in html and 'value="noor@example.com"' in html and 'value="604-555-0177"' in html
    assert "There is a problem" not in html and "invalid-feedback" not in html  # nothing typed yet: no errors
    data = details_data(WEDNESDAY_10, who=maya.slug, action="confirm", **{
        "p-first_name": "Noor", "p-last_name": "Haddad", "p-email": "noor@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/book/ims-assessment/details/", data)
    assert response["Location"] == "/book/requested/"
    booked = Appointment.objects.get(patient__email="noor@example.com")
    entry.refresh_from_db()
    assert (entry.status, entry.booked) == ("booked", booked)
    assert entry.offers.get().claimed_at is not None
    assert "You booked this time" in client.get(link).content.decode()


def test_an_offer_past_its_deadline_or_for_a_taken_time_shows_the_taken_page(client, maya, mailoutbox,
                                                                            django_capture_on_commit_callbacks):
    first, second = join(), join()
    appointment, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, now=NOW)
    links = {m.to[0]: path_of(re.search(r"http://\S+/book/waitlist/offer/\S+/", m.body).group(0))
             for m in offers_mail(mailoutbox)}
    book(start=WEDNESDAY_10, practitioner=maya, patient=make_patient())  # someone was quicker
    response = client.get(links[first.email])
    assert response.status_code == 200
    html = response.content.decode()
    assert "That time has been taken" in html and "You are still on the list" in html
    assert "/book/ims-assessment/details/" in html  # the next free times
    Appointment.objects.filter(start=WEDNESDAY_10).update(status="cancelled")
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):  # past the two-hour deadline
        html = client.get(links[second.email]).content.decode()
    assert "That time has been taken" in html
    assert WaitlistEntry.objects.filter(status="waiting").count() == 2
    assert client.get("/book/waitlist/offer/not-a-real-token/").status_code == 404


def test_losing_the_race_in_the_details_step_says_the_patient_is_still_on_the_list(
        client, maya, mailoutbox, django_capture_on_commit_callbacks):
    entry = join()
    appointment, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, now=NOW)
    [message] = offers_mail(mailoutbox)
    client.get(path_of(re.search(r"http://\S+/book/waitlist/offer/\S+/", message.body).group(0)))
    book(start=WEDNESDAY_10, practitioner=maya, patient=make_patient())
    response = client.post("/book/ims-assessment/details/", details_data(WEDNESDAY_10, who=maya.slug,
                                                                          action="confirm"))
    html = client.get(response["Location"]).content.decode()
    assert "no longer free" in html and "You are still on the waitlist" in html
    entry.refresh_from_db()
    assert entry.status == "waiting"


def test_a_patient_with_a_visit_joins_from_the_manage_link_and_the_offer_moves_their_visit(
        client, maya, mailoutbox, django_capture_on_commit_callbacks):
    mine, token = book(start=local(2026, 12, 9, 10), practitioner=maya, source="staff")
    assert "Tell me if an earlier time opens" in client.get(f"/book/manage/{token}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/book/manage/{token}/waitlist/", {
            "practitioner": maya.slug, "earliest": "2026-11-30", "weekdays": ["2"], "parts_of_day": ["morning"]})
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.appointment == mine and entry.latest == date(2026, 12, 9) and entry.email == mine.patient.email
    theirs, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    later, _ = book(start=local(2026, 12, 16, 10), practitioner=maya, source="staff")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=later, now=NOW)  # later than my visit: not offered to me
    assert not entry.offers.exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=theirs, now=NOW)
    [message] = offers_mail(mailoutbox)
    assert "Move my visit" in message.alternatives[0][0]
    link = path_of(re.search(r"http://\S+/book/waitlist/offer/\S+/", message.body).group(0))
    assert "Move your visit to an earlier time?" in client.get(link).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link, {"action": "move"})
    mine.refresh_from_db()
    entry.refresh_from_db()
    assert mine.start == WEDNESDAY_10 and mine.status == "confirmed"
    assert entry.status == "booked" and Appointment.objects.filter(patient=mine.patient).count() == 1
    assert "You booked this time" in client.get(link).content.decode()


def test_an_offer_to_move_earlier_never_moves_a_visit_the_desk_has_moved_earlier_since(
        client, maya, mailoutbox, django_capture_on_commit_callbacks):
    mine, token = book(start=local(2026, 12, 9, 10), practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/book/manage/{token}/waitlist/", {
            "practitioner": maya.slug, "earliest": "2026-11-30", "weekdays": ["1", "2"], "parts_of_day": ["morning"]})
    theirs, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=theirs, now=NOW)  # Wednesday 10:00 is offered to me
    [message] = offers_mail(mailoutbox)
    link = path_of(re.search(r"http://\S+/book/waitlist/offer/\S+/", message.body).group(0))
    offer = WaitlistOffer.objects.get()
    with django_capture_on_commit_callbacks(execute=True):  # the desk moves my visit to Tuesday by phone
        services.reschedule_appointment(appointment=mine, new_start=local(2026, 12, 1, 10), now=NOW)
    html = client.get(link).content.decode()
    assert "Your visit is already earlier" in html and "Move your visit to an earlier time?" not in html
    was_open_until = offer.expires_at
    offer.refresh_from_db()
    # closed (a microsecond after it was made, on this frozen clock): the list may offer another time
    assert offer.expires_at < was_open_until and not offer.is_open(NOW + timedelta(milliseconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link, {"action": "move"}).status_code == 302
    mine.refresh_from_db()
    assert mine.start == local(2026, 12, 1, 10)
    assert WaitlistEntry.objects.get().status == "waiting"  # still on the list, for an even earlier time
    with pytest.raises(waitlist.NotEarlier):  # checked again on the locked visit, past the page's check
        waitlist.move_to_offer(offer, now=NOW)
    mine.refresh_from_db()
    assert mine.start == local(2026, 12, 1, 10)


@pytest.mark.parametrize("then", ["moved into the offered time", "cancelled"])
def test_an_offer_whose_visit_took_that_time_or_was_cancelled_says_so(
        client, maya, mailoutbox, django_capture_on_commit_callbacks, then):
    mine, token = book(start=local(2026, 12, 9, 10), practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/book/manage/{token}/waitlist/", {
            "practitioner": maya.slug, "earliest": "2026-11-30", "weekdays": ["2"], "parts_of_day": ["morning"]})
    theirs, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=theirs, now=NOW)
    [message] = offers_mail(mailoutbox)
    link = path_of(re.search(r"http://\S+/book/waitlist/offer/\S+/", message.body).group(0))
    with django_capture_on_commit_callbacks(execute=True):
        if then == "cancelled":
            services.cancel_appointment(appointment=mine, now=NOW)
        else:
            services.reschedule_appointment(appointment=mine, new_start=WEDNESDAY_10, now=NOW)
    response = client.get(link)
    html = response.content.decode()
    if then == "cancelled":
        assert response.status_code == 410 and "no longer on the waitlist" in html
    else:
        assert "Your visit is already at this time" in html and "before this offer" not in html


def test_time_off_removed_and_hours_added_are_offered_but_a_no_show_is_not(
        maya, mailoutbox, django_capture_on_commit_callbacks):
    entry = join(weekdays=[5], parts_of_day=["morning"])  # Saturdays, when Maya does not work
    off = TimeOff.objects.create(practitioner=maya, start=local(2026, 12, 2, 9), end=local(2026, 12, 2, 12))
    wednesday = join(weekdays=[2], parts_of_day=["morning"])
    with django_capture_on_commit_callbacks(execute=True):
        off.delete()
    assert [o.start for o in wednesday.offers.all()] == [local(2026, 12, 2, 9)]
    assert not entry.offers.exists()
    with django_capture_on_commit_callbacks(execute=True):
        replace_weekly_hours(practitioner=maya, effective_from=date(2026, 12, 1),
                             days={d: [(time(9), time(12))] for d in (0, 1, 2, 3, 4, 5)})
    assert entry.offers.get().start == local(2026, 12, 5, 9)
    count = WaitlistOffer.objects.count()
    visit, _ = book(start=local(2026, 11, 30, 21, 0) - timedelta(hours=8), practitioner=maya, source="staff",
                    allow_outside_hours=True)
    with time_machine.travel(visit.start + timedelta(minutes=5), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        services.mark_attendance(appointment=visit, status="no_show", actor=None, now=timezone.now())
    assert WaitlistOffer.objects.count() == count and FreedTime.objects.count() == 2


def test_entries_past_their_latest_date_leave_the_list(maya):
    entry = join(latest=date(2026, 12, 1))
    with time_machine.travel(local(2026, 12, 2, 8), tick=False):
        run_pass(timezone.now())
    entry.refresh_from_db()
    assert entry.status == "expired" and entry.ended_by == "system"


def test_freed_time_once_over_is_deleted_by_the_pass_and_its_offers_are_kept(
        maya, django_capture_on_commit_callbacks):
    join()
    early, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    later, _ = book(start=local(2026, 12, 3, 10), practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=early, now=NOW)
        services.cancel_appointment(appointment=later, now=NOW)
    offer = WaitlistOffer.objects.get(start=WEDNESDAY_10)
    with time_machine.travel(local(2026, 12, 2, 12), tick=False):  # Wednesday's time is over, Thursday's ahead
        run_pass(timezone.now())
    assert list(FreedTime.objects.values_list("start", flat=True)) == [local(2026, 12, 3, 10)]
    offer.refresh_from_db()
    assert offer.freed is None and offer.start == WEDNESDAY_10 and offer.practitioner == maya


# --- the front desk -------------------------------------------------------------------------------
@pytest.fixture
def desk(client, django_user_model, staff_roles):
    user = django_user_model.objects.create_user("frontdesk1", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Front desk"))
    client.force_login(user)
    return user


def test_the_front_desk_sees_the_list_removes_an_entry_and_offers_a_time_by_hand(
        client, desk, maya, mailoutbox, django_capture_on_commit_callbacks):
    keep, drop = join(first_name="Keep", last_name="Waiting"), join(first_name="Drop", last_name="Off")
    html = client.get("/staff/waitlist/").content.decode()
    assert "Keep Waiting" in html and "Drop Off" in html and keep.email in html
    client.post(f"/staff/waitlist/{drop.pk}/remove/")
    drop.refresh_from_db()
    assert drop.status == "removed" and drop.ended_by == "frontdesk1"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/waitlist/offer/", {
            "offer-practitioner": maya.pk, "offer-date": "2026-12-02", "offer-start_time": "10:00",
            "offer-end_time": "11:00", "next": "/staff/day/?date=2026-12-02"})
    assert response.status_code == 302 and response["Location"] == "/staff/day/?date=2026-12-02"
    assert [o.entry for o in WaitlistOffer.objects.all()] == [keep]
    assert len(offers_mail(mailoutbox)) == 1
    html = client.get("/staff/waitlist/").content.decode()
    assert "open until" in html
    # a mistake keeps what was typed, on the waitlist page
    response = client.post("/staff/waitlist/offer/", {
        "offer-practitioner": maya.pk, "offer-date": "2026-12-02", "offer-start_time": "11:00",
        "offer-end_time": "10:00", "next": "/staff/day/"})
    assert response.status_code == 400 and 'value="11:00"' in response.content.decode()


@pytest.mark.parametrize("back", ["a b", "staff:day", "https://elsewhere.example/", "//elsewhere.example/", ""])
def test_an_offer_by_hand_goes_back_only_to_a_page_of_this_site(client, desk, maya, back):
    """Found by the hostile-input walker: "a b" was taken for a view's name (a 500)."""
    response = client.post("/staff/waitlist/offer/", {
        "offer-practitioner": maya.pk, "offer-date": "2026-12-02", "offer-start_time": "10:00",
        "offer-end_time": "11:00", "next": back})
    assert response.status_code == 302 and response["Location"] == "/staff/waitlist/#waiting"


def test_a_practitioner_sees_only_the_entries_that_ask_for_them(client, django_user_model, staff_roles, maya):
    other = make_practitioner("Other Person")
    user = django_user_model.objects.create_user("maya", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Practitioner"))
    maya.user = user
    maya.save()
    client.force_login(user)
    join(first_name="Mine", last_name="Only", practitioner=maya)
    join(first_name="Theirs", last_name="Only", practitioner=other)
    join(first_name="Anyone", last_name="Atall")
    html = client.get("/staff/waitlist/").content.decode()
    assert "Mine Only" in html and "Theirs Only" not in html and "Anyone Atall" not in html
    theirs = WaitlistEntry.objects.get(first_name="Theirs")
    assert client.post(f"/staff/waitlist/{theirs.pk}/remove/").status_code == 403


def test_waitlist_emails_never_leave_a_token_or_address_in_the_logs(maya, caplog, django_capture_on_commit_callbacks):
    caplog.set_level("DEBUG")
    entry = join(email="private.person@example.com")
    appointment, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_appointment(appointment=appointment, now=NOW)
    assert entry.offers.exists()
    assert "private.person" not in caplog.text and "Sam" not in caplog.text
    assert EmailNotice.objects.filter(waitlist_entry=entry).count() == 2


def test_a_name_of_control_characters_only_is_refused_not_stored_blank(client, maya):
    form = {"practitioner": "any", "earliest": "2026-11-30", "latest": "2026-12-20", "weekdays": ["1"],
            "parts_of_day": ["morning"], "first_name": "\x01", "last_name": "\x7f", "email": "ana@example.com",
            "phone": "", "consent": "on", "website": ""}
    response = client.post("/book/waitlist/join/ims-assessment/", form)
    assert response.status_code == 200 and "First name: This field is required" in response.content.decode()
    assert not WaitlistEntry.objects.exists()
