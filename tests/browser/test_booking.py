"""A patient books an IMS assessment end to end in Chromium, on a phone and on a desktop.

axe-core must report zero violations on every step, including the step with validation errors.
"""

import pytest
import time_machine

from booking.models import Appointment, Screening
from tests.factories import NOW, make_practitioner, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def clinic_with_a_practitioner():
    with time_machine.travel(NOW, tick=True):
        make_service()
        make_practitioner("Maya Chen")
        yield


def test_patient_books_an_ims_assessment_end_to_end(page, axe):
    page.goto("/book/")
    axe(page)
    page.get_by_role("link", name="Choose IMS initial assessment and treatment").click()

    page.wait_for_url("**/book/ims-assessment/")
    assert page.get_by_role("heading", name="Choose a time").is_visible()
    axe(page)
    page.get_by_role("list", name="Practitioner").get_by_role("link", name="Maya Chen").click()
    page.locator(".time-list a").first.click()

    page.wait_for_url("**/details/**")
    axe(page)
    page.fill("#id_p-first_name", "Alex")
    page.fill("#id_p-email", "not an email")
    page.get_by_role("button", name="Continue to review").click()

    # Errors: summary at the top, each linked to its field, and what was typed is still there.
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert "There are problems" in summary.inner_text()
    assert page.input_value("#id_p-first_name") == "Alex"
    axe(page)
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id").startswith("id_p-")

    page.fill("#id_p-last_name", "Rivera")
    page.fill("#id_p-email", "alex.rivera@example.com")
    page.fill("#id_p-phone", "604 555 0199")
    page.fill("#id_p-date_of_birth", "1984-02-29")
    page.check('input[name="i-kind"][value="extended_health"]')
    page.fill("#id_i-insurer", "Pacific Blue Cross")
    page.fill("#id_i-member_id", "ABC123")
    for name, _, _ in Screening.QUESTIONS:
        page.check(f'input[name="s-{name}"][value="{"yes" if name == "blood_thinners" else "no"}"]')
    page.check("#id_p-consent")
    page.get_by_role("button", name="Continue to review").click()

    assert page.get_by_role("heading", name="Check your request").is_visible()
    assert "Pacific Blue Cross" in page.content()
    assert "Do you take blood thinners" in page.content()
    axe(page)
    assert Appointment.objects.count() == 0
    page.get_by_role("button", name="Send request").click()

    page.wait_for_url("**/book/requested/")
    assert page.get_by_role("heading", name="Request sent").is_visible()
    axe(page)
    appointment = Appointment.objects.select_related("practitioner", "insurance", "screening").get()
    assert appointment.reference in page.locator(".reference").inner_text()
    assert appointment.practitioner.name == "Maya Chen" and appointment.insurance.insurer == "Pacific Blue Cross"
    assert appointment.screening.blood_thinners and not appointment.screening.pregnant

    page.locator(".manage-link a").click()
    assert page.get_by_role("heading", name="Your appointment", exact=True).is_visible()
    axe(page)


def test_the_book_cta_on_an_article_opens_booking_with_the_assessment_chosen(page):
    from education.loader import load_shipped_content

    load_shipped_content()
    page.goto("/ims/what-is-ims/")
    page.get_by_role("link", name="Book an IMS assessment").first.click()
    page.wait_for_url("**/book/ims-assessment/")
    assert page.get_by_role("heading", name="Choose a time").is_visible()
    assert "IMS initial assessment and treatment" in page.locator(".booking-summary").inner_text()
    assert page.locator('.booking-steps li[aria-current="step"]').inner_text() == "Time"
