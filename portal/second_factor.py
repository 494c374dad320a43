"""The second factor (TOTP through django-otp): who may enrol, who must, and what a session still lacks.

Staff (every back-office role, department users, Django staff) may enrol an authenticator app. Administrators
(the administrator role, Django staff or superusers) must have one before they use the portal when
ADMIN_SECOND_FACTOR_REQUIRED is on, which it is by default whenever DEBUG is off; the `make run` demo runs with
DEBUG on, so its accounts sign in with a password alone.

A person with a confirmed device is signed in only after the code (portal.views.SecondFactorView): the password
alone never makes a session. A session that somehow lacks the code (made by another path, or the device was
enrolled elsewhere afterwards and the session is new) is ended by portal.middleware.SecondFactorMiddleware.
"""
from __future__ import annotations

import io
import time
from base64 import b32encode
from binascii import unhexlify

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.roles import STAFF_ROLES, Role

# The session remembers, from sign-in, whether the account had a confirmed device then (see state()).
SESSION_STATE_KEY = "portal_second_factor"
# A password checked, the code still to come: {"user": pk, "backend": ..., "next": ..., "at": epoch seconds}.
SESSION_PENDING_KEY = "portal_second_factor_pending"
# The secret of an enrolment under way, kept in the session until a code proves the app has it.
SESSION_ENROL_KEY = "portal_second_factor_enrol"
PENDING_SECONDS = 300

ENROLLING_ROLES = STAFF_ROLES | {Role.DEPARTMENT_USER}


def may_enrol(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or user.is_superuser or user.roles & ENROLLING_ROLES))


def required_for(user) -> bool:
    """Whether this account must have a confirmed device before it may do anything else."""
    if not settings.ADMIN_SECOND_FACTOR_REQUIRED or not user.is_authenticated:
        return False
    return bool(user.is_superuser or user.is_staff or user.has_role(Role.ADMINISTRATOR))


def confirmed_device(user) -> TOTPDevice | None:
    if not user.is_authenticated:
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user) -> bool:
    return bool(user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def session_state(request) -> str:
    """What the signed-in session still needs: "ok", "verify" (a device exists, the code was never given in this
    session) or "enrol" (an administrator without a device while the rule is on).

    The device check runs once per session (at sign-in, see portal.signals) and is remembered in it, so pages
    pay no query for it."""
    user = request.user
    if not user.is_authenticated or user.is_verified():
        return "ok"
    known = request.session.get(SESSION_STATE_KEY)
    if known is None:
        known = "device" if has_confirmed_device(user) else "none"
        request.session[SESSION_STATE_KEY] = known
    if known == "device":
        return "verify"
    return "enrol" if required_for(user) else "ok"


# --- enrolment helpers (pure but for the settings) ------------------------------------------------------------


def new_device(user, key: str) -> TOTPDevice:
    """An unsaved device for `key`, with the portal's defaults (6 digits, 30 s steps, one step of drift)."""
    return TOTPDevice(user=user, key=key, name="身份验证器", confirmed=False)


def base32_secret(key: str) -> str:
    """The secret as people type it into an app by hand: base32 in groups of four."""
    text = b32encode(unhexlify(key.encode())).decode().rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def qr_svg(data: str) -> str:
    """An inline SVG QR code (nothing is loaded from anywhere)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]  # no XML declaration inside HTML


def matching_step(device: TOTPDevice, token: str, *, at: float | None = None) -> tuple[int, int] | None:
    """(time step, drift) of a code valid for `device` (which is not saved), else None. Used at enrolment,
    before the device exists; sign-in uses the device's own verify_token (which also refuses replays)."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit() or len(token) != device.digits:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    if totp.verify(int(token), device.tolerance, device.last_t + 1):
        return totp.t(), totp.drift
    return None
