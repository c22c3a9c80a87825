"""Free-slot computation for the booking flow.

This module is deliberately *pure*: plain data in, plain data out.  It knows
nothing about Django, the ORM, the database or the clock (the caller passes
``now``), which keeps it trivially testable and fast.

Time model
----------
* Practitioners' weekly timetables (:class:`WeeklyHours`) are *wall-clock*
  times in the clinic's zone.  "09:00 on Mondays" means 09:00 on the clock on
  the wall, whatever the UTC offset happens to be that day.  Each interval is
  therefore converted to UTC **per date**, never once per weekday, so that the
  conversion is right on clock-change days and after a zone changes its rules
  (British Columbia has been permanently UTC-7 since 8 March 2026).
* Everything else -- busy intervals, ``now``, and the resulting slots -- is in
  real, elapsed time (aware datetimes).  Slots are returned in UTC.
* Internally, instants are plain integers (microseconds since the Unix epoch).
  Comparing and bisecting ints is far cheaper in CPython than comparing aware
  datetimes, each of which calls ``utcoffset()``.

Clock-change rules (see :func:`_wall_to_utc`)
---------------------------------------------
* Spring forward (a *gap*: e.g. 02:30 on 2026-03-08 in America/Toronto never
  happens): a wall time inside the gap means the moment of the transition,
  i.e. the first instant that exists after the gap (03:00 EDT = 07:00 UTC).
  This holds for period starts and ends alike, so a period lying entirely
  inside a gap is empty.
* Fall back (an *overlap*: e.g. 01:30 on 2026-11-01 in Toronto happens
  twice): a period START uses the first occurrence (``fold=0``) and a period
  END uses the second occurrence (``fold=1``).  Working hours thus cover every
  real instant whose wall-clock reading lies within them, so 00:00-03:00 on
  2026-11-01 in Toronto is 4 real hours long.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "Interval",
    "Rules",
    "Slot",
    "WeeklyHours",
    "free_slots",
    "group_by_local_date",
    "local_day_bounds",
    "overlaps",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
_ONE_SECOND_US = 1_000_000


# --------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------


def _is_aware(dt: datetime) -> bool:
    return dt.tzinfo is not None and dt.utcoffset() is not None


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """One wall-clock interval of a practitioner's weekly timetable.

    ``start``/``end`` are naive wall-clock times in the clinic zone with
    ``end > start`` (no overnight intervals).  ``valid_from``/``valid_until``
    are inclusive local dates; ``None`` means unbounded on that side.
    """

    practitioner_id: int
    weekday: int  # 0 = Monday ... 6 = Sunday, as date.weekday()
    start: time
    end: time
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6 (Monday=0), got {self.weekday!r}")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            # An aware time would make datetime.combine() produce an aware
            # datetime in the wrong zone; wall-clock times must be naive.
            raise ValueError("WeeklyHours start/end must be naive wall-clock times")
        if not self.end > self.start:
            raise ValueError(f"WeeklyHours end ({self.end}) must be after start ({self.start})")
        if self.valid_from is not None and self.valid_until is not None and self.valid_from > self.valid_until:
            raise ValueError("WeeklyHours valid_from must not be after valid_until")

    def applies_on(self, d: date) -> bool:
        """True if this row is part of the timetable on local date ``d``."""
        return (
            self.weekday == d.weekday()
            and (self.valid_from is None or self.valid_from <= d)
            and (self.valid_until is None or d <= self.valid_until)
        )


@dataclass(frozen=True, slots=True)
class Interval:
    """A busy stretch ``[start, end)`` as aware datetimes (any zone, usually UTC).

    Busy intervals already include the buffers of existing appointments; time
    off is expressed as busy intervals too.  An empty interval (start == end)
    blocks nothing.
    """

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if not (_is_aware(self.start) and _is_aware(self.end)):
            # A naive datetime would silently be read as the *server's* local
            # time by astimezone(); refuse it instead.
            raise ValueError("Interval start/end must be timezone-aware datetimes")
        # Compare as real instants: aware datetimes sharing one tzinfo object
        # compare by wall clock, which is wrong across a fall-back change.
        if _to_us(self.end) < _to_us(self.start):
            raise ValueError("Interval end must not be before start")


@dataclass(frozen=True, slots=True)
class Rules:
    """Booking policy.

    * ``min_notice``: a slot may start no earlier than ``now + min_notice``
      (exactly that instant is allowed).
    * ``horizon``: a slot may start no later than ``now + horizon``
      (exactly that instant is allowed).
    * ``step``: spacing of candidate start times, in real elapsed time,
      counted from the start of each working period.
    """

    min_notice: timedelta = timedelta(hours=12)
    horizon: timedelta = timedelta(days=60)
    step: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.step <= timedelta(0):
            raise ValueError("Rules.step must be positive")


@dataclass(frozen=True, slots=True)
class Slot:
    """A bookable start time.

    ``start``/``end`` are aware UTC datetimes; ``end = start + duration``
    (the trailing buffer is *not* included).  ``practitioner_ids`` is the
    sorted tuple of every practitioner free for this start.
    """

    start: datetime
    end: datetime
    practitioner_ids: tuple[int, ...]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def _to_us(dt: datetime) -> int:
    """Aware datetime -> integer microseconds since the Unix epoch."""
    return (dt - _EPOCH) // _US


def _from_us(us: int) -> datetime:
    """Integer microseconds since the Unix epoch -> aware UTC datetime."""
    return _EPOCH + timedelta(microseconds=us)


def _wall(dt: datetime, tz: tzinfo) -> datetime:
    """The naive wall-clock reading of instant ``dt`` in ``tz``."""
    return dt.astimezone(tz).replace(tzinfo=None)


def _gap_end(wall: datetime, tz: tzinfo) -> datetime:
    """The transition instant of the spring-forward gap containing ``wall``.

    ``wall`` does not exist in ``tz``.  Per PEP 495, ``fold=0`` interprets it
    with the offset in force *before* the transition (giving an instant after
    the transition) and ``fold=1`` with the offset *after* it (giving an
    instant before the transition).  Between those two instants the wall
    clock reads < ``wall`` up to the transition and > ``wall`` from the
    transition on, so the transition is the first instant whose wall-clock
    reading is >= ``wall``: find it by bisection.  Zone transitions fall on
    whole seconds, so bisecting over whole seconds is exact.
    """
    a = _to_us(wall.replace(tzinfo=tz, fold=0).astimezone(UTC))
    b = _to_us(wall.replace(tzinfo=tz, fold=1).astimezone(UTC))
    lo, hi = min(a, b), max(a, b)
    lo = lo // _ONE_SECOND_US  # floor: still before the transition
    hi = -(-hi // _ONE_SECOND_US)  # ceil: still at/after the transition
    # Invariant: wall clock at second `lo` < wall, at second `hi` >= wall.
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _wall(_from_us(mid * _ONE_SECOND_US), tz) >= wall:
            hi = mid
        else:
            lo = mid
    return _from_us(hi * _ONE_SECOND_US)


def _wall_to_utc(d: date, t: time, tz: tzinfo, *, end: bool) -> datetime:
    """Convert wall-clock ``t`` on local date ``d`` in ``tz`` to a UTC instant.

    * Ordinary times: the unique instant.
    * Ambiguous times (fall-back overlap): the first occurrence for a period
      start (``end=False``, ``fold=0``), the second occurrence for a period
      end (``end=True``, ``fold=1``), so a period covers every real instant
      whose wall-clock reading lies inside it.
    * Non-existent times (spring-forward gap): the transition instant, i.e.
      the first instant that exists after the gap, for starts and ends alike.
      Gaps are detected by round-tripping: converting the UTC result back to
      the zone does not reproduce the requested wall-clock time.
    """
    wall = datetime.combine(d, t)
    utc = wall.replace(tzinfo=tz, fold=1 if end else 0).astimezone(UTC)
    if _wall(utc, tz) == wall:  # naive comparison ignores fold
        return utc
    return _gap_end(wall, tz)


def _merged_busy(intervals: Iterable[Interval]) -> tuple[list[int], list[int]]:
    """Sort and merge busy intervals into disjoint ``[start, end)`` runs.

    Returns parallel lists of starts and ends (integer microseconds), both
    strictly increasing, so ``bisect`` on the ends finds the only run that
    can overlap a given candidate.  Touching runs are merged (their union is
    the same set), empty intervals are dropped (they block nothing).
    """
    spans = sorted((s, e) for s, e in ((_to_us(iv.start), _to_us(iv.end)) for iv in intervals) if e > s)
    starts: list[int] = []
    ends: list[int] = []
    for s, e in spans:
        if ends and s <= ends[-1]:
            if e > ends[-1]:
                ends[-1] = e
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


# --------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """True if half-open intervals ``[a_start, a_end)`` and ``[b_start, b_end)`` overlap.

    Touching intervals (``a_end == b_start``) do not overlap, and an empty
    interval overlaps nothing (it is the empty set).  Aware datetimes are
    compared as real instants, even when they share a zone: Python compares
    same-tzinfo datetimes by wall clock, which is wrong across a fall-back
    change (01:30 EDT and 01:30 EST would look equal).
    """
    a_start, a_end, b_start, b_end = (
        dt.astimezone(UTC) if dt.tzinfo is not None else dt for dt in (a_start, a_end, b_start, b_end)
    )
    return a_start < a_end and b_start < b_end and a_start < b_end and b_start < a_end


def local_day_bounds(d: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of the start of local date ``d`` and of ``d + 1`` in ``tz``.

    The day is ``[first, second)`` and lasts 23 or 25 hours on clock-change
    days.  If local midnight is ambiguous the first occurrence is used, and if
    it does not exist (zones that change clocks at midnight) the first instant
    of the day after the gap is used -- for both bounds, so consecutive days
    tile the timeline without gaps or overlaps.
    """
    midnight = time(0)
    return (
        _wall_to_utc(d, midnight, tz, end=False),
        _wall_to_utc(d + _ONE_DAY, midnight, tz, end=False),
    )


def group_by_local_date(slots: Iterable[Slot], tz: ZoneInfo) -> dict[date, list[Slot]]:
    """Group slots by the local date (in ``tz``) of their start.

    Keys are in ascending date order; within a date, slots are sorted by
    start (stable, so equal starts keep their input order).
    """
    groups: dict[date, list[Slot]] = {}
    for slot in sorted(slots, key=lambda s: _to_us(s.start)):  # real instants, not wall clock
        groups.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    return dict(sorted(groups.items()))


def _open_dates(first_date: date, last_date: date, closed_dates: Collection[date], tz: ZoneInfo,
                earliest: int, latest: int) -> list[date]:
    """Local dates worth looking at: not closed, and overlapping [earliest, latest].

    Working hours on date d lie within the local day [day_start, day_end), so a
    day ending by ``earliest`` or starting after ``latest`` cannot contain a
    valid start.
    """
    closed = closed_dates if isinstance(closed_dates, (set, frozenset)) else set(closed_dates)
    dates: list[date] = []
    d = first_date
    while d <= last_date:
        if d not in closed:
            day_start, day_end = local_day_bounds(d, tz)
            if _to_us(day_end) > earliest and _to_us(day_start) <= latest:
                dates.append(d)
        d += _ONE_DAY
    return dates


def _hours_by_weekday(weekly_hours: Iterable[WeeklyHours],
                     wanted: set[int]) -> dict[tuple[int, int], list[WeeklyHours]]:
    """The rows of the wanted practitioners, keyed by (practitioner id, weekday)."""
    hours: dict[tuple[int, int], list[WeeklyHours]] = {}
    for wh in weekly_hours:
        if wh.practitioner_id in wanted:
            hours.setdefault((wh.practitioner_id, wh.weekday), []).append(wh)
    return hours


def free_slots(
    *,
    practitioner_ids: Iterable[int],
    duration: timedelta,
    buffer: timedelta,
    weekly_hours: Iterable[WeeklyHours],
    busy: Mapping[int, Iterable[Interval]],
    closed_dates: Collection[date],
    first_date: date,
    last_date: date,
    tz: ZoneInfo,
    now: datetime,
    rules: Rules = Rules(),
) -> list[Slot]:
    """Bookable start times for local dates ``first_date``..``last_date`` (inclusive).

    For every local date not in ``closed_dates`` and every practitioner, each
    applicable :class:`WeeklyHours` row is converted to a UTC period on that
    date (see :func:`_wall_to_utc` for clock-change handling).  Candidate
    starts run from the period's UTC start every ``rules.step`` of real time
    while ``candidate + duration + buffer <= period end``: the new
    appointment's trailing buffer must fit inside working time too (so the
    practitioner is not left cleaning up after hours, and the buffer can
    never run into the next period or a lunch break).  Each row is its own
    period: adjacent or overlapping rows are not joined, so an appointment
    never spans two rows.

    A candidate is free for a practitioner if ``[candidate, candidate +
    duration + buffer)`` overlaps none of that practitioner's busy intervals
    (half-open; touching is fine).  Candidates starting before ``now +
    rules.min_notice`` or after ``now + rules.horizon`` are dropped.

    Returns one :class:`Slot` per distinct start, sorted by start, in UTC,
    with the sorted ids of every practitioner free then.
    """
    if duration <= timedelta(0):
        raise ValueError("duration must be positive")
    if buffer < timedelta(0):
        raise ValueError("buffer must not be negative")
    if not _is_aware(now):
        raise ValueError("now must be a timezone-aware datetime")

    pids = sorted(set(practitioner_ids))
    if first_date > last_date or not pids:
        return []

    now_us = _to_us(now)
    earliest = now_us + rules.min_notice // _US
    latest = now_us + rules.horizon // _US
    if earliest > latest:
        return []
    step = rules.step // _US
    need = (duration + buffer) // _US  # the new slot's footprint incl. its buffer

    dates = _open_dates(first_date, last_date, closed_dates, tz, earliest, latest)
    if not dates:
        return []
    hours = _hours_by_weekday(weekly_hours, set(pids))

    # Wall-clock -> UTC conversions are shared by every practitioner working
    # the same hours; cache them per (date, time, start/end).
    conv_cache: dict[tuple[date, time, bool], int] = {}

    def conv(day: date, t: time, is_end: bool) -> int:
        key = (day, t, is_end)
        us = conv_cache.get(key)
        if us is None:
            us = conv_cache[key] = _to_us(_wall_to_utc(day, t, tz, end=is_end))
        return us

    free: dict[int, list[int]] = {}  # start (us) -> practitioner ids, ascending
    for pid in pids:  # ascending, so each id list comes out sorted
        starts, ends = _merged_busy(busy.get(pid, ()))
        n_busy = len(starts)
        for day in dates:
            rows = hours.get((pid, day.weekday()))
            if not rows:
                continue
            for wh in rows:
                if not wh.applies_on(day):
                    continue
                p_start = conv(day, wh.start, False)
                p_end = conv(day, wh.end, True)
                last = min(p_end - need, latest)
                # First grid point (p_start + k*step) at or after `earliest`.
                c = p_start if earliest <= p_start else p_start - ((p_start - earliest) // step) * step
                i = 0
                while c <= last:
                    # Busy runs are disjoint and sorted, so only the first run
                    # ending after c can overlap [c, c + need).  Candidates
                    # increase, so the search can resume from the last index.
                    i = bisect_right(ends, c, i)
                    if i == n_busy or starts[i] >= c + need:
                        ids = free.get(c)
                        if ids is None:
                            free[c] = [pid]
                        elif ids[-1] != pid:  # overlapping rows of one practitioner
                            ids.append(pid)
                    c += step

    result: list[Slot] = []
    for c in sorted(free):
        start = _from_us(c)
        result.append(Slot(start=start, end=start + duration, practitioner_ids=tuple(free[c])))
    return result
