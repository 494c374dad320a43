"""Item codes (四级四同: the same base code at every level) and their checks. Pure: no database.

Shape, modelled on the national catalogue's codes (the patterns are configurable: set
CATALOG_BASE_CODE_PATTERN / CATALOG_IMPLEMENTATION_CODE_PATTERN in settings to a provincial variant):

- 基本编码 (base code), 12 digits: item type (2, GB/T 39046) + main item (5) + sub-item (3, 000 when the
  item has none) + handling item (2). Example: 010010500100 = licensing, main item 00105, sub-item 001.
- 实施编码 (implementation code), 31 characters: unified social credit code of the implementing body (18,
  GB 32100, with its check character) + level of exercise (1, GB/T 39046) + base code (12).

A case number is the implementation code + date (8) + sequence, so 31 characters leave room for a 6-digit
sequence within the 50-character limit.

When a configured pattern has named groups `type`, `level`, `base` or `body`, the matching cross-checks run;
a pattern without them only checks the shape.
"""
from __future__ import annotations

import re
from functools import lru_cache

from portal.identifiers import is_valid_credit_code

BASE_CODE_PATTERN = r"^(?P<type>\d{2})(?P<main>\d{5})(?P<sub>\d{3})(?P<handling>\d{2})$"
IMPLEMENTATION_CODE_PATTERN = r"^(?P<body>[0-9A-HJ-NPQRTUWXY]{18})(?P<level>[1-6])(?P<base>\d{12})$"


def _setting(name: str, default: str) -> str:
    try:
        from django.conf import settings

        return getattr(settings, name, default) or default
    except Exception:  # noqa: BLE001 - usable without Django configured
        return default


@lru_cache(maxsize=8)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def base_code_re() -> re.Pattern:
    return _compiled(_setting("CATALOG_BASE_CODE_PATTERN", BASE_CODE_PATTERN))


def implementation_code_re() -> re.Pattern:
    return _compiled(_setting("CATALOG_IMPLEMENTATION_CODE_PATTERN", IMPLEMENTATION_CODE_PATTERN))


def code_problems(base_code: str, implementation_code: str, item_type: str | None, level: str | None) -> list[tuple[str, str]]:
    """Every problem with an item's pair of codes, as (field, Chinese message); empty when they are right."""
    problems: list[tuple[str, str]] = []
    base = base_code_re().fullmatch(base_code or "")
    if base is None:
        problems.append(("base_code", "基本编码格式不正确（应为12位数字：事项类型2位+主项5位+子项3位+办理项2位）。"))
    elif item_type and "type" in base.groupdict() and base["type"] != item_type:
        problems.append(("base_code", f"基本编码前两位（{base['type']}）与事项类型代码（{item_type}）不一致。"))
    impl = implementation_code_re().fullmatch(implementation_code or "")
    if impl is None:
        problems.append(
            ("implementation_code", "实施编码格式不正确（应为实施主体统一社会信用代码18位+行使层级1位+基本编码12位）。")
        )
        return problems
    groups = impl.groupdict()
    if "body" in groups and not is_valid_credit_code(groups["body"]):
        problems.append(("implementation_code", "实施编码中的统一社会信用代码校验位不正确。"))
    if "level" in groups and level and groups["level"] != level:
        problems.append(("implementation_code", f"实施编码中的行使层级（{groups['level']}）与事项行使层级（{level}）不一致。"))
    if "base" in groups and base is not None and groups["base"] != base_code:
        problems.append(("implementation_code", "实施编码中包含的基本编码与本事项基本编码不一致。"))
    return problems


def make_base_code(item_type: str, main: int, sub: int = 0, handling: int = 0) -> str:
    return f"{item_type}{main:05d}{sub:03d}{handling:02d}"


def make_implementation_code(body_credit_code: str, level: str, base_code: str) -> str:
    return f"{body_credit_code}{level}{base_code}"
