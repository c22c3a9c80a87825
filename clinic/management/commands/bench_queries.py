"""Count the SQL queries of each page the load benchmark (`make bench`) requests.

Reads the plan written by `bench_data`, requests the same URLs through Django's test client against
the same database (the staff pages with the same session, the booking with one more free time, the
check-out with two visits the load run never reaches), and prints JSON: {"name": {"queries": N,
"status": S}}. Each page is requested once first to warm the caches, as on a running site; the second
request is counted (for the two POSTs: the second of two, each on a visit or time of its own).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from booking.models import Screening

GET_PAGES = ["healthz", "home", "article", "search", "week", "slots", "slots_session", "staff_day", "day_sheet",
             "report", "receipt_pdf", "course", "series", "waitlist_offer"]
# Counted with the page cache off (CLINIC_PAGE_CACHE=0): (the row, the page it loads, with a session?).
UNCACHED = [("slots_nocache", "slots", False), ("slots_session_nocache", "slots", True)]
STAFF_PAGES = {"staff_day", "day_sheet", "report", "receipt_pdf", "course", "series"}


def booking_post(slot: dict, *, email: str, csrf: str = "") -> dict:
    """The booking form as a patient submits it (tests/factories.py details_data, action=confirm)."""
    data = {
        "who": slot["who"], "start": slot["start"], "action": "confirm",
        "p-first_name": "Alex", "p-last_name": "Rivera", "p-email": email, "p-phone": "604-555-0199",
        "p-date_of_birth": "1984-02-29", "p-phn": "", "p-patient_note": "Sore neck for months", "p-consent": "on",
        "p-website": "", "i-kind": "self_pay",
    }
    data.update({f"s-{name}": "no" for name, _, _ in Screening.QUESTIONS})
    if csrf:
        data["csrfmiddlewaretoken"] = csrf
    return data


class Command(BaseCommand):
    help = "Count SQL queries per benchmarked page (reads the plan from bench_data); prints JSON."

    def add_arguments(self, parser):
        parser.add_argument("--plan", type=Path, required=True)
        parser.add_argument("--host", default="127.0.0.1", help="Host header (must be in ALLOWED_HOSTS).")

    def handle(self, *args, plan: Path, host: str, **options):
        data = json.loads(plan.read_text())
        urls = data["urls"]
        anonymous = Client(HTTP_HOST=host)
        staff = Client(HTTP_HOST=host)
        staff.cookies[data["session_cookie"]] = data["session_key"]
        results = {}
        patient = Client(HTTP_HOST=host)
        patient.cookies[data["session_cookie"]] = data["patient_session_key"]
        for name in GET_PAGES:
            client = staff if name in STAFF_PAGES else patient if name == "slots_session" else anonymous
            client.get(urls[name])
            with CaptureQueriesContext(connection) as queries:
                response = client.get(urls[name])
            results[name] = {"queries": len(queries), "status": response.status_code}
        with override_settings(CLINIC_PAGE_CACHE=False):
            for name, page, with_session in UNCACHED:
                client = patient if with_session else anonymous
                client.get(urls[page])
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(urls[page])
                results[name] = {"queries": len(queries), "status": response.status_code}
        # Two free times of its own (the last ones of the plan: the load run starts from the front).
        spare = data["free_slots"][-2:]
        if len(spare) < 2:
            raise CommandError("The plan has no spare free times for the booking.")
        for n, slot in enumerate(spare):
            booker = Client(HTTP_HOST=host)  # a new visitor each time: no session yet
            with CaptureQueriesContext(connection) as queries:
                response = booker.post(urls["book"], booking_post(slot, email=f"bench.queries{n}@example.com"))
        results["book"] = {"queries": len(queries), "status": response.status_code}
        # The check-out: the last two visits of the plan (the load run checks them out from the front).
        # The test client skips CSRF checks, as a form with its token passes them.
        spare = data["checkout_paths"][-2:]
        if len(spare) < 2:
            raise CommandError("The plan has no spare visits to check out.")
        for path in spare:
            with CaptureQueriesContext(connection) as queries:
                response = staff.post(path)
            if response.status_code == 302 and "/staff/invoices/" not in response["Location"]:
                raise CommandError(f"Check-out {path} redirected to {response['Location']}, not to an invoice.")
        results["checkout"] = {"queries": len(queries), "status": response.status_code}
        self.stdout.write(json.dumps(results))
