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
        from django.apps import apps

        from portal import choice_labels, navigation, signals  # noqa: F401 - connects receivers
        from portal.roles import Role

        choice_labels.install(apps.get_models(include_auto_created=True))

        navigation.register(_("工作台"), "portal:home", order=0)
        navigation.register(_("系统管理"), "admin:index", roles=[Role.ADMINISTRATOR], order=90)
        navigation.register(
            _("工作日历"), "admin:portal_calendarday_changelist", roles=[Role.ADMINISTRATOR], order=91
        )
        navigation.register(
            _("接口文档"),
            "api-docs",
            roles=[Role.ADMINISTRATOR],  # developers' documentation: not a clerk's or an officer's menu entry
            order=95,
        )
