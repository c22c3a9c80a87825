"""A patient books an IMS assessment end to end in Chromium, on a phone and on a desktop.

axe-core must report zero violations on every step, including the step with validation errors.
"""

import pytest
import time_machine
from playwright.sync_api import expect

from booking.models import Appointment, Screening
from tests.factories import NOW, book, local, make_practitioner, make_service

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
    page.get_by_role("link", name="Choose this visit (IMS initial assessment and treatment)").click()

    page.wait_for_url("**/book/ims-assessment/#who")
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
    page.wait_for_url("**/book/ims-assessment/**")
    assert page.get_by_role("heading", name="Choose a time").is_visible()
    assert "IMS initial assessment and treatment" in page.locator(".booking-summary").inner_text()
    assert page.locator('.booking-steps li[aria-current="step"]').inner_text() == "Time"


def fill_details(page, *, email="alex.rivera@example.com"):
    page.fill("#id_p-first_name", "Alex")
    page.fill("#id_p-last_name", "Rivera")
    page.fill("#id_p-email", email)
    page.fill("#id_p-phone", "604 555 0199")
    page.fill("#id_p-date_of_birth", "1984-02-29")
    page.check('input[name="i-kind"][value="self_pay"]')
    for name, _, _ in Screening.QUESTIONS:
        page.check(f'input[name="s-{name}"][value="no"]')
    page.check("#id_p-consent")


DETAILS = "/book/ims-assessment/details/?who=any&start=2026-12-01T16:00:00Z"  # Tue 1 Dec, 9:00 BC time


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_no_patient_page_scrolls_sideways_at_320_px(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 700}, base_url=live_server.url)
    page = context.new_page()
    _, token = book(start=local(2026, 12, 3, 9))
    long_email = "a.very.long.name.indeed.for.a.patient@an-extended-health-insurer-example.com"
    pages = ["/book/", "/book/ims-assessment/", DETAILS, f"/book/manage/{token}/",
             f"/book/manage/{token}/reschedule/?from=2026-11-30&day=2026-12-04",
             f"/book/manage/{token}/reschedule/?from=2026-11-30&day=2026-12-04&start=2026-12-04T20:00:00Z"]
    for path in pages:
        page.goto(path)
        assert no_sideways_scroll(page), path
    page.goto(DETAILS)
    page.fill("#id_p-email", long_email)
    page.get_by_role("button", name="Continue to review").click()
    page.wait_for_url("**#error-summary")
    assert no_sideways_scroll(page), "the details page with errors"
    fill_details(page, email=long_email)
    page.get_by_role("button", name="Continue to review").click()
    page.wait_for_url("**step=review**")
    assert long_email in page.content() and no_sideways_scroll(page), "the review page"
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/book/requested/")
    assert no_sideways_scroll(page), "the sent page"
    book(start=local(2026, 12, 1, 10), practitioner=None)  # now the 10:00 time is taken
    page.goto("/book/ims-assessment/details/?who=any&start=2026-12-01T17:00:00Z")
    assert "no longer free" in page.content() and no_sideways_scroll(page), "the no-longer-free page"
    context.close()


def test_each_choice_lands_where_the_next_one_is(page):
    page.goto("/book/ims-assessment/")
    page.get_by_role("list", name="Practitioner").get_by_role("link", name="Maya Chen").click()
    page.wait_for_url("**#week")
    assert page.evaluate("document.activeElement.id") == "week"
    page.locator("a.day").nth(1).click()
    page.wait_for_url("**#times")
    assert page.evaluate("document.activeElement.id") == "times"
    page.keyboard.press("Tab")  # the next Tab reaches the first time, not the top of the page
    assert "time" in page.evaluate("document.activeElement.className")
    page.keyboard.press("Enter")
    page.wait_for_url("**#details-form")
    assert page.evaluate("document.activeElement.id") == "details-form"


def test_refresh_and_back_after_the_review_send_nothing_again(page):
    page.goto(DETAILS)
    fill_details(page)
    page.get_by_role("button", name="Continue to review").click()
    page.wait_for_url("**step=review**")
    again = page.reload()
    assert again.request.method == "GET" and page.get_by_role("heading", name="Check your request").is_visible()
    page.go_back()
    assert page.input_value("#id_p-first_name") == "Alex"  # Back shows the form as typed
    page.go_forward()
    assert page.get_by_role("heading", name="Check your request").is_visible()
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/book/requested/")
    assert page.reload().request.method == "GET"
    assert Appointment.objects.count() == 1


def test_send_request_pressed_again_while_the_first_is_on_its_way_is_not_sent_twice(page):
    """On a slow connection a patient taps "Send request" again: the second submit is stopped (checked
    with two submit events, which send nothing themselves), and the request then goes once."""
    page.goto(DETAILS)
    fill_details(page)
    page.get_by_role("button", name="Continue to review").click()
    page.wait_for_url("**step=review**")
    stopped = page.evaluate("""() => {
        const form = document.querySelector("form[data-submit-once]");
        const events = [new Event("submit", {cancelable: true}), new Event("submit", {cancelable: true})];
        events.forEach((event) => form.dispatchEvent(event));
        form.removeAttribute("data-sent");  // as ten seconds later
        return events.map((event) => event.defaultPrevented);
    }""")
    assert stopped == [False, True]
    page.get_by_role("button", name="Send request").click()
    page.wait_for_url("**/book/requested/")
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    assert Appointment.objects.count() == 1


def test_the_payment_part_shows_only_the_chosen_way_of_paying_and_the_note_counts_down(page):
    page.goto(DETAILS)
    insurer, claim = page.locator("#id_i-insurer"), page.locator("#id_i-claim_number")
    assert not insurer.is_visible() and not claim.is_visible()  # nothing chosen yet: nothing to fill in
    page.check('input[name="i-kind"][value="icbc"]')
    assert claim.is_visible() and not insurer.is_visible() and not page.locator("#id_i-employer").is_visible()
    page.check('input[name="i-kind"][value="worksafebc"]')
    assert page.locator("#id_i-employer").is_visible()
    page.check('input[name="i-kind"][value="extended_health"]')
    assert insurer.is_visible() and not claim.is_visible()
    page.fill("#id_p-patient_note", "x" * 1990)
    expect(page.locator("#note-count")).to_have_text("10 characters left")


def test_without_javascript_every_payment_field_stays_visible(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto(DETAILS)
    assert page.locator("#id_i-insurer").is_visible() and page.locator("#id_i-claim_number").is_visible()
    context.close()


def test_enter_on_the_no_longer_free_page_picks_no_time_for_the_patient(page):
    book(start=local(2026, 12, 1, 9))
    page.goto(DETAILS)
    assert "no longer free" in page.content()
    fill_details(page)
    with page.expect_navigation():
        page.press("#id_p-first_name", "Enter")
    assert "no longer free" in page.content() and not page.get_by_role("heading", name="Check your request").count()
    page.locator('input[name="alt_start"]').last.check()
    page.get_by_role("button", name="Continue with this time").click()
    page.wait_for_url("**step=review**")
    chosen = page.locator('input[name="start"]').first.get_attribute("value")
    assert chosen != "2026-12-01T16:00:00Z" and page.input_value('input[name="p-first_name"]') == "Alex"
