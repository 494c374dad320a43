"""The dashboards' case and intake sections (registered in ApprovalsConfig.ready): selectors' SQL figures shaped
into portal.oversight tables, charts and headline figures."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from approvals.cases.models import Stage
from approvals.oversight import selectors
from portal.oversight import DATE, DEC, INT, PCT, Chart, Figure, Filters, Scope, SectionData, Table, rate


def _bucket_label(day, unit: str) -> str:
    return f"{day:%Y-%m}" if unit == "month" else f"{day:%m-%d}"


def _tone(value, good: float = 0.95, warn: float = 0.85) -> str:
    if value is None:
        return ""
    return "good" if value >= good else "warn" if value >= warn else "bad"


# --- 办件量 ----------------------------------------------------------------------------------------------------------


def intake(filters: Filters) -> SectionData:
    unit, buckets, totals = selectors.intake_counts(filters)
    headers = [_("期间"), _("收件"), _("受理"), _("不予受理"), _("补正告知"), _("容缺受理"), _("告知承诺受理"), _("办结"),
               _("其中即办件")]
    keys = ("received", "accepted", "refused", "supplemented", "tolerance", "commitment", "completed", "instant")
    rows = [[_bucket_label(day, unit)] + [counts[k] for k in keys] for day, counts in buckets]
    if rows:
        rows.append([_("合计")] + [totals[k] for k in keys])
    table = Table("by_period", _("办件量（按日）") if unit == "day" else _("办件量（按月）"), headers, rows,
                  kinds=["text"] + [INT] * len(keys),
                  chart=Chart("bar", 0, (1, 2, 7), _("收件、受理、办结件数"), skip_last_row=True),
                  note=_("收件按首次提交时间，受理按受理时间（含逾期视为受理），办结按审批决定时间（准予或不予许可）计。"))
    figures = [Figure(_("收件"), totals["received"]), Figure(_("受理"), totals["accepted"]),
               Figure(_("不予受理"), totals["refused"]), Figure(_("补正告知"), totals["supplemented"]),
               Figure(_("容缺受理"), totals["tolerance"]), Figure(_("告知承诺受理"), totals["commitment"]),
               Figure(_("办结"), totals["completed"]), Figure(_("其中即办件"), totals["instant"])]
    return SectionData(figures, [table])


# --- 按时办结率与承诺时限压缩 ------------------------------------------------------------------------------------------


def compression(promised, statutory) -> float | None:
    """承诺时限压缩: how much shorter the promise is than the law's limit (1 - promised / statutory)."""
    return None if not statutory or promised is None else 1 - promised / statutory


def timeliness(filters: Filters) -> SectionData:
    found = selectors.timeliness(filters)
    items = [t for t in found if t.level == "item"]
    sections = [t for t in found if t.level == "section"]
    total = next((t for t in found if t.level == "total"), None)
    item_rows = [[t.name, t.statutory_limit, t.promised_limit, compression(t.promised_limit, t.statutory_limit),
                  t.completed, rate(t.on_time_promised, t.completed), rate(t.on_time_statutory, t.completed),
                  t.avg_working_days,
                  None if t.avg_working_days is None or not t.statutory_limit
                  else 1 - t.avg_working_days / t.statutory_limit,
                  t.max_working_days] for t in items]
    by_item = Table("by_item", _("分事项按时办结与时限压缩"),
                    [_("事项"), _("法定时限（工作日）"), _("承诺时限（工作日）"), _("承诺时限压缩"), _("办结件数"),
                     _("按时办结率（承诺时限）"), _("法定时限内办结率"), _("平均办理用时（工作日）"), _("实际压缩（较法定时限）"),
                     _("最长用时（工作日）")],
                    item_rows, kinds=["text", INT, INT, PCT, INT, PCT, PCT, DEC, PCT, INT],
                    chart=Chart("bar", 0, (5, 6), _("分事项按时办结率")) if len(item_rows) <= 30 else None,
                    note=_("办理用时为受理日至决定日之间的工作日数（按工作日历，节假日不计，受理当日不计）；"
                           "按时以案件的承诺、法定办结期限（含延期、中止）为准。"))
    section_rows = [[t.name, t.completed, rate(t.on_time_promised, t.completed),
                     rate(t.on_time_statutory, t.completed), t.avg_working_days] for t in sections]
    if total is not None:
        section_rows.append([_("合计"), total.completed, rate(total.on_time_promised, total.completed),
                             rate(total.on_time_statutory, total.completed), total.avg_working_days])
    by_section = Table("by_section", _("分科室按时办结率"),
                       [_("科室"), _("办结件数"), _("按时办结率（承诺时限）"), _("法定时限内办结率"), _("平均办理用时（工作日）")],
                       section_rows, kinds=["text", INT, PCT, PCT, DEC],
                       chart=Chart("bar", 0, (2, 3), _("分科室按时办结率"), skip_last_row=True))
    on_time = rate(total.on_time_promised, total.completed) if total else None
    statutory = rate(total.on_time_statutory, total.completed) if total else None
    figures = [Figure(_("办结件数"), total.completed if total else 0),
               Figure(_("按时办结率"), on_time, PCT, _("对照承诺时限"), _tone(on_time)),
               Figure(_("法定时限内办结率"), statutory, PCT, "", _tone(statutory, 1.0, 0.99)),
               Figure(_("平均办理用时"), total.avg_working_days if total else None, DEC, _("工作日"))]
    return SectionData(figures, [by_item, by_section])


# --- 超期与预警 ------------------------------------------------------------------------------------------------------


def _list_table(filters: Filters, which: str, title: str, days_header: str, note: str, total: int) -> Table:
    _none, rows = selectors.warning_list(filters, which, count=False)
    labels = dict(Stage.choices)
    shaped = [[number, item, section, str(labels.get(stage, stage)), holder or _("待认领"), accepted, promised,
               statutory, days if which != "yellow" or days is None else -days]
              for number, item, section, stage, holder, accepted, promised, statutory, days in rows]
    return Table(which, title, [_("办件编号"), _("事项"), _("科室"), _("环节"), _("承办人"), _("受理日期"),
                                _("承诺办结期限"), _("法定办结期限"), days_header],
                 shaped, kinds=["text", "text", "text", "text", "text", DATE, DATE, DATE, INT], total=total, note=note)


def warnings(filters: Filters) -> SectionData:
    counts = selectors.warning_counts(filters)
    per_section = [r for r in counts if r[0] is not None]
    overall = next((r for r in counts if r[0] is None), None) or (None, "", 0, 0, 0, 0, 0, 0)
    rows = [[name, red, yellow, alarm, stat_over, suspended, open_] for
            _id, name, red, yellow, alarm, stat_over, suspended, open_ in per_section]
    if rows:
        rows.append([_("合计")] + list(overall[2:]))
    by_section = Table("by_section", _("分科室预警"), [_("科室"), _("红色预警（超承诺时限）"), _("黄色预警（临近承诺时限）"),
                                                   _("法定时限告警"), _("超法定时限"), _("中止计时"), _("在办")],
                       rows, kinds=["text", INT, INT, INT, INT, INT, INT],
                       chart=Chart("bar", 0, (1, 2, 3), _("分科室预警件数"), skip_last_row=True),
                       note=_("截至今日的在办案件（不受统计期间影响）；按预警起始日与今日比较得出。"))
    _i, _n, red, yellow, alarm, stat_over, suspended, open_ = overall
    figures = [Figure(_("红色预警"), red, INT, _("已超承诺时限"), "bad" if red else ""),
               Figure(_("黄色预警"), yellow, INT, _("临近承诺时限"), "warn" if yellow else ""),
               Figure(_("法定时限告警"), alarm, INT, "", "bad" if alarm else ""),
               Figure(_("超法定时限"), stat_over, INT, "", "bad" if stat_over else ""),
               Figure(_("中止计时"), suspended), Figure(_("在办"), open_)]
    tables = [by_section,
              _list_table(filters, "overdue", _("超期案件（已超承诺时限）"), _("已超期（工作日）"),
                          _("承诺办结期限已过、仍未办结的案件，最早到期的在前。"), red),
              _list_table(filters, "yellow", _("预警案件（临近承诺时限）"), _("剩余（工作日）"),
                          _("已进入黄色预警期、尚未超期的案件。"), yellow),
              _list_table(filters, "statutory", _("法定时限告警案件"), _("较承诺期限（工作日）"),
                          _("临近或已超过法定办结期限的案件，须优先处理。"), alarm)]
    return SectionData(figures, tables)


# --- the hall's wall screen --------------------------------------------------------------------------------------------


def hall_intake(filters: Filters) -> SectionData:
    _unit, _buckets, totals = selectors.intake_counts(filters)
    return SectionData([Figure(_("今日收件"), totals["received"]), Figure(_("今日受理"), totals["accepted"]),
                        Figure(_("今日办结"), totals["completed"]), Figure(_("其中即办件"), totals["instant"]),
                        Figure(_("补正告知"), totals["supplemented"]), Figure(_("不予受理"), totals["refused"]),
                        Figure(_("等待受理"), selectors.waiting_for_intake(), INT, "",
                               "warn" if totals["received"] else "")])


def hall_queues(filters: Filters) -> SectionData:
    windows = [[code or "—", name or _("综合窗口"), waiting, claimed, waiting - claimed]
               for code, name, waiting, claimed in selectors.window_queues()]
    clerks = [[name, n] for name, n in selectors.clerk_claims()]
    return SectionData(tables=[
        Table("windows", _("各窗口等待受理"), [_("窗口"), _("名称"), _("等待"), _("已认领"), _("未认领")], windows,
              kinds=["text", "text", INT, INT, INT]),
        Table("clerks", _("受理人员手上"), [_("受理人员"), _("已认领待处理")], clerks, kinds=["text", INT])])


def hall_warnings(filters: Filters) -> SectionData:
    counts = selectors.warning_counts(filters)
    overall = next((r for r in counts if r[0] is None), None) or (None, "", 0, 0, 0, 0, 0, 0)
    rows = [[name, red, yellow, alarm] for _id, name, red, yellow, alarm, *_rest in counts
            if _id is not None and (red or yellow or alarm)]
    return SectionData(
        [Figure(_("红色预警"), overall[2], INT, "", "bad" if overall[2] else "good"),
         Figure(_("黄色预警"), overall[3], INT, "", "warn" if overall[3] else "good"),
         Figure(_("法定时限告警"), overall[4], INT, "", "bad" if overall[4] else "good")],
        [Table("by_section", _("各科室预警"), [_("科室"), _("红色"), _("黄色"), _("法定告警")], rows,
               kinds=["text", INT, INT, INT])])


# --- who may filter by what ------------------------------------------------------------------------------------------


def scope(user) -> Scope:
    """Leaders and administrators see everything; a section head the sections they head (and those sections'
    items and staff)."""
    from catalog.models import Department, Item, Section
    from approvals.cases import policy
    from portal.models import User
    from portal.roles import Role

    everything = policy.sees_all(user)
    sections = Section.objects.all() if everything else Section.objects.filter(head=user)
    section_list = list(sections.order_by("code", "id").values_list("id", "name"))
    ids = [pk for pk, _name in section_list]
    items = Item.objects.all() if everything else Item.objects.filter(section_id__in=ids)
    staff_roles = [Role.WINDOW_CLERK, Role.APPROVAL_OFFICER, Role.SECTION_HEAD, Role.LEGAL_REVIEWER]
    officers = User.objects.filter(groups__name__in=staff_roles, is_active=True)
    if not everything:
        officers = officers.filter(Q(sections__in=ids) | Q(headed_sections__in=ids))
    return Scope(
        restricted=not everything,
        sections=section_list,
        departments=list(Department.objects.order_by("code", "id").values_list("id", "name")),
        items=list(items.order_by("name", "id").values_list("id", "name")),
        officers=[(pk, real or name) for pk, real, name in
                  officers.distinct().order_by("username").values_list("id", "real_name", "username")],
    )


# --- home panel (section heads and leaders) ----------------------------------------------------------------------------


def month_panel(request):
    """The home panel costs the home page nothing: it loads its figures after the page (htmx, month_figures)."""
    return {}


def month_figures(user) -> dict | None:
    """This month's headline figures for the person's scope (None: a head of no section, or of several, who reads
    them section by section on the dashboard)."""
    from catalog.models import Section
    from approvals.cases import policy
    from portal import clock, oversight

    section_id = None
    if not policy.sees_all(user):
        headed = list(Section.objects.filter(head=user).values_list("id", flat=True)[:2])
        if len(headed) != 1:
            return None
        section_id = headed[0]
    today = clock.today()
    start, end = oversight.period_bounds("month", today)
    filters = Filters(start=start, end=end, today=today, section_id=section_id)
    _unit, _buckets, totals = selectors.intake_counts(filters)
    total = next((t for t in selectors.timeliness(filters, names=False) if t.level == "total"), None)
    on_time = rate(total.on_time_promised, total.completed) if total else None
    return {"received": totals["received"], "completed": totals["completed"], "on_time": on_time,
            "on_time_shown": oversight.display(on_time, PCT),
            "avg_days": oversight.display(total.avg_working_days if total else None, DEC)}
