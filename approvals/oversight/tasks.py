"""The nightly roll-up of the dashboards' closed days (rollup.py); scheduled in portal/settings.py."""
from celery import shared_task

from approvals.oversight import rollup


@shared_task(name="approvals.tasks.roll_up_dashboard_days")
def roll_up_dashboard_days():
    """Idempotent: counts yesterday (and every day marked stale since the last run) into the roll-up."""
    done = rollup.roll_up()
    return {"from": str(done["from"]) if done["from"] else None, "through": str(done["through"]), "rows": done["rows"]}
