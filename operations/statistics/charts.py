"""A small server-side SVG bar chart (no JavaScript, no Node step): grouped bars per category
(month, customer, class), a value axis with round ticks, an optional target line and a legend.

The SVG has `role="img"` and is named by its `<title>` (`aria-labelledby`), described by its
`<desc>`; the page shows the same figures in a table beside it (the chart is never the only
place a number is). Colours have at least 3:1 contrast against white (WCAG 1.4.11) and the
series are also told apart by the legend's order and the table. Every text is escaped."""
from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ("#1f5fa8", "#a4471a", "#2e7d32", "#6a3d9a", "#8a6d00", "#00838f")
WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 16, 64


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple  # one value (number or None) per category


def nice_max(value: float) -> float:
    """A round upper bound ≥ value (1, 2, 2.5, 5 × 10^n)."""
    if value <= 0:
        return 1
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exp:
            return step * exp
    return 10 * exp


def _fmt(value: float, unit: str) -> str:
    text = f"{value:,.1f}".rstrip("0").rstrip(".").replace(",", "\u00a0").replace(".", ",")
    return f"{text}{unit}"


def bar_chart(chart_id: str, title: str, categories: list[str], series: list[Series], *, desc: str = "",
              max_value: float | None = None, unit: str = "", target: float | None = None,
              target_label: str = "") -> SafeString:
    n_cat = max(len(categories), 1)
    top_value = max([v for s in series for v in s.values if v is not None] + [target or 0, 0])
    y_max = max_value if max_value is not None else nice_max(top_value)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    legend_h = 20 if len(series) > 1 else 0
    height = HEIGHT + legend_h

    def y(v: float) -> float:
        return TOP + plot_h - (plot_h * min(v, y_max) / y_max if y_max else 0)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" viewBox="0 0 {WIDTH} {height}" '
             f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" preserveAspectRatio="xMidYMid meet">',
             f'<title id="{chart_id}-title">{escape(title)}</title>',
             f'<desc id="{chart_id}-desc">{escape(desc or title)}</desc>']
    # value axis: five ticks
    for i in range(5):
        v = y_max * i / 4
        yy = y(v)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#c8c8c8" '
                     f'stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{yy + 4:.1f}" text-anchor="end" font-size="12" fill="#222">'
                     f'{escape(_fmt(v, unit))}</text>')
    band = plot_w / n_cat
    n_ser = max(len(series), 1)
    bar_w = max(min(band * 0.8 / n_ser, 40), 1)
    for ci, label in enumerate(categories):
        x0 = LEFT + band * ci + (band - bar_w * n_ser) / 2
        for si, s in enumerate(series):
            v = s.values[ci] if ci < len(s.values) else None
            if v is None:
                continue
            yy = y(v)
            h = TOP + plot_h - yy
            parts.append(f'<rect x="{x0 + si * bar_w:.1f}" y="{yy:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                         f'fill="{COLOURS[si % len(COLOURS)]}"><title>{escape(s.name)} {escape(label)}: '
                         f'{escape(_fmt(v, unit))}</title></rect>')
        cx = LEFT + band * ci + band / 2
        anchor = "end" if n_cat > 6 else "middle"
        rotate = f' transform="rotate(-40 {cx:.1f} {TOP + plot_h + 14})"' if n_cat > 6 else ""
        parts.append(f'<text x="{cx:.1f}" y="{TOP + plot_h + 14}" text-anchor="{anchor}" font-size="12" '
                     f'fill="#222"{rotate}>{escape(label)}</text>')
    if target is not None:
        yy = y(target)
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}" stroke="#222" '
                     f'stroke-width="2" stroke-dasharray="6 4"/>')
        if target_label:
            parts.append(f'<text x="{WIDTH - RIGHT}" y="{yy - 4:.1f}" text-anchor="end" font-size="12" '
                         f'fill="#222">{escape(target_label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#222"/>')
    if legend_h:
        x = LEFT
        ly = HEIGHT + 8
        for si, s in enumerate(series):
            parts.append(f'<rect x="{x}" y="{ly - 10}" width="12" height="12" fill="{COLOURS[si % len(COLOURS)]}"/>')
            parts.append(f'<text x="{x + 16}" y="{ly}" font-size="12" fill="#222">{escape(s.name)}</text>')
            x += 24 + 7 * len(s.name)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308  (every text above is escaped)
