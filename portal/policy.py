"""The shape every app's policy module answers in: a Verdict, allowed or refused with a Chinese reason.

Each app keeps its own `policy.py` (who may see which objects: a queryset filter every page, API and download
uses; who may do what now: functions returning a Verdict). Services call `verdict.enforce()` on the rows they
locked; pages and the API read the same functions to show or hide an action, so the two cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from portal.errors import Conflict, DomainError


@dataclass(frozen=True)
class Verdict:
    """Allowed (truthy) or refused with a Chinese reason; `enforce()` raises the refusal."""

    reason: str = ""
    error: type[Exception] = PermissionDenied
    code: str = ""

    def __bool__(self) -> bool:
        return not self.reason

    def enforce(self) -> None:
        if not self.reason:
            return
        if self.error is PermissionDenied:
            raise PermissionDenied(self.reason)
        raise self.error(self.reason, code=self.code)


ALLOWED = Verdict()


def forbidden(reason: str) -> Verdict:
    return Verdict(str(reason), PermissionDenied, "forbidden")


def rule(reason: str, code: str) -> Verdict:
    return Verdict(str(reason), DomainError, code)


def conflict(reason: str, code: str) -> Verdict:
    return Verdict(str(reason), Conflict, code)


def first_refusal(*checks) -> Verdict:
    """The first refusing verdict of `checks` (callables, evaluated in order, lazily), else ALLOWED."""
    for check in checks:
        verdict = check()
        if not verdict:
            return verdict
    return ALLOWED
