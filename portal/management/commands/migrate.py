"""`migrate`, as the owner of the schema when DATABASE_OWNER_URL is set, then the app role's privileges.

The app role (DATABASE_URL) owns nothing, so it cannot change the schema; the owner does that and grants the app
role what it needs afterwards (portal/dbroles.py). Every other option is Django's own.
"""
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from portal import dbroles


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Runs as the schema owner (DATABASE_OWNER_URL) when set, then grants the app role."

    def handle(self, *args, **options):
        database = options["database"]
        with dbroles.as_owner(database):
            super().handle(*args, **options)
            if dbroles.separate_roles() and not options.get("plan") and not options.get("check_unapplied"):
                with connections[database].cursor() as cursor:
                    dbroles.grant_app_privileges(cursor, dbroles.app_role())
                if options["verbosity"] >= 1:
                    self.stdout.write(f"Privileges of the application role {dbroles.app_role()} granted.")
