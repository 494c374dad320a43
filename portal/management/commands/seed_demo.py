"""Load the demo data of every app: accounts (portal), then each app's `load_demo()` in INSTALLED_APPS order."""
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from portal import demo


class Command(BaseCommand):
    help = "Load demo accounts (one per role) and each app's demo data. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production", action="store_true", help="load even with DEBUG off (never on a real site)"
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError("Demo accounts have known passwords: refused with DEBUG off (--allow-production).")
        rows = demo.load()
        for config in apps.get_app_configs():
            loader = getattr(config, "load_demo", None)
            if callable(loader):
                summary = loader()
                self.stdout.write(f"{config.label}: {summary or 'ok'}")
        # The demo's history is dated back: the dashboards read it from the roll-ups, as the nightly task leaves them.
        from portal import rollups

        for done in rollups.roll_up_all():
            self.stdout.write(f"roll-up {done['key']}: {done['rows']} rows through {done['through']}")
        self.stdout.write("")
        self.stdout.write("演示账号（用户名 / 角色 / 密码）:")
        for username, label, password in rows:
            self.stdout.write(f"  {username:<12} {label:<12} {password}")
