"""The catalogue: departments, back-office sections, licensing items and their materials, bundles (一件事),
catalogue editions and the immutable item versions applications point to.

"Nothing outside the list is approved" (清单之外无审批): an item can be applied for only while a Listing of
the current Edition publishes it. Publishing freezes the item, with its materials, into an ItemVersion row
that the database refuses to change (see migration 0004); an application keeps pointing to the version it
was made under, whatever happens to the item afterwards.
"""
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from catalog.codesets import (
    ONLINE_CHANNELS,
    CaseType,
    Channel,
    FeeKind,
    Handling,
    ItemType,
    Level,
    ListingStatus,
    MaterialSource,
    Medium,
    Requirement,
    RiskLevel,
    ServiceObject,
)
from catalog.rules import JOINT_STATUTORY_LIMIT
from catalog.validators import validate_form_file


class Department(models.Model):
    """A government department: competent for items (主管) and/or supervising them after approval (监管)."""

    code = models.CharField(_("部门编码"), max_length=32, unique=True)
    name = models.CharField(_("部门名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("部门用户"),
        blank=True,
        related_name="departments",
        help_text=_("可认领本部门审管联动推送的监管人员"),
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Section(models.Model):
    """A back-office section (科室) of the approval bureau; officers work the cases of their section."""

    code = models.CharField(_("科室编码"), max_length=32, unique=True)
    name = models.CharField(_("科室名称"), max_length=100, unique=True)
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("科室负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_sections",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("科室人员"), blank=True, related_name="sections"
    )
    phone = models.CharField(_("科室电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("科室")
        verbose_name_plural = _("科室")
        ordering = ["code"]

    def __str__(self):
        return self.name


class Theme(models.Model):
    """A life-event or business theme the guide groups items by (e.g. 企业开办, 工程建设)."""

    code = models.SlugField(_("主题编码"), max_length=32, unique=True)
    name = models.CharField(_("主题名称"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Window(models.Model):
    """A counter of the service hall where items are received or results issued."""

    code = models.CharField(_("窗口编号"), max_length=16, unique=True)
    name = models.CharField(_("窗口名称"), max_length=100)
    location = models.CharField(_("位置"), max_length=200, help_text=_("例如：政务服务中心一楼A区"))
    hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("窗口电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("服务窗口")
        verbose_name_plural = _("服务窗口")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Item(models.Model):
    """A licensing item (事项) of the catalogue: the working copy an administrator maintains.

    What applicants see and apply under is the ItemVersion its current Listing points to; saving a
    published item through catalog.services re-freezes it into a new version.
    """

    base_code = models.CharField(_("基本编码"), max_length=32, db_index=True)
    implementation_code = models.CharField(_("实施编码"), max_length=40, unique=True)
    name = models.CharField(_("事项名称"), max_length=200)
    item_type = models.CharField(_("事项类型"), max_length=2, choices=ItemType.choices, default=ItemType.LICENSING)
    level = models.CharField(_("行使层级"), max_length=1, choices=Level.choices, default=Level.COUNTY)
    service_objects = ArrayField(
        models.CharField(max_length=1, choices=ServiceObject.choices),
        verbose_name=_("服务对象"),
        default=list,
        help_text=_("GB/T 39046 服务对象代码，可多选"),
    )
    legal_basis = models.TextField(_("设定依据"), help_text=_("法律法规名称及条款，例如：《中华人民共和国食品安全法》第三十五条"))
    implementing_body = models.CharField(_("实施主体"), max_length=100)
    implementing_body_code = models.CharField(_("实施主体统一社会信用代码"), max_length=18, blank=True)
    competent_department = models.ForeignKey(
        Department, verbose_name=_("主管部门"), on_delete=models.PROTECT, related_name="competent_items"
    )
    supervising_department = models.ForeignKey(
        Department, verbose_name=_("监管部门"), on_delete=models.PROTECT, related_name="supervised_items"
    )
    section = models.ForeignKey(Section, verbose_name=_("承办科室"), on_delete=models.PROTECT, related_name="items")
    statutory_limit = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"))
    promised_limit = models.PositiveSmallIntegerField(_("承诺办结时限（工作日）"))
    limit_note = models.CharField(
        _("时限说明"), max_length=200, blank=True, help_text=_("例如：现场核查、专家评审、听证所需时间不计算在内")
    )
    case_type = models.CharField(_("办件类型"), max_length=1, choices=CaseType.choices, default=CaseType.PROMISED)
    channels = ArrayField(
        models.CharField(max_length=1, choices=Channel.choices), verbose_name=_("办理渠道"), default=list
    )
    fully_online = models.BooleanField(_("全程网办"), default=False, help_text=_("申请、受理、审批、出证全程网上办理，不到现场"))
    max_visits = models.PositiveSmallIntegerField(_("到现场次数"), default=1, validators=[MaxValueValidator(5)])
    fee_kind = models.CharField(_("收费方式"), max_length=8, choices=FeeKind.choices, default=FeeKind.FREE)
    fee_amount = models.DecimalField(_("收费金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    fee_text = models.TextField(_("收费标准及依据"), blank=True)
    inspection_required = models.BooleanField(_("需现场勘验"), default=False)
    risk_level = models.CharField(_("风险等级"), max_length=8, choices=RiskLevel.choices, default=RiskLevel.MEDIUM)
    legal_review_required = models.BooleanField(_("需法制审核"), default=False, help_text=_("重大行政许可决定法制审核"))
    tolerance_allowed = models.BooleanField(_("可容缺受理"), default=False)
    commitment_allowed = models.BooleanField(_("可告知承诺"), default=False)
    certificate_name = models.CharField(
        _("审批结果名称"), max_length=100, blank=True, help_text=_("证照或批文名称；留空表示无证照")
    )
    certificate_validity_years = models.PositiveSmallIntegerField(
        _("证照有效期（年）"), null=True, blank=True, help_text=_("留空表示长期有效或无有效期")
    )
    # Art. 50: a renewal is asked for at least 30 days before the licence expires, unless a law, regulation or
    # rule gives the item another period.
    renewal_lead_days = models.PositiveSmallIntegerField(
        _("延续申请提前天数"), default=30, validators=[MaxValueValidator(366)],
        help_text=_("被许可人应在证照有效期届满前多少日提出延续申请（《中华人民共和国行政许可法》第五十条，一般为三十日）"),
    )
    conditions = models.TextField(_("受理条件"), blank=True)
    procedure = models.TextField(_("办理流程"), blank=True)
    consult_phone = models.CharField(_("咨询电话"), max_length=64, blank=True)
    keywords = models.CharField(_("关键词"), max_length=300, blank=True, help_text=_("以顿号或逗号分隔，用于办事指南检索"))
    themes = models.ManyToManyField(Theme, verbose_name=_("主题"), blank=True, related_name="items")
    windows = models.ManyToManyField(Window, verbose_name=_("受理窗口"), blank=True, related_name="items")
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100, help_text=_("数字小的排在前面（高频事项）"))
    popularity = models.PositiveIntegerField(
        _("热度"), default=0, editable=False, help_text=_("近一年的申请件数，每晚更新；检索结果中热门事项靠前")
    )
    # Denormalised for the guide's substring search (no pg_trgm on the embedded PostgreSQL): name, short
    # department names, keywords and codes, normalised by catalog.rules.normalise; kept by catalog.services.
    search_text = models.TextField(_("检索文本"), blank=True, editable=False)
    # The full-text search (catalog.search): name and keywords, then certificate, departments and codes, cut
    # into words by jieba (kept by catalog.services); search_vector is computed from them by the database. Its
    # GIN index has no pending list (fastupdate off): the catalogue is written rarely and searched all the time.
    search_words = models.TextField(_("检索词（名称、关键词）"), blank=True, editable=False)
    search_extra = models.TextField(_("检索词（其他）"), blank=True, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("search_words", config="simple", weight="A")
        + SearchVector("search_extra", config="simple", weight="C"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("事项")
        verbose_name_plural = _("事项")
        ordering = ["sort_order", "base_code", "id"]
        indexes = [GinIndex(fields=["search_vector"], name="item_search_vector_gin", fastupdate=False)]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit__lte=F("statutory_limit")), name="item_promised_within_statutory"
            ),
            # An instant item (即办件) is finished on the spot; a promised one has a limit of at least a day.
            models.CheckConstraint(
                condition=Q(case_type=CaseType.INSTANT, promised_limit=0)
                | Q(case_type=CaseType.PROMISED, promised_limit__gte=1),
                name="item_case_type_matches_limit",
            ),
            models.CheckConstraint(
                # NULL > 0 is unknown, which a CHECK lets through: say "not null" explicitly.
                condition=Q(fee_kind=FeeKind.FIXED, fee_amount__isnull=False, fee_amount__gt=0)
                | Q(fee_kind__in=[FeeKind.FREE, FeeKind.TEXT], fee_amount__isnull=True),
                name="item_fee_amount_matches_kind",
            ),
            models.CheckConstraint(condition=~Q(channels=[]), name="item_has_channel"),
            models.CheckConstraint(condition=Q(channels__contained_by=Channel.values), name="item_channels_valid"),
            models.CheckConstraint(
                condition=Q(service_objects__contained_by=ServiceObject.values) & ~Q(service_objects=[]),
                name="item_service_objects_valid",
            ),
            models.CheckConstraint(
                condition=Q(fully_online=False) | Q(channels__contains=[Channel.PC], max_visits=0),
                name="item_fully_online_is_online",
            ),
            models.CheckConstraint(
                condition=Q(item_type__in=ItemType.values), name="item_type_valid"
            ),
            models.CheckConstraint(condition=Q(level__in=Level.values), name="item_level_valid"),
            models.CheckConstraint(condition=Q(case_type__in=CaseType.values), name="item_case_type_valid"),
            models.CheckConstraint(condition=Q(risk_level__in=RiskLevel.values), name="item_risk_level_valid"),
            models.CheckConstraint(
                condition=Q(certificate_validity_years__isnull=True) | Q(certificate_validity_years__gte=1),
                name="item_validity_positive",
            ),
            models.CheckConstraint(condition=Q(renewal_lead_days__lte=366), name="item_renewal_lead_days_range"),
        ]

    def __str__(self):
        return self.name

    @property
    def online(self) -> bool:
        """Whether an application can be made online (PC or mobile)."""
        return any(channel in self.channels for channel in ONLINE_CHANNELS)

    @property
    def limit_cut_percent(self):
        from catalog.rules import limit_cut_percent

        return limit_cut_percent(self.statutory_limit, self.promised_limit)

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("catalog:item", args=[self.pk])


def _generated_name(folder: str, filename: str) -> str:
    # Stored under a generated name: the uploaded name is never trusted as a path.
    return f"catalog/{folder}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


def upload_blank_form(instance, filename):
    return _generated_name("forms", filename)


def upload_sample(instance, filename):
    return _generated_name("samples", filename)


class Material(models.Model):
    """One material an item asks for (申请材料)."""

    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="materials")
    name = models.CharField(_("材料名称"), max_length=200)
    code = models.SlugField(
        _("材料编码"), max_length=64, blank=True, help_text=_("同一材料在不同事项中使用同一编码，一件事中只收一次")
    )
    sort_order = models.PositiveSmallIntegerField(_("序号"), default=1)
    requirement = models.CharField(_("必要性"), max_length=12, choices=Requirement.choices, default=Requirement.REQUIRED)
    condition = models.CharField(_("适用情形"), max_length=300, blank=True, help_text=_("情形必要时，说明在什么情况下提交"))
    originals = models.PositiveSmallIntegerField(_("原件份数"), default=1, validators=[MinValueValidator(0)])
    copies = models.PositiveSmallIntegerField(_("复印件份数"), default=0)
    medium = models.CharField(_("材料形式"), max_length=12, choices=Medium.choices, default=Medium.BOTH)
    tolerable = models.BooleanField(_("可容缺"), default=False, help_text=_("容缺受理时可以后补的材料"))
    source = models.CharField(_("材料来源"), max_length=12, choices=MaterialSource.choices, default=MaterialSource.APPLICANT)
    shared_from = models.CharField(_("共享来源"), max_length=100, blank=True, help_text=_("通过数据共享获取时，提供数据的部门"))
    notes = models.CharField(_("填报要求"), max_length=300, blank=True)
    # The licence registry (电子证照库) proves this material when the applicant holds a valid certificate of this
    # name: the form then shows it as obtained from the registry and asks for no upload (applications.licences).
    registry_certificate_name = models.CharField(
        _("可由电子证照库调取的证照"), max_length=100, blank=True,
        help_text=_("申请人持有该名称的有效证照（如“食品经营许可证”）时，由电子证照库调取，无需上传；为空表示不调取"),
    )
    blank_form = models.FileField(
        _("空白表格"), upload_to=upload_blank_form, blank=True, max_length=200, validators=[validate_form_file]
    )
    sample = models.FileField(
        _("示例样表"), upload_to=upload_sample, blank=True, max_length=200, validators=[validate_form_file]
    )

    class Meta:
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")
        ordering = ["item", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "name"], name="material_name_unique_per_item"),
            models.CheckConstraint(
                condition=Q(requirement=Requirement.REQUIRED) | ~Q(condition=""),
                name="material_conditional_has_condition",
            ),
            # A material obtained by data sharing is never asked of the applicant, so it cannot be "missing".
            models.CheckConstraint(
                condition=Q(source=MaterialSource.APPLICANT) | Q(tolerable=False), name="material_shared_not_tolerable"
            ),
            models.CheckConstraint(condition=Q(requirement__in=Requirement.values), name="material_requirement_valid"),
            models.CheckConstraint(condition=Q(source__in=MaterialSource.values), name="material_source_valid"),
            models.CheckConstraint(condition=Q(medium__in=Medium.values), name="material_medium_valid"),
            # Only a material the applicant supplies can be proved by a licence instead (a shared one is never asked).
            models.CheckConstraint(condition=Q(registry_certificate_name="") | Q(source=MaterialSource.APPLICANT),
                                   name="material_registry_proof_applicant"),
        ]

    def __str__(self):
        return self.name

    @property
    def asked_of_applicant(self) -> bool:
        return self.source == MaterialSource.APPLICANT


class FAQ(models.Model):
    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("问题"), max_length=300)
    answer = models.TextField(_("解答"))
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=1)

    class Meta:
        verbose_name = _("常见问题")
        verbose_name_plural = _("常见问题")
        ordering = ["item", "sort_order", "id"]

    def __str__(self):
        return self.question


class Bundle(models.Model):
    """一件事一次办: several items applied for with one form and one merged material list."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    title = models.CharField(_("一件事名称"), max_length=100, unique=True)
    summary = models.TextField(_("简介"), blank=True)
    theme = models.ForeignKey(Theme, verbose_name=_("主题"), null=True, blank=True, on_delete=models.SET_NULL)
    handling = models.CharField(_("办理方式"), max_length=10, choices=Handling.choices, default=Handling.PARALLEL)
    joint_issuance = models.BooleanField(_("统一出证"), default=True, help_text=_("各事项证照一并发放，例如三证同发"))
    statutory_limit = models.PositiveSmallIntegerField(
        _("联合办理法定时限（工作日）"),
        default=JOINT_STATUTORY_LIMIT,
        help_text=_("《中华人民共和国行政许可法》第二十六条：联合办理、集中办理不超过四十五日，可延长十五日"),
    )
    promised_limit = models.PositiveSmallIntegerField(_("承诺时限（工作日）"))
    published = models.BooleanField(_("已发布"), default=False)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    keywords = models.CharField(
        _("关键词"), max_length=300, blank=True,
        help_text=_("群众常用的说法，以顿号或逗号分隔，例如：开饭店、开餐馆、办餐饮；用于首页和办事指南检索"),
    )
    popularity = models.PositiveIntegerField(_("热度"), default=0, editable=False, help_text=_("近一年的申请件数，每晚更新"))
    search_words = models.TextField(_("检索词（名称、关键词）"), blank=True, editable=False)
    search_extra = models.TextField(_("检索词（其他）"), blank=True, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("search_words", config="simple", weight="A")
        + SearchVector("search_extra", config="simple", weight="C"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    items = models.ManyToManyField(Item, through="BundleItem", verbose_name=_("包含事项"), related_name="bundles")

    class Meta:
        verbose_name = _("一件事")
        verbose_name_plural = _("一件事")
        ordering = ["sort_order", "code"]
        indexes = [GinIndex(fields=["search_vector"], name="bundle_search_vector_gin", fastupdate=False)]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_limit__lte=F("statutory_limit")), name="bundle_promised_within_statutory"
            ),
            models.CheckConstraint(condition=Q(handling__in=Handling.values), name="bundle_handling_valid"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("catalog:bundle", args=[self.pk])


class BundleItem(models.Model):
    bundle = models.ForeignKey(Bundle, verbose_name=_("一件事"), on_delete=models.CASCADE, related_name="entries")
    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="bundle_entries")
    sort_order = models.PositiveSmallIntegerField(_("顺序"), default=1)

    class Meta:
        verbose_name = _("一件事包含的事项")
        verbose_name_plural = _("一件事包含的事项")
        ordering = ["bundle", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["bundle", "item"], name="bundleitem_unique")]

    def __str__(self):
        return f"{self.bundle} · {self.item}"


class Edition(models.Model):
    """A published edition of the catalogue (e.g. 行政许可事项清单（2026年版）); exactly one is current."""

    code = models.SlugField(_("版本编码"), max_length=32, unique=True)
    title = models.CharField(_("清单名称"), max_length=200)
    is_current = models.BooleanField(_("现行版本"), default=False)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    document_number = models.CharField(_("发布文号"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("清单版本")
        verbose_name_plural = _("清单版本")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="edition_one_current")
        ]

    def __str__(self):
        return self.title


class ItemVersion(models.Model):
    """An immutable snapshot of an item as published, materials included; applications point here.

    The database refuses UPDATE and DELETE on this table (migration 0004). `snapshot` keys (schema 1):
    id, base_code, implementation_code, name, item_type, level, service_objects, legal_basis,
    implementing_body, implementing_body_code, competent_department {id, code, name},
    supervising_department {id, code, name}, section {id, code, name}, statutory_limit, promised_limit,
    limit_note, case_type, channels, fully_online, max_visits, fee_kind, fee_amount (string or null),
    fee_text, inspection_required, risk_level, legal_review_required, tolerance_allowed,
    commitment_allowed, certificate_name, certificate_validity_years, renewal_lead_days (absent from versions made
    before it existed: read it with .get("renewal_lead_days", 30)), conditions, procedure,
    consult_phone, windows [{code, name, location}], materials [{id, code, name, sort_order,
    requirement, condition, originals, copies, medium, tolerable, source, shared_from, notes,
    registry_certificate_name, has_blank_form, has_sample}] (registry_certificate_name: versions frozen before it
    existed lack the key; read it with .get), faqs [{question, answer}].
    """

    SCHEMA = 1

    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    snapshot = models.JSONField(_("事项快照"))
    digest = models.CharField(_("内容摘要"), max_length=64)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    created_by_name = models.CharField(_("生成人"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("事项版本")
        verbose_name_plural = _("事项版本")
        ordering = ["item", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="itemversion_number_unique"),
            # Target of the composite foreign key that keeps a listing's version on the listing's item.
            models.UniqueConstraint(fields=["id", "item"], name="itemversion_id_item_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="itemversion_number_positive"),
        ]

    def __str__(self):
        return f"{self.snapshot.get('name', self.item_id)} v{self.number}"

    # Convenience readers for the applications issue: the rules the application was made under.
    @property
    def name(self) -> str:
        return self.snapshot["name"]

    @property
    def materials(self) -> list[dict]:
        return self.snapshot["materials"]

    @property
    def asked_materials(self) -> list[dict]:
        """The materials the applicant must supply (data-shared ones are never asked)."""
        return [m for m in self.snapshot["materials"] if m["source"] == MaterialSource.APPLICANT]

    @property
    def tolerable_material_ids(self) -> set[int]:
        return {m["id"] for m in self.snapshot["materials"] if m["tolerable"]}

    @property
    def statutory_limit(self) -> int:
        return self.snapshot["statutory_limit"]

    @property
    def promised_limit(self) -> int:
        return self.snapshot["promised_limit"]

    @property
    def channels(self) -> list[str]:
        return self.snapshot["channels"]


class Listing(models.Model):
    """An item's place in an edition: published (pointing to the version in force) or withdrawn."""

    edition = models.ForeignKey(Edition, verbose_name=_("清单版本"), on_delete=models.PROTECT, related_name="listings")
    item = models.ForeignKey(Item, verbose_name=_("事项"), on_delete=models.PROTECT, related_name="listings")
    version = models.ForeignKey(ItemVersion, verbose_name=_("现行版本"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=ListingStatus.choices, default=ListingStatus.PUBLISHED)
    published_at = models.DateTimeField(_("发布时间"))
    withdrawn_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    withdraw_reason = models.CharField(_("取消原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("清单条目")
        verbose_name_plural = _("清单条目")
        ordering = ["edition", "item"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "item"], name="listing_unique_per_edition"),
            models.CheckConstraint(
                condition=Q(status=ListingStatus.PUBLISHED, withdrawn_at__isnull=True)
                | Q(status=ListingStatus.WITHDRAWN, withdrawn_at__isnull=False),
                name="listing_withdrawn_has_time",
            ),
        ]
        indexes = [
            models.Index(
                fields=["edition", "item"], condition=Q(status="published"), name="listing_published_idx"
            )
        ]

    def __str__(self):
        return f"{self.edition} · {self.item} ({self.get_status_display()})"
