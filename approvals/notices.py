"""Written notices, shared by intake and the staged workflow: numbered per kind and year, rendered from a
template when issued and never changed, addressed by a random id (never by their sequence number), and visible to
whoever may see their application (approvals.policy).
"""
from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import services as app_services
from applications.models import Application
from approvals.documents import enqueue_render
from approvals.models import Notice
from portal.audit import record_audit
from portal.models import User

RECONSIDERATION_DAYS = 60


LITIGATION_MONTHS = 6


def notice_number(kind: str, issued_at: datetime) -> str:
    """E.g. 宝塔审受〔2026〕00012号: centre prefix, kind, year, a yearly counter per kind."""
    prefix = getattr(settings, "NOTICE_NUMBER_PREFIX", "") or (settings.CENTRE_NAME[:2] + "审")
    year = timezone.localdate(issued_at).year
    value = app_services.next_sequence_value(f"notice:{kind}:{year}")
    return f"{prefix}{Notice.NUMBER_PREFIX[kind]}〔{year}〕{value:05d}号"


def notice_ref(notice: Notice) -> dict:
    return {"id": str(notice.public_id), "number": notice.number, "title": notice.title, "kind": notice.kind,
            "url": reverse("approvals:notice", args=[notice.public_id])}


def notice_pdf_url(notice: Notice) -> str | None:
    """Where the signed PDF is served, once it exists."""
    return reverse("approvals:notice_pdf", args=[notice.public_id]) if notice.rendered_at else None


def _render_notice(application: Application, kind: str, number: str, issued_at, context: dict) -> str:
    return render_to_string(f"approvals/notices/{kind}.html", {
        "application": application, "applicant": application.applicant, "number": number, "issued_at": issued_at,
        "issued_on": timezone.localdate(issued_at), "centre_name": settings.CENTRE_NAME,
        "title": Notice.Kind(kind).label, **context,
    })


def issue_notice(application: Application, kind: str, issued_by: User | None, context: dict, *, request=None,
                 audit: bool = True) -> Notice:
    issued_at = timezone.now()
    number = notice_number(kind, issued_at)
    notice = Notice.objects.create(
        application=application, kind=kind, number=number, title=str(Notice.Kind(kind).label),
        body_html=_render_notice(application, kind, number, issued_at, context), issued_at=issued_at,
        issued_by=issued_by,
    )
    # The signed PDF is made by a worker once the notice is committed (approvals.documents).
    transaction.on_commit(lambda: enqueue_render(notice.pk))
    if audit:
        record_audit(issued_by, "notice_issued", application, opinion=f"{notice.title}（{notice.number}）",
                     request=request, data={"notice": notice_ref(notice)})
    return notice


def appeal_rights_text() -> str:
    body = getattr(settings, "RECONSIDERATION_BODY", "") or _("本级人民政府")
    return _("如不服本决定，可以自收到本决定书之日起%(d)s日内向%(body)s申请行政复议，或者在%(m)s个月内依法向人民法院"
             "提起行政诉讼。") % {"d": RECONSIDERATION_DAYS, "body": body, "m": LITIGATION_MONTHS}


def notices_of(application: Application) -> list[Notice]:
    return list(Notice.objects.filter(application=application).defer("body_html").order_by("issued_at", "id"))
