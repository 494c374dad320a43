"""Who may see which application, and so its uploaded files and its notices, on either side of the counter.

One queryset filter for every page, API and download: the applicant side sees its own (applications.policy);
the intake desk what is in intake, at the issuing window or handled by the clerk (approvals.intake.policy);
officers, heads, inspectors and legal reviewers the applications of the cases they may see
(approvals.cases.policy); leaders and administrators everything. Files and notices follow their application,
and are addressed by random ids, never by sequence numbers. What one may not see answers 404.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from applications import policy as applicant_policy
from applications.models import Application, UploadedFile
from approvals.cases import policy as case_policy
from approvals.intake import policy as intake_policy
from approvals.models import Notice
from portal.models import User
from portal.roles import Role

CASE_ROLES = (Role.APPROVAL_OFFICER, Role.SECTION_HEAD, Role.LEGAL_REVIEWER)


def visible_applications(user: User) -> QuerySet[Application]:
    if not (user and user.is_authenticated):
        return Application.objects.none()
    if case_policy.sees_all(user):
        return Application.objects.all()
    rule = applicant_policy.applicant_side_rule(user)
    if user.has_role(Role.WINDOW_CLERK):
        rule |= intake_policy.desk_rule(user)
    if user.has_role(*CASE_ROLES) or user.is_back_office:
        rule |= Q(pk__in=case_policy.visible_cases(user).values("application_id"))
    return Application.objects.filter(rule)


def notice_for(user: User, public_id) -> Notice | None:
    """A notice the user may read (its application is visible to them), by its random id."""
    return (Notice.objects.select_related("application")
            .filter(public_id=public_id, application__in=visible_applications(user)).first())


def file_for(user: User, public_id) -> UploadedFile | None:
    """An uploaded material file the user may open (its application is visible to them)."""
    return (UploadedFile.objects.select_related("application", "material")
            .filter(public_id=public_id, application__in=visible_applications(user)).first())
