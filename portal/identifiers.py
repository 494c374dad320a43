"""The national identifiers: normalising what people type, and what is wrong with a number. Pure: no Django.

- Citizen ID (GB 11643): six-digit region code (GB/T 2260), birth date, three-digit serial, and an
  ISO 7064 MOD 11-2 check character.
- Unified social credit code (GB 32100): registration authority (1st character), category under that
  authority (2nd), region code of the registering office (3rd-8th, GB/T 2260), organisation code (9th-17th)
  and a MOD 31 check character.

`citizen_id_problem` and `credit_code_problem` name the first thing wrong (a `Problem`), or None; the
Chinese messages for each problem are in portal.validators. Both accept input as typed: they normalise it
first (full-width characters from a Chinese input method, spaces, lower-case x). Whatever stores a number
stores `normalise_identifier(value)`.
"""
from __future__ import annotations

import unicodedata
from datetime import date
from enum import StrEnum

from portal.divisions import NATIONAL_REGION, RESIDENCE_PERMIT_REGIONS, region_problem

_CITIZEN_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CITIZEN_CHECK = "10X98765432"
EARLIEST_BIRTH_YEAR = 1880

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

# GB 32100-2015 Table 1 with its later additions: registration authority -> the categories it registers.
# 1 机构编制: 1 机关, 2 事业单位, 3 中央编办直管群众团体, 9 其他; 2 外交: 1 外国常驻新闻机构, 9 其他;
# 3 司法行政: 1 律师执业机构, 2 公证处, 3 基层法律服务所, 4 司法鉴定机构, 5 仲裁委员会, 9 其他;
# 4 文化: 1 外国在华文化中心, 9 其他; 5 民政: 1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他;
# 6 旅游: 1 外国旅游部门常驻代表机构, 2 港澳台地区旅游部门常驻内地代表机构, 9 其他;
# 7 宗教: 1 宗教活动场所, 2 宗教院校, 9 其他; 8 工会: 1 基层工会, 9 其他;
# 9 工商(市场监管): 1 企业, 2 个体工商户, 3 农民专业合作社; A 中央军委改革和编制办公室: 1 军队事业单位, 9 其他;
# N 农业: 1 组级, 2 村级, 3 乡镇级集体经济组织, 9 其他; Y 其他: 1.
CREDIT_CODE_CATEGORIES: dict[str, str] = {
    "1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129", "7": "129", "8": "19",
    "9": "123", "A": "19", "N": "1239", "Y": "1",
}


class Problem(StrEnum):
    """The first thing wrong with an identifier, in the order they are checked."""

    EMPTY = "empty"
    LENGTH = "length"
    CHARACTERS = "characters"
    REPEATED = "repeated"  # 000000000000000000, 111111111111111111 ...
    AUTHORITY = "authority"  # credit code: registration authority (1st character)
    CATEGORY = "category"  # credit code: category not registered by that authority (2nd character)
    PROVINCE = "province"  # region code: no such province
    PREFECTURE = "prefecture"  # region code: no such prefecture in that province
    BIRTH_DATE = "birth_date"  # citizen ID: no such day, before 1880 or in the future
    CHECK = "check"  # the last character does not match


def normalise_identifier(value) -> str:
    """What a clerk would read off the card: NFKC (full-width ０-９, Ａ-Ｚ, ｘ and the ideographic space become
    ASCII), every space and invisible format character (zero-width space, BOM) removed, upper case."""
    if not isinstance(value, str):
        return ""
    value = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in value if not ch.isspace() and unicodedata.category(ch) != "Cf").upper()


# --- citizen ID --------------------------------------------------------------------------------------------


def citizen_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a citizen ID."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("a citizen ID body is 17 digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _CITIZEN_WEIGHTS))
    return _CITIZEN_CHECK[total % 11]


def citizen_birth_date(value: str) -> date | None:
    """The birth date written in a (normalised) citizen ID, or None when it is no real day."""
    try:
        return date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return None


def citizen_id_problem(value, *, today: date | None = None) -> Problem | None:
    value = normalise_identifier(value)
    if not value:
        return Problem.EMPTY
    if len(value) != 18:
        return Problem.LENGTH
    body, check = value[:17], value[17]
    if not (body.isascii() and body.isdigit()) or check not in "0123456789X":
        return Problem.CHARACTERS
    if len(set(value)) == 1:
        return Problem.REPEATED
    region = region_problem(value[:6], also=RESIDENCE_PERMIT_REGIONS)
    if region is not None:
        return Problem(region)
    born = citizen_birth_date(value)
    if born is None or born.year < EARLIEST_BIRTH_YEAR or born > (today or date.today()):
        return Problem.BIRTH_DATE
    if citizen_id_check_char(body) != check:
        return Problem.CHECK
    return None


def is_valid_citizen_id(value, *, today: date | None = None) -> bool:
    return citizen_id_problem(value, today=today) is None


# --- unified social credit code ----------------------------------------------------------------------------


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(ch not in CREDIT_CODE_ALPHABET for ch in first17):
        raise ValueError("a credit code body is 17 characters of the GB 32100 alphabet")
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(value) -> Problem | None:
    value = normalise_identifier(value)
    if not value:
        return Problem.EMPTY
    if len(value) != 18:
        return Problem.LENGTH
    if any(ch not in CREDIT_CODE_ALPHABET for ch in value):
        return Problem.CHARACTERS
    if len(set(value)) == 1:
        return Problem.REPEATED
    categories = CREDIT_CODE_CATEGORIES.get(value[0])
    if categories is None:
        return Problem.AUTHORITY
    if value[1] not in categories:
        return Problem.CATEGORY
    region = region_problem(value[2:8], also=frozenset({NATIONAL_REGION}))
    if region is not None:
        return Problem(region)
    if credit_code_check_char(value[:17]) != value[17]:
        return Problem.CHECK
    return None


def is_valid_credit_code(value) -> bool:
    return credit_code_problem(value) is None


def mask_citizen_id(value: str) -> str:
    """Show only what a counter clerk needs: the region digits and the last four."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[-4:]
