"""Who may see which certificate and who may change its standing.

A certificate follows its application (approvals.policy.visible_applications): the applicant side, and staff
who may see the application; its holder's side may also download it when someone else filed it (the licence is
theirs). The bureau's back office searches the whole registry (the verification facts; the PDF only where the
application is theirs to see). The public sees only what the verification page shows. Revoking, suspending and
reinstating are acts of the bureau's leadership (a section head for the section's items, a bureau leader for any)
or of the supervision handoff (which calls the service as the department's user, with the leader's authority
recorded); correcting (a new version) is for the certifiers of the item's section and the leadership.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from applications import policy as applicant_policy
from approvals.certificates.models import Certificate
from approvals.cases import policy as case_policy
from portal.models import User
from portal.policy import ALLOWED, Verdict, conflict, forbidden
from portal.roles import Role


def visible_certificates(user: User) -> QuerySet[Certificate]:
    """Certificates a person may download: those of the applications they may see, and, on the applicant's side,
    those held by the applicants whose licences they may see (the holder's page, /licences/), whoever filed them."""
    from approvals.policy import visible_applications  # approvals.policy imports the packages' policies

    if not (user and user.is_authenticated):
        return Certificate.objects.none()
    if case_policy.sees_all(user):
        return Certificate.objects.all()
    rule = Q(application__in=visible_applications(user))
    holder_ids = applicant_policy.licence_holder_ids(user)
    if holder_ids:
        rule |= Q(holder_id_number__in=holder_ids)
    return Certificate.objects.filter(rule)


# The registry search (/office/licences/): the bureau's back office, never a supervising department's users (they
# get their decisions through the handoff) nor the applicant's side (the holder's page is theirs).
REGISTRY_SEARCHERS = (Role.WINDOW_CLERK, Role.APPROVAL_OFFICER, Role.SECTION_HEAD, Role.LEGAL_REVIEWER,
                      Role.BUREAU_LEADER, Role.ADMINISTRATOR)
HOLDER_ROLES = (Role.APPLICANT, Role.AGENT)


def may_search_registry(user: User) -> Verdict:
    if user and user.is_authenticated and user.has_role(*REGISTRY_SEARCHERS):
        return ALLOWED
    return forbidden(_("只有行政审批服务局的工作人员可以查询电子证照库。"))


def may_see_own_licences(user: User) -> Verdict:
    if user and user.is_authenticated and user.has_role(*HOLDER_ROLES):
        return ALLOWED
    return forbidden(_("“我的证照”供申请人和帮办代办员使用；工作人员请使用电子证照库查询。"))


def certificate_for(user: User, public_id) -> Certificate | None:
    return visible_certificates(user).select_related("application").filter(public_id=public_id).first()


def _leads_item(certificate: Certificate, user: User) -> Verdict:
    if user.has_role(Role.BUREAU_LEADER):
        return ALLOWED
    if user.has_role(Role.SECTION_HEAD) and certificate.case.section.head_id == user.pk:
        return ALLOWED
    return forbidden(_("只有承办科室负责人或局领导可以变更证照状态。"))


def can_change_standing(certificate: Certificate, user: User, to: str) -> Verdict:
    verdict = _leads_item(certificate, user)
    if not verdict:
        return verdict
    standing = certificate.standing
    allowed = {
        Certificate.Standing.REVOKED: (Certificate.Standing.VALID, Certificate.Standing.SUSPENDED),
        Certificate.Standing.SUSPENDED: (Certificate.Standing.VALID,),
        Certificate.Standing.VALID: (Certificate.Standing.SUSPENDED,),
    }[to]
    if standing not in allowed:
        return conflict(_("证照当前状态为“%(s)s”，不能执行该操作。") % {"s": certificate.get_standing_display()},
                        "standing")
    return ALLOWED


def can_correct(certificate: Certificate, user: User) -> Verdict:
    in_section = (user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD)
                  and certificate.case.section_id in case_policy.section_ids(user))
    if not (in_section or user.has_role(Role.BUREAU_LEADER)):
        return forbidden(_("只有承办科室的审批人员、负责人或局领导可以更正证照。"))
    if certificate.standing != Certificate.Standing.VALID:
        return conflict(_("只有有效的证照可以更正换发。"), "standing")
    return ALLOWED
