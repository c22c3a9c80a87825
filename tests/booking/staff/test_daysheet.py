"""The day sheet, the end-of-day reconciliation, and balances owing on the day calendar and the
patient page, through their URLs, signed in with each role."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking.billing import services as billing
from booking.billing.models import Invoice
from booking.models import Appointment, Practitioner
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db
Status = Appointment.Status
DAY = date(2026, 11, 30)
SHEET, RECON, CALENDAR = "/staff/day-sheet/", "/staff/reconciliation/", "/staff/day/"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):  # Monday 30 Nov 2026, 08:00 in BC
        yield


def signed_in(client, role, practitioner=None):
    user = User.objects.create_user(username=f"{role}-{User.objects.count()}", password="x")
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        Practitioner.objects.filter(pk=practitioner.pk).update(user=user)
    client.force_login(user)
    return client


def visit(practitioner, start, *, patient=None, status=Status.CONFIRMED, **kwargs) -> Appointment:
    appointment, _ = book(start=start, practitioner=practitioner, patient=patient or make_patient(),
                          now=local(2026, 11, 20, 9), **kwargs)
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    appointment.refresh_from_db()
    return appointment


def owing(patient, amount: str, *, on=None, practitioner=None):
    """An earlier visit of ``patient``, checked out, leaving ``amount`` owing (of 140.00)."""
    seen = visit(practitioner or make_practitioner(), on or local(2026, 11, 23, 9), patient=patient,
                 status=Status.COMPLETED)
    invoice = billing.check_out(appointment=seen, actor=None, now=NOW)
    paid = invoice.total - Decimal(amount)
    if paid:
        billing.record_payment(invoice=invoice, method="cash", amount=paid, received_on=date(2026, 11, 23),
                               actor=None, now=NOW)
    return invoice


def section(html: str, name: str) -> str:
    """The day sheet's section for one practitioner."""
    pattern = rf'<section class="sheet"[^>]*>\s*<h2[^>]*><bdi>{re.escape(name)}</bdi>(.*?)</section>'
    match = re.search(pattern, html, re.S)
    assert match, name
    return match.group(1)


@pytest.fixture
def clinic(staff_roles):
    """Two practitioners (Daniel listed first) with visits on 30 November, one of them at 5 p.m. in BC,
    which is already 1 December in UTC."""
    maya = make_practitioner("Maya Chen", hours=((9, 18),))
    daniel = make_practitioner("Daniel Okafor")
    Practitioner.objects.filter(pk=maya.pk).update(order=2)
    Practitioner.objects.filter(pk=daniel.pk).update(order=1)
    make_practitioner("Idle Ivy")
    robin = make_patient(first_name="Robin", last_name="Okafor", phone="604-555-0101")
    noor = make_patient(first_name="Noor", last_name="Haddad")
    return {
        "maya": maya, "daniel": daniel, "robin": robin, "noor": noor,
        "evening": visit(maya, local(2026, 11, 30, 17), patient=robin, contact_phone="778-555-0199"),
        "morning": visit(daniel, local(2026, 11, 30, 9), patient=noor),
        "cancelled": visit(daniel, local(2026, 11, 30, 11), patient=make_patient(first_name="Cass", last_name="Cancel"),
                           status=Status.CANCELLED),
        "declined": visit(daniel, local(2026, 11, 30, 13), patient=make_patient(first_name="Dee", last_name="Decline"),
                          status=Status.DECLINED),
    }


# --- the day sheet --------------------------------------------------------------------------------
def test_the_sheet_has_a_section_per_practitioner_with_visits_in_their_order(client, clinic):
    html = signed_in(client, "Front desk").get(SHEET, {"date": "2026-11-30"}).content.decode()
    assert html.index("<bdi>Daniel Okafor</bdi>") < html.index("<bdi>Maya Chen</bdi>")
    assert "Idle Ivy" not in html
    daniel = section(html, "Daniel Okafor")
    assert "Noor Haddad" in daniel and "Robin Okafor" not in daniel
    assert "Monday 30 November 2026" in daniel  # every printed page says its day


def test_a_5_pm_visit_is_on_its_bc_day_although_utc_has_moved_on(client, clinic):
    assert clinic["evening"].start.date() == date(2026, 12, 1)  # in UTC
    signed_in(client, "Front desk")
    maya = section(client.get(SHEET, {"date": "2026-11-30"}).content.decode(), "Maya Chen")
    assert "Robin Okafor" in maya and "5:00–5:45 p.m." in maya
    assert "Robin Okafor" not in client.get(SHEET, {"date": "2026-12-01"}).content.decode()


def test_the_sheet_shows_phone_payer_flags_and_status(client, clinic):
    appointment = clinic["morning"]
    Appointment.objects.filter(pk=appointment.pk).update(spacing_flag=True, arrived_at=local(2026, 11, 30, 8, 50))
    html = signed_in(client, "Front desk").get(SHEET, {"date": "2026-11-30"}).content.decode()
    maya, daniel = section(html, "Maya Chen"), section(html, "Daniel Okafor")
    assert "604-555-0101" in maya and "778-555-0199" in maya  # the patient's phone, and the one given this time
    assert "Self-pay" in maya
    assert "Another IMS visit within 7 days" in daniel and "Arrived" in daniel and "9:00–9:45 a.m." in daniel


def test_each_patient_on_the_sheet_links_to_their_visit(client, clinic):
    html = signed_in(client, "Front desk").get(SHEET, {"date": "2026-11-30"}).content.decode()
    for name, key in (("Noor Haddad", "morning"), ("Robin Okafor", "evening"), ("Cass Cancel", "cancelled")):
        assert f'<a href="/staff/appointments/{clinic[key].reference}/"><bdi>{name}</bdi></a>' in html


def test_declined_requests_are_left_out_and_cancelled_visits_struck_through(client, clinic):
    html = signed_in(client, "Front desk").get(SHEET, {"date": "2026-11-30"}).content.decode()
    assert "Dee Decline" not in html
    row = re.search(r'<tr class="sheet-row--cancelled">(.*?)</tr>', html, re.S)
    assert row and "Cass Cancel" in row.group(1) and "Cancelled" in row.group(1)
    assert "1 visit" in section(html, "Daniel Okafor")  # the cancelled one is not counted


def test_balances_are_what_the_patient_owes_on_all_invoices_and_void_ones_owe_nothing(client, clinic):
    owing(clinic["robin"], "35.50")
    owing(clinic["robin"], "4.50", on=local(2026, 11, 24, 9))
    void = owing(clinic["noor"], "140.00")
    billing.void_invoice(invoice=void, reason="Issued in error", actor=None, now=NOW)
    html = signed_in(client, "Front desk").get(SHEET, {"date": "2026-11-30"}).content.decode()
    assert "<strong>$40.00</strong>" in section(html, "Maya Chen")
    assert "$0.00" in section(html, "Daniel Okafor") and "$140.00" not in section(html, "Daniel Okafor")
    assert "Balances owing on this sheet: <strong>$40.00</strong>" in html


def test_a_practitioner_sees_only_their_own_sheet_and_no_money(client, clinic):
    owing(clinic["robin"], "35.50")
    response = signed_in(client, "Practitioner", clinic["maya"]).get(SHEET, {"date": "2026-11-30"})
    html = response.content.decode()
    assert response.status_code == 200 and "Robin Okafor" in html
    for other in ("Noor Haddad", "Cass Cancel", "Daniel Okafor"):
        assert other not in html
    assert "Balance" not in html and "$35.50" not in html


def test_a_bad_date_is_a_clear_400_and_no_date_is_today(client, clinic):
    signed_in(client, "Front desk")
    for bad in ("2026-13-45", "30/11/2026", "tomorrow", "2026-11-30T00:00"):
        response = client.get(SHEET, {"date": bad})
        assert response.status_code == 400, bad
        assert "That date could not be read" in response.content.decode()
    today = client.get(SHEET)
    assert today.status_code == 200 and "Noor Haddad" in today.content.decode()
    assert "Monday 30 November 2026" in today.content.decode()


def test_the_sheet_needs_the_same_queries_for_twice_the_visits(client, clinic):
    busy = make_practitioner("Busy Bea", hours=((8, 18),))
    signed_in(client, "Front desk").get(SHEET, {"date": "2026-11-30"})  # warm the clinic profile cache
    for hour in (8, 10):
        owing(patient := make_patient(), "10.00", on=local(2026, 11, 23, hour), practitioner=busy)
        visit(busy, local(2026, 11, 30, hour), patient=patient)
    with CaptureQueriesContext(connection) as first:
        assert client.get(SHEET, {"date": "2026-11-30"}).content.decode().count("<strong>$10.00</strong>") == 2
    for hour in (12, 14, 16):
        owing(patient := make_patient(), "10.00", on=local(2026, 11, 23, hour), practitioner=busy)
        visit(busy, local(2026, 11, 30, hour), patient=patient)
    with CaptureQueriesContext(connection) as second:
        assert client.get(SHEET, {"date": "2026-11-30"}).content.decode().count("<strong>$10.00</strong>") == 5
    assert len(second) == len(first)


def test_the_sheet_is_get_only_and_never_cached(client, clinic):
    signed_in(client, "Front desk")
    assert client.post(SHEET).status_code == 405
    assert "no-store" in client.get(SHEET)["Cache-Control"]


# --- the reconciliation -----------------------------------------------------------------------------
def test_the_reconciliation_totals_the_days_payments_by_method(client, clinic):
    invoices = [owing(make_patient(), "140.00", on=local(2026, 11, 23 + i, 9)) for i in range(3)]
    for invoice in invoices:
        billing.record_payment(invoice=invoice, method="debit", amount=Decimal("33.33"), received_on=DAY,
                               actor=None, now=NOW, reference="T-1")
    billing.record_payment(invoice=invoices[0], method="credit_card", amount=Decimal("1.01"), received_on=DAY,
                           actor=None, now=NOW)
    billing.record_payment(invoice=invoices[1], method="cash", amount=Decimal("99.00"), received_on=date(2026, 11, 29),
                           actor=None, now=NOW)
    response = signed_in(client, "Front desk").get(RECON, {"date": "2026-11-30"})
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"Debit card</th><td[^>]*>3</td><td[^>]*>\$99\.99<", html)
    assert re.search(r"Credit card</th><td[^>]*>1</td><td[^>]*>\$1\.01<", html)
    assert re.search(r"Card terminal batch</th><td[^>]*>4</td><td[^>]*>\$101\.00<", html)
    assert re.search(r"Cash</th><td[^>]*>0</td><td[^>]*>\$0\.00<", html)  # the 99.00 came in the day before
    assert f'href="/staff/invoices/{invoices[0].number}/">{invoices[0].display_number}</a>' in html
    assert "The payments (4)" in html


def test_the_reconciliation_lists_visits_left_open_and_balances_outstanding(client, clinic):
    done = visit(clinic["daniel"], local(2026, 11, 30, 14), status=Status.COMPLETED,
                 patient=make_patient(first_name="Una", last_name="Invoiced"))
    checked = visit(clinic["daniel"], local(2026, 11, 30, 15), status=Status.COMPLETED,
                    patient=make_patient(first_name="Cy", last_name="Checked"))
    billing.check_out(appointment=checked, actor=None, now=NOW)
    old = owing(make_patient(first_name="Olga", last_name="Older"), "12.00", on=local(2026, 11, 23, 9))
    Invoice.objects.filter(pk=old.pk).update(issued_at=local(2026, 11, 23, 10))
    html = signed_in(client, "Front desk").get(RECON, {"date": "2026-11-30"}).content.decode()
    open_visits = html[html.index('id="open-h"'):html.index('id="owing-h"')]
    assert "Una Invoiced" in open_visits and "Cy Checked" not in open_visits.split("Not marked yet")[0]
    assert "Not marked yet (2)" in open_visits and "Noor Haddad" in open_visits and "Robin Okafor" in open_visits
    owed = html[html.index('id="owing-h"'):]
    assert owed.index(old.display_number) < owed.index("Cy Checked")  # oldest first
    assert "2 invoices owing" in owed and "$152.00" in owed
    assert done.reference in open_visits


def test_the_reconciliation_is_for_those_who_take_payments(client, clinic):
    assert signed_in(client, "Practitioner", clinic["maya"]).get(RECON).status_code == 403
    assert signed_in(client, "Front desk").get(RECON, {"date": "nope"}).status_code == 400


# --- balances on the day calendar and the patient page ----------------------------------------------
def test_the_day_calendar_marks_patients_who_owe_for_those_who_see_money(client, clinic):
    owing(clinic["robin"], "35.50")
    html = signed_in(client, "Front desk").get(CALENDAR, {"date": "2026-11-30"}).content.decode()
    blocks = dict(re.findall(r'<a class="cal-appt [^"]*" href="/staff/appointments/(\w+)/">(.*?)</a>', html, re.S))
    assert "Owes $35.50" in blocks[clinic["evening"].reference]
    assert "Owes" not in blocks[clinic["morning"].reference]
    client.logout()
    html = signed_in(client, "Practitioner", clinic["maya"]).get(CALENDAR, {"date": "2026-11-30"}).content.decode()
    assert "Robin Okafor" in html and "Owes" not in html


def test_the_day_calendar_needs_the_same_queries_for_twice_the_owing_patients(client, clinic,
                                                                              django_assert_max_num_queries):
    practitioner = make_practitioner("Busy Bea", hours=((8, 18),))

    def add(hours):
        for hour in hours:
            patient = make_patient()
            owing(patient, "10.00", on=local(2026, 11, 23, hour), practitioner=practitioner)
            visit(practitioner, local(2026, 11, 30, hour), patient=patient)

    add((8, 10))
    signed_in(client, "Front desk").get(CALENDAR, {"date": "2026-11-30"})  # warm the clinic profile cache
    # 12: the calendar's own, one for the balances and one for the visits in an IMS course (test_calendar.py)
    with django_assert_max_num_queries(12), CaptureQueriesContext(connection) as first:
        html = client.get(CALENDAR, {"date": "2026-11-30"}).content.decode()
    assert html.count("Owes $10.00") == 2
    add((12, 14, 16))
    with CaptureQueriesContext(connection) as second:
        html = client.get(CALENDAR, {"date": "2026-11-30"}).content.decode()
    assert html.count("Owes $10.00") == 5
    assert len(second) == len(first)


def test_the_day_calendar_links_to_the_sheet_and_for_the_desk_to_the_reconciliation(client, clinic):
    html = signed_in(client, "Front desk").get(CALENDAR, {"date": "2026-11-30"}).content.decode()
    assert 'href="/staff/day-sheet/?date=2026-11-30"' in html
    assert 'href="/staff/reconciliation/?date=2026-11-30"' in html
    client.logout()
    html = signed_in(client, "Practitioner", clinic["maya"]).get(CALENDAR, {"date": "2026-11-30"}).content.decode()
    assert 'href="/staff/day-sheet/?date=2026-11-30"' in html and "/staff/reconciliation/" not in html


def test_the_patient_page_shows_the_balance_and_every_invoice_to_the_desk_only(client, clinic):
    robin = clinic["robin"]
    owing(robin, "0.00", on=local(2026, 11, 25, 9))  # paid in full: listed, but not in the balance
    first = owing(robin, "35.50")
    void = owing(robin, "140.00", on=local(2026, 11, 24, 9))
    billing.void_invoice(invoice=void, reason="Wrong patient", actor=None, now=NOW)
    html = signed_in(client, "Front desk").get(f"/staff/patients/{robin.pk}/").content.decode()
    assert "Balance owing" in html
    assert (f'<strong>$35.50</strong> on <a href="/staff/invoices/{first.number}/">invoice {first.display_number}</a>'
            " ($35.50)</p>") in html
    invoices = html[html.index('id="invoices-heading"'):]
    assert "Invoices (3)" in invoices and f'href="/staff/invoices/{first.number}/"' in invoices
    assert "Void</span> <bdi>Wrong patient</bdi>" in invoices and "$104.50" in invoices  # paid on the first
    client.logout()
    response = signed_in(client, "Practitioner", clinic["maya"]).get(f"/staff/patients/{robin.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "Robin Okafor" in html
    assert "Balance owing" not in html and "Invoices (" not in html and "$" not in html
