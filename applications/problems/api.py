"""The 12345 hotline platforms' API, mounted with the applications API at /api/applications/hotline-orders/.

A platform calls it with its own bearer token (`Authorization: Bearer ow12345_...`, made with
`manage.py hotline_token <code>`, stored hashed): it hands a work order over (idempotent by the work-order number:
the same order again answers 200 with the same ticket, the same number with other content 409) and reads a work
order's state back (the pull alternative to the signed webhook that pushes replies and follow-up results)."""
from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import authentication, exceptions, permissions, serializers, viewsets
from rest_framework.response import Response

from applications.problems import services
from applications.problems.models import ProblemTicket
from portal.api_defaults import SessionAuthentication


class PlatformCaller:
    """The request's user when a 12345 platform calls: no account, just the platform."""

    is_authenticated = True
    is_active = True
    is_staff = is_superuser = False
    pk = id = None

    def __init__(self, platform):
        self.platform = platform

    def has_role(self, *roles) -> bool:
        return False


class HotlineTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(self.keyword + " "):
            return None
        platform = services.platform_for_token(header[len(self.keyword) + 1:].strip())
        if platform is None:
            raise exceptions.AuthenticationFailed(_("12345平台接口令牌无效或已停用。"))
        return PlatformCaller(platform), platform

    def authenticate_header(self, request):
        return 'Bearer realm="hotline"'


class HotlineTokenScheme(OpenApiAuthenticationExtension):
    target_class = "applications.problems.api.HotlineTokenAuthentication"
    name = "hotlineToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer",
                "description": "12345热线平台接口令牌（ow12345_ 开头），由管理员以 manage.py hotline_token 生成"}


class IsPlatform(permissions.BasePermission):
    message = _("只有12345热线平台（凭平台接口令牌）可以调用工单接口。")

    def has_permission(self, request, view):
        return isinstance(request.user, PlatformCaller)


class WorkOrderSerializer(serializers.Serializer):
    work_order_number = serializers.RegexField(r"^[0-9A-Za-z_-]{1,40}$", max_length=40, error_messages={
        "invalid": _("工单号只能由字母、数字、下划线和连字符组成，最长40位。")})
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=5000)
    contact_name = serializers.CharField(max_length=64)
    contact_mobile = serializers.RegexField(r"^1[3-9]\d{9}$", error_messages={
        "invalid": _("请输入11位中国大陆手机号码。")})
    related_case_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class FollowUpResultSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    satisfaction = serializers.CharField()
    satisfaction_label = serializers.CharField()
    note = serializers.CharField()


class WorkOrderStateSerializer(serializers.Serializer):
    work_order_number = serializers.CharField()
    ticket = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    assignee = serializers.CharField()
    reply_due_on = serializers.DateField(allow_null=True)
    reply = serializers.CharField(allow_blank=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    follow_up = FollowUpResultSerializer(allow_null=True)


def state_of(ticket: ProblemTicket) -> dict:
    payload = services._event_payload(ticket)
    payload.pop("platform_id")
    return payload


class WorkOrderViewSet(viewsets.ViewSet):
    """12345 热线工单：平台推送工单（按工单号幂等），读取工单的办理状态。"""

    # A signed-in person is recognised (and refused, 403) rather than told to sign in.
    authentication_classes = [HotlineTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPlatform]
    lookup_field = "work_order_number"
    lookup_value_regex = "[0-9A-Za-z_-]{1,40}"

    @extend_schema(request=WorkOrderSerializer, responses={200: WorkOrderStateSerializer,
                                                           201: WorkOrderStateSerializer})
    def create(self, request):
        """推送一张工单。首次 201；同一工单号、相同内容再次推送 200（同一反映）；同一工单号、不同内容 409。"""
        data = WorkOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket, created = services.receive_work_order(request.user.platform, dict(data.validated_data))
        return Response(state_of(ticket), status=201 if created else 200)

    @extend_schema(parameters=[OpenApiParameter("work_order_number", str, OpenApiParameter.PATH,
                                                 pattern="^[0-9A-Za-z_-]{1,40}$", description="12345工单号")],
                   responses=WorkOrderStateSerializer)
    def retrieve(self, request, work_order_number=None):
        """一张工单的办理状态、答复和回访结果（拉取方式；推送方式见签名 Webhook）。"""
        ticket = (ProblemTicket.objects.select_related("section", "department")
                  .filter(platform=request.user.platform, work_order_number=work_order_number).first())
        if ticket is None:
            raise Http404
        return Response(state_of(ticket))
