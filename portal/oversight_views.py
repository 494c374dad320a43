"""The dashboards page (统计分析), its exports, and the hall's wall screen (大厅屏): the kernel's pages over the
sections the apps register in portal.oversight. No object id is in any address: the section and table names are
slugs, the filters are the query string, checked against what the person may see (portal.oversight.Scope)."""
from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal import clock, oversight
from portal.filenames import content_disposition
from portal.roles import STAFF_ROLES, Role
from portal.svgchart import chart_for
from portal.widgets import QuickSelect

OVERSIGHT_ROLES = (Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMINISTRATOR)
MAX_PERIOD_DAYS = 5 * 366 + 1
HALL_REFRESH_SECONDS = 60


def may_view_oversight(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*OVERSIGHT_ROLES))


def may_view_hall(user) -> bool:
    return bool(user.is_authenticated and user.has_role(*STAFF_ROLES))


class FilterForm(forms.Form):
    # Python-rendered selects: the item and officer lists run to hundreds of options (portal.widgets).
    period = forms.ChoiceField(label=gettext_lazy("统计期间"), required=False, widget=QuickSelect)
    start = forms.DateField(label=gettext_lazy("起始日期"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    department = forms.TypedChoiceField(label=gettext_lazy("部门"), required=False, coerce=int, empty_value=None,
                                        widget=QuickSelect)
    section = forms.TypedChoiceField(label=gettext_lazy("科室"), required=False, coerce=int, empty_value=None,
                                     widget=QuickSelect)
    item = forms.TypedChoiceField(label=gettext_lazy("事项"), required=False, coerce=int, empty_value=None,
                                  widget=QuickSelect)
    officer = forms.TypedChoiceField(label=gettext_lazy("经办人"), required=False, coerce=int, empty_value=None,
                                     widget=QuickSelect)

    def __init__(self, data, *, scope: oversight.Scope, today):
        super().__init__(data)
        self.scope, self.today = scope, today
        self.fields["period"].choices = [(p, oversight.period_label(p)) for p in oversight.PERIODS] + [
            ("custom", _("自定义"))]
        everyone = [("", _("全部"))]
        self.fields["department"].choices = everyone + [(str(k), v) for k, v in scope.departments]
        sections = [(str(k), v) for k, v in scope.sections]
        self.fields["section"].choices = sections if scope.restricted else everyone + sections
        self.fields["item"].choices = everyone + [(str(k), v) for k, v in scope.items]
        self.fields["officer"].choices = everyone + [(str(k), v) for k, v in scope.officers]
        if scope.restricted and sections:
            self.fields["section"].initial = sections[0][0]

    def clean(self):
        data = super().clean()
        period = data.get("period") or "month"
        start, end = data.get("start"), data.get("end")
        if start or end or period == "custom":
            first, last = oversight.period_bounds("month", self.today)
            start, end, period = start or first, end or last, "custom"
        else:
            start, end = oversight.period_bounds(period, self.today)
        if start > end:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("统计期间最长五年。"))
        data.update(period=period, start=start, end=end)
        if self.scope.restricted and data.get("section") is None and self.scope.sections:
            data["section"] = self.scope.sections[0][0]
        return data

    def filters(self) -> oversight.Filters:
        d = self.cleaned_data
        return oversight.Filters(start=d["start"], end=d["end"], department_id=d.get("department"),
                                 section_id=d.get("section"), item_id=d.get("item"), officer_id=d.get("officer"),
                                 today=self.today)

    def labels(self) -> dict[str, str]:
        d, out = self.cleaned_data, {}
        for name, choices in (("department", self.scope.departments), ("section", self.scope.sections),
                              ("item", self.scope.items), ("officer", self.scope.officers)):
            if d.get(name) is not None:
                out[str(self.fields[name].label)] = dict(choices).get(d[name], "")
        return out


def _filters_from(request) -> tuple[FilterForm, oversight.Scope]:
    if not may_view_oversight(request.user):
        raise PermissionDenied(_("统计分析仅供科室负责人、局领导和系统管理员查看。"))
    scope = oversight.scope_for(request.user)
    if scope.restricted and not scope.sections:
        raise PermissionDenied(_("您尚未负责任何科室，没有可查看的统计数据。"))
    return FilterForm(request.GET or {}, scope=scope, today=clock.today()), scope


def _render_section(section: oversight.Section, data: oversight.SectionData, query: str) -> dict:
    tables = []
    for table in data.tables:
        tables.append({"table": table, "rows": table.display_rows(), "svg": chart_for(table),
                       "csv": f"{section.key}/{table.name}.csv{query}", "xlsx": f"{section.key}/{table.name}.xlsx{query}"})
    return {"section": section, "data": data, "tables": tables}


@login_required
@require_GET
def dashboard(request):
    form, _scope = _filters_from(request)
    sections = oversight.sections_for(request.user, oversight.OVERSIGHT)
    rendered, status = [], 200
    query = ("?" + request.GET.urlencode()) if request.GET else ""
    if form.is_valid():
        filters = form.filters()
        rendered = [_render_section(s, s.provider(filters), query) for s in sections]
        caption = oversight.filter_caption(filters, form.labels())
    else:
        status, caption = 400, ""
    return render(request, "portal/oversight/dashboard.html", {
        "form": form, "sections": rendered, "caption": caption, "query": query,
        "period_label": oversight.period_label(form.cleaned_data.get("period", "")) if form.is_valid() else "",
    }, status=status)


def _export_response(body: bytes, filename: str, fmt: str) -> HttpResponse:
    types = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    response = HttpResponse(body, content_type=types[fmt])
    response["Content-Disposition"] = content_disposition(filename, attachment=True)
    response["Cache-Control"] = "no-store"
    return response


def _valid_filters(request) -> tuple[oversight.Filters, str]:
    form, _scope = _filters_from(request)
    if not form.is_valid():
        raise PermissionDenied(" ".join(str(e) for errors in form.errors.values() for e in errors))
    filters = form.filters()
    return filters, oversight.filter_caption(filters, form.labels())


def _visible_section(request, key: str) -> oversight.Section:
    found = oversight.section(key)
    if found is None or found.board != oversight.OVERSIGHT or found not in oversight.sections_for(request.user):
        raise Http404(_("没有这个统计栏目。"))
    return found


@login_required
@require_GET
def export_table(request, key: str, table: str, fmt: str):
    """One table of one section as CSV (UTF-8 with BOM) or XLSX, with the page's filters and every row."""
    filters, caption = _valid_filters(request)
    section = _visible_section(request, key)
    found = section.provider(filters.for_export()).table(table)
    if found is None:
        raise Http404(_("没有这个统计表。"))
    stamp = f"{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
    body = oversight.to_csv(found, caption) if fmt == "csv" else oversight.to_xlsx([("", found)], caption)
    return _export_response(body, f"{found.title}_{stamp}.{fmt}", fmt)


@login_required
@require_GET
def export_workbook(request):
    """Every table of every section the person sees, one XLSX sheet each."""
    filters, caption = _valid_filters(request)
    tables = []
    for section in oversight.sections_for(request.user, oversight.OVERSIGHT):
        data = section.provider(filters.for_export())
        tables += [("", t) for t in data.tables]
    body = oversight.to_xlsx(tables, caption)
    return _export_response(body, f"{_('统计分析')}_{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.xlsx", "xlsx")


@login_required
@require_GET
def hall(request):
    """The hall's wall screen: today's figures in big type, refreshed by the page itself every minute."""
    if not may_view_hall(request.user):
        raise PermissionDenied(_("大厅屏仅供工作人员查看。"))
    today = clock.today()
    filters = oversight.Filters(start=today, end=today, today=today, row_limit=8)
    sections = oversight.sections_for(request.user, oversight.HALL)
    rendered = [_render_section(s, s.provider(filters), "") for s in sections]
    return render(request, "portal/oversight/hall.html", {
        "sections": rendered, "today": today, "now": timezone.localtime(), "refresh": HALL_REFRESH_SECONDS,
        "ratings_registered": any(s.key.startswith("ratings") for s in sections),
        "next_refresh": timezone.localtime() + timedelta(seconds=HALL_REFRESH_SECONDS),
    })
