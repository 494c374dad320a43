"""`flush`, as the owner of the schema when DATABASE_OWNER_URL is set.

The app role may not TRUNCATE the audit log (nothing the application runs may wipe it), so emptying the database
is the owner's business, like migrating. The tests flush after each transactional test this way.
"""
from django.core.management.commands.flush import Command as DjangoFlush

from portal import dbroles


class Command(DjangoFlush):
    help = DjangoFlush.help + " Runs as the schema owner (DATABASE_OWNER_URL) when set."

    def handle(self, **options):
        with dbroles.as_owner(options["database"]):
            return super().handle(**options)
