"""The staff calendars in Chromium, on a desktop and a phone: accessible, usable without JavaScript, printable.

axe-core must report zero violations on the day and the week calendar.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from booking import services
from booking.models import Appointment, ClinicClosure, TimeOff
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "calendar-test-password-2026"


@pytest.fixture(autouse=True)
def clinic_day(staff_roles):
    """Monday 30 November 2026, 08:00 in BC: two practitioners with a morning of every status."""
    with time_machine.travel(NOW, tick=True):
        services_ = [make_service(), make_service("ims-follow-up")]
        maya = make_practitioner("Maya Chen", services_=services_, hours=((8, 12), (13, 17)))
        daniel = make_practitioner("Daniel Okafor", services_=services_, hours=((9, 12), (13, 18)))
        staff = {"source": Appointment.Source.STAFF, "now": NOW}
        visits = [
            book(start=local(2026, 11, 30, hour, minute), practitioner=p, service=services_[n % 2],
                 patient=make_patient(first_name=first, last_name="Rivera"), **staff)[0]
            for n, (p, hour, minute, first) in enumerate([
                (maya, 8, 0, "Alex"), (maya, 9, 0, "Billie"), (maya, 10, 0, "Casey"), (maya, 11, 0, "Drew"),
                (daniel, 9, 0, "Emery"), (daniel, 10, 30, "Finley"), (daniel, 16, 0, "Gray"),
            ])
        ]
        # marked at their visits' times: arrival from shortly before the start, a no-show after it
        services.mark_attendance(appointment=visits[0], status=Appointment.Status.COMPLETED, actor=None,
                                 now=visits[0].end)
        services.mark_arrived(appointment=visits[1], actor=None, now=visits[1].start)
        services.mark_attendance(appointment=visits[4], status=Appointment.Status.NO_SHOW, actor=None,
                                 now=visits[4].start + timedelta(minutes=15))
        services.cancel_appointment(appointment=visits[5], now=NOW, actor=None, reason="Unwell")
        Appointment.objects.filter(pk=visits[6].pk).update(status=Appointment.Status.REQUESTED)
        TimeOff.objects.create(practitioner=daniel, start=local(2026, 11, 30, 13), end=local(2026, 11, 30, 15),
                               reason="Course")
        ClinicClosure.objects.create(date=NOW.date() + timedelta(days=2), name="Staff training")
        user = User.objects.create_user("desk", password=PASSWORD)
        user.groups.add(Group.objects.get(name="Front desk"))
        yield


def visit(*parts):
    """An appointment link's name: its parts in order, read with a pause (comma) between them."""
    return re.compile(r"\s?,\s+".join(re.escape(part) for part in parts))


# Where each shown link and button of the header starts (one folded away or hidden has no box).
SHOWN_TOPS = "h => [...h.querySelectorAll('a, button')].filter(e => e.getClientRects().length)" \
             ".map(e => e.getBoundingClientRect().top)"


def sign_in(page):
    page.goto("/staff/login/")
    page.fill("#id_username", "desk")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/")


def test_day_calendar_is_accessible_and_links_to_each_appointment(page, axe):
    sign_in(page)
    if page.get_by_role("button", name="Menu").is_visible():  # a phone: the links are behind it
        page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Staff").get_by_role("link", name="Day", exact=True).click()
    page.wait_for_url("**/staff/day/")
    assert "Monday 30 November 2026" in page.get_by_role("heading", level=1).inner_text()
    for name in ("Maya Chen", "Daniel Okafor"):
        assert page.get_by_role("heading", level=2, name=re.compile(name)).is_visible()
    assert page.locator(".cal-col__off", has_text="Time off 1:00–3:00 p.m. (Course)").is_visible()
    axe(page)

    region = page.get_by_role("region", name="Day calendar, a column per practitioner")
    region.get_by_role("link", name=visit("9:00–9:30 a.m.", "Arrived", "Billie Rivera", "IMS follow-up")).click()
    page.wait_for_url("**/staff/appointments/*/")
    assert "Billie Rivera" in page.get_by_role("heading", level=1).inner_text()


def test_day_calendar_moves_between_days_without_javascript(page, axe):
    sign_in(page)
    page.goto("/staff/day/")
    page.get_by_role("link", name="Next day").click()
    assert "Tuesday 1 December 2026" in page.get_by_role("heading", level=1).inner_text()
    page.fill("#cal-date", "2026-12-02")
    page.get_by_role("button", name="Show day").click()
    assert "Wednesday 2 December 2026" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("The clinic is closed: Staff training.").is_visible()
    axe(page)
    page.goto("/staff/day/?date=2026-12-25")
    assert page.get_by_text("The clinic is closed: Christmas Day.").is_visible()
    axe(page)


def test_week_calendar_is_accessible_and_picks_a_practitioner(page, axe):
    sign_in(page)
    page.goto("/staff/week/")
    # the first active practitioner (this user is not one)
    assert page.get_by_role("heading", level=1).inner_text() == "Daniel Okafor: week of 30 November 2026"
    assert page.get_by_role("region", name="Week calendar, a column per day").get_by_role(
        "heading", level=2).count() == 7
    assert page.get_by_role("link", name=visit("No-show", "Emery Rivera")).is_visible()
    axe(page)

    page.select_option("#cal-practitioner", label="Maya Chen")
    page.get_by_role("button", name="Show week").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Maya Chen: week of 30 November 2026"
    assert page.get_by_role("link", name=visit("Completed", "Alex Rivera")).is_visible()
    page.get_by_role("link", name="Next week").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Maya Chen: week of 7 December 2026"
    axe(page)


def test_the_calendar_scrolls_sideways_inside_a_focusable_region_not_the_page(page):
    sign_in(page)
    page.goto("/staff/week/")
    region = page.get_by_role("region", name="Week calendar, a column per day")
    assert region.get_attribute("tabindex") == "0"
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= page.viewport_size["width"]  # the page itself never scrolls sideways
    if region.evaluate("el => el.scrollWidth > el.clientWidth"):  # a phone: seven days do not fit
        region.focus()
        page.keyboard.press("ArrowRight")
        # Poll from here: wait_for_function evaluates a string, which the Content-Security-Policy forbids.
        for _ in range(50):
            if region.evaluate("el => el.scrollLeft") > 0:
                break
            page.wait_for_timeout(20)
        assert region.evaluate("el => el.scrollLeft") > 0


def test_the_day_sheet_prints_on_one_landscape_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page)
    page.goto("/staff/day/")
    page.emulate_media(media="print")
    assert not page.locator(".staff-header").is_visible() and not page.locator(".cal-pick").first.is_visible()
    assert not page.locator(".cal-waitlist").is_visible()  # the waitlist's offer form is not printed either
    assert page.get_by_text("Billie Rivera").is_visible()
    pdf = page.pdf(format="Letter", landscape=True)
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1
    context.close()


def test_the_staff_header_is_one_row_at_1280_px_and_names_the_clinic_where_there_is_room(browser, live_server):
    """Brand, links and account on one row at the desk's 1280 px (two rows cost the calendar ~40 px);
    the clinic's name is shown from 1600 px and is part of the brand link's name at every width."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page)
    page.goto("/staff/day/")
    header = page.locator(".staff-header")
    tops = header.evaluate(SHOWN_TOPS)
    assert len(tops) >= 12 and max(tops) - min(tops) < 10, tops  # the desk's nine links, the brand, the account
    assert not page.get_by_role("button", name="Menu").is_visible()  # nothing folds on a desk's screen
    assert page.get_by_role("link", name="Harbourview Physiotherapy & IMS Staff").is_visible()
    assert page.locator(".staff-brand__name").bounding_box()["width"] <= 1
    page.set_viewport_size({"width": 1600, "height": 900})
    assert page.locator(".staff-brand__name").bounding_box()["width"] > 100
    tops = header.evaluate(SHOWN_TOPS)
    assert max(tops) - min(tops) < 10, tops
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_on_a_phone_the_staff_links_fold_behind_a_menu_button(browser, live_server, axe, javascript):
    """At 390 px the nine links and the account took three rows (~230 px) above the calendar. With
    JavaScript they fold behind "Menu" (one row, the brand beside it); opened, every link is there and
    Escape closes it again. Without JavaScript nothing is hidden."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                  java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page)
    page.goto("/staff/day/")
    header = page.locator(".staff-header")
    week = page.get_by_role("navigation", name="Staff").get_by_role("link", name="Week")
    if not javascript:
        assert week.is_visible() and not page.get_by_role("button", name="Menu").is_visible()
        context.close()
        return
    menu = page.get_by_role("button", name="Menu")
    assert menu.is_visible() and menu.get_attribute("aria-expanded") == "false"
    assert header.bounding_box()["height"] < 70
    assert not week.is_visible() and not page.get_by_role("button", name="Sign out").is_visible()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert week.is_visible() and page.get_by_role("button", name="Sign out").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.mouse.move(0, 800)  # off the button, and its colour change finished: axe reads the settled colours
    page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
    axe(page)
    week.focus()
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false" and not week.is_visible()
    assert page.evaluate("document.activeElement.textContent") == "Menu"
    menu.press("Enter")  # a button: the keyboard opens it too
    week.click()
    assert page.url.endswith("/staff/week/")
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "false"  # a new page starts closed
    page.set_viewport_size({"width": 1280, "height": 900})  # a window made wide shows every link, no button
    day = page.get_by_role("navigation", name="Staff").get_by_role("link", name="Day", exact=True)
    assert day.is_visible() and not page.get_by_role("button", name="Menu").is_visible()
    day.focus()  # narrowed again (zoomed in) with focus on a link: the menu stays open, focus stays there
    page.set_viewport_size({"width": 390, "height": 844})
    # The media query's change event comes at the browser's next rendering step, not within the resize
    # call: wait for it (reading the attribute at once raced it on CI).
    expect(page.get_by_role("button", name="Menu")).to_have_attribute("aria-expanded", "true")
    assert day.is_visible() and page.evaluate("document.activeElement.textContent") == "Day"
    context.close()
