"""The applicant side's sections of the dashboards (portal.oversight, registered in ApplicationsConfig.ready):
好差评 with its 差评整改 tickets, the 办不成事反映 desk, and today's ratings on the hall's wall screen. The figures
are the packages' own SQL aggregates (applications.ratings.selectors / applications.problems.selectors); this
module only lays them out as the dashboards' figures and tables."""
from __future__ import annotations

from django.utils.translation import gettext as _

from applications.problems import selectors as problem_selectors
from applications.problems.models import ProblemChannel, Satisfaction
from applications.ratings import selectors as rating_selectors
from applications.ratings.models import Level
from portal import clock
from portal.oversight import DEC, INT, PCT, Chart, Figure, Filters, SectionData, Table, rate


def _percent(value) -> float | None:
    """The packages give rates in percent (2 decimals); the dashboards show fractions."""
    return None if value is None else float(value) / 100.0


def _level_table(figures: dict, name: str, title: str) -> Table:
    total = figures["total"]
    rows = [[str(Level(level).label), count, rate(count, total)] for level, count in figures["levels"].items()]
    return Table(name, title, [_("评价等级"), _("件数"), _("占比")], rows, kinds=["text", INT, PCT],
                 chart=Chart("bar", 0, (1,), title))


def ratings_section(filters: Filters) -> SectionData:
    """好差评: the levels given in the period, the satisfaction rate, and how the bad ratings were rectified."""
    figures = rating_selectors.dashboard_figures(filters.start, filters.end, filters.department_id,
                                                 filters.section_id, filters.item_id)
    tickets = Table(
        "rectification", _("差评整改"),
        [_("差评件数"), _("整改工单"), _("已办结"), _("按期办结"), _("超期"), _("办理中"), _("整改率")],
        [[figures["bad_ratings"], figures["tickets_opened"], figures["tickets_closed"],
          figures["tickets_closed_on_time"], figures["tickets_overdue"], figures["tickets_open"],
          _percent(figures["rectification_rate"])]],
        kinds=[INT, INT, INT, INT, INT, INT, PCT],
        note=_("按评价时间统计；认定为恶意差评的评价不计入满意率和整改率。"))
    return SectionData(
        [Figure(_("评价件数"), figures["total"]),
         Figure(_("满意率"), _percent(figures["satisfaction_rate"]), PCT, _("非常满意、满意、基本满意的占比")),
         Figure(_("差评"), figures["bad_ratings"], INT, "", "warn" if figures["bad_ratings"] else ""),
         Figure(_("差评整改率"), _percent(figures["rectification_rate"]), PCT),
         Figure(_("整改超期"), figures["tickets_overdue"], INT, "", "bad" if figures["tickets_overdue"] else "")],
        [_level_table(figures, "levels", _("评价等级分布")), tickets])


def problems_section(filters: Filters) -> SectionData:
    """办不成事反映: tickets received per channel, replies on time, the follow-up calls' satisfaction."""
    figures = problem_selectors.dashboard_figures(filters.start, filters.end, filters.department_id,
                                                  filters.section_id)
    total = figures["received_total"]
    channels = Table("channels", _("反映渠道"), [_("渠道"), _("件数"), _("占比")],
                     [[str(ProblemChannel(value).label), count, rate(count, total)]
                      for value, count in figures["received"].items()],
                     kinds=["text", INT, PCT], chart=Chart("bar", 0, (1,), _("各渠道反映件数")))
    followed = figures["followed_up"]
    satisfaction = Table("follow_up", _("回访满意度"), [_("回访结果"), _("件数"), _("占比")],
                         [[str(Satisfaction(value).label), count, rate(count, followed)]
                          for value, count in figures["satisfaction"].items()],
                         kinds=["text", INT, PCT],
                         note=_("按反映时间统计；按期指在答复期限（工作日）内答复。"))
    replied = figures["replied_on_time"] + figures["replied_late"]
    return SectionData(
        [Figure(_("收到反映"), total),
         Figure(_("按期答复率"), rate(figures["replied_on_time"], replied), PCT),
         Figure(_("平均答复用时（工作日）"), figures["average_reply_working_days"], DEC),
         Figure(_("超期未答复"), figures["overdue_open"], INT, "", "bad" if figures["overdue_open"] else ""),
         Figure(_("回访满意率"), _percent(figures["satisfied_rate"]), PCT)],
        [channels, satisfaction])


def ratings_today_section(filters: Filters) -> SectionData:
    """The hall's wall screen: today's ratings (window and online)."""
    today = filters.today or clock.today()
    figures = rating_selectors.dashboard_figures(today, today, filters.department_id, filters.section_id)
    return SectionData(
        [Figure(_("今日评价"), figures["total"]),
         Figure(_("满意率"), _percent(figures["satisfaction_rate"]), PCT),
         Figure(_("差评"), figures["bad_ratings"], INT, "", "bad" if figures["bad_ratings"] else "")],
        [_level_table(figures, "today", _("今日评价等级"))])
