from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with the portal's admin site as the default `admin.site`."""

    default = False  # named in INSTALLED_APPS by its full path
    default_site = "portal.admin_site.PortalAdminSite"


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("门户基础")

    def ready(self):
        from portal import navigation, signals  # noqa: F401 - connects receivers
        from portal.roles import Role

        navigation.register(_("工作台"), "portal:home", order=0)
        navigation.register(_("系统管理"), "admin:index", roles=[Role.ADMINISTRATOR], order=90)
        navigation.register(
            _("工作日历"), "admin:portal_calendarday_changelist", roles=[Role.ADMINISTRATOR], order=91
        )
        navigation.register(
            _("接口文档"),
            "api-docs",
            roles=[Role.ADMINISTRATOR, Role.WINDOW_CLERK, Role.APPROVAL_OFFICER, Role.DEPARTMENT_USER],
            order=95,
        )
