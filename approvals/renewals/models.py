"""Licence expiry and renewal (《中华人民共和国行政许可法》第五十条).

An ExpiryReminder row says the holder of a certificate was reminded (or, for a point passed while the worker was
down and a nearer one due, counted as reminded) at one point before its expiry: one row per (certificate, days
before), so a point is never reminded twice, whatever the sweep's runs.

A Renewal links a renewal application (a normal application of the same item, started from the licence) to the
licence it renews, with the last filing date that applied when it was started, and how it ended: granted by a
decision, or deemed granted because no decision was made before the licence expired. The renewed licence is the
new certificate (Certificate.renews points to the old one).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ExpiryReminder(models.Model):
    certificate = models.ForeignKey("approvals.Certificate", verbose_name=_("证照"), on_delete=models.PROTECT,
                                    related_name="expiry_reminders", db_index=False)  # the unique index serves it
    days_before = models.PositiveSmallIntegerField(_("到期前天数"))
    due_on = models.DateField(_("提醒日"))
    notified = models.BooleanField(_("已发送提醒"), default=True,
                                   help_text=_("补发时只提醒最近的一个时点，更早错过的时点记为已处理"))
    created_at = models.DateTimeField(_("处理时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证照到期提醒")
        verbose_name_plural = _("证照到期提醒")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days_before"], name="expiryreminder_once_per_point"),
        ]

    def __str__(self):
        return f"{self.certificate_id} · {self.days_before}"


class Renewal(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending", _("办理中")
        GRANTED = "granted", _("准予延续")
        DEEMED_GRANTED = "deemed_granted", _("逾期未作决定，视为准予延续")

    # A discarded draft takes its renewal link with it (the licence may then be renewed again).
    application = models.OneToOneField("applications.Application", verbose_name=_("延续申请"),
                                       on_delete=models.CASCADE, related_name="renewal")
    certificate = models.ForeignKey("approvals.Certificate", verbose_name=_("原证"), on_delete=models.PROTECT,
                                    related_name="renewal_requests")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), on_delete=models.PROTECT,
                                   related_name="+", db_index=False)
    created_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    lead_days = models.PositiveSmallIntegerField(_("提前申请天数"))
    file_by = models.DateField(_("最迟申请日"), help_text=_("原证有效期届满前应提出延续申请的最后一日"))
    expires_on = models.DateField(_("原证有效期至"))  # the old certificate's valid_until (never changes)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    decided_at = models.DateTimeField(_("结果时间"), null=True, blank=True)
    new_certificate = models.OneToOneField("approvals.Certificate", verbose_name=_("延续后的新证"), null=True,
                                           blank=True, on_delete=models.PROTECT, related_name="renewal_record")

    class Meta:
        verbose_name = _("证照延续")
        verbose_name_plural = _("证照延续")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(outcome__in=["pending", "granted", "deemed_granted"]),
                                   name="renewal_outcome_valid"),
            models.CheckConstraint(condition=Q(file_by__lte=models.F("expires_on")), name="renewal_file_by_ordered"),
            models.CheckConstraint(condition=Q(outcome="pending", new_certificate__isnull=True, decided_at__isnull=True)
                                   | ~Q(outcome="pending") & Q(new_certificate__isnull=False, decided_at__isnull=False),
                                   name="renewal_outcome_recorded"),
            # A licence is renewed once.
            models.UniqueConstraint(fields=["certificate"], condition=~Q(outcome="pending"),
                                    name="renewal_once_per_certificate"),
        ]
        indexes = [
            # The deemed-renewal sweep reads pending renewals of expired licences only.
            models.Index(fields=["expires_on"], condition=Q(outcome="pending"), name="renewal_pending_expiry_idx"),
        ]

    def __str__(self):
        return f"{self.application} · {self.get_outcome_display()}"
