"""The reports page in Chromium, as a clinic admin: charts visible, no sideways scrolling, axe clean."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, User

from booking.billing import services as billing
from booking.models import Appointment
from tests.factories import NOW, book, local, make_practitioner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password"
CHARTS = ("chart-visits", "chart-attendance", "chart-utilisation", "chart-ims", "chart-payments", "chart-invoiced")


@pytest.fixture
def admin(staff_roles):
    """Twelve weeks of visits for two practitioners (one with a long name), some paid, some missed."""
    practitioners = [make_practitioner("Maya Chen"), make_practitioner("Alexandra Konstantinopoulou-Whitfield")]
    monday = date(2026, 9, 7)
    for week in range(12):
        for n, practitioner in enumerate(practitioners):
            for hour in range(9, 9 + (week + n) % 4 + 1):
                day = monday + timedelta(weeks=week, days=n)
                start = local(day.year, day.month, day.day, hour)
                visit, _ = book(start=start, practitioner=practitioner, source=Appointment.Source.STAFF,
                                allow_outside_hours=True, now=start - timedelta(days=1))
                missed = (week + hour) % 7 == 0
                Appointment.objects.filter(pk=visit.pk).update(
                    status=Appointment.Status.NO_SHOW if missed else Appointment.Status.COMPLETED)
                if not missed and hour == 9:
                    invoice = billing.check_out(appointment=visit, actor=None, now=NOW)
                    billing.record_payment(invoice=invoice, method="icbc" if n else "debit",
                                           amount=Decimal("140.00"), received_on=day, actor=None, now=NOW)
    user = User.objects.create_user(username="owner", password=PASSWORD)
    user.groups.add(Group.objects.get(name="Clinic admin"))
    return user


@pytest.mark.parametrize("width", [1280, 320])
def test_the_reports_fit_the_screen_show_their_charts_and_pass_axe(browser, live_server, admin, axe, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.goto("/staff/login/?next=/staff/reports/%3Ffrom%3D2026-09-07%26to%3D2026-11-29")
    page.fill("#id_username", "owner")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/reports/**")
    assert page.get_by_role("heading", name="Visits per week").is_visible()
    for chart in CHARTS:
        svg = page.locator(f"svg#{chart}")
        svg.scroll_into_view_if_needed()
        assert svg.is_visible(), chart
        box = svg.bounding_box()
        assert box["width"] > 250 and box["height"] > 40, (chart, box)
        assert box["x"] + box["width"] <= width, chart
    assert page.get_by_role("img", name="Kept visits per week, 7 Sep – 29 Nov 2026").is_visible()
    assert page.locator("#chart-visits rect.chart-bar").count() == 12
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    axe(page)
    context.close()
