"""The applicant's side: who applies (applicants, the accounts that represent them, agents' consents),
the application with its case number and state machine, its materials and uploaded files, supplement
requests, signed commitments, and the small tables behind registration codes and the public lookup.

Invariants live in the database (check constraints, unique and partial indexes); every write goes through
applications.services. The staff side (approvals) moves an application on through those services too.
"""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from catalog.codesets import Channel
from portal.models import StoredFile
from portal.identifiers import normalise_identifier

# The packages' models belong to this app (label "applications"): 好差评 in applications/ratings/, the problem desk
# (办不成事反映窗口) and 12345 work orders in applications/problems/.
from applications.problems.models import (  # noqa: F401
    HotlinePlatform,
    ProblemChannel,
    ProblemStatus,
    ProblemTicket,
    Satisfaction,
)
from applications.ratings.models import (  # noqa: F401
    MaliciousAppeal,
    Rating,
    RectificationTicket,
    WindowVisit,
)


# --- who applies ------------------------------------------------------------------------------------------


class Applicant(models.Model):
    """A party that applies: a natural person or an enterprise (or other organisation with a credit code).

    The identifier type codes are those of the licence catalogue (111 居民身份证, 001 统一社会信用代码),
    so records can be exchanged as they are.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("自然人")
        ENTERPRISE = "enterprise", _("企业或其他组织")

    class IdType(models.TextChoices):
        CITIZEN_ID = "111", _("居民身份证")
        CREDIT_CODE = "001", _("统一社会信用代码")

    kind = models.CharField(_("主体类型"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("姓名或名称"), max_length=200)
    id_type = models.CharField(_("证件类型"), max_length=3, choices=IdType.choices)
    id_number = models.CharField(_("证件号码"), max_length=18)
    legal_representative = models.CharField(_("法定代表人"), max_length=64, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=64, blank=True)
    contact_mobile = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("住所或地址"), max_length=200, blank=True)
    # Set by an administrator from the credit platform's list of seriously dishonest parties (严重失信主体):
    # such applicants are not eligible for 容缺受理 or 告知承诺.
    bad_credit = models.BooleanField(_("严重失信主体"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("申请主体")
        verbose_name_plural = _("申请主体")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["id_type", "id_number"], name="applicant_id_unique"),
            models.CheckConstraint(
                condition=Q(kind="person", id_type="111") | Q(kind="enterprise", id_type="001"),
                name="applicant_kind_matches_id_type",
            ),
            models.CheckConstraint(condition=Q(id_number__regex=r"^[0-9A-Z]{18}$"), name="applicant_id_format"),
            models.CheckConstraint(condition=~Q(kind="enterprise") | ~Q(legal_representative=""),
                                   name="applicant_enterprise_has_legal_rep"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.id_number = normalise_identifier(self.id_number)  # full-width digits, spaces, lower-case x
        super().save(*args, **kwargs)

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def masked_id(self) -> str:
        from portal.identifiers import mask_citizen_id

        if self.is_person:
            return mask_citizen_id(self.id_number)
        return self.id_number  # a credit code is public information


class Representation(models.Model):
    """An account that may apply for, and follow the applications of, an applicant."""

    class Relation(models.TextChoices):
        SELF = "self", _("本人")
        LEGAL_REPRESENTATIVE = "legal_rep", _("法定代表人")
        STAFF = "staff", _("经办人")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations")
    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="representations")
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices)
    created_at = models.DateTimeField(_("绑定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("账号绑定的申请主体")
        verbose_name_plural = _("账号绑定的申请主体")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "applicant"], name="representation_unique"),
            # A person account stands for one natural person: itself.
            models.UniqueConstraint(fields=["user"], condition=Q(relation="self"), name="representation_one_self"),
        ]

    def __str__(self):
        return f"{self.user} → {self.applicant}"


class AgentConsent(models.Model):
    """An applicant's recorded consent that an agent (帮办代办) may file for it: who, for what, until when."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("代办员"), on_delete=models.PROTECT,
                              related_name="agent_consents")
    applicant = models.ForeignKey(Applicant, verbose_name=_("委托人"), on_delete=models.PROTECT,
                                  related_name="agent_consents")
    # What it covers: one item, one bundle, or (both empty) every item.
    item = models.ForeignKey("catalog.Item", verbose_name=_("委托事项"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    bundle = models.ForeignKey("catalog.Bundle", verbose_name=_("委托一件事"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("委托内容"), max_length=300)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"))
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("授权人（账号）"),
                                   on_delete=models.PROTECT, related_name="+")
    method = models.CharField(_("授权方式"), max_length=8,
                              choices=[("online", _("网上授权")), ("paper", _("书面委托书（窗口录入）"))])
    granted_at = models.DateTimeField(_("授权时间"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("代办授权")
        verbose_name_plural = _("代办授权")
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")), name="consent_period_valid"),
            models.CheckConstraint(condition=Q(item__isnull=True) | Q(bundle__isnull=True),
                                   name="consent_item_or_bundle"),
        ]
        indexes = [
            models.Index(fields=["agent", "applicant"], condition=Q(revoked_at__isnull=True),
                         name="consent_active_idx"),
        ]

    def __str__(self):
        return f"{self.applicant} 委托 {self.agent}：{self.purpose}"

    def covers(self, *, item=None, bundle=None, on=None) -> bool:
        on = on or timezone.localdate()
        if self.revoked_at or not (self.valid_from <= on <= self.valid_until):
            return False
        if self.item_id is None and self.bundle_id is None:
            return True
        if bundle is not None:
            return self.bundle_id == bundle.pk
        return item is not None and self.item_id == item.pk


class VerificationCode(models.Model):
    """A one-time code sent by SMS. Only a keyed hash of the code is kept, with an expiry and an attempt count."""

    mobile = models.CharField(max_length=11)
    purpose = models.CharField(max_length=16, default="register")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [models.Index(fields=["mobile", "purpose", "created_at"], name="vcode_mobile_idx")]


# --- the case-number sequence -------------------------------------------------------------------------------


class Sequence(models.Model):
    """Named counters (one per implementation code and day for case numbers; one per notice kind and year).

    Incremented by one INSERT ... ON CONFLICT DO UPDATE ... RETURNING (services.next_sequence_value): the row
    lock serialises concurrent submissions for the same key until they commit, without a table lock or retry.
    """

    key = models.CharField(max_length=80, primary_key=True)
    value = models.BigIntegerField()

    class Meta:
        verbose_name = _("编号序列")
        verbose_name_plural = _("编号序列")
        constraints = [models.CheckConstraint(condition=Q(value__gte=1), name="sequence_positive")]


# --- the application ---------------------------------------------------------------------------------------


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交，待受理")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("待补正材料")
    ACCEPTED = "accepted", _("已受理，审批中")
    DECIDED = "decided", _("已作出决定，待统一出件")  # every case decided: at the issuing window
    ISSUED = "issued", _("已出证")
    CLOSED = "closed", _("已办结")
    REFUSED = "refused", _("不予受理")
    WITHDRAWN = "withdrawn", _("已撤回")
    LAPSED = "lapsed", _("逾期未补正，已终止")


OPEN_STATUSES = (Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.ACCEPTED, Status.DECIDED, Status.ISSUED)
WITHDRAWABLE = [Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.ACCEPTED]


class Application(ConcurrentTransitionMixin, models.Model):
    """One application (办件) for an item or a bundle (一件事), from draft to closing.

    `status` moves only through the transition methods below, which applications.services calls (and
    approvals calls through applications.services); the mixin turns a lost race into ConcurrentTransition.
    """

    case_number = models.CharField(_("办件编号"), max_length=50, null=True, blank=True, unique=True)
    applicant = models.ForeignKey(Applicant, verbose_name=_("申请人"), on_delete=models.PROTECT,
                                  related_name="applications")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT,
                                 related_name="filed_applications")
    agent_consent = models.ForeignKey(AgentConsent, verbose_name=_("代办授权"), null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="applications")
    channel = models.CharField(_("申请渠道"), max_length=1, choices=Channel.choices, default=Channel.PC)
    bundle = models.ForeignKey("catalog.Bundle", verbose_name=_("一件事"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="applications")
    title = models.CharField(_("申请事项"), max_length=200)
    form_data = models.JSONField(_("申请表内容"), default=dict, blank=True)
    last_step = models.CharField(_("填报进度"), max_length=16, default="form")
    status = FSMField(_("状态"), default=Status.DRAFT, choices=Status.choices, protected=True)

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    # When the (last complete) materials arrived: the 5-working-day intake limit runs from here (Art. 32).
    received_at = models.DateTimeField(_("收件时间"), null=True, blank=True)
    intake_due_date = models.DateField(_("受理期限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("逾期视为受理"), default=False)
    promised_due_date = models.DateField(_("承诺办结日期"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    # Art. 44: the results are handed over within 10 working days of the decision (set when every case is
    # decided; recomputed while the application waits at the issuing window when the calendar changes).
    issue_due_on = models.DateField(_("出件期限"), null=True, blank=True)
    finished_at = models.DateTimeField(_("终结时间"), null=True, blank=True)
    end_reason = models.TextField(_("终结原因"), blank=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="application_status_valid"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(case_number__isnull=False, submitted_at__isnull=False,
                                                received_at__isnull=False, intake_due_date__isnull=False),
                name="application_submitted_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "decided", "issued", "closed"]) | Q(accepted_at__isnull=False),
                name="application_accepted_has_time",
            ),
            models.CheckConstraint(condition=Q(deemed_accepted=False) | Q(accepted_at__isnull=False),
                                   name="application_deemed_is_accepted"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="application_channel_valid"),
            models.CheckConstraint(
                condition=~Q(status="decided") | Q(decided_at__isnull=False, issue_due_on__isnull=False),
                name="application_decided_has_issue_due",
            ),
        ]
        indexes = [
            # The intake queue and the deemed-acceptance sweep read only submitted applications.
            models.Index(fields=["received_at"], condition=Q(status="submitted"), name="application_intake_idx"),
            models.Index(fields=["intake_due_date"], condition=Q(status="submitted"),
                         name="application_intake_due_idx"),
            # The issuing window (统一出件) reads only decided applications, the nearest Art. 44 date first.
            models.Index(fields=["issue_due_on", "id"], condition=Q(status="decided"), name="application_issuing_idx"),
            models.Index(fields=["applicant", "-created_at"], name="application_applicant_idx"),
            models.Index(fields=["filed_by", "-created_at"], name="application_filer_idx"),
            # The dashboards count applications received and accepted in a period (approvals/oversight).
            models.Index(fields=["submitted_at"], condition=Q(submitted_at__isnull=False),
                         name="application_submitted_idx"),
            models.Index(fields=["accepted_at"], condition=Q(accepted_at__isnull=False),
                         name="application_accepted_idx"),
        ]

    def __str__(self):
        return self.case_number or f"{self.title}（草稿）"

    # Transitions: pure state changes; applications.services sets the dates and writes the audit row.

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self):
        pass

    @transition(field=status, source=Status.SUPPLEMENT_REQUESTED, target=Status.SUBMITTED)
    def resubmit(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.SUPPLEMENT_REQUESTED)
    def ask_for_supplement(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED)
    def accept(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.REFUSED)
    def refuse(self):
        pass

    @transition(field=status, source=Status.ACCEPTED, target=Status.DECIDED)
    def decide(self):
        pass

    @transition(field=status, source=Status.DECIDED, target=Status.ISSUED)
    def issue(self):
        pass

    @transition(field=status, source=Status.ISSUED, target=Status.CLOSED)
    def close(self):
        pass

    @transition(field=status, source=WITHDRAWABLE, target=Status.WITHDRAWN)
    def withdraw(self):
        pass

    @transition(field=status, source=Status.SUPPLEMENT_REQUESTED, target=Status.LAPSED)
    def lapse(self):
        pass

    @property
    def is_bundle(self) -> bool:
        return self.bundle_id is not None

    @property
    def is_editable(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def can_withdraw(self) -> bool:
        return self.status in WITHDRAWABLE


class ApplicationItem(models.Model):
    """An item an application covers, with the immutable version of the rules it was made under."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="items")
    # Indexed with the application (below): the dashboards' item and section filters find an item's applications
    # from the index alone.
    item = models.ForeignKey("catalog.Item", verbose_name=_("事项"), on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    item_version = models.ForeignKey("catalog.ItemVersion", verbose_name=_("事项版本"), on_delete=models.PROTECT,
                                     related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=1)

    class Meta:
        verbose_name = _("申请事项")
        verbose_name_plural = _("申请事项")
        ordering = ["application", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["application", "item"], name="applicationitem_unique")]
        indexes = [models.Index(fields=["item", "application"], name="applicationitem_item_app")]

    def __str__(self):
        return self.item_version.name


class ApplicationMaterial(models.Model):
    """One material of the application's list (copied from the item version, or the bundle's merged list).

    Materials obtained by data sharing are listed so the applicant sees them, but never accept an upload.
    A tolerated material (容缺) has a due date until it is supplied. A material a licence proves (电子证照库) needs
    no upload when the applicant holds that licence valid: submission records which certificate proved it.
    """

    class Source(models.TextChoices):
        APPLICANT = "applicant", _("申请人提交")
        SHARED = "shared", _("部门共享获取，无需提交")
        SUPPLEMENT = "supplement", _("补正通知增加")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    key = models.CharField(max_length=120)
    name = models.CharField(_("材料名称"), max_length=200)
    required = models.BooleanField(_("必要"), default=True)
    condition = models.CharField(_("适用情形"), max_length=600, blank=True)
    notes = models.CharField(_("填报要求"), max_length=300, blank=True)
    originals = models.PositiveSmallIntegerField(_("原件份数"), default=1)
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=0)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices, default=Source.APPLICANT)
    shared_from = models.CharField(_("共享来源"), max_length=100, blank=True)
    tolerable = models.BooleanField(_("可容缺"), default=False)
    for_items = models.JSONField(_("适用事项"), default=list, blank=True)
    catalog_material_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    sort_order = models.PositiveSmallIntegerField(default=1)
    # The applicant asks to supply this one after acceptance (容缺), set on the materials step.
    tolerance_requested = models.BooleanField(_("申请容缺"), default=False)
    tolerance_due_date = models.DateField(_("容缺补交期限"), null=True, blank=True)
    supplied_at = models.DateTimeField(_("容缺材料补交时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("容缺逾期时间"), null=True, blank=True)
    # The licence registry (电子证照库): the certificate that proves this material (copied from the item version),
    # and, recorded at submission, the valid certificate of the applicant's that proved it (applications.licences
    # Licence.reference(): public_id, electronic_id, name, number, valid_until). Empty: not from the registry.
    registry_certificate_name = models.CharField(_("可由电子证照库调取的证照"), max_length=100, blank=True)
    registry_reference = models.JSONField(_("电子证照库调取记录"), default=dict, blank=True)

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["application", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="applicationmaterial_key_unique"),
            models.CheckConstraint(condition=~Q(source="shared") | Q(tolerable=False, tolerance_requested=False),
                                   name="applicationmaterial_shared_not_asked"),
            models.CheckConstraint(condition=Q(tolerance_due_date__isnull=True) | Q(tolerable=True),
                                   name="applicationmaterial_tolerated_is_tolerable"),
            models.CheckConstraint(condition=Q(supplied_at__isnull=True) | Q(tolerance_due_date__isnull=False),
                                   name="applicationmaterial_supplied_was_tolerated"),
            models.CheckConstraint(condition=Q(registry_reference={}) | ~Q(registry_certificate_name=""),
                                   name="applicationmaterial_registry_named"),
        ]
        indexes = [
            # The tolerated-material deadline sweep reads only outstanding tolerated materials.
            models.Index(fields=["tolerance_due_date"],
                         condition=Q(tolerance_due_date__isnull=False, supplied_at__isnull=True, overdue_at__isnull=True),
                         name="material_tolerated_open_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def asked(self) -> bool:
        return self.source != self.Source.SHARED

    @property
    def from_registry(self) -> bool:
        """Proved at submission by a valid licence of the applicant's in the registry (no upload needed)."""
        return bool(self.registry_reference)

    @property
    def tolerance_outstanding(self) -> bool:
        return self.tolerance_due_date is not None and self.supplied_at is None

    @property
    def current_files(self) -> list:
        """The files that count as this material (not superseded by a later upload); uses the `files` prefetch."""
        return [f for f in self.files.all() if f.superseded_at is None]


class UploadedFile(StoredFile):
    """A file attached to one material, served only through the views whose selectors check who may see it."""

    STORAGE_FOLDER = "applications"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="files")
    material = models.ForeignKey(ApplicationMaterial, on_delete=models.CASCADE, related_name="files")
    # A file a newer upload replaced (a re-upload with "替换", or a supplement answered): kept stored and listed
    # as 已被替换, never counted as the material's current file.
    superseded_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("上传文件")
        verbose_name_plural = _("上传文件")
        ordering = ["material", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="uploadedfile_not_empty"),
            models.CheckConstraint(condition=Q(superseded_at__isnull=True) | Q(superseded_at__gte=F("uploaded_at")),
                                   name="uploadedfile_superseded_after_upload"),
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png", "application/ofd"]),
                name="uploadedfile_type_allowed",
            ),
        ]

    @property
    def suffix(self) -> str:
        return Path(self.original_name).suffix.lower()

    @property
    def is_superseded(self) -> bool:
        return self.superseded_at is not None


# --- supplements and commitments -----------------------------------------------------------------------------


class SupplementRequest(models.Model):
    """The single notice of everything missing or faulty (一次性告知), answered by one resubmission."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="supplement_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("告知时间"))
    due_date = models.DateField(_("补正期限"))
    note = models.TextField(_("补充说明"), blank=True)
    answered_at = models.DateTimeField(_("补正提交时间"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("逾期终止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("补正告知")
        verbose_name_plural = _("补正告知")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(answered_at__isnull=True) | Q(lapsed_at__isnull=True),
                                   name="supplement_answered_or_lapsed"),
            # One open request at a time: a second notice before the answer would break "一次性告知".
            models.UniqueConstraint(fields=["application"],
                                    condition=Q(answered_at__isnull=True, lapsed_at__isnull=True),
                                    name="supplement_one_open"),
        ]
        indexes = [
            models.Index(fields=["due_date"], condition=Q(answered_at__isnull=True, lapsed_at__isnull=True),
                         name="supplement_open_due_idx"),
            models.Index(fields=["requested_at"], name="supplement_requested_idx"),  # the dashboards' period counts
        ]

    def __str__(self):
        return f"{self.application} 补正告知"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None and self.lapsed_at is None


class SupplementItem(models.Model):
    request = models.ForeignKey(SupplementRequest, on_delete=models.CASCADE, related_name="items")
    material = models.ForeignKey(ApplicationMaterial, on_delete=models.CASCADE, related_name="supplement_items")
    reason = models.CharField(_("补正原因"), max_length=300)
    # 补正收件 at the window: the clerk saw the paper original instead of taking a scan (who, when, a note).
    original_checked_at = models.DateTimeField(_("纸质原件核验时间"), null=True, blank=True)
    original_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    original_note = models.CharField(_("原件核验说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("补正事项")
        verbose_name_plural = _("补正事项")
        ordering = ["request", "material__sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["request", "material"], name="supplementitem_unique")]


class Commitment(models.Model):
    """A written commitment signed by the applicant: to supply tolerated materials (容缺), or that the
    licensing conditions are met (告知承诺制). Signed online by the applicant, or on paper at the window and
    recorded by the clerk. Never changed once signed."""

    class Kind(models.TextChoices):
        TOLERANCE = "tolerance", _("容缺受理承诺书")
        LICENSING = "licensing", _("告知承诺书")

    class Method(models.TextChoices):
        ONLINE = "online", _("网上签署")
        PAPER = "paper", _("窗口纸质签署")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="commitments")
    kind = models.CharField(_("承诺类型"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("承诺内容"))
    signatory_name = models.CharField(_("承诺人"), max_length=200)
    method = models.CharField(_("签署方式"), max_length=8, choices=Method.choices)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签署账号"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("录入人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("签署时间"))
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("承诺书")
        verbose_name_plural = _("承诺书")
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind"], name="commitment_one_per_kind"),
            models.CheckConstraint(condition=Q(method="online", signed_by__isnull=False)
                                   | Q(method="paper", recorded_by__isnull=False),
                                   name="commitment_signer_recorded"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.signatory_name}）"


class ProgressLookup(models.Model):
    """One public progress query, kept briefly to throttle guessing by address and by case number."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    case_number = models.CharField(max_length=50)
    found = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("进度查询记录")
        verbose_name_plural = _("进度查询记录")
        indexes = [models.Index(fields=["ip_address", "created_at"], name="lookup_ip_idx"),
                   models.Index(fields=["case_number", "created_at"], name="lookup_case_idx")]
