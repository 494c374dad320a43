"""Sign in with a username or a mobile number."""
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from portal.models import User


class UsernameOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not username or not password:
            return None
        identifier = username.strip()
        user = User.objects.filter(Q(username__iexact=identifier) | Q(mobile=identifier)).first()
        if user is None:
            # Run the hasher anyway so timing does not tell whether the account exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
