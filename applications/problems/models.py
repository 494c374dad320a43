"""办不成事反映窗口 (the problem desk, 兜底服务) and 12345 hotline work orders.

A ProblemTicket is filed online (anyone; signed in or not, a contact is required), recorded by a desk clerk (at the
window, by phone, or from a 12345 work order typed in), or handed over by the city's 12345 platform through the API
(HotlinePlatform, one bearer token each, stored hashed; idempotent by the work-order number). It moves
received -> coordinating (assigned to a bureau section or a department, with a reply deadline in working days)
-> replied -> followed_up (the call back: who, when, what the filer said, satisfaction) -> closed. Overdue tickets
are escalated to the bureau's leaders once (escalated_at).

Imported by applications.models so the app label stays "applications".
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ProblemChannel(models.TextChoices):
    ONLINE = "online", _("网上反映")
    WINDOW = "window", _("窗口反映")
    PHONE = "phone", _("电话反映")
    HOTLINE = "12345", _("12345热线")


class ProblemStatus(models.TextChoices):
    RECEIVED = "received", _("已受理")
    COORDINATING = "coordinating", _("协调办理中")
    REPLIED = "replied", _("已答复")
    FOLLOWED_UP = "followed_up", _("已回访")
    CLOSED = "closed", _("已办结")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class HotlinePlatform(models.Model):
    """A 12345 hotline platform that hands work orders to the centre. Its bearer token is shown once when made
    (manage.py hotline_token) and only its SHA-256 is kept."""

    code = models.SlugField(_("平台编码"), max_length=32, unique=True)
    name = models.CharField(_("平台名称"), max_length=100)
    token_prefix = models.CharField(_("令牌前缀"), max_length=12, blank=True)
    token_hash = models.CharField(max_length=64, blank=True)
    token_created_at = models.DateTimeField(_("令牌生成时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近调用"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("12345热线平台")
        verbose_name_plural = _("12345热线平台")
        constraints = [models.UniqueConstraint(fields=["token_hash"], condition=~Q(token_hash=""),
                                               name="hotline_token_unique")]

    def __str__(self):
        return self.name


class ProblemTicket(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("反映编号"), max_length=20, unique=True)
    channel = models.CharField(_("反映渠道"), max_length=8, choices=ProblemChannel.choices)
    status = FSMField(_("状态"), default=ProblemStatus.RECEIVED, choices=ProblemStatus.choices, protected=True)
    title = models.CharField(_("反映事项"), max_length=200)
    description = models.TextField(_("问题描述"))
    related_case_number = models.CharField(_("相关办件编号"), max_length=50, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64)
    contact_mobile = models.CharField(_("联系电话"), max_length=20)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反映人账号"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="problem_tickets")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    platform = models.ForeignKey(HotlinePlatform, verbose_name=_("12345平台"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tickets")
    work_order_number = models.CharField(_("12345工单号"), max_length=40, blank=True)
    # What the platform sent, to answer a repeated work order (same body: the same ticket; another body: 409).
    work_order_digest = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("受理时间"))

    section = models.ForeignKey("catalog.Section", verbose_name=_("承办科室"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="problem_tickets")
    department = models.ForeignKey("catalog.Department", verbose_name=_("承办部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="problem_tickets")
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("交办人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    assignment_note = models.TextField(_("交办意见"), blank=True)
    reply_due_on = models.DateField(_("答复期限"), null=True, blank=True)

    reply = models.TextField(_("答复内容"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("答复人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    # Working days from assignment to the reply (portal clock), kept so the dashboards average them in SQL.
    reply_working_days = models.PositiveSmallIntegerField(_("答复用时（工作日）"), null=True, blank=True)

    follow_up_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    follow_up_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    follow_up_note = models.TextField(_("回访记录"), blank=True)
    satisfaction = models.CharField(_("满意度"), max_length=12, choices=Satisfaction.choices, blank=True)

    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("逾期督办时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("办不成事反映")
        verbose_name_plural = _("办不成事反映")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ProblemStatus.values), name="problem_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=ProblemChannel.values), name="problem_channel_valid"),
            models.CheckConstraint(condition=Q(satisfaction__in=["", *Satisfaction.values]),
                                   name="problem_satisfaction_valid"),
            models.CheckConstraint(condition=Q(platform__isnull=True) | Q(channel="12345", work_order_number__gt=""),
                                   name="problem_platform_has_work_order"),
            models.UniqueConstraint(fields=["platform", "work_order_number"], condition=Q(platform__isnull=False),
                                    name="problem_work_order_once"),
            models.CheckConstraint(condition=Q(section__isnull=True) | Q(department__isnull=True),
                                   name="problem_one_assignee"),
            models.CheckConstraint(
                condition=Q(status="received") | Q(assigned_at__isnull=False, reply_due_on__isnull=False)
                & (Q(section__isnull=False) | Q(department__isnull=False)),
                name="problem_assigned_has_due"),
            models.CheckConstraint(
                condition=Q(status__in=["received", "coordinating"]) | Q(replied_at__isnull=False, reply__gt=""),
                name="problem_replied_has_reply"),
            models.CheckConstraint(
                condition=~Q(status__in=["followed_up", "closed"]) | Q(follow_up_at__isnull=False,
                                                                         satisfaction__gt=""),
                name="problem_followed_up_has_call"),
        ]
        indexes = [
            # The overdue sweep reads only open assigned tickets not yet escalated.
            models.Index(fields=["reply_due_on"], condition=Q(status="coordinating", escalated_at__isnull=True),
                         name="problem_overdue_idx"),
            models.Index(fields=["status", "-received_at"], name="problem_queue_idx"),
            models.Index(fields=["filed_by", "-received_at"], name="problem_filer_idx"),
        ]

    def __str__(self):
        return self.number

    @property
    def assignee(self):
        return self.section or self.department

    @property
    def replied_on_time(self) -> bool | None:
        if self.replied_at is None or self.reply_due_on is None:
            return None
        from portal import clock

        return clock.local_date(self.replied_at) <= self.reply_due_on

    @property
    def mobile_tail(self) -> str:
        return self.contact_mobile[-4:]

    # Transitions: pure state changes; applications.problems.services sets the fields and writes the audit row.

    @transition(field=status, source=[ProblemStatus.RECEIVED, ProblemStatus.COORDINATING],
                target=ProblemStatus.COORDINATING)
    def assign(self):
        pass

    @transition(field=status, source=ProblemStatus.COORDINATING, target=ProblemStatus.REPLIED)
    def answer(self):
        pass

    @transition(field=status, source=ProblemStatus.REPLIED, target=ProblemStatus.FOLLOWED_UP)
    def follow_up(self):
        pass

    @transition(field=status, source=ProblemStatus.FOLLOWED_UP, target=ProblemStatus.CLOSED)
    def close(self):
        pass
