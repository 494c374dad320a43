"""`manage.py verify_audit`: recompute every audit chain; report the first broken link, exit 1 when one is broken."""
import sys

from django.core.management.base import BaseCommand
from django.db import connections
from django.utils.translation import gettext as _

from portal import auditchain, dbroles


class Command(BaseCommand):
    help = ("Recompute the hash chains of the audit log and compare them with their heads. Prints the first broken "
            "link (row id, stream, what differs) and exits with status 1 when the log was tampered with.")

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true",
                            help=f"list every broken link found (up to {auditchain.KEEP_BREAKS}), not only the first")
        parser.add_argument("--database", default="default", help="database alias (default: default)")

    def handle(self, *args, **options):
        database = options["database"]
        report = auditchain.verify(using=database)
        with connections[database].cursor() as cursor:
            problems = dbroles.role_problems(cursor)
        if problems:
            self.stderr.write(self.style.WARNING(
                _("注意：当前数据库连接角色可以改写审计日志（%(problems)s），应使用只具备应用权限的角色连接。")
                % {"problems": "; ".join(problems)}))
        if report.ok:
            self.stdout.write(self.style.SUCCESS(
                _("审计日志完整：%(rows)s 条记录，%(streams)s 条审计链，全部校验通过。")
                % {"rows": report.rows, "streams": report.streams}))
            return
        self.stderr.write(self.style.ERROR(
            _("审计日志校验失败，第一处断裂：%(first)s") % {"first": report.first.describe()}))
        shown = report.breaks if options["all"] else []
        for found in shown[1:]:
            self.stderr.write("  " + found.describe())
        self.stderr.write(_("共 %(rows)s 条记录、%(streams)s 条审计链，发现 %(count)s 处问题。")
                          % {"rows": report.rows, "streams": report.streams, "count": report.total_breaks})
        sys.exit(1)
