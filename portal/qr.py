"""QR codes as inline SVG, for HTML pages and WeasyPrint templates (a licence's verification link). Pure: no
Django.

The qrcode library encodes (error correction M, the smallest version that fits, a 4-module quiet zone); the
SVG is written here from its module matrix rather than by its SVG image factories, which give every drawing
the same `id="qr-path"` (two codes on one page would share an id), draw one sub-path per module and set the
size only through their box size. Here: one <svg> element, no XML declaration, no external resource, a
white background over the quiet zone (so the code also scans on a tinted page), and one <path> whose
sub-paths are the runs of dark modules of each row. The drawing is in module units (viewBox) and its printed
size is `size_mm` millimetres, quiet zone included.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

import qrcode
from qrcode.constants import ERROR_CORRECT_M

QUIET_ZONE = 4  # modules, as ISO/IEC 18004 requires


def qr_matrix(text: str) -> list[list[bool]]:
    """The modules of the QR code of `text`, quiet zone included: rows of booleans, True for dark."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(text)
    code.make(fit=True)
    return code.get_matrix()


def _path_data(matrix: list[list[bool]]) -> str:
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return "".join(runs)


def _mm(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") + "mm"


def qr_svg(text: str, *, size_mm: float = 30, title: str | None = None) -> str:
    """An inline <svg> of the QR code of `text` (error correction M), `size_mm` wide and high. `title`, when
    given, becomes the drawing's accessible name (a <title> child and role="img")."""
    if not size_mm > 0:
        raise ValueError("size_mm must be positive")
    matrix = qr_matrix(text)
    n = len(matrix)
    size = _mm(size_mm)
    label = ' role="img"' if title else ' aria-hidden="true"'
    heading = f"<title>{escape(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{size}" height="{size}" '
        f'viewBox="0 0 {n} {n}" shape-rendering="crispEdges"{label}>{heading}'
        f'<rect width="{n}" height="{n}" fill="#fff"/>'
        f'<path fill="#000" d="{_path_data(matrix)}"/></svg>'
    )
