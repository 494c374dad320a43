"""The home panel's figures (本月统计), loaded by the panel after the home page (htmx), so the home page stays cheap."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from approvals.oversight import providers
from portal.roles import Role


@login_required
@require_GET
def month_figures(request):
    if not request.user.has_role(Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMINISTRATOR):
        raise PermissionDenied(_("统计分析仅供科室负责人、局领导和系统管理员查看。"))
    return render(request, "approvals/oversight/panel_figures.html",
                  {"figures": providers.month_figures(request.user)})
