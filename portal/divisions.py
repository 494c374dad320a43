"""Administrative-division codes (GB/T 2260), read from a packaged table. Pure: no Django, no network.

The table is `stdnum/cn/loc.dat` shipped inside the python-stdnum wheel (LGPL-2.1-or-later; a plain text
data file read from disk). Its header names its source: the Chinese Wikipedia lists 中华人民共和国行政区划代码
(1区-8区), which transcribe the Ministry of Civil Affairs' published GB/T 2260 codes since 1980, each county
marked with the years it was in use. Codes that are no longer in use stay in the table on purpose: a citizen
ID keeps the code of the place where it was first issued (延安地区 612600 until 1996, then 延安市 610600), and a
credit code keeps the code of the authority that registered it.

The file has one line per province ("61 province=...") followed by its counties, four digits each
("  0602 county=..."); "0000" is the province itself and "XX00" a prefecture-level division.
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

_PROVINCE_LINE = re.compile(r"^(\d{2}) ")
_COUNTY_LINE = re.compile(r"^ +(\d{4}) ")

# Not in GB/T 2260 but in the same place of an 18-digit number: residence permits of Hong Kong, Macao and
# Taiwan residents (港澳台居民居住证申领发放办法, 国办发〔2018〕81号, Art. 4: 810000, 820000, 830000).
RESIDENCE_PERMIT_REGIONS = frozenset({"810000", "820000", "830000"})
# Registration authorities at the central level (国务院各部门、中央编办 ...) put 100000 in a credit code.
NATIONAL_REGION = "100000"


@cache
def division_codes() -> frozenset[str]:
    """Every six-digit code in the table, current or former."""
    text = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    codes: set[str] = set()
    province = None
    for line in text.splitlines():
        if match := _PROVINCE_LINE.match(line):
            province = match.group(1)
        elif (match := _COUNTY_LINE.match(line)) and province is not None:
            codes.add(province + match.group(1))
    if len(codes) < 3000:  # a damaged or truncated file must not make every identifier "unknown"
        raise RuntimeError(f"the GB/T 2260 table has only {len(codes)} codes")
    return frozenset(codes)


@cache
def province_codes() -> frozenset[str]:
    return frozenset(code[:2] for code in division_codes())


@cache
def prefecture_codes() -> frozenset[str]:
    """The first four digits of every prefecture-level division (those with a "PPCC00" entry)."""
    return frozenset(code[:4] for code in division_codes() if code.endswith("00"))


def region_problem(code: str, also: frozenset[str] = frozenset()) -> str | None:
    """None when `code` (six digits) starts with a known province and a known prefecture of that province
    (or is one of `also`), else "province" or "prefecture": which part is unknown.

    The county digits are not checked against the table: a county created after the table was last updated
    must not lock its residents out, and the check character already catches a mistyped digit."""
    if len(code) != 6 or not code.isdigit():
        return "province"
    if code in also:
        return None
    if code[:2] not in province_codes():
        return "province"
    if code[:4] not in prefecture_codes():
        return "prefecture"
    return None


def is_known_region(code: str, also: frozenset[str] = frozenset()) -> bool:
    return region_problem(code, also) is None
