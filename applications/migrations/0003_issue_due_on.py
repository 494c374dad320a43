"""Art. 44: the issuing window's due date, 10 working days after the decision; applications already waiting
there get theirs from their decision time (by the calendar in the table, first day not counted)."""
from django.db import migrations, models
from django.utils import timezone

ISSUE_LIMIT_DAYS = 10  # as applications.services.ISSUE_LIMIT_DAYS when this was written


def stamp_waiting(apps, schema_editor):
    from portal.workdays import WorkCalendar, add_working_days

    Application = apps.get_model("applications", "Application")
    CalendarDay = apps.get_model("portal", "CalendarDay")
    waiting = list(Application.objects.filter(status="decided", issue_due_on__isnull=True))
    if not waiting:
        return
    rows = list(CalendarDay.objects.values_list("date", "kind"))
    calendar = WorkCalendar(holidays={d for d, k in rows if k == "holiday"},
                            makeup_workdays={d for d, k in rows if k == "workday"})
    for application in waiting:
        decided = application.decided_at or application.updated_at
        application.decided_at = decided
        application.issue_due_on = add_working_days(calendar, timezone.localdate(decided), ISSUE_LIMIT_DAYS)
    Application.objects.bulk_update(waiting, ["decided_at", "issue_due_on"])


class Migration(migrations.Migration):

    dependencies = [
        ("applications", "0002_decided_at_issuing_window"),
        ("portal", "0003_seed_calendar_and_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="issue_due_on",
            field=models.DateField(blank=True, null=True, verbose_name="出件期限"),
        ),
        migrations.RunPython(stamp_waiting, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(condition=models.Q(("status", "decided")), fields=["issue_due_on", "id"],
                               name="application_issuing_idx"),
        ),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.CheckConstraint(
                condition=models.Q(models.Q(("status", "decided"), _negated=True),
                                   models.Q(("decided_at__isnull", False), ("issue_due_on__isnull", False)),
                                   _connector="OR"),
                name="application_decided_has_issue_due"),
        ),
    ]
