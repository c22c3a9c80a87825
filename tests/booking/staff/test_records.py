"""Staff records through the front door: phone bookings, patients, schedules, weekly hours, export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.test import Client

from booking import schedules, services
from booking.models import Appointment, ClinicClosure, InsuranceNote, Patient, Screening, TimeOff, WorkingHours
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db

NEW = "/staff/appointments/new/"
PATIENTS = "/staff/patients/"
SCHEDULES = "/staff/schedules/"
TIME_OFF = "/staff/schedules/time-off/"
CLOSURES = "/staff/schedules/closures/"
EXPORT = "/staff/export/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:  # Monday 30 Nov 2026, 08:00 in BC
        yield traveller


def staff_user(role: str, name: str | None = None, practitioner=None) -> User:
    user = User.objects.create_user(username=name or role.lower().replace(" ", "-"), password="not-used-here")
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    return user


@pytest.fixture
def front_desk(client):
    user = staff_user("Front desk")
    client.force_login(user)
    return user


@pytest.fixture
def clinic_admin(client):
    user = staff_user("Clinic admin")
    client.force_login(user)
    return user


@pytest.fixture
def practitioner():
    return make_practitioner("Maya Chen")  # Mon-Fri 09:00-12:00 and 13:00-17:00


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def booking_data(who, **overrides) -> dict:
    data = {"service": make_service().pk, "practitioner": who.pk, "day": "2026-12-03",
            "kind": "self_pay", "claim_number": "", "patient_note": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def new_patient_data(**overrides) -> dict:
    data = {"first_name": "Alex", "last_name": "Rivera", "email": "alex.rivera@example.com",
            "phone": "604-555-0199", "date_of_birth": "1984-02-29", "phn": ""}
    data.update(overrides)
    return data


def slot_starts(practitioner, day: date) -> list[datetime]:
    return [s.start for s in schedules.available_slots(service=make_service(), practitioner=practitioner, first=day,
                                                      last=day, now=NOW, rules=schedules.staff_rules())]


# --- 1. phone bookings ------------------------------------------------------------------------
def test_the_new_appointment_page_lists_the_days_free_times(client, front_desk, practitioner):
    patient = make_patient()
    response = client.get(NEW, {"patient": patient.pk, "service": make_service().pk,
                                "practitioner": practitioner.pk, "day": "2026-12-03"})
    page = response.content.decode()
    assert response.status_code == 200
    assert patient.full_name in page
    assert f'value="{iso(local(2026, 12, 3, 9))}"' in page  # a button per free time
    assert f'value="{iso(local(2026, 12, 3, 12))}"' not in page  # lunch
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("claim", ["ß" * 40, "ﬀ" * 21])  # 40 typed, 80 and 42 once in capitals
def test_a_claim_number_that_grows_in_capitals_is_refused_with_a_message(client, front_desk, practitioner, claim):
    patient = make_patient()
    response = client.post(NEW, {"patient": patient.pk, **booking_data(practitioner, kind="icbc", claim_number=claim),
                                 "start": iso(local(2026, 12, 3, 9))})
    html = response.content.decode()
    assert response.status_code == 400 and "A claim number has at most 40 characters" in html
    assert not Appointment.objects.exists() and claim in html  # what was typed is still there


def test_phone_booking_for_an_existing_patient_is_confirmed_with_history(client, front_desk, practitioner):
    patient = make_patient()
    start = local(2026, 12, 3, 9)
    response = client.post(NEW, {"patient": patient.pk, **booking_data(practitioner, kind="icbc",
                                                                        claim_number="ab-1234"), "start": iso(start)})
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/appointments/{appointment.reference}/"
    assert (appointment.patient, appointment.practitioner, appointment.start) == (patient, practitioner, start)
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.source == Appointment.Source.STAFF
    assert not appointment.outside_hours
    assert (appointment.insurance.kind, appointment.insurance.claim_number) == ("icbc", "AB-1234")
    event = appointment.events.get()
    assert (event.action, event.actor, event.actor_label) == ("booked", front_desk, front_desk.username)
    assert appointment.email_notices.filter(kind="confirmed").exists()
    followed = client.get(response["Location"])
    assert "booked and confirmed" in followed.content.decode()


def test_phone_booking_for_a_new_patient_creates_the_patient_and_the_appointment(client, front_desk, practitioner):
    start = local(2026, 12, 3, 13, 30)
    response = client.post(NEW, {**new_patient_data(phn="9123 456 789"), **booking_data(practitioner),
                                 "start": iso(start)})
    assert response.status_code == 302
    patient = Patient.objects.get()
    assert (patient.full_name, patient.email, patient.phn) == ("Alex Rivera", "alex.rivera@example.com", "9123456789")
    appointment = patient.appointments.get()
    assert appointment.status == "confirmed" and appointment.source == "staff" and appointment.start == start
    assert appointment.contact_phone == "604-555-0199"
    assert appointment.events.get().actor == front_desk


def test_a_new_patient_with_an_existing_email_is_refused_and_linked(client, front_desk, practitioner):
    existing = make_patient(email="alex.rivera@example.com")
    response = client.post(NEW, {**new_patient_data(email="Alex.Rivera@EXAMPLE.com"), **booking_data(practitioner),
                                 "start": iso(local(2026, 12, 3, 9))})
    page = response.content.decode()
    assert response.status_code == 400
    assert "A patient with this email already exists" in page
    assert f'href="?patient={existing.pk}"' in page
    assert Patient.objects.count() == 1 and not Appointment.objects.exists()


def test_bad_new_patient_details_are_shown_next_to_the_fields_and_nothing_is_lost(client, front_desk, practitioner):
    response = client.post(NEW, {**new_patient_data(phone="12", date_of_birth="2090-01-01"),
                                 **booking_data(practitioner, patient_note="Left shoulder, 3 weeks"),
                                 "start": iso(local(2026, 12, 3, 9))})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'id="error-summary"' in page and 'href="#id_phone"' in page and 'href="#id_date_of_birth"' in page
    assert "Enter a phone number with area code" in page
    assert "The date of birth cannot be in the future" in page
    assert 'value="Alex"' in page and 'value="alex.rivera@example.com"' in page
    assert "Left shoulder, 3 weeks" in page
    assert not Patient.objects.exists() and not Appointment.objects.exists()


def test_a_taken_time_reshows_the_form_with_the_message_and_kept_values(client, front_desk, practitioner):
    start = local(2026, 12, 3, 9)
    book(start=start, practitioner=practitioner)  # someone booked it a moment ago
    response = client.post(NEW, {**new_patient_data(), **booking_data(practitioner, kind="worksafebc",
                                                                      claim_number="W-77"), "start": iso(start)})
    page = response.content.decode()
    assert response.status_code == 409
    assert "that time was just taken" in page
    assert 'value="Alex"' in page and 'value="W-77"' in page
    assert '<option value="worksafebc" selected>' in page
    # the new patient was rolled back with the refused booking; the time is no longer offered
    assert not Patient.objects.filter(email="alex.rivera@example.com").exists()
    assert f'value="{iso(start)}"' not in page and f'value="{iso(local(2026, 12, 3, 10))}"' in page


def test_a_time_outside_working_hours_needs_the_override(client, front_desk, practitioner):
    patient = make_patient()
    data = {"patient": patient.pk, **booking_data(practitioner), "action": "manual",
            "manual_date": "2026-12-03", "manual_time": "18:00"}
    refused = client.post(NEW, data)
    assert refused.status_code == 409
    assert "Tick “Book outside working hours”" in refused.content.decode()
    assert 'value="18:00"' in refused.content.decode()
    assert not Appointment.objects.exists()

    accepted = client.post(NEW, {**data, "override": "on"})
    assert accepted.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.start == datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # 18:00 BC time = 01:00 UTC next day
    assert appointment.outside_hours and appointment.status == "confirmed"


def test_the_override_never_books_over_another_appointment(client, front_desk, practitioner):
    book(start=local(2026, 12, 3, 18), practitioner=practitioner, source="staff", allow_outside_hours=True)
    response = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner), "action": "manual",
                                 "manual_date": "2026-12-03", "manual_time": "18:30", "override": "on"})
    assert response.status_code == 409
    assert "overlaps another appointment" in response.content.decode()
    assert Appointment.objects.count() == 1


def test_a_manual_time_within_free_hours_books_without_the_override(client, front_desk, practitioner):
    response = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner), "action": "manual",
                                 "manual_date": "2026-12-03", "manual_time": "10:00"})
    assert response.status_code == 302
    assert not Appointment.objects.get().outside_hours


@pytest.mark.parametrize(("fields", "message"), [
    ({"manual_date": "", "manual_time": ""}, "Enter the date of the appointment"),
    ({"manual_date": "2026-12-03", "manual_time": "18:07"}, "5-minute mark"),
    ({"manual_date": "2026-11-29", "manual_time": "10:00"}, "already passed"),
    ({"manual_date": "not a date", "manual_time": "25:99"}, "Enter a valid date"),
])
def test_a_bad_manual_time_is_explained(client, front_desk, practitioner, fields, message):
    response = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner), "action": "manual",
                                 "override": "on", **fields})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_the_practitioner_is_required_and_must_offer_the_service(client, front_desk, practitioner):
    other = make_practitioner("Sam Other", services_=[make_service("massage")])
    start = iso(local(2026, 12, 3, 9))
    missing = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner, practitioner=""),
                                "start": start})
    assert missing.status_code == 400 and "Choose the practitioner." in missing.content.decode()
    wrong = client.post(NEW, {"patient": make_patient().pk, **booking_data(other), "start": start,
                              "action": "manual", "manual_date": "2026-12-03", "manual_time": "09:00",
                              "override": "on"})
    assert wrong.status_code == 400 and "Sam Other does not offer" in wrong.content.decode()
    assert not Appointment.objects.exists()


def test_showing_free_times_keeps_what_was_typed_without_complaining(client, front_desk, practitioner):
    response = client.post(NEW, {**new_patient_data(email="", phone=""), **booking_data(practitioner),
                                 "goto": "2026-12-04"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="error-summary"' not in page
    assert 'value="Alex"' in page and 'value="2026-12-04"' in page
    assert f'value="{iso(local(2026, 12, 4, 9))}"' in page and not Patient.objects.exists()


# (a NUL anywhere in the address is refused site-wide by clinic.middleware before any view runs)
@pytest.mark.parametrize("query", ["patient=abc", "patient=999999", "day=2026-13-45&service=x&practitioner=-1",
                                   "q=%01%02", "q=" + "x" * 5000, "day=" + "9" * 50, "patient=%C2%B2"])
def test_hostile_query_strings_never_break_the_page(client, front_desk, practitioner, query):
    assert client.get(f"{NEW}?{query}").status_code == 200


def test_the_search_on_the_booking_page_lists_patients_to_pick(client, front_desk):
    patient = make_patient(first_name="Juniper")
    page = client.get(NEW, {"q": "junip"}).content.decode()
    assert f'href="?patient={patient.pk}"' in page


# --- 2. patients ------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["juniper", "JUNIPER bell", "Bell", "jbell@", "6045550177", "604-555-0177",
                                   "(604) 555 0177", "0177"])
def test_patient_search_finds_by_name_email_or_phone(client, front_desk, query):
    wanted = make_patient(first_name="Juniper", last_name="Bell", email="jbell@example.org", phone="604 555 0177")
    other = make_patient(first_name="Robin", last_name="Other", phone="250-555-0100")
    page = client.get(PATIENTS, {"q": query}).content.decode()
    assert f"/staff/patients/{wanted.pk}/" in page
    assert f"/staff/patients/{other.pk}/" not in page


def test_patient_search_without_a_match_says_so(client, front_desk):
    make_patient()
    page = client.get(PATIENTS, {"q": "nobody-like-this"}).content.decode()
    assert "0 patients match" in page


def test_the_patient_list_pages_by_25_in_a_fixed_number_of_queries(client, front_desk,
                                                                    django_assert_max_num_queries):
    for _ in range(30):
        make_patient()
    client.get(PATIENTS)  # warm the clinic-profile cache
    # session, user, permissions (clinic.auth), the clinic profile (database cache), count, one page
    with django_assert_max_num_queries(6):
        first = client.get(PATIENTS).content.decode()
    assert len(re.findall(r'href="/staff/patients/\d+/"', first)) == 25 and "Page 1 of 2" in first
    second = client.get(PATIENTS, {"page": "2"}).content.decode()
    assert len(re.findall(r'href="/staff/patients/\d+/"', second)) == 5
    assert client.get(PATIENTS, {"page": "nonsense"}).status_code == 200


def test_the_patient_list_counts_each_patients_visits_and_shows_the_latest(client, practitioner):
    other = make_practitioner("Sam Lee")
    patient = make_patient(first_name="Juniper", last_name="Bell")
    for when, who in ((local(2026, 12, 1, 9), practitioner), (local(2026, 12, 8, 9), other),
                      (local(2026, 12, 15, 9), practitioner)):
        book(start=when, practitioner=who, patient=patient)
    make_patient(first_name="Nobody", last_name="Yet")

    def row(page: str, name: str) -> str:
        start = page.index(name)
        return page[start:page.index("</tr>", start)]

    client.force_login(staff_user("Front desk", "desk2"))
    page = client.get(PATIENTS).content.decode()
    assert '<td data-label="Visits">3</td>' in row(page, "Bell") and "15 Dec 2026" in row(page, "Bell")
    assert '<td data-label="Visits">0</td>' in row(page, "Yet") and "none" in row(page, "Yet")
    # A practitioner learns only of their own visits with the patient.
    client.force_login(staff_user("Practitioner", "sam", practitioner=other))
    own = client.get(PATIENTS).content.decode()
    assert '<td data-label="Visits">1</td>' in row(own, "Bell") and "8 Dec 2026" in row(own, "Bell")


def test_the_patient_page_shows_history_newest_first_with_insurance_and_flags(client, front_desk, practitioner):
    patient = make_patient(first_name="Juniper")
    old, _ = book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient,
                  screening={"pregnant": True, "blood_thinners": True},
                  insurance={"kind": InsuranceNote.Kind.ICBC, "claim_number": "CL-55"})
    new, _ = book(start=local(2026, 12, 4, 9), practitioner=practitioner, patient=patient)
    services.cancel_appointment(appointment=old, now=NOW, actor=front_desk)
    response = client.get(f"{PATIENTS}{patient.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert patient.email in page and patient.phone in page
    history = page[page.index('id="history-heading"'):]
    assert history.index(f"/staff/appointments/{new.reference}/") < history.index(
        f"/staff/appointments/{old.reference}/")
    assert "Cancelled" in page
    assert "ICBC claim CL-55" in page
    assert "Contraindication: Are you pregnant" in page and "Precaution: Do you take blood thinners" in page
    assert "Another IMS visit within 7 days" in page  # the 4 Dec visit is 3 days after the 1 Dec one
    assert "no-store" in response["Cache-Control"]


def test_an_unknown_patient_is_404(client, front_desk):
    assert client.get(f"{PATIENTS}999999/").status_code == 404


def test_a_practitioner_opens_their_own_patients_and_no_one_elses(client, practitioner):
    user = staff_user("Practitioner", "maya", practitioner=practitioner)
    own, _ = book(start=local(2026, 12, 3, 9), practitioner=practitioner)
    others, _ = book(start=local(2026, 12, 3, 9), practitioner=make_practitioner())
    client.force_login(user)
    listing = client.get(PATIENTS).content.decode()
    assert own.patient.last_name in listing and others.patient.last_name not in listing
    assert client.get(f"{PATIENTS}{own.patient.pk}/").status_code == 200
    assert client.get(f"{PATIENTS}{others.patient.pk}/").status_code == 403
    assert client.get(f"/staff/appointments/{others.reference}/").status_code == 403


def test_view_patient_alone_reaches_only_patients_seen_by_that_practitioner(client, practitioner):
    """If someone grants a practitioner view_patient, can_see_details still narrows them to their own."""
    from django.contrib.auth.models import Permission

    user = staff_user("Practitioner", "maya", practitioner=practitioner)
    user.user_permissions.add(Permission.objects.get(codename="view_patient"))
    own, _ = book(start=local(2026, 12, 3, 9), practitioner=practitioner)
    others, _ = book(start=local(2026, 12, 3, 9), practitioner=make_practitioner())
    client.force_login(user)
    assert client.get(f"{PATIENTS}{own.patient.pk}/").status_code == 200
    assert client.get(f"{PATIENTS}{others.patient.pk}/").status_code == 403
    listing = client.get(PATIENTS).content.decode()
    assert f"/staff/patients/{own.patient.pk}/" in listing and f"/staff/patients/{others.patient.pk}/" not in listing


# --- 3. schedules: time off and closures ------------------------------------------------------
def time_off_data(who, **overrides) -> dict:
    data = {"off-practitioner": who.pk, "off-start_date": "2026-12-15", "off-start_time": "09:00",
            "off-end_date": "2026-12-15", "off-end_time": "12:00", "off-reason": "Course"}
    data.update({f"off-{k}": v for k, v in overrides.items()})
    return data


def test_the_schedules_page_shows_hours_time_off_and_closures(client, front_desk, practitioner):
    WorkingHours.objects.create(practitioner=practitioner, weekday=5, start=time(9), end=time(13),
                                valid_from=date(2027, 1, 2))
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 15, 9), end=local(2026, 12, 15, 12),
                           reason="Course")
    ClinicClosure.objects.create(date=date(2026, 12, 24), name="Staff party")
    page = client.get(SCHEDULES).content.decode()
    assert "Maya Chen" in page and "9:00 a.m.–12:00 p.m.," in page and "1:00–5:00 p.m." in page
    assert "09:00" not in page and "13:00" not in page  # a.m./p.m., as on every other page
    assert "From 2 January 2027" in page
    assert "Tuesday 15 December 2026 at 9:00 a.m." in page and "Course" in page
    assert "Staff party" in page and "Christmas Day" in page


def test_the_schedules_page_lists_the_visits_still_booked_in_each_time_off_and_closure(client, front_desk,
                                                                                       practitioner):
    other = make_practitioner("Sam Lee")
    in_time_off, _ = book(start=local(2026, 12, 15, 10), practitioner=practitioner)
    others_that_hour, _ = book(start=local(2026, 12, 15, 10), practitioner=other)  # not Maya's time off
    cancelled, _ = book(start=local(2026, 12, 15, 11), practitioner=practitioner)
    services.cancel_appointment(appointment=cancelled, now=NOW, by_patient=True, reason="Feeling better")
    closed_maya, _ = book(start=local(2026, 12, 16, 10), practitioner=practitioner)
    closed_sam, _ = book(start=local(2026, 12, 16, 14), practitioner=other)
    free_day, _ = book(start=local(2026, 12, 17, 10), practitioner=practitioner)
    months_on, _ = book(start=local(2027, 1, 20, 10), practitioner=other)
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 15, 9), end=local(2026, 12, 15, 12),
                           reason="Course")
    ClinicClosure.objects.create(date=date(2026, 12, 16), name="Staff training")
    ClinicClosure.objects.create(date=date(2027, 11, 12), name="Far off")  # the last window, a year away
    page = client.get(SCHEDULES).content.decode()
    time_off_part, closures_part = page.split("Staff training", 1)
    listed_off = re.findall(r'/staff/appointments/([A-Z0-9-]+)/"', time_off_part.split("Course", 1)[1])
    assert listed_off == [in_time_off.reference]
    listed_closure = re.findall(r'/staff/appointments/([A-Z0-9-]+)/"', closures_part)
    assert listed_closure == [closed_maya.reference, closed_sam.reference]
    assert "with <bdi>Sam Lee</bdi>, 2:00 p.m." in closures_part
    for not_listed in (others_that_hour, cancelled, free_day, months_on):
        assert not_listed.reference not in page


def test_a_time_off_and_a_closure_under_way_list_only_the_visits_not_over_yet(client, front_desk, practitioner,
                                                                             frozen_clock):
    over, in_progress, later = (book(start=local(2026, 11, 30, hour), practitioner=practitioner,
                                     source=Appointment.Source.STAFF)[0] for hour in (9, 10, 11))
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 11, 30, 8), end=local(2026, 11, 30, 12),
                           reason="Course")
    ClinicClosure.objects.create(date=date(2026, 11, 30), name="Burst pipe")
    frozen_clock.move_to(local(2026, 11, 30, 10, 15))  # the 9:00 visit is over, the 10:00 one is not
    page = client.get(SCHEDULES).content.decode()
    time_off_part = page[page.index("Course"):page.index("Burst pipe")]
    closure_part = page[page.index("Burst pipe"):]
    for part in (time_off_part, closure_part):
        assert re.findall(r'/staff/appointments/([A-Z0-9-]+)/"', part) == [in_progress.reference, later.reference]
    assert over.reference not in page


def test_visits_in_any_of_several_windows_are_read_and_no_others():
    maya, sam = make_practitioner("Maya Chen"), make_practitioner("Sam Lee")
    visits = {(who.name, day, hour): book(start=local(2026, 12, day, hour), practitioner=who)[0]
              for who in (maya, sam) for day in (15, 16, 17) for hour in (9, 14)}
    windows = [(maya.pk, local(2026, 12, 15, 8), local(2026, 12, 15, 12)),  # Maya's morning off
               (None, local(2026, 12, 16, 0), local(2026, 12, 17, 0))]  # the clinic closed all day
    found = set(Appointment.objects.visiting_any(windows).values_list("reference", flat=True))
    assert found == {visits[k].reference for k in [("Maya Chen", 15, 9), ("Maya Chen", 16, 9),
                                                   ("Maya Chen", 16, 14), ("Sam Lee", 16, 9), ("Sam Lee", 16, 14)]}
    assert not Appointment.objects.visiting_any([]).exists()


def test_time_off_is_stored_in_utc_and_removes_those_slots(client, front_desk, practitioner):
    response = client.post(TIME_OFF, time_off_data(practitioner))
    assert response.status_code == 302
    off = TimeOff.objects.get()
    assert off.start == datetime(2026, 12, 15, 16, 0, tzinfo=UTC)  # 09:00 BC time, UTC-7
    assert off.end == datetime(2026, 12, 15, 19, 0, tzinfo=UTC)
    assert off.reason == "Course"
    starts = slot_starts(practitioner, date(2026, 12, 15))
    assert starts and min(starts) == local(2026, 12, 15, 13)


def test_the_time_off_form_sent_twice_adds_the_time_off_once(client, front_desk, practitioner):
    import re

    page = client.get(SCHEDULES).content.decode()
    key = re.search(r'name="off-submission" value="([0-9a-f-]{36})"', page).group(1)
    data = time_off_data(practitioner, submission=key)
    assert client.post(TIME_OFF, data).status_code == 302
    again = client.post(TIME_OFF, data, follow=True)
    assert again.status_code == 200
    assert "That form was sent twice: the time off is saved once." in again.content.decode()
    assert TimeOff.objects.count() == 1
    fresh = client.get(SCHEDULES).content.decode()
    assert re.search(r'name="off-submission" value="([0-9a-f-]{36})"', fresh).group(1) != key


def test_time_off_without_times_covers_whole_local_days(client, front_desk, practitioner):
    client.post(TIME_OFF, time_off_data(practitioner, start_time="", end_date="2026-12-16", end_time=""))
    off = TimeOff.objects.get()
    assert (off.start, off.end) == (datetime(2026, 12, 15, 7, tzinfo=UTC), datetime(2026, 12, 17, 7, tzinfo=UTC))
    assert slot_starts(practitioner, date(2026, 12, 16)) == []
    assert slot_starts(practitioner, date(2026, 12, 17))


@pytest.mark.parametrize(("overrides", "message"), [
    ({"end_time": "08:00"}, "The end must be after the start"),
    ({"end_date": "2026-12-14", "end_time": ""}, "The end must be after the start"),
    ({"start_date": "2026-11-02", "end_date": "2026-11-03"}, "already over"),
    ({"start_time": "09:03"}, "5-minute mark"),
    ({"start_date": ""}, "Enter the first day of the time off"),
    ({"practitioner": "999999"}, "Choose one of the practitioners listed"),
])
def test_bad_time_off_is_explained_and_kept(client, front_desk, practitioner, overrides, message):
    response = client.post(TIME_OFF, time_off_data(practitioner, **overrides))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and 'id="error-summary"' in page
    assert 'value="Course"' in page
    assert not TimeOff.objects.exists()


def test_time_off_over_booked_visits_is_saved_with_a_warning_listing_them(client, front_desk, practitioner):
    appointment, _ = book(start=local(2026, 12, 15, 10), practitioner=practitioner)
    response = client.post(TIME_OFF, time_off_data(practitioner), follow=True)
    page = response.content.decode()
    assert TimeOff.objects.exists()
    assert "1 appointment in this time off is still booked" in page and appointment.reference in page
    assert f"/staff/appointments/{appointment.reference}/reschedule/" in page
    appointment.refresh_from_db()
    assert appointment.status == "requested"


def test_a_clinic_closure_is_added_and_removes_the_days_slots(client, front_desk, practitioner):
    response = client.post(CLOSURES, {"closure-date": "2026-12-16", "closure-name": "Staff training"})
    assert response.status_code == 302
    assert ClinicClosure.objects.get().name == "Staff training"
    assert slot_starts(practitioner, date(2026, 12, 16)) == []


@pytest.mark.parametrize(("data", "message"), [
    ({"closure-date": "2026-12-16", "closure-name": "Again"}, "The clinic is already closed on 16 December 2026"),
    ({"closure-date": "2026-12-25", "closure-name": "Xmas"}, "is a statutory holiday (Christmas Day)"),
    ({"closure-date": "2026-11-01", "closure-name": "Past"}, "That date has passed"),
    ({"closure-date": "2026-12-18", "closure-name": ""}, "Enter a name"),
])
def test_a_duplicate_or_bad_closure_gets_a_clear_message(client, front_desk, data, message):
    ClinicClosure.objects.create(date=date(2026, 12, 16), name="Staff training")
    response = client.post(CLOSURES, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert ClinicClosure.objects.count() == 1


# --- 4. weekly hours --------------------------------------------------------------------------
def hours_data(effective_from: str, **days) -> dict:
    data = {"effective_from": effective_from}
    for weekday in range(7):
        for n in (1, 2):
            data[f"d{weekday}_start_{n}"] = data[f"d{weekday}_end_{n}"] = ""
    data.update(days)
    return data


def test_new_weekly_hours_start_on_the_effective_date_and_keep_the_old_ones_before(client, clinic_admin,
                                                                                   practitioner):
    url = f"/staff/schedules/{practitioner.slug}/hours/"
    assert 'value="09:00"' in client.get(url).content.decode()  # prefilled with today's hours
    response = client.post(url, hours_data("2026-12-14", d0_start_1="08:00", d0_end_1="12:00",
                                           d2_start_1="10:00", d2_end_1="14:00", d2_start_2="15:00",
                                           d2_end_2="19:00"))
    assert response.status_code == 302
    before, after = date(2026, 12, 7), date(2026, 12, 14)  # Mondays either side
    assert local(2026, 12, 7, 13) in slot_starts(practitioner, before)
    assert local(2026, 12, 7, 8) not in slot_starts(practitioner, before)
    assert local(2026, 12, 14, 8) in slot_starts(practitioner, after)
    assert local(2026, 12, 14, 13) not in slot_starts(practitioner, after)
    assert slot_starts(practitioner, date(2026, 12, 15)) == []  # Tuesday: no hours any more
    assert local(2026, 12, 16, 18) in slot_starts(practitioner, date(2026, 12, 16))
    assert set(WorkingHours.objects.filter(valid_from=None).values_list("valid_until", flat=True)) == {
        date(2026, 12, 13)}


def test_saving_hours_replaces_a_timetable_that_starts_later(client, clinic_admin, practitioner):
    WorkingHours.objects.create(practitioner=practitioner, weekday=5, start=time(9), end=time(13),
                                valid_from=date(2027, 1, 2))
    client.post(f"/staff/schedules/{practitioner.slug}/hours/",
                hours_data("2026-12-14", d0_start_1="08:00", d0_end_1="12:00"))
    assert not WorkingHours.objects.filter(valid_from=date(2027, 1, 2)).exists()
    assert list(WorkingHours.objects.filter(valid_from=date(2026, 12, 14)).values_list("weekday", "start", "end")) == [
        (0, time(8), time(12))]


def test_hours_from_today_end_the_old_timetable_yesterday(client, clinic_admin, practitioner):
    client.post(f"/staff/schedules/{practitioner.slug}/hours/",
                hours_data("2026-11-30", d0_start_1="10:00", d0_end_1="11:00"))
    assert set(WorkingHours.objects.filter(valid_from=None).values_list("valid_until", flat=True)) == {
        date(2026, 11, 29)}


@pytest.mark.parametrize(("days", "message"), [
    ({"d0_start_1": "12:00", "d0_end_1": "08:00"},
     "Monday: the end (8:00 a.m.) must be after the start (12:00 p.m.)"),
    ({"d1_start_1": "08:00", "d1_end_1": "12:00", "d1_start_2": "11:00", "d1_end_2": "15:00"}, "overlap"),
    ({"d2_start_1": "08:02", "d2_end_1": "12:00"}, "5-minute mark"),
    ({"d3_start_1": "08:00"}, "Thursday: enter both the start and the end"),
    ({"d4_start_1": "nonsense", "d4_end_1": "12:00"}, "Enter a valid time"),
])
def test_bad_weekly_hours_are_refused_and_nothing_changes(client, clinic_admin, practitioner, days, message):
    response = client.post(f"/staff/schedules/{practitioner.slug}/hours/", hours_data("2026-12-14", **days))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page and 'id="error-summary"' in page
    assert not WorkingHours.objects.exclude(valid_until=None).exists()
    assert not WorkingHours.objects.exclude(valid_from=None).exists()


def test_hours_cannot_start_in_the_past(client, clinic_admin, practitioner):
    response = client.post(f"/staff/schedules/{practitioner.slug}/hours/", hours_data("2026-11-01"))
    assert response.status_code == 400 and "today at the earliest" in response.content.decode()


def test_saving_hours_warns_about_visits_left_outside_them(client, clinic_admin, practitioner):
    appointment, _ = book(start=local(2026, 12, 15, 9), practitioner=practitioner)
    response = client.post(f"/staff/schedules/{practitioner.slug}/hours/",
                           hours_data("2026-12-14", d0_start_1="08:00", d0_end_1="12:00"), follow=True)
    assert "outside the new hours" in response.content.decode()
    assert appointment.reference in response.content.decode()


def test_the_front_desk_may_not_change_weekly_hours(client, front_desk, practitioner):
    assert client.get(f"/staff/schedules/{practitioner.slug}/hours/").status_code == 403
    assert client.get("/staff/schedules/nobody/hours/").status_code == 403


# --- 5. export --------------------------------------------------------------------------------
def export_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_follows_local_days_not_utc_days(client, front_desk, practitioner):
    early, _ = book(start=local(2026, 12, 15, 0, 30), practitioner=practitioner, source="staff",
                    allow_outside_hours=True)  # 07:30 UTC on the 15th
    late, _ = book(start=local(2026, 12, 14, 23, 30), practitioner=practitioner, source="staff",
                   allow_outside_hours=True)  # 06:30 UTC on the 15th, but the 14th in BC
    fifteenth = export_rows(client.get(EXPORT, {"first_day": "2026-12-15", "last_day": "2026-12-15"}))
    fourteenth = export_rows(client.get(EXPORT, {"first_day": "2026-12-14", "last_day": "2026-12-14"}))
    assert [row[0] for row in fifteenth[1:]] == [early.reference]
    assert [row[0] for row in fourteenth[1:]] == [late.reference]
    header, row = fifteenth
    # local date and clock columns a spreadsheet reads as such, labelled BC time (not ISO text with an offset)
    assert header[:4] == ["reference", "date (BC time)", "start (BC time)", "end (BC time)"]
    assert row[1:4] == ["2026-12-15", "00:30", "01:15"]
    record = dict(zip(header, row, strict=True))
    assert (record["status"], record["source"]) == ("confirmed", "staff")
    assert record["created (BC time)"] == "2026-11-30 08:00"
    assert "outside working hours" in record["flags"]


def test_export_rows_have_the_patient_insurance_and_flags(client, front_desk, practitioner):
    patient = make_patient(first_name="Juniper", email="jb@example.org")
    book(start=local(2026, 12, 3, 9), practitioner=practitioner, patient=patient, screening={"pregnant": True},
         insurance={"kind": "worksafebc", "claim_number": "W123"})
    header, row = export_rows(client.get(EXPORT, {"first_day": "2026-12-01", "last_day": "2026-12-31"}))
    record = dict(zip(header, row, strict=True))
    assert record["patient"] == patient.full_name and record["email"] == "jb@example.org"
    assert (record["insurance"], record["claim number"]) == ("worksafebc", "W123")
    assert record["practitioner"] == "Maya Chen" and record["status"] == "requested"
    assert "contraindication: pregnant" in record["flags"]


def test_export_escapes_formula_like_cells_phone_numbers_too(client, front_desk, practitioner):
    patient = make_patient(first_name='=HYPERLINK("http://evil.example","x")', last_name="Smith",
                           phone="+1 604 555 0100")
    book(start=local(2026, 12, 3, 9), practitioner=practitioner, patient=patient)
    header, row = export_rows(client.get(EXPORT, {"first_day": "2026-12-03", "last_day": "2026-12-03"}))
    record = dict(zip(header, row, strict=True))
    assert record["patient"] == "'=HYPERLINK(\"http://evil.example\",\"x\") Smith"
    assert record["phone"] == "'+1 604 555 0100"  # Excel would read it as a formula and show an error


@pytest.mark.parametrize(("value", "written"), [
    ("+1 604 555 0100", "'+1 604 555 0100"),
    ("+1-604-555-0100", "'+1-604-555-0100"),  # Excel: the sum -1258
    ("+44 20.7946.0958", "'+44 20.7946.0958"),
    ("604-555-0100", "604-555-0100"),
    ("=1+1", "'=1+1"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("+SUM(A1)", "'+SUM(A1)"),
    ("+1 604 555 0100 =HYPERLINK(1)", "'+1 604 555 0100 =HYPERLINK(1)"),
    ("+1604\n=1", "'+1604\n=1"),
    ("\t=1", "'\t=1"),
    ("Robin", "Robin"),
])
def test_only_a_cell_that_would_start_a_formula_gets_an_apostrophe(value, written):
    from booking.staff.records import csv_safe

    assert csv_safe(value) == written


@pytest.mark.parametrize("params", [
    {"first_day": "2026-12-15", "last_day": "2026-12-14"},
    {"first_day": "2026-01-01", "last_day": "2027-01-02"},
    {"first_day": "yesterday", "last_day": "2026-12-14"},
    {"first_day": "2026-12-01"},
    {"first_day": "2026-12-01", "last_day": "2026-12-01T00:00"},
])
def test_export_refuses_bad_ranges_with_400(client, front_desk, params):
    response = client.get(EXPORT, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'id="error-summary"' in response.content.decode()


def test_export_allows_a_full_year(client, front_desk):
    rows = export_rows(client.get(EXPORT, {"first_day": "2026-01-01", "last_day": "2027-01-01"}))
    assert len(rows) == 1 and rows[0][0] == "reference"  # 366 days, no appointments: just the header


def test_the_export_page_without_dates_shows_the_form(client, front_desk):
    response = client.get(EXPORT)
    assert response.status_code == 200 and "Download CSV" in response.content.decode()


# --- methods, permissions, CSRF ---------------------------------------------------------------
@pytest.mark.parametrize("url", [TIME_OFF, CLOSURES])
def test_post_endpoints_refuse_get(client, clinic_admin, url):
    assert client.get(url).status_code == 405
    assert not TimeOff.objects.exists() and not ClinicClosure.objects.exists()


@pytest.mark.parametrize("url", [PATIENTS, f"{PATIENTS}1/", SCHEDULES, EXPORT])
def test_read_only_pages_refuse_post(client, clinic_admin, url):
    assert client.post(url).status_code == 405


def test_post_endpoints_need_a_csrf_token(clinic_admin, practitioner):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(clinic_admin)
    assert strict.post(TIME_OFF, time_off_data(practitioner)).status_code == 403
    assert strict.post(CLOSURES, {"closure-date": "2026-12-16", "closure-name": "X"}).status_code == 403
    assert strict.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner),
                             "start": iso(local(2026, 12, 3, 9))}).status_code == 403
    assert not TimeOff.objects.exists() and not ClinicClosure.objects.exists() and not Appointment.objects.exists()


@pytest.mark.parametrize("url", [NEW, PATIENTS, SCHEDULES, EXPORT, "/staff/schedules/maya/hours/"])
def test_signed_out_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")


def test_a_practitioner_sees_schedules_but_nothing_else_here(client, practitioner):
    client.force_login(staff_user("Practitioner", "maya", practitioner=practitioner))
    assert client.get(SCHEDULES).status_code == 200
    page = client.get(SCHEDULES).content.decode()
    assert "Add time off" not in page and "Close the clinic" not in page
    for url in (NEW, EXPORT, f"/staff/schedules/{practitioner.slug}/hours/"):
        assert client.get(url).status_code == 403
    assert client.post(TIME_OFF, time_off_data(practitioner)).status_code == 403
    assert client.post(CLOSURES, {"closure-date": "2026-12-16", "closure-name": "X"}).status_code == 403
    assert not TimeOff.objects.exists() and not ClinicClosure.objects.exists()


# --- safety screening on a phone booking (issue 13, item 2) ------------------------------------------
def answers(**yes) -> dict:
    data = {f"s-{name}": "no" for name, _, _ in Screening.QUESTIONS}
    data.update({f"s-{name}": "yes" for name in yes})
    return data


def test_a_phone_booking_without_the_questions_is_not_asked_yet_never_no(client, front_desk, practitioner):
    patient = make_patient()
    response = client.post(NEW, {"patient": patient.pk, **booking_data(practitioner),
                                 "start": iso(local(2026, 12, 3, 9))})
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert not screening.asked and screening.asked_at is None
    appointment = screening.appointment
    page = client.get(response["Location"]).content.decode()
    assert "Safety screening: not asked yet — ask before needling" in page
    assert "No to every question" not in page
    assert "Safety screening not asked yet: ask before needling" in client.get(
        f"{PATIENTS}{patient.pk}/").content.decode()
    assert f"/staff/appointments/{appointment.reference}/" in client.get(f"{PATIENTS}{patient.pk}/").content.decode()
    header, row = export_rows(client.get(EXPORT, {"first_day": "2026-12-03", "last_day": "2026-12-03"}))
    assert "safety screening not asked" in dict(zip(header, row, strict=True))["flags"]


def test_a_phone_booking_records_the_answers_the_patient_gave(client, front_desk, practitioner):
    response = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner),
                                 "start": iso(local(2026, 12, 3, 9)), **answers(pregnant=True),
                                 "s-details": "About 10 weeks"})
    assert response.status_code == 302
    screening = Screening.objects.get()
    assert screening.asked and screening.asked_at == NOW
    assert screening.pregnant and not screening.blood_thinners and screening.details == "About 10 weeks"
    page = client.get(response["Location"]).content.decode()
    assert "not asked yet" not in page and "Do not needle until discussed" in page


def test_half_answered_questions_on_a_phone_booking_are_refused_and_kept(client, front_desk, practitioner):
    data = answers(blood_thinners=True)
    del data["s-pregnant"]
    response = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner),
                                 "start": iso(local(2026, 12, 3, 9)), **data})
    page = response.content.decode()
    assert response.status_code == 400 and 'id="error-summary"' in page
    assert ("Are you pregnant, or could you be? Answer yes or no, or leave every question empty if the patient "
            "was not asked.") in page
    assert re.search(r'name="s-blood_thinners" value="yes"\s+id="id_s-blood_thinners_0" checked', page)  # kept
    assert not Appointment.objects.exists()


# --- the rest of the front desk's list (issue 13, item 13) ---------------------------------------------
def test_time_off_is_removed_from_the_schedules_page_after_confirming(client, front_desk, practitioner):
    off = TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 15, 9), end=local(2026, 12, 15, 12),
                                 reason="Course")
    remove = f"/staff/schedules/time-off/{off.pk}/remove/"
    assert f'action="{remove}"' in client.get(SCHEDULES).content.decode()
    asked = client.post(remove)
    assert asked.status_code == 200 and "Remove this time off?" in asked.content.decode()
    assert TimeOff.objects.exists()  # nothing removed before the confirmation
    done = client.post(remove, {"confirm": "yes"}, follow=True)
    assert "is removed: those times are offered again" in done.content.decode()
    assert not TimeOff.objects.exists()
    assert local(2026, 12, 15, 9) in slot_starts(practitioner, date(2026, 12, 15))
    again = client.post(remove, {"confirm": "yes"}, follow=True)
    assert "already removed" in again.content.decode()


def test_the_front_desk_reopens_a_closed_day_after_confirming(client, front_desk, practitioner):
    closure = ClinicClosure.objects.create(date=date(2026, 12, 16), name="Staff training")
    page = client.get(SCHEDULES).content.decode()
    remove = f"/staff/schedules/closures/{closure.pk}/remove/"
    assert f'action="{remove}"' in page
    assert page.count("/remove/") == 1  # statutory holidays are not the clinic's to remove
    assert "Open the clinic again that day?" in client.post(remove).content.decode()
    assert ClinicClosure.objects.exists()
    client.post(remove, {"confirm": "yes"})
    assert not ClinicClosure.objects.exists() and slot_starts(practitioner, date(2026, 12, 16))


def test_removing_needs_the_delete_permission(client, practitioner):
    off = TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 15, 9), end=local(2026, 12, 15, 12))
    closure = ClinicClosure.objects.create(date=date(2026, 12, 16), name="Staff training")
    client.force_login(staff_user("Practitioner", "maya", practitioner=practitioner))
    assert "/remove/" not in client.get(SCHEDULES).content.decode()
    for url in (f"/staff/schedules/time-off/{off.pk}/remove/", f"/staff/schedules/closures/{closure.pk}/remove/"):
        assert client.post(url, {"confirm": "yes"}).status_code == 403
    assert TimeOff.objects.exists() and ClinicClosure.objects.exists()


def test_closing_a_day_with_booked_visits_lists_them_and_asks_before_saving(client, front_desk, practitioner):
    booked, _ = book(start=local(2026, 12, 16, 10), practitioner=practitioner)
    data = {"closure-date": "2026-12-16", "closure-name": "Staff training"}
    asked = client.post(CLOSURES, data)
    page = asked.content.decode()
    assert asked.status_code == 200 and "Close the clinic on Wednesday 16 December 2026?" in page
    assert booked.reference in page and booked.patient.full_name in page and "10:00 a.m." in page
    assert not ClinicClosure.objects.exists()
    done = client.post(CLOSURES, {**data, "confirm": "yes"}, follow=True)
    assert ClinicClosure.objects.get().name == "Staff training"
    assert "1 appointment on that day is still booked" in done.content.decode()


@pytest.mark.parametrize(("blocked", "message"), [
    ("time off", "has time off then (Course): the override covers working hours only"),
    ("closure", "The clinic is closed on Thursday 3 December 2026 (Staff training)"),
    ("holiday", "The clinic is closed on Friday 25 December 2026 (Christmas Day)"),
])
def test_the_outside_hours_override_never_books_over_time_off_or_a_closure(client, front_desk, practitioner,
                                                                            blocked, message):
    day = "2026-12-25" if blocked == "holiday" else "2026-12-03"
    if blocked == "time off":
        TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 3, 0), end=local(2026, 12, 4, 0),
                               reason="Course")
    elif blocked == "closure":
        ClinicClosure.objects.create(date=date(2026, 12, 3), name="Staff training")
    response = client.post(NEW, {"patient": make_patient().pk, **booking_data(practitioner), "action": "manual",
                                 "manual_date": day, "manual_time": "18:00", "override": "on"})
    assert response.status_code == 409
    assert message in response.content.decode()
    assert not Appointment.objects.exists()


def test_the_override_when_moving_never_lands_on_time_off(client, front_desk, practitioner):
    appointment, _ = book(start=local(2026, 12, 2, 9), practitioner=practitioner)
    TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 3, 0), end=local(2026, 12, 4, 0))
    response = client.post(f"/staff/appointments/{appointment.reference}/reschedule/",
                           {"practitioner": practitioner.slug, "date": "2026-12-03", "time": "18:00",
                            "override": "on", "manual": "1"})
    assert response.status_code == 400 and "has time off then" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == local(2026, 12, 2, 9)


def test_a_long_note_is_a_preview_in_the_request_queue(client, front_desk, practitioner):
    note = "Pain started after a fall skiing. " * 55  # about 1,900 characters
    book(start=local(2026, 12, 3, 9), practitioner=practitioner, patient_note=note.strip())
    page = client.get("/staff/").content.decode()
    queue = page[page.index('id="queue-heading"'):page.index('id="day-heading"')]
    assert "Show the whole note" in queue and "<details" in queue
    summary = queue[queue.index("<summary>"):queue.index("</summary>")]
    assert len(summary) < 400 and "…" in summary
    assert note.strip() in queue  # still there, behind "Show the whole note"


def test_a_returning_patients_phone_booking_preselects_their_last_claim(client, front_desk, practitioner):
    patient = make_patient()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient,
         insurance={"kind": InsuranceNote.Kind.ICBC, "claim_number": "CL-2026-77"})
    page = client.get(NEW, {"patient": patient.pk}).content.decode()
    assert '<option value="icbc" selected>' in page and 'value="CL-2026-77"' in page
    # what the desk changes is kept when the page is shown again
    again = client.post(NEW, {"patient": patient.pk, **booking_data(practitioner, kind="self_pay"),
                              "goto": "2026-12-04"})
    assert '<option value="self_pay" selected>' in again.content.decode()
    assert '<option value="self_pay" selected>' in client.get(NEW, {"patient": make_patient().pk}).content.decode()


def test_a_practitioner_never_learns_of_their_patients_visits_with_colleagues(client, practitioner):
    user = staff_user("Practitioner", "maya", practitioner=practitioner)
    own, _ = book(start=local(2026, 12, 3, 9), practitioner=practitioner)
    colleague = make_practitioner("Sam Lee")
    book(start=local(2026, 12, 10, 9), practitioner=colleague, patient=own.patient)
    client.force_login(user)
    detail = client.get(f"/staff/appointments/{own.reference}/").content.decode()
    assert "Sam Lee" not in detail
    listing = client.get(PATIENTS).content.decode()
    row = listing[listing.index(own.patient.last_name):]
    assert "10 December" not in row.split("</tr>")[0] and "Dec 10" not in row.split("</tr>")[0]
    assert "$" not in detail  # no money either


def test_a_phone_booking_within_a_week_of_another_ims_visit_asks_for_the_reason_and_keeps_it(
        client, front_desk, practitioner):
    patient = make_patient()
    book(start=local(2026, 12, 1, 9), practitioner=practitioner, patient=patient, source="staff")
    start = local(2026, 12, 3, 9)
    data = {"patient": patient.pk, **booking_data(practitioner), "start": iso(start)}
    refused = client.post(NEW, data)
    page = refused.content.decode()
    assert refused.status_code == 409 and "less than 7 days away" in page and 'name="spacing_override"' in page
    assert patient.appointments.count() == 1
    booked = client.post(NEW, {**data, "spacing_override": "Acute flare-up"})
    assert booked.status_code == 302
    appointment = patient.appointments.get(start=start)
    assert appointment.spacing_flag and appointment.events.get().details["spacing_override"] == "Acute flare-up"
