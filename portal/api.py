"""The one place the API turns domain errors into HTTP answers (REST_FRAMEWORK["EXCEPTION_HANDLER"]).

Services raise plain Django errors with Chinese messages (portal.errors); every viewset just calls them:
DomainError (and any ValidationError) -> 400 `{"detail": [messages]}`, PermissionDenied -> 403, Conflict -> 409,
Throttled -> 429, Http404 / a missing row -> 404. DRF's own errors pass through unchanged.
"""
from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from portal.errors import Conflict, Throttled


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "操作冲突，请刷新后重试。"
    default_code = "conflict"


class TooMany(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "请求过于频繁，请稍后再试。"
    default_code = "throttled"


def as_api_error(exc: Exception) -> Exception:
    """The DRF exception for a domain error (the messages stay as the service wrote them)."""
    if isinstance(exc, Conflict):
        return ConflictError(" ".join(exc.messages))
    if isinstance(exc, Throttled):
        return TooMany(" ".join(exc.messages))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError({"detail": exc.messages})
    if isinstance(exc, ObjectDoesNotExist):
        return exceptions.NotFound(_("对象不存在或无权查看。"))
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def exception_handler(exc, context):
    return drf_exception_handler(as_api_error(exc), context)
