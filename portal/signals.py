from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from portal import clock
from portal.models import CalendarDay


@receiver([post_save, post_delete], sender=CalendarDay)
def calendar_changed(**kwargs):
    clock.forget_calendar()
