"""Who sees which rating, ticket and appeal, and who may do what on them (portal.policy Verdicts).

- An online rating is given by an applicant-side account of a closed application (its applicant's accounts, or
  the account that filed it), within RATING_OPEN_DAYS of completion, once.
- A window visit's rating page belongs to the clerk who opened the visit (the tablet is on the clerk's session).
- Tickets (and the rater's identity on them) are seen by those who handle them: the head of the responsible
  section, and bureau leaders (who see every ticket and handle those with no section). Nobody else: 404.
- Appeals (恶意差评) are asked for by whoever handles the ticket and decided by a bureau leader other than the
  one who asked.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Status
from applications.policy import represented_applicant_ids
from applications.ratings.models import MaliciousAppeal, RectificationTicket, TicketStatus, WindowVisit
from portal.models import User
from portal.policy import ALLOWED, Verdict, conflict, forbidden, rule
from portal.roles import Role


def open_days() -> int:
    return int(getattr(settings, "RATING_OPEN_DAYS", 30))


# --- who the person is ------------------------------------------------------------------------------------------


def is_leader(user: User) -> bool:
    return bool(user and user.is_authenticated and user.has_role(Role.BUREAU_LEADER))


def headed_section_ids(user: User) -> set[int]:
    """Sections whose tickets a section head handles: those the person heads or works in, as a head (the rule of
    the approval side's section heads), cached on the user object for the request."""
    if not (user and user.is_authenticated and user.has_role(Role.SECTION_HEAD)):
        return set()
    cached = getattr(user, "_rating_section_ids", None)
    if cached is None:
        from catalog.models import Section

        cached = set(Section.objects.filter(Q(members=user) | Q(head=user)).values_list("id", flat=True))
        user._rating_section_ids = cached
    return cached


def handles_tickets(user: User) -> bool:
    return is_leader(user) or bool(headed_section_ids(user))


# --- the applicant's online rating --------------------------------------------------------------------------


def rating_side_rule(user: User) -> Q:
    """Applications whose applicant side may rate them: filed by the account or for an applicant it represents."""
    if not (user and user.is_authenticated):
        return Q(pk__in=[])
    ids = represented_applicant_ids(user)
    return Q(filed_by_id=user.pk) | Q(applicant_id__in=ids) if ids else Q(filed_by_id=user.pk)


def rateable_applications(user: User) -> QuerySet[Application]:
    """Applications the account may open the rating page of (a clerk who filed a walk-in is not the applicant)."""
    if not (user and user.is_authenticated) or (user.has_role(Role.WINDOW_CLERK)
                                                 and not user.has_role(Role.APPLICANT, Role.AGENT)):
        return Application.objects.none()
    return Application.objects.filter(rating_side_rule(user)).exclude(status=Status.DRAFT)


def rating_open(application: Application, *, now=None) -> Verdict:
    now = now or timezone.now()
    if application.status != Status.CLOSED or application.finished_at is None:
        return conflict(_("办件办结后才能评价。"), "not_closed")
    if application.finished_at + timedelta(days=open_days()) < now:
        return rule(_("该办件办结已超过 %(n)s 天，评价通道已关闭。") % {"n": open_days()}, "rating_closed")
    if application.ratings.filter(visit__isnull=True).exists():
        return conflict(_("您已评价过该办件，每个办件只能网上评价一次。"), "rated")
    return ALLOWED


# --- the window visit --------------------------------------------------------------------------------------------


def may_open_visit(user: User) -> Verdict:
    if user and user.is_authenticated and user.has_role(Role.WINDOW_CLERK):
        return ALLOWED
    return forbidden(_("只有窗口人员可以发起现场评价。"))


def visible_visits(user: User) -> QuerySet[WindowVisit]:
    if not (user and user.is_authenticated and user.has_role(Role.WINDOW_CLERK)):
        return WindowVisit.objects.none()
    return WindowVisit.objects.filter(clerk=user)


# --- tickets ------------------------------------------------------------------------------------------------------


def visible_tickets(user: User) -> QuerySet[RectificationTicket]:
    tickets = RectificationTicket.objects.all()
    if is_leader(user):
        return tickets
    ids = headed_section_ids(user)
    return tickets.filter(section_id__in=ids) if ids else tickets.none()


def handles(ticket: RectificationTicket, user: User) -> Verdict:
    """The head of the responsible section acts on a ticket; a leader acts on one that has no section."""
    if ticket.section_id is not None and ticket.section_id in headed_section_ids(user):
        return ALLOWED
    if ticket.section_id is None and is_leader(user):
        return ALLOWED
    return forbidden(_("差评整改由责任科室负责人办理。"))


def _at(ticket: RectificationTicket, *statuses: str) -> Verdict:
    if ticket.status in statuses:
        return ALLOWED
    return conflict(_("该整改单当前为“%(s)s”，不能执行此操作；请刷新页面。") % {"s": ticket.get_status_display()},
                    "wrong_state")


def may_record_call(ticket: RectificationTicket, user: User) -> Verdict:
    return handles(ticket, user) and _at(ticket, TicketStatus.AWAITING_CALL, TicketStatus.CALLED)


def may_record_rectification(ticket: RectificationTicket, user: User) -> Verdict:
    return handles(ticket, user) and _at(ticket, TicketStatus.CALLED, TicketStatus.RECTIFIED)


def may_close(ticket: RectificationTicket, user: User) -> Verdict:
    return handles(ticket, user) and _at(ticket, TicketStatus.RECTIFIED)


def may_appeal(ticket: RectificationTicket, user: User) -> Verdict:
    verdict = handles(ticket, user) and _at(ticket, *[s for s in TicketStatus.values
                                                     if s not in (TicketStatus.CLOSED, TicketStatus.VOID)])
    if verdict and ticket.rating.appeals.filter(outcome=MaliciousAppeal.Outcome.PENDING).exists():
        return conflict(_("该差评已有待确认的申诉。"), "appeal_pending")
    return verdict


# --- appeals ------------------------------------------------------------------------------------------------------


def visible_appeals(user: User) -> QuerySet[MaliciousAppeal]:
    appeals = MaliciousAppeal.objects.all()
    if is_leader(user):
        return appeals
    ids = headed_section_ids(user)
    return appeals.filter(rating__ticket__section_id__in=ids) if ids else appeals.none()


def may_decide_appeal(appeal: MaliciousAppeal, user: User) -> Verdict:
    if not is_leader(user):
        return forbidden(_("恶意差评须由局领导确认。"))
    if appeal.requested_by_id == user.pk:
        return rule(_("申诉人不能确认自己提出的申诉。"), "own_appeal")
    if appeal.outcome != MaliciousAppeal.Outcome.PENDING:
        return conflict(_("该申诉已处理。"), "decided")
    return ALLOWED
