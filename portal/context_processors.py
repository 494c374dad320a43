from django.conf import settings

from portal import navigation, second_factor
from portal.roles import Role
from portal.web import ELDER_COOKIE


def portal_context(request):
    user = request.user
    context = {
        "nav_items": navigation.items_for(user),
        "centre_name": settings.CENTRE_NAME,
        "maintenance_alerts": [],
        "unread_notifications": 0,
        "second_factor_link": False,
        # 长辈版 (elderly mode): the cookie set by portal.views.display_mode or static/portal/js/display.js.
        "elder_mode": request.COOKIES.get(ELDER_COOKIE) == "1",
    }
    if user.is_authenticated:
        from portal.notifications import unread_count

        context["unread_notifications"] = unread_count(user)
        context["second_factor_link"] = second_factor.may_enrol(user)
    if user.is_authenticated and user.has_role(Role.ADMINISTRATOR):
        from portal.selectors import open_maintenance_alerts

        context["maintenance_alerts"] = list(open_maintenance_alerts())
        if not context["maintenance_alerts"]:
            # Before any worker has raised the alert (just after start), the banner still shows from 1 November.
            from portal.services import calendar_gap_message

            message = calendar_gap_message()
            if message:
                context["maintenance_alerts"] = [{"message": message}]
    return context

