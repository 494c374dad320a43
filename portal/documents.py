"""The document engine: a Django template rendered to PDF with WeasyPrint.

Every printed thing of the portal (service guides now; notices and certificates later) goes through
`render_pdf()`, so fonts, page set-up and resource rules are decided once, here.

Fonts. A government document is Chinese, and embedding a CJK font is the slow part of writing a PDF:
WeasyPrint subsets every font a document uses, and the cost grows with the glyph count of that font
(~1 s for the whole 49,000-glyph WenQuanYi Micro Hei). So the engine derives two small fonts from the
Debian WenQuanYi fonts once per machine (cached under VAR_DIR/fonts) and lists them first:

1. "OneWindow Hei Common": ASCII, the GB2312 symbol rows and the 3,755 level-1 hanzi (~4,400 glyphs),
   which cover nearly every character of a notice or a guide;
2. "OneWindow Hei Extended": the 3,008 level-2 hanzi of GB2312;
3. the full system fonts (WenQuanYi Micro Hei, then Zen Hei) for anything rarer: names and places use
   rare characters, and a document must never show a missing glyph.

Pango falls back per character along that list, and a font a document does not use costs nothing, so the
usual document pays only for the small common font. Layout tables (GSUB/GPOS) and hinting are dropped:
horizontal Chinese text needs neither.

Resources. Rendering never touches the network (government networks are often offline, and a template
must not be a way to make the server fetch URLs): only `data:` URLs and files under the static
directories, MEDIA_ROOT and the font cache are readable.
"""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

SYSTEM_FONT_FILES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
)
COMMON_FAMILY = "OneWindow Hei Common"
EXTENDED_FAMILY = "OneWindow Hei Extended"
# After our subsets: the full system fonts by name (fontconfig finds them), then anything CJK at all.
FALLBACK_FAMILIES = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "sans-serif")
_FONT_CACHE_VERSION = "1"
_font_lock = threading.Lock()


# --- the characters of the two subsets (pure) --------------------------------------------------------------


def _gb2312_rows(first_row: int, last_row: int) -> str:
    """The characters of GB2312 rows first_row..last_row (EUC-CN lead bytes 0xA0 + row)."""
    chars = []
    for lead in range(0xA0 + first_row, 0xA0 + last_row + 1):
        for trail in range(0xA1, 0xFF):
            try:
                chars.append(bytes((lead, trail)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def common_characters() -> str:
    """ASCII, Latin-1 letters, the GB2312 symbol rows (1-9) and level-1 hanzi (rows 16-55), plus a few
    marks common in notices that GB2312 lacks."""
    ascii_ = "".join(chr(c) for c in range(0x20, 0x7F))
    latin = "".join(chr(c) for c in range(0xA0, 0x100))
    extra = "\u00b7\u2014\u2013\u2018\u2019\u201c\u201d\u2026\u2030\u2103\u2116\u2160\u2161\u2162\u2163\u2164\u3000\u3001\u3002\u300a\u300b\u3010\u3011\uff08\uff09\uffe5\u2610\u2611\u221a\u25a1\u25cb\u25cf\u2605\u2606"
    return ascii_ + latin + _gb2312_rows(1, 9) + _gb2312_rows(16, 55) + extra


def extended_characters() -> str:
    """GB2312 level-2 hanzi (rows 56-87)."""
    return _gb2312_rows(56, 87)


# --- building and caching the subset fonts -----------------------------------------------------------------


def font_cache_dir() -> Path:
    return Path(getattr(settings, "DOCUMENT_FONT_DIR", "") or (Path(settings.VAR_DIR) / "fonts"))


def _source_font() -> Path | None:
    for path in SYSTEM_FONT_FILES:
        if path.exists():
            return path
    return None


def _subset_font(source: Path, characters: str, family: str, target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(str(source), fontNumber=0, lazy=False)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "BDF", "EBDT", "EBLC", "vhea", "vmtx"]
    options.name_IDs = []  # names are rewritten below
    options.notdef_outline = True
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # its INFO lines list every glyph
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes={ord(ch) for ch in characters})
    subsetter.subset(font)
    name_table = font["name"]
    for name_id, value in ((1, family), (2, "Regular"), (4, family), (6, family.replace(" ", "-"))):
        name_table.setName(value, name_id, 3, 1, 0x409)
        name_table.setName(value, name_id, 1, 0, 0)
    # Write to a temporary file beside the target and rename: readers never see half a font.
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    os.close(fd)
    try:
        font.save(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def subset_font_files() -> dict[str, Path]:
    """{family: path} of the cached subset fonts, built on first use (a few seconds, once per machine).

    Empty when no source font is installed or the build fails: documents then use the system fonts,
    slower but complete.
    """
    source = _source_font()
    if source is None:
        log.warning("documents: no WenQuanYi font installed; PDFs fall back to whatever fontconfig finds")
        return {}
    stat = source.stat()
    tag = hashlib.sha1(f"{_FONT_CACHE_VERSION}:{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:10]
    cache = font_cache_dir()
    wanted = {
        COMMON_FAMILY: (cache / f"onewindow-hei-common-{tag}.ttf", common_characters),
        EXTENDED_FAMILY: (cache / f"onewindow-hei-extended-{tag}.ttf", extended_characters),
    }
    with _font_lock:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            for family, (path, characters) in wanted.items():
                if not path.exists():
                    started = time.perf_counter()
                    _subset_font(source, characters(), family, path)
                    log.info("documents: built %s in %.1f s", path.name, time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - fonts are an optimisation; never fail a document for them
            log.exception("documents: building subset fonts failed; using the system fonts")
            return {}
    return {family: path for family, (path, _chars) in wanted.items()}


@lru_cache(maxsize=1)
def base_css() -> str:
    """The stylesheet every document gets first: @font-face rules for the subsets and the font stack."""
    files = subset_font_files()
    rules = [f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}"); }}' for family, path in files.items()]
    families = ", ".join(f'"{f}"' if " " in f else f for f in (*files.keys(), *FALLBACK_FAMILIES))
    rules.append(f"html {{ font-family: {families}; }}")
    rules.append(":root { --document-font-stack: %s; }" % families)
    return "\n".join(rules)


def font_stack() -> str:
    """The CSS font-family value documents should use for text (for templates that set fonts themselves)."""
    base_css()
    files = subset_font_files()
    return ", ".join(f'"{f}"' if " " in f else f for f in (*files.keys(), *FALLBACK_FAMILIES))


# --- resources -------------------------------------------------------------------------------------------


def _readable_roots() -> list[Path]:
    roots = [Path(d) for d in getattr(settings, "STATICFILES_DIRS", [])]
    for attr in ("STATIC_ROOT", "MEDIA_ROOT"):
        value = getattr(settings, attr, None)
        if value:
            roots.append(Path(value))
    roots.append(font_cache_dir())
    roots.extend(path.parent for path in SYSTEM_FONT_FILES)
    return [root.resolve() for root in roots]


def _make_url_fetcher():
    from weasyprint.urls import URLFetcher

    roots = _readable_roots()

    class LocalOnlyFetcher(URLFetcher):
        """data: URLs and files under the allowed roots; no network, no other files."""

        def fetch(self, url, headers=None):
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme != "file":
                raise ValueError(f"documents do not fetch {scheme or 'relative'} URLs: {url[:80]}")
            path = Path(unquote(urlsplit(url).path)).resolve()
            if not any(path == root or root in path.parents for root in roots):
                raise ValueError(f"documents may not read {path}")
            return super().fetch(url, headers)

    return LocalOnlyFetcher(allowed_protocols={"file", "data"}, timeout=5)


def default_base_url() -> str:
    """Relative URLs in document templates resolve against the first static directory."""
    dirs = getattr(settings, "STATICFILES_DIRS", [])
    base = Path(dirs[0]) if dirs else Path(settings.BASE_DIR)
    return base.resolve().as_uri() + "/"


# --- the engine ------------------------------------------------------------------------------------------


def html_to_pdf(html: str, *, base_url: str | None = None, stylesheets=(), **options) -> bytes:
    """Lay out an HTML string and write it as PDF bytes (options go to WeasyPrint's write_pdf)."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    fetcher = _make_url_fetcher()
    # @font-face rules only take effect through a FontConfiguration shared by the CSS and the writer.
    fonts = FontConfiguration()
    sheets = [weasyprint.CSS(string=base_css(), url_fetcher=fetcher, font_config=fonts)]
    for sheet in stylesheets:
        if not isinstance(sheet, weasyprint.CSS):
            sheet = weasyprint.CSS(string=sheet, url_fetcher=fetcher, font_config=fonts)
        sheets.append(sheet)
    document = weasyprint.HTML(string=html, base_url=base_url or default_base_url(), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets, font_config=fonts, **options)


def render_pdf(template_name: str, context: dict | None = None, *, base_url: str | None = None, request=None) -> bytes:
    """Render a Django template to HTML, then to PDF bytes.

    The context gets `centre_name` and `document_font_stack`; relative URLs resolve against the static
    directory unless `base_url` says otherwise (a file: URL; nothing is fetched over the network).
    """
    context = {
        "centre_name": settings.CENTRE_NAME,
        "document_font_stack": font_stack(),
        **(context or {}),
    }
    html = render_to_string(template_name, context, request=request)
    return html_to_pdf(html, base_url=base_url)


# --- issued documents: rendered once, stored with their hash, never rendered again ----------------------------


def store_once(model, pk: int, make_pdf, *, label: str = "document") -> bool:
    """Render and store the PDF of one issued document (a model with `pdf`, `pdf_sha256` and `rendered_at`)
    unless it has one. True when this call stored it.

    `make_pdf(row)` runs outside any transaction (rendering and signing take a few hundred ms); the row is then
    locked and the file attached only if nobody did it meanwhile, so two workers running the same task store
    one PDF. Bytes written for a transaction that then fails are deleted again.
    """
    import hashlib

    from django.core.files.base import ContentFile
    from django.db import transaction
    from django.utils import timezone

    row = model.objects.filter(pk=pk).first()
    if row is None or row.rendered_at is not None:
        return False
    pdf = make_pdf(row)
    digest = hashlib.sha256(pdf).hexdigest()
    stored_name = ""
    try:
        with transaction.atomic():
            locked = model.objects.select_for_update().get(pk=pk)
            if locked.rendered_at is not None:
                return False
            locked.pdf.save(f"{label}.pdf", ContentFile(pdf), save=False)
            stored_name = locked.pdf.name
            locked.pdf_sha256 = digest
            locked.rendered_at = timezone.now()
            locked.save(update_fields=["pdf", "pdf_sha256", "rendered_at"])
        stored_name = ""  # committed: the file belongs to the row now
    finally:
        if stored_name:  # the transaction failed after the bytes were written
            model.pdf.field.storage.delete(stored_name)
    log.info("%s %s rendered (%d bytes)", label, pk, len(pdf))
    return True


def measure(make_unsigned_pdf, runs: int = 20, *, sign: bool = True) -> dict:
    """Render (and sign) one document `runs` times without storing it: {'runs', 'median_ms', 'p95_ms',
    'render_median_ms', 'sign_median_ms'}. For the benchmark scripts; the first run (font cache) is not counted."""
    import statistics

    from portal import signing

    make_unsigned_pdf()
    render_ms, total_ms = [], []
    for _ in range(runs):
        started = time.perf_counter()
        pdf = make_unsigned_pdf()
        rendered = time.perf_counter()
        if sign:
            signing.sign_pdf(pdf)
        finished = time.perf_counter()
        render_ms.append((rendered - started) * 1000)
        total_ms.append((finished - started) * 1000)

    def p95(values):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    sign_ms = [t - r for t, r in zip(total_ms, render_ms)]
    return {"runs": runs, "median_ms": round(statistics.median(total_ms), 1), "p95_ms": round(p95(total_ms), 1),
            "render_median_ms": round(statistics.median(render_ms), 1),
            "sign_median_ms": round(statistics.median(sign_ms), 1)}


def css_string(value: str) -> str:
    """A value for inside a double-quoted CSS string (page headers are set in @page margin boxes)."""
    return (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ")
            .replace("<", "\\3c ").replace(">", "\\3e "))
