"""The pure series proposer: property-based, like the availability engine's tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from booking.courses.series import (
    MAX_GAP_DAYS,
    MIN_GAP_DAYS,
    PARTS_OF_DAY,
    Preference,
    gap_days,
    propose_series,
    too_close,
    wall_date,
)

BC = ZoneInfo("America/Vancouver")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BC)


preferences = st.builds(
    Preference, every_days=st.integers(MIN_GAP_DAYS, MAX_GAP_DAYS),
    weekday=st.none() | st.integers(0, 6), part_of_day=st.none() | st.sampled_from(sorted(PARTS_OF_DAY)),
    at=st.none() | st.builds(time, st.integers(7, 19), st.sampled_from([0, 15, 30, 45])))


@st.composite
def schedules(draw):
    """A first visit and the free times of the ~3 months after it (some days empty, some full)."""
    first_day = draw(st.dates(date(2025, 11, 1), date(2027, 6, 1)))
    after = at(first_day, draw(st.integers(7, 18)))
    free = []
    for offset in range(1, 100):
        day = first_day + timedelta(days=offset)
        hours = draw(st.lists(st.integers(7, 19), max_size=4, unique=True))
        free += [at(day, h, draw(st.sampled_from([0, 30]))) for h in hours]
    return after, free


@given(schedule=schedules(), preference=preferences, count=st.integers(4, 6))
def test_every_proposal_keeps_the_gaps_or_says_which_visit_it_could_not_place(schedule, preference, count):
    after, free = schedule
    proposals = propose_series(after=after, count=count, preference=preference, free_starts=free, tz=BC)
    assert [p.number for p in proposals] == list(range(1, count + 1))
    previous = after
    unplaced = False
    for proposal in proposals:
        if unplaced:
            assert not proposal.placed  # nothing after a hole: no gap ever stretches past 14 days
            continue
        if not proposal.placed:
            unplaced = True
            window = [s for s in free if MIN_GAP_DAYS <= gap_days(previous, s, BC) <= MAX_GAP_DAYS]
            assert window == [], "it reported a visit unplaced while its window had a free time"
            assert proposal.note
            continue
        assert proposal.start in free  # never a time the availability engine did not offer
        assert MIN_GAP_DAYS <= gap_days(previous, proposal.start, BC) <= MAX_GAP_DAYS
        assert not too_close(previous, proposal.start, BC)
        assert all(alt in free and alt != proposal.start for alt in proposal.alternatives)
        previous = proposal.start


@given(schedule=schedules(), preference=preferences)
def test_the_asked_for_day_and_time_are_taken_whenever_they_are_free(schedule, preference):
    after, free = schedule
    [first] = propose_series(after=after, count=1, preference=preference, free_starts=free, tz=BC)
    if first.placed and preference.at is not None and first.asked_day is not None:
        wanted = at(first.asked_day, preference.at.hour, preference.at.minute)
        in_part = preference.part_of_day is None or (
            PARTS_OF_DAY[preference.part_of_day][0] <= preference.at < PARTS_OF_DAY[preference.part_of_day][1])
        if wanted in free and in_part:
            assert first.start == wanted and first.note == ""


def every_day_at_ten(first: date, days: int) -> list[datetime]:
    return [at(first + timedelta(days=n), 10) for n in range(1, days)]


def test_a_series_across_the_march_2026_clock_change_keeps_ten_oclock():
    for first in (date(2026, 2, 16), date(2026, 3, 2), date(2026, 3, 16)):  # before, across, after 8 March
        after = at(first, 10)
        proposals = propose_series(after=after, count=6, preference=Preference(every_days=7, at=time(10)),
                                   free_starts=every_day_at_ten(first, 60), tz=BC)
        assert [p.start.astimezone(BC).time() for p in proposals] == [time(10)] * 6
        assert [wall_date(p.start, BC) for p in proposals] == [first + timedelta(days=7 * n) for n in range(1, 7)]
        assert all(p.note == "" for p in proposals)


def test_a_closed_day_moves_the_visit_to_the_nearest_day_and_says_why():
    first = date(2026, 12, 14)  # a Monday; the next Monday is 21 December
    free = [s for s in every_day_at_ten(first, 40) if wall_date(s, BC) != date(2026, 12, 21)]
    proposals = propose_series(after=at(first, 10), count=2, preference=Preference(every_days=7, weekday=0),
                               free_starts=free, tz=BC, day_notes={date(2026, 12, 21): "Staff training day"})
    assert wall_date(proposals[0].start, BC) in (date(2026, 12, 22), date(2026, 12, 28))
    assert proposals[0].note == "Mon 21 Dec: Staff training day."
    assert proposals[0].alternatives


def test_nothing_free_in_a_window_stops_the_series_there():
    first = date(2026, 12, 1)
    free = every_day_at_ten(first, 15) + [at(first + timedelta(days=40), 10)]
    proposals = propose_series(after=at(first, 10), count=4, preference=Preference(every_days=14),
                               free_starts=free, tz=BC)
    assert proposals[0].placed and wall_date(proposals[0].start, BC) == first + timedelta(days=14)
    assert not proposals[1].placed and "Nothing is free" in proposals[1].note
    assert [p.placed for p in proposals[2:]] == [False, False]
