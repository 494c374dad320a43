"""Register the webhook of a 12345 hotline platform: its work orders' replies and follow-up results are pushed there,
signed as Standard Webhooks (the secret is printed once, for the platform's receiver).

    manage.py hotline_webhook 12345-city https://12345.example.gov.cn/hooks/onewindow
"""
from django.core.management.base import BaseCommand, CommandError

from applications.problems.models import HotlinePlatform
from supervision import services


class Command(BaseCommand):
    help = "Add a webhook subscription for a 12345 hotline platform and print its signing secret once."

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument("url")
        parser.add_argument("--name", default="")

    def handle(self, *args, code, url, name, **options):
        platform = HotlinePlatform.objects.filter(code=code).first()
        if platform is None:
            raise CommandError(f"no hotline platform {code!r} (make one with manage.py hotline_token)")
        subscription = services.add_platform_subscription(platform, url, name=name)
        self.stdout.write(f"subscription {subscription.pk} for {platform.code}: {subscription.url}\n"
                          f"signing secret (shown once):\n{subscription.secret}")
