"""The front desk's money pages through the front door: check out, pay, credit, void, the receipt."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from booking.billing.models import Invoice, Payment
from booking.models import Appointment
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = pytest.mark.django_db


def signed_in(client, role, practitioner=None, name=None):
    user = User.objects.create_user(username=name or role.lower().replace(" ", "-"), password="x")
    user.groups.add(Group.objects.get(name=role))
    if practitioner is not None:
        practitioner.user = user
        practitioner.save(update_fields=["user"])
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def visit():
    appointment, _ = book(start=local(2026, 11, 24, 9), practitioner=make_practitioner("Maya Chen"),
                          patient=make_patient(first_name="Robin", last_name="Okafor"), now=local(2026, 11, 20, 9))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.COMPLETED)
    appointment.refresh_from_db()
    return appointment


def check_out(client, visit) -> Invoice:
    response = client.post(f"/staff/appointments/{visit.reference}/check-out/")
    invoice = Invoice.objects.get(appointment=visit)
    assert response.status_code == 302 and response["Location"] == f"/staff/invoices/{invoice.number}/"
    return invoice


def test_the_front_desk_checks_out_takes_a_split_payment_and_prints_the_receipt(client, visit):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    page = client.get(f"/staff/invoices/{invoice.number}/").content.decode()
    assert "Invoice " + invoice.display_number in page and "$140.00 owing" in page and "Robin Okafor" in page
    icbc = {"pay-method": "icbc", "pay-amount": "106.63", "pay-received_on": "2026-11-30", "pay-payer": "ICBC",
            "pay-reference": "CLAIM 77"}
    assert client.post(f"/staff/invoices/{invoice.number}/payments/", icbc).status_code == 302
    debit = {"pay-method": "debit", "pay-amount": "$33.37", "pay-received_on": "2026-11-30"}
    assert client.post(f"/staff/invoices/{invoice.number}/payments/", debit).status_code == 302
    invoice.refresh_from_db()
    assert invoice.paid_in_full and Payment.objects.count() == 2
    assert "Receipt " + invoice.display_number in client.get(f"/staff/invoices/{invoice.number}/").content.decode()
    pdf = client.get(f"/staff/invoices/{invoice.number}/receipt.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def sent_form_key(page: str, prefix: str) -> str:
    """The key written into the page's payment or credit form (its hidden ``submission`` field)."""
    import re

    return re.search(rf'name="{prefix}-submission" value="([0-9a-f-]{{36}})"', page).group(1)


def test_a_payment_or_credit_form_sent_twice_is_recorded_once(client, visit):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    page = client.get(f"/staff/invoices/{invoice.number}/").content.decode()
    pay = {"pay-method": "debit", "pay-amount": "40.00", "pay-received_on": "2026-11-30",
           "pay-submission": sent_form_key(page, "pay")}
    credit = {"credit-amount": "10.00", "credit-reason": "Courtesy", "credit-submission": sent_form_key(page, "credit")}
    for data, url in ((pay, "payments"), (credit, "credits")):
        assert client.post(f"/staff/invoices/{invoice.number}/{url}/", data).status_code == 302
        again = client.post(f"/staff/invoices/{invoice.number}/{url}/", data, follow=True)
        assert again.status_code == 200 and "That form was sent twice: it is recorded once." in again.content.decode()
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("40.00") and invoice.amount_credited == Decimal("10.00")
    assert invoice.payments.count() == 1 and invoice.credits.count() == 1
    fresh = client.get(f"/staff/invoices/{invoice.number}/").content.decode()
    assert sent_form_key(fresh, "pay") != pay["pay-submission"]  # a new form, a new key: the next payment counts
    more = {**pay, "pay-amount": "5.00", "pay-submission": sent_form_key(fresh, "pay")}
    assert client.post(f"/staff/invoices/{invoice.number}/payments/", more).status_code == 302
    assert invoice.payments.count() == 2
    # a form without its key (or with a garbled one) is still recorded, just without the guard
    for key in ("", "not-a-key"):
        assert client.post(f"/staff/invoices/{invoice.number}/payments/",
                           {**pay, "pay-amount": "1.00", "pay-submission": key}).status_code == 302
    assert invoice.payments.count() == 4


def test_an_overpayment_is_refused_next_to_the_field_and_nothing_is_stored(client, visit):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    response = client.post(f"/staff/invoices/{invoice.number}/payments/",
                           {"pay-method": "cash", "pay-amount": "140.01", "pay-received_on": "2026-11-30"})
    html = response.content.decode()
    assert response.status_code == 400 and "more than the $140.00 still owed" in html and 'value="140.01"' in html
    assert not Payment.objects.exists()


def test_card_numbers_are_refused_in_every_field(client, visit):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    for field in ("pay-reference", "pay-payer"):
        data = {"pay-method": "credit_card", "pay-amount": "10", "pay-received_on": "2026-11-30",
                field: "4111 1111 1111 1111"}
        response = client.post(f"/staff/invoices/{invoice.number}/payments/", data)
        assert response.status_code == 400 and "Never record card numbers" in response.content.decode()
    assert not Payment.objects.exists()
    for path, data in (("credits", {"credit-amount": "10", "credit-reason": "refunded to card 4111/1111/1111/1111"}),
                       ("void", {"void-reason": "paid on card 4111111111111111"})):
        response = client.post(f"/staff/invoices/{invoice.number}/{path}/", data)
        html = response.content.decode()
        assert response.status_code == 400 and "Never record card numbers" in html
    invoice.refresh_from_db()
    assert not invoice.credits.exists() and not invoice.voided


@pytest.mark.parametrize("typed", ["1,40", "45,50", "1,2345", ",5"])
def test_a_decimal_comma_is_refused_not_read_as_thousands(client, visit, typed):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    response = client.post(f"/staff/invoices/{invoice.number}/payments/",
                           {"pay-method": "cash", "pay-amount": typed, "pay-received_on": "2026-11-30"})
    html = response.content.decode()
    assert response.status_code == 400 and "Write the cents after a point" in html
    assert not Payment.objects.exists() and f'value="{typed}"' in html  # what was typed stays


@pytest.mark.parametrize(("typed", "read"), [("1,250.00", "1250.00"), ("$1,000", "1000.00"), ("12,345.6", "12345.60")])
def test_thousands_grouping_is_read(typed, read):
    from booking.billing.forms import AmountField
    assert AmountField().clean(typed) == Decimal(read)


def test_a_payment_dated_more_than_a_year_ago_is_a_typed_year(client, visit):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    response = client.post(f"/staff/invoices/{invoice.number}/payments/",
                           {"pay-method": "cash", "pay-amount": "10", "pay-received_on": "1926-11-30"})
    assert response.status_code == 400 and "more than a year ago" in response.content.decode()
    assert not Payment.objects.exists()
    response = client.post(f"/staff/invoices/{invoice.number}/payments/",
                           {"pay-method": "cash", "pay-amount": "10", "pay-received_on": "2025-12-15"})
    assert response.status_code == 302 and Payment.objects.count() == 1


def test_a_practitioner_cannot_reach_invoices_or_take_money(client, visit):
    admin = signed_in(client, "Front desk")
    invoice = check_out(admin, visit)
    other = make_practitioner("Daniel Okafor")
    signed_in(client, "Practitioner", other, name="daniel")
    for path in (f"/staff/invoices/{invoice.number}/", f"/staff/invoices/{invoice.number}/receipt.pdf"):
        assert client.get(path).status_code == 403
    assert client.post(f"/staff/invoices/{invoice.number}/payments/",
                       {"pay-method": "cash", "pay-amount": "10", "pay-received_on": "2026-11-30"}).status_code == 403
    assert client.post(f"/staff/appointments/{visit.reference}/check-out/").status_code == 403
    assert not Payment.objects.exists()


def test_void_and_credit_need_a_reason(client, visit):
    signed_in(client, "Front desk")
    invoice = check_out(client, visit)
    assert client.post(f"/staff/invoices/{invoice.number}/void/", {"void-reason": ""}).status_code == 400
    assert client.post(f"/staff/invoices/{invoice.number}/credits/",
                       {"credit-amount": "10", "credit-reason": ""}).status_code == 400
    assert client.post(f"/staff/invoices/{invoice.number}/credits/",
                       {"credit-amount": "40", "credit-reason": "Short visit"}).status_code == 302
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("100.00") and not invoice.voided


AMOUNTS = st.one_of(
    st.sampled_from(["1e309", "-0", "NaN", "sNaN", "Infinity", "-Infinity", "10.005", "0", "-5", "99999999999",
                     "１０", "10,5", "", " ", "\x00", "$", "1" * 500, "0.001", "+5", "5e1"]),
    st.text(max_size=30),
)


@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=AMOUNTS, method=st.sampled_from(["cash", "debit", "bitcoin", "", "\x00"]),
       received=st.sampled_from(["2026-11-30", "2026-12-25", "9999-12-31", "0001-01-01", "x", ""]))
def test_hostile_amounts_never_500_and_never_overpay(client, visit, amount, method, received):
    # One database for every example of this test: the desk user and the invoice are made once.
    if not User.objects.filter(username="desk").exists():
        signed_in(client, "Front desk", name="desk")
    client.force_login(User.objects.get(username="desk"))
    invoice = Invoice.objects.filter(appointment=visit).first() or check_out(client, visit)
    before = Payment.objects.count()
    response = client.post(f"/staff/invoices/{invoice.number}/payments/",
                           {"pay-method": method, "pay-amount": amount, "pay-received_on": received})
    assert response.status_code in (302, 400)
    invoice.refresh_from_db()
    assert Decimal("0") <= invoice.amount_paid <= invoice.total
    if response.status_code == 400:
        assert Payment.objects.count() == before and 'id="error-summary"' in response.content.decode()


def test_a_checked_out_visit_cannot_be_undone_until_its_invoice_is_voided(client):
    from booking import services

    appointment, _ = book(start=local(2026, 11, 30, 9), practitioner=make_practitioner(), now=local(2026, 11, 20, 9))
    services.confirm_appointment(appointment=appointment, actor=None)
    with time_machine.travel(local(2026, 11, 30, 9, 50), tick=False):
        services.mark_attendance(appointment=appointment, status=Appointment.Status.COMPLETED, actor=None,
                                 now=local(2026, 11, 30, 9, 50))
        signed_in(client, "Front desk")
        page = client.get(f"/staff/appointments/{appointment.reference}/").content.decode()
        assert "Undo: completed" in page  # before check-out the same-day undo is offered
        invoice = check_out(client, appointment)
        page = client.get(f"/staff/appointments/{appointment.reference}/").content.decode()
        assert "Undo: completed" not in page and f"Invoice {invoice.display_number}" in page
        refused = client.post(f"/staff/appointments/{appointment.reference}/undo/", follow=True).content.decode()
        assert "void its invoice first" in refused
        appointment.refresh_from_db()
        assert appointment.status == Appointment.Status.COMPLETED


REASONS = st.one_of(st.sampled_from(["", " ", "\x00", "Courtesy", "4111 1111 1111 1111", "x" * 400]),
                    st.text(max_size=40))


def _desk_and_invoice(client, visit) -> Invoice:
    if not User.objects.filter(username="desk").exists():
        signed_in(client, "Front desk", name="desk")
    client.force_login(User.objects.get(username="desk"))
    return Invoice.objects.filter(appointment=visit).first() or check_out(client, visit)


@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=AMOUNTS, reason=REASONS)
def test_hostile_credits_never_500_and_never_credit_past_what_is_owed(client, visit, amount, reason):
    invoice = _desk_and_invoice(client, visit)
    before = invoice.credits.count()
    response = client.post(f"/staff/invoices/{invoice.number}/credits/",
                           {"credit-amount": amount, "credit-reason": reason})
    assert response.status_code in (302, 400)
    invoice.refresh_from_db()
    assert Decimal("0") <= invoice.amount_credited <= invoice.total
    assert invoice.amount_credited == sum((c.amount for c in invoice.credits.all()), Decimal("0"))
    if response.status_code == 400:
        page = response.content.decode()
        assert invoice.credits.count() == before and 'id="error-summary"' in page


@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=REASONS, pay_first=st.booleans())
def test_hostile_voids_never_500_and_never_void_a_paid_invoice(client, visit, reason, pay_first):
    invoice = _desk_and_invoice(client, visit)
    if pay_first and not invoice.voided and invoice.balance:
        client.post(f"/staff/invoices/{invoice.number}/payments/",
                    {"pay-method": "cash", "pay-amount": "1.00", "pay-received_on": "2026-11-30"})
    response = client.post(f"/staff/invoices/{invoice.number}/void/", {"void-reason": reason})
    assert response.status_code in (302, 400)
    invoice.refresh_from_db()
    assert not (invoice.voided and invoice.amount_paid > 0)
    if invoice.voided:
        assert invoice.void_reason.strip() and "\x00" not in invoice.void_reason
