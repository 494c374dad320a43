"""Read-only API of the public catalogue, mounted at /api/catalog/ (documented at /api/schema/, /api/docs/).

The catalogue is public, so no sign-in is needed; only what the current edition publishes is listed.
"""
from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import permissions, routers, serializers, viewsets

from catalog import rules, selectors
from catalog.codesets import ONLINE_CHANNELS
from catalog.models import Bundle, Department, Item, Material
from portal.api import query_bool, query_int


class DepartmentSerializer(serializers.ModelSerializer):
    item_count = serializers.IntegerField(read_only=True, help_text="现行清单中以本部门为主管部门的已发布事项数")

    class Meta:
        model = Department
        fields = ["id", "code", "name", "short_name", "credit_code", "item_count"]


class MaterialSerializer(serializers.ModelSerializer):
    item = serializers.PrimaryKeyRelatedField(read_only=True)
    blank_form_url = serializers.SerializerMethodField()
    sample_url = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id", "item", "code", "name", "sort_order", "requirement", "condition", "originals", "copies", "medium",
            "tolerable", "source", "shared_from", "notes", "registry_certificate_name", "blank_form_url", "sample_url",
        ]

    def _url(self, obj, kind, field):
        if not field:
            return None
        path = reverse("catalog:material_file", args=[obj.pk, kind])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_blank_form_url(self, obj):
        return self._url(obj, "form", obj.blank_form)

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_sample_url(self, obj):
        return self._url(obj, "sample", obj.sample)


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]


class ItemListSerializer(serializers.ModelSerializer):
    competent_department = DepartmentRefSerializer(read_only=True)
    online = serializers.SerializerMethodField(help_text="可以网上（PC 或移动端）申请")
    limit_cut_percent = serializers.SerializerMethodField(help_text="承诺时限比法定时限压缩的百分比")
    guide_url = serializers.SerializerMethodField()

    class Meta:
        model = Item
        fields = [
            "id", "implementation_code", "base_code", "name", "item_type", "level", "service_objects",
            "competent_department", "statutory_limit", "promised_limit", "limit_cut_percent", "case_type", "channels",
            "online", "fully_online", "tolerance_allowed", "commitment_allowed", "guide_url",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_online(self, obj):
        return any(c in obj.channels for c in ONLINE_CHANNELS)

    @extend_schema_field(OpenApiTypes.INT)
    def get_limit_cut_percent(self, obj):
        return rules.limit_cut_percent(obj.statutory_limit, obj.promised_limit)

    @extend_schema_field(OpenApiTypes.URI)
    def get_guide_url(self, obj):
        request = self.context.get("request")
        path = reverse("catalog:item", args=[obj.pk])
        return request.build_absolute_uri(path) if request else path


class ItemDetailSerializer(ItemListSerializer):
    supervising_department = DepartmentRefSerializer(read_only=True)
    section = serializers.StringRelatedField()
    themes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta(ItemListSerializer.Meta):
        fields = ItemListSerializer.Meta.fields + [
            "legal_basis", "implementing_body", "implementing_body_code", "supervising_department", "section",
            "limit_note", "max_visits", "fee_kind", "fee_amount", "fee_text", "inspection_required", "risk_level",
            "legal_review_required", "certificate_name", "certificate_validity_years", "renewal_lead_days",
            "conditions", "procedure", "consult_phone", "themes", "materials",
        ]


class BundleItemRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="item.id")
    name = serializers.CharField(source="item.name")
    sort_order = serializers.IntegerField()


class MergedMaterialSerializer(serializers.Serializer):
    name = serializers.CharField()
    code = serializers.CharField(allow_blank=True)
    requirement = serializers.CharField()
    condition = serializers.CharField(allow_blank=True)
    originals = serializers.IntegerField()
    copies = serializers.IntegerField()
    tolerable = serializers.BooleanField()
    source = serializers.CharField()
    for_items = serializers.ListField(child=serializers.CharField())


class BundleSerializer(serializers.ModelSerializer):
    items = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField(help_text="合并后的一套材料：多个事项都需要的材料只收一次")

    class Meta:
        model = Bundle
        fields = [
            "id", "code", "title", "summary", "handling", "joint_issuance", "statutory_limit", "promised_limit",
            "items", "materials",
        ]

    @extend_schema_field(BundleItemRefSerializer(many=True))
    def get_items(self, obj):
        return BundleItemRefSerializer(obj.ordered_entries, many=True).data

    @extend_schema_field(MergedMaterialSerializer(many=True))
    def get_materials(self, obj):
        return MergedMaterialSerializer(selectors.bundle_materials(obj), many=True).data


class PublicReadOnly(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"\d+"  # ids are numbers: anything else is not found (404), never a 500
    permission_classes = [permissions.AllowAny]


class DepartmentViewSet(PublicReadOnly):
    """部门（主管、监管部门）。"""

    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.api_departments()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("keyword", str, description="检索词：事项名称、常用说法（如“开饭店”“办营业执照”）、部门或编码；"
                             "中文分词全文检索，热门事项在前；分词找不到时按中文子串匹配"),
            OpenApiParameter("department", str, description="主管部门 ID 或部门编码"),
            OpenApiParameter("service_object", str, description="服务对象代码（GB/T 39046）：1 自然人，2 企业法人……"),
            OpenApiParameter("online", bool, description="true：可网上申请；false：只能线下申请"),
            OpenApiParameter("theme", str, description="主题编码"),
        ]
    )
)
class ItemViewSet(PublicReadOnly):
    """现行清单中已发布的事项。"""

    def get_serializer_class(self):
        return ItemDetailSerializer if self.action == "retrieve" else ItemListSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.api_items(
            query=params.get("keyword", ""),
            department=params.get("department", ""),
            theme=params.get("theme", ""),
            service_object=params.get("service_object", ""),
            online=query_bool(self.request, "online"),
        )


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("item", int, description="事项 ID")]))
class MaterialViewSet(PublicReadOnly):
    """已发布事项的申请材料。"""

    serializer_class = MaterialSerializer

    def get_queryset(self):
        return selectors.api_materials(item=query_int(self.request, "item"))


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("keyword", str, description="检索词：一件事名称或常用说法（如“开饭店”），最相关的在前")]
    )
)
class BundleViewSet(PublicReadOnly):
    """已发布的一件事（事项组合）及其合并材料清单。"""

    serializer_class = BundleSerializer

    def get_queryset(self):
        query = self.request.query_params.get("keyword", "") if self.action == "list" else ""
        return selectors.api_bundles(query=query)


router = routers.DefaultRouter()
router.register("departments", DepartmentViewSet, basename="department")
router.register("items", ItemViewSet, basename="item")
router.register("materials", MaterialViewSet, basename="material")
router.register("bundles", BundleViewSet, basename="bundle")
