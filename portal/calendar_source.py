"""Reading the official calendar that the `chinesecalendar` package ships (2004 to the year it knows)."""
from __future__ import annotations

from datetime import date

# The package names holidays in English; the portal shows the official Chinese names.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def official_exceptions() -> list[tuple[date, str, str]]:
    """(date, kind, Chinese name) for every date that breaks the Monday-Friday rule in the package's data."""
    from chinese_calendar import constants

    rows: list[tuple[date, str, str]] = []
    for day, name in constants.holidays.items():
        if day.isoweekday() <= 5:
            rows.append((day, "holiday", HOLIDAY_NAMES_ZH.get(str(name), str(name))))
    for day, name in constants.workdays.items():
        if day.isoweekday() >= 6:
            zh = HOLIDAY_NAMES_ZH.get(str(name), str(name))
            rows.append((day, "workday", f"{zh}调休上班"))
    rows.sort()
    return rows


def last_year_known() -> int:
    from chinese_calendar import constants

    return max(d.year for d in constants.holidays)
