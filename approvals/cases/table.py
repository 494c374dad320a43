"""The officers' case table (the stage queues, 我的在办 and the leader's overview), built in Python.

A queue page is read all day by every officer, and what it costs is Python work per row, not SQL: the template
version spent two `{% include %}`, three `{% url %}`, five translation tags and a dozen model objects per row
(bench/approvals_bench.py; issue 14). Here one query fetches the page's rows as plain values (the colour and the
alarm derived in SQL by approvals.cases.models.colour_sql, as every reader does), every text is translated once
per page, links are one reversed prefix plus the id, and each row is one escaped string: the template around it
only places the table (approvals/cases/_case_table.html).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import BooleanField, ExpressionWrapper
from django.db.models.fields.json import KeyTextTransform
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from approvals.cases.models import COLOUR_NAMES, ApprovalCase, Stage, alarm_q, colour_sql
from portal import clock
from portal.web import url_around_id

ROW_FIELDS = ("id", "version", "stage", "assignee_id", "promised_due_date", "statutory_due_date", "suspended_since",
              "application__case_number", "application__bundle_id",
              "application__applicant__name", "section__name", "assignee__real_name", "assignee__username")
def rows_for(ids: list[int], today: date | None = None) -> list[dict]:
    """The rows of these case ids, in this order: one query of plain values with the colour and the alarm."""
    if not ids:
        return []
    today = today or clock.today()
    found = {row["id"]: row for row in ApprovalCase.objects.filter(pk__in=ids).order_by().values(
        *ROW_FIELDS, item_name=KeyTextTransform("name", "item_version__snapshot"), colour=colour_sql(today),
        alarm=ExpressionWrapper(alarm_q(today), output_field=BooleanField()))}
    return [found[pk] for pk in ids if pk in found]


@dataclass
class Texts:
    """Everything the rows say, translated once per page."""

    stages: dict
    colours: dict
    alarm: str
    suspended: str
    promised_left: str
    promised_over: str
    statutory_left: str
    statutory_over: str
    dates: str
    waiting: str
    bundle: str
    claim: str
    release: str
    open: str

    @classmethod
    def now(cls) -> "Texts":
        return cls(
            stages={value: escape(label) for value, label in Stage.choices},
            colours={"red": escape(_("红色预警")), "yellow": escape(_("黄色预警")), "green": escape(_("正常"))},
            alarm=escape(_("法定时限告警")), suspended=escape(_("%(d)s 起中止计时")),
            promised_left=escape(_("承诺时限剩 %(n)s 个工作日")), promised_over=escape(_("超承诺时限 %(n)s 个工作日")),
            statutory_left=escape(_("法定时限剩 %(n)s 个工作日")), statutory_over=escape(_("超法定时限 %(n)s 个工作日")),
            dates=escape(_("承诺 %(p)s · 法定 %(s)s")), waiting=escape(_("待认领")), bundle=escape(_("一件事")),
            claim=escape(_("认领")), release=escape(_("释放")), open=escape(_("办理")),
        )


def render_rows(rows: list[dict], *, user_id: int | None, claimable: bool, csrf_token: str,
                today: date | None = None) -> SafeString:
    """The <tr> of each row: number, item, applicant, section, stage, colour and alarm, working days left (as
    of the day a suspended case stopped), holder, and 认领 / 释放 when the person may."""
    today = today or clock.today()
    t = Texts.now()
    case_before, case_after = url_around_id("approvals:case")
    claim_before, claim_after = url_around_id("approvals:case_claim")
    release_before, release_after = url_around_id("approvals:case_release")
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'
    left = clock.working_days_left
    out = []
    for r in rows:
        pk, number = r["id"], escape(r["application__case_number"])
        url = f"{case_before}{pk}{case_after}"
        colour = COLOUR_NAMES[r["colour"]]
        badges = f'<span class="tag {colour}" data-testid="colour" data-colour="{colour}">{t.colours[colour]}</span>'
        if r["alarm"]:
            badges += f' <span class="tag alarm" data-testid="alarm">{t.alarm}</span>'
        day = r["suspended_since"]
        if day is not None:
            badges += f' <span class="tag suspended">{t.suspended % {"d": day.isoformat()}}</span>'
        promised, statutory = r["promised_due_date"], r["statutory_due_date"]
        days, statutory_days = left(promised, on=day or today), left(statutory, on=day or today)
        days_text = t.promised_over % {"n": -days} if days < 0 else t.promised_left % {"n": days}
        statutory_text = (t.statutory_over % {"n": -statutory_days} if statutory_days < 0
                          else t.statutory_left % {"n": statutory_days})
        holder = r["assignee_id"]
        if holder is None:
            who = f'<span class="muted">{t.waiting}</span>'
        else:
            who = escape(r["assignee__real_name"] or r["assignee__username"])
        if claimable and holder is None:
            action = (f'<form method="post" action="{claim_before}{pk}{claim_after}">{csrf}<input type="hidden" '
                      f'name="version" value="{r["version"]}"><button class="button small" type="submit">'
                      f'{t.claim}</button></form>')
        elif holder is not None and holder == user_id:
            action = (f'<form method="post" action="{release_before}{pk}{release_after}">{csrf}<input type="hidden" '
                      f'name="version" value="{r["version"]}"><button class="button small secondary" type="submit">'
                      f'{t.release}</button></form>')
        else:
            action = ""
        bundle = f' <span class="tag">{t.bundle}</span>' if r["application__bundle_id"] else ""
        out.append(
            f'<tr data-testid="case-row" data-case="{pk}" data-number="{number}">'
            f'<td><a href="{url}">{number}</a><br>{escape(r["item_name"])}{bundle}</td>'
            f'<td>{escape(r["application__applicant__name"])}</td><td>{escape(r["section__name"])}</td>'
            f'<td>{t.stages.get(r["stage"], "")}</td><td>{badges}</td>'
            f'<td><span class="days" data-testid="days-left">{days_text}\n<small>{statutory_text}</small></span><br>'
            f'<small class="muted">{t.dates % {"p": promised.isoformat(), "s": statutory.isoformat()}}</small></td>'
            f'<td>{who}</td><td class="actions">{action}\n        <a href="{url}">{t.open}</a></td></tr>\n')
    return mark_safe("".join(out))
