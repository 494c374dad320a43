"""The API's authentication (REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]), in a module of its own: DRF
imports it while rest_framework.views is still loading, so it may import nothing that imports that module
(portal.api, with the exception handler and the schema class, does)."""
from rest_framework import authentication


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (the portal's sign-in cookie; the CSRF token checked on every write) that
    names a scheme for the `WWW-Authenticate` header: DRF answers a caller who is not signed in with 401 only
    when the first authentication class has one (otherwise 403, indistinguishable from "not allowed")."""

    def authenticate_header(self, request):
        return 'Session realm="api"'
