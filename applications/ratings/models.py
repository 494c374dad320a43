"""好差评: the applicant's rating of a completed application (online, once per application) or of a visit at the
window (the tablet page a clerk hands over, once per visit); every bad rating opens a rectification ticket
(差评整改) for the responsible section with a working-day deadline; a section head may ask that a rating be
recognised as malicious (恶意差评申诉), which a bureau leader confirms or rejects.

Imported by applications/models.py so the tables belong to the app label "applications". The satisfaction codes
are those of GB/T 39046 (5 非常满意 .. 1 非常不满意), the channel codes those of catalog.codesets.Channel.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

BAD_LEVELS = (1, 2)
GOOD_LEVELS = (3, 4, 5)
ONLINE_CHANNELS = ("2", "3")


class Level(models.IntegerChoices):
    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


class WindowVisit(models.Model):
    """One service at the window, opened by the clerk who served the person; rated at most once (its token is
    the rating page's address, kept on the clerk's tablet)."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("窗口人员"), on_delete=models.PROTECT,
                              related_name="+")
    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="window_visits")
    purpose = models.CharField(_("办理内容"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("服务时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("窗口服务")
        verbose_name_plural = _("窗口服务")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.application or self.purpose or _('窗口服务')}（{self.created_at:%Y-%m-%d %H:%M}）"


class Rating(models.Model):
    """One rating (好差评). The responsible item, section and department are fixed when it is given, so the
    figures group by them without joining the application."""

    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="ratings")
    visit = models.OneToOneField(WindowVisit, verbose_name=_("窗口服务"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="rating")
    channel = models.CharField(_("评价渠道"), max_length=1, choices=[("1", _("窗口（评价器）")), ("2", _("PC端")),
                                                                  ("3", _("移动端"))])
    level = models.PositiveSmallIntegerField(_("评价等级"), choices=Level.choices)
    comment = models.TextField(_("评价内容"), blank=True)
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评价账号"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey("applications.Applicant", verbose_name=_("评价人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="ratings")
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    section = models.ForeignKey("catalog.Section", verbose_name=_("责任科室"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("catalog.Department", verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("评价时间"), auto_now_add=True, db_index=True)
    # Set when a leader confirms an appeal: excluded from the satisfaction figures.
    malicious = models.BooleanField(_("已认定恶意差评"), default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("服务评价")
        verbose_name_plural = _("服务评价")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level_range"),
            models.CheckConstraint(
                condition=Q(visit__isnull=False, channel="1")
                | Q(visit__isnull=True, channel__in=ONLINE_CHANNELS, application__isnull=False, rater__isnull=False),
                name="rating_channel_matches_source",
            ),
            # Once per application online (a window visit has its own, once per visit: the one-to-one above).
            models.UniqueConstraint(fields=["application"], condition=Q(visit__isnull=True),
                                    name="rating_once_online"),
            models.CheckConstraint(condition=Q(malicious=False) | Q(level__in=BAD_LEVELS),
                                   name="rating_malicious_is_bad"),
        ]
        indexes = [
            models.Index(fields=["department", "created_at"], name="rating_department_idx"),
            models.Index(fields=["section", "created_at"], name="rating_section_idx"),
        ]

    def __str__(self):
        return f"{self.get_level_display()}（{self.created_at:%Y-%m-%d}）" if self.created_at else self.get_level_display()

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_LEVELS


class TicketStatus(models.TextChoices):
    AWAITING_CALL = "awaiting_call", _("待回访")
    CALLED = "called", _("已回访")
    RECTIFIED = "rectified", _("已整改")
    CLOSED = "closed", _("已办结")
    VOID = "void", _("已认定恶意差评")


OPEN_TICKET_STATUSES = (TicketStatus.AWAITING_CALL, TicketStatus.CALLED, TicketStatus.RECTIFIED)


class RectificationTicket(models.Model):
    """差评整改: opened with every bad rating, for the responsible section, due in working days; the follow-up
    call (回访), the rectification (整改) and the applicant's view afterwards close it."""

    class View(models.TextChoices):
        SATISFIED = "satisfied", _("满意")
        DISSATISFIED = "dissatisfied", _("不满意")

    rating = models.OneToOneField(Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="ticket")
    section = models.ForeignKey("catalog.Section", verbose_name=_("责任科室"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="rectification_tickets")
    status = models.CharField(_("整改状态"), max_length=16, choices=TicketStatus.choices,
                              default=TicketStatus.AWAITING_CALL)
    opened_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    due_on = models.DateField(_("整改期限"))
    call_on = models.DateField(_("回访日期"), null=True, blank=True)
    call_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    call_contact = models.CharField(_("回访对象"), max_length=64, blank=True)
    call_notes = models.TextField(_("申请人反映的情况"), blank=True)
    rectification = models.TextField(_("整改情况"), blank=True)
    rectified_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    rectified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("整改人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    applicant_view = models.CharField(_("申请人对整改的评价"), max_length=12, choices=View.choices, blank=True)
    closing_notes = models.TextField(_("办结说明"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("办结人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TicketStatus.values), name="ticket_status_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["awaiting_call", "void"]) | Q(call_on__isnull=False, call_by__isnull=False),
                name="ticket_called_has_call",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["rectified", "closed"]) | Q(rectified_at__isnull=False),
                name="ticket_rectified_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (Q(closed_at__isnull=False) & ~Q(applicant_view="")),
                name="ticket_closed_has_view",
            ),
        ]
        indexes = [
            models.Index(fields=["section", "due_on"], condition=Q(status__in=["awaiting_call", "called", "rectified"]),
                         name="ticket_open_idx"),
        ]

    def __str__(self):
        return _("差评整改 #%(n)s") % {"n": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_TICKET_STATUSES


class MaliciousAppeal(models.Model):
    """A section head's request that a bad rating be recognised as malicious (恶意差评), with the reason; a bureau
    leader confirms (the rating leaves the figures, its ticket is voided) or rejects it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("待局领导确认")
        CONFIRMED = "confirmed", _("已认定恶意差评")
        REJECTED = "rejected", _("申诉不成立")

    rating = models.ForeignKey(Rating, verbose_name=_("评价"), on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField(_("申诉理由"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申诉人"), on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    decision_notes = models.TextField(_("确认意见"), blank=True)

    class Meta:
        verbose_name = _("恶意差评申诉")
        verbose_name_plural = _("恶意差评申诉")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rating"], condition=Q(outcome="pending"), name="appeal_one_pending"),
            models.CheckConstraint(condition=Q(outcome="pending") | Q(decided_by__isnull=False, decided_at__isnull=False),
                                   name="appeal_decided_has_decider"),
            models.CheckConstraint(condition=~Q(decided_by=models.F("requested_by")), name="appeal_not_own"),
        ]

    def __str__(self):
        return _("恶意差评申诉 #%(n)s") % {"n": self.pk}
