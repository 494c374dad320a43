"""Pages shared by both sides of the staff workflow: a written notice (printable; the applicant side reads its own
notices here too) and an uploaded material file for staff. Who may open them is approvals.policy: a notice or file
of an application one may not see answers 404, whatever one's role."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from approvals import policy
from approvals.intake import policy as intake_policy
from approvals.notices import notice_pdf_url
from portal.web import issued_pdf_response
from portal.web import stored_file_response


@require_GET
@login_required
def notice(request, public_id):
    """A notice as HTML (printable), for whoever may see its application."""
    found = policy.notice_for(request.user, public_id)
    if found is None:
        raise Http404(_("文书不存在。"))
    staff = request.user.is_back_office
    if intake_policy.may_look(request.user):
        back = reverse("approvals:intake", args=[found.application_id])
    elif staff:
        back = ""
    else:
        back = reverse("applications:detail", args=[found.application_id])
    return render(request, "approvals/notices/page.html", {"notice": found, "back": back, "staff": staff,
                                                          "pdf_url": notice_pdf_url(found)})


@require_GET
@login_required
@xframe_options_sameorigin
def notice_pdf(request, public_id):
    """The signed PDF of a notice, for whoever may see its application; 404 until it is rendered."""
    found = policy.notice_for(request.user, public_id)
    if found is None or found.rendered_at is None:
        raise Http404(_("文书不存在。"))
    return issued_pdf_response(found, f"{found.title}{found.number}.pdf")


@require_GET
@login_required
def file(request, public_id):
    """An uploaded material file, for staff who may see its application (the applicant side has its own view)."""
    found = policy.file_for(request.user, public_id) if request.user.is_back_office else None
    if found is None:
        raise Http404(_("文件不存在。"))
    return stored_file_response(found)
