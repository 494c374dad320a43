"""Errors the applicant's side raises to its callers (views, API, approvals): plain, Chinese, shown as they are."""
from django.core.exceptions import PermissionDenied, ValidationError


class DomainError(ValidationError):
    """A rule of the domain refused the request (wrong state, missing material, limit reached...)."""


class Conflict(DomainError):
    """Someone else changed the same thing first (two clerks, two tabs); reload and look again."""


class Throttled(DomainError):
    """Too many attempts in a short time."""


__all__ = ["Conflict", "DomainError", "PermissionDenied", "Throttled"]
