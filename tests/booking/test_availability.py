"""Tests for booking.availability (pure Python: no Django, no database).

Run with:
    python -m pytest -p no:django -p no:cacheprovider tests/booking/test_availability.py -q
"""

from __future__ import annotations

import random
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from booking.availability import (
    Interval,
    Rules,
    Slot,
    WeeklyHours,
    free_slots,
    group_by_local_date,
    local_day_bounds,
    overlaps,
)

# The machine's /usr/share/zoneinfo is stale (it predates British Columbia's
# move to permanent UTC-7 in March 2026).  Take zones from the `tzdata`
# package instead, before this module creates any ZoneInfo (the imports above
# create none).  clear_cache() drops any instance another module may have
# loaded from the system files earlier; objects already held elsewhere are
# unaffected.
zoneinfo.reset_tzpath(to=[])
ZoneInfo.clear_cache()

TORONTO = ZoneInfo("America/Toronto")
VANCOUVER = ZoneInfo("America/Vancouver")

MIN = timedelta(minutes=1)

# Reference dates (2026).
WED = date(2026, 6, 17)  # an ordinary Wednesday, Toronto on EDT (UTC-4)
THU = date(2026, 6, 18)
TORONTO_SPRING = date(2026, 3, 8)  # Sunday: 02:00 EST -> 03:00 EDT
TORONTO_FALL = date(2026, 11, 1)  # Sunday: 02:00 EDT -> 01:00 EST
VANCOUVER_SPRING = date(2026, 3, 8)  # the last change: 02:00 PST -> 03:00 UTC-7


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


def local(tz: ZoneInfo, y: int, mo: int, d: int, h: int = 0, mi: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz, fold=fold)


def hm(h: int, m: int = 0) -> time:
    return time(h, m)


def every_day(pid: int, start: time, end: time, **kw) -> list[WeeklyHours]:
    return [WeeklyHours(pid, wd, start, end, **kw) for wd in range(7)]


def find(
    *,
    hours: list[WeeklyHours],
    first: date,
    last: date | None = None,
    pids: tuple[int, ...] = (1,),
    duration: int = 45,
    buffer: int = 15,
    busy: dict[int, list[Interval]] | None = None,
    closed: tuple[date, ...] = (),
    tz: ZoneInfo = TORONTO,
    now: datetime | None = None,
    rules: Rules | None = None,
) -> list[Slot]:
    """free_slots with test-friendly defaults (now = a week before, no busy time)."""
    if now is None:
        now = datetime.combine(first - timedelta(days=7), time(0), UTC)
    return free_slots(
        practitioner_ids=pids,
        duration=timedelta(minutes=duration),
        buffer=timedelta(minutes=buffer),
        weekly_hours=hours,
        busy=busy or {},
        closed_dates=closed,
        first_date=first,
        last_date=first if last is None else last,
        tz=tz,
        now=now,
        rules=rules or Rules(),
    )


def local_hhmm(slots: list[Slot], tz: ZoneInfo = TORONTO) -> list[str]:
    return [s.start.astimezone(tz).strftime("%H:%M") for s in slots]


def utc_starts(slots: list[Slot]) -> list[datetime]:
    return [s.start for s in slots]


def quarter_hours(first: datetime, last: datetime, step: int = 15) -> list[datetime]:
    out = []
    t = first
    while t <= last:
        out.append(t)
        t += timedelta(minutes=step)
    return out


def busy_local(tz: ZoneInfo, d: date, start: time, end: time) -> Interval:
    return Interval(datetime.combine(d, start, tz), datetime.combine(d, end, tz))


# --------------------------------------------------------------------------
# environment
# --------------------------------------------------------------------------


def test_zones_come_from_the_up_to_date_tzdata_package():
    # British Columbia is permanently UTC-7 from 8 March 2026; stale system
    # zone files would say 18:00 (PST, UTC-8) and 17:00 respectively.
    assert datetime(2026, 12, 15, 10, tzinfo=VANCOUVER).astimezone(UTC) == utc(2026, 12, 15, 17)
    assert datetime(2026, 11, 2, 9, tzinfo=VANCOUVER).astimezone(UTC) == utc(2026, 11, 2, 16)


# --------------------------------------------------------------------------
# ordinary days
# --------------------------------------------------------------------------


def test_ordinary_day_gives_exact_quarter_hour_starts():
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED)
    # 45-min appointment + 15-min buffer must end by 12:00 -> last start 11:00.
    assert local_hhmm(slots) == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
    ]  # fmt: skip


def test_slots_are_utc_with_end_excluding_buffer_and_sorted_ids():
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED)
    first = slots[0]
    assert first.start == utc(2026, 6, 17, 13)  # 09:00 EDT
    assert first.start.tzinfo is UTC and first.end.tzinfo is UTC
    assert first.end == first.start + timedelta(minutes=45)  # buffer not included
    assert first.practitioner_ids == (1,)
    assert all(isinstance(s, Slot) for s in slots)
    assert utc_starts(slots) == sorted(utc_starts(slots))


def test_lunch_gap_no_slot_crosses_lunch():
    hours = every_day(1, hm(9), hm(12)) + every_day(1, hm(13), hm(15))
    slots = find(hours=hours, first=WED)
    assert local_hhmm(slots) == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00",
        "13:00", "13:15", "13:30", "13:45", "14:00",
    ]  # fmt: skip
    lunch_start = local(TORONTO, 2026, 6, 17, 12)
    lunch_end = local(TORONTO, 2026, 6, 17, 13)
    for s in slots:
        # neither the appointment nor its buffer may touch lunch
        assert not overlaps(s.start, s.end + timedelta(minutes=15), lunch_start, lunch_end)


def test_time_off_removes_exactly_the_overlapping_starts():
    time_off = busy_local(TORONTO, WED, hm(10), hm(10, 30))
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED, busy={1: [time_off]})
    # [c, c+60min) overlaps [10:00, 10:30) for 09:15 <= c <= 10:15.
    assert local_hhmm(slots) == ["09:00", "10:30", "10:45", "11:00"]


def test_touching_busy_intervals_do_not_block():
    before = busy_local(TORONTO, WED, hm(8), hm(9))
    after = busy_local(TORONTO, WED, hm(10), hm(11))
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED, busy={1: [before, after]})
    # 09:00 + 60 min ends exactly when the 10:00 block starts; 11:00 starts
    # exactly when it ends.
    assert local_hhmm(slots) == ["09:00", "11:00"]


def test_existing_appointment_buffer_blocks_and_new_buffer_must_not_reach_next_appointment():
    # Existing appointment 10:00-10:45 plus its 15-min buffer = busy 10:00-11:00.
    existing = busy_local(TORONTO, WED, hm(10), hm(11))
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED, busy={1: [existing]})
    assert local_hhmm(slots) == ["09:00", "11:00"]
    # 09:15 would finish at 10:00 but its own buffer would run to 10:15.
    assert "09:15" not in local_hhmm(slots)
    # Without a buffer for the new appointment, 09:15 fits exactly.
    no_buffer = find(hours=every_day(1, hm(9), hm(12)), first=WED, buffer=0, busy={1: [existing]})
    assert local_hhmm(no_buffer) == ["09:00", "09:15", "11:00", "11:15"]


def test_buffer_must_fit_inside_working_hours():
    hours = every_day(1, hm(9), hm(10))
    assert local_hhmm(find(hours=hours, first=WED)) == ["09:00"]
    assert local_hhmm(find(hours=hours, first=WED, buffer=0)) == ["09:00", "09:15"]
    assert find(hours=every_day(1, hm(9), hm(9, 45)), first=WED) == []


def test_busy_intervals_may_be_unsorted_overlapping_and_in_any_zone():
    busy = [
        Interval(local(VANCOUVER, 2026, 6, 17, 8, 30), local(VANCOUVER, 2026, 6, 17, 9)),  # 11:30-12:00 Toronto
        busy_local(TORONTO, WED, hm(9, 30), hm(10)),
        Interval(utc(2026, 6, 17, 13, 45), utc(2026, 6, 17, 14, 15)),  # 09:45-10:15 Toronto
        Interval(utc(2026, 6, 17, 13, 50), utc(2026, 6, 17, 13, 55)),  # nested inside the previous one
    ]
    slots = find(hours=every_day(1, hm(9), hm(13)), first=WED, busy={1: busy})
    # busy 09:30-10:15 and 11:30-12:00; each start needs 60 free minutes
    assert local_hhmm(slots) == ["10:15", "10:30", "12:00"]


def test_empty_busy_interval_blocks_nothing():
    point = busy_local(TORONTO, WED, hm(10), hm(10))
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED, busy={1: [point]})
    assert len(slots) == 9


def test_closed_date_has_no_slots():
    slots = find(hours=every_day(1, hm(9), hm(12)), first=WED, last=THU, closed=(WED,))
    assert {s.start.astimezone(TORONTO).date() for s in slots} == {THU}
    assert len(slots) == 9
    assert find(hours=every_day(1, hm(9), hm(12)), first=WED, closed=(WED,)) == []


def test_closed_dates_accept_any_collection():
    for closed in ([WED], {WED}, frozenset({WED}), (WED,)):
        slots = free_slots(
            practitioner_ids=[1], duration=timedelta(minutes=45), buffer=timedelta(minutes=15),
            weekly_hours=every_day(1, hm(9), hm(12)), busy={}, closed_dates=closed,
            first_date=WED, last_date=THU, tz=TORONTO, now=utc(2026, 6, 1),
        )  # fmt: skip
        assert {s.start.astimezone(TORONTO).date() for s in slots} == {THU}


def test_new_timetable_starting_next_month_uses_valid_from_and_valid_until():
    old = every_day(1, hm(9), hm(12), valid_until=date(2026, 6, 30))
    new = every_day(1, hm(14), hm(16), valid_from=date(2026, 7, 1))
    slots = find(hours=old + new, first=date(2026, 6, 29), last=date(2026, 7, 2))
    by_day = group_by_local_date(slots, TORONTO)
    assert list(by_day) == [date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1), date(2026, 7, 2)]
    assert local_hhmm(by_day[date(2026, 6, 30)])[0] == "09:00"  # valid_until is inclusive
    assert local_hhmm(by_day[date(2026, 6, 30)])[-1] == "11:00"
    assert local_hhmm(by_day[date(2026, 7, 1)]) == ["14:00", "14:15", "14:30", "14:45", "15:00"]


def test_valid_from_and_valid_until_are_inclusive_single_day():
    hours = every_day(1, hm(9), hm(10), valid_from=WED, valid_until=WED)
    slots = find(hours=hours, first=WED - timedelta(days=1), last=THU)
    assert [s.start.astimezone(TORONTO).date() for s in slots] == [WED]


def test_min_notice_boundary_exactly_now_plus_notice_is_allowed():
    hours = every_day(1, hm(9), hm(12))
    nine = local(TORONTO, 2026, 6, 17, 9)
    exactly = find(hours=hours, first=WED, now=nine - timedelta(hours=12))
    assert local_hhmm(exactly)[0] == "09:00"
    # One minute less notice than required: 09:00 is out, the grid continues at 09:15.
    short = find(hours=hours, first=WED, now=nine - timedelta(hours=12) + MIN)
    assert local_hhmm(short)[0] == "09:15"


def test_min_notice_does_not_shift_the_start_grid():
    hours = every_day(1, hm(9), hm(12))
    now = local(TORONTO, 2026, 6, 17, 9, 7) - timedelta(hours=2)
    slots = find(hours=hours, first=WED, now=now, rules=Rules(min_notice=timedelta(hours=2)))
    assert local_hhmm(slots)[:2] == ["09:15", "09:30"]


def test_horizon_boundary_exactly_now_plus_horizon_is_allowed():
    hours = every_day(1, hm(9), hm(12))
    now = local(TORONTO, 2026, 6, 17, 10) - timedelta(days=60)
    slots = find(hours=hours, first=WED, last=THU, now=now)
    assert local_hhmm(slots) == ["09:00", "09:15", "09:30", "09:45", "10:00"]
    later = find(hours=hours, first=WED, last=THU, now=now - MIN)
    assert local_hhmm(later)[-1] == "09:45"


def test_everything_in_the_past_or_beyond_the_horizon_is_empty():
    hours = every_day(1, hm(9), hm(12))
    assert find(hours=hours, first=WED, now=utc(2026, 7, 1)) == []
    assert find(hours=hours, first=WED, now=utc(2026, 1, 1)) == []


def test_step_size_change():
    hours = every_day(1, hm(9), hm(12))
    half_hour = find(hours=hours, first=WED, rules=Rules(step=timedelta(minutes=30)))
    assert local_hhmm(half_hour) == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    twenty = find(hours=hours, first=WED, rules=Rules(step=timedelta(minutes=20)))
    assert local_hhmm(twenty) == ["09:00", "09:20", "09:40", "10:00", "10:20", "10:40", "11:00"]


def test_candidate_grid_is_anchored_at_the_period_start():
    slots = find(hours=every_day(1, hm(9, 10), hm(11)), first=WED)
    assert local_hhmm(slots) == ["09:10", "09:25", "09:40", "09:55"]


def test_multiple_practitioners_merged_first_available():
    hours = every_day(1, hm(9), hm(11)) + every_day(2, hm(10), hm(12)) + every_day(3, hm(9), hm(12))
    busy = {3: [busy_local(TORONTO, WED, hm(9), hm(10, 30))], 2: [busy_local(TORONTO, WED, hm(11), hm(12))]}
    slots = find(hours=hours, first=WED, pids=(3, 1, 2), busy=busy)
    got = [(hhmm, s.practitioner_ids) for hhmm, s in zip(local_hhmm(slots), slots, strict=True)]
    assert got == [
        ("09:00", (1,)),
        ("09:15", (1,)),
        ("09:30", (1,)),
        ("09:45", (1,)),
        ("10:00", (1, 2)),
        ("10:30", (3,)),
        ("10:45", (3,)),
        ("11:00", (3,)),
    ]


def test_only_requested_practitioners_are_considered():
    hours = every_day(1, hm(9), hm(10)) + every_day(2, hm(9), hm(10))
    busy = {2: [busy_local(TORONTO, WED, hm(9), hm(10))]}
    slots = find(hours=hours, first=WED, pids=(1,), busy=busy)
    assert [s.practitioner_ids for s in slots] == [(1,)]
    assert find(hours=hours, first=WED, pids=()) == []


def test_duplicate_practitioner_ids_and_overlapping_rows_give_each_id_once():
    hours = every_day(1, hm(9), hm(10, 30)) + every_day(1, hm(9), hm(10))
    slots = find(hours=hours, first=WED, pids=(1, 1))
    assert [(h, s.practitioner_ids) for h, s in zip(local_hhmm(slots), slots, strict=True)] == [
        ("09:00", (1,)),
        ("09:15", (1,)),
        ("09:30", (1,)),
    ]


def test_adjacent_rows_are_separate_periods():
    # An appointment never spans two timetable rows, even if they touch.
    hours = every_day(1, hm(9), hm(10)) + every_day(1, hm(10), hm(11))
    assert local_hhmm(find(hours=hours, first=WED)) == ["09:00", "10:00"]


def test_practitioner_with_no_hours_is_never_offered():
    hours = every_day(1, hm(9), hm(10))
    slots = find(hours=hours, first=WED, pids=(1, 2))
    assert slots and all(s.practitioner_ids == (1,) for s in slots)
    assert find(hours=hours, first=WED, pids=(2,)) == []


def test_weekday_mapping_monday_is_zero():
    monday = date(2026, 6, 15)
    assert monday.weekday() == 0
    hours = [WeeklyHours(1, 0, hm(9), hm(10))]
    week = {"first": monday - timedelta(days=1), "last": monday + timedelta(days=5)}  # Sunday..Saturday
    slots = find(hours=hours, **week)
    assert {s.start.astimezone(TORONTO).date() for s in slots} == {monday}
    sunday_only = [WeeklyHours(1, 6, hm(9), hm(10))]
    slots = find(hours=sunday_only, **week)
    assert {s.start.astimezone(TORONTO).date() for s in slots} == {monday - timedelta(days=1)}


def test_first_date_after_last_date_returns_empty():
    assert find(hours=every_day(1, hm(9), hm(12)), first=THU, last=WED) == []


# --------------------------------------------------------------------------
# clock changes: America/Toronto
# --------------------------------------------------------------------------


def test_toronto_spring_forward_daytime_hours_use_new_offset():
    slots = find(hours=every_day(1, hm(9), hm(17)), first=TORONTO_SPRING, duration=60, buffer=0)
    # 09:00 EDT (UTC-4) = 13:00 UTC; 17:00 = 21:00 UTC; last start 20:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 3, 8, 13), utc(2026, 3, 8, 20))
    assert local_hhmm(slots)[0] == "09:00"


def test_toronto_spring_forward_period_across_the_change_is_four_real_hours():
    slots = find(hours=every_day(1, hm(0), hm(5)), first=TORONTO_SPRING, duration=60, buffer=0)
    # 00:00 EST = 05:00 UTC, 05:00 EDT = 09:00 UTC: 4 real hours.
    assert utc_starts(slots) == quarter_hours(utc(2026, 3, 8, 5), utc(2026, 3, 8, 8))
    labels = local_hhmm(slots)
    assert labels[:9] == ["00:00", "00:15", "00:30", "00:45", "01:00", "01:15", "01:30", "01:45", "03:00"]
    assert labels[-1] == "04:00"
    assert not any(label.startswith("02:") for label in labels)


def test_toronto_spring_forward_start_in_gap_is_the_transition_moment():
    slots = find(hours=every_day(1, hm(2, 30), hm(5)), first=TORONTO_SPRING, duration=60, buffer=0)
    # 02:30 does not exist: the period starts at 03:00 EDT = 07:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 3, 8, 7), utc(2026, 3, 8, 8))
    assert local_hhmm(slots)[0] == "03:00"


def test_toronto_spring_forward_end_in_gap_is_the_transition_moment():
    slots = find(hours=every_day(1, hm(0), hm(2, 30)), first=TORONTO_SPRING, duration=60, buffer=0)
    # Ends at the transition, 07:00 UTC: two real hours from 05:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 3, 8, 5), utc(2026, 3, 8, 6))


def test_toronto_spring_forward_period_inside_the_gap_is_empty():
    hours = every_day(1, hm(2), hm(2, 59))
    assert find(hours=hours, first=TORONTO_SPRING, duration=15, buffer=0) == []
    # ... but the same hours on the next day are fine.
    assert len(find(hours=hours, first=TORONTO_SPRING + timedelta(days=1), duration=15, buffer=0)) == 3


def test_toronto_fall_back_daytime_hours_use_new_offset():
    slots = find(hours=every_day(1, hm(9), hm(17)), first=TORONTO_FALL, duration=60, buffer=0)
    # 09:00 EST (UTC-5) = 14:00 UTC; 17:00 = 22:00 UTC; last start 21:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 11, 1, 14), utc(2026, 11, 1, 21))


def test_toronto_fall_back_period_across_the_change_is_longer():
    slots = find(hours=every_day(1, hm(0), hm(3)), first=TORONTO_FALL, duration=60, buffer=0)
    # 00:00 EDT = 04:00 UTC, 03:00 EST = 08:00 UTC: 4 real hours.
    assert utc_starts(slots) == quarter_hours(utc(2026, 11, 1, 4), utc(2026, 11, 1, 7))
    labels = local_hhmm(slots)
    # 01:00-01:45 happens twice and both occurrences are offered.
    assert labels == [
        "00:00", "00:15", "00:30", "00:45", "01:00", "01:15", "01:30", "01:45",
        "01:00", "01:15", "01:30", "01:45", "02:00",
    ]  # fmt: skip
    five = find(hours=every_day(1, hm(0), hm(5)), first=TORONTO_FALL, duration=60, buffer=0)
    # 00:00-05:00 is 6 real hours: starts 04:00..09:00 UTC.
    assert utc_starts(five) == quarter_hours(utc(2026, 11, 1, 4), utc(2026, 11, 1, 9))


def test_toronto_fall_back_ambiguous_start_uses_first_occurrence():
    slots = find(hours=every_day(1, hm(1, 30), hm(3)), first=TORONTO_FALL, duration=60, buffer=0)
    # 01:30 EDT (first occurrence) = 05:30 UTC; 03:00 EST = 08:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 7))


def test_toronto_fall_back_ambiguous_end_uses_second_occurrence():
    slots = find(hours=every_day(1, hm(0), hm(1, 30)), first=TORONTO_FALL, duration=60, buffer=0)
    # 00:00 EDT = 04:00 UTC; 01:30 EST (second occurrence) = 06:30 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 11, 1, 4), utc(2026, 11, 1, 5, 30))
    both = find(hours=every_day(1, hm(1, 15), hm(1, 45)), first=TORONTO_FALL, duration=60, buffer=0)
    # 01:15 EDT = 05:15 UTC to 01:45 EST = 06:45 UTC: 90 real minutes.
    assert utc_starts(both) == quarter_hours(utc(2026, 11, 1, 5, 15), utc(2026, 11, 1, 5, 45))


def test_toronto_busy_time_across_fall_back_is_real_time():
    # Busy during the *second* 01:00-02:00 (EST) only.
    second_hour = Interval(local(TORONTO, 2026, 11, 1, 1, fold=1), local(TORONTO, 2026, 11, 1, 2))
    assert second_hour.end.astimezone(UTC) - second_hour.start.astimezone(UTC) == timedelta(hours=1)
    slots = find(hours=every_day(1, hm(0), hm(3)), first=TORONTO_FALL, duration=60, buffer=0, busy={1: [second_hour]})
    assert utc_starts(slots) == [utc(2026, 11, 1, h, m) for h, m in [(4, 0), (4, 15), (4, 30), (4, 45), (5, 0), (7, 0)]]


def test_min_notice_is_real_elapsed_time_across_a_clock_change():
    # now = Saturday 21:00 EST; 12 real hours later is Sunday 10:00 EDT
    # (wall-clock arithmetic would wrongly give 09:00).
    now = local(TORONTO, 2026, 3, 7, 21)
    slots = find(hours=every_day(1, hm(9), hm(12)), first=TORONTO_SPRING, now=now)
    assert slots[0].start == utc(2026, 3, 8, 14)
    assert local_hhmm(slots)[0] == "10:00"


def test_same_zone_datetimes_across_fall_back_are_compared_as_instants():
    # 01:30 EDT (05:30 UTC) .. 01:15 EST (06:15 UTC): valid although the wall
    # clock goes backwards; Python compares same-tzinfo datetimes by wall clock.
    start = local(TORONTO, 2026, 11, 1, 1, 30, fold=0)
    end = local(TORONTO, 2026, 11, 1, 1, 15, fold=1)
    iv = Interval(start, end)
    assert overlaps(iv.start, iv.end, utc(2026, 11, 1, 6), utc(2026, 11, 1, 7))
    assert not overlaps(iv.start, iv.end, utc(2026, 11, 1, 6, 15), utc(2026, 11, 1, 7))
    slots = find(hours=every_day(1, hm(0), hm(3)), first=TORONTO_FALL, duration=30, buffer=0, busy={1: [iv]})
    assert [s.start for s in slots if utc(2026, 11, 1, 5) <= s.start < utc(2026, 11, 1, 7)] == [
        utc(2026, 11, 1, 5), utc(2026, 11, 1, 6, 15), utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 6, 45)
    ]  # fmt: skip


# --------------------------------------------------------------------------
# America/Vancouver: permanent UTC-7 from 8 March 2026
# --------------------------------------------------------------------------


def test_vancouver_last_spring_forward_2026_03_08():
    morning = find(hours=every_day(1, hm(9), hm(10)), first=VANCOUVER_SPRING, tz=VANCOUVER, duration=60, buffer=0)
    assert utc_starts(morning) == [utc(2026, 3, 8, 16)]
    night = find(hours=every_day(1, hm(0), hm(5)), first=VANCOUVER_SPRING, tz=VANCOUVER, duration=60, buffer=0)
    # 00:00 PST (UTC-8) = 08:00 UTC, 05:00 UTC-7 = 12:00 UTC: 4 real hours, no 02:xx.
    assert utc_starts(night) == quarter_hours(utc(2026, 3, 8, 8), utc(2026, 3, 8, 11))
    assert not any(h.startswith("02:") for h in local_hhmm(night, VANCOUVER))


@pytest.mark.parametrize("d", [date(2026, 3, 9), date(2026, 11, 2), date(2026, 12, 15), date(2027, 7, 1)])
def test_vancouver_nine_am_is_sixteen_utc_after_permanent_change(d):
    slots = find(hours=every_day(1, hm(9), hm(10)), first=d, tz=VANCOUVER, duration=60, buffer=0)
    assert utc_starts(slots) == [datetime.combine(d, time(16), UTC)]


def test_vancouver_2026_11_02_nine_am_is_sixteen_utc_not_seventeen():
    slots = find(hours=every_day(1, hm(9), hm(12)), first=date(2026, 11, 2), tz=VANCOUVER)
    assert slots[0].start == utc(2026, 11, 2, 16)  # stale zone files would say 17:00


def test_vancouver_no_fall_back_on_2026_11_01():
    slots = find(hours=every_day(1, hm(0), hm(5)), first=date(2026, 11, 1), tz=VANCOUVER, duration=60, buffer=0)
    # Exactly 5 real hours: 07:00 to 12:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 11, 1, 7), utc(2026, 11, 1, 11))


# --------------------------------------------------------------------------
# other zones with unusual transitions
# --------------------------------------------------------------------------


def test_half_hour_gap_in_lord_howe():
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 02:00 -> 02:30 on 2026-10-04 (UTC+10:30 -> +11)
    slots = find(hours=every_day(1, hm(2), hm(4)), first=date(2026, 10, 4), tz=lord_howe, duration=30, buffer=0)
    # 02:00 does not exist: start at 02:30 (+11) = 15:30 UTC the day before; end 04:00 = 17:00 UTC.
    assert utc_starts(slots) == quarter_hours(utc(2026, 10, 3, 15, 30), utc(2026, 10, 3, 16, 30))


# --------------------------------------------------------------------------
# local_day_bounds
# --------------------------------------------------------------------------


def test_local_day_bounds_ordinary_day():
    assert local_day_bounds(WED, TORONTO) == (utc(2026, 6, 17, 4), utc(2026, 6, 18, 4))


def test_local_day_bounds_23_hour_toronto_day():
    start, end = local_day_bounds(TORONTO_SPRING, TORONTO)
    assert (start, end) == (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4))
    assert end - start == timedelta(hours=23)
    assert start.tzinfo is UTC and end.tzinfo is UTC


def test_local_day_bounds_25_hour_toronto_day():
    start, end = local_day_bounds(TORONTO_FALL, TORONTO)
    assert (start, end) == (utc(2026, 11, 1, 4), utc(2026, 11, 2, 5))
    assert end - start == timedelta(hours=25)


def test_local_day_bounds_tile_consecutive_days():
    d = date(2026, 2, 20)
    while d < date(2026, 12, 1):
        assert local_day_bounds(d, TORONTO)[1] == local_day_bounds(d + timedelta(days=1), TORONTO)[0]
        d += timedelta(days=1)


def test_local_day_bounds_when_midnight_does_not_exist():
    santiago = ZoneInfo("America/Santiago")  # 2026-09-06 00:00 -> 01:00 (UTC-4 -> UTC-3)
    start, end = local_day_bounds(date(2026, 9, 6), santiago)
    assert start == utc(2026, 9, 6, 4)  # 01:00 -03, the first instant of the day
    assert start.astimezone(santiago).time() == time(1)
    assert end - start == timedelta(hours=23)


def test_local_day_bounds_vancouver_after_permanent_change():
    assert local_day_bounds(date(2026, 11, 1), VANCOUVER) == (utc(2026, 11, 1, 7), utc(2026, 11, 2, 7))


# --------------------------------------------------------------------------
# group_by_local_date
# --------------------------------------------------------------------------


def _slot(start: datetime) -> Slot:
    return Slot(start=start, end=start + timedelta(minutes=45), practitioner_ids=(1,))


def test_group_by_local_date_uses_local_date_of_start():
    after_midnight = _slot(utc(2026, 12, 15, 7, 30))  # 00:30 on 15 Dec in Vancouver
    before_midnight = _slot(utc(2026, 12, 15, 6, 30))  # 23:30 on 14 Dec in Vancouver
    assert after_midnight.start.astimezone(VANCOUVER).time() == time(0, 30)
    assert before_midnight.start.astimezone(VANCOUVER).time() == time(23, 30)
    groups = group_by_local_date([after_midnight, before_midnight], VANCOUVER)
    assert list(groups) == [date(2026, 12, 14), date(2026, 12, 15)]  # ordered by date
    assert groups == {date(2026, 12, 14): [before_midnight], date(2026, 12, 15): [after_midnight]}


def test_group_by_local_date_sorts_within_a_day_and_handles_empty_input():
    a, b = _slot(utc(2026, 6, 17, 14)), _slot(utc(2026, 6, 17, 13))
    assert group_by_local_date([a, b], TORONTO) == {WED: [b, a]}
    assert group_by_local_date([], TORONTO) == {}


def test_group_by_local_date_round_trips_free_slots():
    slots = find(hours=every_day(1, hm(0), hm(5)), first=TORONTO_FALL - timedelta(days=1), last=TORONTO_FALL)
    groups = group_by_local_date(slots, TORONTO)
    assert [s for day in groups.values() for s in day] == slots
    assert list(groups) == [TORONTO_FALL - timedelta(days=1), TORONTO_FALL]


# --------------------------------------------------------------------------
# overlaps and validation
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 10), (10, 20), False),  # touching
        ((10, 20), (0, 10), False),  # touching, other order
        ((0, 10), (9, 20), True),
        ((0, 30), (10, 20), True),  # nested
        ((10, 20), (0, 30), True),
        ((0, 10), (20, 30), False),
        ((5, 5), (0, 10), False),  # empty interval overlaps nothing
        ((0, 10), (5, 5), False),
    ],
)
def test_overlaps_is_half_open(a, b, expected):
    base = utc(2026, 1, 1)
    a_start, a_end, b_start, b_end = (base + timedelta(minutes=m) for m in (*a, *b))
    assert overlaps(a_start, a_end, b_start, b_end) is expected


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError):
        WeeklyHours(1, 0, hm(10), hm(9))
    with pytest.raises(ValueError):
        WeeklyHours(1, 0, hm(10), hm(10))
    with pytest.raises(ValueError):
        WeeklyHours(1, 7, hm(9), hm(10))
    with pytest.raises(ValueError):
        WeeklyHours(1, 0, hm(9), hm(10), valid_from=THU, valid_until=WED)
    with pytest.raises(ValueError):
        WeeklyHours(1, 0, time(9, tzinfo=UTC), time(10, tzinfo=UTC))
    with pytest.raises(ValueError):
        Interval(datetime(2026, 1, 1, 9), datetime(2026, 1, 1, 10))  # naive
    with pytest.raises(ValueError):
        Interval(utc(2026, 1, 1, 10), utc(2026, 1, 1, 9))
    with pytest.raises(ValueError):
        Rules(step=timedelta(0))
    hours = every_day(1, hm(9), hm(12))
    with pytest.raises(ValueError):
        find(hours=hours, first=WED, duration=0)
    with pytest.raises(ValueError):
        find(hours=hours, first=WED, buffer=-5)
    with pytest.raises(ValueError):
        find(hours=hours, first=WED, now=datetime(2026, 6, 1))  # naive now


def test_dataclasses_are_frozen_and_slotted():
    wh = WeeklyHours(1, 0, hm(9), hm(10))
    with pytest.raises(AttributeError):
        wh.start = hm(8)  # type: ignore[misc]
    assert not hasattr(wh, "__dict__")
    assert not hasattr(Rules(), "__dict__")


# --------------------------------------------------------------------------
# property-style comparison with a naive reference implementation
# --------------------------------------------------------------------------


def _ref_wall_to_utc(d: date, t: time, tz: ZoneInfo, *, end: bool) -> datetime:
    """Independent wall-clock -> UTC: collect the real occurrences of the wall
    time; a start takes the earliest, an end the latest; in a gap, walk
    forward minute by minute to the first instant reading >= the wall time
    (all test times and offsets are whole minutes)."""
    wall = datetime.combine(d, t)
    guesses = [wall.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1)]
    real = [u for u in guesses if u.astimezone(tz).replace(tzinfo=None) == wall]
    if real:
        return max(real) if end else min(real)
    u = min(guesses)
    while u.astimezone(tz).replace(tzinfo=None) < wall:
        u += MIN
    return u


def naive_free_slots(*, practitioner_ids, duration, buffer, weekly_hours, busy, closed_dates,
                     first_date, last_date, tz, now, rules):  # fmt: skip
    """Deliberately simple: every candidate is checked against every busy interval."""
    free: dict[datetime, set[int]] = {}
    now = now.astimezone(UTC)  # so that now + min_notice is real (not wall-clock) time
    d = first_date
    while d <= last_date:
        if d not in closed_dates:
            for pid in set(practitioner_ids):
                for wh in weekly_hours:
                    if wh.practitioner_id != pid or wh.weekday != d.weekday():
                        continue
                    if wh.valid_from is not None and d < wh.valid_from:
                        continue
                    if wh.valid_until is not None and d > wh.valid_until:
                        continue
                    p_start = _ref_wall_to_utc(d, wh.start, tz, end=False)
                    p_end = _ref_wall_to_utc(d, wh.end, tz, end=True)
                    c = p_start
                    while c + duration + buffer <= p_end:
                        ok = now + rules.min_notice <= c <= now + rules.horizon
                        for iv in busy.get(pid, ()):
                            # astimezone: same-zone datetimes compare by wall clock
                            s, e = iv.start.astimezone(UTC), iv.end.astimezone(UTC)
                            if s < e and s < c + duration + buffer and c < e:
                                ok = False
                        if ok:
                            free.setdefault(c, set()).add(pid)
                        c += rules.step
        d += timedelta(days=1)
    return [
        Slot(start=c.astimezone(UTC), end=(c + duration).astimezone(UTC), practitioner_ids=tuple(sorted(ids)))
        for c, ids in sorted(free.items())
    ]


_RANDOM_ZONES = [
    ("America/Toronto", [date(2026, 3, 8), date(2026, 11, 1)]),
    ("America/Vancouver", [date(2026, 3, 8), date(2026, 11, 1)]),
    ("Europe/London", [date(2026, 3, 29), date(2026, 10, 25)]),
    ("Australia/Lord_Howe", [date(2026, 4, 5), date(2026, 10, 4)]),
    ("America/Santiago", [date(2026, 4, 5), date(2026, 9, 6)]),
    ("UTC", [date(2026, 6, 1)]),
    ("Asia/Kolkata", [date(2026, 6, 1)]),
]


def _random_time(rng: random.Random, lo: int, hi: int) -> time:
    """A wall time between lo and hi minutes after midnight, often on a quarter hour."""
    m = rng.randint(lo, hi)
    if rng.random() < 0.7:
        m -= m % 15
    return time(m // 60, m % 60)


def _random_case(rng: random.Random) -> dict:
    key, anchors = rng.choice(_RANDOM_ZONES)
    tz = ZoneInfo(key)
    anchor = rng.choice(anchors)
    first = anchor + timedelta(days=rng.randint(-3, 1))
    last = first + timedelta(days=rng.randint(-1, 5))  # -1: first > last, sometimes

    all_pids = list(range(1, 6))
    hours: list[WeeklyHours] = []
    for pid in all_pids:
        if rng.random() < 0.15:
            continue  # a practitioner with no hours at all
        for _ in range(rng.randint(1, 4)):
            # Bias towards small hours so periods often cross clock changes.
            lo = 0 if rng.random() < 0.5 else rng.randint(0, 20 * 60)
            start = _random_time(rng, lo, lo + 4 * 60)
            start_min = start.hour * 60 + start.minute
            # Short periods often start *and* end inside a gap or an overlap.
            length = rng.randint(1, 3 * 60) if rng.random() < 0.4 else rng.randint(1, 8 * 60)
            end_min = min(start_min + length, 23 * 60 + 59)
            if end_min <= start_min:
                continue
            end = time(end_min // 60, end_min % 60)
            weekdays = range(7) if rng.random() < 0.6 else [rng.randint(0, 6)]
            valid_from = anchor + timedelta(days=rng.randint(-3, 3)) if rng.random() < 0.2 else None
            valid_until = anchor + timedelta(days=rng.randint(3, 6)) if rng.random() < 0.2 else None
            for wd in weekdays:
                hours.append(WeeklyHours(pid, wd, start, end, valid_from, valid_until))
    rng.shuffle(hours)

    window_start = datetime.combine(first - timedelta(days=1), time(0), UTC)
    other_zone = ZoneInfo(rng.choice(_RANDOM_ZONES)[0])
    busy: dict[int, list[Interval]] = {}
    for pid in all_pids:
        items = []
        for _ in range(rng.randint(0, 15)):
            s = window_start + timedelta(minutes=rng.randint(0, 8 * 24 * 60))
            if rng.random() < 0.6:
                s -= timedelta(minutes=s.minute % 15)
            length = timedelta(minutes=rng.choice([0, 15, 30, 45, 60, 75, 120, 180, rng.randint(1, 600)]))
            zone = rng.choice([UTC, tz, other_zone])
            items.append(Interval(s.astimezone(zone), (s + length).astimezone(zone)))
        busy[pid] = items

    span = max((last - first).days + 1, 1)
    closed = {first + timedelta(days=i) for i in range(span) if rng.random() < 0.15}

    # Mostly quarter-hour aligned, so that now + min_notice and now + horizon
    # often land exactly on a candidate (the inclusive boundaries).
    now = window_start + timedelta(minutes=15 * rng.randint(0, 4 * 24 * 4))
    if rng.random() < 0.3:
        now += timedelta(minutes=rng.randint(0, 14), seconds=rng.choice([0, 17]))
    if rng.random() < 0.1:
        now = now.replace(microsecond=rng.randint(0, 999_999))
    rules = Rules(
        min_notice=timedelta(minutes=rng.choice([0, 60, 12 * 60, 15 * rng.randint(0, 200), rng.randint(0, 2000)])),
        horizon=timedelta(minutes=rng.choice([60 * 24 * 60, 15 * rng.randint(0, 800), rng.randint(0, 10 * 24 * 60)])),
        step=timedelta(minutes=rng.choice([5, 10, 15, 15, 20, 30, 45])),
    )
    return dict(
        practitioner_ids=rng.sample(all_pids, rng.randint(1, 4)),
        duration=timedelta(minutes=rng.choice([15, 30, 45, 60, 90])),
        buffer=timedelta(minutes=rng.choice([0, 0, 5, 10, 15])),
        weekly_hours=hours,
        busy=busy,
        closed_dates=closed,
        first_date=first,
        last_date=last,
        tz=tz,
        now=now.astimezone(rng.choice([UTC, tz])),
        rules=rules,
    )


@pytest.mark.parametrize("seed", range(6))
def test_free_slots_matches_naive_reference_on_random_cases(seed):
    rng = random.Random(seed)
    non_empty = 0
    for _ in range(50):
        case = _random_case(rng)
        expected = naive_free_slots(**case)
        got = free_slots(**case)
        assert got == expected, case
        non_empty += bool(expected)
        for s in got:
            assert s.start.tzinfo is UTC and s.end.tzinfo is UTC
            assert list(s.practitioner_ids) == sorted(set(s.practitioner_ids))
    assert non_empty >= 15  # the generator must actually exercise the fast path
