"""Patient-education pages in a real Chromium: accessible at desktop and phone widths."""

import pytest

from education.loader import load_shipped_content

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "index": "/ims/",
    "article": "/ims/ims-vs-acupuncture/",  # has a table: the widest body on a phone
    "condition": "/ims/conditions/whiplash/",
    "search": "/ims/search/?q=neck+pain",
    "no-results": "/ims/search/?q=xylophone",
    "faq": "/ims/faq/",
    "conditions": "/ims/conditions/",
}


@pytest.fixture(autouse=True)
def shipped_content():
    # transaction=True flushes the rows the data migration loaded: put them back.
    load_shipped_content()


@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_education_page_has_no_axe_violations(page, axe, path):
    page.goto(path)
    assert page.locator("h1").count() == 1
    axe(page)


@pytest.mark.parametrize("path", list(PAGES.values()), ids=list(PAGES))
def test_education_page_never_scrolls_sideways(page, path):
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0


def test_book_cta_on_an_article_preselects_the_ims_assessment(page):
    page.goto("/ims/what-is-ims/")
    cta = page.get_by_role("link", name="Book an IMS assessment")
    assert cta.get_attribute("href") == "/book/?service=ims-assessment"
    cta.click()
    page.wait_for_url("**/book/?service=ims-assessment")


def test_search_form_works_without_javascript(browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/ims/")
        page.get_by_label("Search our patient information").fill("tennis elbow")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/ims/search/?q=tennis+elbow")
        first = page.locator(".result__title a").first
        assert first.inner_text() == "Tennis elbow"
    finally:
        context.close()
