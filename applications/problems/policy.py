"""Who may see a problem ticket and act on it.

- Desk clerks (综合窗口受理人员) receive, record, assign, follow up and close; they see every ticket.
- The assigned side replies: the heads and members of the assigned section, or the members of the assigned
  department; they see the tickets assigned to them.
- Bureau leaders and administrators see everything (leaders are told of overdue tickets).
- The filer sees their own tickets when signed in; anyone with the number and the last four digits of the
  contact mobile follows a ticket on the public page (throttled, no contact data shown).
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from applications.problems.models import ProblemStatus, ProblemTicket
from portal.models import User
from portal.policy import ALLOWED, Verdict, conflict, first_refusal, forbidden
from portal.roles import Role


def _cached(user: User, name: str, load):
    value = getattr(user, name, None)
    if value is None:
        value = load()
        setattr(user, name, value)
    return value


def section_ids(user: User) -> set[int]:
    from catalog.models import Section

    return _cached(user, "_problem_section_ids", lambda: set(
        Section.objects.filter(Q(members=user) | Q(head=user)).values_list("id", flat=True)))


def department_ids(user: User) -> set[int]:
    return _cached(user, "_problem_department_ids",
                   lambda: set(user.departments.values_list("id", flat=True)))


def is_desk(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.WINDOW_CLERK))


def sees_all(user: User) -> bool:
    return bool(user and user.is_authenticated
                and user.has_role(Role.WINDOW_CLERK, Role.BUREAU_LEADER, Role.ADMINISTRATOR))


def is_staff_side(user: User) -> bool:
    """Back-office people who may open the desk's pages at all."""
    return sees_all(user) or bool(user and user.is_authenticated and (
        (user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD) and section_ids(user))
        or (user.has_role(Role.DEPARTMENT_USER) and department_ids(user))))


def assigned_rule(user: User) -> Q:
    rule = Q(pk__in=[])
    if user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD) and section_ids(user):
        rule |= Q(section_id__in=section_ids(user))
    if user.has_role(Role.DEPARTMENT_USER) and department_ids(user):
        rule |= Q(department_id__in=department_ids(user))
    return rule


def visible_tickets(user: User) -> QuerySet[ProblemTicket]:
    if not (user and user.is_authenticated):
        return ProblemTicket.objects.none()
    if sees_all(user):
        return ProblemTicket.objects.all()
    return ProblemTicket.objects.filter(assigned_rule(user) | Q(filed_by_id=user.pk))


def is_assigned_to(user: User, ticket: ProblemTicket) -> bool:
    if ticket.section_id and user.has_role(Role.APPROVAL_OFFICER, Role.SECTION_HEAD):
        return ticket.section_id in section_ids(user)
    if ticket.department_id and user.has_role(Role.DEPARTMENT_USER):
        return ticket.department_id in department_ids(user)
    return False


def _desk_only(user: User) -> Verdict:
    return ALLOWED if is_desk(user) else forbidden(_("只有综合窗口（办不成事反映窗口）人员可以办理此操作。"))


def _in_status(ticket: ProblemTicket, *statuses, message: str) -> Verdict:
    return ALLOWED if ticket.status in statuses else conflict(message, "status")


def may_record(user: User) -> Verdict:
    return _desk_only(user)


def may_assign(user: User, ticket: ProblemTicket) -> Verdict:
    return first_refusal(lambda: _desk_only(user), lambda: _in_status(
        ticket, ProblemStatus.RECEIVED, ProblemStatus.COORDINATING, message=_("该反映已答复，不能再交办。")))


def may_reply(user: User, ticket: ProblemTicket) -> Verdict:
    def side():
        if is_desk(user) or is_assigned_to(user, ticket):
            return ALLOWED
        return forbidden(_("只有承办科室（部门）或综合窗口人员可以答复。"))

    return first_refusal(side, lambda: _in_status(ticket, ProblemStatus.COORDINATING,
                                                  message=_("该反映当前不在协调办理中，不能答复。")))


def may_follow_up(user: User, ticket: ProblemTicket) -> Verdict:
    return first_refusal(lambda: _desk_only(user), lambda: _in_status(
        ticket, ProblemStatus.REPLIED, message=_("答复后才能回访，且每件只回访一次。")))


def may_close(user: User, ticket: ProblemTicket) -> Verdict:
    return first_refusal(lambda: _desk_only(user), lambda: _in_status(
        ticket, ProblemStatus.FOLLOWED_UP, message=_("回访后才能办结。")))
