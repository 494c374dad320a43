"""Celery tasks of certificates (re-exported by approvals.tasks, where autodiscovery looks)."""
from celery import shared_task

from approvals.certificates import documents


@shared_task(name="approvals.tasks.render_certificate", bind=True, acks_late=True, max_retries=8,
             autoretry_for=(Exception,), retry_backoff=10, retry_backoff_max=900, retry_jitter=True)
def render_certificate(self, certificate_id: int):
    """Render and sign one certificate's PDF (idempotent; a failure retries with backoff and never touches the
    certificate; exhausted retries are picked up by sweep_unrendered_certificates)."""
    return documents.render_certificate_pdf(certificate_id)


@shared_task(name="approvals.tasks.sweep_unrendered_certificates")
def sweep_unrendered_certificates():
    return documents.sweep_unrendered_certificates()
