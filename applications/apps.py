from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("申请与办件")

    def ready(self):
        from applications import panels, selectors
        from catalog import popularity
        from applications.services import recompute_issue_due_dates
        from portal import dashboard, navigation
        from portal.roles import Role
        from portal.signals import calendar_changed

        # The Art. 44 date of applications at the issuing window moves with the calendar, as the cases' dates do.
        calendar_changed.connect(recompute_issue_due_dates, dispatch_uid="applications.recompute_issue_due_dates")

        # The catalogue's search ranks items and bundles by how often they are applied for.
        popularity.register_source(selectors.application_counts)

        navigation.register(_("办件进度查询"), "applications:progress", order=30, public=True)
        navigation.register(_("我的办件"), "applications:list", roles=[Role.APPLICANT, Role.AGENT], order=10)
        navigation.register(_("申请主体"), "applications:applicants", roles=[Role.APPLICANT], order=12)
        navigation.register(_("代办授权"), "applications:consents", roles=[Role.APPLICANT, Role.AGENT], order=14)
        navigation.register(_("注册"), "applications:register", order=99, anonymous_only=True)
        navigation.register_action("apply_item", "applications:apply_item")
        navigation.register_action("apply_bundle", "applications:apply_bundle")
        dashboard.register_panel(Role.APPLICANT, "applications/panels/my_applications.html",
                                 panels.my_applications, order=10)
        dashboard.register_panel(Role.APPLICANT, "applications/panels/to_answer.html", panels.to_answer, order=20)
        dashboard.register_panel(Role.AGENT, "applications/panels/my_applications.html", panels.my_applications,
                                 order=10)
        dashboard.register_panel(Role.AGENT, "applications/panels/consents.html", panels.agent_consents, order=20)
