"""Server-side SVG charts (bars and lines): no script, no asset from elsewhere, readable by a screen reader
(role="img" with <title> and <desc>; the table beside it holds the same figures)."""
from __future__ import annotations

import itertools
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal import oversight

PALETTE = ("#1d5fa7", "#d9822b", "#2f8f5b", "#b03a48", "#6c4fa0", "#5b6770")
_ids = itertools.count(1)


def _num(value) -> float:
    try:
        return float(value) if value is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def chart_for(table: oversight.Table) -> SafeString:
    """The table's chart, or "" when it has none (or nothing to draw)."""
    spec = table.chart
    if spec is None or not table.rows:
        return mark_safe("")
    rows = table.rows[:-1] if spec.skip_last_row and len(table.rows) > 1 else table.rows
    labels = [oversight.display(r[spec.label_column], table.kind(spec.label_column)) for r in rows]
    series = [(table.headers[c], [_num(r[c]) for r in rows], table.kind(c)) for c in spec.value_columns]
    title = spec.title or table.title
    if spec.kind == "line":
        return line_chart(title, labels, series)
    return bar_chart(title, labels, series)


def _describe(title: str, labels: Sequence[str], series) -> str:
    parts = []
    for name, values, kind in series:
        shown = "，".join(f"{label} {oversight.display(v, kind)}" for label, v in zip(labels, values))
        parts.append(f"{name}：{shown}")
    return f"{title}。" + "；".join(parts)


def _frame(title: str, desc: str, width: int, height: int, body: str, legend: str) -> SafeString:
    n = next(_ids)
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-t{n} chart-d{n}" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f'<title id="chart-t{n}">{escape(title)}</title><desc id="chart-d{n}">{escape(desc)}</desc>'
        f'{body}{legend}</svg>')


def _scale(series) -> tuple[float, bool]:
    percent = all(kind == oversight.PCT for _n, _v, kind in series)
    top = 1.0 if percent else max([v for _n, values, _k in series for v in values] + [0.0])
    return (top or 1.0), percent


def _axis(top: float, percent: bool, left: int, plot_top: int, plot_h: int, width: int) -> str:
    out = []
    for step in range(5):
        value = top * step / 4
        y = plot_top + plot_h - plot_h * step / 4
        label = f"{value * 100:.0f}%" if percent else (f"{value:,.0f}" if top >= 4 else f"{value:.1f}")
        out.append(f'<line x1="{left}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" class="grid" stroke="#d8dde3" '
                   f'stroke-width="1"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="12" '
                   f'fill="#4a5561">{label}</text>')
    return "".join(out)


def _legend(series, width: int, y: int) -> str:
    if len(series) < 2:
        return ""
    out, x = [], 60
    for index, (name, _values, _kind) in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 16}" y="{y}" font-size="12" fill="#1f2933">{escape(name)}</text>')
        x += 28 + 13 * len(str(name))
    return "".join(out)


def bar_chart(title: str, labels: Sequence[str], series, width: int = 720, height: int = 260) -> SafeString:
    """Grouped vertical bars; series = [(name, values, kind)]."""
    top, percent = _scale(series)
    left, plot_top, bottom = 56, 12, 56
    plot_h = height - plot_top - bottom - (18 if len(series) > 1 else 0)
    plot_w = width - left - 8
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(2.0, min(40.0, group_w * 0.8 / max(len(series), 1)))
    body = [_axis(top, percent, left, plot_top, plot_h, width)]
    for g, label in enumerate(labels):
        x0 = left + g * group_w + (group_w - bar_w * len(series)) / 2
        for s, (name, values, kind) in enumerate(series):
            value = values[g]
            h = plot_h * min(value, top) / top
            x = x0 + s * bar_w
            body.append(f'<rect x="{x:.1f}" y="{plot_top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[s % len(PALETTE)]}"><title>{escape(label)} {escape(name)} '
                        f'{escape(oversight.display(value, kind))}</title></rect>')
        if groups <= 16 or g % max(1, groups // 12) == 0:
            short = label if len(label) <= 8 else label[:7] + "…"
            body.append(f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{plot_top + plot_h + 16}" font-size="11" '
                        f'text-anchor="middle" fill="#4a5561">{escape(short)}</text>')
    legend = _legend(series, width, height - 6)
    return _frame(title, _describe(title, labels, series), width, height, "".join(body), legend)


def line_chart(title: str, labels: Sequence[str], series, width: int = 720, height: int = 240) -> SafeString:
    top, percent = _scale(series)
    left, plot_top, bottom = 56, 12, 44
    plot_h = height - plot_top - bottom - (18 if len(series) > 1 else 0)
    plot_w = width - left - 16
    n = max(len(labels), 1)
    step = plot_w / max(n - 1, 1)
    body = [_axis(top, percent, left, plot_top, plot_h, width)]
    for s, (name, values, kind) in enumerate(series):
        points = " ".join(f"{left + i * step:.1f},{plot_top + plot_h - plot_h * min(v, top) / top:.1f}"
                          for i, v in enumerate(values))
        body.append(f'<polyline points="{points}" fill="none" stroke="{PALETTE[s % len(PALETTE)]}" stroke-width="2"/>')
    for i, label in enumerate(labels):
        if n <= 12 or i % max(1, n // 10) == 0:
            body.append(f'<text x="{left + i * step:.1f}" y="{plot_top + plot_h + 16}" font-size="11" '
                        f'text-anchor="middle" fill="#4a5561">{escape(label)}</text>')
    return _frame(title, _describe(title, labels, series), width, height, "".join(body),
                  _legend(series, width, height - 6))
