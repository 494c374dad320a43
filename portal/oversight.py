"""Dashboards for section heads and leaders (统计分析) and the hall's wall screen (大厅屏): a registry of sections.

The kernel knows no app. Each app registers, in its AppConfig.ready(), the sections it fills:

    oversight.register_section("intake", _("收件受理"), providers.intake, order=10,
                               roles=[Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMINISTRATOR])

`provider(filters: Filters) -> SectionData`: headline figures and named tables (headers + rows, aggregated in
SQL by the app), each table optionally drawn as a chart (server-side SVG, portal/svgchart.py) and exportable
to XLSX and CSV by its name (`/oversight/<section>/<table>.xlsx`). `board` says where the section shows:
"oversight" (the dashboard page, with the filters) or "hall" (the wall screen: today, no filters).

Who sees whose figures: one app registers the scope (`register_scope(function)`, function(user) -> Scope):
the sections, departments, items and officers a person may filter by, and whether they are held to their own
sections (a section head) or see everything (leaders, administrators). A person held to sections always gets a
concrete `section_id` among theirs in the Filters, so every provider filters by it without knowing the rule.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _

OVERSIGHT = "oversight"
HALL = "hall"

# Column kinds: how a value is shown (and typed in XLSX).
TEXT, INT, PCT, DEC, DATE = "text", "int", "pct", "dec", "date"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Filters:
    """What a dashboard shows: the period (both days included) and the optional narrowing ids."""

    start: date
    end: date
    department_id: int | None = None
    section_id: int | None = None
    item_id: int | None = None
    officer_id: int | None = None
    today: date | None = None  # the portal clock's today (warnings are computed against it)
    row_limit: int = 50  # lists (overdue cases ...) show this many rows; an export asks for more

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes in the portal's time zone: [start 00:00, the day after end 00:00)."""
        from django.utils import timezone

        tz = timezone.get_current_timezone()
        return (timezone.make_aware(datetime.combine(self.start, time.min), tz),
                timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min), tz))

    def for_export(self, limit: int = 10000) -> Filters:
        return replace(self, row_limit=limit)


@dataclass
class Chart:
    """Draw a table: `label_column` gives the categories, `value_columns` the series (bars or a line)."""

    kind: str = "bar"  # "bar" or "line"
    label_column: int = 0
    value_columns: Sequence[int] = (1,)
    title: str = ""
    skip_last_row: bool = False  # a totals row is not drawn


@dataclass
class Table:
    name: str  # a slug: the export's address
    title: str
    headers: list[str]
    rows: list[list]
    kinds: list[str] = field(default_factory=list)  # per column, TEXT by default
    chart: Chart | None = None
    note: str = ""
    total: int | None = None  # lists: how many there are when more than the rows shown

    def kind(self, index: int) -> str:
        return self.kinds[index] if index < len(self.kinds) else TEXT

    def display_rows(self) -> list[list[str]]:
        return [[display(value, self.kind(i)) for i, value in enumerate(row)] for row in self.rows]

    @property
    def numeric_columns(self) -> set[int]:
        return {i for i, k in enumerate(self.kinds) if k in (INT, PCT, DEC)}


@dataclass
class Figure:
    """A headline figure: label, value, kind, and an optional hint (e.g. what the rate is measured against)."""

    label: str
    value: object
    kind: str = INT
    hint: str = ""
    tone: str = ""  # "", "good", "warn", "bad"

    @property
    def shown(self) -> str:
        return display(self.value, self.kind)


@dataclass
class SectionData:
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    note: str = ""

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    provider: Callable[[Filters], SectionData]
    template: str
    order: int
    roles: frozenset[str]
    board: str


@dataclass
class Scope:
    """What one person may filter by. `restricted`: held to `sections` (their figures only)."""

    restricted: bool
    sections: list[tuple[int, str]] = field(default_factory=list)
    departments: list[tuple[int, str]] = field(default_factory=list)
    items: list[tuple[int, str]] = field(default_factory=list)
    officers: list[tuple[int, str]] = field(default_factory=list)

    @property
    def section_ids(self) -> set[int]:
        return {pk for pk, _label in self.sections}


DEFAULT_TEMPLATE = "portal/oversight/section.html"

_sections: dict[str, Section] = {}
_scope: list[Callable] = []


def register_section(key: str, title, provider: Callable[[Filters], SectionData], template: str = DEFAULT_TEMPLATE,
                     order: int = 100, roles: Sequence[str] = (), board: str = OVERSIGHT) -> None:
    """Add (or replace, by key) a section. `roles`: who sees it (empty: every role the board admits)."""
    _sections[key] = Section(key, title, provider, template or DEFAULT_TEMPLATE, order, frozenset(map(str, roles)),
                             board)


def unregister_section(key: str) -> None:
    _sections.pop(key, None)


def register_scope(function: Callable) -> None:
    """function(user) -> Scope. One app (approvals, which knows sections and their heads) registers it."""
    _scope[:] = [function]


def scope_for(user) -> Scope:
    if not _scope:
        return Scope(restricted=False)
    return _scope[0](user)


def section(key: str) -> Section | None:
    return _sections.get(key)


def sections_for(user, board: str = OVERSIGHT) -> list[Section]:
    held = user.roles if getattr(user, "is_authenticated", False) else frozenset()
    chosen = [s for s in _sections.values() if s.board == board and (not s.roles or s.roles & held)]
    return sorted(chosen, key=lambda s: (s.order, s.key))


def has_section(key: str, board: str | None = None) -> bool:
    found = _sections.get(key)
    return found is not None and (board is None or found.board == board)


# --- periods ---------------------------------------------------------------------------------------------------------


PERIODS = ("month", "quarter", "year", "last30", "today")


def period_bounds(period: str, today: date) -> tuple[date, date]:
    if period == "today":
        return today, today
    if period == "last30":
        return today - timedelta(days=29), today
    if period == "quarter":
        first_month = 3 * ((today.month - 1) // 3) + 1
        return today.replace(month=first_month, day=1), today
    if period == "year":
        return today.replace(month=1, day=1), today
    return today.replace(day=1), today


def period_label(period: str) -> str:
    return {"month": _("本月"), "quarter": _("本季度"), "year": _("本年度"), "last30": _("近30日"),
            "today": _("今日")}.get(period, _("自定义"))


# --- values ----------------------------------------------------------------------------------------------------------


def rate(part, whole) -> float | None:
    """part / whole as a fraction, None when nothing was counted (shown as "—", never as 0%)."""
    return None if not whole else float(part) / float(whole)


def display(value, kind: str = TEXT) -> str:
    if value is None:
        return "—"
    if kind == PCT:
        return f"{float(value) * 100:.1f}%"
    if kind == DEC:
        return f"{float(value):.1f}"
    if kind == INT:
        return f"{int(value):,}"
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    return str(value)


def _plain(value, kind: str):
    """A cell's value for XLSX: numbers as numbers (percentages as fractions with a % format)."""
    if value is None:
        return None
    if kind in (INT,):
        return int(value)
    if kind in (PCT, DEC):
        return round(float(value), 4 if kind == PCT else 2)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value
    return str(value)


def safe_text(value) -> str:
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def filter_caption(filters: Filters, labels: dict[str, str]) -> str:
    parts = [_("统计期间：%(s)s 至 %(e)s") % {"s": filters.start.isoformat(), "e": filters.end.isoformat()}]
    parts += [f"{name}：{value}" for name, value in labels.items() if value]
    return "；".join(parts)


# --- exports ---------------------------------------------------------------------------------------------------------


def to_csv(table: Table, caption: str = "") -> bytes:
    """UTF-8 with a BOM (Excel opens it as UTF-8); percentages as "95.3%", empty figures empty."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if caption:
        writer.writerow([safe_text(caption)])
    writer.writerow([safe_text(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if value is None else (display(value, table.kind(i)) if table.kind(i) != TEXT
                                                  else safe_text(value))
                         for i, value in enumerate(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[tuple[str, Table]], caption: str = "") -> bytes:
    """One sheet per table (named after it), a caption row, bold headers, typed numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    used: set[str] = set()
    for prefix, table in tables:
        name = _sheet_name(f"{prefix}{table.title}", used)
        sheet = book.create_sheet(name)
        sheet.append([caption or table.title])
        sheet.cell(row=1, column=1).font = Font(bold=True)
        sheet.append(list(table.headers))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_plain(value, table.kind(i)) for i, value in enumerate(row)])
            for i, cell in enumerate(sheet[sheet.max_row]):
                kind = table.kind(i)
                if kind == PCT:
                    cell.number_format = "0.0%"
                elif kind == DEC:
                    cell.number_format = "0.0"
                elif kind == DATE:
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
        for index, header in enumerate(table.headers, start=1):
            sheet.column_dimensions[sheet.cell(row=2, column=index).column_letter].width = max(10, 2 * len(header) + 2)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    base = "".join("_" if ch in '[]:*?/\\' else ch for ch in title)[:28] or "Sheet"
    name, n = base, 2
    while name in used:
        name, n = f"{base[:25]}({n})", n + 1
    used.add(name)
    return name
