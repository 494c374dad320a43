"""The applicant's API (mounted at /api/applications/): their applications with timeline and notices, drafts,
the form, uploads, submission, supplements and withdrawal. Same rules as the pages: the selectors return
only what the user may see (anyone else's application answers 404), every write is a service call, and a
service's refusal comes back as its Chinese message (400, 409 for a conflict, 429 when throttled).
"""
from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, parsers, routers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from applications import selectors, services
from applications.forms import STATUS_FILTERS
from applications.models import Applicant, Application, ApplicationMaterial, Status, UploadedFile
from catalog import selectors as catalog_selectors
from portal.api import LINK, query_choice, query_int
from portal.errors import DomainError
from portal.web import error_messages


# --- serializers ---------------------------------------------------------------------------------------------


# Choice fields are plain strings here (values in help_text): the same names with other choice sets in the
# catalogue's and the intake API would otherwise collide as enum components in the schema.
class ApplicationApplicantSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="person 自然人；enterprise 企业或其他组织")
    id_type = serializers.CharField(read_only=True, help_text="111 居民身份证；001 统一社会信用代码")
    id_number = serializers.CharField(source="masked_id", read_only=True, help_text="自然人身份证号码已脱敏")
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Applicant
        fields = ["id", "kind", "kind_display", "name", "id_type", "id_number"]


class UploadedFileSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = UploadedFile
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "superseded_at", "url", "material"]
        extra_kwargs = {"superseded_at": {"help_text": "被后来上传的文件替换的时间（已被替换的文件不计入当前材料）；为空表示当前文件"}}

    @extend_schema_field(LINK)
    def get_url(self, obj) -> str:
        return reverse("applications:file", args=[obj.public_id])


@extend_schema_field(LINK)
class LinkField(serializers.CharField):
    """A link the serializer is given as text (a notice's address from the audit row)."""


class RegistryLicenceSerializer(serializers.Serializer):
    from_registry = serializers.BooleanField(help_text="为 true 时由电子证照库调取（持有有效证照），无需上传")
    name = serializers.CharField(help_text="证照名称")
    number = serializers.CharField(help_text="证照编号")
    electronic_id = serializers.CharField(help_text="电子证照标识")
    valid_until = serializers.DateField(allow_null=True, help_text="有效期至（为空表示长期有效）")
    reading = serializers.CharField(
        allow_null=True, help_text="草稿：今日状态 valid 有效；expired 已过期；suspended 已暂扣；revoked 已撤销；"
                                   "superseded 已换发新证；not_yet_valid 尚未生效。已提交的办件为空（提交时有效）")
    reading_label = serializers.CharField(allow_null=True)
    verify_url = LinkField(help_text="公开核验页面")


def registry_entry(material) -> dict | None:
    """The material's licence: recorded at submission, or for a draft the one the applicant holds today."""
    reference = material.registry_reference
    if reference:
        return {**reference, "from_registry": True, "reading": None, "reading_label": None}
    licence = getattr(material, "registry_licence", None)
    if licence is None:
        return None
    return {"from_registry": licence.is_valid, "name": licence.name, "number": licence.number,
            "electronic_id": licence.electronic_id, "valid_until": licence.valid_until, "reading": licence.reading,
            "reading_label": licence.reading_label, "verify_url": licence.verify_url}


class ApplicationMaterialSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, help_text="applicant 申请人提交；shared 部门共享获取；supplement 补正通知增加")
    files = UploadedFileSerializer(many=True, read_only=True)
    asked = serializers.BooleanField(read_only=True, help_text="为 false 时由部门共享获取，无需提交")
    registry_certificate_name = serializers.CharField(
        read_only=True, help_text="可由电子证照库调取的证照名称（申请人持有有效证照时免上传）；为空表示不调取")
    registry = serializers.SerializerMethodField(help_text="电子证照库中证明该材料的证照；无则为空")

    class Meta:
        model = ApplicationMaterial
        fields = ["id", "name", "required", "condition", "notes", "source", "asked", "shared_from", "tolerable",
                  "tolerance_requested", "tolerance_due_date", "supplied_at", "for_items", "files",
                  "registry_certificate_name", "registry"]

    @extend_schema_field(RegistryLicenceSerializer(allow_null=True))
    def get_registry(self, obj):
        entry = registry_entry(obj)
        return RegistryLicenceSerializer(entry).data if entry else None


class ApplicationListSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    applicant = serializers.CharField(source="applicant.name", read_only=True)
    open_supplements = serializers.IntegerField(read_only=True)
    channel = serializers.CharField(read_only=True, help_text="1 窗口；2 网上（PC）；3 移动端；4 快递")

    class Meta:
        model = Application
        fields = ["id", "case_number", "title", "status", "status_display", "applicant", "channel", "created_at",
                  "updated_at", "submitted_at", "open_supplements"]


class TimelineStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    who = serializers.CharField(help_text="角色，而非姓名")
    what = serializers.CharField()
    opinion = serializers.CharField()
    to_state = serializers.CharField()


class ApplicationNoticeSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="文书的随机编号（UUID）")
    number = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    url = LinkField()


class SupplementEntrySerializer(serializers.Serializer):
    material = serializers.IntegerField(source="material_id")
    name = serializers.CharField(source="material.name")
    reason = serializers.CharField()


class OpenSupplementSerializer(serializers.Serializer):
    requested_at = serializers.DateTimeField()
    due_date = serializers.DateField()
    note = serializers.CharField()
    items = SupplementEntrySerializer(many=True, source="items.all")


class SignedCommitmentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    signatory_name = serializers.CharField()
    method = serializers.CharField()
    signed_at = serializers.DateTimeField()


class ApplicationDetailSerializer(ApplicationListSerializer):
    applicant = ApplicationApplicantSerializer(read_only=True)
    items = serializers.SerializerMethodField()
    materials = ApplicationMaterialSerializer(many=True, read_only=True)
    commitments = SignedCommitmentSerializer(many=True, read_only=True)
    timeline = serializers.SerializerMethodField()
    notices = serializers.SerializerMethodField()
    open_supplement = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField(help_text="草稿尚缺的内容（提交前需补齐）")
    open_supplements = None  # the list's count; the detail has the open notice itself

    class Meta(ApplicationListSerializer.Meta):
        fields = [f for f in ApplicationListSerializer.Meta.fields if f != "open_supplements"] + [
            "bundle", "items", "form_data", "last_step", "received_at", "intake_due_date", "accepted_at",
            "deemed_accepted", "promised_due_date", "decided_at", "finished_at", "end_reason", "materials",
            "commitments", "timeline", "notices", "open_supplement", "missing",
        ]

    def to_representation(self, instance):
        if instance.status == Status.DRAFT:
            selectors.with_registry(instance)  # each material's licence read today (one registry query)
        return super().to_representation(instance)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_items(self, obj) -> list[str]:
        return [ai.item_version.name for ai in obj.items.all()]

    @extend_schema_field(TimelineStepSerializer(many=True))
    def get_timeline(self, obj):
        return TimelineStepSerializer(selectors.timeline(obj), many=True).data

    @extend_schema_field(ApplicationNoticeSerializer(many=True))
    def get_notices(self, obj):
        return selectors.notices(obj)

    @extend_schema_field(OpenSupplementSerializer(allow_null=True))
    def get_open_supplement(self, obj):
        supplement = selectors.open_supplement(obj)
        return OpenSupplementSerializer(supplement).data if supplement else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing(self, obj) -> list[str]:
        if obj.status != Status.DRAFT:
            return []
        held = {m.pk: m.registry_licence for m in obj.materials.all() if getattr(m, "registry_licence", None)}
        return services.readiness(obj, held).messages()


class ApplicationCreateSerializer(serializers.Serializer):
    applicant = serializers.IntegerField(help_text="申请主体 ID（见 /api/applications/applicants/）")
    item = serializers.IntegerField(required=False, allow_null=True, help_text="事项 ID")
    bundle = serializers.IntegerField(required=False, allow_null=True, help_text="一件事 ID")

    def validate(self, attrs):
        if bool(attrs.get("item")) == bool(attrs.get("bundle")):
            raise serializers.ValidationError("请选择一个事项或一件事。")
        return attrs


class ApplicationFormSerializer(serializers.Serializer):
    data = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="字段键 → 值")
    final = serializers.BooleanField(default=False, help_text="为 true 时检查必填项（进入下一步）")


class MaterialUploadSerializer(serializers.Serializer):
    material = serializers.IntegerField(help_text="材料 ID")
    file = serializers.FileField()
    replace = serializers.BooleanField(default=False, help_text="为 true 时该材料已上传的文件标记为已被替换（保留，不计入）")


class MaterialBatchUploadSerializer(serializers.Serializer):
    material = serializers.IntegerField(help_text="材料 ID")
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False, max_length=20,
                                  help_text="一个或多个文件（最多 20 个；多页扫描件可作为一个 PDF 上传）")
    replace = serializers.BooleanField(default=False, help_text="为 true 时第一个成功上传的文件替换该材料已上传的文件")


class RefusedFileSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="文件名")
    errors = serializers.ListField(child=serializers.CharField(), help_text="拒收原因")


class BatchUploadResultSerializer(serializers.Serializer):
    stored = UploadedFileSerializer(many=True, help_text="已保存的文件")
    refused = RefusedFileSerializer(many=True, help_text="被拒收的文件（类型或大小不符等），其余文件照常保存")


class WithdrawReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class FilingChoiceSerializer(serializers.Serializer):
    applicant = ApplicationApplicantSerializer()
    consent_until = serializers.DateField(allow_null=True, help_text="代办授权截止日期（本人或所代表企业为空）")


# --- views ---------------------------------------------------------------------------------------------------

STATUSES = [k for k, _label in STATUS_FILTERS if k]


@extend_schema_view(
    list=extend_schema(summary="我的办件", parameters=[
        OpenApiParameter("status", str, enum=STATUSES, description="状态；open 为办理中"),
        OpenApiParameter("q", str, description="办件编号或事项名称"),
    ]),
    retrieve=extend_schema(summary="办件详情（含办理过程、通知书、待补正清单）"),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"  # ids are numbers: anything else is not found (404), never a 500
    serializer_class = ApplicationListSerializer
    queryset = Application.objects.none()

    def get_queryset(self):
        return selectors.my_applications(self.request.user, status=query_choice(self.request, "status", STATUSES),
                                         query=self.request.query_params.get("q", ""))

    def get_serializer_class(self):
        return ApplicationListSerializer if self.action == "list" else ApplicationDetailSerializer

    def get_object(self):
        application = selectors.application_detail(self.request.user, self.kwargs["pk"])
        if application is None:
            raise Http404
        return application

    def _editable(self):
        application = selectors.editable_application(self.request.user, self.kwargs["pk"])
        if application is None or selectors.application_detail(self.request.user, application.pk) is None:
            raise Http404
        return application

    def _detail(self, pk, code=status.HTTP_200_OK):
        return Response(ApplicationDetailSerializer(selectors.application_detail(self.request.user, pk)).data,
                        status=code)

    @extend_schema(summary="创建草稿", request=ApplicationCreateSerializer, responses={201: ApplicationDetailSerializer})
    def create(self, request):
        serializer = ApplicationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        item = bundle = None
        if data.get("item"):
            item = catalog_selectors.published_items().filter(pk=data["item"]).first()
            if item is None:
                raise exceptions.ValidationError({"item": ["事项不存在或未发布（清单之外无审批）。"]})
        else:
            bundle = catalog_selectors.published_bundles().filter(pk=data["bundle"]).first()
            if bundle is None:
                raise exceptions.ValidationError({"bundle": ["一件事不存在或未发布。"]})
        choices = selectors.applicants_for_filing(request.user, item=item, bundle=bundle)
        applicant = next((a for a, _c in choices if a.pk == data["applicant"]), None)
        if applicant is None:
            raise exceptions.ValidationError({"applicant": ["您不能以该申请人的名义申请。"]})
        application = services.start_application(request.user, applicant, item=item, bundle=bundle,
                           request=request)
        return self._detail(application.pk, status.HTTP_201_CREATED)

    @extend_schema(summary="保存申请表（草稿）", request=ApplicationFormSerializer,
                   responses={200: ApplicationDetailSerializer, 400: OpenApiResponse(description="字段错误")})
    @action(detail=True, methods=["put"], url_path="form")
    def save_form(self, request, pk=None):
        application = self._editable()
        serializer = ApplicationFormSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        errors = services.save_form(application, request.user, serializer.validated_data["data"],
                      final=serializer.validated_data["final"], request=request)
        if errors:
            raise exceptions.ValidationError({"data": errors})
        return self._detail(application.pk)

    @extend_schema(summary="上传材料文件", request={"multipart/form-data": MaterialUploadSerializer},
                   responses={201: UploadedFileSerializer})
    @action(detail=True, methods=["post"], url_path="files",
            parser_classes=[parsers.MultiPartParser, parsers.FormParser])
    def upload(self, request, pk=None):
        application = self._editable()
        serializer = MaterialUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        material = next((m for m in application.materials.all() if m.pk == serializer.validated_data["material"]),
                        None)
        if material is None:
            raise exceptions.ValidationError({"material": ["材料不属于该申请。"]})
        stored = services.upload_file(application, material, request.user, serializer.validated_data["file"],
                                      replace=serializer.validated_data["replace"], request=request)
        return Response(UploadedFileSerializer(stored).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="一次上传多个材料文件", request={"multipart/form-data": MaterialBatchUploadSerializer},
                   responses={201: BatchUploadResultSerializer,
                              400: OpenApiResponse(description="全部文件被拒收，或参数错误")})
    @action(detail=True, methods=["post"], url_path="files/batch",
            parser_classes=[parsers.MultiPartParser, parsers.FormParser])
    def upload_batch(self, request, pk=None):
        application = self._editable()
        serializer = MaterialBatchUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        material = next((m for m in application.materials.all() if m.pk == serializer.validated_data["material"]),
                        None)
        if material is None:
            raise exceptions.ValidationError({"material": ["材料不属于该申请。"]})
        stored, refused = services.upload_files(application, material, request.user,
                                                serializer.validated_data["files"],
                                                replace=serializer.validated_data["replace"], request=request)
        refused_rows = [{"name": name, "errors": error_messages(exc)} for name, exc in refused]
        if not stored:  # every file refused: the refusal as the single upload gives it (400 with its message)
            if all(r["errors"] == refused_rows[0]["errors"] for r in refused_rows):
                raise refused[0][1]  # the same reason for all (e.g. the state does not allow uploads)
            raise DomainError(" ".join(f"{r['name']}：{'；'.join(r['errors'])}" for r in refused_rows),
                              code="all_refused")
        return Response(BatchUploadResultSerializer({"stored": stored, "refused": refused_rows}).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(summary="提交申请（返回办件编号）", request=None, responses={200: ApplicationDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self._editable()
        services.submit(application, request.user, request=request)
        return self._detail(application.pk)

    @extend_schema(summary="补正后重新提交", request=None, responses={200: ApplicationDetailSerializer})
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        application = self._editable()
        services.resubmit(application, request.user, request=request)
        return self._detail(application.pk)

    @extend_schema(summary="撤回申请（作出决定前）", request=WithdrawReasonSerializer, responses={200: ApplicationDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self._editable()
        serializer = WithdrawReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.withdraw(application, request.user, serializer.validated_data["reason"], request=request)
        return self._detail(application.pk)


@extend_schema_view(list=extend_schema(summary="可以为其申请的主体", parameters=[
    OpenApiParameter("item", int, description="事项 ID（代办员：只列出授权覆盖该事项的委托人）"),
    OpenApiParameter("bundle", int, description="一件事 ID"),
]))
class FilingChoiceViewSet(viewsets.ViewSet):
    serializer_class = FilingChoiceSerializer

    def list(self, request):
        item = bundle = None
        item_id, bundle_id = query_int(request, "item"), query_int(request, "bundle")
        if item_id is not None:
            item = catalog_selectors.published_items().filter(pk=item_id).first()
        elif bundle_id is not None:
            bundle = catalog_selectors.published_bundles().filter(pk=bundle_id).first()
        rows = [{"applicant": a, "consent_until": c.valid_until if c else None}
                for a, c in selectors.applicants_for_filing(request.user, item=item, bundle=bundle)]
        return Response(FilingChoiceSerializer(rows, many=True).data)


router = routers.DefaultRouter()
router.register("applications", ApplicationViewSet, basename="application")
router.register("applicants", FilingChoiceViewSet, basename="applicant")

from applications.problems.api import WorkOrderViewSet  # noqa: E402 - 12345 work orders (applications/problems/)

router.register("hotline-orders", WorkOrderViewSet, basename="hotline-order")
