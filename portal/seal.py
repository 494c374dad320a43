"""The bureau's approval seal (一枚印章管审批) as an SVG drawn from the centre's name.

A pure function of the name: a red ring, a five-pointed star, the name's characters set one by one around the
upper arc and a line such as "审批专用章" across the bottom. It is a drawing made by the portal, never a scan or an
image of a real seal; what makes a notice authentic is the PAdES signature (portal.signing), not this picture.

Each character is its own <text> turned with rotate(angle, cx, cy) about the seal's centre: WeasyPrint lays out
SVG <textPath> wrongly, and one glyph per element also renders the same in every browser. The angles are
symmetric about the vertical axis (the i-th from the left mirrors the i-th from the right), so the name sits
centred over the star.
"""
from __future__ import annotations

import base64
import math
from functools import lru_cache
from xml.sax.saxutils import escape

SEAL_RED = "#d7141a"
SIZE = 200  # viewBox units; a county bureau's seal is 42 mm across (print it at that width)
CENTRE = SIZE / 2
RING_RADIUS = 94
RING_WIDTH = 5
TEXT_RADIUS = 70  # baseline-ish radius of the arc text (glyph centres sit a bit outside)
DEFAULT_BOTTOM = "审批专用章"


def arc_angles(count: int, *, max_span: float = 250.0, per_char: float = 26.0) -> list[float]:
    """The rotation in degrees (0 = top, clockwise positive) of each of `count` characters around the upper
    arc: evenly spread, centred on the top, at most `max_span` degrees in all. Symmetric: a[i] == -a[-1-i]."""
    if count <= 0:
        return []
    if count == 1:
        return [0.0]
    span = min(max_span, per_char * (count - 1))
    step = span / (count - 1)
    return [round(-span / 2 + i * step, 3) for i in range(count)]


def _star_points(cx: float, cy: float, outer: float, inner: float) -> str:
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + i * 36)
        points.append(f"{cx + radius * math.cos(angle):.2f},{cy + radius * math.sin(angle):.2f}")
    return " ".join(points)


def seal_svg(name: str, bottom: str = DEFAULT_BOTTOM, *, font_family: str = "sans-serif",
             color: str = SEAL_RED) -> str:
    """The seal as a standalone SVG document (UTF-8 text, transparent background)."""
    chars = [ch for ch in name.strip() if not ch.isspace()]
    angles = arc_angles(len(chars))
    # Long names get narrower glyphs so neighbours do not touch.
    font_size = 26 if len(chars) <= 10 else max(16, 26 - (len(chars) - 10) * 1.5)
    family = escape(font_family, {'"': "&quot;"})
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
        f'data-seal="approval">',
        f'<circle cx="{CENTRE}" cy="{CENTRE}" r="{RING_RADIUS}" fill="none" stroke="{color}" '
        f'stroke-width="{RING_WIDTH}"/>',
        f'<polygon points="{_star_points(CENTRE, CENTRE, 26, 10.5)}" fill="{color}"/>',
    ]
    top_y = CENTRE - TEXT_RADIUS
    for ch, angle in zip(chars, angles):
        parts.append(
            f'<text x="{CENTRE}" y="{top_y}" transform="rotate({angle} {CENTRE} {CENTRE})" '
            f'text-anchor="middle" font-size="{font_size}" font-family="{family}" font-weight="bold" '
            f'fill="{color}">{escape(ch)}</text>'
        )
    if bottom:
        parts.append(
            f'<text x="{CENTRE}" y="{CENTRE + 52}" text-anchor="middle" font-size="18" font-family="{family}" '
            f'fill="{color}">{escape(bottom)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


@lru_cache(maxsize=16)
def seal_data_uri(name: str, bottom: str = DEFAULT_BOTTOM, font_family: str = "sans-serif") -> str:
    """The seal as a data: URL, for <img src> or CSS background in documents (nothing is fetched)."""
    svg = seal_svg(name, bottom, font_family=font_family)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
