"""Make (or replace) the bearer token of a 12345 hotline platform; printed once, only its hash is kept.

    manage.py hotline_token 12345-city --name "延安市12345政务服务便民热线"
"""
from django.core.management.base import BaseCommand

from applications.problems import services
from applications.problems.models import HotlinePlatform


class Command(BaseCommand):
    help = "Make or replace the API token of a 12345 hotline platform (created when the code is new)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the platform's code, e.g. 12345-city")
        parser.add_argument("--name", default="", help="the platform's name (for a new platform)")

    def handle(self, *args, code, name, **options):
        platform, created = HotlinePlatform.objects.get_or_create(code=code, defaults={"name": name or code})
        token = services.issue_platform_token(platform)
        self.stdout.write(("created platform %s\n" % platform.code if created else "")
                          + "token (shown once, only its hash is stored):\n" + token)
