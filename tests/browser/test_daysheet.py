"""The day sheet and the reconciliation in Chromium: printed on A4 and on US letter with a page per
practitioner and no column cut off, accessible at 1280 px, and no sideways scroll at 320 px."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from pypdf import PdfReader

from booking.billing import services as billing
from booking.models import Appointment, Practitioner
from tests.factories import NOW, book, local, make_patient, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "daysheet-test-password-2026"
MM = 96 / 25.4  # CSS pixels per millimetre
PAPER_WIDTH_MM = {"A4": 210, "Letter": 215.9}
MARGIN_MM = 12  # static/css/daybook.css @page
LONG_INSURER = "Pacific Blue Cross Extended Health Benefits for Public Servants and Dependants"


@pytest.fixture(autouse=True)
def clinic_day(staff_roles):
    """Monday 30 November 2026: Daniel (listed first) and Maya, a morning each, long names and
    insurers, flags, a balance owing from an earlier visit, and the day's payments."""
    with time_machine.travel(NOW, tick=True):
        maya, daniel = make_practitioner("Maya Chen"), make_practitioner("Daniel Okafor")
        Practitioner.objects.filter(pk=daniel.pk).update(order=0)
        Practitioner.objects.filter(pk=maya.pk).update(order=1)
        staff = {"source": Appointment.Source.STAFF, "now": local(2026, 11, 20, 9)}
        for practitioner, names in ((maya, ("Alex", "Billie", "Casey")), (daniel, ("Emery", "Finley"))):
            for n, first in enumerate(names):
                patient = make_patient(first_name=first, last_name="Rivera-Montgomery-Vanderbilt",
                                       phone="+1 604-555-0100 ext. 4417")
                visit, _ = book(start=local(2026, 11, 30, 9 + n), practitioner=practitioner, patient=patient,
                                insurance={"kind": "extended_health", "insurer": LONG_INSURER, "direct_billing": True},
                                contact_phone="778-555-0199", **staff)
                earlier, _ = book(start=local(2026, 11, 23, 9 + n), practitioner=practitioner, patient=patient,
                                  **staff)
                Appointment.objects.filter(pk__in=[earlier.pk, visit.pk]).update(
                    status=Appointment.Status.COMPLETED, spacing_flag=True, no_prior_assessment_flag=True)
                invoice = billing.check_out(appointment=earlier, actor=None, now=NOW)
                billing.record_payment(invoice=invoice, method="debit", amount=Decimal("33.33"),
                                       received_on=date(2026, 11, 30), actor=None, now=NOW, reference="TERM-0001")
        user = User.objects.create_user("desk", password=PASSWORD)
        user.groups.add(Group.objects.get(name="Front desk"))
        yield


def signed_in_page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/staff/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")
    return context, page


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_the_day_sheet_prints_a_page_per_practitioner_with_every_column(browser, live_server, paper):
    printable = round((PAPER_WIDTH_MM[paper] - 2 * MARGIN_MM) * MM)
    context, page = signed_in_page(browser, live_server, {"width": printable, "height": 900})
    page.goto("/staff/day-sheet/?date=2026-11-30")
    page.emulate_media(media="print")
    # Laid out at the paper's printable width: no table wider than it, no cell's content spilling out.
    widths = page.evaluate(
        "() => [...document.querySelectorAll('table.sheet-table')].map(t => t.getBoundingClientRect().right)")
    assert len(widths) == 2 and max(widths) <= printable, (widths, printable)
    spilled = page.evaluate("""() => [...document.querySelectorAll('.sheet-table th, .sheet-table td')]
        .filter(c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.trim())""")
    assert spilled == []

    reader = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
    pages = [" ".join(p.extract_text().split()) for p in reader.pages]
    assert len(pages) == 2, pages
    daniel, maya = pages
    assert "Daniel Okafor" in daniel and "Emery" in daniel and "Finley" in daniel and "Maya Chen" not in daniel
    assert "Maya Chen" in maya and all(n in maya for n in ("Alex", "Billie", "Casey")) and "Emery" not in maya
    for text in pages:
        assert "Balance" in text and "$106.67" in text  # the last column: header and amounts
        assert "Monday 30 November 2026" in text
        assert "Sign out" not in text and "Previous day" not in text and "Show day" not in text
    context.close()


def test_the_day_sheet_and_reconciliation_pass_axe_and_fit_a_phone(browser, live_server, axe):
    for viewport in ({"width": 1280, "height": 900}, {"width": 320, "height": 700}):
        context, page = signed_in_page(browser, live_server, viewport)
        for url in ("/staff/day-sheet/?date=2026-11-30", "/staff/reconciliation/?date=2026-11-30",
                    "/staff/day-sheet/?date=not-a-date"):
            page.goto(url)
            assert page.locator("h1").first.is_visible()
            axe(page)
            assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth"), \
                (url, viewport)
        context.close()


def test_the_reconciliation_prints_without_navigation(browser, live_server):
    context, page = signed_in_page(browser, live_server, {"width": 1280, "height": 900})
    page.goto("/staff/reconciliation/?date=2026-11-30")
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4", print_background=True)))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "Card terminal batch 5 $166.65" in text and "Debit card 5 $166.65" in text
    assert "5 invoices owing $533.35" in text
    assert "Sign out" not in text and "Show day" not in text
    context.close()
