"""The reports page and its CSV files, through the front door: who sees what, bad dates, the files."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from booking.billing import services as billing
from booking.models import Practitioner
from booking.reports import report
from tests.factories import NOW, local, make_patient, make_practitioner, make_service

from .conftest import Status, cancelled, visit

pytestmark = pytest.mark.django_db
PERIOD = {"from": "2026-11-02", "to": "2026-11-29"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):  # Monday 30 Nov 2026, 08:00 in BC
        yield


@pytest.fixture
def seen(users):
    """Four weeks of November: visits of two practitioners, a no-show, a late cancel, money."""
    maya = make_practitioner("Maya Chen")
    daniel = make_practitioner("Daniel Okafor")
    patient = make_patient(first_name="Quintessa", last_name="Zebulon")
    first = visit(local(2026, 11, 2, 9), maya, patient=patient)
    visit(local(2026, 11, 3, 9), maya)
    visit(local(2026, 11, 10, 9), daniel, status=Status.NO_SHOW)
    visit(local(2026, 11, 16, 9), daniel)
    cancelled(local(2026, 11, 17, 10), maya, at=local(2026, 11, 17, 7))
    invoice = billing.check_out(appointment=first, actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="icbc", amount=Decimal("106.63"), received_on=date(2026, 11, 2),
                           actor=None, now=NOW)
    billing.record_payment(invoice=invoice, method="debit", amount=Decimal("33.37"), received_on=date(2026, 11, 2),
                           actor=None, now=NOW)
    return users


class Tables(HTMLParser):
    """Every table of a page, by its caption: the text of each body row's cells."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = self._row = self._cell = None
        self._in_body = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "caption":
            self._caption = ""
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "caption":
            self.current = self._caption.strip()
            self.tables[self.current] = []
            self._caption = None
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join(self._cell.split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self.current].append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._caption is not None:
            self._caption += data
        elif self._cell is not None:
            self._cell += data


def rows_of(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    text = response.content.decode("utf-8").removeprefix("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == ["report", "item", "measure", "value"]
    return rows


def get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(f"staff:{name}"), params)


# --- who sees what --------------------------------------------------------------------------------
def test_the_front_desk_sees_visits_and_attendance_but_no_money(client, seen):
    response = get(client, seen["Front desk"], "reports", **PERIOD)
    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Visits per week" in page and 'id="chart-visits"' in page and "Utilisation per practitioner" in page
    assert "Payments received" not in page and "Invoiced" not in page and "$" not in page
    assert reverse("staff:reports-money-csv") not in page
    assert get(client, seen["Front desk"], "reports-money-csv", **PERIOD).status_code == 403
    assert get(client, seen["Front desk"], "reports-csv", **PERIOD).status_code == 200


def test_a_clinic_admin_sees_revenue_by_payer_and_by_practitioner(client, seen):
    page = get(client, seen["Clinic admin"], "reports", **PERIOD).content.decode()
    tables = Tables(page).tables
    assert tables["Payments received by method"][0] == ["Debit card", "Patient", "$33.37"]
    assert ["ICBC", "Third party", "$106.63"] in tables["Payments received by method"]
    assert tables["Invoiced per practitioner"] == [["Maya Chen", "$140.00", "$0.00", "$140.00"]]
    assert 'id="chart-payments"' in page and 'id="chart-invoiced"' in page
    assert reverse("staff:reports-money-csv") in page


def test_practitioners_cannot_reach_any_report(client, seen):
    for name in ("reports", "reports-csv", "reports-money-csv"):
        assert get(client, seen["Practitioner"], name, **PERIOD).status_code == 403, name


def test_the_reports_link_is_in_the_staff_menu_only_for_those_who_may_open_it(client, seen):
    link = f'href="{reverse("staff:reports")}"'
    assert link in get(client, seen["Front desk"], "today").content.decode()
    assert link not in get(client, seen["Practitioner"], "today").content.decode()


def test_patient_names_never_appear_in_reports_or_their_files(client, seen):
    for name in ("reports", "reports-csv", "reports-money-csv"):
        body = get(client, seen["Clinic admin"], name, **PERIOD).content.decode()
        assert "Quintessa" not in body and "Zebulon" not in body, name


# --- the period -----------------------------------------------------------------------------------
def test_without_dates_the_page_shows_the_last_twelve_full_weeks(client, seen):
    page = get(client, seen["Front desk"], "reports").content.decode()
    assert 'value="2026-09-07"' in page and 'value="2026-11-29"' in page
    assert len(Tables(page).tables["Kept visits per week"]) == 12


@pytest.mark.parametrize("params, message", [
    ({"from": "2026-02-30", "to": "2026-11-29"}, "“From” must be a date written YYYY-MM-DD"),
    ({"from": "2026-09-01", "to": "next <b>week</b>"}, "not “next &lt;b&gt;week&lt;/b&gt;”"),
    ({"from": "2026-11-29", "to": "2026-09-01"}, "“From” must be on or before “To”"),
    ({"from": "2024-01-01", "to": "2026-11-29"}, "Choose at most 366 days"),
])
@pytest.mark.parametrize("name", ["reports", "reports-csv", "reports-money-csv"])
def test_bad_dates_get_400_with_the_message_and_what_was_typed(client, seen, params, message, name):
    response = get(client, seen["Clinic admin"], name, **params)
    page = response.content.decode()
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert message in page and 'role="alert"' in page
    for typed in params.values():
        assert f'value="{typed.replace("<", "&lt;").replace(">", "&gt;")}"' in page
    assert 'id="chart-visits"' not in page


def test_weeks_cut_by_the_period_show_the_days_they_cover(client, seen):
    page = get(client, seen["Front desk"], "reports", **{"from": "2026-11-04", "to": "2026-11-18"}).content.decode()
    table = Tables(page).tables["Kept visits per week"]
    assert table == [["4–8 Nov 2026", "0"], ["9–15 Nov 2026", "0"], ["16–18 Nov 2026", "1"]]


@pytest.mark.parametrize("first, last, label", [
    (date(2026, 9, 28), date(2026, 10, 4), "28 Sep – 4 Oct 2026"),
    (date(2026, 12, 28), date(2027, 1, 3), "28 Dec 2026 – 3 Jan 2027"),
    (date(2026, 9, 7), date(2026, 9, 7), "7 Sep 2026"),
])
def test_spans_of_days_read_naturally(first, last, label):
    assert report.span(first, last) == label


# --- the files ------------------------------------------------------------------------------------
def test_the_visits_csv_holds_the_numbers_of_the_tables(client, seen):
    page = get(client, seen["Front desk"], "reports", **PERIOD).content.decode()
    tables = Tables(page).tables
    rows = rows_of(get(client, seen["Front desk"], "reports-csv", **PERIOD))
    kept = [r for r in rows if r[0] == "visits per week"]
    assert [r[1] for r in kept] == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert [r[3] for r in kept] == [cells[1] for cells in tables["Kept visits per week"]] == ["2", "0", "1", "0"]
    assert tables["Kept visits per week"][0][0] == "2–8 Nov 2026"
    attendance = {(r[1], r[2]): r[3] for r in rows if r[0] == "attendance per week"}
    assert attendance["2026-11-09", "no-show rate (%)"] == "100.0"
    assert attendance["2026-11-16", "late-cancel rate (%)"] == "50.0"
    assert attendance["2026-11-23", "no-show rate (%)"] == ""  # no visits that week: no rate
    assert tables["No-shows and late cancellations per week"] == [
        ["2 Nov", "2", "0 (0.0 %)", "0 (0.0 %)"],
        ["9 Nov", "1", "1 (100.0 %)", "0 (0.0 %)"],
        ["16 Nov", "2", "0 (0.0 %)", "1 (50.0 %)"],
        ["23 Nov", "0", "0 (–)", "0 (–)"]]
    for (week, measure), value in attendance.items():
        if measure == "visits counted":
            assert value == next(cells[1] for cells, w in zip(tables["No-shows and late cancellations per week"],
                                                              [r[1] for r in kept], strict=True) if w == week)
    utilisation = {(r[1], r[2]): r[3] for r in rows if r[0] == "utilisation"}
    for name, booked, working, rate in tables["Utilisation per practitioner"]:
        assert (utilisation[name, "booked hours"], utilisation[name, "working hours"],
                f"{utilisation[name, 'utilisation (%)']} %") == (booked, working, rate)
    assert ["IMS visits per course", "1 visit", "courses", "3"] in rows


def test_the_money_csv_holds_the_money_tables_in_plain_numbers(client, seen):
    rows = rows_of(get(client, seen["Clinic admin"], "reports-money-csv", **PERIOD))
    assert ["payments received", "Debit card", "received (patient)", "33.37"] in rows
    assert ["payments received", "ICBC", "received (third party)", "106.63"] in rows
    assert ["payments received", "Total", "received (all)", "140.00"] in rows
    assert ["invoiced per practitioner", "Maya Chen", "net invoiced", "140.00"] in rows
    assert not any(r[0] in ("visits per week", "utilisation") for r in rows)


def test_a_practitioner_name_that_looks_like_a_formula_is_text_in_the_csv(client, seen):
    Practitioner.objects.filter(name="Maya Chen").update(name='=HYPERLINK("http://evil.example")')
    rows = rows_of(get(client, seen["Clinic admin"], "reports-csv", **PERIOD))
    names = {r[1] for r in rows if r[0] == "utilisation"}
    assert "'=HYPERLINK(\"http://evil.example\")" in names and not any(n.startswith("=") for n in names)


def test_a_practitioner_name_with_markup_is_shown_as_text(client, seen):
    Practitioner.objects.filter(name="Daniel Okafor").update(name="<script>alert(1)</script>")
    page = get(client, seen["Clinic admin"], "reports", **PERIOD).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # the chart's label, its bar's title, the table
    names = [r[0] for r in Tables(page).tables["Utilisation per practitioner"]]
    assert "<script>alert(1)</script>" in names


def test_the_page_costs_the_same_queries_whatever_the_data(client, seen):
    client.force_login(seen["Clinic admin"])
    client.get(reverse("staff:reports"), PERIOD)  # the clinic profile is made and cached on first use
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("staff:reports"), PERIOD)
    for day in range(2, 28):
        patient = make_patient()
        for hour in (18, 19):
            visit(local(2026, 11, day, hour), make_practitioner(), service=make_service("ims-follow-up"),
                  patient=patient)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse("staff:reports"), PERIOD).status_code == 200
    # session, user, permissions, the clinic profile, 12 for the reports, and the plans made for the period
    # (plan_cache_mode set in a savepoint and put back after it here; in a request, its own transaction and
    # one query)
    assert len(few) == len(many) <= 20
