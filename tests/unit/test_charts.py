"""The dashboard's SVG charts: well-formed XML, bars in proportion, labels and ticks,
accessible names, escaping, and a sentence instead of an empty chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from factcheck.dashboard import charts
from factcheck.dashboard.charts import NO_DATA, Series
from factcheck.dashboard.figures import duration

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    root = ET.fromstring(str(markup))  # noqa: S314  (our own markup)
    assert root.tag == f"{SVG}svg"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if "bar" in (r.get("class") or "").split()]


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_bar_heights_are_proportional_to_the_values():
    root = parse(
        charts.bar_chart(
            "c",
            "Claims per day",
            "Bars",
            ["1 Nov", "2 Nov", "3 Nov"],
            [2, 4, 1],
            x_label="Day",
            y_label="Claims",
        )  # fmt: skip
    )
    heights = [float(b.get("height")) for b in bars(root)]
    assert len(heights) == 3
    assert heights[1] == pytest.approx(2 * heights[0])
    assert heights[0] == pytest.approx(2 * heights[2])
    # Bars stand on one baseline.
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in bars(root)}
    assert len(bottoms) == 1
    labels = texts(root)
    assert {"1 Nov", "2 Nov", "3 Nov", "Day", "Claims"} <= set(labels)
    assert {"0", "1", "2", "3", "4"} <= set(labels)  # round ticks up to the top value
    assert [b.find(f"{SVG}title").text for b in bars(root)] == ["1 Nov: 2", "2 Nov: 4", "3 Nov: 1"]


def test_every_chart_is_an_image_named_by_its_title_and_description():
    markup = charts.histogram(
        "scores", "Scores", "A histogram", [0, 0.5, 1], [3, 1],
        x_label="Score", y_label="Sentences", marker=0.5, marker_label="threshold 0.500",
    )  # fmt: skip
    root = parse(markup)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "scores-title scores-desc"
    assert root.find(f"{SVG}title").get("id") == "scores-title"
    assert root.find(f"{SVG}title").text == "Scores"
    assert root.find(f"{SVG}desc").get("id") == "scores-desc"
    assert root.find(f"{SVG}desc").text == "A histogram"
    assert " style=" not in markup and "<script" not in markup  # the CSP allows neither


def test_labels_are_escaped():
    nasty = 'Tom & Jerry <script>alert("x")</script> \x01\x0b'
    markups = [
        charts.bar_chart("a", nasty, nasty, [nasty], [1], x_label=nasty, y_label=nasty),
        charts.hbar_chart("b", nasty, nasty, [nasty], [Series(nasty, [3])], x_label=nasty),
        charts.hbar_chart(
            "b2",
            nasty,
            "d",
            [nasty, "x"],
            [Series(nasty, [3, 1]), Series("y", [1, 2])],
            x_label="n",
        ),  # fmt: skip
        charts.stacked_area_chart(
            "c", nasty, nasty, [nasty, "b"], [Series(nasty, [1, 2])], x_label="x", y_label="y"
        ),
        charts.histogram(
            "d",
            nasty,
            nasty,
            [0, 1],
            [2],
            x_label=nasty,
            y_label=nasty,
            marker=0.5,
            marker_label=nasty,
        ),  # fmt: skip
    ]
    for markup in markups:
        assert "<script>" not in markup
        root = parse(markup)  # well-formed despite & < > " and control characters
        assert root.find(f"{SVG}title").text.startswith("Tom & Jerry <script>")
        assert "\x01" not in markup


def test_long_labels_are_shortened_with_the_whole_label_in_the_tooltip():
    name = "The Honourable Member for a Very Long Constituency Name"
    root = parse(charts.hbar_chart("t", "Top", "d", [name], [Series("claims", [4])], x_label="n"))
    shown = [t for t in texts(root) if t.startswith("The Honourable")]
    assert shown and shown[0].endswith("…") and len(shown[0]) <= 26
    assert bars(root)[0].find(f"{SVG}title").text == f"{name}: 4"


def test_grouped_bars_have_a_legend_and_widths_in_proportion():
    root = parse(
        charts.hbar_chart(
            "w",
            "Work",
            "d",
            ["Ann", "Bo"],
            [Series("taken", [4, 2]), Series("submitted", [1, 0]), Series("published", [2, 2])],
            x_label="Count",
        )  # fmt: skip
    )
    widths = [float(b.get("width")) for b in bars(root)]
    assert len(widths) == 6
    assert widths[0] == pytest.approx(4 * widths[1])  # Ann: taken 4, submitted 1
    assert widths[4] == 0  # Bo submitted nothing
    assert {"taken", "submitted", "published"} <= set(texts(root))
    fills = {b.get("fill") for b in bars(root)}
    assert len(fills) == 3


def test_stacked_areas_stack_up_to_the_total():
    root = parse(
        charts.stacked_area_chart(
            "q",
            "Queue",
            "d",
            ["1", "2", "3"],
            [Series("new", [2, 4, 4]), Series("submitted", [2, 0, 4])],
            x_label="Day",
            y_label="Claims",
        )  # fmt: skip
    )
    paths = list(root.iter(f"{SVG}path"))
    assert len(paths) == 2
    # The tallest total (8) sets the top tick; the ticks are round numbers.
    assert "8" in texts(root)
    steps = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert any(r.find(f"{SVG}title").text == "3: new: 4; submitted: 4" for r in steps)


def test_the_histogram_marks_the_threshold():
    root = parse(
        charts.histogram(
            "h",
            "Scores",
            "d",
            [0, 0.25, 0.5, 0.75, 1],
            [4, 2, 2, 1],
            x_label="Score",
            y_label="Sentences",
            marker=0.6,
            marker_label="threshold 0.600",
        )  # fmt: skip
    )
    marker = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "marker")
    line = marker.find(f"{SVG}line")
    bar_xs = [float(b.get("x")) for b in bars(root)]
    assert bar_xs[2] < float(line.get("x1")) < bar_xs[3]  # 0.6 lies in the third band
    assert "threshold 0.600" in texts(root)
    # The bands wholly above the threshold are drawn apart (darker).
    assert [("above" in b.get("class")) for b in bars(root)] == [False, False, False, True]
    with pytest.raises(ValueError):
        charts.histogram("h", "t", "d", [0, 1], [1, 2], x_label="x", y_label="y")


@pytest.mark.parametrize(
    "markup",
    [
        charts.bar_chart("a", "t", "d", [], [], x_label="x", y_label="y"),
        charts.bar_chart("a", "t", "d", ["1", "2"], [0, 0], x_label="x", y_label="y"),
        charts.hbar_chart("b", "t", "d", [], [Series("s", [])], x_label="x"),
        charts.stacked_area_chart(
            "c", "t", "d", ["1"], [Series("s", [0])], x_label="x", y_label="y"
        ),
        charts.histogram("d", "t", "d", [0, 0.5, 1], [0, 0], x_label="x", y_label="y"),
    ],
)
def test_no_data_is_said_not_drawn(markup):
    assert NO_DATA in markup
    assert "<svg" not in markup


def test_many_bars_get_thinned_labels():
    labels = [f"{d} Nov" for d in range(1, 31)]
    root = parse(
        charts.bar_chart("m", "t", "d", labels, list(range(30)), x_label="Day", y_label="n")
    )
    assert len(bars(root)) == 30
    shown = [t for t in texts(root) if t.endswith("Nov")]
    assert 3 <= len(shown) < 30  # every k-th, so they do not overlap


@pytest.mark.parametrize(
    ("maximum", "ticks"),
    [
        (4, [0, 1, 2, 3, 4]),
        (7, [0, 2, 4, 6, 8]),
        (1, [0, 1]),
        (95, [0, 20, 40, 60, 80, 100]),
        (1234, [0, 500, 1000, 1500]),
        (0, [0, 1]),
    ],
)
def test_ticks_are_round_numbers(maximum, ticks):
    assert charts.nice_ticks(maximum) == ticks


def test_durations_read_at_a_glance():
    assert duration(None) == "–"
    assert duration(40 * 60) == "40 min"
    assert duration(5 * 3600 + 12 * 60) == "5 h 12 min"
    assert duration(3 * 86400 + 4 * 3600) == "3 d 4 h"
