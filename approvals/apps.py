from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("受理与审批")

    def ready(self):
        from approvals import panels, services  # noqa: F401 - services connects the withdrawal receiver
        from portal import dashboard, navigation
        from portal.roles import Role

        navigation.register(_("受理队列"), "approvals:queue", roles=[Role.WINDOW_CLERK], order=10)
        navigation.register(_("窗口收件"), "approvals:walk_in", roles=[Role.WINDOW_CLERK], order=11)
        dashboard.register_panel(Role.WINDOW_CLERK, "approvals/panels/intake_queue.html", panels.intake_queue,
                                 order=10)
        self._schedule_sweeps()

    @staticmethod
    def _schedule_sweeps():
        """Daily sweeps just after midnight (Beijing time) and again at noon, so a missed run is made up the
        same day; each is set-based and idempotent (running twice changes nothing more)."""
        from celery.schedules import crontab

        from portal.celery import app

        app.conf.beat_schedule.update({
            "approvals-deem-overdue-accepted": {
                "task": "approvals.tasks.deem_overdue_accepted", "schedule": crontab(minute=5, hour="0,12"),
            },
            "approvals-lapse-unanswered-supplements": {
                "task": "approvals.tasks.lapse_unanswered_supplements", "schedule": crontab(minute=10, hour="0,12"),
            },
            "approvals-flag-overdue-tolerated": {
                "task": "approvals.tasks.flag_overdue_tolerated_materials", "schedule": crontab(minute=15, hour="0,12"),
            },
        })
