"""The classes REST_FRAMEWORK names as defaults for authentication and pagination, in a module of their own: DRF
imports them while rest_framework.views and .generics are still loading, so this module may import nothing that
imports those (portal.api, with the exception handler and the schema class, does)."""
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, pagination


class SessionAuthentication(authentication.SessionAuthentication):
    """DRF's session authentication (the portal's sign-in cookie; the CSRF token checked on every write) that
    names a scheme for the `WWW-Authenticate` header: DRF answers a caller who is not signed in with 401 only
    when the first authentication class has one (otherwise 403, indistinguishable from "not allowed")."""

    def authenticate_header(self, request):
        return 'Session realm="api"'


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page numbers (REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]) where an empty `page=` is a page that does
    not exist (404, as any other that is not a number), not page 1."""

    def get_page_number(self, request, paginator):
        number = request.query_params.get(self.page_query_param)
        if number is not None and not number.strip():
            raise exceptions.NotFound(_("无效页面。"))
        return super().get_page_number(request, paginator)
