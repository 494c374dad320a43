"""Reading a year's holidays from the State Council's notice, as an administrator types or pastes them. Pure.

One line per date or range, comma- or space-separated: the date (or `start~end`), 休 / 班 (holiday / make-up
working day; also holiday / workday), and the name, e.g.

    2027-01-01~2027-01-03, 休, 元旦
    2027-02-07, 班, 春节调休

A holiday range may include weekends (they are days off anyway and are left out); a 班 day must be a weekend
day, a 休 range must hold at least one weekday. Every problem is reported with its line number.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

HOLIDAY, WORKDAY = "holiday", "workday"
KINDS = {"休": HOLIDAY, "假": HOLIDAY, "holiday": HOLIDAY, "班": WORKDAY, "workday": WORKDAY}
_LINE = re.compile(r"^\s*(\d{4}-\d{1,2}-\d{1,2})(?:\s*[~～至到]\s*(\d{4}-\d{1,2}-\d{1,2}))?\s*[,，\s]\s*(\S+?)\s*(?:[,，\s]\s*(.*?))?\s*$")


@dataclass(frozen=True)
class Row:
    date: date
    kind: str
    name: str


def _day(text: str) -> date:
    year, month, day = (int(part) for part in text.split("-"))
    return date(year, month, day)


def parse(text: str) -> tuple[list[Row], list[str]]:
    """(rows, problems): the dates the notice sets, in order, and what could not be read (line by line)."""
    rows: dict[date, Row] = {}
    problems: list[str] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            problems.append(f"第{number}行：无法识别，应为“日期(或起~止), 休/班, 名称”。")
            continue
        first_text, last_text, kind_text, name = match.groups()
        kind = KINDS.get(kind_text.lower())
        if kind is None:
            problems.append(f"第{number}行：“{kind_text}”应为“休”或“班”。")
            continue
        try:
            first = _day(first_text)
            last = _day(last_text) if last_text else first
        except ValueError:
            problems.append(f"第{number}行：日期不存在。")
            continue
        if last < first or (last - first).days > 31:
            problems.append(f"第{number}行：日期范围不正确。")
            continue
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        if kind == HOLIDAY:
            weekdays = [d for d in days if d.isoweekday() <= 5]
            if not weekdays:
                problems.append(f"第{number}行：所列日期均为周末，本来就是休息日。")
                continue
            days = weekdays
        elif any(d.isoweekday() <= 5 for d in days):
            problems.append(f"第{number}行：调休上班日应为周六或周日。")
            continue
        for day in days:
            if day in rows and rows[day].kind != kind:
                problems.append(f"第{number}行：{day.isoformat()} 与前面的行矛盾。")
            rows[day] = Row(day, kind, (name or "").strip()[:64] or ("调休上班" if kind == WORKDAY else "法定节假日"))
    return [rows[d] for d in sorted(rows)], problems
