"""The application form of an item or a bundle: which fields it asks, built from the catalogue. Pure.

Every application asks the common fields (what is applied for, where, who to contact, how the result is
delivered). Items that need more register their extra fields here by their catalogue name (the name is the
same at every level, 四级四同); a bundle asks the union of its items' fields, each once.
Adding a form for an item is adding an entry to ITEM_FIELDS.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text | textarea | choice | date | mobile
    required: bool = True
    choices: tuple[str, ...] = ()
    help: str = ""
    max_length: int = 200
    # Only required when another field has this value: (field key, value).
    required_when: tuple[str, str] | None = None


@dataclass(frozen=True)
class FormSpec:
    fields: tuple[Field, ...] = field(default_factory=tuple)

    def keys(self) -> list[str]:
        return [f.key for f in self.fields]


DELIVERY_WINDOW = "窗口领取"
DELIVERY_POST = "邮寄送达"

COMMON_FIELDS = (
    Field("project_name", "项目或经营名称", help="例如：门店招牌名称、建设项目名称"),
    Field("site_address", "项目或经营场所地址", help="详细到门牌号"),
    Field("description", "申请内容说明", kind="textarea", max_length=2000,
          help="简要说明申请的事项、规模、经营范围等"),
    Field("contact_name", "联系人", max_length=64),
    Field("contact_mobile", "联系电话", kind="mobile", max_length=11),
    Field("delivery", "结果领取方式", kind="choice", choices=(DELIVERY_WINDOW, DELIVERY_POST)),
    Field("postal_address", "邮寄地址", required=False, required_when=("delivery", DELIVERY_POST),
          help="选择邮寄送达时填写"),
)

ITEM_FIELDS: dict[str, tuple[Field, ...]] = {
    "食品经营许可": (
        Field("food_business_type", "主体业态", kind="choice",
              choices=("食品销售经营者", "餐饮服务经营者", "单位食堂")),
        Field("food_business_items", "经营项目", help="例如：热食类食品制售、冷食类食品制售、预包装食品销售"),
        Field("business_area", "经营场所面积（平方米）", max_length=20),
    ),
    "公共场所卫生许可": (
        Field("venue_type", "场所类型", kind="choice",
              choices=("住宿场所", "沐浴场所", "美容美发场所", "游泳场所", "其他")),
        Field("business_area", "经营场所面积（平方米）", max_length=20),
    ),
    "建设工程规划许可": (
        Field("building_area", "总建筑面积（平方米）", max_length=20),
        Field("land_certificate", "不动产权证号或用地批准文号", max_length=100),
    ),
    "建筑工程施工许可": (
        Field("contract_price", "合同价格（万元）", max_length=20),
        Field("construction_unit", "施工单位名称", max_length=200),
    ),
}


def spec_for(item_names: Iterable[str]) -> FormSpec:
    """The form of an application covering these items (one name for a single item)."""
    fields = list(COMMON_FIELDS)
    seen = {f.key for f in fields}
    for name in item_names:
        for extra in ITEM_FIELDS.get(name, ()):
            if extra.key not in seen:
                fields.append(extra)
                seen.add(extra.key)
    return FormSpec(tuple(fields))


def clean(spec: FormSpec, data: dict, *, partial: bool = False) -> tuple[dict, dict[str, str]]:
    """(cleaned values, errors by field key). With `partial` (saving a draft) missing values are no error."""
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for f in spec.fields:
        raw = data.get(f.key, "")
        value = (raw if isinstance(raw, str) else str(raw or "")).strip()
        if len(value) > f.max_length:
            errors[f.key] = f"{f.label}不能超过 {f.max_length} 个字符。"
            continue
        if value and f.kind == "choice" and value not in f.choices:
            errors[f.key] = f"请从列表中选择{f.label}。"
            continue
        if value and f.kind == "mobile" and not MOBILE_RE.match(value):
            errors[f.key] = "请输入11位中国大陆手机号码。"
            continue
        cleaned[f.key] = value
    if not partial:
        for f in spec.fields:
            if f.key in errors or cleaned.get(f.key):
                continue
            needed = f.required
            if f.required_when:
                other, wanted = f.required_when
                needed = cleaned.get(other) == wanted
            if needed:
                errors[f.key] = f"请填写{f.label}。"
    return cleaned, errors


def missing_fields(spec: FormSpec, data: dict) -> list[str]:
    """Labels of the fields a submission still lacks (for the review page)."""
    _cleaned, errors = clean(spec, data)
    labels = {f.key: f.label for f in spec.fields}
    return [labels[key] for key in errors]
