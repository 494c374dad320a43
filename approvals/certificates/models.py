"""The certificate (证照) of an approved case, and the registry it forms.

A certificate is written once. Its data (number, electronic licence id, holder, scope, validity) and, once
rendered, its PDF and the PDF's SHA-256 never change: a database trigger (migration
approvals.0007_certificates) refuses any such UPDATE, and no DELETE. Only its standing changes: valid ->
suspended / revoked / superseded (a correction issues a new version that supersedes the old one). "Expired" is
not stored: it is `valid_until < today` and is read that way everywhere (approvals.certificates.rules).
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def certificate_pdf_path(instance, filename: str) -> str:
    """A generated name (the certificate's random id), never the number or the holder's name."""
    issued = instance.issued_at or timezone.now()
    return f"certificates/{issued:%Y/%m}/{instance.public_id.hex}.pdf"


class Certificate(models.Model):
    class Standing(models.TextChoices):
        VALID = "valid", _("有效")
        SUSPENDED = "suspended", _("暂扣")
        REVOKED = "revoked", _("已撤销")
        SUPERSEDED = "superseded", _("已换发新证")

    class Basis(models.TextChoices):
        DECISION = "decision", _("准予行政许可决定")
        ON_THE_SPOT = "on_the_spot", _("当场准予许可")
        CORRECTION = "correction", _("更正换发")
        DEEMED_RENEWAL = "deemed_renewal", _("延续视为准予（逾期未作决定）")

    # How a certificate reads on a day (approvals.certificates.rules.reading): its standing, or expired by date.
    READING_LABELS = {
        "valid": _("有效"), "expired": _("已过期"), "suspended": _("已暂扣"), "revoked": _("已撤销"),
        "superseded": _("已换发新证"), "not_yet_valid": _("尚未生效"),
    }
    HOLDER_ID_TYPES = {"111": _("居民身份证"), "001": _("统一社会信用代码")}

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), on_delete=models.PROTECT,
                                    related_name="certificates")
    case = models.ForeignKey("approvals.ApprovalCase", verbose_name=_("审批案件"), on_delete=models.PROTECT,
                             related_name="certificates")
    decision = models.ForeignKey("approvals.Decision", verbose_name=_("审批决定"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="certificates")
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("出证依据"), max_length=16, choices=Basis.choices)
    name = models.CharField(_("证照名称"), max_length=100)
    type_code = models.CharField(_("证照类型代码"), max_length=21)
    licence_number = models.CharField(_("证照编号"), max_length=60)  # kept by a corrected version
    electronic_id = models.CharField(_("电子证照标识"), max_length=100, unique=True)
    serial = models.CharField(_("流水号"), max_length=32)
    version = models.PositiveSmallIntegerField(_("版本号"), default=1)
    holder_name = models.CharField(_("持证主体"), max_length=200)
    holder_id_type = models.CharField(_("持证主体证件类型"), max_length=3, blank=True)
    holder_id_number = models.CharField(_("持证主体证件号码"), max_length=18, blank=True)
    scope = models.TextField(_("许可范围"), blank=True)
    valid_from = models.DateField(_("有效期自"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("为空表示长期有效"))
    issuer_name = models.CharField(_("发证机关"), max_length=100)
    issuer_code = models.CharField(_("发证机关统一社会信用代码"), max_length=18)
    issued_at = models.DateTimeField(_("发证时间"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("说明"), blank=True, help_text=_("例如：延续视为准予的理由、更正的内容"))
    supersedes = models.OneToOneField("self", verbose_name=_("替代的旧证"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    renews = models.ForeignKey("self", verbose_name=_("延续的原证"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="renewals")
    standing = models.CharField(_("证照状态"), max_length=12, choices=Standing.choices, default=Standing.VALID)
    standing_changed_at = models.DateTimeField(_("状态变更时间"), null=True, blank=True)
    standing_reason = models.TextField(_("状态变更原因"), blank=True)
    # The signed PDF (approvals.certificates.documents): written once after the commit, never re-rendered.
    pdf = models.FileField(_("PDF 证照"), upload_to=certificate_pdf_path, max_length=200, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("证照")
        verbose_name_plural = _("证照")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["licence_number", "version"], name="certificate_number_version_unique"),
            models.CheckConstraint(condition=Q(standing__in=["valid", "suspended", "revoked", "superseded"]),
                                   name="certificate_standing_valid"),
            models.CheckConstraint(condition=Q(basis__in=["decision", "on_the_spot", "correction", "deemed_renewal"]),
                                   name="certificate_basis_valid"),
            models.CheckConstraint(condition=Q(version__gte=1, version__lte=999), name="certificate_version_range"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                                   name="certificate_validity_ordered"),
            models.CheckConstraint(condition=Q(rendered_at__isnull=True) | ~Q(pdf="") & ~Q(pdf_sha256=""),
                                   name="certificate_rendered_has_pdf"),
            models.CheckConstraint(condition=Q(standing="valid") | Q(standing_changed_at__isnull=False),
                                   name="certificate_standing_dated"),
            models.CheckConstraint(condition=Q(basis="decision", decision__isnull=False) | ~Q(basis="decision"),
                                   name="certificate_decision_basis"),
            models.CheckConstraint(condition=Q(basis="correction", supersedes__isnull=False) | ~Q(basis="correction"),
                                   name="certificate_correction_supersedes"),
            models.CheckConstraint(condition=Q(basis="deemed_renewal", renews__isnull=False)
                                   | ~Q(basis="deemed_renewal"), name="certificate_deemed_renewal_renews"),
        ]
        indexes = [
            models.Index(fields=["holder_id_number", "-issued_at"], name="certificate_holder"),
            # The registry search by the start of the holder's name (LIKE 'prefix%', any collation; no pg_trgm).
            models.Index(fields=["holder_name"], opclasses=["varchar_pattern_ops"],
                         name="certificate_holder_name_prefix"),
            models.Index(fields=["valid_until"], condition=Q(standing="valid"), name="certificate_valid_expiry"),
            models.Index(fields=["issued_at"], condition=Q(rendered_at__isnull=True), name="certificate_unrendered"),
        ]

    def __str__(self):
        return f"{self.name}（{self.licence_number}）"

    def holder_id_type_label(self) -> str:
        return str(self.HOLDER_ID_TYPES.get(self.holder_id_type, _("其他证件")))
