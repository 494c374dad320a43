"""The receive stage's API (mounted at /api/approvals/): the intake queue, one application as the clerk sees
it, claim/release, every intake outcome as an action, and the issuing window: the queue of decided applications
(`issuing/`) and the handover of one (`intake/<id>/handover/`, which issues and closes it).

Same rules as the pages: the window-clerk role to see intake work (an administrator may read), every write
is a service call (which checks the clerk, the claim and the state again), and a service's refusal comes
back as its Chinese message (400; 403 when not allowed; 409 when someone else acted first).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from applications.models import Applicant, Application, ApplicationMaterial, Status, UploadedFile
from approvals.cases import selectors as case_selectors
from approvals.cases.models import ApprovalCase
from approvals.intake import policy, selectors, services
from approvals.intake.models import Handover
from approvals.api_shared import NoticeRefSerializer
from approvals.notices import notices_of
from portal import clock
from portal.api import LINK, query_choice


class IsWindowClerk(permissions.BasePermission):
    """Window clerks; administrators may read. The services check the clerk again on every write."""

    message = "只有综合窗口受理人员可以使用受理接口。"

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return policy.may_look(user)
        return policy.is_clerk(user)


# --- serializers -------------------------------------------------------------------------------------------------


class IntakeApplicantSerializer(serializers.ModelSerializer):
    # Plain strings, not enums: the same choice sets appear in other apps' schemas under other names.
    kind = serializers.CharField(read_only=True, help_text="person 自然人；enterprise 企业或其他组织")
    id_type = serializers.CharField(read_only=True, help_text="111 居民身份证；001 统一社会信用代码")

    class Meta:
        model = Applicant
        fields = ["id", "kind", "name", "id_type", "id_number", "legal_representative", "contact_mobile", "bad_credit"]


class IntakeClerkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class IntakeQueueRowSerializer(serializers.ModelSerializer):
    applicant = IntakeApplicantSerializer(read_only=True)
    bundle_title = serializers.CharField(source="bundle.title", default=None, allow_null=True, read_only=True)
    days_left = serializers.SerializerMethodField(help_text="5 个工作日受理时限的剩余工作日（负数为已超期）")
    resubmitted = serializers.SerializerMethodField(help_text="补正后重新提交")
    claimed_by = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    channel = serializers.CharField(read_only=True, help_text="申请渠道（GB/T 39046）：1 窗口，2 PC，3 移动端，4 邮寄")
    status = serializers.CharField(read_only=True, help_text="办件状态：submitted 待受理，accepted 已受理……")

    class Meta:
        model = Application
        fields = ["id", "case_number", "title", "status", "channel", "bundle", "bundle_title", "applicant",
                  "submitted_at", "received_at", "intake_due_date", "days_left", "resubmitted", "claimed_by", "url"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_left(self, obj):
        return clock.working_days_left(obj.intake_due_date) if obj.intake_due_date else None

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_resubmitted(self, obj):
        return bool(obj.received_at and obj.submitted_at and obj.received_at > obj.submitted_at)

    @extend_schema_field(IntakeClerkSerializer(allow_null=True))
    def get_claimed_by(self, obj):
        claim = obj.claim if hasattr(obj, "claim") else _claim_of(obj)
        return IntakeClerkSerializer(claim.clerk).data if claim else None

    @extend_schema_field(LINK)
    def get_url(self, obj):
        return reverse("approvals:intake", args=[obj.pk])


def _claim_of(application):
    try:
        return application.intake_claim
    except Application.intake_claim.RelatedObjectDoesNotExist:
        return None


class IntakeFileSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = UploadedFile
        fields = ["id", "original_name", "content_type", "size", "uploaded_at", "url"]

    @extend_schema_field(LINK)
    def get_url(self, obj):
        return reverse("approvals:file", args=[obj.public_id])


class IntakeMaterialSerializer(serializers.ModelSerializer):
    asked = serializers.BooleanField(read_only=True, help_text="为 false 时由部门共享获取，无需提交")
    files = IntakeFileSerializer(many=True, read_only=True)

    class Meta:
        model = ApplicationMaterial
        fields = ["id", "name", "required", "source", "shared_from", "tolerable", "tolerance_requested",
                  "tolerance_due_date", "supplied_at", "overdue_at", "asked", "files"]


class IntakeItemSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    name = serializers.CharField(source="item_version.name")
    promised_limit = serializers.IntegerField(source="item_version.promised_limit")
    statutory_limit = serializers.IntegerField(source="item_version.statutory_limit")


class IntakeCaseSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="item_version.name", read_only=True)
    stage = serializers.CharField(read_only=True, help_text="审批环节：received 已受理待审查，review 审查……")

    class Meta:
        model = ApprovalCase
        fields = ["id", "item", "name", "stage", "accepted_at", "promised_due_date", "statutory_due_date",
                  "by_commitment"]


class DocumentSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="notice 决定文书；certificate 证照")
    title = serializers.CharField()
    number = serializers.CharField()
    issued_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="文书页面")
    pdf_url = serializers.SerializerMethodField(help_text="PDF 地址（打印即打开 PDF）；生成前为 null")

    @extend_schema_field(LINK)
    def get_url(self, obj):
        return obj.url

    @extend_schema_field({**LINK, "nullable": True})
    def get_pdf_url(self, obj):
        return obj.pdf_url


class HandoverSerializer(serializers.ModelSerializer):
    method = serializers.CharField(read_only=True, help_text="window 窗口领取；post 邮寄送达")
    relation = serializers.CharField(read_only=True, help_text="self 本人；agent 委托代理人；legal_rep 法定代表人；邮寄为空")
    recipient_id_type = serializers.CharField(read_only=True, help_text="111 居民身份证；414 普通护照……；邮寄为空")
    carrier = serializers.CharField(read_only=True, help_text="ems、sf 顺丰、jd 京东、other 其他；窗口领取为空")
    recorded_by = IntakeClerkSerializer(read_only=True)

    class Meta:
        model = Handover
        fields = ["method", "recipient_name", "relation", "recipient_id_type", "recipient_id_number", "id_checked",
                  "receipt_signed", "note", "carrier", "tracking_number", "recorded_by", "recorded_at"]


class IntakeDetailSerializer(IntakeQueueRowSerializer):
    items = IntakeItemSerializer(many=True, read_only=True)
    materials = IntakeMaterialSerializer(many=True, read_only=True)
    notices = serializers.SerializerMethodField()
    cases = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField(help_text="统一出件时交付的文书（selectors.documents_for）")
    handover = serializers.SerializerMethodField(help_text="出件记录；尚未出件为 null")

    class Meta(IntakeQueueRowSerializer.Meta):
        fields = IntakeQueueRowSerializer.Meta.fields + ["form_data", "accepted_at", "promised_due_date",
                                                   "deemed_accepted", "decided_at", "issue_due_on", "items",
                                                   "materials", "notices", "cases", "documents", "handover"]

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, obj):
        return DocumentSerializer(selectors.documents_for(obj), many=True).data

    @extend_schema_field(HandoverSerializer(allow_null=True))
    def get_handover(self, obj):
        handover = selectors.handover_of(obj)
        return HandoverSerializer(handover).data if handover else None

    @extend_schema_field(NoticeRefSerializer(many=True))
    def get_notices(self, obj):
        return NoticeRefSerializer(notices_of(obj), many=True).data

    @extend_schema_field(IntakeCaseSerializer(many=True))
    def get_cases(self, obj):
        return IntakeCaseSerializer(case_selectors.cases_of(obj), many=True).data


# Inputs of the actions.


class IntakeOpinionInput(serializers.Serializer):
    opinion = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class IntakeSupplementEntryInput(serializers.Serializer):
    material = serializers.IntegerField(required=False, help_text="申请材料 ID（清单内材料）")
    name = serializers.CharField(max_length=200, required=False, help_text="清单外材料的名称")
    reason = serializers.CharField(max_length=300, help_text="补正原因")

    def validate(self, data):
        if ("material" in data) == bool((data.get("name") or "").strip()):
            raise serializers.ValidationError("每项请给出材料 ID 或清单外材料名称（二选一）。")
        return data


class IntakeSupplementInput(serializers.Serializer):
    items = IntakeSupplementEntryInput(many=True, allow_empty=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class IntakeRefuseInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    refer_to = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class IntakeToleratedInput(serializers.Serializer):
    material = serializers.IntegerField()
    due_date = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="补交期限；不填为承诺办结日期")


class IntakeToleranceInput(IntakeOpinionInput):
    materials = IntakeToleratedInput(many=True, allow_empty=False)
    paper_signatory = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class IntakeCommitmentInput(IntakeOpinionInput):
    decide_now = serializers.BooleanField(required=False, default=False)
    paper_signatory = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class HandoverInput(serializers.Serializer):
    """What the window or the post needs is checked by the service (400 with the problems in detail)."""

    method = serializers.ChoiceField(choices=Handover.Method.values, help_text="window 窗口领取；post 邮寄送达")
    recipient_name = serializers.CharField(max_length=64, help_text="领取人（邮寄为收件人）姓名")
    relation = serializers.ChoiceField(choices=["", *Handover.Relation.values], required=False, default="",
                                       help_text="窗口领取必填：self 本人；agent 委托代理人；legal_rep 法定代表人")
    id_type = serializers.ChoiceField(choices=["", *Handover.IdType.values], required=False, default="",
                                      help_text="窗口领取必填：111 居民身份证；414 普通护照；516 港澳居民来往内地通行证；"
                                                "511 台湾居民来往大陆通行证；553 外国人永久居留身份证；990 其他")
    id_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                      help_text="窗口领取必填：领取人的证件号码")
    id_checked = serializers.BooleanField(required=False, default=False, help_text="窗口领取须为 true：已当面核验证件")
    receipt_signed = serializers.BooleanField(required=False, default=False,
                                              help_text="窗口领取须为 true：领取人已在纸质回执上签字")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    carrier = serializers.ChoiceField(choices=["", *Handover.Carrier.values], required=False, default="",
                                      help_text="邮寄必填：ems、sf 顺丰、jd 京东、other 其他")
    tracking_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="",
                                            help_text="邮寄必填：8 至 30 位字母或数字")


class HandoverResultSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="办件的新状态（closed 已办结）")
    handover = HandoverSerializer()
    documents = DocumentSerializer(many=True)


class IntakeOutcomeSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="办件的新状态")
    notices = NoticeRefSerializer(many=True)


class IntakeClaimSerializer(serializers.Serializer):
    claimed_by = IntakeClerkSerializer(allow_null=True)


ERRORS = {
    400: OpenApiResponse(description="服务拒绝：中文说明在 detail 中"),
    403: OpenApiResponse(description="无权操作（非综合窗口受理人员、已由他人认领、回避等）"),
    404: OpenApiResponse(description="办件不存在或不在受理范围"),
    409: OpenApiResponse(description="他人已先处理该办件（状态已变化）"),
}


# --- viewsets ------------------------------------------------------------------------------------------------

SCOPES = ["mine", "claimed", "unclaimed"]


@extend_schema_view(
    list=extend_schema(summary="受理队列", parameters=[
        OpenApiParameter("scope", str, enum=SCOPES, description="mine 我认领的；claimed 已认领；unclaimed 未认领"),
        OpenApiParameter("q", str, description="办件编号、申请人或事项名称片段"),
    ]),
    retrieve=extend_schema(summary="受理办件详情"),
)
class IntakeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """综合受理：待受理的申请（按收件时间先后），认领、释放，以及各项受理决定。"""
    lookup_value_regex = r"\d+"  # ids are numbers: anything else is not found (404), never a 500

    permission_classes = [IsWindowClerk]
    queryset = Application.objects.none()

    def get_serializer_class(self):
        return IntakeDetailSerializer if self.action == "retrieve" else IntakeQueueRowSerializer

    def get_queryset(self):
        params = self.request.query_params
        scope = query_choice(self.request, "scope", SCOPES)
        return selectors.intake_queue(
            clerk=self.request.user, mine=scope == "mine", query=params.get("q", "")[:50],
            claimed=True if scope == "claimed" else False if scope == "unclaimed" else None,
        )

    def get_object(self):
        pk = self.kwargs.get("pk", "")
        application = selectors.intake_application(self.request.user, int(pk)) if str(pk).isdigit() else None
        if application is None or application.status == Status.DRAFT:
            raise Http404
        return application

    def _outcome(self, request, input_class, run):
        application = self.get_object()
        data = None
        if input_class is not None:
            serializer = input_class(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
        notices = run(application, data)
        notices = notices if isinstance(notices, list) else [notices]
        current = Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()
        return Response(IntakeOutcomeSerializer({"status": current, "notices": notices}).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="认领", request=None, responses={200: IntakeClaimSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        application = self.get_object()
        claimed = services.claim(application, request.user, request=request)
        return Response(IntakeClaimSerializer({"claimed_by": claimed.clerk}).data)

    @extend_schema(summary="释放认领", request=None, responses={200: IntakeClaimSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        application = self.get_object()
        services.release(application, request.user, request=request)
        return Response(IntakeClaimSerializer({"claimed_by": None}).data)

    @extend_schema(summary="受理", request=IntakeOpinionInput, responses={201: IntakeOutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._outcome(request, IntakeOpinionInput, lambda app, d: services.accept(
            app, request.user, opinion=d["opinion"], request=request))

    @extend_schema(summary="一次性告知补正", request=IntakeSupplementInput, responses={201: IntakeOutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="request-supplement")
    def request_supplement(self, request, pk=None):
        def run(app, d):
            materials = {m.pk: m for m in app.materials.all()}
            entries = []
            for entry in d["items"]:
                if "material" in entry:
                    if entry["material"] not in materials:
                        raise DjangoValidationError("材料不属于该申请。", code="material")
                    entries.append((materials[entry["material"]], entry["reason"]))
                else:
                    entries.append((entry["name"].strip(), entry["reason"]))
            return services.request_supplement(app, request.user, entries, note=d["note"], due_date=d["due_date"],
                                               request=request)

        return self._outcome(request, IntakeSupplementInput, run)

    @extend_schema(summary="不予受理", request=IntakeRefuseInput, responses={201: IntakeOutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        return self._outcome(request, IntakeRefuseInput, lambda app, d: services.refuse(
            app, request.user, reason=d["reason"], refer_to=d["refer_to"], request=request))

    @extend_schema(summary="容缺受理", request=IntakeToleranceInput, responses={201: IntakeOutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="accept-with-tolerance")
    def accept_with_tolerance(self, request, pk=None):
        return self._outcome(request, IntakeToleranceInput, lambda app, d: services.accept_with_tolerance(
            app, request.user, {m["material"]: m["due_date"] for m in d["materials"]},
            paper_signatory=d["paper_signatory"], opinion=d["opinion"], request=request))

    @extend_schema(summary="告知承诺制受理（可当场办结）", request=IntakeCommitmentInput,
                   responses={201: IntakeOutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="accept-on-commitment")
    def accept_on_commitment(self, request, pk=None):
        return self._outcome(request, IntakeCommitmentInput, lambda app, d: services.accept_on_commitment(
            app, request.user, decide_now=d["decide_now"], paper_signatory=d["paper_signatory"],
            opinion=d["opinion"], request=request))

    @extend_schema(summary="即办件受理并当场办结", request=IntakeOpinionInput, responses={201: IntakeOutcomeSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="accept-and-decide-instant")
    def accept_and_decide_instant(self, request, pk=None):
        return self._outcome(request, IntakeOpinionInput, lambda app, d: services.accept_and_decide_instant(
            app, request.user, opinion=d["opinion"], request=request))

    @extend_schema(summary="统一出件（窗口领取或邮寄送达），出证并办结", request=HandoverInput,
                   responses={201: HandoverResultSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def handover(self, request, pk=None):
        application = self.get_object()
        serializer = HandoverInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        handover = services.record_handover(application, request.user, request=request, **serializer.validated_data)
        current = Application.objects.filter(pk=application.pk).values_list("status", flat=True).get()
        return Response(HandoverResultSerializer({"status": current, "handover": handover,
                                                  "documents": selectors.documents_for(application)}).data,
                        status=status.HTTP_201_CREATED)


class IssuingRowSerializer(serializers.ModelSerializer):
    applicant = IntakeApplicantSerializer(read_only=True)
    bundle_title = serializers.CharField(source="bundle.title", default=None, allow_null=True, read_only=True)
    items = serializers.SerializerMethodField()
    days_left = serializers.SerializerMethodField(help_text="出件期限（第四十四条，10 个工作日）的剩余工作日，负数为已超期")
    colour = serializers.SerializerMethodField(help_text="green 正常；yellow 临近出件期限；red 已超期")
    documents = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "case_number", "title", "bundle", "bundle_title", "applicant", "items", "decided_at",
                  "issue_due_on", "days_left", "colour", "documents", "url"]

    def _row(self, obj):
        rows = self.context.setdefault("rows", {})
        if obj.pk not in rows:
            rows[obj.pk] = selectors.issuing_rows([obj])[0]
        return rows[obj.pk]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_items(self, obj):
        return self._row(obj).items

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_left(self, obj):
        return self._row(obj).days_left

    @extend_schema_field(serializers.ChoiceField(choices=["green", "yellow", "red"]))
    def get_colour(self, obj):
        return self._row(obj).colour_name

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, obj):
        return DocumentSerializer(self._row(obj).documents, many=True).data

    @extend_schema_field(LINK)
    def get_url(self, obj):
        return reverse("approvals:handover", args=[obj.pk])


@extend_schema_view(list=extend_schema(summary="统一出件队列", parameters=[
    OpenApiParameter("q", str, description="办件编号、申请人姓名或名称、证件号码"),
]))
class IssuingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """统一出件：全部事项已作出决定、等待出件的办件，按出件期限先后排列，附出件文书。出件见 intake/{id}/handover/。"""

    permission_classes = [IsWindowClerk]
    serializer_class = IssuingRowSerializer
    queryset = Application.objects.none()

    def get_queryset(self):
        return selectors.with_documents(selectors.at_issuing_window(self.request.query_params.get("q", "")[:50]))


def register(router) -> None:
    """Add the intake endpoints to approvals.api's router."""
    router.register("intake", IntakeViewSet, basename="intake")
    router.register("issuing", IssuingViewSet, basename="issuing")
