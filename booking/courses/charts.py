"""The course's pain chart: the reports' SVG line chart (booking/reports/charts.py) over the visits.

The table beside it on the page has the same numbers (and the activity ratings), for screen readers
and for anyone who would rather read than look.
"""

from __future__ import annotations

from django.utils.safestring import SafeString

from booking.reports.charts import Series, line_chart


def pain_chart(course, scored) -> SafeString | None:
    """``scored``: (visit number, appointment, VisitScore or None) in visit order; None before any score."""
    if not any(score is not None for _, _, score in scored):
        return None
    labels = [f"{number} visit" for number, _, _ in scored]  # shown as "1" over "visit"
    pains = [score.pain if score is not None else None for _, _, score in scored]
    return line_chart(chart_id=f"pain-{course.pk}", title="Pain score at each visit",
                      desc="Pain from 0 (none) to 10 (worst possible), visit by visit; the numbers are in the "
                           "table beside the chart.",
                      labels=labels, series=[Series("Pain", pains, "a")],
                      top=10, tick_text=lambda value: f"{value.normalize():f}" if value == value.to_integral_value()
                      else f"{value:f}")
