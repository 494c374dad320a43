"""The staff side: the receive stage (intake claims, notices) and the approval case each accepted item opens.

ApprovalCase is the seam for the staged-workflow issue: it exists from acceptance with its due dates and the
first stage (received); review, inspection, legal review and decision are added there as transitions on
`stage`, with suspensions and extensions as rows that the deadline computation (portal.clock) reads.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class Stage(models.TextChoices):
    RECEIVED = "received", _("已受理，待审查")
    REVIEW = "review", _("审查")
    INSPECTION = "inspection", _("现场勘验")
    LEGAL_REVIEW = "legal_review", _("法制审核")
    DECISION = "decision", _("决定")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    WITHDRAWN = "withdrawn", _("申请人撤回")
    TERMINATED = "terminated", _("终止办理")


CLOSED_STAGES = [Stage.APPROVED, Stage.DENIED, Stage.WITHDRAWN, Stage.TERMINATED]


class ApprovalCase(ConcurrentTransitionMixin, models.Model):
    """One item of one accepted application on its way to a decision (a bundle opens one per item at once).

    Due dates are computed at acceptance by portal.clock from the acceptance date and the item version's
    limits, or the bundle's joint limit (Art. 26) when the bundle is handled jointly (in parallel).
    """

    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                    related_name="approval_cases")
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+")
    item_version = models.ForeignKey("catalog.ItemVersion", verbose_name=_("事项版本"), on_delete=models.PROTECT,
                                     related_name="+")
    section = models.ForeignKey("catalog.Section", verbose_name=_("承办科室"), on_delete=models.PROTECT,
                                related_name="approval_cases")
    stage = FSMField(_("环节"), default=Stage.RECEIVED, choices=Stage.choices, protected=True)
    accepted_at = models.DateTimeField(_("受理时间"))
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("受理人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    help_text=_("为空表示逾期视为受理（系统）"))
    statutory_due_date = models.DateField(_("法定办结期限"))
    promised_due_date = models.DateField(_("承诺办结期限"))
    by_commitment = models.BooleanField(_("告知承诺制"), default=False)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审批案件")
        verbose_name_plural = _("审批案件")
        ordering = ["promised_due_date", "id"]
        permissions = [("decide_instant", _("可当场办结即办件和告知承诺件"))]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="approvalcase_one_per_item"),
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="approvalcase_stage_valid"),
            models.CheckConstraint(condition=Q(promised_due_date__lte=F("statutory_due_date")),
                                   name="approvalcase_promised_within_statutory"),
            models.CheckConstraint(
                condition=~Q(stage__in=["approved", "denied"]) | Q(decided_at__isnull=False),
                name="approvalcase_decided_has_time",
            ),
        ]
        indexes = [
            # Queues and deadline sweeps read open cases only; they stay a small part of a growing table.
            models.Index(fields=["section", "promised_due_date"], condition=~Q(stage__in=CLOSED_STAGES),
                         name="approvalcase_open_idx"),
        ]

    def __str__(self):
        return f"{self.application} · {self.item_version.name}" if self.item_version_id else str(self.pk)

    @transition(field=stage, source=Stage.RECEIVED, target=Stage.APPROVED)
    def approve_on_the_spot(self):
        """即办件 / 告知承诺: decided at the window at once."""

    @transition(field=stage, source=[Stage.RECEIVED, Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW,
                                     Stage.DECISION], target=Stage.WITHDRAWN)
    def withdraw(self):
        """The applicant withdrew the application before the decision."""

    @property
    def is_open(self) -> bool:
        return self.stage not in CLOSED_STAGES


class IntakeClaim(models.Model):
    """A clerk has taken a submitted application from the queue; one clerk at a time (unique)."""

    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE,
                                       related_name="intake_claim")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_claims")
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("受理认领")
        verbose_name_plural = _("受理认领")


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

    NUMBER_PREFIX = {
        "acceptance": "受", "supplement": "补", "refusal": "不受", "tolerance": "容受", "commitment": "诺受",
        "instant": "准",
    }

    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                    related_name="notices")
    kind = models.CharField(_("文书类型"), max_length=12, choices=Kind.choices)
    number = models.CharField(_("文书编号"), max_length=60, unique=True)
    title = models.CharField(_("标题"), max_length=100)
    body_html = models.TextField(_("正文"))
    issued_at = models.DateTimeField(_("签发时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("受理文书")
        verbose_name_plural = _("受理文书")
        ordering = ["issued_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(kind__in=["acceptance", "supplement", "refusal",
                                                                    "tolerance", "commitment", "instant"]),
                                              name="notice_kind_valid")]

    def __str__(self):
        return f"{self.title}（{self.number}）"
