"""The public listing of licensing decisions (双公示), its CSV export and one decision's record: no sign-in.
Thin: parse the filters, call a selector, render or stream."""
from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from approvals.publicity import selectors
from approvals.publicity.forms import PublicitySearchForm
from portal.filenames import content_disposition

# The columns of the national standard for licensing records (行政许可信息), in its order, then two of ours.
COLUMNS = [
    (gettext_lazy("行政相对人名称"), lambda r: r.holder_name),
    (gettext_lazy("行政相对人类别"), lambda r: r.category_label),
    (gettext_lazy("统一社会信用代码"), lambda r: r.credit_code),
    (gettext_lazy("法定代表人"), lambda r: r.legal_representative),
    (gettext_lazy("证件类型"), lambda r: r.id_type),
    (gettext_lazy("证件号码"), lambda r: r.id_number),
    (gettext_lazy("行政许可决定文书名称"), lambda r: r.document_title),
    (gettext_lazy("行政许可决定文书号"), lambda r: r.document_number),
    (gettext_lazy("许可类别"), lambda r: str(selectors.LICENCE_CATEGORY) if r.outcome == selectors.APPROVE else ""),
    (gettext_lazy("许可证书名称"), lambda r: r.certificate_name),
    (gettext_lazy("许可编号"), lambda r: r.licence_number),
    (gettext_lazy("许可内容"), lambda r: r.scope),
    (gettext_lazy("许可决定日期"), lambda r: _csv_date(r.decided_on)),
    (gettext_lazy("有效期自"), lambda r: _csv_date(r.valid_from)),
    # The standard's template writes a long-term licence as valid until 2099/12/31.
    (gettext_lazy("有效期至"), lambda r: "2099/12/31" if r.long_term else _csv_date(r.valid_until)),
    (gettext_lazy("许可机关"), lambda r: settings.CENTRE_NAME),
    (gettext_lazy("许可机关统一社会信用代码"), lambda r: settings.ISSUER_CREDIT_CODE),
    (gettext_lazy("当前状态"), lambda r: r.status),
    (gettext_lazy("数据来源单位"), lambda r: settings.CENTRE_NAME),
    (gettext_lazy("数据来源单位统一社会信用代码"), lambda r: settings.ISSUER_CREDIT_CODE),
    (gettext_lazy("事项名称"), lambda r: r.item_name),
    (gettext_lazy("备注"), lambda r: r.remarks),
]

# A spreadsheet runs a cell that begins with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_date(day) -> str:
    return f"{day:%Y/%m/%d}" if day else ""


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _search(request) -> tuple[PublicitySearchForm, selectors.Filters, dict]:
    choices = {"departments": selectors.departments(), "items": selectors.items()}
    form = PublicitySearchForm(request.GET or None, **choices)
    return form, (form.filters() if request.GET else selectors.Filters()), choices


def _filter_query(request) -> str:
    """The query string of the filters alone (no page cursor)."""
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    return params.urlencode()


@require_GET
def index(request):
    form, filters, choices = _search(request)
    found = selectors.page(filters, after=request.GET.get("after"), before=request.GET.get("before"))
    index_url = reverse("publicity:index")
    return render(request, "approvals/publicity/index.html", {
        "form": form, "page": found, "filters": filters, "querystring": _filter_query(request), **choices,
        # The records' links are the detail route (urls.py: "<uuid>/" under the index), not a reverse() per row.
        "detail_prefix": index_url,
        "page_size": selectors.PAGE_SIZE, "export_limit": selectors.EXPORT_LIMIT,
        "lists_denials": selectors.lists_denials(), "publish_days": selectors.PUBLISH_WITHIN_WORKING_DAYS,
    })


@require_GET
def detail(request, public_id):
    found = selectors.notice_records(public_id)
    if not found:
        raise Http404(_("公示信息不存在。"))
    return render(request, "approvals/publicity/detail.html", {
        "records": found, "document": found[0], "publish_days": selectors.PUBLISH_WITHIN_WORKING_DAYS,
        "authority": settings.CENTRE_NAME, "authority_code": settings.ISSUER_CREDIT_CODE,
        "licence_category": selectors.LICENCE_CATEGORY,
    })


class _Echo:
    """csv.writer writes into this and gets the line back."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(filters: selectors.Filters, language: str, rows_per_chunk: int = 500):
    with translation.override(language):
        writer = csv.writer(_Echo())
        buffer = ["\ufeff" + writer.writerow([str(title) for title, _value in COLUMNS])]
        for record in selectors.export_records(filters):
            buffer.append(writer.writerow([csv_cell(value(record)) for _title, value in COLUMNS]))
            if len(buffer) >= rows_per_chunk:
                yield "".join(buffer)
                buffer = []
        yield "".join(buffer)


@require_GET
def export(request):
    """The listing's rows with the same filters as CSV (UTF-8 with a BOM, so Excel reads the Chinese), streamed;
    at most EXPORT_LIMIT rows: more, and the visitor is sent back to narrow the filters."""
    _form, filters, _choices = _search(request)
    if selectors.exceeds_export_limit(filters):
        messages.warning(request, _("符合条件的公示信息超过 %(n)s 条，请缩小决定日期范围或增加筛选条件后再导出。")
                         % {"n": f"{selectors.EXPORT_LIMIT:,}"})
        query = _filter_query(request)
        return HttpResponseRedirect(reverse("publicity:index") + (f"?{query}" if query else ""))
    response = StreamingHttpResponse(_csv_lines(filters, translation.get_language() or settings.LANGUAGE_CODE),
                                     content_type="text/csv; charset=utf-8")
    name = _("行政许可决定公示_%(d)s.csv") % {"d": f"{timezone.localdate():%Y%m%d}"}
    response["Content-Disposition"] = content_disposition(name, attachment=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response

