"""The rows of 我的办件, built in Python.

The page is the applicants' most visited, and what it cost was template work per row (a `{% url %}`, two
`blocktranslate`, date filters and the status label for each of 20 rows: bench/approvals_bench.py, issue 14).
Here one values() query gives the page's rows, the texts are translated once per page, links are one reversed
prefix plus the id, and each row is one escaped string; templates/applications/list.html places the table.
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from applications.models import Status
from portal.web import url_around_id

# The fields a row shows (applications.selectors.my_applications annotates project_name and open_supplements).
ROW_FIELDS = ("id", "case_number", "title", "status", "submitted_at", "created_at", "updated_at", "applicant__name",
              "project_name", "open_supplements")


def _local(moment, pattern: str) -> str:
    return timezone.localtime(moment).strftime(pattern)


def render_rows(rows: list[dict]) -> SafeString:
    labels = {value: escape(label) for value, label in Status.choices}
    heads = {key: escape(text) for key, text in (("number", _("办件编号")), ("item", _("申请事项")),
                                                  ("applicant", _("申请人")), ("status", _("状态")),
                                                  ("time", _("时间")))}
    unsubmitted, supplement = escape(_("（未提交）")), escape(_("请补正"))
    resume, view = escape(_("继续填写")), escape(_("查看"))
    submitted_text, draft_text = escape(_("提交于 %(t)s")), escape(_("创建于 %(c)s，保存于 %(t)s"))
    resume_url, detail_url = url_around_id("applications:resume"), url_around_id("applications:detail")
    out = []
    for r in rows:
        draft = r["status"] == Status.DRAFT
        before, after = resume_url if draft else detail_url
        href = f'{before}{r["id"]}{after}'
        note = f'<div class="note">{escape(r["project_name"])}</div>' if draft and r["project_name"] else ""
        tag = f' <span class="tag yellow">{supplement}</span>' if r["open_supplements"] else ""
        if r["submitted_at"]:
            when = submitted_text % {"t": _local(r["submitted_at"], "%Y-%m-%d")}
        else:
            when = ('<span data-testid="draft-times">' + draft_text % {
                "c": _local(r["created_at"], "%Y-%m-%d %H:%M"), "t": _local(r["updated_at"], "%Y-%m-%d %H:%M")}
                    + "</span>")
        out.append(
            f'<tr data-testid="application-row">'
            f'<td data-label="{heads["number"]}">{escape(r["case_number"]) if r["case_number"] else unsubmitted}</td>'
            f'<td data-label="{heads["item"]}"><a href="{href}">{escape(r["title"])}</a>{note}</td>'
            f'<td data-label="{heads["applicant"]}">{escape(r["applicant__name"])}</td>'
            f'<td data-label="{heads["status"]}"><span class="tag status-{escape(r["status"])}">'
            f'{labels.get(r["status"], escape(r["status"]))}</span>{tag}</td>'
            f'<td data-label="{heads["time"]}">{when}</td>'
            f'<td><a href="{href}">{resume if draft else view}</a></td></tr>\n')
    return mark_safe("".join(out))
