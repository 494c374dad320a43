from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal, receiver

from portal import clock
from portal.models import CalendarDay


@receiver([post_save, post_delete], sender=CalendarDay)
def _forget_calendar(**kwargs):
    clock.forget_calendar()


@receiver(user_logged_in)
def remember_second_factor_state(sender, request, user, **kwargs):
    """Note once per session whether the account has a confirmed device (see portal.second_factor)."""
    from portal import second_factor

    if request is not None and hasattr(request, "session"):
        state = "device" if second_factor.has_confirmed_device(user) else "none"
        request.session[second_factor.SESSION_STATE_KEY] = state


# Sent inside the transaction that changed the working-day calendar (portal.services.change_calendar), with the
# dates that changed: apps whose stored deadlines depend on the calendar recompute them (approvals does, for
# every open case those dates affect). sender=CalendarDay, dates=list[date], by=User|None, request=...
calendar_changed = Signal()
