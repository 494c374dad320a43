"""Case numbers (办件编号): implementation code + date (YYYYMMDD) + sequence, at most 50 characters. Pure.

The sequence comes from the database (see `applications.services.next_sequence_value`); this module only
formats and reads numbers, so the format can be tested on its own.
"""
from __future__ import annotations

import re
from datetime import date

MAX_LENGTH = 50
SEQUENCE_WIDTH = 5  # up to 99,999 a day per item before the number grows by a digit
DATE_WIDTH = 8
_CODE_RE = re.compile(r"^[0-9A-Za-z]+$")


def normalise_code(code: str) -> str:
    """Implementation codes are printed with separators (e.g. 000104001000-1); the number keeps the characters."""
    cleaned = re.sub(r"[^0-9A-Za-z]", "", code or "").upper()
    if not cleaned:
        raise ValueError("an implementation code must contain letters or digits")
    return cleaned


def format_case_number(code: str, day: date, sequence: int) -> str:
    """`code` + YYYYMMDD + the sequence padded to five digits (wider if it ever needs to be)."""
    if sequence < 1:
        raise ValueError("a sequence starts at 1")
    prefix = normalise_code(code)
    number = f"{prefix}{day:%Y%m%d}{sequence:0{SEQUENCE_WIDTH}d}"
    if len(number) > MAX_LENGTH:
        raise ValueError(f"case number {number!r} is longer than {MAX_LENGTH} characters")
    return number


def max_code_length() -> int:
    """The longest implementation code that still fits a case number with a five-digit sequence."""
    return MAX_LENGTH - DATE_WIDTH - SEQUENCE_WIDTH


def parse_case_number(number: str, code: str) -> tuple[date, int] | None:
    """The (date, sequence) of `number` when it was made from `code`; None when it was not."""
    prefix = normalise_code(code)
    if not number.startswith(prefix):
        return None
    rest = number[len(prefix):]
    if len(rest) < DATE_WIDTH + SEQUENCE_WIDTH or not rest.isdigit():
        return None
    try:
        day = date(int(rest[0:4]), int(rest[4:6]), int(rest[6:8]))
    except ValueError:
        return None
    return day, int(rest[DATE_WIDTH:])


def looks_like_case_number(value: str) -> bool:
    return bool(value) and len(value) <= MAX_LENGTH and bool(_CODE_RE.match(value))
