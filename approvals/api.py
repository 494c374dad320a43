"""The staff side's API, mounted at /api/approvals/: the intake desk's endpoints (approvals.intake.api), the
officers' (approvals.cases.api), and the notices, which either side reads by their random id when it may see
their application (approvals.policy)."""
from __future__ import annotations

from django.http import Http404
from rest_framework import mixins, routers, viewsets

from approvals import policy
from approvals.api_shared import NoticeSerializer
from approvals.cases import api as case_api
from approvals.intake import api as intake_api
from approvals.models import Notice


class NoticeViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """受理和审批文书（受理通知书、补正告知书、决定书……）：能查看该办件的工作人员和申请人可以查看。"""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_object(self):
        notice = policy.notice_for(self.request.user, self.kwargs["public_id"])
        if notice is None:
            raise Http404
        return notice


router = routers.DefaultRouter()
intake_api.register(router)
router.register("notices", NoticeViewSet, basename="notice")
case_api.register(router)
