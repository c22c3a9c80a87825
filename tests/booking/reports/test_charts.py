"""The SVG charts: well-formed, named for assistive technology, sized by value, labels escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from booking.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own markup; fails unless it is well-formed XML


def bars(svg: ET.Element) -> list[ET.Element]:
    return [rect for rect in svg.iter(f"{SVG}rect") if "chart-bar" in rect.get("class", "").split()]


def test_a_bar_chart_has_one_bar_per_row_as_tall_as_its_value():
    values = [10, 5, 0, 20, 15]
    svg = parse(charts.bar_chart(chart_id="c", title="Visits", desc="Per week",
                                 bars=[charts.Bar(f"w{i}", v, str(v)) for i, v in enumerate(values)]))
    found = bars(svg)
    assert len(found) == len(values)
    heights = [Decimal(rect.get("height")) for rect in found]
    assert heights[3] == charts.PLOT_H  # 20 is the top of a 0-20 scale: the full plot height
    assert [h / charts.PLOT_H * 20 for h in heights] == values
    baselines = {Decimal(rect.get("y")) + Decimal(rect.get("height")) for rect in found}
    assert baselines == {charts.TOP + charts.PLOT_H}  # every bar stands on the axis
    assert [rect.find(f"{SVG}title").text for rect in found][1] == "w1: 5"


def test_a_handful_of_visits_gets_a_whole_number_scale():
    svg = parse(charts.bar_chart(chart_id="c", title="t", desc="d", bars=[charts.Bar("a", 1, "1")]))
    ticks = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-tick"]
    assert ticks == ["0", "1", "2", "3", "4", "5"]


def test_a_horizontal_bar_chart_has_one_bar_per_row_as_long_as_its_value():
    svg = parse(charts.hbar_chart(chart_id="h", title="Utilisation", desc="d", full=100, bars=[
        charts.Bar("A", Decimal("50.0"), "50.0 %"), charts.Bar("B", Decimal("25.0"), "25.0 %", "chart-bar--third")]))
    found = bars(svg)
    room = charts.WIDTH - charts.H_VALUE_ROOM
    assert [Decimal(rect.get("width")) for rect in found] == [room / Decimal(2), room / Decimal(4)]
    assert found[1].get("class") == "chart-bar chart-bar--third"


def test_a_bar_over_the_full_mark_sets_the_scale():
    svg = parse(charts.hbar_chart(chart_id="h", title="t", desc="d", full=100, bars=[
        charts.Bar("A", Decimal("125.0"), "125.0 %"), charts.Bar("B", Decimal("50.0"), "50.0 %")]))
    widths = [Decimal(rect.get("width")) for rect in bars(svg)]
    assert widths[0] == charts.WIDTH - charts.H_VALUE_ROOM and widths[0] / widths[1] == Decimal("2.5")


def test_every_chart_is_an_image_named_by_its_own_title_and_description():
    for markup in (charts.bar_chart(chart_id="v", title="Visits", desc="Per week", bars=[]),
                   charts.hbar_chart(chart_id="v", title="Visits", desc="Per week", bars=[]),
                   charts.line_chart(chart_id="v", title="Visits", desc="Per week", labels=[], series=[],
                                     tick_text=charts.percent_tick)):
        svg = parse(markup)
        assert svg.get("role") == "img" and svg.get("aria-labelledby") == "v-title v-desc"
        assert svg.find(f"{SVG}title").get("id") == "v-title" and svg.find(f"{SVG}title").text == "Visits"
        assert svg.find(f"{SVG}desc").get("id") == "v-desc" and svg.find(f"{SVG}desc").text == "Per week"
        assert "style=" not in str(markup)  # the Content-Security-Policy would block it
        assert svg.get("viewBox").startswith("0 0 640 ")


@pytest.mark.parametrize("build", [
    lambda label: charts.bar_chart(chart_id="x", title=label, desc=label, bars=[charts.Bar(label, 1, label)]),
    lambda label: charts.hbar_chart(chart_id="x", title=label, desc=label, bars=[charts.Bar(label, 1, label)]),
    lambda label: charts.line_chart(chart_id="x", title=label, desc=label, labels=[label, label],
                                    series=[charts.Series(label, [1, 2], "a")], tick_text=charts.percent_tick),
])
def test_labels_are_escaped(build):
    label = '<script>alert("x")</script> & Co'
    markup = str(build(label))
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    texts = [" ".join(" ".join(t.itertext()).split()) for t in parse(markup).iter()
             if t.tag in (f"{SVG}text", f"{SVG}title", f"{SVG}desc") and "script" in "".join(t.itertext())]
    assert texts and all(label in text for text in texts)  # shown as text, whole


def test_a_week_without_a_value_breaks_the_line_and_each_series_has_its_markers():
    svg = parse(charts.line_chart(
        chart_id="l", title="Rates", desc="d", labels=["a", "b", "c", "d"], tick_text=charts.percent_tick,
        series=[charts.Series("No-shows", [Decimal("10.0"), None, Decimal("20.0"), Decimal("5.0")], "a"),
                charts.Series("Late", [Decimal("0.0"), Decimal("0.0"), None, None], "b")]))
    lines = list(svg.iter(f"{SVG}polyline"))
    assert [line.get("class") for line in lines] == ["chart-line chart-line--a", "chart-line chart-line--b"]
    assert [len(line.get("points").split()) for line in lines] == [2, 2]  # "a": c-d only (a stands alone)
    assert len(list(svg.iter(f"{SVG}circle"))) == 3
    assert len([r for r in svg.iter(f"{SVG}rect") if "chart-marker--b" in r.get("class")]) == 2
    top = charts.TOP + charts.PLOT_H
    highest = min(Decimal(c.get("cy")) for c in svg.iter(f"{SVG}circle"))
    assert highest == charts.TOP and top - highest == charts.PLOT_H  # 20 % is the top of a 0-20 % scale


@pytest.mark.parametrize("value, top", [(0, 1), (1, 1), (3, 5), (12, 20), (25, 25), (26, 50), (101, 200),
                                        (Decimal("0.4"), Decimal("0.5")), (Decimal("1234.56"), 2000)])
def test_scales_end_on_a_round_number(value, top):
    assert charts.nice_max(value) == top
