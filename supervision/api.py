"""The departments' API, mounted at /api/supervision/: the pull feed by sequence with acknowledgement, a handoff,
its claim and the supervision results reported back. A department system calls it with a department API token
(`Authorization: Bearer owd_...`, made on /supervision/settings/, stored hashed, revocable), which reads and acts
for that department only; a signed-in department user may call it with the session too."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, routers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import query_int
from portal.api_defaults import SessionAuthentication
from portal.models import User
from supervision import policy, selectors, services
from supervision.messages import handoff_data
from supervision.models import SupervisionRecord

FEED_LIMIT_MAX = 500
SEQUENCE_MAX = 2**63 - 1  # bigint


class DepartmentTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer owd_...`: the token's department, acting as the person who made the token."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        token = services.token_department(header[len(self.keyword) + 1:].strip())
        if token is None or token.created_by_id is None:
            raise exceptions.AuthenticationFailed(_("接口令牌无效或已吊销。"))
        user = User.objects.get(pk=token.created_by_id)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("创建该令牌的账号已停用。"))
        user._supervision_department = token.department
        user._supervision_token = token
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="supervision"'


class DepartmentTokenScheme(OpenApiAuthenticationExtension):
    """The department token in the OpenAPI schema: HTTP bearer."""

    target_class = "supervision.api.DepartmentTokenAuthentication"
    name = "departmentToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "监管部门接口令牌（owd_ 开头），在“推送设置”页面创建"}


class HandoffSerializer(serializers.Serializer):
    def to_representation(self, instance):
        return handoff_data(instance)


class FeedPageSerializer(serializers.Serializer):
    results = serializers.ListField(child=serializers.DictField())
    next_after = serializers.IntegerField()
    last_sequence = serializers.IntegerField()
    acknowledged_sequence = serializers.IntegerField()


class AckSerializer(serializers.Serializer):
    sequence = serializers.IntegerField(min_value=0, max_value=SEQUENCE_MAX)


class AckResultSerializer(serializers.Serializer):
    acknowledged_sequence = serializers.IntegerField()
    last_sequence = serializers.IntegerField()


class RecordSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SupervisionRecord.Kind.choices)
    summary = serializers.CharField(max_length=4000)
    document_number = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class RecordResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    recorded_at = serializers.DateTimeField()


def _department(request):
    department = policy.department_of(request.user)
    if department is None:
        raise PermissionDenied(_("只有监管部门（或其接口令牌）可以读取推送队列。"))
    return department


class SupervisionViewSet(viewsets.ViewSet):
    authentication_classes = [DepartmentTokenAuthentication, SessionAuthentication]


class FeedViewSet(SupervisionViewSet):
    """本部门的审管推送队列（按序号拉取）：?after=上次处理到的序号，&limit=条数（默认100，最多500）。"""

    @extend_schema(parameters=[OpenApiParameter("after", int), OpenApiParameter("limit", int)],
                   responses=FeedPageSerializer)
    def list(self, request):
        department = _department(request)
        after = min(max(query_int(request, "after") or 0, 0), SEQUENCE_MAX)
        limit = min(max(query_int(request, "limit") or 100, 1), FEED_LIMIT_MAX)
        rows = selectors.pull(department, after, limit)
        state = selectors.feed_state(department)
        return Response({"results": [handoff_data(h) for h in rows],
                         "next_after": rows[-1].sequence if rows else after,
                         "last_sequence": state.last_sequence, "acknowledged_sequence": state.acknowledged_sequence})

    @extend_schema(request=AckSerializer, responses=AckResultSerializer)
    @action(detail=False, methods=["post"])
    def ack(self, request):
        """确认已处理到某个序号（不可回退，不能超过最新序号）。"""
        department = _department(request)
        data = AckSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feed = services.acknowledge(department, data.validated_data["sequence"])
        return Response({"acknowledged_sequence": feed.acknowledged_sequence, "last_sequence": feed.last_sequence})


class HandoffViewSet(SupervisionViewSet):
    """一条审管推送：查看、认领，反馈监管结果。"""

    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def _get(self, request, public_id):
        found = selectors.handoff_for(request.user, public_id)
        if found is None:
            raise Http404
        return found

    @extend_schema(responses=HandoffSerializer)
    def retrieve(self, request, public_id=None):
        return Response(handoff_data(self._get(request, public_id)))

    @extend_schema(request=None, responses=HandoffSerializer)
    @action(detail=True, methods=["post"])
    def claim(self, request, public_id=None):
        """认领。已被认领时 409。"""
        handoff = services.claim(self._get(request, public_id), request.user, request=request)
        return Response(handoff_data(handoff))

    @extend_schema(request=RecordSerializer, responses={201: RecordResultSerializer})
    @action(detail=True, methods=["post"])
    def records(self, request, public_id=None):
        """反馈监管结果（须先认领）。暂扣、撤销许可或承诺不实须附决定文书编号，并随即变更证照状态。"""
        handoff = self._get(request, public_id)
        data = RecordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        record = services.record_result(handoff, request.user, data.validated_data["kind"],
                                        data.validated_data["summary"],
                                        document_number=data.validated_data["document_number"], request=request)
        return Response({"id": record.pk, "kind": record.kind, "recorded_at": record.recorded_at}, status=201)


router = routers.DefaultRouter()
router.register("feed", FeedViewSet, basename="feed")
router.register("handoffs", HandoffViewSet, basename="handoff")
