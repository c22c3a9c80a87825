"""A change's row lock never blocks another transaction's foreign-key checks, so it cannot deadlock with them.

PostgreSQL checks a new row's foreign keys at commit (Django makes them deferred) by taking KEY SHARE on the
rows it points at: a booking's appointment points at its practitioner, service and patient; a history entry,
an invoice or a score at its appointment. ``FOR UPDATE`` blocks KEY SHARE. A patient moving a visit locked
the visit with its practitioner, service and patient FOR UPDATE, a booking of any other time of that service
then waited at its commit, and when the two also met on the schedule's version row PostgreSQL broke the cycle
by failing one of them: a 500. Changes now lock with ``FOR NO KEY UPDATE`` on their own rows only
(``Appointment.objects.for_change()``), which still keeps two changers of one row in turn.

Each test holds a change's transaction open in a thread and asks from another connection, without waiting,
for KEY SHARE on the rows a booking's commit would check (granted) and for the change's own lock (refused:
the row is still locked).
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import OperationalError, connection, transaction

from booking import services
from booking.billing import fees
from booking.billing import services as billing
from booking.billing.models import FeePolicy
from booking.courses import services as courses
from booking.models import Appointment
from booking.staff.records import replace_weekly_hours
from tests.booking.races import held_open, run_together
from tests.factories import NOW, book, local, make_patient, make_practitioner, make_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def maya():
    return make_practitioner("Maya Chen", services_=[make_service(), make_service("ims-follow-up")])


def refused(row, mode: str) -> bool:
    """Whether another transaction holds a lock on ``row`` that conflicts with ``mode``, asked without waiting."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            table = connection.ops.quote_name(row._meta.db_table)
            cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR {mode} NOWAIT", [row.pk])  # noqa: S608
    except OperationalError:
        return True
    return False


def assert_locks_only_itself(locked, *pointed_at):
    assert refused(locked, "NO KEY UPDATE"), "the change no longer locks its row"
    for row in (locked, *pointed_at):
        assert not refused(row, "KEY SHARE"), f"a booking's foreign-key check on {row!r} would wait"


def test_a_move_locks_its_visit_but_not_the_practitioner_service_or_patient(maya):
    visit, _ = book(start=local(2026, 12, 3, 9), practitioner=maya)
    with held_open(lambda: services.reschedule_appointment(appointment=visit, new_start=local(2026, 12, 4, 10),
                                                           now=NOW, by_patient=True)):
        assert_locks_only_itself(visit, visit.practitioner, visit.service, visit.patient)


def second_waits_for_the_first(patient, *, first, second):
    """``first`` held open (the patient's row locked FOR NO KEY UPDATE, KEY SHARE still granted), ``second``
    started in a thread of its own, which must wait; its outcome (a value or a BookingError) once it ends."""
    out = {}

    def run_second():
        try:
            out["second"] = second()
        except services.BookingError as error:
            out["second"] = error
        finally:
            connection.close()

    with held_open(first):
        assert refused(patient, "NO KEY UPDATE") and not refused(patient, "KEY SHARE")
        thread = threading.Thread(target=run_second)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()  # waiting for the first
    thread.join(30)
    return out["second"]


def test_two_moves_of_one_patient_s_visits_take_turns_so_the_second_sees_the_first(maya):
    """A move also locks the patient's row (FOR NO KEY UPDATE: bookings still pass): a second tab moving the
    patient's other IMS visit to the next day waits, then is refused as too close to the first move."""
    patient = make_patient()
    first, _ = book(start=local(2026, 12, 7, 9), practitioner=maya, patient=patient, source=Appointment.Source.STAFF)
    second, _ = book(start=local(2026, 12, 21, 9), practitioner=maya, patient=patient, source=Appointment.Source.STAFF)
    outcome = second_waits_for_the_first(
        patient,
        first=lambda: services.reschedule_appointment(appointment=first, new_start=local(2026, 12, 14, 9), now=NOW,
                                                      by_patient=True),
        second=lambda: services.reschedule_appointment(appointment=second, new_start=local(2026, 12, 15, 9),
                                                       now=NOW, by_patient=True))
    assert isinstance(outcome, services.TooClose), outcome
    second.refresh_from_db()
    assert second.start == local(2026, 12, 21, 9)


def test_a_cancel_locks_its_visit_and_lets_rows_that_point_at_it_be_written(maya):
    visit, _ = book(start=local(2026, 12, 3, 9), practitioner=maya)
    with held_open(lambda: services.cancel_appointment(appointment=visit, now=NOW, by_patient=True)):
        assert_locks_only_itself(visit, visit.practitioner, visit.patient)


def test_a_fee_charge_and_a_check_out_lock_their_visit_only(maya):
    FeePolicy.objects.update_or_create(pk=1, defaults={"enabled": True})
    missed, _ = book(start=local(2026, 11, 30, 9), practitioner=maya, now=local(2026, 11, 27, 9))
    done, _ = book(start=local(2026, 11, 30, 10), practitioner=maya, now=local(2026, 11, 27, 9))
    Appointment.objects.filter(pk=missed.pk).update(status=Appointment.Status.NO_SHOW)
    Appointment.objects.filter(pk=done.pk).update(status=Appointment.Status.COMPLETED)
    with held_open(lambda: fees.charge_fee(appointment=missed, actor=None, now=NOW)):
        assert_locks_only_itself(missed, missed.practitioner, missed.service, missed.patient)
    with held_open(lambda: billing.check_out(appointment=done, actor=None, now=NOW)):
        assert_locks_only_itself(done, done.practitioner, done.service, done.patient)


def test_a_score_from_either_side_locks_the_visit_only(maya):
    visit, _ = book(start=local(2026, 12, 1, 10), practitioner=maya, source=Appointment.Source.STAFF)
    courses.open_course(appointment=visit, area="neck", planned_visits=6, actor=None, now=NOW)
    with held_open(lambda: courses.record_patient_score(appointment=visit, pain=5, now=NOW)):
        assert_locks_only_itself(visit, visit.patient, visit.practitioner)


def test_new_weekly_hours_lock_the_practitioner_without_stopping_a_booking_s_commit(maya):
    days = {d: [(time(9), time(12)), (time(13), time(17))] for d in range(5)}
    with held_open(lambda: replace_weekly_hours(practitioner=maya, effective_from=date(2027, 1, 4), days=days)):
        assert_locks_only_itself(maya)


def test_a_series_locks_its_course_without_stopping_rows_that_point_at_it(maya):
    visit, _ = book(start=local(2026, 12, 1, 10), practitioner=maya, source=Appointment.Source.STAFF)
    course = courses.open_course(appointment=visit, area="neck", planned_visits=6, actor=None, now=NOW)
    with held_open(lambda: courses.book_series(course=course, starts=[local(2026, 12, 8, 10)], actor=None, now=NOW,
                                               source=Appointment.Source.STAFF)):
        assert_locks_only_itself(course)


# --- the races themselves, a few rounds each (the deadlocks came in 1 to 10 rounds of 15) ------------
ROUNDS = 6


def weekday_morning(n: int, hour: int):
    """Round n's day: a different weekday each round, so rounds never meet."""
    return local(2026, 12, 7, hour) + timedelta(days=7 * (n // 4) + n % 4)


def test_a_move_racing_a_booking_of_its_new_time_is_refused_or_wins_never_a_database_error(maya):
    outcomes = Counter()
    for n in range(ROUNDS):
        target = weekday_morning(n, 10)
        visit, _ = book(start=weekday_morning(n, 14), practitioner=maya, source=Appointment.Source.STAFF)
        out = run_together(
            lambda v=visit, t=target: services.reschedule_appointment(appointment=v, new_start=t, now=NOW,
                                                                      by_patient=True),
            lambda t=target: book(start=t, practitioner=maya, source=Appointment.Source.STAFF))
        outcomes.update(kind for kind, _ in out)
        assert Appointment.objects.active().filter(start=target).count() == 1
    assert outcomes["db-error"] == 0 and outcomes["ok"] == ROUNDS, outcomes


@pytest.mark.parametrize("same_practitioner", [True, False], ids=["same-practitioner", "other-practitioner"])
def test_a_move_and_a_booking_of_another_time_both_go_through(maya, same_practitioner):
    ben = make_practitioner("Ben Ode")
    outcomes = Counter()
    for n in range(ROUNDS):
        visit, _ = book(start=weekday_morning(n, 14), practitioner=maya, source=Appointment.Source.STAFF)
        outcomes.update(kind for kind, _ in run_together(
            lambda v=visit, n=n: services.reschedule_appointment(appointment=v, new_start=weekday_morning(n, 9),
                                                                 now=NOW, by_patient=True),
            lambda n=n: book(start=weekday_morning(n, 11), practitioner=maya if same_practitioner else ben,
                             source=Appointment.Source.STAFF)))
    assert outcomes == {"ok": 2 * ROUNDS}, outcomes


def test_new_weekly_hours_and_a_booking_at_once_both_go_through(maya):
    days = {d: [(time(9), time(12)), (time(13), time(17))] for d in range(5)}
    outcomes = Counter()
    for n in range(ROUNDS):
        outcomes.update(kind for kind, _ in run_together(
            lambda: replace_weekly_hours(practitioner=maya, effective_from=date(2027, 1, 4), days=days),
            lambda n=n: book(start=weekday_morning(n, 11), practitioner=maya, source=Appointment.Source.STAFF)))
    assert outcomes == {"ok": 2 * ROUNDS}, outcomes


def test_two_ims_bookings_for_one_patient_take_turns_so_the_second_meets_the_7_day_rule(maya):
    """Two desks (or the patient's link and the desk) book one patient's IMS visits two days apart at
    once: the second waits for the first (the patient's row, FOR NO KEY UPDATE) and is refused."""
    patient = make_patient()
    book(start=local(2026, 11, 30, 9), practitioner=maya, patient=patient, source=Appointment.Source.STAFF)
    other = make_practitioner("Sam Ortiz")
    outcome = second_waits_for_the_first(
        patient,
        first=lambda: book(start=local(2026, 12, 8, 10), practitioner=maya, patient=patient,
                           source=Appointment.Source.STAFF),
        second=lambda: book(start=local(2026, 12, 10, 10), practitioner=other, patient=patient,
                            source=Appointment.Source.STAFF))
    assert isinstance(outcome, services.TooClose), outcome
    assert patient.appointments.kept().count() == 2
