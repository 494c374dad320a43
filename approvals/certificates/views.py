"""The public verification page (/verify/, no sign-in) and the certificate download for those who may see it.

The verification page answers what a bank, a landlord or an inspector asks of a certificate in their hand: is it
real, and is it in force today (valid, expired, suspended, revoked, superseded by a corrected version)? It shows
the item, the holder (a natural person's name and ID masked), the issuer and the dates, and checks an uploaded PDF:
is it byte for byte the issued file (SHA-256), and is the bureau's signature in it intact.
"""
from __future__ import annotations

import hashlib
from datetime import date
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals.certificates import policy, selectors, services
from approvals.certificates.models import Certificate
from approvals.certificates.registry import registry_rows
from approvals.cases import policy as case_policy
from portal import licence_ids, masking, signing, sniffing
from portal.errors import DomainError
from portal.web import flash_error, issued_pdf_response

UPLOAD_MAX_BYTES = 20 * 1024 * 1024



def public_facts(certificate: Certificate) -> dict:
    """What the public may see: a natural person's name and ID masked, an organisation's shown in full."""
    person = certificate.holder_id_type == "111"
    return {
        "holder": masking.mask_name(certificate.holder_name) if person else certificate.holder_name,
        "holder_id": masking.mask_id_number(certificate.holder_id_number) if person else certificate.holder_id_number,
        "holder_id_label": certificate.holder_id_type_label() if certificate.holder_id_number else "",
    }


def _check_upload(request, certificate: Certificate | None) -> dict | None:
    uploaded = request.FILES.get("pdf")
    if uploaded is None:
        raise DomainError(_("请选择要核验的 PDF 文件。"), code="missing")
    checked = sniffing.read_upload(uploaded, allowed=(sniffing.PDF,), limit_for=lambda kind: UPLOAD_MAX_BYTES,
                                   type_message=_("只能核验本局签发的 PDF 电子证照。"))
    try:
        data = checked.content.read()
    finally:
        checked.close()
    digest = hashlib.sha256(data).hexdigest()
    issued = selectors.by_pdf_sha256(digest)
    return {"sha256": digest, "issued": issued, "matches": issued is not None and (certificate is None
                                                                                  or issued.pk == certificate.pk),
            "signature": signing.check_signature(data)}


@require_http_methods(["GET", "POST"])
def lookup(request):
    """The verification start page: type an electronic licence id or a certificate number, or upload a PDF."""
    query = (request.GET.get("q") or "").strip()
    error, upload = "", None
    if query:
        found = selectors.by_electronic_id(query) or selectors.by_licence_number(query)
        if found is not None:
            return redirect("verify:certificate", found.electronic_id)
        problem = licence_ids.problem(query) if query.startswith("1.2.156") else None
        error = _(problem) if problem else _("未找到该证照。请核对电子证照标识或证照编号。")
    if request.method == "POST":
        try:
            upload = _check_upload(request, None)
        except DomainError as exc:
            error = " ".join(exc.messages)
    return render(request, "approvals/certificates/verify.html", {
        "query": query, "error": error, "upload": upload, "centre_name": settings.CENTRE_NAME,
        }, status=404 if error and query else 200)


@require_http_methods(["GET", "POST"])
def certificate(request, electronic_id: str):
    """One certificate's standing today, for anyone (the QR code on the certificate opens this page)."""
    found = selectors.by_electronic_id(electronic_id)
    if found is None:
        problem = licence_ids.problem(electronic_id)
        return render(request, "approvals/certificates/verify.html", {
            "query": electronic_id, "error": _(problem) if problem else _("未找到该证照。"),
            "centre_name": settings.CENTRE_NAME}, status=404)
    upload, error = None, ""
    if request.method == "POST":
        try:
            upload = _check_upload(request, found)
        except DomainError as exc:
            error = " ".join(exc.messages)
    reading = selectors.reading_of(found)
    newest = selectors.newest_version(found) if found.standing == Certificate.Standing.SUPERSEDED else None
    response = render(request, "approvals/certificates/verified.html", {
        "certificate": found, "reading": reading.code, "reading_label": Certificate.READING_LABELS[reading.code],
        "facts": public_facts(found), "newest": newest, "upload": upload, "error": error,
    })
    response["Cache-Control"] = "no-store"  # the standing may change at any moment
    return response


@require_GET
@login_required
@xframe_options_sameorigin
def certificate_pdf(request, public_id):
    """The signed PDF of a certificate, for whoever may see its application; 404 until it is rendered."""
    found = policy.certificate_for(request.user, public_id)
    if found is None or found.rendered_at is None:
        raise Http404(_("证照不存在。"))
    return issued_pdf_response(found, f"{found.name}{found.licence_number}.pdf")


# --- the licence registry (电子证照库) ------------------------------------------------------------------------------

PAGE_SIZE = 20


@never_cache
@require_GET
@login_required
def my_licences(request):
    """我的证照 (/licences/): the certificates held by the applicants the account stands for (an agent: those whose
    consent it holds today) and those of its applications, each with its standing today, the PDF and the
    verification page."""
    policy.may_see_own_licences(request.user).enforce()
    page = Paginator(selectors.holder_registry(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "approvals/certificates/mine.html", {"page": page, "rows": registry_rows(page.object_list)})


@never_cache
@require_GET
@login_required
def licence_search(request):
    """电子证照库查询 (/office/licences/?q=): the back office finds certificates by the holder's citizen ID or credit
    code, a licence number, an electronic licence id or the start of the holder's name. Every search is audited."""
    policy.may_search_registry(request.user).enforce()
    query = selectors.parse_registry_query(request.GET.get("q", ""))
    page, rows, status = None, [], 200
    if query is not None and query.error:
        status = 400
    elif query is not None:
        page = Paginator(selectors.search_registry(query), PAGE_SIZE).get_page(request.GET.get("page"))
        shown = list(page.object_list)
        downloadable = None
        if not case_policy.sees_all(request.user) and shown:
            downloadable = set(policy.visible_certificates(request.user).filter(pk__in=[c.pk for c in shown])
                               .values_list("pk", flat=True))
        rows = registry_rows(shown, downloadable=downloadable)
        services.record_registry_search(request.user, query, shown, page.paginator.count, page=page.number,
                                        request=request)
    return render(request, "approvals/certificates/search.html", {
        "q": request.GET.get("q", ""), "query": query, "page": page, "rows": rows,
        "mode_label": selectors.MODE_LABELS.get(query.mode, "") if query else "",
        "query_string": f"q={quote(request.GET.get('q', ''))}",
    }, status=status)


@require_POST
@login_required
def manage(request, public_id):
    """A certificate's correction (更正换发: a new version) or standing (暂扣, 恢复, 撤销), from the case page. Who may
    is approvals.certificates.policy; a refusal by role answers 403, a rule or a conflict goes back with a message."""
    found = policy.certificate_for(request.user, public_id)
    if found is None or not request.user.is_back_office:
        raise Http404(_("证照不存在。"))
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        if action == "correct":
            changes = {key: request.POST.get(key, "") for key in ("holder_name", "holder_id_number", "scope")}
            if request.POST.get("valid_until"):
                try:
                    changes["valid_until"] = date.fromisoformat(request.POST["valid_until"])
                except ValueError:
                    raise DomainError(_("有效期截止日格式不正确。"), code="date") from None
            new = services.correct(found, request.user, changes, reason, request=request)
            messages.success(request, _("已更正换发第 %(v)s 版证照（%(n)s）。") % {"v": new.version, "n": new.licence_number})
        elif action in STANDING_ACTIONS:
            services.change_standing(found, request.user, STANDING_ACTIONS[action], reason, request=request)
            messages.success(request, _("证照状态已变更。"))
        else:
            raise DomainError(_("未知的操作。"), code="action")
    except DomainError as exc:
        flash_error(request, exc)
    return redirect("approvals:case", found.case_id)


STANDING_ACTIONS = {"suspend": Certificate.Standing.SUSPENDED, "reinstate": Certificate.Standing.VALID,
                    "revoke": Certificate.Standing.REVOKED}
