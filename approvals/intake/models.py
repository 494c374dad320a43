"""The receive stage's own data: which clerk has taken a submitted application from the queue, and how the
results of a decided application were handed over at the issuing window (统一窗口出件)."""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

class IntakeClaim(models.Model):
    """A clerk has taken a submitted application from the queue; one clerk at a time (unique)."""

    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE,
                                       related_name="intake_claim")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_claims")
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("受理认领")
        verbose_name_plural = _("受理认领")


TRACKING_NUMBER_PATTERN = r"^[0-9A-Z]{8,30}$"
OTHER_ID_PATTERN = r"^[0-9A-Z]{5,30}$"


class Handover(models.Model):
    """The results of one application handed over, once (Art. 44): at the window to a person whose ID the clerk
    checked and who signed the paper receipt, or sent by post with a carrier and a tracking number. Recording it
    issues and closes the application (approvals.intake.services.record_handover); never changed afterwards."""

    class Method(models.TextChoices):
        WINDOW = "window", _("窗口领取")
        POST = "post", _("邮寄送达")

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        AGENT = "agent", _("委托代理人")
        LEGAL_REPRESENTATIVE = "legal_rep", _("法定代表人")

    class IdType(models.TextChoices):
        """Identity documents a recipient shows (the codes of the national code set of ID types)."""

        CITIZEN_ID = "111", _("居民身份证")
        PASSPORT = "414", _("普通护照")
        HK_MACAO_PERMIT = "516", _("港澳居民来往内地通行证")
        TAIWAN_PERMIT = "511", _("台湾居民来往大陆通行证")
        FOREIGN_RESIDENT = "553", _("外国人永久居留身份证")
        OTHER = "990", _("其他证件")

    class Carrier(models.TextChoices):
        EMS = "ems", _("EMS")
        SF = "sf", _("顺丰")
        JD = "jd", _("京东")
        OTHER = "other", _("其他")

    application = models.OneToOneField("applications.Application", verbose_name=_("办件"),
                                       on_delete=models.PROTECT, related_name="handover")
    method = models.CharField(_("出件方式"), max_length=8, choices=Method.choices)
    recipient_name = models.CharField(_("领取人（收件人）"), max_length=64)
    relation = models.CharField(_("与申请人关系"), max_length=10, choices=Relation.choices, blank=True)
    recipient_id_type = models.CharField(_("证件类型"), max_length=3, choices=IdType.choices, blank=True)
    recipient_id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    id_checked = models.BooleanField(_("已核验身份证件"), default=False)
    receipt_signed = models.BooleanField(_("领取人已在纸质回执上签字"), default=False)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    carrier = models.CharField(_("寄递企业"), max_length=8, choices=Carrier.choices, blank=True)
    tracking_number = models.CharField(_("运单号"), max_length=30, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("经办人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("出件时间"))

    class Meta:
        verbose_name = _("统一出件记录")
        verbose_name_plural = _("统一出件记录")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(method__in=["window", "post"]), name="handover_method_valid"),
            models.CheckConstraint(condition=~Q(recipient_name=""), name="handover_has_recipient"),
            models.CheckConstraint(condition=Q(relation__in=["", "self", "agent", "legal_rep"]),
                                   name="handover_relation_valid"),
            models.CheckConstraint(condition=Q(carrier__in=["", "ems", "sf", "jd", "other"]),
                                   name="handover_carrier_valid"),
            # At the window: whose hands, which ID (checked), and the signed receipt; nothing of the post.
            models.CheckConstraint(
                condition=~Q(method="window") | (Q(id_checked=True, receipt_signed=True, carrier="", tracking_number="")
                                                 & ~Q(relation="") & ~Q(recipient_id_type="")
                                                 & ~Q(recipient_id_number="")),
                name="handover_window_checked_and_signed",
            ),
            # By post: the carrier and a well-formed tracking number.
            models.CheckConstraint(
                condition=~Q(method="post") | (~Q(carrier="") & Q(tracking_number__regex=TRACKING_NUMBER_PATTERN)),
                name="handover_post_tracked",
            ),
            # An ID number goes with its type, and a citizen ID has the shape of one (the check character is the
            # service's business: portal.validators).
            models.CheckConstraint(
                condition=Q(recipient_id_type="", recipient_id_number="")
                | (Q(recipient_id_type__in=["111", "414", "516", "511", "553", "990"]) & ~Q(recipient_id_number="")),
                name="handover_id_type_and_number",
            ),
            models.CheckConstraint(
                condition=Q(recipient_id_number="")
                | Q(recipient_id_type="111", recipient_id_number__regex=r"^[0-9]{17}[0-9X]$")
                | (~Q(recipient_id_type="111") & Q(recipient_id_number__regex=OTHER_ID_PATTERN)),
                name="handover_id_number_format",
            ),
        ]

    def __str__(self):
        return f"{self.application} {self.get_method_display()}"
