"""The page caches' version tokens are written by the database itself (clinic/page_cache.py): a deferred
trigger on each watched table renews the token once per transaction, as the change commits."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from booking.models import Appointment, ClinicClosure, schedule_cache
from clinic.models import ClinicProfile
from clinic.page_cache import installed_triggers, trigger_name
from education.models import page_cache
from tests.factories import book, local, make_practitioner

pytestmark = pytest.mark.django_db(transaction=True)  # the triggers fire at COMMIT


def token() -> str:
    return schedule_cache.version()


@pytest.fixture
def visit():
    make_practitioner("Maya Chen")
    appointment, _ = book(start=local(2026, 12, 1, 9))
    return appointment


def test_the_database_has_exactly_the_triggers_the_caches_watch():
    with connection.cursor() as cursor:
        installed = installed_triggers(cursor)
    declared = {(trigger_name(cache.name), table, columns)
                for cache in (schedule_cache, page_cache) for table, columns in cache.tables.items()}
    assert installed == declared
    assert ("page_version_booking_schedule", "booking_appointment",
            ("blocks_until", "end", "practitioner_id", "start", "status")) in installed


@pytest.mark.parametrize("write", ["update()", "SQL typed at a prompt", "delete()"])
def test_any_kind_of_write_retires_the_copies(visit, write):
    before = token()
    if write == "update()":
        Appointment.objects.filter(pk=visit.pk).update(status="cancelled")
    elif write == "delete()":
        Appointment.objects.filter(pk=visit.pk).delete()
    else:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE booking_appointment SET start = start + interval '1 hour', "
                           "\"end\" = \"end\" + interval '1 hour', blocks_until = blocks_until + interval '1 hour' "
                           "WHERE id = %s", [visit.pk])
    assert token() != before


def test_a_change_that_cannot_move_a_free_time_keeps_the_copies(visit):
    before = token()
    Appointment.objects.filter(pk=visit.pk).update(staff_note="Prefers the left side", reminder_sent_at=None)
    assert token() == before
    ClinicClosure.objects.create(date=date(2026, 12, 24), name="Christmas Eve")
    assert token() != before


def test_the_clinic_details_retire_both_sets_of_pages():
    schedule, education = token(), page_cache.version()
    profile = ClinicProfile.load()
    profile.phone = "604-555-0177"
    profile.save()
    assert token() != schedule and page_cache.version() != education


def test_many_rows_in_one_transaction_write_the_token_once(visit):
    schedule_cache.version()  # the token's row exists
    # This backend's updates of the token's table, counted by PostgreSQL (may include earlier transactions'
    # not yet reported, which the difference removes).
    updates = "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'clinic_pageversion'"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(updates)
        before = cursor.fetchone()[0]
        for day in range(2, 12):
            ClinicClosure.objects.create(date=date(2026, 12, day), name=f"Closed {day}")
        Appointment.objects.filter(pk=visit.pk).update(status="cancelled")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # fire the deferred triggers now, to count their writes
        cursor.execute(updates)
        assert cursor.fetchone()[0] - before == 1


def test_the_token_row_is_not_locked_until_the_change_commits(visit):
    """A change never waits for the token while it holds other locks (so it cannot deadlock on it):
    while it is open, another transaction can lock the token's row without waiting."""
    schedule_cache.version()
    seen = {}

    def other_transaction():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT token FROM clinic_pageversion WHERE name = %s FOR UPDATE NOWAIT",
                               [schedule_cache.name])
                seen["locked"] = cursor.fetchone() is not None
        finally:
            connection.close()

    before = token()
    with transaction.atomic():
        Appointment.objects.filter(pk=visit.pk).update(status="cancelled")
        thread = threading.Thread(target=other_transaction)
        thread.start()
        thread.join(timeout=30)
    assert seen == {"locked": True}
    assert token() != before


def test_two_commits_renewing_both_sets_in_opposite_orders_take_turns(visit):
    """One commit renews the education token then the schedule's, another the other way round: they
    queue on one advisory lock rather than each holding one row and waiting for the other (a deadlock).
    A third transaction holds the education row so that both line up at their commit."""
    from clinic.models import PageVersion
    from education.models import Article
    from tests.education.factories import make_article

    articles = [make_article(title="Needles and nerves"), make_article(title="Knots and nerves")]
    page_cache.version()
    schedule_cache.version()
    holding, release, errors = threading.Event(), threading.Event(), []

    def hold_education_row():
        try:
            with transaction.atomic():
                PageVersion.objects.select_for_update().get(name=page_cache.name)
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def commit(first, then):
        try:
            with transaction.atomic():
                first()
                then()
        except Exception as error:  # noqa: BLE001 (the deadlock is what this test looks for)
            errors.append(error)
        finally:
            connection.close()

    def edit_article(n):
        return lambda: Article.objects.filter(pk=articles[n].pk).update(title=f"Article {n}, edited")

    def close_a_day():
        ClinicClosure.objects.create(date=date(2026, 12, 24), name="Christmas Eve")

    def close_another_day():
        ClinicClosure.objects.create(date=date(2026, 12, 31), name="New Year's Eve")

    holder = threading.Thread(target=hold_education_row)
    holder.start()
    assert holding.wait(10)
    education_first = threading.Thread(target=commit, args=(edit_article(0), close_a_day))
    education_first.start()
    education_first.join(0.5)  # at its commit, waiting for the education row
    schedule_first = threading.Thread(target=commit, args=(close_another_day, edit_article(1)))
    schedule_first.start()
    schedule_first.join(1.0)  # at its commit too
    release.set()
    for thread in (holder, education_first, schedule_first):
        thread.join(30)
    assert errors == []
    assert ClinicClosure.objects.count() == 2
