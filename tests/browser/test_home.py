"""First browser test: a patient lands on the home page and finds the way to book."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_navigation_leads_to_booking_and_pages_pass_axe(page, axe):
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("Help for muscle and nerve pain")
    axe(page)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Book").click()
    page.wait_for_url("**/book/")
    assert page.locator("h1").inner_text() == "Book an appointment"
    axe(page)


def test_skip_link_is_first_in_focus_order_and_moves_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
