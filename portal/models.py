"""Portal-wide data: people and roles, the working-day calendar, the audit log, health records."""
import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.identifiers import normalise_identifier
from portal.roles import HOME_PRIORITY, STAFF_ROLES, Role
from portal.validators import check_citizen_id

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", _("请输入11位中国大陆手机号码。"))


def validate_citizen_id(value: str) -> None:
    # Named in migrations: keep it here, the messages are portal.validators'.
    check_citizen_id(value)


class PortalUserManager(UserManager):
    def get_by_natural_key(self, username):
        # Usernames are matched case-insensitively so "Clerk" and "clerk" are one account.
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    """Everyone who signs in: applicants, agents, staff, department users, administrators."""

    real_name = models.CharField(_("真实姓名"), max_length=64, blank=True)
    mobile = models.CharField(_("手机号码"), max_length=11, blank=True, validators=[mobile_validator])
    citizen_id = models.CharField(
        _("居民身份证号码"), max_length=18, blank=True, validators=[validate_citizen_id]
    )

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(fields=["mobile"], condition=~Q(mobile=""), name="user_mobile_unique"),
            models.UniqueConstraint(
                fields=["citizen_id"], condition=~Q(citizen_id=""), name="user_citizen_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(mobile="") | Q(mobile__regex=r"^1[3-9][0-9]{9}$"), name="user_mobile_format"
            ),
        ]

    def __str__(self):
        return self.real_name or self.username

    def clean_fields(self, exclude=None):
        # Full-width digits or spaces typed with a Chinese input method are normalised before the length check.
        if self.citizen_id:
            self.citizen_id = normalise_identifier(self.citizen_id)
        super().clean_fields(exclude=exclude)

    def save(self, *args, **kwargs):
        if self.citizen_id:
            self.citizen_id = normalise_identifier(self.citizen_id)
        super().save(*args, **kwargs)

    @cached_property
    def roles(self) -> frozenset[str]:
        """The role slugs this user holds (one query, cached on the instance)."""
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str | None:
        for role in HOME_PRIORITY:
            if role in self.roles:
                return role
        return None

    @property
    def is_back_office(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def role_labels(self) -> list[str]:
        return [str(Role(r).label) for r in HOME_PRIORITY if r in self.roles]


class CalendarDay(models.Model):
    """A date that breaks the Monday-Friday rule: a weekday holiday or a weekend make-up working day."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=64, help_text=_("例如：国庆节、春节调休"))
    source = models.CharField(
        _("来源"), max_length=32, default="manual", help_text=_("chinesecalendar 为程序包导入，manual 为手工维护")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("工作日历例外日")
        verbose_name_plural = _("工作日历")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid"),
            # A holiday is only recorded on a weekday, a make-up working day only on a weekend
            # (PostgreSQL's ISODOW: 6 = Saturday, 7 = Sunday); anything else would be a no-op row.
            models.CheckConstraint(
                condition=(
                    Q(kind="holiday", date__iso_week_day__lte=5) | Q(kind="workday", date__iso_week_day__gte=6)
                ),
                name="calendarday_breaks_weekday_rule",
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()} {self.name}"


class AuditEvent(models.Model):
    """One append-only row per thing someone did.

    The database refuses UPDATE and DELETE (migration 0002), sets created_at itself and chains every row to the
    previous row of its stream, the object it is about (migration 0006, portal/auditchain.py): the chain fields
    and the time are written by the trigger whatever the INSERT says, and read back from it.
    """

    created_at = models.DateTimeField(_("时间"), db_default=Now(), db_index=True, editable=False)
    actor = models.ForeignKey(
        User, verbose_name=_("操作人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    actor_role = models.CharField(_("操作身份"), max_length=32, blank=True)
    action = models.CharField(_("操作"), max_length=64)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    from_state = models.CharField(_("原状态"), max_length=32, blank=True)
    to_state = models.CharField(_("新状态"), max_length=32, blank=True)
    opinion = models.TextField(_("意见"), blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    data = models.JSONField(_("附加数据"), default=dict, blank=True)
    # Position in the stream (1, 2, ...), the previous row's hash and this row's (hex SHA-256), set by the trigger.
    chain_seq = models.BigIntegerField(_("链序号"), db_default=0, editable=False)
    chain_prev = models.CharField(_("前一条哈希"), max_length=64, db_default="", editable=False)
    chain_hash = models.CharField(_("本条哈希"), max_length=64, db_default="", editable=False)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"], name="audit_object_idx")]
        constraints = [
            # One row per position of a stream: a forged second row at a taken position cannot go in.
            models.UniqueConstraint(fields=["object_type", "object_id", "chain_seq"], name="audit_chain_position"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class AuditStream(models.Model):
    """The head of one audit chain (one per object): its last position, hash and row.

    Written only by the chain trigger, in the transaction of the row it appends; the app role may only read it.
    A row removed from the end of a stream, or a whole stream, shows against its head (portal/auditchain.py).
    """

    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    last_seq = models.BigIntegerField(_("最后链序号"))
    last_hash = models.CharField(_("最后哈希"), max_length=64)
    last_event_id = models.BigIntegerField(_("最后一条记录"))

    class Meta:
        verbose_name = _("审计链")
        verbose_name_plural = _("审计链")
        constraints = [models.UniqueConstraint(fields=["object_type", "object_id"], name="audit_stream_key")]

    def __str__(self):
        return f"{self.object_type}:{self.object_id} #{self.last_seq}"


class LoginFailure(models.Model):
    """A failed attempt at a guarded way in, kept so that portal.throttle can slow down guessing.

    The name is historical: besides passwords it records wrong second-factor codes, wrong SMS registration codes
    and failed public progress lookups (`scope`). `subject` is what is guessed at: the account ("user:42", or
    "name:..." for an identifier that matches no account), the mobile number, the case number. Rows older than
    LOGIN_FAILURE_MEMORY_HOURS are no longer read and are purged by a periodic task; the audit log keeps the
    permanent record.
    """

    class Scope(models.TextChoices):
        SIGN_IN = "sign_in", _("登录")
        SMS_CODE = "sms_code", _("短信验证码")
        PROGRESS = "progress", _("办件进度查询")

    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    scope = models.CharField(_("类别"), max_length=16, choices=Scope.choices, default=Scope.SIGN_IN)
    subject = models.CharField(_("对象"), max_length=160, blank=True)
    username = models.CharField(_("输入的用户名"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("失败尝试记录")
        verbose_name_plural = _("失败尝试记录")
        indexes = [
            models.Index(fields=["scope", "subject", "created_at"], name="failure_subject_idx"),
            models.Index(fields=["scope", "ip_address", "created_at"], name="failure_address_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.get_scope_display()} {self.username or self.subject}"


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker ran the heartbeat task; /healthz reads the newest."""

    hostname = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("后台任务心跳")
        verbose_name_plural = _("后台任务心跳")


class MaintenanceAlert(models.Model):
    """A condition an administrator must act on (e.g. next year's calendar is missing), raised by a task."""

    code = models.SlugField(max_length=64, unique=True)
    message = models.TextField()
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("运维提醒")
        verbose_name_plural = _("运维提醒")
        indexes = [models.Index(fields=["code"], condition=Q(resolved_at__isnull=True), name="alert_open_idx")]

    def __str__(self):
        return self.message


class Notification(models.Model):
    """A message to one person: always shown in the portal (the bell), and copied to e-mail/SMS channels."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # Set by the caller when one event must reach a person once only (e.g. "case 42 turned red").
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"], condition=~Q(dedupe_key=""), name="notification_once_per_key"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "created_at"], condition=Q(read_at__isnull=True), name="notif_unread_idx")
        ]

    def __str__(self):
        return self.title


class NotificationDelivery(models.Model):
    """One copy of a notification to an outside channel; waits here until a worker sends it (Redis may be down)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        FAILED = "failed", _("发送失败")

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("渠道"), max_length=16)
    address = models.CharField(_("地址"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("消息投递")
        verbose_name_plural = _("消息投递")
        indexes = [models.Index(fields=["created_at"], condition=Q(status="pending"), name="delivery_pending_idx")]


def stored_file_path(instance, filename):
    """A generated name only (folder of the model, month, random id, sniffed extension): the uploaded name is
    kept in the database for display, never used as a path."""
    now = timezone.now()
    return f"{instance.STORAGE_FOLDER}/{now:%Y/%m}/{instance.public_id.hex}{instance.extension}"


class StoredFile(models.Model):
    """An uploaded file of any app: stored under a generated name outside the static root, its type sniffed
    from the content (portal.sniffing), served only through a view whose selector checked who may see it
    (portal.web.stored_file_response). Subclasses add what the file belongs to and set STORAGE_FOLDER."""

    STORAGE_FOLDER = "files"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.FileField(upload_to=stored_file_path, max_length=200)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name

    @classmethod
    def from_upload(cls, checked, uploaded_by: User, stored: list, **fields):
        """A row for a checked upload (portal.sniffing.read_upload), its bytes written to storage; `stored`
        collects (storage, path) so the caller can remove the bytes if its transaction fails."""
        record = cls(original_name=checked.original_name, content_type=checked.kind.mime,
                     extension=checked.kind.extension, size=checked.size, sha256=checked.sha256,
                     uploaded_by=uploaded_by, **fields)
        record.file.save("upload", checked.content, save=False)
        stored.append((record.file.storage, record.file.name))
        return record

    @property
    def display_size(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(self.size / 1024))} KB"

    @property
    def download_name(self) -> str:
        """The original name for display, with the extension of the sniffed type (x.html holding a PDF is
        offered as x.pdf)."""
        from portal.filenames import download_name

        return download_name(self.original_name, self.content_type, self.extension)


class OutboxEvent(models.Model):
    """An event another app must hear about, written in the same transaction as the change it reports
    (transactional outbox, portal.outbox): a case decided, a certificate revoked or superseded, an application
    withdrawn, a 告知承诺 acceptance. Processed once by every consumer registered for its topic, in id order;
    the processing commits with its effects, so an event is never half handled and never lost."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    topic = models.CharField(_("主题"), max_length=60)
    subject_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    subject_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    payload = models.JSONField(_("内容"), default=dict)
    created_at = models.DateTimeField(_("产生时间"), default=timezone.now)
    processed_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("失败次数"), default=0)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("事件发件箱")
        verbose_name_plural = _("事件发件箱")
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], condition=Q(processed_at__isnull=True), name="outbox_pending")]

    def __str__(self):
        return f"{self.topic} {self.subject_type}:{self.subject_id}"


class RollupHorizon(models.Model):
    """How far one roll-up of closed days has counted (portal/rollups.py): one row per roll-up, made by the
    migration that creates its table and triggers (the triggers rely on it being there before any roll-up)."""

    key = models.CharField(max_length=64, primary_key=True)
    rolled_through = models.DateField(_("已汇总至"), null=True, blank=True)
    time_zone = models.CharField(max_length=64)
    rolled_at = models.DateTimeField(_("汇总时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("统计汇总进度")
        verbose_name_plural = _("统计汇总进度")

    def __str__(self):
        return f"{self.key}: {self.rolled_through or '—'}"


class RollupStale(models.Model):
    """A day from which a roll-up's figures are no longer right, written by its triggers (portal/rollups.py)."""

    key = models.CharField(max_length=64)
    since = models.DateField(_("自"))
    marked_at = models.DateTimeField(db_default=Now())

    class Meta:
        verbose_name = _("统计汇总待重算")
        verbose_name_plural = _("统计汇总待重算")
        indexes = [models.Index(fields=["key", "since"], name="rollupstale_key_since")]

    def __str__(self):
        return f"{self.key}: {self.since}"
