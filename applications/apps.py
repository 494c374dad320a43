from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("申请与办件")

    def ready(self):
        from applications import panels, selectors
        from applications.problems import panels as problem_panels
        from applications.ratings import panels as rating_panels
        from catalog import guide_sections, popularity
        from applications.services import recompute_issue_due_dates
        from applications import oversight as applications_oversight
        from portal import dashboard, navigation, oversight
        from portal.roles import STAFF_ROLES, Role
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

        # 好差评: the window's tablet page, the rectification tickets, the leaders' appeals, the guide's figures.
        navigation.register(_("现场评价"), "applications:rating_visit_start", roles=[Role.WINDOW_CLERK], order=40)
        navigation.register(_("差评整改"), "applications:rating_tickets", roles=[Role.SECTION_HEAD, Role.BUREAU_LEADER],
                            order=60)
        navigation.register(_("恶意差评申诉"), "applications:rating_appeals", roles=[Role.BUREAU_LEADER], order=62)
        dashboard.register_panel(Role.SECTION_HEAD, "applications/ratings/panels/tickets.html",
                                 rating_panels.tickets_panel, order=60)
        # (Leaders reach tickets and appeals from the navigation; their home keeps its query budget for the
        # dashboards, which show the rectification rate from applications.ratings.selectors.dashboard_figures.)
        guide_sections.register(rating_panels.guide_figures)

        # 办不成事反映窗口 (applications/problems/): filing and following are public; the desk and the assigned
        # sections and departments work the tickets; leaders see the overdue ones.
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

        # The dashboards (统计分析) and the hall's wall screen: 好差评, 差评整改 and 办不成事反映 (portal/oversight.py).
        leaders = [Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMINISTRATOR]
        oversight.register_section("ratings", _("好差评与差评整改"), applications_oversight.ratings_section, order=50,
                                   roles=leaders)
        oversight.register_section("problems", _("办不成事反映"), applications_oversight.problems_section, order=60,
                                   roles=leaders)
        oversight.register_section("ratings_today", _("今日好差评"), applications_oversight.ratings_today_section,
                                   "portal/oversight/hall_section.html", order=40, roles=STAFF_ROLES,
                                   board=oversight.HALL)

    def load_demo(self) -> str:
        """Demo 好差评 and problem-desk tickets (called by `manage.py seed_demo` after the demo accounts and
        catalogue)."""
        from applications.problems import demo as problem_demo
        from applications.ratings import demo as rating_demo

        return "; ".join(filter(None, (rating_demo.load(), problem_demo.load())))
