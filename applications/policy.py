"""Who on the applicant's side may see an application: the account that filed it (an applicant, an agent, or a
clerk for a walk-in) and every account that represents its applicant. Staff visibility is the staff side's
(approvals.policy), which builds on this rule: applications never imports approvals.

The represented applicants are looked up first (a short list), so the filter is `filed_by = X OR applicant_id IN
(...)`, which two indexes serve; an EXISTS over representations made PostgreSQL scan every application.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from applications.models import Application, Representation
from portal.models import User


def represented_applicant_ids(user: User) -> list[int]:
    cached = getattr(user, "_represented_applicant_ids", None)
    if cached is None:
        cached = list(Representation.objects.filter(user=user).values_list("applicant_id", flat=True))
        user._represented_applicant_ids = cached
    return cached


def applicant_side_rule(user: User) -> Q:
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    ids = represented_applicant_ids(user)
    return Q(filed_by_id=user.pk) | Q(applicant_id__in=ids) if ids else Q(filed_by_id=user.pk)


def visible_applications(user: User) -> QuerySet[Application]:
    """Applications an applicant-side account may see: filed by it, or for an applicant it represents."""
    if not (user and user.is_authenticated):
        return Application.objects.none()
    return Application.objects.filter(applicant_side_rule(user))
