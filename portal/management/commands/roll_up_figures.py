"""Run the dashboards' roll-ups of closed days now (what the nightly task does), e.g. after restoring a backup."""
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from portal import rollups


class Command(BaseCommand):
    help = "Roll up the dashboards' closed days (every registered roll-up) up to yesterday or --through."

    def add_arguments(self, parser):
        parser.add_argument("--through", help="the last day to count (YYYY-MM-DD; default yesterday)")
        parser.add_argument("--from-scratch", action="store_true",
                            help="forget what was counted and count every day again")

    def handle(self, *args, through=None, from_scratch=False, **options):
        try:
            last = date.fromisoformat(through) if through else None
        except ValueError as exc:
            raise CommandError(f"--through: {exc}") from exc
        if from_scratch:
            from portal.models import RollupHorizon

            RollupHorizon.objects.update(rolled_through=None)
        for done in rollups.roll_up_all(last):
            self.stdout.write(f"{done['key']}: {done['rows']} rows, from {done['from'] or 'the start'} through "
                              f"{done['through']} ({done['seconds']:.1f} s)")
