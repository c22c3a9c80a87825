"""Charts as server-rendered SVG: pure functions from rows to markup, no JavaScript.

Each chart is an ``<svg role="img">`` named by its own ``<title>`` and ``<desc>`` (``aria-labelledby``);
the numbers themselves are in the table beside it, which is what assistive technology reads. The
Content-Security-Policy forbids ``style=`` attributes, so colours come from classes styled in
``static/css/reports.css``; sizes are in a ``viewBox`` so a chart shrinks to a phone's width.
Every label goes through ``format_html`` (escaped). Coordinates are computed with ``Decimal`` and
rounded to a tenth only when written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 76, 12, 20, 56  # room for the value axis and the category labels
PLOT_W = Decimal(WIDTH - LEFT - RIGHT)
PLOT_H = Decimal(HEIGHT - TOP - BOTTOM)
BAR_SHARE = Decimal("0.7")  # of each category's slot
MAX_X_LABELS = 27  # a half-year of weeks; a year's shows every other week
MAX_VALUE_LABELS = 16
ROW = 58  # height of one row of a horizontal bar chart
H_VALUE_ROOM = 170  # to the right of the longest bar, for its value


@dataclass(frozen=True)
class Bar:
    label: str  # the category ("7 Sep", "Maya Chen")
    value: Decimal | int
    text: str  # the value as people read it ("34", "$1,250.00", "76.3 %")
    css: str = ""  # an extra class (a payer group's colour)


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal | int | None]  # None: no value that week (a gap in the line)
    css: str  # "a" or "b": colour, dash and marker shape, so the lines differ without colour too


def _n(value: Decimal | int) -> str:
    """A coordinate as SVG reads it: at most one decimal, no exponent."""
    rounded = Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{rounded:f}".removesuffix(".0")


def nice_max(value: Decimal | int) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    value = Decimal(value)
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (value.adjusted())
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop ends at 10 × power, which is always enough


def _ticks(top: Decimal) -> list[Decimal]:
    """Gridlines at round values: quarters of a 2 × 10ⁿ scale, fifths of 1, 2.5 and 5 × 10ⁿ."""
    parts = 4 if top.normalize().as_tuple().digits[0] == 2 and len(top.normalize().as_tuple().digits) == 1 else 5
    return [top * i / parts for i in range(parts + 1)]


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[SafeString],
           css: str = "") -> SafeString:
    return format_html(
        '<svg class="chart{}" id="{}" role="img" aria-labelledby="{}-title {}-desc" viewBox="0 0 {} {}" '
        'preserveAspectRatio="xMinYMin meet" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        f" {css}" if css else "", chart_id, chart_id, chart_id, WIDTH, height, chart_id, title, chart_id, desc,
        format_html_join("", "{}", ((part,) for part in body)))


def _value_axis(top: Decimal, tick_text: Callable[[Decimal], str]) -> list[SafeString]:
    parts = []
    for tick in _ticks(top):
        y = TOP + PLOT_H - tick / top * PLOT_H
        parts.append(format_html('<line class="chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                                 '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                                 LEFT, WIDTH - RIGHT, _n(y), _n(y), LEFT - 8, _n(y + 5), tick_text(tick)))
    parts.append(format_html('<line class="chart-axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                             LEFT, WIDTH - RIGHT, _n(TOP + PLOT_H), _n(TOP + PLOT_H)))
    return parts


def _category_labels(labels: Sequence[str]) -> list[SafeString]:
    slot = PLOT_W / max(len(labels), 1)
    every = -(-len(labels) // MAX_X_LABELS)  # ceiling: at most MAX_X_LABELS labels, evenly spaced
    # Two lines ("7" over "Sep"), so a week's label is narrower than its bar. Every other label is
    # "minor": reports.css hides those on a phone, where the text is larger.
    parts = []
    for i, label in enumerate(labels):
        if i % every:
            continue
        x = _n(LEFT + slot * i + slot / 2)
        first, _, rest = label.partition(" ")
        parts.append(format_html(
            '<text class="chart-label{}" x="{}" y="{}" text-anchor="middle"><tspan x="{}">{}</tspan>{}</text>',
            " chart-label--minor" if (i // every) % 2 else "", x, HEIGHT - BOTTOM + 18, x, first,
            format_html('<tspan x="{}" dy="1.1em">{}</tspan>', x, rest) if rest else ""))
    return parts


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


def bar_chart(*, chart_id: str, title: str, desc: str, bars: Sequence[Bar],
              tick_text: Callable[[Decimal], str] | None = None, minimum_top: int = 5) -> SafeString:
    """Vertical bars, one per category, each as tall as its value on a 0-to-``nice_max`` scale (at
    least ``minimum_top``, so a handful of visits gets whole-number gridlines)."""
    tick_text = tick_text or (lambda tick: _plain(tick.quantize(Decimal("0.1"))))
    top = nice_max(max([Decimal(minimum_top), *(Decimal(b.value) for b in bars)]))
    slot = PLOT_W / max(len(bars), 1)
    width = slot * BAR_SHARE
    body = _value_axis(top, tick_text)
    for i, bar in enumerate(bars):
        height = Decimal(bar.value) / top * PLOT_H
        x, y = LEFT + slot * i + (slot - width) / 2, TOP + PLOT_H - height
        body.append(format_html(
            '<rect class="chart-bar{}" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>',
            f" {bar.css}" if bar.css else "", _n(x), _n(y), _n(width), _n(height), bar.label, bar.text))
        if len(bars) <= MAX_VALUE_LABELS:
            body.append(format_html('<text class="chart-value chart-value--column" x="{}" y="{}" '
                                    'text-anchor="middle">{}</text>', _n(x + width / 2), _n(y - 5), bar.text))
    body += _category_labels([b.label for b in bars])
    return _frame(chart_id, title, desc, HEIGHT, body)


def hbar_chart(*, chart_id: str, title: str, desc: str, bars: Sequence[Bar], full: int = 0) -> SafeString:
    """Horizontal bars, one row per category: the label above its bar (so long names need no room
    beside it), the value after it. The longest bar is the largest value, or ``full`` if that is more
    (100 for percentages, so half-used time is half a bar)."""
    top = max([Decimal(full), *(Decimal(b.value) for b in bars)]) or Decimal(1)
    room = Decimal(WIDTH - H_VALUE_ROOM)
    body = []
    for i, bar in enumerate(bars):
        y = i * ROW
        length = Decimal(bar.value) / top * room
        body.append(format_html(
            '<text class="chart-label" x="0" y="{}">{}</text>'
            '<rect class="chart-bar{}" x="0" y="{}" width="{}" height="20"><title>{}: {}</title></rect>'
            '<text class="chart-value" x="{}" y="{}">{}</text>',
            y + 22, bar.label, f" {bar.css}" if bar.css else "", y + 30, _n(length), bar.label, bar.text,
            _n(length + 8), y + 46, bar.text))
    return _frame(chart_id, title, desc, max(len(bars), 1) * ROW + 2, body, css="chart--rows")


def line_chart(*, chart_id: str, title: str, desc: str, labels: Sequence[str], series: Sequence[Series],
               tick_text: Callable[[Decimal], str], top: Decimal | int | None = None) -> SafeString:
    """One line per series over the categories (weeks), on a shared 0-to-``nice_max`` scale; a week
    without a value breaks the line. Series "a" has round markers, "b" square ones and a dashed line."""
    values = [Decimal(v) for s in series for v in s.values if v is not None]
    top = Decimal(top) if top else nice_max(max(values, default=Decimal(0)))  # a fixed scale (0-10 pain) or round
    slot = PLOT_W / max(len(labels), 1)
    body = _value_axis(top, tick_text)
    for line in series:
        runs: list[list[tuple[Decimal, Decimal]]] = [[]]
        markers = []
        for i, value in enumerate(line.values):
            if value is None:
                runs.append([])
                continue
            x, y = LEFT + slot * i + slot / 2, TOP + PLOT_H - Decimal(value) / top * PLOT_H
            runs[-1].append((x, y))
            label = f"{line.name}, {labels[i]}: {tick_text(Decimal(value))}"
            if line.css == "b":
                markers.append(format_html('<rect class="chart-marker chart-marker--b" x="{}" y="{}" width="8" '
                                           'height="8"><title>{}</title></rect>', _n(x - 4), _n(y - 4), label))
            else:
                markers.append(format_html('<circle class="chart-marker chart-marker--{}" cx="{}" cy="{}" r="4.5">'
                                           '<title>{}</title></circle>', line.css, _n(x), _n(y), label))
        for run in runs:
            if len(run) > 1:
                body.append(format_html('<polyline class="chart-line chart-line--{}" points="{}"/>', line.css,
                                        " ".join(f"{_n(x)},{_n(y)}" for x, y in run)))
        body += markers
    body += _category_labels(labels)
    return _frame(chart_id, title, desc, HEIGHT, body)


def percent_tick(value: Decimal) -> str:
    return f"{_plain(value.quantize(Decimal('0.1')))} %"
