"""The approval officers' API (mounted at /api/approvals/ through approvals.api's router): stage queues with
take-next, one case with its records and history, and every stage action; site visits with evidence upload;
extension requests for heads and leaders; the leader's overview.

Same rules as the pages: approval staff only (anyone else 403); a case one may not see answers 404
(approvals.cases.policy); every write is a service call, and its refusal comes back as its own Chinese
message (400 a rule, 403 a role or section, 409 someone else acted first: send the `version` you saw).
"""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from approvals.cases import policy, selectors, services
from approvals.cases.models import COLOUR_NAMES, ApprovalCase, ExtensionRequest, Inspection, Stage, Suspension
from approvals.cases.policy import QUEUES
from portal.api import LINK, SingleObjectSchema, query_choice
from portal.models import User


class IsApprovalStaff(permissions.BasePermission):
    message = "只有审批工作人员可以使用审批接口。"

    def has_permission(self, request, view):
        user = request.user
        return policy.is_worker(user)


class IsHeadOrLeader(permissions.BasePermission):
    message = "只有科室负责人或局领导可以使用此接口。"

    def has_permission(self, request, view):
        user = request.user
        return policy.is_head_or_leader(user)


ERRORS = {
    400: OpenApiResponse(description="不符合办理规则（含四分离），detail 为中文说明"),
    403: OpenApiResponse(description="无此环节的角色或不是本科室的案件"),
    404: OpenApiResponse(description="案件不存在或无权查看"),
    409: OpenApiResponse(description="他人已先处理该案件（版本已变化），请刷新后重试"),
}


# --- serializers -----------------------------------------------------------------------------------------------------


class OfficerPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


def _days(case):
    """Working days left from the clock's cached calendar (no queries); a suspended case: when it stopped."""
    from portal import clock

    day = case.suspended_since
    return clock.working_days_left(case.promised_due_date, on=day), clock.working_days_left(case.statutory_due_date,
                                                                                            on=day)


class OfficerCaseRowSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(source="application.case_number")
    title = serializers.CharField(source="application.title")
    item = serializers.CharField(source="item_version.name")
    applicant = serializers.CharField(source="application.applicant.name")
    section = serializers.CharField(source="section.name")
    stage_label = serializers.CharField(source="get_stage_display")
    queue = serializers.CharField(source="queue_name", allow_null=True)
    colour = serializers.SerializerMethodField(help_text="red 已超承诺时限；yellow 临近；green 正常")
    statutory_alarm = serializers.BooleanField(read_only=True, help_text="已进入法定时限告警期")
    days_left = serializers.SerializerMethodField(help_text="距承诺办结期限的剩余工作日（负数为已超期）")
    statutory_days_left = serializers.SerializerMethodField(help_text="距法定办结期限的剩余工作日")
    assignee = OfficerPersonSerializer(allow_null=True)
    bundle = serializers.SerializerMethodField(help_text="属于一件事（多个事项联办）")

    class Meta:
        model = ApprovalCase
        fields = ["id", "case_number", "title", "item", "applicant", "section", "stage", "stage_label", "queue",
                  "colour", "statutory_alarm", "suspended_since", "promised_due_date", "statutory_due_date",
                  "days_left", "statutory_days_left", "assignee", "bundle", "version"]

    def get_bundle(self, case) -> bool:
        return case.application.bundle_id is not None

    def get_colour(self, case) -> str:
        return COLOUR_NAMES[case.colour]

    def get_days_left(self, case) -> int:
        return _days(case)[0]

    def get_statutory_days_left(self, case) -> int:
        return _days(case)[1]


class OfficerEvidenceSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(LINK)
    def get_url(self, evidence) -> str:
        from django.urls import reverse

        return reverse("approvals:case_evidence", args=[evidence.public_id])


class OfficerInspectionSerializer(serializers.ModelSerializer):
    inspectors = OfficerPersonSerializer(many=True)
    scheduled_by = OfficerPersonSerializer()
    recorded_by = OfficerPersonSerializer(allow_null=True)
    cosigned_by = OfficerPersonSerializer(allow_null=True)
    evidence = OfficerEvidenceSerializer(many=True)
    case_ids = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = ["id", "scheduled_on", "place", "inspectors", "scheduled_by", "reinspection_of", "outcome",
                  "proposed_outcome", "findings", "rectify_deadline", "recorded_by", "recorded_at", "cosigned_by",
                  "cosigned_at", "return_comment", "evidence", "case_ids"]

    def get_case_ids(self, inspection) -> list[int]:
        known = getattr(inspection, "case_ids", None)  # set by the case detail (one query for every visit)
        return known if known is not None else sorted(c.pk for c in inspection.cases.all())


class OfficerLegalReviewSerializer(serializers.Serializer):
    reviewer = OfficerPersonSerializer()
    outcome = serializers.CharField(help_text="approve 审核通过（决定随即作出）；return 退回决定人修改")
    comments = serializers.CharField()
    draft_outcome = serializers.CharField(help_text="所审核草稿的决定：approve / deny")
    proposed_outcome = serializers.CharField(help_text="退回时建议的决定（approve / deny），空为不建议改变")
    created_at = serializers.DateTimeField()


class DecisionContentSerializer(serializers.Serializer):
    """What a decision says, drafted or issued: the opinion, the certificate's data, or the reasons of a denial."""

    opinion = serializers.CharField()
    certificate_name = serializers.CharField()
    holder_name = serializers.CharField()
    holder_id_type = serializers.CharField()
    holder_id_number = serializers.CharField()
    scope = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    reasons = serializers.CharField()


class OfficerDecisionDraftSerializer(DecisionContentSerializer):
    outcome = serializers.CharField(help_text="拟作决定：approve 准予许可；deny 不予许可")
    drafted_by = OfficerPersonSerializer()
    drafted_at = serializers.DateTimeField()


class OfficerExtensionSerializer(serializers.ModelSerializer):
    status = serializers.CharField(help_text="pending 待审批；approved 已批准；refused 未批准")
    requested_by = OfficerPersonSerializer()
    decided_by = OfficerPersonSerializer(allow_null=True)

    class Meta:
        model = ExtensionRequest
        fields = ["id", "case", "days", "reason", "requested_by", "requested_at", "status", "decided_by", "decided_at",
                  "opinion"]


class OfficerSuspensionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suspension
        fields = ["id", "kind", "reason", "start", "expected_end", "end"]


class OfficerDecisionSerializer(DecisionContentSerializer):
    outcome = serializers.CharField()
    decided_by = OfficerPersonSerializer()
    decided_at = serializers.DateTimeField()
    appeal_rights = serializers.CharField()
    notice = serializers.IntegerField(source="notice_id", allow_null=True)


class OfficerHistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    actor = serializers.CharField(source="actor_name")
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    opinion = serializers.CharField()


class OfficerCaseDetailSerializer(OfficerCaseRowSerializer):
    accepted_at = serializers.DateTimeField()
    accepted_by = OfficerPersonSerializer(allow_null=True)
    reviewer = OfficerPersonSerializer(allow_null=True)
    review_opinion = serializers.CharField()
    rules = serializers.SerializerMethodField()
    inspections = OfficerInspectionSerializer(many=True)
    legal_reviews = OfficerLegalReviewSerializer(many=True)
    extensions = OfficerExtensionSerializer(many=True)
    suspensions = OfficerSuspensionSerializer(many=True)
    decision_draft = OfficerDecisionDraftSerializer(source="draft_record", allow_null=True,
                                                    help_text="须法制审核事项的决定草稿（法制审核通过后作出决定）")
    decision = OfficerDecisionSerializer(source="decision_record", allow_null=True)
    history = OfficerHistorySerializer(many=True)

    class Meta(OfficerCaseRowSerializer.Meta):
        fields = [*OfficerCaseRowSerializer.Meta.fields, "accepted_at", "accepted_by", "reviewer", "review_opinion",
                  "extension_days", "rules", "inspections", "legal_reviews", "extensions", "suspensions",
                  "decision_draft", "decision", "history"]

    def get_rules(self, case) -> dict:
        snapshot = case.item_version.snapshot
        keys = ("implementation_code", "legal_basis", "statutory_limit", "promised_limit", "inspection_required",
                "legal_review_required", "certificate_name", "certificate_validity_years", "conditions")
        return {key: snapshot.get(key) for key in keys}


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, help_text="您看到的案件版本（乐观锁）", required=False)


class TakeNextInput(serializers.Serializer):
    queue = serializers.ChoiceField(choices=QUEUES, help_text="review 审查；inspection 勘验；legal_review 法制审核；decision 决定")


class ReviewInput(VersionInput):
    opinion = serializers.CharField(max_length=2000)
    needs_inspection = serializers.BooleanField(default=False)


class ScheduleInspectionInput(serializers.Serializer):
    scheduled_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    inspectors = serializers.ListField(child=serializers.IntegerField(), min_length=2,
                                       help_text="勘验人员 id（至少两名，本科室审批人员）")
    other_cases = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                        help_text="合并勘验：同一现场的其他案件 id")


class LegalReviewInput(VersionInput):
    approve = serializers.BooleanField(help_text="true 通过决定草稿（决定随即作出）；false 退回决定人")
    proposed_outcome = serializers.ChoiceField(choices=["approve", "deny"], required=False, allow_blank=True,
                                               default="", help_text="退回时建议改为的决定")
    comments = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class DecideInput(VersionInput):
    approve = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    reasons = serializers.CharField(required=False, allow_blank=True, default="", help_text="不予许可的理由（必填）")
    certificate_name = serializers.CharField(required=False, allow_blank=True)
    holder_name = serializers.CharField(required=False, allow_blank=True)
    holder_id_type = serializers.CharField(required=False, allow_blank=True)
    holder_id_number = serializers.CharField(required=False, allow_blank=True)
    scope = serializers.CharField(required=False, allow_blank=True)
    valid_from = serializers.DateField(required=False, allow_null=True)
    valid_until = serializers.DateField(required=False, allow_null=True)


class SendBackInput(VersionInput):
    to_stage = serializers.ChoiceField(choices=[Stage.REVIEW, Stage.INSPECTION, Stage.LEGAL_REVIEW])
    reason = serializers.CharField(max_length=2000)


class ReturnRecordInput(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text="退回意见：记录哪里与现场不符")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class SuspendInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Suspension.Kind.choices)
    reason = serializers.CharField(max_length=2000)
    start = serializers.DateField(required=False, allow_null=True)
    expected_end = serializers.DateField(required=False, allow_null=True)


class ResumeInput(serializers.Serializer):
    end = serializers.DateField(required=False, allow_null=True)


class InspectionResultInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Inspection.Outcome.choices)
    findings = serializers.CharField(max_length=4000)
    rectify_deadline = serializers.DateField(required=False, allow_null=True)
    evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                     help_text="现场照片 / 视频（JPEG、PNG、PDF、MP4、MOV）")


class ReinspectInput(serializers.Serializer):
    scheduled_on = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ExtensionDecisionInput(serializers.Serializer):
    approve = serializers.BooleanField()
    opinion = serializers.CharField(required=False, allow_blank=True, default="")


class OverviewSectionSerializer(serializers.Serializer):
    section_id = serializers.IntegerField()
    section_name = serializers.CharField(source="section__name")
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    alarm = serializers.IntegerField()
    suspended = serializers.IntegerField()
    open = serializers.IntegerField()


class OverviewSerializer(serializers.Serializer):
    by_section = OverviewSectionSerializer(many=True)
    totals = serializers.DictField(child=serializers.IntegerField())
    cases = OfficerCaseRowSerializer(many=True, help_text="红色、黄色预警或法定时限告警的案件（前 100 件，最紧急的在前）")


# --- viewsets --------------------------------------------------------------------------------------------------------


def _with_case_ids(case):
    visits = list(case.inspections.all())
    covered = selectors.inspection_case_ids(visits)
    for visit in visits:
        visit.case_ids = covered.get(visit.pk, [])
    return case


SCOPES = ["mine", "waiting"]
COLOURS = [0, 1, 2]


def _input(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(summary="审批队列（按红、黄预警和承诺期限排序）", parameters=[
        OpenApiParameter("stage", str, enum=QUEUES, description="环节队列，默认 review（法制审核人员默认 legal_review）"),
        OpenApiParameter("scope", str, enum=SCOPES, description="mine 我认领的；waiting 待认领"),
        OpenApiParameter("colour", int, enum=COLOURS, description="0 红色；1 黄色；2 正常"),
        OpenApiParameter("q", str, description="办件编号、事项或申请人片段"),
    ]),
    retrieve=extend_schema(summary="案件详情（含勘验、法制审核、延期、中止、决定和办理记录）"),
)
class OfficerCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """审批案件：各环节队列、取下一件、认领与释放，以及审查、勘验安排、法制审核、决定、退回、延期申请、中止与恢复。"""
    lookup_value_regex = r"\d+"  # ids are numbers: anything else is not found (404), never a 500

    permission_classes = [IsApprovalStaff]
    queryset = ApprovalCase.objects.none()

    def get_serializer_class(self):
        return OfficerCaseDetailSerializer if self.action == "retrieve" else OfficerCaseRowSerializer

    def get_queryset(self):
        user, params = self.request.user, self.request.query_params
        if "stage" in params and params["stage"] not in QUEUES:
            raise exceptions.ValidationError({"stage": ["未知的办理环节。"]})
        stage = params.get("stage") or policy.default_queue(user)
        if not policy.may_view_queue(user, stage):
            raise exceptions.PermissionDenied("您只能查看法制审核队列。")
        colour = query_choice(self.request, "colour", COLOURS)
        scope = query_choice(self.request, "scope", SCOPES)
        return selectors.queue(stage, officer=None if policy.sees_all(user) else user, mine=scope == "mine",
                               waiting=scope == "waiting", colour=int(colour) if colour else None,
                               query=params.get("q", "")[:50])

    def get_object(self):
        pk = str(self.kwargs.get("pk", ""))
        case = selectors.case_detail(self.request.user, int(pk)) if pk.isdigit() else None
        if case is None:
            raise Http404
        return _with_case_ids(case)

    def _detail(self, pk, status_code=status.HTTP_200_OK):
        case = selectors.case_detail(self.request.user, pk)
        if case is None:  # moved out of sight (e.g. decided in another section): the row is enough
            return Response({"id": pk}, status=status_code)
        return Response(OfficerCaseDetailSerializer(_with_case_ids(case)).data, status=status_code)

    def _act(self, request, input_class, run):
        case = self.get_object()
        data = _input(input_class, request) if input_class is not None else {}
        run(case, data)
        return self._detail(case.pk)

    @extend_schema(summary="取下一件（SKIP LOCKED，自动认领最紧急的一件）", request=TakeNextInput,
                   responses={200: OfficerCaseDetailSerializer, 204: OpenApiResponse(description="队列中没有可认领的案件"),
                              **ERRORS})
    @action(detail=False, methods=["post"], url_path="take-next")
    def take_next(self, request):
        data = _input(TakeNextInput, request)
        case = services.take_next(request.user, data["queue"], request=request)
        if case is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return self._detail(case.pk)

    @extend_schema(summary="我的在办案件（各环节）", responses={200: OfficerCaseRowSerializer(many=True)})
    @action(detail=False, methods=["get"])
    def mine(self, request):
        page = self.paginate_queryset(selectors.my_cases(request.user))
        return self.get_paginated_response(OfficerCaseRowSerializer(page, many=True).data)

    @extend_schema(summary="认领", request=VersionInput, responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def claim(self, request, pk=None):
        return self._act(request, VersionInput, lambda case, d: services.claim_case(
            case, request.user, version=d.get("version"), request=request))

    @extend_schema(summary="释放回队列", request=VersionInput, responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._act(request, VersionInput, lambda case, d: services.release_case(
            case, request.user, version=d.get("version"), request=request))

    @extend_schema(summary="审查（通过，转勘验、法制审核或决定）", request=ReviewInput,
                   responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        return self._act(request, ReviewInput, lambda case, d: services.complete_review(
            case, request.user, d["opinion"], d["needs_inspection"], version=d.get("version"), request=request))

    @extend_schema(summary="安排现场勘验（可合并同一现场的其他案件）", request=ScheduleInspectionInput,
                   responses={201: OfficerInspectionSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="schedule-inspection")
    def schedule_inspection(self, request, pk=None):
        case = self.get_object()
        data = _input(ScheduleInspectionInput, request)
        visible = policy.visible_cases(request.user)
        others = list(visible.filter(pk__in=[p for p in data["other_cases"] if p != case.pk]))
        if len(others) != len({p for p in data["other_cases"] if p != case.pk}):
            raise Http404
        people = list(User.objects.filter(pk__in=data["inspectors"]))
        if len(people) != len(set(data["inspectors"])):
            raise exceptions.ValidationError({"inspectors": ["所选勘验人员不存在。"]})
        inspection = services.schedule_inspection([case, *others], data["scheduled_on"], data["place"], people,
                          request.user, request=request)
        inspection = selectors.inspection_for(request.user, inspection.pk)
        return Response(OfficerInspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="法制审核（通过，或退回并写明意见）", request=LegalReviewInput,
                   responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="legal-review")
    def legal_review(self, request, pk=None):
        return self._act(request, LegalReviewInput, lambda case, d: services.legal_review(
            case, request.user, d["approve"], d["comments"], proposed_outcome=d["proposed_outcome"],
            version=d.get("version"), request=request))

    @extend_schema(summary="作出决定（准予许可附证照信息；不予许可须说明理由，决定书载明救济途径）；须法制审核的事项为拟定决定草稿并提交法制审核", request=DecideInput,
                   responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        keys = ("certificate_name", "holder_name", "holder_id_type", "holder_id_number", "scope", "valid_from",
                "valid_until")
        return self._act(request, DecideInput, lambda case, d: services.decide(
            case, request.user, d["approve"], certificate={k: d[k] for k in keys if k in d} if d["approve"] else None,
            reasons=d["reasons"], opinion=d["opinion"], version=d.get("version"), request=request))

    @extend_schema(summary="退回到之前的环节", request=SendBackInput, responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="send-back")
    def send_back(self, request, pk=None):
        return self._act(request, SendBackInput, lambda case, d: services.send_back(
            case, request.user, d["to_stage"], d["reason"], version=d.get("version"), request=request))

    @extend_schema(summary="申请延长审批期限（第四十二条）", request=ReasonInput,
                   responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        return self._act(request, ReasonInput, lambda case, d: services.request_extension(
            case, request.user, d["reason"], request=request))

    @extend_schema(summary="中止计时（第四十五条特别程序）", request=SuspendInput,
                   responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._act(request, SuspendInput, lambda case, d: services.suspend(
            case, request.user, d["kind"], d["reason"], start=d.get("start"), expected_end=d.get("expected_end"),
            request=request))

    @extend_schema(summary="恢复计时", request=ResumeInput, responses={200: OfficerCaseDetailSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act(request, ResumeInput, lambda case, d: services.resume(
            case, request.user, end=d.get("end"), request=request))


@extend_schema_view(
    list=extend_schema(summary="我的勘验安排（尚未记录结果）"),
    retrieve=extend_schema(summary="一次勘验"),
)
class OfficerInspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """现场勘验：勘验人员记录勘验情况、结论和现场照片视频；限期整改后安排复查。"""
    lookup_value_regex = r"\d+"  # ids are numbers: anything else is not found (404), never a 500

    permission_classes = [IsApprovalStaff]
    serializer_class = OfficerInspectionSerializer
    queryset = Inspection.objects.none()

    def get_queryset(self):
        return selectors.inspections_for(self.request.user).prefetch_related("scheduled_by", "recorded_by", "cosigned_by",
                                                                             "evidence")

    def get_object(self):
        pk = str(self.kwargs.get("pk", ""))
        found = selectors.inspection_for(self.request.user, int(pk)) if pk.isdigit() else None
        if found is None:
            raise Http404
        return found

    @extend_schema(summary="记录勘验结果（multipart，可附照片和视频）", request={"multipart/form-data": InspectionResultInput},
                   responses={200: OfficerInspectionSerializer, **ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def result(self, request, pk=None):
        inspection = self.get_object()
        data = request.data
        payload = {"outcome": data.get("outcome"), "findings": data.get("findings"),
                   "rectify_deadline": data.get("rectify_deadline") or None,
                   "evidence": request.FILES.getlist("evidence") if hasattr(request.FILES, "getlist") else []}
        serializer = InspectionResultInput(data=payload)
        serializer.is_valid(raise_exception=True)
        d = serializer.validated_data
        services.record_inspection_result(inspection, request.user, d["findings"], d["outcome"],
             rectify_deadline=d.get("rectify_deadline"), evidence=d["evidence"], request=request)
        return Response(OfficerInspectionSerializer(self.get_object()).data)

    @extend_schema(summary="会签勘验记录（另一名勘验人员确认后结果生效）", request=None,
                   responses={200: OfficerInspectionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cosign(self, request, pk=None):
        services.cosign_inspection(self.get_object(), request.user, request=request)
        return Response(OfficerInspectionSerializer(self.get_object()).data)

    @extend_schema(summary="退回勘验记录（写明意见，记录人可重新记录）", request=ReturnRecordInput,
                   responses={200: OfficerInspectionSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="return-record")
    def return_record(self, request, pk=None):
        d = _input(ReturnRecordInput, request)
        services.return_inspection_record(self.get_object(), request.user, d["comment"], request=request)
        return Response(OfficerInspectionSerializer(self.get_object()).data)

    @extend_schema(summary="安排整改复查", request=ReinspectInput, responses={201: OfficerInspectionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reinspect(self, request, pk=None):
        inspection = self.get_object()
        d = _input(ReinspectInput, request)
        again = services.schedule_reinspection(inspection, d["scheduled_on"], request.user, place=d["place"],
                     request=request)
        return Response(OfficerInspectionSerializer(selectors.inspection_for(request.user, again.pk)).data,
                        status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(summary="待审批的延期申请（科室负责人：本科室；局领导：全部）"))
class OfficerExtensionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """延期申请的审批（科室负责人、局领导）。"""
    lookup_value_regex = r"\d+"  # ids are numbers: anything else is not found (404), never a 500

    permission_classes = [IsHeadOrLeader]
    serializer_class = OfficerExtensionSerializer
    queryset = ExtensionRequest.objects.none()

    def get_queryset(self):
        return selectors.pending_extensions(self.request.user)

    @extend_schema(summary="批准或不予批准延期", request=ExtensionDecisionInput,
                   responses={200: OfficerExtensionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        pk = str(pk)
        extension = (ExtensionRequest.objects.filter(pk=int(pk), case__in=policy.visible_cases(request.user)).first()
                     if pk.isdigit() else None)
        if extension is None:
            raise Http404
        d = _input(ExtensionDecisionInput, request)
        decided = services.decide_extension(extension, request.user, d["approve"], d["opinion"], request=request)
        decided = ExtensionRequest.objects.select_related("requested_by", "decided_by").get(pk=decided.pk)
        return Response(OfficerExtensionSerializer(decided).data)


class OfficerOverviewViewSet(viewsets.GenericViewSet):
    """时限预警总览：各科室红色、黄色预警和法定时限告警的数量及案件（科室负责人只看本科室）。"""

    permission_classes = [IsHeadOrLeader]
    serializer_class = OverviewSerializer
    queryset = ApprovalCase.objects.none()
    pagination_class = None
    schema = SingleObjectSchema()  # `list` answers one summary, not a list

    @extend_schema(summary="时限预警总览", responses={200: OverviewSerializer})
    def list(self, request):
        user = request.user
        sections = None if policy.sees_all(user) else list(user.headed_sections.values_list("id", flat=True))
        found = selectors.leader_overview(sections=sections)
        return Response(OverviewSerializer({"by_section": found.by_section, "totals": found.totals,
                                            "cases": list(found.cases[:100])}).data)


def register(router) -> None:
    """Add the officers' endpoints to approvals.api's router."""
    router.register("cases", OfficerCaseViewSet, basename="case")
    router.register("inspections", OfficerInspectionViewSet, basename="inspection")
    router.register("extensions", OfficerExtensionViewSet, basename="extension")
    router.register("overview", OfficerOverviewViewSet, basename="overview")
