from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("申请与办件")

    def ready(self):
        from applications import panels
        from applications.services import recompute_issue_due_dates
        from portal import dashboard, navigation
        from portal.roles import Role
        from portal.signals import calendar_changed

        # The Art. 44 date of applications at the issuing window moves with the calendar, as the cases' dates do.
        calendar_changed.connect(recompute_issue_due_dates, dispatch_uid="applications.recompute_issue_due_dates")

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

        # 办不成事反映窗口 (applications/problems/): filing and following are public; the desk and the assigned
        # sections and departments work the tickets; leaders see the overdue ones.
        from applications.problems import panels as problem_panels

        # Visitors and the applicant side; staff reach the tickets through 办不成事反映.
        navigation.register(_("我要反映"), "applications:problem_file", roles=[Role.APPLICANT, Role.AGENT], order=32,
                            public=True)
        navigation.register(_("反映进度查询"), "applications:problem_follow", roles=[Role.APPLICANT, Role.AGENT],
                            order=34, public=True)
        navigation.register(_("我的反映"), "applications:problem_mine", roles=[Role.APPLICANT, Role.AGENT], order=16)
        navigation.register(_("办不成事反映"), "applications:problem_queue",
                            roles=[Role.WINDOW_CLERK, Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.DEPARTMENT_USER,
                                   Role.ADMINISTRATOR], order=45)
        dashboard.register_panel(Role.WINDOW_CLERK, "applications/problems/panels/desk.html", problem_panels.desk,
                                 order=60)
        for role in (Role.SECTION_HEAD, Role.APPROVAL_OFFICER, Role.DEPARTMENT_USER):
            dashboard.register_panel(role, "applications/problems/panels/assigned.html", problem_panels.assigned,
                                     order=60)
        dashboard.register_panel(Role.BUREAU_LEADER, "applications/problems/panels/leader.html",
                                 problem_panels.leader, order=40)

    def load_demo(self) -> str:
        """Demo data of the problem desk (called by `manage.py seed_demo`)."""
        from applications.problems import demo

        return demo.load()
