"""The yearly statement through the front door: the year's paid visits, the patient's own share kept
apart from a plan's, the PDF's text, and the same "own patients only" rule as everywhere."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from pypdf import PdfReader

from booking.billing import services as billing
from booking.billing.models import Invoice
from booking.models import Appointment
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def login(client, role, practitioner=None):
    user = User.objects.create_user(username=role.lower().replace(" ", "-"), password="x")
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    client.force_login(user)


def paid_visit(patient, practitioner, start, payments):
    visit, _ = book(start=start, practitioner=practitioner, patient=patient, now=start.replace(day=1))
    Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.COMPLETED)
    invoice = billing.check_out(appointment=visit, actor=None, now=start)
    for method, amount in payments:
        billing.record_payment(invoice=invoice, method=method, amount=Decimal(amount), received_on=start.date(),
                               actor=None, now=start, payer="Pacific Blue Cross" if method == "insurer" else "")
    return invoice


@pytest.fixture
def year_of_visits():
    maya = make_practitioner("Maya Chen")
    robin = make_patient(first_name="Robin", last_name="Okafor")
    invoices = [
        paid_visit(robin, maya, local(2026, 3, 10, 9), [("insurer", "100.00"), ("debit", "40.00")]),
        paid_visit(robin, maya, local(2026, 11, 24, 9), [("cash", "140.00")]),
        paid_visit(robin, maya, local(2025, 12, 30, 9), [("cash", "140.00")]),  # last year
    ]
    unpaid, _ = book(start=local(2026, 11, 26, 9), practitioner=maya, patient=robin, now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=unpaid.pk).update(status=Appointment.Status.COMPLETED)
    billing.check_out(appointment=unpaid, actor=None, now=NOW)  # owing: not on the statement
    return robin, maya, invoices


def test_the_statement_lists_the_years_paid_visits_with_the_patients_own_share(client, year_of_visits):
    robin, _, (march, november, last_year) = year_of_visits
    login(client, "Front desk")
    response = client.get(f"/staff/patients/{robin.pk}/statement/2026/")
    page = response.content.decode()
    assert response.status_code == 200
    assert march.display_number in page and november.display_number in page
    assert last_year.display_number not in page
    assert "$280.00" in page and "$100.00" in page and "$180.00" in page  # charged, by a plan, by the patient
    assert "Pacific Blue Cross" in page
    assert ">2025</a>" in page  # the other year with payments is a link away
    patient_page = client.get(f"/staff/patients/{robin.pk}/").content.decode()
    assert f'href="/staff/patients/{robin.pk}/statement/2026/">2026</a>' in patient_page
    assert f'href="/staff/patients/{robin.pk}/statement/2025/">2025</a>' in patient_page


def test_a_patient_with_one_year_of_payments_has_no_other_years(client, year_of_visits):
    robin, _, (_, _, last_year) = year_of_visits
    Invoice.objects.filter(pk=last_year.pk).update(service_date=date(2026, 1, 5))  # every payment in 2026
    login(client, "Front desk")
    page = client.get(f"/staff/patients/{robin.pk}/statement/2026/").content.decode()
    assert "Other years: none</span>" in page


def test_the_pdf_reads_back_with_every_paid_visit_and_the_totals(client, year_of_visits):
    robin, maya, (march, november, _) = year_of_visits
    login(client, "Clinic admin")
    response = client.get(f"/staff/patients/{robin.pk}/statement/2026.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="statement-2026-patient-{robin.pk}.pdf"'
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("Statement of paid visits, 2026", "Robin Okafor", march.display_number,
                     november.display_number, "Maya Chen", "$280.00", "$180.00", "$100.00"):
        assert expected in text, expected


def test_practitioners_and_strangers_get_no_statement(client, year_of_visits):
    robin, maya, _ = year_of_visits
    login(client, "Practitioner", practitioner=maya)  # their own patient, but no money permission
    assert client.get(f"/staff/patients/{robin.pk}/statement/2026/").status_code == 403
    client.logout()
    login(client, "Front desk")
    assert client.get(f"/staff/patients/{robin.pk}/statement/99999999999/").status_code == 404
    assert client.get("/staff/patients/999999/statement/2026/").status_code == 404
    empty = client.get(f"/staff/patients/{robin.pk}/statement/2024/").content.decode()
    assert "No paid visits with a date of service in 2024" in empty


def test_a_credit_and_what_is_still_owing_show_so_the_columns_add_up(client):
    maya, robin = make_practitioner("Maya Chen"), make_patient(first_name="Robin", last_name="Okafor")
    credited = paid_visit(robin, maya, local(2026, 11, 10, 9), [])
    billing.add_credit(invoice=credited, amount=Decimal("20.00"), reason="Courtesy", actor=None, now=NOW)
    billing.record_payment(invoice=credited, method="debit", amount=Decimal("120.00"), received_on=NOW.date(),
                           actor=None, now=NOW)
    part_paid = paid_visit(robin, maya, local(2026, 11, 17, 9), [("insurer", "100.00")])
    login(client, "Front desk")
    page = client.get(f"/staff/patients/{robin.pk}/statement/2026/").content.decode()
    rows = page[page.find("<tbody>"):page.find("</tbody>")]
    cells = lambda number: re.findall(r'<td class="num">\$([0-9.]+)', rows.split(number)[1].split("</tr>")[0])  # noqa: E731
    assert cells(credited.display_number) == ["140.00", "20.00", "0.00", "120.00", "0.00"]
    assert cells(part_paid.display_number) == ["140.00", "0.00", "100.00", "0.00", "40.00"]
    total = re.findall(r'<td class="num">\$([0-9.]+)', rows.split("Total for 2026")[1])
    assert total == ["280.00", "20.00", "100.00", "120.00", "40.00"]  # charged = credited + paid + owing
