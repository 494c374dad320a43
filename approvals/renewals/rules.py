"""Pure rules of licence renewal (Art. 50 of the Administrative Licensing Law). No database.

Art. 50: a holder who needs to extend a licence's validity applies to the body that granted it 30 days before the
validity ends, unless laws, regulations or rules provide otherwise (the catalogue's `renewal_lead_days` per item);
the body decides before the validity ends, and where it does not, the renewal is deemed granted.
All periods here are calendar days (Art. 50 counts days, not working days).
"""
from __future__ import annotations

from datetime import date, timedelta

DEFAULT_LEAD_DAYS = 30

DEEMED_REASON = ("依据《中华人民共和国行政许可法》第五十条，行政机关逾期未作出是否准予延续的决定，视为准予延续。")


def lead_days_of(snapshot: dict | None) -> int:
    """The item version's lead time (versions frozen before the field existed: the law's 30 days)."""
    value = (snapshot or {}).get("renewal_lead_days")
    return DEFAULT_LEAD_DAYS if value is None else int(value)


def last_filing_day(valid_until: date, lead_days: int) -> date:
    """The last day a renewal may be filed: `lead_days` days before the last valid day (30 days before 31 March
    is 1 March)."""
    return valid_until - timedelta(days=lead_days)


def renewed_valid_from(old_valid_until: date, today: date) -> date:
    """A renewed licence follows the old one without a gap: from the day after it ends, or from today when the
    old one has already ended."""
    return max(old_valid_until + timedelta(days=1), today)


def reminder_points(days: list[int] | tuple[int, ...]) -> list[int]:
    """The configured reminder points: positive whole days, each once, farthest first."""
    return sorted({int(d) for d in days if int(d) > 0}, reverse=True)
