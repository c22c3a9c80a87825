"""Micro-benchmark for booking.availability.free_slots (no Django).

Scenario: 10 practitioners, 28 local days (crossing the 2026-11-01 fall-back
change in America/Toronto), weekly hours Mon-Fri 08:00-12:00 and 13:00-18:00,
~100 busy intervals per practitioner (1,000 in total), 15-min step, 45-min
appointments + 15-min buffer.

Run with either of:
    python -m clinic.bench.availability
    python clinic/bench/availability.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time as _time
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

try:
    from booking.availability import Interval, Rules, WeeklyHours, free_slots
except ModuleNotFoundError:  # run as a plain script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from booking.availability import Interval, Rules, WeeklyHours, free_slots

PRACTITIONERS = 10
DAYS = 28
APPOINTMENTS_PER_PRACTITIONER = 100
RUNS = 20
DURATION = timedelta(minutes=45)
BUFFER = timedelta(minutes=15)
FIRST_DATE = date(2026, 10, 19)  # a Monday; the window includes 2026-11-01
TZ_NAME = "America/Toronto"  # its rules are the same in stale and current tz data


def build_scenario(seed: int = 42) -> dict:
    """The keyword arguments for free_slots, built deterministically."""
    rng = random.Random(seed)
    tz = ZoneInfo(TZ_NAME)
    pids = list(range(1, PRACTITIONERS + 1))
    periods = [(time(8), time(12)), (time(13), time(18))]
    weekly_hours = [
        WeeklyHours(pid, weekday, start, end) for pid in pids for weekday in range(5) for start, end in periods
    ]
    working_days = [
        FIRST_DATE + timedelta(days=i) for i in range(DAYS) if (FIRST_DATE + timedelta(days=i)).weekday() < 5
    ]
    busy: dict[int, list[Interval]] = {}
    for pid in pids:
        intervals = []
        for _ in range(APPOINTMENTS_PER_PRACTITIONER):
            day = rng.choice(working_days)
            start_t, end_t = rng.choice(periods)
            # Appointment start on a quarter hour so that it (45 min) plus its
            # buffer (15 min) fits in the period; busy = appointment + buffer.
            slots_in_period = (end_t.hour - start_t.hour) * 4 - 3
            start = datetime.combine(day, start_t, tz) + timedelta(minutes=15 * rng.randrange(slots_in_period))
            intervals.append(Interval(start.astimezone(UTC), (start + DURATION + BUFFER).astimezone(UTC)))
        busy[pid] = intervals
    return dict(
        practitioner_ids=pids,
        duration=DURATION,
        buffer=BUFFER,
        weekly_hours=weekly_hours,
        busy=busy,
        closed_dates=frozenset({date(2026, 11, 11)}),
        first_date=FIRST_DATE,
        last_date=FIRST_DATE + timedelta(days=DAYS - 1),
        tz=tz,
        now=datetime.combine(FIRST_DATE - timedelta(days=1), time(12), tz),
        rules=Rules(),
    )


def run(print_fn: Callable[[str], object] = print) -> dict:
    """Time free_slots RUNS times on the scenario; print and return the figures."""
    kwargs = build_scenario()
    timings_ms: list[float] = []
    n_slots = 0
    for _ in range(RUNS):
        t0 = _time.perf_counter()
        slots = free_slots(**kwargs)
        timings_ms.append((_time.perf_counter() - t0) * 1000)
        n_slots = len(slots)
    result = {
        "median_ms": statistics.median(timings_ms),
        "max_ms": max(timings_ms),
        "slots": n_slots,
        "runs": RUNS,
    }
    n_busy = sum(len(v) for v in kwargs["busy"].values())
    print_fn(
        f"availability: {DAYS} days x {PRACTITIONERS} practitioners, {n_busy} appointments: "
        f"median {result['median_ms']:.1f} ms, max {result['max_ms']:.1f} ms, {n_slots} slots"
    )
    return result


if __name__ == "__main__":
    run()
