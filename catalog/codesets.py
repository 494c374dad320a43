"""Code sets of GB/T 39046-2020 (platform base data) and the catalogue's own small enumerations.

The stored values are the standard's codes, so records can be exchanged with provincial platforms as they are;
the labels are what people read.
"""
from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """事项类型."""

    LICENSING = "01", _("行政许可")
    PENALTY = "02", _("行政处罚")
    COERCION = "03", _("行政强制")
    LEVY = "04", _("行政征收")
    BENEFIT = "05", _("行政给付")
    INSPECTION = "06", _("行政检查")
    CONFIRMATION = "07", _("行政确认")
    REWARD = "08", _("行政奖励")
    ADJUDICATION = "09", _("行政裁决")
    OTHER_POWER = "10", _("其他行政权力")
    PUBLIC_SERVICE = "20", _("公共服务")


class Level(models.TextChoices):
    """行使层级."""

    NATIONAL = "1", _("国家级")
    PROVINCIAL = "2", _("省级")
    MUNICIPAL = "3", _("市级")
    COUNTY = "4", _("县级")
    TOWNSHIP = "5", _("乡镇（街道）级")
    VILLAGE = "6", _("村（社区）级")


class ServiceObject(models.TextChoices):
    """服务对象."""

    NATURAL_PERSON = "1", _("自然人")
    ENTERPRISE = "2", _("企业法人")
    PUBLIC_INSTITUTION = "3", _("事业法人")
    SOCIAL_ORGANISATION = "4", _("社会组织法人")
    UNINCORPORATED = "5", _("非法人企业")
    GOVERNMENT = "6", _("行政机关")
    OTHER = "9", _("其他组织")


# The guide's "person / enterprise" filter: which service-object codes each side covers.
AUDIENCE_OBJECTS = {
    "person": [ServiceObject.NATURAL_PERSON],
    "enterprise": [
        ServiceObject.ENTERPRISE,
        ServiceObject.PUBLIC_INSTITUTION,
        ServiceObject.SOCIAL_ORGANISATION,
        ServiceObject.UNINCORPORATED,
        ServiceObject.OTHER,
    ],
}


class Channel(models.TextChoices):
    """办理渠道 (how an application may be made)."""

    WINDOW = "1", _("窗口办理")
    PC = "2", _("网上办理")
    MOBILE = "3", _("掌上办理")
    EXPRESS = "4", _("邮寄申请")


ONLINE_CHANNELS = (Channel.PC, Channel.MOBILE)


class CaseType(models.TextChoices):
    """办件类型."""

    INSTANT = "1", _("即办件")
    PROMISED = "2", _("承诺件")


class RiskLevel(models.TextChoices):
    """风险等级 (for supervision after approval)."""

    HIGH = "high", _("重")
    MEDIUM = "medium", _("中")
    LOW = "low", _("轻")


class FeeKind(models.TextChoices):
    FREE = "free", _("不收费")
    FIXED = "fixed", _("定额收费")
    TEXT = "text", _("按标准收费")


class Requirement(models.TextChoices):
    REQUIRED = "required", _("必要")
    CONDITIONAL = "conditional", _("情形必要")


class Medium(models.TextChoices):
    PAPER = "paper", _("纸质")
    ELECTRONIC = "electronic", _("电子")
    BOTH = "both", _("纸质或电子")


class MaterialSource(models.TextChoices):
    APPLICANT = "applicant", _("申请人自备")
    SHARED = "shared", _("部门共享获取")


class Handling(models.TextChoices):
    PARALLEL = "parallel", _("并联办理")
    ORDERED = "ordered", _("按序办理")


class ListingStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已取消")


def label_of(choices, value) -> str:
    """The label of a code, or the code itself when it is not (or no longer) in the set."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)
