"""Check characters of the national identifiers (pure functions, no Django).

- Citizen ID (GB 11643): 17 digits + ISO 7064 MOD 11-2 check character.
- Unified social credit code (GB 32100): 17 characters + MOD 31 check character.
"""
from datetime import date

_CITIZEN_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CITIZEN_CHECK = "10X98765432"

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def citizen_id_check_char(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits of a citizen ID."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("a citizen ID body is 17 digits")
    total = sum(int(ch) * w for ch, w in zip(first17, _CITIZEN_WEIGHTS))
    return _CITIZEN_CHECK[total % 11]


def is_valid_citizen_id(value: str) -> bool:
    """True for an 18-character citizen ID with a real birth date and the right check character."""
    if not isinstance(value, str) or len(value) != 18:
        return False
    body, check = value[:17], value[17].upper()
    if not body.isdigit() or body[0] == "0":
        return False
    try:
        born = date(int(body[6:10]), int(body[10:12]), int(body[12:14]))
    except ValueError:
        return False
    if born.year < 1880:
        return False
    return citizen_id_check_char(body) == check


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a unified social credit code."""
    if len(first17) != 17 or any(ch not in CREDIT_CODE_ALPHABET for ch in first17):
        raise ValueError("a credit code body is 17 characters of the GB 32100 alphabet")
    total = sum(CREDIT_CODE_ALPHABET.index(ch) * w for ch, w in zip(first17, _CREDIT_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    if not isinstance(value, str) or len(value) != 18:
        return False
    value = value.upper()
    if any(ch not in CREDIT_CODE_ALPHABET for ch in value):
        return False
    return credit_code_check_char(value[:17]) == value[17]


def mask_citizen_id(value: str) -> str:
    """Show only what a counter clerk needs: the region digits and the last four."""
    if len(value) != 18:
        return "*" * len(value)
    return value[:6] + "*" * 8 + value[-4:]
