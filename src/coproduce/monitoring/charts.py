"""Charts of a person's readings as inline SVG, drawn on the server: values in, markup out.

No JavaScript and no database: a page passes the points (one per day, or None for a day
nobody heard from the person) and the lines to mark (a usual score, a dry weight, where
warning signs start) and gets back an `<svg role="img">` whose label says in words what the
chart shows. Every page that shows a trend chart shows the same numbers in a table beside it
(templates/monitoring/includes/chart.html), so nothing is said only in a picture.

Shapes, not only colours, tell the readings apart: a dot is a reading in the usual range, a
triangle warning signs, a diamond urgent warning signs, and a grey bar under the chart a day
nobody heard from the person, so "not heard from" never looks like a good day.

The geometry is in viewBox units: 320 wide, so the text is legible at a phone's width and
the chart scales to the width of its column.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

Number = int | float | Decimal

FONT = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Noto Sans', "
    "'Liberation Sans', Arial, sans-serif"
)
TEXT = "#0b0c0c"
AXIS = "#505a5f"
READING = "#1d70b8"
WARNING = "#b35900"  # a dark orange: 3:1 against white, as WCAG asks of a graphic
URGENT = "#d4351c"
NOT_HEARD = "#6f777b"
THRESHOLD = "#505a5f"


class Mark(StrEnum):
    """How a day is drawn."""

    USUAL = "usual"  # a reading with no warning signs
    WARNING = "warning"  # a reading with warning signs (amber)
    URGENT = "urgent"  # a reading with urgent warning signs (red)
    NOT_HEARD_FROM = "not_heard_from"  # no reading that day, and one was due


@dataclass(frozen=True)
class Point:
    on: date
    value: Number | None  # None for a day nobody heard from the person
    mark: Mark = Mark.USUAL


@dataclass(frozen=True)
class Threshold:
    """A line across the chart: "Your usual score: 10", "Urgent from: 15"."""

    value: Number
    label: str


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits in the viewBox, and the scales from days and values to it."""

    first_day: date
    last_day: date
    low: float
    high: float
    left: float
    right: float
    top: float
    bottom: float

    def x(self, day: date) -> float:
        span = max((self.last_day - self.first_day).days, 1)
        return self.left + (day - self.first_day).days / span * (self.right - self.left)

    def y(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return self.bottom - share * (self.bottom - self.top)


WIDTH = 320
PLOT_LEFT = 40
PLOT_RIGHT = 312
PLOT_TOP = 12
PLOT_BOTTOM = 150
NOT_HEARD_BAND = (156, 166)  # the strip under the plot where days not heard from show
DAY_LABELS_Y = 180
LEGEND_Y = 200


def number(value: Number, decimals: int = 0) -> str:
    """A value as the chart and its table write it: 82.4, 10."""
    return f"{float(value):.{decimals}f}"


def nice_ticks(low: float, high: float, most: int = 5) -> list[float]:
    """Round values from at or below `low` to at or above `high`, at most `most` of them and
    at least 2, one step apart (a step of 1, 2 or 5 times a power of ten)."""
    if high - low < 1e-6:
        low, high = low - 1, high + 1
    raw = (high - low) / max(most - 1, 1)
    step = 10 ** math.floor(math.log10(raw))
    factors = iter((1, 2, 5, 10, 20, 50, 100))
    while True:
        size = step * next(factors)
        first = math.floor(low / size + 1e-9)
        last = max(math.ceil(high / size - 1e-9), first + 1)
        if last - first + 1 <= most:
            return [round(index * size, 10) for index in range(first, last + 1)]


def _frame(points: Sequence[Point], thresholds: Sequence[Threshold], first_day, last_day):
    values = [float(p.value) for p in points if p.value is not None]
    values += [float(t.value) for t in thresholds]
    if not values:
        values = [0.0, 1.0]
    # A little room above and below, so a line at the lowest value is not lost in the axis.
    room = (max(values) - min(values)) * 0.08
    low = min(values) - room
    if min(values) >= 0:  # a score or a weight is never below 0: no axis below it
        low = max(low, 0.0)
    ticks = nice_ticks(low, max(values) + room)
    frame = _Frame(
        first_day=first_day,
        last_day=last_day,
        low=ticks[0],
        high=ticks[-1],
        left=PLOT_LEFT,
        right=PLOT_RIGHT,
        top=PLOT_TOP,
        bottom=PLOT_BOTTOM,
    )
    return frame, ticks


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def _shape(mark: Mark, x: float, y: float, size: float = 1.0) -> SafeString:
    """One reading's mark: the shape says what it was, the colour only repeats it."""
    if mark == Mark.WARNING:
        r = 5 * size
        corners = [(x, y - r), (x + r, y + r * 0.8), (x - r, y + r * 0.8)]
        return format_html(
            '<polygon points="{}" fill="{}" data-mark="warning"/>',
            " ".join(f"{_coordinate(a)},{_coordinate(b)}" for a, b in corners),
            WARNING,
        )
    if mark == Mark.URGENT:
        r = 5.5 * size
        corners = [(x, y - r), (x + r, y), (x, y + r), (x - r, y)]
        return format_html(
            '<polygon points="{}" fill="{}" data-mark="urgent"/>',
            " ".join(f"{_coordinate(a)},{_coordinate(b)}" for a, b in corners),
            URGENT,
        )
    return format_html(
        '<circle cx="{}" cy="{}" r="{}" fill="{}" data-mark="usual"/>',
        _coordinate(x),
        _coordinate(y),
        _coordinate(3 * size),
        READING,
    )


def _runs(points: Sequence[Point]) -> list[list[Point]]:
    """The readings in unbroken runs: a day not heard from breaks the line, so the line never
    suggests a reading that was not taken."""
    runs: list[list[Point]] = [[]]
    for point in sorted(points, key=lambda p: p.on):
        if point.value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [run for run in runs if run]


def _label_positions(wanted: list[float], gap: float, top: float, bottom: float) -> list[float]:
    """Label heights as near as possible to where they are wanted, at least `gap` apart."""
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    placed = [0.0] * len(wanted)
    previous = None
    for i in order:
        y = max(wanted[i], top)
        if previous is not None and y - previous < gap:
            y = previous + gap
        placed[i] = y
        previous = y
    overflow = (max(placed) - bottom) if placed else 0
    if overflow > 0:
        placed = [y - overflow for y in placed]
    return placed


def describe(
    points: Sequence[Point],
    *,
    measure: str,
    unit: str = "",
    decimals: int = 0,
    thresholds: Sequence[Threshold] = (),
    first_day: date,
    last_day: date,
) -> str:
    """The chart in one paragraph of words: what a screen reader says for the picture."""
    readings = [p for p in points if p.value is not None]
    missed = sum(1 for p in points if p.mark == Mark.NOT_HEARD_FROM)
    shown = {"measure": measure, "first": _day(first_day), "last": _day(last_day)}
    if readings:
        latest = max(readings, key=lambda p: p.on)
        sentences = [
            ngettext(
                "%(measure)s from %(first)s to %(last)s: %(count)d reading.",
                "%(measure)s from %(first)s to %(last)s: %(count)d readings.",
                len(readings),
            )
            % {**shown, "count": len(readings)},
            _("Lowest %(lowest)s, highest %(highest)s, latest %(latest)s on %(day)s.")
            % {
                "lowest": with_unit(min(float(p.value) for p in readings), unit, decimals),
                "highest": with_unit(max(float(p.value) for p in readings), unit, decimals),
                "latest": with_unit(latest.value, unit, decimals),
                "day": _day(latest.on),
            },
        ]
    else:
        sentences = [_("%(measure)s from %(first)s to %(last)s: no readings.") % shown]
    warnings = sum(1 for p in readings if p.mark == Mark.WARNING)
    urgent = sum(1 for p in readings if p.mark == Mark.URGENT)
    if warnings:
        sentences.append(
            ngettext(
                "%(count)d reading showed warning signs.",
                "%(count)d readings showed warning signs.",
                warnings,
            )
            % {"count": warnings}
        )
    if urgent:
        sentences.append(
            ngettext(
                "%(count)d reading showed urgent warning signs.",
                "%(count)d readings showed urgent warning signs.",
                urgent,
            )
            % {"count": urgent}
        )
    if missed:
        sentences.append(
            ngettext("%(count)d day with no check-in.", "%(count)d days with no check-in.", missed)
            % {"count": missed}
        )
    for threshold in thresholds:
        sentences.append(
            _("%(label)s: %(value)s, marked by a dashed line.")
            % {
                "label": threshold.label,
                "value": with_unit(threshold.value, unit, decimals),
            }
        )
    return " ".join(sentences)


def _day(day: date) -> str:
    return date_format(day, "j F Y")


def _short_day(day: date) -> str:
    return date_format(day, "j M")


def with_unit(value: Number, unit: str, decimals: int) -> str:
    shown = number(value, decimals)
    if not unit:
        return shown
    return f"{shown}{unit}" if unit in {"%", "°C"} else f"{shown} {unit}"


def trend_chart(
    points: Sequence[Point],
    *,
    measure: str,
    first_day: date,
    last_day: date,
    unit: str = "",
    decimals: int = 0,
    thresholds: Sequence[Threshold] = (),
) -> SafeString:
    """A line chart of one measure over the days from `first_day` to `last_day`: each reading
    a mark of its kind, the lines at `thresholds` dashed and labelled, the days nobody heard
    from the person as grey bars under the plot, and a legend of what is drawn."""
    frame, ticks = _frame(points, thresholds, first_day, last_day)
    points = [p for p in points if first_day <= p.on <= last_day]
    parts: list[SafeString] = []
    for tick in ticks:
        y = frame.y(tick)
        tick_label = number(tick, decimals if tick != int(tick) else 0)
        if tick == ticks[-1] and unit:
            tick_label = with_unit(tick, unit, decimals if tick != int(tick) else 0)
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="#b1b4b6" stroke-width="1"/>'
                '<text x="{}" y="{}" dy="0.35em" text-anchor="end">{}</text>',
                PLOT_LEFT,
                PLOT_RIGHT,
                _coordinate(y),
                _coordinate(y),
                PLOT_LEFT - 4,
                _coordinate(y),
                tick_label,
            )
        )
    parts.append(
        format_html(
            '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5"/>',
            PLOT_LEFT,
            PLOT_RIGHT,
            PLOT_BOTTOM,
            PLOT_BOTTOM,
            AXIS,
        )
    )
    wanted = [frame.y(float(t.value)) - 4 for t in thresholds]
    label_ys = _label_positions(wanted, 11, PLOT_TOP + 4, PLOT_BOTTOM - 4)
    for threshold, label_y in zip(thresholds, label_ys, strict=True):
        y = frame.y(float(threshold.value))
        parts.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="1.5" '
                'stroke-dasharray="6 3" data-threshold="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" font-size="10" fill="{}" '
                'stroke="#ffffff" stroke-width="3" paint-order="stroke">{}: {}</text>',
                PLOT_LEFT,
                PLOT_RIGHT,
                _coordinate(y),
                _coordinate(y),
                THRESHOLD,
                number(threshold.value, decimals),
                PLOT_RIGHT - 2,
                _coordinate(label_y),
                TEXT,
                threshold.label,
                with_unit(threshold.value, unit, decimals),
            )
        )
    for run in _runs(points):
        if len(run) > 1:
            parts.append(
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/>',
                    " ".join(
                        f"{_coordinate(frame.x(p.on))},{_coordinate(frame.y(float(p.value)))}"
                        for p in run
                    ),
                    READING,
                )
            )
    day_width = max((PLOT_RIGHT - PLOT_LEFT) / max((last_day - first_day).days + 1, 1), 1.5)
    for point in points:
        if point.value is not None:
            parts.append(
                format_html(
                    '<g data-day="{}" data-value="{}">{}</g>',
                    point.on.isoformat(),
                    number(point.value, decimals),
                    _shape(point.mark, frame.x(point.on), frame.y(float(point.value))),
                )
            )
        elif point.mark == Mark.NOT_HEARD_FROM:
            parts.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}" '
                    'data-mark="not_heard_from" data-day="{}"/>',
                    _coordinate(frame.x(point.on) - day_width / 2),
                    NOT_HEARD_BAND[0],
                    _coordinate(day_width),
                    NOT_HEARD_BAND[1] - NOT_HEARD_BAND[0],
                    NOT_HEARD,
                    point.on.isoformat(),
                )
            )
    middle = first_day + (last_day - first_day) / 2
    for day, anchor in ((first_day, "start"), (middle, "middle"), (last_day, "end")):
        if day == middle and (last_day - first_day).days < 4:
            continue
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="{}">{}</text>',
                _coordinate(frame.x(day)),
                DAY_LABELS_Y,
                anchor,
                _short_day(day),
            )
        )
    parts.append(_legend(points))
    label = describe(
        points,
        measure=measure,
        unit=unit,
        decimals=decimals,
        thresholds=thresholds,
        first_day=first_day,
        last_day=last_day,
    )
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} {}" width="100%" '
        'role="img" aria-label="{}" focusable="false" class="coproduce-chart">'
        "<title>{}</title>"
        '<g aria-hidden="true" font-family="{}" font-size="11" fill="{}">{}</g></svg>',
        WIDTH,
        LEGEND_Y + 26,
        label,
        label,
        FONT,
        TEXT,
        mark_safe("".join(parts)),  # noqa: S308 (each part is built by format_html)
    )


LEGEND = (
    (Mark.USUAL, lambda: _("Reading")),
    (Mark.WARNING, lambda: _("Warning signs")),
    (Mark.URGENT, lambda: _("Urgent")),
    (Mark.NOT_HEARD_FROM, lambda: _("No check-in")),
)


def _legend(points: Sequence[Point]) -> SafeString:
    """What each shape means, for the shapes this chart draws, two to a row."""
    present = {p.mark for p in points if p.value is not None or p.mark == Mark.NOT_HEARD_FROM}
    entries = [(mark, words()) for mark, words in LEGEND if mark in present]
    if not entries:
        return mark_safe("")
    parts = []
    for index, (mark, words) in enumerate(entries):
        x = PLOT_LEFT + (index % 2) * 140
        y = LEGEND_Y + (index // 2) * 16
        if mark == Mark.NOT_HEARD_FROM:
            symbol = format_html(
                '<rect x="{}" y="{}" width="6" height="10" fill="{}" data-mark="not_heard_from"/>',
                x - 3,
                y - 5,
                NOT_HEARD,
            )
        else:
            symbol = _shape(mark, x, y, size=0.9)
        parts.append(
            format_html('{}<text x="{}" y="{}" dy="0.35em">{}</text>', symbol, x + 9, y, words)
        )
    return mark_safe("".join(parts))  # noqa: S308 (each part is built by format_html)


def sparkline(
    values: Sequence[Number | None],
    *,
    label: str,
    marks: Sequence[Mark] | None = None,
    width: int = 120,
    height: int = 28,
) -> SafeString:
    """A small line of the latest values, oldest first, for a row of a list (the care team's
    panel): None is a day not heard from (a grey tick at the foot, and a break in the line);
    the last reading has a dot, in the shape of its mark when `marks` gives one. `label` says
    in words what it shows (the sparkline's aria-label)."""
    pad = 3
    present = [float(v) for v in values if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    count = len(values)
    step = (width - 2 * pad) / max(count - 1, 1)

    def x(index: int) -> float:
        return pad + index * step

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    parts: list[SafeString] = []
    run: list[str] = []
    runs: list[list[str]] = []
    for index, value in enumerate(values):
        if value is None:
            if run:
                runs.append(run)
                run = []
            parts.append(
                format_html(
                    '<line x1="{0}" x2="{0}" y1="{1}" y2="{2}" stroke="{3}" stroke-width="2" '
                    'data-mark="not_heard_from"/>',
                    _coordinate(x(index)),
                    height - 6,
                    height,
                    NOT_HEARD,
                )
            )
        else:
            run.append(f"{_coordinate(x(index))},{_coordinate(y(float(value)))}")
    if run:
        runs.append(run)
    for points in runs:
        if len(points) > 1:
            parts.insert(
                0,
                format_html(
                    '<polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/>',
                    " ".join(points),
                    READING,
                ),
            )
    last = next(((i, v) for i, v in reversed(list(enumerate(values))) if v is not None), None)
    if last is not None:
        index, value = last
        mark = marks[index] if marks is not None else Mark.USUAL
        parts.append(_shape(mark, x(index), y(float(value)), size=0.6))
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {0} {1}" width="{0}" '
        'height="{1}" role="img" aria-label="{2}" focusable="false" '
        'class="coproduce-sparkline"><title>{2}</title><g aria-hidden="true">{3}</g></svg>',
        width,
        height,
        label,
        mark_safe("".join(parts)),  # noqa: S308 (each part is built by format_html)
    )
