"""Propose an IMS trial as a series of visits: plain data in, plain data out (like ``availability``).

The clinic's rule (``../shared/reference/ims-facts.md``, "What to expect"): visits one to two weeks
apart, never more than once a week. Gaps are counted in **calendar days of the clinic's wall clock**
(``MIN_GAP_DAYS`` to ``MAX_GAP_DAYS``), so a series at 10 a.m. stays at 10 a.m. across a clock change
(BC's last one, 8 March 2026) and the spacing rule for every booking path is the same sentence.

``propose_series`` places each visit in turn: the day the person asked for (``every_days`` after the
previous visit, moved to their preferred weekday within the window), at the free time nearest to their
preferred time of day; when that day has nothing, the nearest day of the window that has something,
with the reason the asked-for day was not possible. A visit with nothing free in its whole window is
reported unplaced, and so is every visit after it: the series never stretches a gap past 14 days.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MIN_GAP_DAYS, MAX_GAP_DAYS = 7, 14
# Times of day as patients say them (start inclusive, end exclusive, wall clock).
PARTS_OF_DAY = {"morning": (time(0), time(12)), "afternoon": (time(12), time(17)), "evening": (time(17), time.max)}
ALTERNATIVES = 3


@dataclass(frozen=True)
class Preference:
    every_days: int = 7            # the gap asked for, MIN_GAP_DAYS..MAX_GAP_DAYS
    weekday: int | None = None     # 0 = Monday; None: any day
    part_of_day: str | None = None  # a key of PARTS_OF_DAY; None: any time
    at: time | None = None         # the wall-clock time to stay near (e.g. the assessment's)

    def __post_init__(self):
        if not MIN_GAP_DAYS <= self.every_days <= MAX_GAP_DAYS:
            raise ValueError(f"every_days must be {MIN_GAP_DAYS}..{MAX_GAP_DAYS}")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0..6")
        if self.part_of_day is not None and self.part_of_day not in PARTS_OF_DAY:
            raise ValueError("unknown part of day")


@dataclass(frozen=True)
class ProposedVisit:
    number: int                      # 1-based place in the series
    start: datetime | None           # None: it could not be placed
    asked_day: date | None           # the day the preference pointed at
    note: str = ""                   # why it is not on the asked-for day or time ("" when it is)
    alternatives: tuple[datetime, ...] = ()  # other free times in its window, best first

    @property
    def placed(self) -> bool:
        return self.start is not None


def wall_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def gap_days(earlier: datetime, later: datetime, tz: ZoneInfo) -> int:
    """Calendar days between two visits on the clinic's wall clock."""
    return (wall_date(later, tz) - wall_date(earlier, tz)).days


def too_close(a: datetime, b: datetime, tz: ZoneInfo) -> bool:
    """The one spacing rule: two IMS visits of a patient less than a week of calendar days apart."""
    return abs(gap_days(a, b, tz)) < MIN_GAP_DAYS


def _asked_day(previous_day: date, preference: Preference) -> date:
    ideal = previous_day + timedelta(days=preference.every_days)
    if preference.weekday is None:
        return ideal
    window = [previous_day + timedelta(days=n) for n in range(MIN_GAP_DAYS, MAX_GAP_DAYS + 1)]
    matching = [d for d in window if d.weekday() == preference.weekday]
    return min(matching, key=lambda d: (abs((d - ideal).days), d))


def _in_part(moment: datetime, tz: ZoneInfo, part: str | None) -> bool:
    if part is None:
        return True
    first, end = PARTS_OF_DAY[part]
    clock = moment.astimezone(tz).time()
    return first <= clock < end


def _minutes(clock: time) -> int:
    return clock.hour * 60 + clock.minute


def propose_series(*, after: datetime, count: int, preference: Preference, free_starts: Sequence[datetime],
                   tz: ZoneInfo, day_notes: Mapping[date, str] | None = None) -> list[ProposedVisit]:
    """``count`` visits after the visit at ``after``, each from ``free_starts`` (aware datetimes the
    availability engine offers; already filtered for anything else the caller must respect).
    ``day_notes`` says why a day has nothing (a closure, a holiday, time off, not a working day)."""
    day_notes = day_notes or {}
    by_day: dict[date, list[datetime]] = {}
    for start in sorted(set(free_starts)):
        by_day.setdefault(wall_date(start, tz), []).append(start)
    proposals: list[ProposedVisit] = []
    previous = after
    for number in range(1, count + 1):
        if proposals and not proposals[-1].placed:
            proposals.append(ProposedVisit(number, None, None, "Place the visit before it first."))
            continue
        previous_day = wall_date(previous, tz)
        asked = _asked_day(previous_day, preference)
        window = [previous_day + timedelta(days=n) for n in range(MIN_GAP_DAYS, MAX_GAP_DAYS + 1)]
        at = _minutes(preference.at) if preference.at is not None else None

        def score(start: datetime, asked=asked, at=at):
            day = wall_date(start, tz)
            clock = _minutes(start.astimezone(tz).time())
            return (not _in_part(start, tz, preference.part_of_day), abs((day - asked).days),
                    abs(clock - at) if at is not None else 0, start)

        candidates = sorted((s for d in window for s in by_day.get(d, ())), key=score)
        if not candidates:
            proposals.append(ProposedVisit(number, None, asked, (
                f"Nothing is free from {window[0]:%a %d %b} to {window[-1]:%a %d %b}.")))
            continue
        best = candidates[0]
        proposals.append(ProposedVisit(number, best, asked, _why_moved(best, asked, preference, tz, day_notes,
                                                                     by_day), tuple(candidates[1:ALTERNATIVES + 1])))
        previous = best
    return proposals


def _why_moved(start: datetime, asked: date, preference: Preference, tz: ZoneInfo,
               day_notes: Mapping[date, str], by_day: Mapping[date, list[datetime]]) -> str:
    day = wall_date(start, tz)
    if day != asked:
        if asked in by_day:
            return f"{asked:%a %d %b}: nothing free in the {preference.part_of_day}."
        return f"{asked:%a %d %b}: {day_notes.get(asked) or 'every time is taken'}."
    if not _in_part(start, tz, preference.part_of_day):
        return f"Nothing free in the {preference.part_of_day} within the window."
    if preference.at is not None and start.astimezone(tz).time() != preference.at:
        return f"{clock_text(preference.at)} is taken."
    return ""


def clock_text(clock: time) -> str:
    """'10:00 a.m.', the way the clinic writes a time."""
    return f"{clock.hour % 12 or 12}:{clock.minute:02d} {'a.m.' if clock.hour < 12 else 'p.m.'}"
