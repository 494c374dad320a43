"""Celery tasks of the catalogue: thin (the schedule is in portal/settings.py)."""
from celery import shared_task

from catalog import popularity


@shared_task(name="catalog.tasks.refresh_popularity")
def refresh_popularity():
    return popularity.refresh()
