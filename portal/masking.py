"""Masking a natural person's personal data for public pages (双公示: "自然人的个人信息应当脱敏"). Pure: no Django.

Two rules, used by every public listing and its exports (approvals.publicity):

- A name keeps its family name and shows one "*" for every other character: 张三 -> 张*, 张三丰 -> 张**,
  欧阳修 -> 欧阳* (the common compound family names below are kept whole when a given name follows), a
  one-character name -> "*". Separators stay (阿依古丽·买买提 -> 阿***·****, John Smith -> J*** *****), so the
  shape of the name shows but none of its letters after the first.
- An identity document number keeps its first and last character only: 610602199003150021 ->
  6****************1. The public needs no part of it: the family name, the item and the date already let a
  person find their own record. (The counter's mask, portal.identifiers.mask_citizen_id, keeps the region
  code and the last four for the person's own pages; in public the last four with the check character would
  narrow the hidden birth date to a few hundred days, and the region code adds nothing but the place.)

`mask_text` hides a person's full name and number wherever they were typed into free text (a scope, a
certificate name), so a public row never carries them unmasked.
"""
from __future__ import annotations

MASK = "*"

# Compound family names (复姓) common enough to be kept whole; anything else keeps one character.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 "
    "澹台 公冶 申屠 太史 闻人 赫连 呼延 万俟 百里 东郭 南门 羊舌 微生 梁丘 左丘 东门 第五 公羊 淳于 单于 "
    "太叔 仲孙 叔孙 濮阳 司空 司寇 子车 颛孙 拓跋 谷梁 乐正 壤驷 公良 漆雕 亓官 巫马 鲜于 闾丘 段干".split()
)

# Kept as they are: they only separate the parts of a name (middle dot of transliterated names, spaces ...).
SEPARATORS = frozenset(" \u3000·•・．.-‧")


def mask_name(name: str | None) -> str:
    """A natural person's name as the public may see it (see the module docstring)."""
    name = (name or "").strip()
    if not name:
        return ""
    letters = [i for i, ch in enumerate(name) if ch not in SEPARATORS]
    if len(letters) <= 1:
        return "".join(MASK if ch not in SEPARATORS else ch for ch in name)
    keep = 1
    if len(letters) >= 3 and letters[:2] == [0, 1] and name[:2] in COMPOUND_SURNAMES:
        keep = 2
    kept = set(letters[:keep])
    return "".join(ch if (i in kept or ch in SEPARATORS) else MASK for i, ch in enumerate(name))


def mask_id_number(value: str | None) -> str:
    """An identity document number as the public may see it: the first and last character, "*" between. Too
    short to hide anything by that rule (fewer than 6 characters): all "*"."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) < 6:
        return MASK * len(value)
    return value[0] + MASK * (len(value) - 2) + value[-1]


def mask_text(text: str | None, *, name: str = "", id_number: str = "") -> str:
    """Free text with the person's full name and number (when at least two characters long) replaced by their
    masks, e.g. a scope "张三丰经营的小吃店" -> "张**经营的小吃店"."""
    text = text or ""
    for secret, masked in ((id_number.strip(), mask_id_number(id_number)), (name.strip(), mask_name(name))):
        if len(secret) >= 2 and secret in text:
            text = text.replace(secret, masked)
    return text
