from django.core.management.base import BaseCommand

from portal import services


class Command(BaseCommand):
    help = "Load the official working-day calendar from the chinesecalendar package; manual edits are kept."

    def handle(self, *args, **options):
        count = services.seed_calendar_from_package()
        self.stdout.write(f"{count} calendar exceptions loaded")
        alert = services.check_calendar_coverage()
        if alert:
            self.stdout.write(self.style.WARNING(alert.message))
