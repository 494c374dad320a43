"""The holder's renewal page: /licences/<uuid>/renew/ (namespace "approvals", name "renew").

GET shows the licence, its last day and the last day a renewal may be filed (Art. 50), and the button; POST starts
the renewal (a prefilled draft of the same item) and goes to its form. Someone not on the holder's side gets 404;
a refusal of the service (too late, revoked, already under way) is shown on the page with its reason.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from approvals.certificates import rules as certificate_rules
from approvals.renewals import policy, rules, selectors, services
from portal import clock
from portal.web import error_messages, problem_status


def _page(request, certificate, *, errors=(), status=200):
    today = clock.today()
    lead_days = selectors.lead_days_for(certificate)
    verdict = policy.can_renew(certificate, request.user, today, lead_days)
    under_way = selectors.renewal_under_way(certificate)
    return render(request, "approvals/renewals/renew.html", {
        "certificate": certificate, "lead_days": lead_days, "today": today,
        "reading": certificate_rules.reading(certificate.standing, certificate.valid_from, certificate.valid_until,
                                             today).code,
        "file_by": rules.last_filing_day(certificate.valid_until, lead_days) if certificate.valid_until else None,
        "days_left": (certificate.valid_until - today).days if certificate.valid_until else None,
        "allowed": bool(verdict), "reason": "" if errors else verdict.reason, "errors": list(errors),
        "under_way": under_way, "renewed_by": selectors.renewed_by(certificate),
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def renew(request, public_id):
    certificate = policy.certificate_for_holder(request.user, public_id)
    if certificate is None:
        raise Http404(_("证照不存在。"))
    if request.method == "POST":
        try:
            renewal = services.start_renewal(certificate, request.user, request=request)
        except (ValidationError, PermissionDenied) as exc:
            certificate.refresh_from_db()
            return _page(request, certificate, errors=error_messages(exc), status=problem_status(exc))
        messages.success(request, _("已创建延续申请草稿（内容已按原证预填），请核对后上传材料并于%(d)s前提交。") % {
            "d": f"{renewal.file_by.year}年{renewal.file_by.month}月{renewal.file_by.day}日"})
        return redirect("applications:step_form", renewal.application_id)
    return _page(request, certificate)
