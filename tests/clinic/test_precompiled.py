"""QuerySets compiled once per process (clinic/precompiled.py): the same rows as the ORM's own run, for
every mix of values, and a refusal for a query the values cannot be bound into."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from booking import schedules
from booking.models import Appointment, ClinicClosure, Practitioner, TimeOff
from clinic.precompiled import Precompiled
from tests.factories import NOW, book, local, make_practitioner, make_service

pytestmark = pytest.mark.django_db


def test_any_finds_what_in_finds_with_one_sql_text_for_any_number_of_values():
    people = [make_practitioner(f"P{n}") for n in range(4)]
    texts = set()
    for chosen in ([people[0].pk], [p.pk for p in people[1:]], [], [people[2].pk, 999999]):
        with CaptureQueriesContext(connection) as captured:
            found = set(Practitioner.objects.filter(pk__any=chosen).values_list("pk", flat=True))
        assert found == set(Practitioner.objects.filter(pk__in=chosen).values_list("pk", flat=True))
        texts.add(captured.captured_queries[0]["sql"].split("ANY")[0])
    assert len(texts) == 1


def test_a_query_that_writes_a_sample_into_its_sql_or_leaves_one_out_is_refused():
    inlined = Precompiled(lambda *, ids, n: Practitioner.objects.filter(pk__any=ids).values_list("pk")[:n],
                          ids=[-7001], n=7)  # a slice's bounds are written into the SQL
    with pytest.raises(ValueError, match="n"):
        inlined.compile()
    unused = Precompiled(lambda *, ids, name: Practitioner.objects.filter(pk__any=ids).values_list("pk"),
                         ids=[-7001], name="-nobody-")
    with pytest.raises(ValueError, match="name"):
        unused.compile()
    listed = Precompiled(lambda *, ids: Practitioner.objects.filter(pk__in=ids).values_list("pk"), ids=[-7001])
    with pytest.raises(ValueError, match="ids"):  # __in: one parameter per item, not the list
        listed.compile()


@pytest.fixture
def week():
    """Three practitioners' week with time off, visits of every status, a closure and a holiday."""
    service = make_service()
    people = [make_practitioner(f"Practitioner {n}", services_=[service]) for n in range(3)]
    visits = [book(start=local(2026, 12, day, hour), practitioner=people[n % 3], now=NOW)[0]
              for n, (day, hour) in enumerate([(1, 9), (1, 10), (2, 9), (3, 14), (4, 9), (7, 11)])]
    Appointment.objects.filter(pk=visits[1].pk).update(status="cancelled")
    Appointment.objects.filter(pk=visits[2].pk).update(status="confirmed")
    TimeOff.objects.create(practitioner=people[1], start=local(2026, 12, 2, 12), end=local(2026, 12, 3, 12))
    TimeOff.objects.create(practitioner=people[2], start=local(2026, 11, 20, 0), end=local(2026, 12, 1, 10))
    ClinicClosure.objects.create(date=date(2026, 12, 4), name="Staff training")
    return service, people, visits


@pytest.mark.parametrize("choice", ["everyone", "one", "one, excluding a visit", "none found", "offering"])
def test_the_schedule_loaders_read_what_the_orm_reads(week, choice):
    service, people, visits = week
    ids = [people[0].pk] if choice.startswith("one") else [] if choice == "none found" else [p.pk for p in people]
    excluded = visits[0] if "excluding" in choice else None
    offering = service if choice == "offering" else None
    for first, span in ((date(2026, 11, 30), 6), (date(2026, 12, 1), 0), (date(2026, 12, 24), 7)):
        last = first + timedelta(days=span)
        start, end = schedules.local_range(first=first, last=last)
        values = {"ids": ids, "start": start, "end": end, "first": first, "last": last,
                  **({"excluded": excluded.pk} if excluded else {})}
        by_orm = sorted(schedules._busy_query(**values), key=repr)
        assert sorted(schedules._BUSY[excluded is not None].rows(
            **values, span=schedules.DateTimeTZRange(start, end, "[)")), key=repr) == by_orm
        if first == date(2026, 11, 30) and choice == "everyone":
            assert len(by_orm) == 4 + 2 + 1  # visits holding time (one is cancelled, one on the 7th), time off, closure
        hours = {"ids": ids, "first": first, "last": last, **({"offering": offering.pk} if offering else {})}
        assert schedules._HOURS[offering is not None].rows(**hours) == list(schedules._hours_query(**hours))
