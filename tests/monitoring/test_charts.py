"""The trend charts and sparklines as a reader meets them: the picture's words say what it
shows, each kind of day is drawn in its own shape (a day not heard from never looks like a
reading), the person's thresholds are marked where they belong, and what is written into the
markup is escaped."""

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from coproduce.monitoring.charts import (
    Mark,
    Point,
    Threshold,
    nice_ticks,
    sparkline,
    trend_chart,
)

SVG = "{http://www.w3.org/2000/svg}"
FIRST = date(2026, 9, 1)
LAST = FIRST + timedelta(days=9)


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 (markup this test just drew)


def marks(svg: ET.Element) -> list[str]:
    return [element.get("data-mark") for element in svg.iter() if element.get("data-mark")]


def weights() -> list[Point]:
    return [
        Point(FIRST, 80.1),
        Point(FIRST + timedelta(days=1), 80.4),
        Point(FIRST + timedelta(days=2), None, Mark.NOT_HEARD_FROM),
        Point(FIRST + timedelta(days=3), 81.6, Mark.WARNING),
        Point(FIRST + timedelta(days=4), 82.7, Mark.URGENT),
    ]


def chart(points=None, **options) -> ET.Element:
    return parse(
        trend_chart(
            weights() if points is None else points,
            measure="Weight",
            first_day=FIRST,
            last_day=LAST,
            unit="kg",
            decimals=1,
            **options,
        )
    )


def test_the_chart_says_in_words_what_it_shows():
    svg = chart(thresholds=[Threshold(78.0, "Dry weight")])

    label = svg.get("aria-label")
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == label
    assert "Weight from 1 September 2026 to 10 September 2026: 4 readings." in label
    assert "Lowest 80.1 kg, highest 82.7 kg, latest 82.7 kg on 5 September 2026." in label
    assert "1 reading showed warning signs." in label
    assert "1 reading showed urgent warning signs." in label
    assert "1 day with no check-in." in label
    assert "Dry weight: 78.0 kg, marked by a dashed line." in label


def test_each_kind_of_day_has_its_own_shape_and_a_day_not_heard_from_is_no_reading():
    svg = chart()

    drawn = marks(svg.find(f"{SVG}g"))
    # Two usual readings, then the day not heard from, a warning and an urgent reading;
    # the legend repeats each shape once.
    assert drawn[:5] == ["usual", "usual", "not_heard_from", "warning", "urgent"]
    assert sorted(drawn[5:]) == ["not_heard_from", "urgent", "usual", "warning"]
    shapes = {
        element.get("data-mark"): element.tag.removeprefix(SVG)
        for element in svg.iter()
        if element.get("data-mark")
    }
    assert shapes == {
        "usual": "circle",
        "warning": "polygon",
        "urgent": "polygon",
        "not_heard_from": "rect",
    }


def test_the_line_breaks_where_no_reading_was_taken():
    lines = chart().findall(f".//{SVG}polyline")

    assert [len(line.get("points").split()) for line in lines] == [2, 2]


def test_a_threshold_is_drawn_at_its_value_between_the_axis_ticks():
    svg = chart(thresholds=[Threshold(81.0, "Warning signs from")])

    ticks = {
        float(text.text.split()[0]): float(text.get("y"))
        for text in svg.iter(f"{SVG}text")
        if text.get("text-anchor") == "end" and text.get("dy") == "0.35em"
    }
    line = next(element for element in svg.iter(f"{SVG}line") if element.get("data-threshold"))
    assert line.get("data-threshold") == "81.0"
    below = max(value for value in ticks if value <= 81.0)
    above = min(value for value in ticks if value >= 81.0)
    y = float(line.get("y1"))
    assert ticks[above] <= y <= ticks[below]
    assert any(
        (text.text or "") == "Warning signs from: 81.0 kg" for text in svg.iter(f"{SVG}text")
    )


def test_only_the_shapes_drawn_are_in_the_legend():
    svg = chart(points=[Point(FIRST, 80.0), Point(LAST, 80.5)])

    words = {text.text for text in svg.iter(f"{SVG}text")}
    assert "Reading" in words
    assert not words & {"Warning signs", "Urgent", "No check-in"}


def test_a_chart_with_no_readings_says_so():
    svg = chart(points=[Point(FIRST, None, Mark.NOT_HEARD_FROM)])

    assert "no readings" in svg.get("aria-label")
    assert "1 day with no check-in" in svg.get("aria-label")


def test_words_written_into_the_chart_are_escaped():
    hostile = '<script>alert("x")</script>'
    markup = str(
        trend_chart(
            weights(),
            measure=hostile,
            first_day=FIRST,
            last_day=LAST,
            thresholds=[Threshold(80, hostile)],
        )
    )

    assert "<script>" not in markup
    parse(markup)  # still well-formed


def test_a_sparkline_breaks_for_a_day_not_heard_from_and_marks_the_latest_reading():
    svg = parse(
        sparkline(
            [3, 4, None, 6, 9],
            marks=[Mark.USUAL, Mark.USUAL, Mark.NOT_HEARD_FROM, Mark.USUAL, Mark.URGENT],
            label="Score over 5 days: latest 9",
        )
    )

    assert svg.get("role") == "img" and svg.get("aria-label") == "Score over 5 days: latest 9"
    assert [len(line.get("points").split()) for line in svg.iter(f"{SVG}polyline")] == [2, 2]
    assert marks(svg) == ["not_heard_from", "urgent"]


def test_a_sparkline_with_no_readings_draws_only_the_silence():
    svg = parse(sparkline([None, None], label="Not heard from for 2 days"))

    assert marks(svg) == ["not_heard_from", "not_heard_from"]


@given(
    st.floats(min_value=-1000, max_value=1000, allow_nan=False),
    st.floats(min_value=0, max_value=1000, allow_nan=False),
)
def test_the_axis_ticks_cover_the_values_in_at_most_five_even_steps(low, spread):
    high = low + spread
    ticks = nice_ticks(low, high)

    assert 2 <= len(ticks) <= 5
    step = ticks[1] - ticks[0]
    # Within a millionth of a step: floating point's own noise is not a gap on a chart.
    assert ticks[0] <= low + step * 1e-6 and ticks[-1] >= high - step * 1e-6
    assert all(abs((b - a) - step) < step * 1e-6 for a, b in zip(ticks, ticks[1:], strict=False))
