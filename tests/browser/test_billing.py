"""The front desk checks a visit out and prints the receipt, in Chromium."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from pypdf import PdfReader

from booking.models import Appointment
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def seen_visit(staff_roles):
    with time_machine.travel(NOW, tick=True):
        practitioner = make_practitioner("Maya Chen")
        practitioner.registration_number = "PT-04417"
        practitioner.save()
        visit, _ = book(start=local(2026, 11, 24, 9), practitioner=practitioner,
                        patient=make_patient(first_name="Robin", last_name="Okafor"), now=local(2026, 11, 20, 9))
        Appointment.objects.filter(pk=visit.pk).update(status=Appointment.Status.COMPLETED)
        user = User.objects.create_user(username="frontdesk", password="a-long-test-password")
        user.groups.add(Group.objects.get(name="Front desk"))
        yield visit


def sign_in(page):
    page.goto("/staff/login/")
    page.fill("#id_username", "frontdesk")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def test_check_out_take_payment_and_print_the_receipt_on_one_letter_page(browser, live_server, seen_visit, axe):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page)
    page.goto(f"/staff/appointments/{seen_visit.reference}/")
    page.get_by_role("button", name="Check out ($140.00)").click()
    page.wait_for_url("**/staff/invoices/**")
    assert "$140.00 owing" in page.content()
    axe(page)
    page.select_option("#id_pay-method", "debit")
    page.fill("#id_pay-amount", "140")
    page.get_by_role("button", name="Record payment").click()
    page.wait_for_url("**/staff/invoices/**")
    assert page.get_by_role("heading", name="Receipt").first.is_visible()
    axe(page)
    page.emulate_media(media="print")
    for size in ("Letter", "A4"):
        reader = PdfReader(io.BytesIO(page.pdf(format=size, print_background=True)))
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        assert len(reader.pages) == 1, f"the printed receipt fits on one {size} page"
        for expected in ("Robin Okafor", "Maya Chen, Physiotherapist", "No. PT-04417", "Debit card",
                         "Balance owing $0.00", "exempt from GST/HST"):
            assert expected in text, (size, expected)
        assert "Sign out" not in text and "Record payment" not in text  # only the receipt is printed
    context.close()


def test_invoice_and_the_patients_receipt_page_fit_a_phone_and_pass_axe(browser, live_server, seen_visit, axe):
    from booking.billing import services as billing

    invoice = billing.check_out(appointment=seen_visit, actor=None, now=NOW)
    token = seen_visit.issue_manage_token()
    Appointment.objects.filter(pk=seen_visit.pk).update(manage_token_hash=seen_visit.manage_token_hash)
    context = browser.new_context(viewport={"width": 320, "height": 700}, base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/book/manage/{token}/")
    link = page.get_by_role("link", name=f"Invoice {invoice.display_number} (PDF)")
    assert link.is_visible()
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    sign_in(page)
    page.goto(f"/staff/invoices/{invoice.number}/")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    context.close()


def test_the_desk_is_asked_about_a_missed_visits_fee_and_prints_a_yearly_statement(browser, live_server, seen_visit,
                                                                                  axe):
    from decimal import Decimal

    from booking.billing import services as billing
    from booking.billing.models import FeePolicy

    FeePolicy.objects.update_or_create(pk=1, defaults={"enabled": True})
    invoice = billing.check_out(appointment=seen_visit, actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="insurer", amount=Decimal("100.00"), received_on=NOW.date(),
                           payer="Pacific Blue Cross", actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="debit", amount=Decimal("40.00"), received_on=NOW.date(),
                           actor=None, now=NOW)
    missed, _ = book(start=local(2026, 11, 26, 9), practitioner=seen_visit.practitioner, patient=seen_visit.patient,
                     now=local(2026, 11, 20, 9), source=Appointment.Source.STAFF,
                     spacing_override="Test: two days after the first visit")
    Appointment.objects.filter(pk=missed.pk).update(status=Appointment.Status.NO_SHOW)
    context = browser.new_context(viewport={"width": 320, "height": 700}, base_url=live_server.url)
    page = context.new_page()
    sign_in(page)
    assert page.get_by_role("heading", name="Fees to charge or waive").is_visible()
    page.goto(f"/staff/appointments/{missed.reference}/")
    assert page.get_by_role("button", name="Charge $70.00").is_visible()
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.fill("#waive-reason", "First missed visit")
    page.get_by_role("button", name="Waive the fee").click()
    page.wait_for_url(f"**/staff/appointments/{missed.reference}/")
    assert "First missed visit" in page.content() and page.get_by_role("button", name="Charge $70.00").count() == 0
    page.goto(f"/staff/patients/{seen_visit.patient_id}/statement/2026/")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(media="print")
    for size in ("A4", "Letter"):
        reader = PdfReader(io.BytesIO(page.pdf(format=size, print_background=True)))
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        assert len(reader.pages) == 1, size
        for expected in ("Statement of paid visits, 2026", "Robin Okafor", invoice.display_number, "$100.00",
                         "$40.00", "Paid by you"):
            assert expected in text, (size, expected)
        assert "Download the PDF" not in text
    context.close()


def test_a_practitioner_writes_a_visit_note_on_a_phone(browser, live_server, seen_visit, axe):
    user = User.objects.create_user(username="maya", password="a-long-test-password")
    user.groups.add(Group.objects.get(name="Practitioner"))
    seen_visit.practitioner.user = user
    seen_visit.practitioner.save(update_fields=["user"])
    context = browser.new_context(viewport={"width": 320, "height": 700}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/staff/login/")
    page.fill("#id_username", "maya")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")
    page.goto(f"/staff/appointments/{seen_visit.reference}/")
    page.get_by_role("link", name="Write a visit note").click()
    page.fill("#visit-note-text", "Upper trapezius needled. Better rotation.")
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    page.get_by_role("button", name="Save the note").click()
    page.wait_for_url(f"**/staff/appointments/{seen_visit.reference}/")
    assert "visit note saved" in page.content() and "wrote visit note" in page.content()
    axe(page)
    context.close()
