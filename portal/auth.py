"""Sign in with a username (any case) or a mobile number, every password check through portal.throttle."""
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from portal import services, throttle


class UsernameOrMobileBackend(ModelBackend):
    """The only authentication backend: whatever calls authenticate() (the portal's sign-in form, the admin,
    DRF) meets the same throttle and audit. A refused attempt raises PermissionDenied, which makes
    authenticate() return None at once without trying another backend; the refusal, with its Chinese message,
    is left on the request as `sign_in_refusal` for the form to show."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        try:
            return services.authenticate_password(request, username, password)
        except throttle.TooManyAttempts as refusal:
            if request is not None:
                request.sign_in_refusal = refusal
            raise PermissionDenied(refusal.messages[0]) from None
