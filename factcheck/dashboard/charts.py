"""Charts as inline SVG, drawn on the server: bars, horizontal (grouped) bars, stacked areas
and a histogram with a marked value. Pure Python, no Flask, no script.

Each chart is an `<svg role="img">` labelled by its own `<title>` and `<desc>` (screen
readers read those; the page adds a data table), with axis titles, ticks at round numbers
and a `<title>` tooltip on every bar. Colours are SVG presentation attributes, not `style`
(the Content-Security-Policy allows no inline style), and the series' colours differ in
lightness, so they stay apart in greyscale. A chart with nothing to draw is a sentence
saying so (NO_DATA), never empty axes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

NO_DATA = "No data in this range."

# Series colours, dark to light: their lightness (about 20%, 45%, 68%, 88%) keeps them
# apart in greyscale and for colour-blind readers.
PALETTE = ("#1b365d", "#3c6eb4", "#8cb4e0", "#d6e4f5")
INK = "#1f2933"
MUTED = "#6b7280"
GRID = "#e5e7eb"
MARK = "#b45309"
FONT = 13
WIDTH = 640

# Characters XML 1.0 cannot hold (a claimant name is text from an article): dropped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def esc(text: object) -> str:
    """Text made safe inside SVG/XML: escaped (& < > " ') and without control characters."""
    value = _NOT_XML.sub("", str(text))
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#39;")
    )


def shorten(text: str, limit: int) -> str:
    """The text cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fmt(value: float) -> str:
    """A count with thousands separators; other numbers with up to two decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def nice_ticks(maximum: float, *, count: int = 5, integer: bool = True) -> list[float]:
    """Round tick values from 0 to at least `maximum`: steps of 1, 2 or 5 times a power of
    ten, about `count` of them (whole numbers when `integer`)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    if integer:
        step = max(1, round(step))
    top = math.ceil(maximum / step - 1e-9) * step
    return [round(i * step, 10) for i in range(int(round(top / step)) + 1)]


def no_data(message: str = NO_DATA) -> Markup:
    """What a chart with nothing to draw shows instead."""
    return Markup(f'<p class="chart-empty">{esc(message)}</p>')  # noqa: S704


@dataclass(frozen=True)
class Series:
    """One named row of values, drawn in one colour."""

    name: str
    values: Sequence[float]


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    cid = esc(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-size="{FONT}" '
        f'font-family="system-ui, sans-serif" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{cid}-title">{esc(title)}</title>',
        f'<desc id="{cid}-desc">{esc(description)}</desc>',
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "middle", **attrs: object) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{esc(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{INK}"{extra}>'
        f"{esc(text)}</text>"
    )


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    """Swatches and names in a row (only for charts of more than one series)."""
    if len(series) < 2:
        return []
    out = ['<g class="legend">']
    for i, s in enumerate(series):
        out.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" '
            f'fill="{PALETTE[i % len(PALETTE)]}" stroke="{INK}" stroke-width="0.5"/>'
        )
        out.append(_text(x + 16, y, s.name, anchor="start", font_size=11))
        x += 26 + 6.4 * len(s.name)
    out.append("</g>")
    return out


def _y_axis(
    ticks: Sequence[float], left: float, right: float, y_of, label: str, top: float, bottom: float
) -> list[str]:  # noqa: ANN001
    out = ['<g class="axis y-axis">']
    for t in ticks:
        y = y_of(t)
        out.append(
            f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 6, y + 4, fmt(t), anchor="end"))
    mid = (top + bottom) / 2
    out.append(
        f'<text x="12" y="{mid:.1f}" text-anchor="middle" fill="{INK}" '
        f'transform="rotate(-90 12 {mid:.1f})">{esc(label)}</text>'
    )
    out.append("</g>")
    return out


def _x_labels(labels: Sequence[str], x_of, y: float, slot: float) -> list[str]:  # noqa: ANN001
    """Category labels under the axis, thinned to every k-th when they would collide."""
    longest = max((len(label) for label in labels), default=1)
    every = max(1, math.ceil((longest * 7 + 8) / max(slot, 1)))
    out = ['<g class="axis x-axis">']
    for i, label in enumerate(labels):
        if i % every == 0:
            out.append(_text(x_of(i), y, label))
    out.append("</g>")
    return out


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    x_label: str,
    y_label: str,
    full_labels: Sequence[str] | None = None,
    height: int = 260,
) -> Markup:
    """Vertical bars, one per label (days, weeks, ratings, bands), from zero."""
    if not values or not any(values):
        return no_data()
    full = full_labels or labels
    left, right, top, bottom = 56, WIDTH - 12, 12, height - 44
    ticks = nice_ticks(max(values))
    scale = (bottom - top) / ticks[-1]
    slot = (right - left) / len(values)
    gap = min(slot * 0.2, 8)

    def y_of(v: float) -> float:
        return bottom - v * scale

    out = _open(chart_id, title, description, WIDTH, height)
    out += _y_axis(ticks, left, right, y_of, y_label, top, bottom)
    out.append('<g class="bars">')
    width = max(min(slot - gap, 72), 0.5)  # a few categories: bars, not slabs
    for i, value in enumerate(values):
        h = value * scale
        out.append(
            f'<rect class="bar" x="{left + (i + 0.5) * slot - width / 2:.2f}" y="{bottom - h:.2f}" '
            f'width="{width:.2f}" height="{h:.2f}" fill="{PALETTE[1]}">'
            f"<title>{esc(full[i])}: {fmt(value)}</title></rect>"
        )
    out.append("</g>")
    out.append(
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}" '
        'stroke-width="1"/>'
    )
    out += _x_labels(labels, lambda i: left + (i + 0.5) * slot, bottom + 16, slot)
    out.append(_text((left + right) / 2, height - 6, x_label, fill_opacity="0.9"))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704  (every text above went through esc())


def hbar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    x_label: str,
    label_chars: int = 26,
) -> Markup:
    """Horizontal bars, a group of one bar per series for each label (top claimants,
    outlets, people), long labels shortened (the full label is the bar's tooltip)."""
    if not labels or not any(v for s in series for v in s.values):
        return no_data()
    bar, pad = 14, 8
    group = bar * len(series) + pad
    legend = 24 if len(series) > 1 else 0
    left, right, top = 190, WIDTH - 48, 8 + legend
    bottom = top + group * len(labels)
    height = bottom + 40
    ticks = nice_ticks(max(v for s in series for v in s.values))
    scale = (right - left) / ticks[-1]
    out = _open(chart_id, title, description, WIDTH, height)
    out += _legend(series, left, 16)
    out.append('<g class="axis x-axis">')
    for t in ticks:
        x = left + t * scale
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        out.append(_text(x, bottom + 16, fmt(t)))
    out.append("</g>")
    out.append('<g class="bars">')
    for i, label in enumerate(labels):
        y0 = top + i * group + pad / 2
        out.append(
            _text(left - 8, y0 + group / 2 - pad / 2 + 4, shorten(label, label_chars), anchor="end")
        )
        for j, s in enumerate(series):
            value = s.values[i]
            w = value * scale
            y = y0 + j * bar
            name = f"{label} ({s.name})" if len(series) > 1 else label
            out.append(
                f'<rect class="bar" x="{left}" y="{y:.1f}" width="{w:.2f}" height="{bar - 2}" '
                f'fill="{PALETTE[j % len(PALETTE)]}" stroke="{INK}" stroke-width="0.3">'
                f"<title>{esc(name)}: {fmt(value)}</title></rect>"
            )
            if value:
                out.append(
                    _text(left + w + 4, y + bar - 4, fmt(value), anchor="start", font_size=10)
                )
    out.append("</g>")
    out.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>'
    )
    out.append(_text((left + right) / 2, height - 6, x_label))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704


def stacked_area_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    full_labels: Sequence[str] | None = None,
    height: int = 280,
) -> Markup:
    """Series stacked one on another over time, each time a step (the value held at the
    end of that day or week), so the top edge is the total."""
    n = len(labels)
    if not n or not any(v for s in series for v in s.values):
        return no_data()
    full = full_labels or labels
    left, right, top, bottom = 56, WIDTH - 12, 30, height - 44
    totals = [sum(max(s.values[i], 0) for s in series) for i in range(n)]
    ticks = nice_ticks(max(totals))
    scale = (bottom - top) / ticks[-1]
    slot = (right - left) / n

    def y_of(v: float) -> float:
        return bottom - v * scale

    out = _open(chart_id, title, description, WIDTH, height)
    out += _legend(series, 12, 16)
    out += _y_axis(ticks, left, right, y_of, y_label, top, bottom)
    out.append('<g class="areas">')
    base = [0.0] * n
    for j, s in enumerate(series):
        upper = [base[i] + max(s.values[i], 0) for i in range(n)]
        points = []
        for i in range(n):
            points += [(left + i * slot, y_of(upper[i])), (left + (i + 1) * slot, y_of(upper[i]))]
        for i in reversed(range(n)):
            points += [(left + (i + 1) * slot, y_of(base[i])), (left + i * slot, y_of(base[i]))]
        path = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z"
        out.append(
            f'<path class="area" d="{path}" fill="{PALETTE[j % len(PALETTE)]}" '
            f'stroke="#ffffff" stroke-width="0.8"><title>{esc(s.name)}</title></path>'
        )
        base = upper
    out.append("</g>")
    # Invisible columns carrying each step's figures as a tooltip.
    out.append('<g class="steps">')
    for i in range(n):
        figures = "; ".join(f"{s.name}: {fmt(s.values[i])}" for s in series)
        out.append(
            f'<rect x="{left + i * slot:.2f}" y="{top}" width="{slot:.2f}" '
            f'height="{bottom - top}" fill="transparent"><title>{esc(full[i])}: '
            f"{esc(figures)}</title></rect>"
        )
    out.append("</g>")
    out.append(
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}" '
        'stroke-width="1"/>'
    )
    out += _x_labels(labels, lambda i: left + (i + 0.5) * slot, bottom + 16, slot)
    out.append(_text((left + right) / 2, height - 6, x_label))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704


def histogram(
    chart_id: str,
    title: str,
    description: str,
    edges: Sequence[float],
    counts: Sequence[int],
    *,
    x_label: str,
    y_label: str,
    marker: float | None = None,
    marker_label: str = "",
    height: int = 260,
) -> Markup:
    """Adjoining bars over a numeric axis (len(edges) == len(counts) + 1), with an optional
    dashed line at `marker` (the flag threshold)."""
    if len(edges) != len(counts) + 1:
        raise ValueError("a histogram needs one more edge than counts")
    if not any(counts):
        return no_data()
    left, right, top, bottom = 56, WIDTH - 12, 24, height - 44
    ticks = nice_ticks(max(counts))
    scale = (bottom - top) / ticks[-1]
    lo, hi = edges[0], edges[-1]

    def x_of(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (right - left)

    def y_of(v: float) -> float:
        return bottom - v * scale

    out = _open(chart_id, title, description, WIDTH, height)
    out += _y_axis(ticks, left, right, y_of, y_label, top, bottom)
    out.append('<g class="bars">')
    for i, count in enumerate(counts):
        x0, x1 = x_of(edges[i]), x_of(edges[i + 1])
        h = count * scale
        above = marker is not None and edges[i] >= marker
        out.append(
            f'<rect class="bar{" above" if above else ""}" x="{x0:.2f}" y="{bottom - h:.2f}" '
            f'width="{max(x1 - x0 - 1, 0.5):.2f}" height="{h:.2f}" '
            f'fill="{PALETTE[0] if above else PALETTE[2]}" stroke="{INK}" stroke-width="0.3">'
            f"<title>{fmt(edges[i])}–{fmt(edges[i + 1])}: {fmt(count)}</title></rect>"
        )
    out.append("</g>")
    out.append(
        f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}" '
        'stroke-width="1"/>'
    )
    out.append('<g class="axis x-axis">')
    every = max(1, math.ceil(len(counts) / 10))
    for i in range(0, len(edges), every):
        out.append(_text(x_of(edges[i]), bottom + 16, fmt(edges[i])))
    out.append("</g>")
    if marker is not None and lo <= marker <= hi:
        x = x_of(marker)
        out.append(
            f'<g class="marker"><line x1="{x:.1f}" x2="{x:.1f}" y1="{top - 6}" y2="{bottom}" '
            f'stroke="{MARK}" stroke-width="2" stroke-dasharray="6 3"/>'
            + _text(
                x + 4 if x < right - 120 else x - 4,
                top - 10 + 4,
                marker_label,
                anchor="start" if x < right - 120 else "end",
            )
            + "</g>"
        )
    out.append(_text((left + right) / 2, height - 6, x_label))
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704
