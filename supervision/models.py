"""审管联动: what the supervising departments receive from the bureau and report back.

Every outbox event about an item (portal.outbox: case decided, certificate revoked or superseded, application
withdrawn after a handoff, 告知承诺 acceptance) becomes one Handoff for the item's supervising department, numbered
in that department's own sequence (Feed.last_sequence) and keyed by the event, so an event never makes two
handoffs. A department receives its handoffs by push (Subscription: a webhook, one Delivery per handoff with its
attempts) and by pull (the feed API, with DepartmentToken and Feed.acknowledged_sequence); it claims each
handoff (认领) within a number of working days and reports back SupervisionRecords (inspection, rectification,
penalty, suspension, revocation, the post-approval check of a 告知承诺 commitment). Departments post RuleChangeNotices.
"""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import StoredFile


class Feed(models.Model):
    """One per department (or 12345 hotline platform): the last sequence number given, and the last one the
    recipient acknowledged."""

    department = models.OneToOneField("catalog.Department", verbose_name=_("监管部门"), on_delete=models.PROTECT,
                                      related_name="supervision_feed", null=True, blank=True)
    platform = models.OneToOneField("applications.HotlinePlatform", verbose_name=_("12345平台"),
                                    on_delete=models.PROTECT, related_name="supervision_feed", null=True, blank=True)
    last_sequence = models.PositiveBigIntegerField(_("最新序号"), default=0)
    acknowledged_sequence = models.PositiveBigIntegerField(_("已确认序号"), default=0)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("推送序列")
        verbose_name_plural = _("推送序列")
        constraints = [models.CheckConstraint(condition=Q(acknowledged_sequence__lte=F("last_sequence")),
                                              name="feed_ack_not_ahead"),
                       models.CheckConstraint(condition=Q(department__isnull=True) ^ Q(platform__isnull=True),
                                              name="feed_one_recipient")]

    def __str__(self):
        return f"{self.department or self.platform} #{self.last_sequence}"


class Handoff(models.Model):
    class Kind(models.TextChoices):
        DECISION = "decision", _("审批决定")
        REVOCATION = "revocation", _("证照撤销")
        SUPERSEDED = "superseded", _("证照换发")
        WITHDRAWAL = "withdrawal", _("申请撤回")
        COMMITMENT = "commitment", _("告知承诺核查")
        # To a 12345 hotline platform (recipient `platform`, not a department): a work order's reply and follow-up.
        PROBLEM_REPLY = "reply", _("12345工单答复")
        PROBLEM_FOLLOW_UP = "follow_up", _("12345工单回访结果")

    KIND_BY_TOPIC = {"case.decided": Kind.DECISION, "certificate.revoked": Kind.REVOCATION,
                     "certificate.superseded": Kind.SUPERSEDED, "application.withdrawn": Kind.WITHDRAWAL,
                     "commitment.accepted": Kind.COMMITMENT, "problem.replied": Kind.PROBLEM_REPLY,
                     "problem.followed_up": Kind.PROBLEM_FOLLOW_UP}

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey("catalog.Department", verbose_name=_("监管部门"), on_delete=models.PROTECT,
                                   related_name="handoffs", null=True, blank=True)
    platform = models.ForeignKey("applications.HotlinePlatform", verbose_name=_("12345平台"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="handoffs")
    ticket = models.ForeignKey("applications.ProblemTicket", verbose_name=_("办不成事反映"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveBigIntegerField(_("序号"))
    event_id = models.UUIDField(_("事件编号"))
    # The id a receiver de-duplicates on: the same in every delivery attempt and in the pull feed.
    idempotency_key = models.CharField(_("幂等键"), max_length=80, unique=True)
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    payload = models.JSONField(_("内容"), default=dict)
    application = models.ForeignKey("applications.Application", verbose_name=_("办件"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("approvals.ApprovalCase", verbose_name=_("审批案件"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    certificate = models.ForeignKey("approvals.Certificate", verbose_name=_("证照"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")
    created_at = models.DateTimeField(_("推送时间"), default=timezone.now)
    claim_due_on = models.DateField(_("认领期限"), null=True, blank=True)  # none for a platform: nothing to claim
    claimed_at = models.DateTimeField(_("认领时间"), null=True, blank=True)
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("认领人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    overdue_since = models.DateField(_("逾期未认领自"), null=True, blank=True)
    # 告知承诺: the date by which the department must have checked the commitment (核查).
    check_due_on = models.DateField(_("核查期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("审管推送")
        verbose_name_plural = _("审管推送")
        ordering = ["department", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["department", "sequence"], name="handoff_sequence_unique"),
            models.UniqueConstraint(fields=["event_id", "department"], name="handoff_once_per_event"),
            models.UniqueConstraint(fields=["platform", "sequence"], name="handoff_platform_sequence_unique"),
            models.UniqueConstraint(fields=["event_id", "platform"], condition=Q(platform__isnull=False),
                                    name="handoff_once_per_platform_event"),
            models.CheckConstraint(condition=Q(kind__in=["decision", "revocation", "superseded", "withdrawal",
                                                         "commitment", "reply", "follow_up"]),
                                   name="handoff_kind_valid_v2"),
            models.CheckConstraint(condition=Q(department__isnull=True) ^ Q(platform__isnull=True),
                                   name="handoff_one_recipient"),
            models.CheckConstraint(condition=Q(platform__isnull=False) | Q(claim_due_on__isnull=False),
                                   name="handoff_department_has_claim_due"),
            models.CheckConstraint(condition=Q(claimed_at__isnull=True) | Q(claimed_by__isnull=False),
                                   name="handoff_claim_has_claimer"),
        ]
        indexes = [
            models.Index(fields=["claim_due_on"], condition=Q(claimed_at__isnull=True), name="handoff_unclaimed"),
            models.Index(fields=["application"], name="handoff_application"),
            # The dashboards' claim rates (selectors.claim_rates): a period's handoffs read from the index alone.
            models.Index(fields=["created_at"], include=["department", "item", "claimed_at", "claim_due_on"],
                         condition=Q(department__isnull=False), name="handoff_dashboard_cover"),
        ]

    def __str__(self):
        return f"{self.department or self.platform} #{self.sequence} {self.get_kind_display()}"


class Subscription(models.Model):
    """A department's webhook (Standard Webhooks v1): where its handoffs are pushed and the secret they are signed
    with (`whsec_` + base64). During a rotation the previous secret signs too, until `previous_secret_until`."""

    department = models.ForeignKey("catalog.Department", verbose_name=_("监管部门"), on_delete=models.PROTECT,
                                   related_name="subscriptions", null=True, blank=True)
    # Or a 12345 hotline platform, which receives its work orders' replies and follow-up results.
    platform = models.ForeignKey("applications.HotlinePlatform", verbose_name=_("12345平台"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="subscriptions")
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=100)
    previous_secret = models.CharField(_("轮换中的旧密钥"), max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(_("旧密钥停用时间"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("推送订阅")
        verbose_name_plural = _("推送订阅")
        constraints = [models.CheckConstraint(condition=Q(department__isnull=True) ^ Q(platform__isnull=True),
                                              name="subscription_one_recipient")]

    def __str__(self):
        return f"{self.recipient} · {self.name}"

    @property
    def recipient(self):
        return self.department or self.platform


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待投递")
        DELIVERED = "delivered", _("已送达")
        DEAD = "dead", _("投递失败（待人工重投）")

    subscription = models.ForeignKey(Subscription, on_delete=models.PROTECT, related_name="deliveries")
    handoff = models.ForeignKey(Handoff, on_delete=models.PROTECT, related_name="deliveries")
    sequence = models.PositiveBigIntegerField(_("序号"))  # the handoff's, for ordered delivery by index
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("已尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("推送投递")
        verbose_name_plural = _("推送投递")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "handoff"], name="delivery_once_per_subscription"),
            models.CheckConstraint(condition=Q(status__in=["pending", "delivered", "dead"]),
                                   name="delivery_status_valid"),
        ]
        indexes = [models.Index(fields=["subscription", "sequence"], condition=Q(status="pending"),
                                name="delivery_pending")]


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField(_("时间"))
    http_status = models.PositiveSmallIntegerField(_("HTTP 状态"), null=True, blank=True)
    latency_ms = models.PositiveIntegerField(_("耗时（毫秒）"))
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["id"]


class DepartmentToken(models.Model):
    """An API token of one department for the pull feed: only its SHA-256 is stored; shown once when made."""

    department = models.ForeignKey("catalog.Department", verbose_name=_("监管部门"), on_delete=models.PROTECT,
                                   related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("部门接口令牌")
        verbose_name_plural = _("部门接口令牌")

    def __str__(self):
        return f"{self.department} · {self.name} ({self.prefix}…)"


class SupervisionRecord(models.Model):
    """What a department reports back on a claimed handoff (双向推送), with its decision document."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("监督检查结果")
        RECTIFICATION = "rectification", _("责令整改")
        PENALTY = "penalty", _("行政处罚")
        SUSPENSION = "suspension", _("暂扣许可证件")
        REVOCATION = "revocation", _("撤销（吊销）许可")
        COMMITMENT_CONFIRMED = "commitment_ok", _("承诺核查属实")
        COMMITMENT_FALSE = "commitment_false", _("承诺不实")

    # Kinds that change the certificate's standing.
    CERTIFICATE_ACTIONS = {"suspension": "suspended", "revocation": "revoked", "commitment_false": "revoked"}

    handoff = models.ForeignKey(Handoff, verbose_name=_("推送"), on_delete=models.PROTECT, related_name="records")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    summary = models.TextField(_("结果说明"))
    document_number = models.CharField(_("文书编号"), max_length=80, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    class Meta:
        verbose_name = _("监管结果")
        verbose_name_plural = _("监管结果")
        ordering = ["recorded_at", "id"]
        constraints = [models.CheckConstraint(
            condition=Q(kind__in=["inspection", "rectification", "penalty", "suspension", "revocation",
                                  "commitment_ok", "commitment_false"]), name="record_kind_valid")]


class SupervisionDocument(StoredFile):
    """The decision document of a supervision record (处罚决定书, 撤销决定书...), sniffed and size-capped."""

    STORAGE_FOLDER = "supervision"

    record = models.ForeignKey(SupervisionRecord, on_delete=models.PROTECT, related_name="documents")

    class Meta:
        verbose_name = _("监管文书")
        verbose_name_plural = _("监管文书")


class RuleChangeNotice(models.Model):
    """A department tells the catalogue administrators that a rule affecting items changed."""

    department = models.ForeignKey("catalog.Department", verbose_name=_("监管部门"), on_delete=models.PROTECT,
                                   related_name="rule_notices")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"))
    items = models.ManyToManyField("catalog.Item", verbose_name=_("涉及事项"), blank=True, related_name="+")
    effective_on = models.DateField(_("施行日期"), null=True, blank=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT,
                                  related_name="+")
    posted_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    read_at = models.DateTimeField(_("管理员已阅"), null=True, blank=True)

    class Meta:
        verbose_name = _("规则变更通知")
        verbose_name_plural = _("规则变更通知")
        ordering = ["-posted_at"]

    def __str__(self):
        return self.title


class HandoffDay(models.Model):
    """The claim rates' roll-up of closed days (supervision/rollup.py, bookkeeping in portal/rollups.py): the
    department handoffs pushed on a day (a month row: the month's first day, the sum of a complete month) per
    department and item, how many were claimed and claimed by their claim date; the ones still unclaimed when
    rolled up keep their claim date (`unclaimed_due_on`) so that "overdue today" is read against any day. A claim
    changes its handoff's day: the trigger of migration 0004 marks it stale, and it is read live until the next
    roll-up."""

    day = models.DateField(_("推送日期"))
    month = models.BooleanField(_("整月汇总"), db_default=False)
    department_id = models.BigIntegerField(_("监管部门"))
    item_id = models.BigIntegerField(_("事项"), null=True, blank=True)
    unclaimed_due_on = models.DateField(_("未认领的认领期限"), null=True, blank=True)
    pushed = models.IntegerField(_("推送件数"))
    claimed = models.IntegerField(_("已认领"))
    claimed_on_time = models.IntegerField(_("按期认领"))

    class Meta:
        verbose_name = _("审管推送日汇总")
        verbose_name_plural = _("审管推送日汇总")
        indexes = [models.Index(fields=["month", "day"], name="handoffday_month_day")]

    def __str__(self):
        return f"{self.day} {self.department_id} {self.pushed}"
