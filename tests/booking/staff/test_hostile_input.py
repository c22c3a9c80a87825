"""Random and malicious input to every staff page, signed in as the front desk (or, for a page the front
desk may not open, as a clinic admin): never a 500, nothing stored when the input is refused, and a
clear answer. The pages come from booking/staff/urls.py and the fields each one reads from the code
(tests/test_hostile_input.py ``request_fields``), so a new page or field is covered without an edit here.
"""

from __future__ import annotations

from datetime import UTC, date

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Group, User
from hypothesis import given
from hypothesis import strategies as st

from booking.models import Appointment, ClinicClosure, TimeOff
from booking.waitlist import services as waitlist
from clinic.models import ClinicProfile
from tests.factories import NOW, book, local, make_practitioner, make_service
from tests.test_hostile_input import (
    HOSTILE,
    TEXT,
    assert_clear_answer,
    by_fields,
    group_id,
    header_allowed,
    hostile_fields,
    hostile_headers,
    site_pages,
    stored_rows,
)

pytestmark = pytest.mark.django_db
STAFF_PAGES = site_pages(namespaces={"staff"})
STAFF_ANSWERS = {200, 302, 400, 405, 409}
PASSWORD = "a-long-test-password"


def iso(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):  # Monday 30 Nov 2026, 08:00 in BC
        yield


@pytest.fixture
def sample(staff_roles):
    """Values for the path parameters of every staff URL (``sample[page name]`` for a page's own)."""
    ClinicProfile.load()  # made on first use: not something a visitor stored
    practitioner = make_practitioner("Maya Chen")
    appointment, _ = book(start=local(2026, 11, 30, 9), practitioner=practitioner, source=Appointment.Source.STAFF)
    off = TimeOff.objects.create(practitioner=practitioner, start=local(2026, 12, 4, 9), end=local(2026, 12, 4, 10))
    closure = ClinicClosure.objects.create(date=date(2026, 12, 18), name="Staff training day")
    # Someone waiting for any morning, so the waitlist page lists an entry and a time offered reaches it.
    entry = waitlist.join(service=make_service(), practitioner=None, earliest=date(2026, 11, 30),
                          latest=date(2026, 12, 31), weekdays=[0, 1, 2, 3, 4], parts_of_day=["morning"],
                          first_name="Sam", last_name="Lee", email="sam.lee@example.com")
    users = {}
    for role in ("Front desk", "Clinic admin"):
        users[role] = User.objects.create_user(role.lower().replace(" ", "-"), password=PASSWORD)
        users[role].groups.add(Group.objects.get(name=role))
    # The clinic admin is also this visit's practitioner (an owner who treats), so the pages only a
    # visit's own practitioner may send (the visit note, pain scores, the review) take its input too.
    practitioner.user = users["Clinic admin"]
    practitioner.save(update_fields=["user"])
    sample = {"reference": appointment.reference, "pk": appointment.patient_id, "practitioner": practitioner.slug,
              "practitioner_pk": practitioner.pk, "patient_name": appointment.patient.last_name, "users": users,
              "year": 2026,
              "staff:time-off-remove": {"pk": off.pk}, "staff:closure-remove": {"pk": closure.pk},
              "staff:waitlist-remove": {"pk": entry.pk}}
    if apps.is_installed("booking.billing"):  # an invoice for the billing pages (a completed visit, checked out)
        from booking.billing import services as billing

        visit, _ = book(start=local(2026, 11, 30, 13), practitioner=practitioner, source=Appointment.Source.STAFF)
        Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.COMPLETED)
        sample["number"] = billing.check_out(appointment=visit, actor=users["Clinic admin"], now=NOW).number
        from booking.courses import services as courses

        sample["course"] = courses.open_course(appointment=visit, area="Neck", planned_visits=6,
                                               actor=users["Clinic admin"], now=NOW).pk
    return sample


def signed_in_user(page, sample) -> User:
    """The front desk, unless the page needs a permission only a clinic admin holds (weekly hours)."""
    desk = sample["users"]["Front desk"]
    needed = getattr(page.view, "staff_permissions", ())
    return desk if desk.has_perms(needed) else sample["users"]["Clinic admin"]


def valid_staff_data(name: str, sample: dict) -> tuple[dict, dict]:
    """(a valid query string, a valid form) per page, so that hostile values reach past the first check."""
    service, who = make_service().pk, sample["practitioner_pk"]
    new_patient = {"first_name": "Alex", "last_name": "Rivera", "email": "alex.rivera@example.com",
                   "phone": "604-555-0199", "date_of_birth": "1984-02-29", "phn": ""}
    return {
        "staff:login": ({"next": "/staff/"}, {"username": "front-desk", "password": PASSWORD}),
        "staff:password-change": ({}, {"old_password": PASSWORD, "new_password1": "an-even-longer-password-42",
                                       "new_password2": "an-even-longer-password-42"}),
        "staff:day": ({"date": "2026-12-01"}, {}),
        "staff:week": ({"date": "2026-12-01", "practitioner": sample["practitioner"]}, {}),
        "staff:day-sheet": ({"date": "2026-11-30"}, {}),
        "staff:reconciliation": ({"date": "2026-11-30"}, {}),
        "staff:appointment-new": (
            {"service": service, "practitioner": who, "day": "2026-12-02", "q": sample["patient_name"]},
            {"service": service, "practitioner": who, "day": "2026-12-02", "start": iso(local(2026, 12, 2, 10)),
             "kind": "self_pay", "claim_number": "", "patient_note": "", **new_patient}),
        "staff:appointment-decline": ({}, {"reason": "No longer available", "next": "/staff/"}),
        "staff:appointment-cancel": ({}, {"reason": "Patient called", "next": "/staff/"}),
        "staff:appointment-note": ({}, {"staff_note": "Prefers mornings"}),
        "staff:appointment-reschedule": (
            {"from": "2026-12-01", "practitioner": sample["practitioner"]},
            {"start": iso(local(2026, 12, 2, 13)), "practitioner": sample["practitioner"]}),
        "staff:patient-list": ({"q": sample["patient_name"], "page": "1"}, {}),
        "staff:schedule-hours": ({"from": "2026-12-07"},
                                 {"effective_from": "2026-12-07", "d0_start_1": "09:00", "d0_end_1": "17:00"}),
        "staff:time-off-add": ({}, {"off-practitioner": who, "off-start_date": "2026-12-10",
                                    "off-end_date": "2026-12-10", "off-reason": "Course"}),
        "staff:closure-add": ({}, {"closure-date": "2026-12-11", "closure-name": "Staff training day"}),
        "staff:export": ({"first_day": "2026-11-01", "last_day": "2026-11-30"}, {}),
        "staff:reports": ({"from": "2026-09-01", "to": "2026-11-30"}, {}),
        "staff:reports-csv": ({"from": "2026-09-01", "to": "2026-11-30"}, {}),
        "staff:reports-money-csv": ({"from": "2026-09-01", "to": "2026-11-30"}, {}),
        "staff:time-off-remove": ({}, {"confirm": "yes"}),
        "staff:closure-remove": ({}, {"confirm": "yes"}),
        "staff:waitlist": ({"service": "ims-assessment", "who": "any"}, {}),
        "staff:waitlist-offer": ({}, {"offer-practitioner": who, "offer-date": "2026-12-02",
                                      "offer-start_time": "10:00", "offer-end_time": "11:00",
                                      "next": "/staff/day/?date=2026-12-02"}),
    }.get(name, ({}, {}))


def test_the_derived_fields_include_every_parameter_the_staff_views_are_known_to_read():
    """If the derivation stops seeing a parameter (say a view reads it a new way), this fails."""
    methods = {page.name: page.methods for page in STAFF_PAGES}
    assert methods["staff:day"] == ("GET",) and methods["staff:appointment-confirm"] == ("POST",)
    assert methods["staff:appointment-new"] == methods["staff:login"] == ("GET", "POST")
    assert methods["staff:logout"] == ("POST",)
    assert methods["staff:waitlist"] == ("GET",)
    assert methods["staff:waitlist-remove"] == methods["staff:waitlist-offer"] == ("POST",)
    known = {
        "staff:login": {"username", "password", "next"},
        "staff:day": {"date"},
        "staff:week": {"date", "practitioner"},
        "staff:appointment-new": {"service", "practitioner", "day", "goto", "patient", "q", "action", "start",
                                  "manual_date", "manual_time", "override", "kind", "first_name", "email",
                                  "date_of_birth"},
        "staff:appointment-decline": {"reason", "next"},
        "staff:appointment-note": {"staff_note", "next"},
        "staff:appointment-reschedule": {"from", "practitioner", "start", "date", "time", "override",
                                         "then_confirm", "then"},
        "staff:patient-list": {"q", "page"},
        "staff:schedule-hours": {"from", "effective_from", "d0_start_1", "d6_end_2"},
        "staff:time-off-add": {"off-practitioner", "off-start_date", "off-end_time", "off-reason"},
        "staff:closure-add": {"closure-date", "closure-name"},
        "staff:export": {"first_day", "last_day"},
        "staff:waitlist": {"service", "who", "offer-practitioner", "offer-date", "offer-start_time",
                           "offer-end_time"},
        "staff:waitlist-offer": {"offer-practitioner", "offer-date", "offer-start_time", "offer-end_time", "next"},
    }
    fields = {page.name: set(page.fields) for page in STAFF_PAGES}
    for name, expected in known.items():
        assert expected <= fields[name], (name, expected - fields[name])


@pytest.mark.parametrize("group", by_fields(STAFF_PAGES), ids=group_id)
@HOSTILE
@given(data=st.data())
def test_every_parameter_and_field_of_a_staff_page_gets_a_clear_answer(client, sample, group, data):
    page = data.draw(st.sampled_from(group), label="page")
    method = data.draw(st.sampled_from(page.methods), label="method")
    user = signed_in_user(page, sample)
    if client.session.get("_auth_user_id") != str(user.pk):  # the first example, or one after signing out
        client.force_login(user)
    valid_query, valid_form = valid_staff_data(page.name, sample)
    fields = data.draw(hostile_fields(page.fields, valid_query if method == "GET" else valid_form), label="fields")
    # An earlier example may have cancelled the visit or removed the time off: later ones then get the
    # page's "already done" answer, which must be as clear. Its messages not yet shown are dropped, so
    # what this request said is all that is queued.
    client.cookies.pop("messages", None)
    before = stored_rows()
    path = page.path(sample)
    response = client.get(path, fields) if method == "GET" else client.post(path, fields)
    assert_clear_answer(client, response, before, allowed=STAFF_ANSWERS, follow=False)


@HOSTILE
@given(page=st.sampled_from(STAFF_PAGES), headers=hostile_headers(), keep_session=st.booleans(),
       method=st.sampled_from(["GET", "POST", "HEAD"]))
def test_hostile_cookies_and_headers_on_any_staff_page_never_500(client, settings, sample, page, headers,
                                                                 keep_session, method):
    settings.CLINIC_TRUSTED_PROXIES = 1  # X-Forwarded-For is read (the test client connects from 127.0.0.1)
    client.force_login(signed_in_user(page, sample))
    if keep_session and "HTTP_COOKIE" in headers:  # junk next to a good session, or instead of it
        headers["HTTP_COOKIE"] = f"sessionid={client.cookies['sessionid'].value}; {headers['HTTP_COOKIE']}"
    before = stored_rows()
    response = client.generic(method, page.path(sample), **headers)
    assert response.status_code in STAFF_ANSWERS | header_allowed(headers), response.status_code
    if method != "POST":
        assert stored_rows() == before


@pytest.mark.parametrize("cookie", ["a" * 16 + "\x00" + "a" * 15, '"' + "a" * 16 + "\\000" + "a" * 16 + '"',
                                    "x" * 31 + "\x1b"])
def test_a_broken_session_cookie_on_a_staff_page_asks_to_sign_in_again(client, sample, cookie):
    """Like no session at all (a NUL once reached PostgreSQL: a 500 on every page until the cookie expired)."""
    client.force_login(sample["users"]["Front desk"])
    response = client.get("/staff/", HTTP_COOKIE=f"sessionid={cookie}")
    assert response.status_code == 302 and response["Location"].startswith("/staff/login/")
    assert client.get("/staff/login/", HTTP_COOKIE=f"sessionid={cookie}").status_code == 200


@pytest.mark.parametrize("target", ["/staff/\r\nSet-Cookie: evil=1", "/staff/\x00", "/staff/\u2028x",
                                    "/staff/\\evil.example", "/staff/../admin/"])
def test_a_hostile_return_address_after_an_action_stays_on_the_site_on_one_header_line(client, sample, target):
    client.force_login(sample["users"]["Front desk"])
    response = client.post(f"/staff/appointments/{sample['reference']}/note/", {"staff_note": "x", "next": target})
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/staff/") and not any(ch in location for ch in "\r\n\x00\\")
    assert "evil" not in response.cookies
    assert Appointment.objects.get(reference=sample["reference"]).staff_note == "x"


@HOSTILE
@given(segment=TEXT, page=st.sampled_from([p for p in STAFF_PAGES if "<" in p.route]))
def test_hostile_path_segments_on_staff_pages_never_500(client, sample, segment, page):
    client.force_login(sample["users"]["Clinic admin"])
    names = [name for name in ("reference", "pk", "practitioner") if f":{name}>" in page.route]
    # the page's own sample values (``sample[page name]``) would win over the segment: left out
    response = client.get(page.path({**sample, page.name: {}, **{name: segment for name in names}}))
    assert response.status_code in (200, 301, 302, 400, 404, 405)
