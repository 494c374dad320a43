"""The staff side's data. The written notices are shared by both packages (intake issues acceptance,
supplement and refusal notices; the staged workflow issues decisions, extensions and suspensions); each package
keeps its own models (approvals/intake/models.py, approvals/cases/models.py, approvals/certificates/models.py,
approvals/renewals/models.py), imported here so that Django finds them all under the app label "approvals" and the
tables keep their names.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals.cases.models import (  # noqa: F401 - the package's models belong to this app
    CLOSED_STAGES,
    DECIDED_STAGES,
    OPEN_STAGES,
    QUEUE_STAGES,
    ApprovalCase,
    CaseWarning,
    Colour,
    Decision,
    DecisionDraft,
    ExtensionRequest,
    Inspection,
    InspectionEvidence,
    LegalReview,
    Stage,
    Suspension,
    TimerSweep,
)
from approvals.certificates.models import Certificate  # noqa: F401
from approvals.intake.models import Handover, IntakeClaim  # noqa: F401
from approvals.oversight.models import DayFigure  # noqa: F401
from approvals.renewals.models import ExpiryReminder, Renewal  # noqa: F401

def notice_pdf_path(instance, filename: str) -> str:
    """A generated name (the notice's random id), never the number or the applicant's name."""
    issued = instance.issued_at or timezone.now()
    return f"notices/{issued:%Y/%m}/{instance.public_id.hex}.pdf"


class Notice(models.Model):
    """A written notice of the receive stage (受理通知书, 补正告知书, 不予受理决定书, ...): HTML rendered from a
    template at issue time and never changed; becomes a sealed PDF in the documents issue."""

    class Kind(models.TextChoices):
        ACCEPTANCE = "acceptance", _("受理通知书")
        SUPPLEMENT = "supplement", _("补正材料一次性告知书")
        REFUSAL = "refusal", _("不予受理决定书")
        TOLERANCE = "tolerance", _("容缺受理通知书")
        COMMITMENT = "commitment", _("告知承诺受理通知书")
        INSTANT_DECISION = "instant", _("准予行政许可决定书（当场办结）")
        APPROVAL = "approval", _("准予行政许可决定书")
        DENIAL = "denial", _("不予行政许可决定书")
        EXTENSION = "extension", _("延长审批期限告知书")
        SUSPENSION = "suspension", _("特别程序（期限中止）告知书")
        RESUMPTION = "resumption", _("恢复计算审批期限告知书")

    NUMBER_PREFIX = {
        "acceptance": "受", "supplement": "补", "refusal": "不受", "tolerance": "容受", "commitment": "诺受",
        "instant": "准", "approval": "许", "denial": "不许", "extension": "延", "suspension": "特",
        "resumption": "复",
    }

    # The address of a notice (pages, API, the timeline): random, so no one reads notices by counting.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                    related_name="notices")
    kind = models.CharField(_("文书类型"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("文书编号"), max_length=60, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    body_html = models.TextField(_("正文"))
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # The signed PDF (approvals.documents.render_notice_pdf): written once after the commit, never re-rendered.
    pdf = models.FileField(_("PDF 文书"), upload_to=notice_pdf_path, max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("受理文书")
        verbose_name_plural = _("受理文书")
        ordering = ["issued_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["acceptance", "supplement", "refusal",
                                                                    "tolerance", "commitment", "instant",
                                                                    "approval", "denial", "extension",
                                                                    "suspension", "resumption"]),
                                              name="notice_kind_valid"),
                       models.CheckConstraint(condition=Q(rendered_at__isnull=True) | ~Q(pdf="") & ~Q(pdf_sha256=""),
                                              name="notice_rendered_has_pdf")]
        indexes = [models.Index(fields=["issued_at"], condition=Q(rendered_at__isnull=True),
                                name="notice_unrendered"),
                   # The dashboards count refusals, 容缺 and 告知承诺 acceptances by their notices in a period.
                   models.Index(fields=["kind", "issued_at"], name="notice_kind_issued_idx")]

    def __str__(self):
        return f"{self.title}（{self.number}）"
