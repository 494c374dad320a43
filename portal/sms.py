"""Pluggable SMS: the default backend writes messages to the log; a real gateway is one more class."""
import logging

from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger("portal.sms")


class ConsoleSMSBackend:
    sent: list[tuple[str, str]] = []  # the last messages, for local inspection

    def send(self, mobile: str, text: str) -> None:
        log.info("SMS to %s: %s", mobile, text)
        print(f"[短信] {mobile}: {text}", flush=True)
        ConsoleSMSBackend.sent = (ConsoleSMSBackend.sent + [(mobile, text)])[-100:]


def send_sms(mobile: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(mobile, text)
