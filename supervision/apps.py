from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "supervision"
    verbose_name = _("审管联动")

    def ready(self):
        from applications.services import WITHDRAWN_TOPIC
        from approvals import events
        from portal import dashboard, navigation, outbox
        from portal.roles import Role
        from supervision import panels, services

        # Every event a supervising department must hear of becomes a handoff (supervision.services.receive_event).
        for topic in (events.CASE_DECIDED, events.CERTIFICATE_REVOKED, events.CERTIFICATE_SUPERSEDED,
                      events.COMMITMENT_ACCEPTED, WITHDRAWN_TOPIC):
            outbox.subscribe(topic, services.receive_event)
        # A 12345 work order's reply and follow-up result go back to its hotline platform (applications/problems/).
        for topic in services.PLATFORM_TOPICS:
            outbox.subscribe(topic, services.receive_event)
        navigation.register(_("审管推送"), "supervision:feed",
                            roles=[Role.DEPARTMENT_USER, Role.BUREAU_LEADER, Role.ADMINISTRATOR], order=40)
        navigation.register(_("推送设置"), "supervision:settings", roles=[Role.DEPARTMENT_USER, Role.ADMINISTRATOR],
                            order=41)
        dashboard.register_panel(Role.DEPARTMENT_USER, "supervision/panels/unclaimed.html", panels.unclaimed, order=10)
        dashboard.register_panel(Role.BUREAU_LEADER, "supervision/panels/overdue.html", panels.overdue, order=30)
        # The dashboards' 审管联动 section: claim rates per supervising department (portal/oversight.py).
        from portal import oversight, rollups
        from supervision import rollup, selectors

        rollups.register(rollup.KEY, rollup.compute)

        oversight.register_section("handoffs", _("审管联动认领率"), selectors.claim_rates_section, order=40,
                                   roles=[Role.SECTION_HEAD, Role.BUREAU_LEADER, Role.ADMINISTRATOR])

    def load_demo(self) -> str:
        """The demo department user's department (called by `manage.py seed_demo`)."""
        from supervision import demo

        return demo.load()
