"""The receive stage's own data: which clerk has taken a submitted application from the queue."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

class IntakeClaim(models.Model):
    """A clerk has taken a submitted application from the queue; one clerk at a time (unique)."""

    application = models.OneToOneField("applications.Application", on_delete=models.CASCADE,
                                       related_name="intake_claim")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intake_claims")
    claimed_at = models.DateTimeField(_("认领时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("受理认领")
        verbose_name_plural = _("受理认领")
