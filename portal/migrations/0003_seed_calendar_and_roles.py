"""Seed the role groups and the official calendar for every year the chinesecalendar package knows."""
from django.db import migrations


def seed(apps, schema_editor):
    from portal.calendar_source import official_exceptions
    from portal.roles import Role

    Group = apps.get_model("auth", "Group")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    CalendarDay = apps.get_model("portal", "CalendarDay")
    existing = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=day, kind=kind, name=name, source="chinesecalendar")
            for day, kind, name in official_exceptions()
            if day not in existing
        ]
    )


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_audit_append_only"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
