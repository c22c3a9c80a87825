"""The load benchmark's plumbing (`make bench`): the data set and plan that bench_data writes, and the
pages bench_queries requests. The timings themselves belong to the benchmark, not to a test."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Coalesce

from booking.billing.models import Invoice, InvoiceCounter, InvoiceLine, Payment
from booking.courses import services as courses
from booking.courses.models import Course, CourseVisit, VisitScore
from booking.courses.series import MAX_GAP_DAYS, MIN_GAP_DAYS
from booking.models import KEPT_STATUSES, Appointment
from booking.schedules import local_date
from clinic.bench.report import ENDPOINTS, P95_TARGETS


@pytest.fixture(scope="module")
def plan(django_db_setup, django_db_blocker, tmp_path_factory):
    """bench_data once for the module (it makes ~7,000 appointments) inside one transaction that is rolled
    back afterwards, as Django's TestCase does with setUpTestData; each test runs in a savepoint of it."""
    path = tmp_path_factory.mktemp("bench") / "plan.json"
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("bench_data", "--plan", str(path), "--force", stdout=io.StringIO())
        # Check the deferred foreign keys of those rows once, here: otherwise each test's teardown (which
        # checks them before rolling its savepoint back, and so un-checks them) checks all ~7,000 again.
        connection.check_constraints()
        # Statistics for the planner, as the load run has (it runs VACUUM ANALYZE first). Without them it
        # trusts what earlier tests left (near-empty tables) and may join ~7,000 rows by nested loops
        # for minutes. ANALYZE counts this transaction's own rows, and its figures roll back with them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        yield json.loads(path.read_text())
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_plan_has_a_url_for_every_endpoint_and_targets_name_real_ones(plan):
    assert {e.url_name for e in ENDPOINTS} <= set(plan["urls"])
    assert set(P95_TARGETS) <= {e.key for e in ENDPOINTS}


@pytest.mark.django_db
def test_no_time_the_booking_posts_take_is_in_the_week_the_slot_lists_show(plan):
    """Rows measured after the booking POST's must still find that week's free times, not a booked-up week."""
    monday = datetime.fromisoformat(plan["week"]).date()
    days = {local_date(datetime.fromisoformat(slot["start"])) for slot in plan["free_slots"]}
    assert len(plan["free_slots"]) > 100 and days
    assert not any(0 <= (day - monday).days <= 6 for day in days)
    assert plan["urls"]["slots"].endswith(f"week={plan['week']}&day={plan['slot_day']}")


@pytest.mark.django_db
def test_invoice_numbers_are_consecutive_and_the_counter_ends_at_the_last(plan):
    numbers = list(Invoice.objects.order_by("number").values_list("number", flat=True))
    assert len(numbers) > 1000
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    assert InvoiceCounter.objects.get(pk=1).last == numbers[-1]


@pytest.mark.django_db
def test_each_invoice_has_one_line_at_its_total_and_payments_that_add_up(plan):
    assert not Invoice.objects.annotate(n=Count("lines")).exclude(n=1).exists()
    assert InvoiceLine.objects.filter(amount=F("invoice__total")).count() == Invoice.objects.count()
    paid = Coalesce(Sum("payments__amount"), Value(Decimal("0.00")))
    assert not Invoice.objects.annotate(paid=paid).exclude(amount_paid=F("paid")).exists()
    assert {m for m in Payment.objects.values_list("method", flat=True).distinct()} >= {
        "debit", "credit_card", "cash", "insurer", "icbc", "worksafebc"}
    split = Invoice.objects.annotate(n=Count("payments")).filter(n__gt=1).count()
    assert split > 100
    owing = Invoice.objects.owing().count() / Invoice.objects.count()
    assert 0.05 < owing < 0.2


@pytest.mark.django_db
def test_every_check_out_path_is_a_completed_visit_without_an_invoice(plan):
    references = [path.split("/")[3] for path in plan["checkout_paths"]]
    assert len(references) == len(set(references)) > 1000
    visits = Appointment.objects.filter(reference__in=references)
    assert visits.filter(status=Appointment.Status.COMPLETED, invoices__isnull=True).count() == len(references)
    # Every older completed visit is invoiced: the ones left are the most recent.
    oldest_open = visits.order_by("start").first().start
    assert not Appointment.objects.filter(status=Appointment.Status.COMPLETED, start__lt=oldest_open,
                                          invoices__isnull=True).exists()


@pytest.mark.django_db
def test_bench_queries_answers_each_page_as_the_load_run_expects(plan, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    out = io.StringIO()
    call_command("bench_queries", "--plan", str(path), stdout=out)
    results = json.loads(out.getvalue())
    assert {name: r["status"] for name, r in results.items()} == {e.key: e.expect for e in ENDPOINTS}
    # Its two check-outs took the last two visits of the plan, which the load run leaves alone.
    spare = [p.split("/")[3] for p in plan["checkout_paths"][-2:]]
    assert Invoice.objects.filter(appointment__reference__in=spare).count() == 2


@pytest.mark.django_db
def test_each_course_keeps_one_patient_and_practitioner_with_kept_visits_a_week_or_two_apart(plan):
    assert 250 <= Course.objects.count() <= 300
    assert not CourseVisit.objects.exclude(appointment__patient=F("course__patient")).exists()
    assert not CourseVisit.objects.exclude(appointment__practitioner=F("course__practitioner")).exists()
    assert not CourseVisit.objects.exclude(appointment__status__in=list(KEPT_STATUSES)).exists()
    assert not Course.objects.annotate(n=Count("visits")).filter(n__gt=8).exists()
    assert Course.objects.annotate(n=Count("visits")).filter(n__gte=6).count() > 20
    for course in Course.objects.select_related("patient")[:60]:
        visits = list(course.kept_visits().select_related("insurance"))
        days = [local_date(v.start) for v in visits]
        assert course.started_on == days[0]
        assert all(MIN_GAP_DAYS <= (b - a).days <= MAX_GAP_DAYS for a, b in zip(days, days[1:], strict=False))
        assert {v.insurance.kind for v in visits} == {course.payer}
        # The patient's visits are the course's: the spacing rule holds for every IMS visit they have.
        assert Appointment.objects.filter(patient=course.patient).count() == len(visits)


@pytest.mark.django_db
def test_pain_scores_are_0_to_10_and_only_at_completed_course_visits(plan):
    scores = VisitScore.objects.all()
    assert scores.count() > 500
    assert not scores.filter(pain__gt=10).exists()
    assert not scores.exclude(appointment__status=Appointment.Status.COMPLETED).exists()
    assert scores.filter(appointment__course_visit__isnull=False).count() == scores.count()
    unscored = CourseVisit.objects.filter(appointment__status=Appointment.Status.COMPLETED,
                                          appointment__visit_score__isnull=True)
    assert not unscored.exists()


@pytest.mark.django_db
def test_plan_courses_have_a_chart_and_a_series_of_two_months_to_propose(plan):
    shown = Course.objects.get(pk=plan["urls"]["course"].split("/")[3])
    assert VisitScore.objects.filter(appointment__course_visit__course=shown).count() >= 4
    proposed = Course.objects.get(pk=plan["urls"]["series"].split("/")[3])
    assert courses.remaining_visits(proposed) >= 4
    latest = list(proposed.kept_visits())[-1]
    assert latest.start <= datetime.fromisoformat(plan["generated_at"])


@pytest.mark.django_db
def test_the_report_prints_a_row_and_an_address_for_every_endpoint(plan, capsys):
    from argparse import Namespace

    from clinic.bench.report import report
    from clinic.bench.run import NOT_RUN

    results = {e.key: {**NOT_RUN, "requests": 100, "rps": 10.0, "p50_us": 5_000, "p95_us": 20_000, "p99_us": 30_000}
               for e in ENDPOINTS}
    setup = {"port": 1, "pg_version": "16", "gunicorn": (5, 2), "wrk_version": "wrk 4", "warmup_bookings": 0,
             "warmup_checkouts": 0}
    args = Namespace(duration=10, warmup=2, connections=8, threads=2, keepalive=False, only=None)
    assert report(results=results, queries={}, weights=[], plan=plan, setup=setup, args=args)
    printed = capsys.readouterr().out
    for endpoint in ENDPOINTS:
        assert endpoint.label in printed and plan["urls"][endpoint.url_name] in printed
    assert "PASS  slot list, page cache off p95 <= 30 ms: 20.0 ms" in printed


def test_only_refuses_an_endpoint_it_does_not_have_before_touching_the_database(monkeypatch, capsys):
    """``--only sheet`` (for ``day_sheet``) printed the day sheet's row as 0 req/s, as if measured."""
    from clinic.bench import run

    def refuse(name):
        raise AssertionError("the database was recreated")

    monkeypatch.setattr(run, "recreate_database", refuse)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert run.main(["--only", "staff_day,sheet"]) == 2
    message = capsys.readouterr().err
    assert "no endpoint named sheet;" in message and "day_sheet" in message and "staff_day," in message
