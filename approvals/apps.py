from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("受理与审批")

    def ready(self):
        from applications.services import WITHDRAWN_TOPIC
        from approvals.timers import recompute_for_calendar
        from portal.signals import calendar_changed
        from approvals.cases import panels as case_panels
        from approvals.cases.services import close_cases_on_withdrawal
        from approvals.intake import panels
        from portal import dashboard, navigation, outbox
        from portal.roles import Role

        from approvals.publicity import checks  # noqa: F401 - registers the system check

        # The public listing of licensing decisions (双公示), beside the guide for every visitor.
        navigation.register(_("许可公示"), "publicity:index", public=True, order=20)
        from approvals.publicity import panels as publicity_panels

        dashboard.register_panel(dashboard.VISITOR, "approvals/publicity/panels/latest.html", publicity_panels.latest,
                                 order=40)
        navigation.register(_("受理队列"), "approvals:queue", roles=[Role.WINDOW_CLERK], order=10)
        navigation.register(_("窗口收件"), "approvals:walk_in", roles=[Role.WINDOW_CLERK], order=11)
        navigation.register(_("补正收件"), "approvals:supplements", roles=[Role.WINDOW_CLERK], order=12)
        navigation.register(_("统一出件"), "approvals:issuing_queue", roles=[Role.WINDOW_CLERK], order=13)
        dashboard.register_panel(Role.WINDOW_CLERK, "approvals/panels/intake_queue.html", panels.intake_queue,
                                 order=10)
        dashboard.register_panel(Role.WINDOW_CLERK, "approvals/panels/issuing_window.html", panels.issuing_window,
                                 order=20)
        self._register_case_pages(navigation, dashboard, case_panels, Role)
        self._register_licence_registry(navigation, dashboard, Role)
        outbox.subscribe(WITHDRAWN_TOPIC, close_cases_on_withdrawal)
        self._register_renewals()
        self._register_oversight(navigation, dashboard, Role)
        calendar_changed.connect(recompute_for_calendar, dispatch_uid="approvals.recompute_for_calendar")
        # The sweeps' beat schedule is in portal/settings.py (CELERY_BEAT_SCHEDULE).

    @staticmethod
    def _register_oversight(navigation, dashboard, Role):
        """The dashboards' case and intake sections, who may filter by what, and the hall screen's sections
        (portal/oversight.py; the figures' SQL is in approvals/oversight/selectors.py)."""
        from approvals.oversight import providers, rollup
        from portal import oversight, rollups
        from portal.roles import STAFF_ROLES

        leaders = [Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMINISTRATOR]
        rollups.register(rollup.KEY, rollup.compute)
        oversight.register_scope(providers.scope)
        oversight.register_section("intake", _("办件量"), providers.intake, order=10, roles=leaders)
        oversight.register_section("timeliness", _("按时办结率与承诺时限压缩"), providers.timeliness, order=20,
                                   roles=leaders)
        oversight.register_section("warnings", _("超期与预警"), providers.warnings, order=30, roles=leaders)
        hall = "portal/oversight/hall_section.html"
        oversight.register_section("hall_intake", _("今日办件"), providers.hall_intake, hall, order=10,
                                   roles=STAFF_ROLES, board=oversight.HALL)
        oversight.register_section("hall_queues", _("窗口排队"), providers.hall_queues, hall, order=20,
                                   roles=STAFF_ROLES, board=oversight.HALL)
        oversight.register_section("hall_warnings", _("时限预警"), providers.hall_warnings, hall, order=30,
                                   roles=STAFF_ROLES, board=oversight.HALL)
        navigation.register(_("统计分析"), "portal:oversight", roles=leaders, order=50)
        navigation.register(_("大厅屏"), "portal:hall", roles=STAFF_ROLES, order=51)
        for role in (Role.SECTION_HEAD, Role.BUREAU_LEADER):
            dashboard.register_panel(role, "approvals/oversight/panel.html", providers.month_panel, order=5)

    @staticmethod
    def _register_renewals():
        """Licence renewal (Art. 50) hooks into applications without applications importing approvals: the last
        filing date is checked again at submission, and a renewal's pages say which licence it renews."""
        from applications import extensions
        from approvals import policy as approvals_policy
        from approvals.renewals import services as renewals

        extensions.register_submit_check(renewals.submit_refusal)
        extensions.register_note(renewals.renewal_note)
        # Which applications a back-office user may see (the window's 现场评价 of an application asks).
        extensions.register_staff_visibility(approvals_policy.visible_applications)

    @staticmethod
    def _register_case_pages(navigation, dashboard, panels, Role):
        """The officers' pages (approvals/cases/): navigation and home-page panels per role."""
        workers = [Role.APPROVAL_OFFICER, Role.SECTION_HEAD, Role.LEGAL_REVIEWER, Role.BUREAU_LEADER]
        navigation.register(_("审批队列"), "approvals:case_queue", roles=workers, order=20)
        navigation.register(_("我的勘验"), "approvals:case_inspections", roles=[Role.APPROVAL_OFFICER], order=21)
        navigation.register(_("延期审批"), "approvals:case_extensions", roles=[Role.SECTION_HEAD, Role.BUREAU_LEADER],
                            order=22)
        navigation.register(_("预警总览"), "approvals:case_overview", roles=[Role.SECTION_HEAD, Role.BUREAU_LEADER],
                            order=23)
        dashboard.register_panel(Role.APPROVAL_OFFICER, "approvals/cases/panels/officer_cases.html",
                                 panels.officer_cases, order=10)
        dashboard.register_panel(Role.LEGAL_REVIEWER, "approvals/cases/panels/legal_queue.html", panels.legal_queue,
                                 order=10)
        dashboard.register_panel(Role.SECTION_HEAD, "approvals/cases/panels/head_extensions.html",
                                 panels.head_extensions, order=10)
        dashboard.register_panel(Role.SECTION_HEAD, "approvals/cases/panels/warnings.html", panels.warnings_overview,
                                 order=20)
        dashboard.register_panel(Role.BUREAU_LEADER, "approvals/cases/panels/warnings.html", panels.warnings_overview,
                                 order=10)
        dashboard.register_panel(Role.BUREAU_LEADER, "approvals/cases/panels/head_extensions.html",
                                 panels.head_extensions, order=20)

    @staticmethod
    def _register_licence_registry(navigation, dashboard, Role):
        """The licence registry (电子证照库): the holder's page and home panel, the staff search, and the lookup the
        applicant's side reads licences through (applications.licences) without importing this app."""
        from applications import licences
        from approvals.certificates import panels as licence_panels
        from approvals.certificates.policy import HOLDER_ROLES, REGISTRY_SEARCHERS
        from approvals.certificates.registry import CertificateSource

        licences.register_source(CertificateSource())
        navigation.register(_("我的证照"), "licences:mine", roles=HOLDER_ROLES, order=11)
        navigation.register(_("电子证照库"), "approvals:licence_search", roles=REGISTRY_SEARCHERS, order=40)
        navigation.register_action("my_licences", "licences:mine")
        for role in HOLDER_ROLES:
            dashboard.register_panel(role, "approvals/panels/my_licences.html", licence_panels.my_licences, order=15)

    def load_demo(self) -> str:
        """Demo approval staff (called by `manage.py seed_demo` after the demo accounts and catalogue)."""
        from approvals import demo, demo_cases

        return f"{demo.load()}\n{demo_cases.load()}"
