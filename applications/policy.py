"""Who on the applicant's side may see an application: the account that filed it (an applicant, an agent, or a
clerk for a walk-in) and every account that represents its applicant. Staff visibility is the staff side's
(approvals.policy), which builds on this rule: applications never imports approvals.

The represented applicants are looked up first (a short list), so the filter is `filed_by = X OR applicant_id IN
(...)`, which two indexes serve; an EXISTS over representations made PostgreSQL scan every application.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from applications.models import AgentConsent, Applicant, Application, Representation
from portal import clock
from portal.models import User
from portal.roles import Role


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


def licence_holder_ids(user: User) -> list[str]:
    """The ID numbers (citizen ID or credit code) whose licences in the registry an applicant-side account may see:
    those of the applicants it represents, and for an agent those of the applicants whose consent it holds today
    (any scope: the licences are what the agent files with). Cached on the user object for the request."""
    cached = getattr(user, "_licence_holder_ids", None)
    if cached is not None:
        return cached
    if not (user and user.is_authenticated):
        return []
    applicant_ids = set(represented_applicant_ids(user))
    if user.has_role(Role.AGENT):
        today = clock.today()
        applicant_ids.update(AgentConsent.objects.filter(
            agent=user, revoked_at__isnull=True, valid_from__lte=today, valid_until__gte=today,
        ).values_list("applicant_id", flat=True))
    cached = sorted(Applicant.objects.filter(pk__in=applicant_ids).values_list("id_number", flat=True)) \
        if applicant_ids else []
    user._licence_holder_ids = cached
    return cached
