"""Charts drawn as SVG on the server: no script, nothing to load, the same picture on a wall screen and in a
screenshot. Styled by classes from static/cockpit.css (the Content-Security-Policy allows no inline style); every
chart has a table beside it with the same numbers for screen readers, so the SVG itself is one labelled image."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]
    css: str  # a class of cockpit.css: s-opened, s-ontime, s-late, s-overdue, s-satisfaction …
    kind: str = "bar"  # "bar" or "line"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000):
        if value <= step * 4:
            return step * 4
    return value


def _n(value: float) -> str:
    """A coordinate, as SVG reads it (format_html escapes its arguments, so numbers go in as text)."""
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:g}" if value < 10000 else f"{value / 10000:g}万"


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    percent: bool = False,
    width: int = 720,
    height: int = 260,
    reference: float | None = None,
) -> SafeString:
    """Grouped columns for the bar series and lines over them for the line series, one group per label."""
    left, right, top, bottom = 46, 12, 14, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    top_value = 100.0 if percent else _nice_max(max(values, default=0))
    n = max(len(labels), 1)
    slot = plot_w / n
    bars = [s for s in series if s.kind == "bar"]
    bar_w = min(18.0, (slot * 0.72) / max(len(bars), 1))

    def y(v: float) -> float:
        return round(top + plot_h - plot_h * (v / top_value if top_value else 0), 1)

    parts: list[str] = []
    for i in range(5):
        v = top_value * i / 4
        parts.append(
            format_html(
                '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>',
                left,
                width - right,
                y(v),
                y(v),
                left - 6,
                _n(y(v) + 4),
                f"{v:g}%" if percent else _fmt(v),
            )
        )
    if reference is not None:
        parts.append(
            format_html(
                '<line class="reference" x1="{}" x2="{}" y1="{}" y2="{}"/>',
                left,
                width - right,
                y(reference),
                y(reference),
            )
        )
    for i, label in enumerate(labels):
        x0 = left + slot * i + (slot - bar_w * len(bars)) / 2
        for j, s in enumerate(bars):
            v = s.values[i]
            if v:
                parts.append(
                    format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="1.5"/>',
                        s.css,
                        _n(x0 + j * bar_w),
                        y(v),
                        _n(bar_w - 1.5),
                        _n(top + plot_h - y(v)),
                    )
                )
        parts.append(
            format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                _n(left + slot * i + slot / 2),
                top + plot_h + 18,
                label,
            )
        )
    for s in series:
        if s.kind != "line":
            continue
        points = [(round(left + slot * i + slot / 2, 1), y(v)) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            parts.append(
                format_html(
                    '<polyline class="{} line" points="{}"/>',
                    s.css,
                    " ".join(f"{px:.1f},{py:.1f}" for px, py in points),
                )
            )
        for px, py in points:
            parts.append(format_html('<circle class="{} dot" cx="{}" cy="{}" r="3.5"/>', s.css, px, py))
    # the legend, under the axis labels
    x = left
    for s in series:
        shape = (
            format_html('<rect class="{}" x="{}" y="{}" width="12" height="12" rx="2"/>', s.css, x, height - 20)
            if s.kind == "bar"
            else format_html(
                '<line class="{} line" x1="{}" x2="{}" y1="{}" y2="{}"/>', s.css, x, x + 14, height - 14, height - 14
            )
        )
        parts.append(shape)
        parts.append(format_html('<text class="legend" x="{}" y="{}">{}</text>', x + 18, height - 9, s.label))
        x += 30 + 14 * len(s.label) if any(ord(c) > 0x2E80 for c in s.label) else 30 + 7 * len(s.label)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width,
        height,
        title,
        mark_safe("".join(parts)),  # noqa: S308 - every part was built by format_html
    )


@dataclass(frozen=True)
class Bar:
    label: str
    parts: Sequence[tuple[str, float]]  # (css class, value), stacked left to right
    note: str = ""


def bar_rows(bars: Sequence[Bar], *, title: str, width: int = 520, row: int = 26) -> SafeString:
    """Horizontal stacked bars, one row per label (a unit, a dimension), the total and a note at the end."""
    label_w, note_w = 150, 120
    plot_w = width - label_w - note_w
    total_max = max((sum(v for _c, v in b.parts) for b in bars), default=0) or 1
    height = row * len(bars) + 8
    rows = []
    for i, b in enumerate(bars):
        y = 4 + i * row
        x = float(label_w)
        rects = []
        for css, v in b.parts:
            w = plot_w * v / total_max
            if w > 0:
                rects.append(
                    format_html(
                        '<rect class="{}" x="{}" y="{}" width="{}" height="{}" rx="2"/>',
                        css,
                        x,
                        y + 4,
                        w,
                        row - 10,
                    )
                )
            x += w
        total = sum(v for _c, v in b.parts)
        rows.append(
            format_html(
                '<text class="axis" x="{}" y="{}" text-anchor="end">{}</text>{}'
                '<text class="value" x="{}" y="{}">{}</text>',
                label_w - 8,
                y + row / 2 + 4,
                b.label if len(b.label) <= 10 else b.label[:9] + "…",
                format_html_join("", "{}", ((r,) for r in rects)),
                _n(x + 6),
                y + row / 2 + 4,
                f"{total:g}" + (f" · {b.note}" if b.note else ""),
            )
        )
    return format_html(
        '<svg class="chart bars" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width,
        height,
        title,
        format_html_join("", "{}", ((r,) for r in rows)),
    )
