"""The staff side's Celery tasks, where Celery's autodiscovery looks: each package keeps its own (every sweep is
named sweep_*; the schedules are in portal/settings.py, CELERY_BEAT_SCHEDULE)."""
from approvals.cases.tasks import sweep_overdue_rectifications, sweep_timers
from approvals.intake.tasks import sweep_deemed_acceptance, sweep_lapsed_supplements, sweep_overdue_tolerated_materials

__all__ = ["sweep_deemed_acceptance", "sweep_lapsed_supplements", "sweep_overdue_rectifications",
           "sweep_overdue_tolerated_materials", "sweep_timers"]
