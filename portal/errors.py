"""Errors the domain raises to its callers (views, API, tasks): plain, Chinese, shown as they are.

The API turns them into HTTP answers in one place (portal.api.exception_handler): DomainError 400,
PermissionDenied 403, Conflict 409, Throttled 429.
"""
from django.core.exceptions import PermissionDenied, ValidationError


class DomainError(ValidationError):
    """A rule of the domain refused the request (wrong state, missing material, limit reached...)."""


class Conflict(DomainError):
    """Someone else changed the same thing first (two clerks, two tabs); reload and look again."""


class Throttled(DomainError):
    """Too many attempts in a short time."""


__all__ = ["Conflict", "DomainError", "PermissionDenied", "Throttled"]
