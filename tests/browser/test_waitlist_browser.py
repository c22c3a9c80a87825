"""The waitlist end to end in Chromium: a patient joins from a full week on a 390 px phone, the front
desk cancels a visit, the patient opens the offer email's link, claims the time and sees it sent.

axe-core must report nothing on the new pages (the join form, with errors too, the joined page, the
entry page, the offer's "taken" page and the staff waitlist), and neither the join form nor the staff
waitlist may scroll sideways at 320 px.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from booking.models import Appointment, Screening, TimeOff, WaitlistEntry, WaitlistOffer
from booking.waitlist import services as waitlist
from tests.browser.test_booking import no_sideways_scroll
from tests.factories import NOW, book, local, make_practitioner, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "front-desk-password-2026"
PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 700}
SHOTS = Path("/tmp/wl_shots")
WEDNESDAY_9, WEDNESDAY_10 = local(2026, 12, 2, 9), local(2026, 12, 2, 10)  # NOW is Monday 30 November, 8 a.m.


@pytest.fixture
def full_week(django_user_model, staff_roles):
    """Maya works Wednesday mornings, 9 to 11, both hours booked; from Thursday she is away past the
    booking horizon. So the schedule has no free time at all, this week or later."""
    with time_machine.travel(NOW, tick=True):
        make_service()
        maya = make_practitioner("Maya Chen", hours=((9, 11),), weekdays=[2])
        visits = [book(start=start, practitioner=maya, source="staff")[0] for start in (WEDNESDAY_9, WEDNESDAY_10)]
        TimeOff.objects.create(practitioner=maya, start=local(2026, 12, 3, 0), end=local(2027, 3, 31, 0),
                               reason="Parental leave")
        user = django_user_model.objects.create_user("sam", password=PASSWORD)
        user.groups.add(Group.objects.get(name="Front desk"))
        yield maya, visits


@pytest.fixture
def phone_and_desk(browser, live_server):
    """Two browsers: the patient's 390 px phone and the front desk's 1280 px screen."""
    contexts = [browser.new_context(viewport=size, base_url=live_server.url) for size in (PHONE_390, DESKTOP)]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.set_default_timeout(10_000)
    yield pages
    for context in contexts:
        context.close()


def at_320_no_sideways_scroll(page) -> bool:
    """The page narrowed to 320 px (no reload: that would send a form again), then put back."""
    before = page.viewport_size
    page.set_viewport_size(NARROW)
    fits = no_sideways_scroll(page)
    page.set_viewport_size(before)
    return fits


def link_in(message, kind: str) -> str:
    """The path of the entry or offer link in an email (its host is settings.SITE_URL, not the live server)."""
    return re.search(rf"https?://[^/\s]+(/book/waitlist/{kind}/[^/\s]+/)", message.body).group(1)


def mail_to(address: str, subject_part: str):
    [message] = [m for m in mail.outbox if m.to == [address] and subject_part in m.subject]
    return message


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_patient_joins_from_a_full_week_and_claims_the_time_the_desk_frees(phone_and_desk, axe, full_week):
    maya, (nine, _) = full_week
    patient, desk = phone_and_desk
    mail.outbox.clear()
    # Someone else joined earlier: they get an offer for the same time, and lose it to Noor.
    rival = waitlist.join(service=nine.service, practitioner=None, earliest=NOW.date(),
                          latest=NOW.date() + timedelta(days=20), weekdays=[2], parts_of_day=["morning"],
                          first_name="Rae", last_name="Early", email="rae@example.com")

    # --- the patient joins from the full week, at 390 px --------------------------------------------
    patient.goto(f"/book/ims-assessment/?who={maya.slug}")
    assert "There are no free times this week." in patient.inner_text("main")
    assert patient.locator(".time-list a").count() == 0
    patient.get_by_role("link", name="Tell me if an earlier time opens").click()
    patient.wait_for_url(f"**/book/waitlist/join/ims-assessment/?who={maya.slug}")
    assert patient.get_by_role("heading", level=1).inner_text() == "Join the waitlist"
    assert patient.get_by_role("radio", name="Maya Chen").is_checked()  # the practitioner of the schedule
    axe(patient)
    shot(patient, "join_390")
    assert at_320_no_sideways_scroll(patient), "the join form at 320 px"

    patient.fill("#id_first_name", "Noor")
    patient.fill("#id_last_name", "Haddad")
    patient.fill("#id_email", "noor@example.com")
    patient.fill("#id_phone", "604-555-0177")
    with patient.expect_navigation():
        patient.get_by_role("button", name="Join the waitlist").click()  # the consent box not ticked
    summary = patient.locator("#error-summary")
    assert summary.is_visible() and "tick the box to agree" in summary.inner_text()
    assert patient.title().startswith("Error: ")
    assert patient.input_value("#id_last_name") == "Haddad"  # what was typed stays
    assert not WaitlistEntry.objects.filter(email="noor@example.com").exists()
    axe(patient)
    assert at_320_no_sideways_scroll(patient), "the join form with errors at 320 px"

    patient.check("#id_consent")
    patient.get_by_role("button", name="Join the waitlist").click()
    patient.wait_for_url("**/book/waitlist/joined/")
    assert patient.get_by_role("heading", level=1).inner_text() == "You are on the waitlist"
    assert "noor@example.com" in patient.inner_text("main") and "Maya Chen" in patient.inner_text(".wish")
    axe(patient)
    entry = WaitlistEntry.objects.get(email="noor@example.com")
    assert (entry.status, entry.practitioner, entry.phone) == ("waiting", maya, "604-555-0177")

    # the private link in the "you are on the list" email
    patient.goto(link_in(mail_to("noor@example.com", "waitlist"), "entry"))
    assert patient.get_by_role("heading", level=1).inner_text() == "Your waitlist place"
    assert "You are on the waitlist." in patient.inner_text("main")
    assert patient.get_by_role("button", name="Leave the waitlist").is_visible()
    axe(patient)
    entry_link = patient.url

    # --- the front desk cancels the 9:00 visit, at 1280 px ------------------------------------------
    desk.goto(f"/staff/login/?next=/staff/appointments/{nine.reference}/")
    desk.fill("#id_username", "sam")
    desk.fill("#id_password", PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(f"**/staff/appointments/{nine.reference}/")
    assert not WaitlistOffer.objects.exists()
    desk.fill("#cancel-reason", "Patient is unwell")
    with desk.expect_navigation():
        desk.get_by_role("button", name="Cancel appointment").click()
    assert f"{nine.reference} cancelled." in desk.inner_text("main")
    nine.refresh_from_db()
    assert nine.status == Appointment.Status.CANCELLED
    offers = {o.entry.email: o for o in WaitlistOffer.objects.select_related("entry")}
    assert set(offers) == {"noor@example.com", "rae@example.com"}
    assert {o.start for o in offers.values()} == {WEDNESDAY_9}

    # --- the patient opens the offer email's link, at 390 px, and claims the time --------------------
    offer_email = mail_to("noor@example.com", "A time has opened")
    assert "Wednesday 2 December" in offer_email.subject
    patient.goto(link_in(offer_email, "offer"))
    patient.wait_for_url("**/book/ims-assessment/details/**")
    assert (patient.input_value("#id_p-first_name"), patient.input_value("#id_p-last_name")) == ("Noor", "Haddad")
    assert patient.input_value("#id_p-email") == "noor@example.com"
    assert patient.input_value("#id_p-phone") == "604-555-0177"
    assert "9:00" in patient.inner_text("main")
    patient.fill("#id_p-date_of_birth", "1984-02-29")
    patient.check('input[name="i-kind"][value="self_pay"]')
    for name, _, _ in Screening.QUESTIONS:
        patient.check(f'input[name="s-{name}"][value="no"]')
    patient.check("#id_p-consent")
    patient.get_by_role("button", name="Continue to review").click()
    patient.wait_for_url("**step=review**")
    assert patient.get_by_role("heading", name="Check your request").is_visible()
    assert not Appointment.objects.filter(patient__email="noor@example.com").exists()
    patient.get_by_role("button", name="Send request").click()
    patient.wait_for_url("**/book/requested/")
    assert patient.get_by_role("heading", level=1).inner_text() == "Request sent"
    booked = Appointment.objects.select_related("practitioner").get(patient__email="noor@example.com")
    assert booked.reference in patient.inner_text(".reference")
    assert (booked.start, booked.practitioner, booked.status) == (WEDNESDAY_9, maya, Appointment.Status.REQUESTED)
    entry.refresh_from_db()
    assert (entry.status, entry.booked) == ("booked", booked)
    assert WaitlistOffer.objects.get(entry=entry).claimed_at is not None

    patient.goto(entry_link)
    assert "You are no longer on the waitlist: you booked an offered time." in patient.inner_text("main")
    assert "(you booked it)" in patient.inner_text("main")

    # --- the rival's link now: the time has been taken, and they stay on the list --------------------
    patient.goto(link_in(mail_to("rae@example.com", "A time has opened"), "offer"))
    assert patient.get_by_role("heading", level=1).inner_text() == "That time has been taken"
    assert "You are still on the list" in patient.inner_text("main")
    assert patient.get_by_role("button", name="Leave the waitlist").is_visible()
    axe(patient)
    shot(patient, "offer_taken_390")
    rival.refresh_from_db()
    assert rival.status == "waiting"

    # --- the staff waitlist, at 1280 px ----------------------------------------------------------------
    desk.goto("/staff/waitlist/")
    assert desk.get_by_role("heading", level=1).inner_text() == "Waitlist"
    waiting = desk.get_by_role("region", name=re.compile("^Waiting"))
    assert "Rae Early" in waiting.inner_text() and "Noor Haddad" not in waiting.inner_text()
    ended = desk.get_by_role("region", name="Left the list in the last 14 days")
    assert "Noor Haddad" in ended.inner_text() and booked.reference in ended.inner_text()
    axe(desk)
    shot(desk, "staff_waitlist_1280")
    assert at_320_no_sideways_scroll(desk), "the staff waitlist at 320 px"


def test_an_offer_for_a_visit_the_desk_moved_earlier_meanwhile_says_so_on_a_phone(page, axe, staff_roles):
    """The patient joined from their visit's link to get an earlier time; before they open the offer, the
    desk moves the visit earlier by phone. The offer page says the visit is already earlier (axe, 320 px)."""
    from django.test import Client

    from booking import services

    with time_machine.travel(NOW, tick=True):
        maya = make_practitioner("Maya Chen")
        mine, token = book(start=local(2026, 12, 9, 10), practitioner=maya, source="staff")
        assert Client().post(f"/book/manage/{token}/waitlist/", {
            "practitioner": maya.slug, "earliest": "2026-11-30", "weekdays": ["1", "2"],
            "parts_of_day": ["morning"]}).status_code == 302
        theirs, _ = book(start=WEDNESDAY_10, practitioner=maya, source="staff")
        services.cancel_appointment(appointment=theirs, now=NOW)
        link = link_in(mail_to(mine.patient.email, "A time has opened"), "offer")
        services.reschedule_appointment(appointment=mine, new_start=local(2026, 12, 1, 10), now=NOW)
        page.set_viewport_size(PHONE_390)
        page.goto(link)
        assert "Your visit is already earlier" in page.inner_text("main")
        assert "Tuesday 1 December" in page.inner_text("main")
        axe(page)
        assert at_320_no_sideways_scroll(page)
        shot(page, "offer_not_earlier_390")
