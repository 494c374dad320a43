"""The electronic licence id (电子证照标识) of GB/T 36901-2018 / GB/T 36904-2018. Pure: no Django.

An id is the root code, then five segments separated by "."::

    1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U
    └── root ─────┘└── licence type ───┘ └── issuer ──────┘ └─ serial ┘ └v┘ └check

- licence-type code (证照类型代码): 21 characters (the credit code of the body that defined the licence type
  and a sequence number; only the length and the character set are checked here);
- issuer code (证照颁发机构代码): the issuer's unified social credit code, 18 characters, checked with the
  GB 32100 check character;
- serial (流水号): 1 to SERIAL_MAX_LENGTH digits or capital letters, assigned by the issuer;
- version (版本号): 3 digits, 001 to 999;
- check character (校验位): one of 0-9A-Z.

Check character: ISO/IEC 7064 hybrid system MOD 37,36 (M = 36, alphabet 0-9 = 0..9, A-Z = 10..35), over the
four segments between the root and the check character, separators ignored (the root takes no part)::

    P = M                                  # P0 = 36
    for each character, value a:
        S = (P + a) mod M;  if S == 0: S = M      # S in 1..36
        P = (2 * S) mod (M + 1)                   # P in 1..36 (37 is prime, so never 0)
    check value = (M + 1 - P) mod M               # the a for which (P + a) mod M == 1
    check character = alphabet[check value]

so that running the same loop over the body *and* its check character ends with S == 1 (the standard's
verification rule). This is the plain ISO 7064 hybrid system, no variant: the published example above
verifies with it (body 11100000000013338W011 11430000006122244L 20230000403 001 -> "U"). The span matters
and the example pins it down: over the root as well the check would be "7", and over the first three segments
(without the version) "4".

What it catches: every single-character substitution (for a given P, a -> (P + a) mod M is one-to-one), and
every transposition of two adjacent characters but one kind. A hybrid system is not a pure one: swapping two
neighbours goes unnoticed when the recursion's S values at them are 18 and 19, since 2 * 18 = 36 and
2 * 19 = 38 = 1 (mod 37) lead both orders to the same P. That takes two consecutive values (mod 36) met at one
particular P: 1 swap in 36 of consecutive characters, about 1 in 630 of random distinct ones. A real case:
serials 20230000423 and 20230000432 under the example's type and issuer both end in ".O". No swap in the
published example escapes (the tests check every substitution and swap of it, and the rule above over the
whole recursion). So the check character guards against typing errors; a verification page must still find
the id in the licence records.

`problem(value)` names the first thing wrong with an id in Chinese (for the person who typed or scanned it),
or None; `parse` gives its `Parts`, `build` makes one. Input is read as typed: full-width characters from a
Chinese input method, spaces and lower case are normalised first (`portal.identifiers.normalise_identifier`).
The messages are plain Chinese strings marked with `_` (a no-op here) so that `makemessages` collects them; a
Django caller translates one with `gettext(message)`.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.identifiers import CREDIT_CODE_ALPHABET, credit_code_check_char, normalise_identifier


def _(message: str) -> str:  # marks a message for makemessages; translated by the Django caller
    return message


ROOT = "1.2.156.3005.2."
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_M = 36

TYPE_CODE_LENGTH = 21
ISSUER_CODE_LENGTH = 18
SERIAL_MAX_LENGTH = 32  # the standard leaves the serial to the issuer; this bounds what we store
VERSION_LENGTH = 3
MAX_LENGTH = len(ROOT) + TYPE_CODE_LENGTH + ISSUER_CODE_LENGTH + SERIAL_MAX_LENGTH + VERSION_LENGTH + 1 + 4

MESSAGES = {
    "empty": _("请填写电子证照标识。"),
    "characters": _("电子证照标识无效：只能由数字、大写字母和分隔符“.”组成。"),
    "root": _("电子证照标识无效：应以根代码“1.2.156.3005.2.”开头。"),
    "segments": _("电子证照标识无效：根代码之后应依次为证照类型代码、颁发机构代码、流水号、版本号和校验位，"
                  "共5段，以“.”分隔。"),
    "type_code": _("电子证照标识无效：证照类型代码应为21位数字或大写字母。"),
    "issuer_length": _("电子证照标识无效：颁发机构代码应为18位统一社会信用代码。"),
    "issuer_check": _("电子证照标识无效：颁发机构代码不是有效的统一社会信用代码，请核对每一位。"),
    "serial": _("电子证照标识无效：流水号应为1至32位数字或大写字母。"),
    "version": _("电子证照标识无效：版本号应为3位数字，从001开始。"),
    "check_length": _("电子证照标识无效：最后一段校验位应为1位数字或大写字母。"),
    "check": _("电子证照标识无效：校验位不正确，请核对每一位。"),
}


@dataclass(frozen=True)
class Parts:
    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str

    @property
    def body(self) -> str:
        """The four segments the check character is computed over, separators left out."""
        return f"{self.type_code}{self.issuer_code}{self.serial}{self.version:03d}"

    def __str__(self) -> str:
        return f"{ROOT}{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}.{self.check}"


def check_character(body: str) -> str:
    """The ISO/IEC 7064 MOD 37,36 check character over `body`: the segments after the root, with or without
    their "." separators (they are ignored). Raises ValueError on an empty body or a character outside 0-9A-Z."""
    p = _M
    seen = False
    for ch in body:
        if ch == ".":
            continue
        value = _VALUES.get(ch)
        if value is None:
            raise ValueError(f"not a character of 0-9A-Z: {ch!r}")
        seen = True
        s = (p + value) % _M or _M
        p = (2 * s) % (_M + 1)
    if not seen:
        raise ValueError("an empty body has no check character")
    return ALPHABET[(_M + 1 - p) % _M]


def _segment_problem(type_code: str, issuer_code: str, serial: str, version: str) -> str | None:
    if len(type_code) != TYPE_CODE_LENGTH:
        return MESSAGES["type_code"]
    if len(issuer_code) != ISSUER_CODE_LENGTH:
        return MESSAGES["issuer_length"]
    if any(ch not in CREDIT_CODE_ALPHABET for ch in issuer_code) or (
        credit_code_check_char(issuer_code[:17]) != issuer_code[17]
    ):
        return MESSAGES["issuer_check"]
    if not 1 <= len(serial) <= SERIAL_MAX_LENGTH:
        return MESSAGES["serial"]
    if len(version) != VERSION_LENGTH or not version.isdigit() or version == "000":
        return MESSAGES["version"]
    return None


def _split(value) -> tuple[str | None, list[str]]:
    """(first problem of the framing, the five segments)."""
    value = normalise_identifier(value)
    if not value:
        return MESSAGES["empty"], []
    if any(ch not in _VALUES and ch != "." for ch in value):
        return MESSAGES["characters"], []
    if not value.startswith(ROOT):
        return MESSAGES["root"], []
    segments = value[len(ROOT):].split(".")
    if len(segments) != 5:
        return MESSAGES["segments"], []
    return None, segments


def problem(value) -> str | None:
    """What is wrong with an electronic licence id, in Chinese (the first thing found), or None when valid."""
    framing, segments = _split(value)
    if framing is not None:
        return framing
    type_code, issuer_code, serial, version, check = segments
    if wrong := _segment_problem(type_code, issuer_code, serial, version):
        return wrong
    if len(check) != 1:
        return MESSAGES["check_length"]
    if check_character(type_code + issuer_code + serial + version) != check:
        return MESSAGES["check"]
    return None


def parse(value) -> Parts | None:
    """The parts of a valid id (read as typed, see `problem`), or None."""
    if problem(value) is not None:
        return None
    type_code, issuer_code, serial, version, check = normalise_identifier(value)[len(ROOT):].split(".")
    return Parts(type_code, issuer_code, serial, int(version), check)


def is_valid(value) -> bool:
    return problem(value) is None


def normalise(value) -> str | None:
    """The canonical form of a valid id (what to store), or None."""
    parts = parse(value)
    return None if parts is None else str(parts)


def build(type_code: str, issuer_code: str, serial: str | int, version: int = 1) -> str:
    """The id of a licence, with its check character. Raises ValueError (with the Chinese message of
    `problem`) when a part is malformed. A serial given as an int is written in decimal."""
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= 999:
        raise ValueError(MESSAGES["version"])
    if isinstance(serial, int) and not isinstance(serial, bool):
        serial = str(serial) if serial >= 0 else ""
    segments = [normalise_identifier(part) for part in (type_code, issuer_code, serial)]
    if any(ch not in _VALUES for part in segments for ch in part):
        raise ValueError(MESSAGES["characters"])
    type_code, issuer_code, serial = segments
    if wrong := _segment_problem(type_code, issuer_code, serial, f"{version:03d}"):
        raise ValueError(wrong)
    body = f"{type_code}{issuer_code}{serial}{version:03d}"
    return str(Parts(type_code, issuer_code, serial, version, check_character(body)))
