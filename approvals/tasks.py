"""The staff side's Celery tasks, where Celery's autodiscovery looks: each package keeps its own (every sweep is
named sweep_*; the schedules are in portal/settings.py, CELERY_BEAT_SCHEDULE)."""
from celery import shared_task

from approvals import documents
from approvals.certificates.tasks import render_certificate, sweep_unrendered_certificates
from approvals.cases.tasks import sweep_overdue_rectifications, sweep_timers
from approvals.intake.tasks import sweep_deemed_acceptance, sweep_lapsed_supplements, sweep_overdue_tolerated_materials
from approvals.renewals.tasks import sweep_deemed_renewals, sweep_licence_expiry_reminders



@shared_task(name="approvals.tasks.render_notice", bind=True, acks_late=True, max_retries=8,
             autoretry_for=(Exception,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True)
def render_notice(self, notice_id: int):
    """Render and sign one notice's PDF (idempotent; a failure retries with backoff and never touches the
    notice itself; exhausted retries are picked up by sweep_unrendered_notices)."""
    return documents.render_notice_pdf(notice_id)


@shared_task(name="approvals.tasks.sweep_unrendered_notices")
def sweep_unrendered_notices():
    return documents.sweep_unrendered_notices()


__all__ = ["render_certificate", "sweep_unrendered_certificates", "render_notice", "sweep_unrendered_notices", "sweep_deemed_acceptance", "sweep_lapsed_supplements", "sweep_overdue_rectifications",
           "sweep_overdue_tolerated_materials", "sweep_timers", "sweep_licence_expiry_reminders", "sweep_deemed_renewals"]
